//! `gen deploy` and `gen destroy`: the rule pack rolled out from the admin (management or
//! delegated-admin) account with the templates `gen synth` writes, as CloudFormation stacks
//! there: per target region the artifact bucket stack, then content-addressed uploads, then
//! in the admin region the StackSet stack (its StackSet deploys `member.yaml` to the OUs ×
//! regions and to accounts that join them), and in conformance-pack mode the organization
//! conformance pack stack per region. Every stack is planned with a change set first, so a
//! re-run with nothing changed changes nothing and says so, and `--dry-run` shows the plan.

mod package;
mod preflight;
mod stack;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_cloudformation::types::{StackInstanceDetailedStatus, StackInstanceStatus};
use guardrails_core::aws::error_text;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::synth::{self, artifact_bucket_name, member, Mode, SynthOptions, PACKS, PACK_NAME};
use crate::targets::{self, regional};
use crate::{catalog, AwsTarget};
use package::Artifact;
use stack::{Change, StackSpec};

const ARTIFACTS_STACK: &str = "neptune-guardrails-artifacts";
const STACKSET_STACK: &str = "neptune-guardrails-stackset";
const PACKS_STACK: &str = "neptune-guardrails-conformance-packs";

/// Who the StackSet calls act as.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallAs {
    /// The management account.
    #[value(name = "SELF")]
    SelfAccount,
    /// A delegated administrator of StackSets (and Config, for conformance packs).
    #[value(name = "DELEGATED_ADMIN")]
    DelegatedAdmin,
}

impl CallAs {
    fn as_str(self) -> &'static str {
        match self {
            CallAs::SelfAccount => "SELF",
            CallAs::DelegatedAdmin => "DELEGATED_ADMIN",
        }
    }
}

/// What deploy and destroy share: where, how, and whether to ask.
#[derive(clap::Args, Debug)]
pub struct Common {
    /// The admin region: home of the StackSet (and its artifact bucket).
    #[command(flatten)]
    aws: AwsTarget,
    /// Print what would be created, updated or deleted, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Change without asking (needed when stdin is not a terminal).
    #[arg(long)]
    yes: bool,
    /// Longest wait for one stack operation, StackSet roll-outs included, in minutes.
    #[arg(long, default_value_t = 60)]
    timeout_minutes: u64,
}

#[derive(clap::Args, Debug)]
pub struct DeployArgs {
    #[command(flatten)]
    common: Common,
    /// Regions, OUs, mode, IAM home region and architecture (as for `gen synth`).
    #[command(flatten)]
    options: SynthOptions,
    #[arg(long, value_enum, default_value = "SELF")]
    call_as: CallAs,
    /// Built rule binaries in cargo-lambda layout: DIR/RULE-ID/bootstrap.
    #[arg(long, default_value = "target/lambda")]
    binaries: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct DestroyArgs {
    #[command(flatten)]
    common: Common,
    /// Regions deploy targeted (where the artifact and conformance pack stacks are).
    #[arg(long, value_delimiter = ',', required = true)]
    regions: Vec<String>,
    /// Also empty and delete the artifact buckets (kept by default: they hold every version
    /// of the code the member accounts ran).
    #[arg(long)]
    purge: bool,
}

impl Common {
    /// The SDK configuration of the admin region, that region, and the caller's account.
    async fn connect(&self) -> Result<(SdkConfig, String, String), String> {
        let base =
            guardrails_core::aws::load(self.aws.region.clone(), self.aws.endpoint_url.clone())
                .await;
        let region = base
            .region()
            .map(|r| r.to_string())
            .ok_or("no admin region: give --region or set AWS_REGION")?;
        let caller = targets::caller_account(&base).await?;
        Ok((base, region, caller))
    }
}

/// One step of a plan, for the printout and for carrying it out.
enum Step {
    Stack(StackSpec, Change),
    /// Delete a stack `gen deploy` made.
    Delete {
        name: String,
        region: String,
    },
    Upload {
        region: String,
        bucket: String,
        artifacts: Vec<Artifact>,
    },
    Purge {
        region: String,
        bucket: String,
    },
}

impl Step {
    fn changes(&self) -> bool {
        match self {
            Step::Stack(_, change) => *change != Change::Unchanged,
            Step::Upload { artifacts, .. } => !artifacts.is_empty(),
            Step::Delete { .. } | Step::Purge { .. } => true,
        }
    }

    fn describe(&self) -> String {
        match self {
            Step::Stack(spec, change) => {
                format!(
                    "stack {} ({}): {}",
                    spec.name,
                    spec.region,
                    change.describe()
                )
            }
            Step::Upload {
                bucket, artifacts, ..
            } if artifacts.is_empty() => format!("s3://{bucket}: artifacts unchanged"),
            Step::Upload {
                bucket, artifacts, ..
            } => format!(
                "s3://{bucket}: upload {} ({})",
                artifacts.len(),
                artifacts
                    .iter()
                    .map(|a| a.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Step::Delete { name, region } => format!("stack {name} ({region}): delete"),
            Step::Purge { bucket, .. } => {
                format!("s3://{bucket}: delete every object version and the bucket")
            }
        }
    }
}

fn fail(command: &str, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("gen {command}: {message}");
    ExitCode::from(2)
}

/// S3 as AWS wants it; with an endpoint URL (an emulator such as moto), path-style addresses
/// and request checksums only where S3 requires them (moto refuses the SDK's default
/// streaming checksum trailer on uploads).
fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let mut config = aws_sdk_s3::config::Builder::from(sdk);
    if sdk.endpoint_url().is_some() {
        config = config.force_path_style(true).request_checksum_calculation(
            aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
        );
    }
    aws_sdk_s3::Client::from_conf(config.build())
}

/// The admin region first, then the target regions: every region with an artifact bucket.
fn bucket_regions(admin: &str, regions: &[String]) -> Vec<String> {
    let mut all = vec![admin.to_string()];
    all.extend(regions.iter().filter(|r| *r != admin).cloned());
    all
}

fn progress(steps: u64, template: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(template)
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Ask on a terminal; refuse (false) when stdin is not one.
fn confirm(command: &str, yes: bool) -> bool {
    if yes {
        return true;
    }
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "gen {command}: changes are pending and stdin is not a terminal to ask on; \
             run again with --yes to apply them (or --dry-run to only look)"
        );
        return false;
    }
    eprint!("gen {command}: apply these changes? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok()
        && matches!(answer.trim(), "y" | "Y" | "yes" | "YES")
}

/// Objects of `artifacts` that the bucket does not hold yet (all when it does not exist).
async fn missing(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    artifacts: &[Artifact],
) -> Result<Vec<Artifact>, String> {
    let mut out = Vec::new();
    for artifact in artifacts {
        match s3
            .head_object()
            .bucket(bucket)
            .key(&artifact.key)
            .send()
            .await
        {
            Ok(_) => {}
            Err(err)
                if err.as_service_error().is_some_and(|e| e.is_not_found())
                    || err
                        .raw_response()
                        .is_some_and(|r| r.status().as_u16() == 404) =>
            {
                out.push(artifact.clone())
            }
            Err(err) => {
                return Err(format!(
                    "HeadObject s3://{bucket}/{} failed: {}",
                    artifact.key,
                    error_text(&err)
                ))
            }
        }
    }
    Ok(out)
}

pub async fn deploy(args: DeployArgs) -> ExitCode {
    let cmd = "deploy";
    let options = &args.options;
    if options.ous.is_empty() {
        return fail(
            cmd,
            "--ous is required: the OUs (ou-…) or root (r-…) to deploy to",
        );
    }
    if let Some(bad) = options
        .ous
        .iter()
        .find(|ou| !(ou.starts_with("ou-") || ou.starts_with("r-")))
    {
        return fail(
            cmd,
            format!("`{bad}` is not an OU id (ou-…) or root id (r-…)"),
        );
    }
    // Artifacts first (local, no AWS call): the rule zips, content-addressed.
    let mut rule_artifacts = Vec::new();
    for spec in catalog::SPECS {
        match package::rule_artifact(&args.binaries, spec) {
            Ok(artifact) => rule_artifacts.push((spec, artifact)),
            Err(message) => return fail(cmd, message),
        }
    }
    let (base, admin_region, caller) = match args.common.connect().await {
        Ok(connected) => connected,
        Err(message) => return fail(cmd, message),
    };
    let (organization, findings) =
        preflight::check(&base, &options.regions, &caller, args.call_as, options.mode).await;
    for warning in &findings.warnings {
        eprintln!("gen deploy: warning: {warning}");
    }
    if !findings.problems.is_empty() {
        for problem in &findings.problems {
            eprintln!("gen deploy: {problem}");
        }
        return fail(cmd, "preconditions not met; nothing was changed");
    }
    let organization = organization.expect("no problems means the organization was read");

    let files = synth::synthesize(options);
    let text = |name: &str| files[&PathBuf::from(name)].clone();
    let member_template = package::template_artifact("member", &text("member.yaml"));
    let pack_templates: Vec<(&str, Artifact)> = PACKS
        .iter()
        .map(|pack| {
            let stem = pack.file.trim_end_matches(".yaml");
            (
                pack.key_parameter,
                package::template_artifact(stem, &text(pack.file)),
            )
        })
        .collect();
    let mut artifacts: Vec<Artifact> = rule_artifacts.iter().map(|(_, a)| a.clone()).collect();
    artifacts.push(member_template.clone());
    if options.mode == Mode::ConformancePack {
        artifacts.extend(pack_templates.iter().map(|(_, a)| a.clone()));
    }

    // The plan, in the order it is carried out.
    let mut steps = Vec::new();
    for region in bucket_regions(&admin_region, &options.regions) {
        let sdk = regional(&base, &region);
        let cf = aws_sdk_cloudformation::Client::new(&sdk);
        let spec = StackSpec {
            name: ARTIFACTS_STACK.into(),
            region: region.clone(),
            body: text("admin-artifacts.yaml"),
            parameters: vec![("OrganizationId".into(), organization.id.clone())],
        };
        match stack::plan(&cf, &spec).await {
            Ok(change) => steps.push(Step::Stack(spec, change)),
            Err(message) => return fail(cmd, message),
        }
        let bucket = artifact_bucket_name(&caller, &region);
        match missing(&s3_client(&sdk), &bucket, &artifacts).await {
            Ok(new) => steps.push(Step::Upload {
                region,
                bucket,
                artifacts: new,
            }),
            Err(message) => return fail(cmd, message),
        }
    }
    let mut stackset_parameters = vec![
        (
            "TargetOrganizationalUnitIds".to_string(),
            options.ous.join(","),
        ),
        ("TargetRegions".into(), options.regions.join(",")),
        ("CallAs".into(), args.call_as.as_str().into()),
        ("MemberTemplateKey".into(), member_template.key.clone()),
    ];
    for (spec, artifact) in &rule_artifacts {
        stackset_parameters.push((member::code_key_parameter(spec), artifact.key.clone()));
    }
    let admin_sdk = regional(&base, &admin_region);
    let admin_cf = aws_sdk_cloudformation::Client::new(&admin_sdk);
    let spec = StackSpec {
        name: STACKSET_STACK.into(),
        region: admin_region.clone(),
        body: text("admin-stackset.yaml"),
        parameters: stackset_parameters,
    };
    match stack::plan(&admin_cf, &spec).await {
        Ok(change) => steps.push(Step::Stack(spec, change)),
        Err(message) => return fail(cmd, message),
    }
    if options.mode == Mode::ConformancePack {
        for region in &options.regions {
            let cf = aws_sdk_cloudformation::Client::new(&regional(&base, region));
            let spec = StackSpec {
                name: PACKS_STACK.into(),
                region: region.clone(),
                body: text("admin-conformance-pack.yaml"),
                parameters: pack_templates
                    .iter()
                    .map(|(parameter, a)| (parameter.to_string(), a.key.clone()))
                    .collect(),
            };
            match stack::plan(&cf, &spec).await {
                Ok(change) => steps.push(Step::Stack(spec, change)),
                Err(message) => return fail(cmd, message),
            }
        }
    }

    println!(
        "gen deploy: organization {}, OUs {}, regions {}, mode {}, admin region {admin_region}{}",
        organization.id,
        options.ous.join(","),
        options.regions.join(","),
        options.mode.as_str(),
        if args.common.dry_run {
            " (dry run)"
        } else {
            ""
        }
    );
    for step in &steps {
        println!("  {}", step.describe());
    }
    let applied = execute(cmd, &base, &args.common, steps).await;
    if applied == ExitCode::SUCCESS && !args.common.dry_run {
        let cf = aws_sdk_cloudformation::Client::new(&admin_sdk);
        if let Err(message) = report_instances(&cf, args.call_as).await {
            return fail(cmd, message);
        }
    }
    applied
}

/// Count the StackSet's instances and name each that is not CURRENT with its reason; an
/// error when one failed.
async fn report_instances(
    cf: &aws_sdk_cloudformation::Client,
    call_as: CallAs,
) -> Result<(), String> {
    let mut pages = cf
        .list_stack_instances()
        .stack_set_name(PACK_NAME)
        .call_as(aws_sdk_cloudformation::types::CallAs::from(
            call_as.as_str(),
        ))
        .into_paginator()
        .send();
    let (mut total, mut lines, mut failed) = (0, Vec::new(), false);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("ListStackInstances failed: {}", error_text(&e)))?;
        for instance in page.summaries() {
            total += 1;
            let status = instance.status();
            if status == Some(&StackInstanceStatus::Current) {
                continue;
            }
            let detailed = instance
                .stack_instance_status()
                .and_then(|s| s.detailed_status());
            failed |= status == Some(&StackInstanceStatus::Inoperable)
                || detailed == Some(&StackInstanceDetailedStatus::Failed);
            lines.push(format!(
                "{} {} {}{}: {}",
                instance.account().unwrap_or("?"),
                instance.region().unwrap_or("?"),
                status.map_or("?", |s| s.as_str()),
                detailed.map_or(String::new(), |d| format!(" ({})", d.as_str())),
                instance.status_reason().unwrap_or("no reason given")
            ));
        }
    }
    println!(
        "gen deploy: StackSet {PACK_NAME}: {total} stack instance(s), {} not CURRENT",
        lines.len()
    );
    for line in &lines {
        println!("  {line}");
    }
    if failed {
        return Err(
            "some stack instances failed (above); fix them and run gen deploy again".into(),
        );
    }
    Ok(())
}

/// Drop the change sets a plan made (a dry run, or a plan the user declined).
async fn discard_all(base: &SdkConfig, steps: &[Step]) {
    for step in steps {
        if let Step::Stack(spec, change) = step {
            let cf = aws_sdk_cloudformation::Client::new(&regional(base, &spec.region));
            stack::discard(&cf, spec, change).await;
        }
    }
}

/// Print the outcome of a plan, or carry it out after confirmation.
async fn execute(cmd: &str, base: &SdkConfig, common: &Common, steps: Vec<Step>) -> ExitCode {
    let changes = steps.iter().filter(|s| s.changes()).count();
    if changes == 0 {
        println!("gen {cmd}: nothing to change");
        return ExitCode::SUCCESS;
    }
    if common.dry_run {
        discard_all(base, &steps).await;
        println!("gen {cmd}: dry run: {changes} step(s) would change; nothing was changed");
        return ExitCode::SUCCESS;
    }
    if !confirm(cmd, common.yes) {
        discard_all(base, &steps).await;
        return ExitCode::from(2);
    }
    let timeout = Duration::from_secs(common.timeout_minutes * 60);
    for step in &steps {
        if !step.changes() {
            continue;
        }
        let result = match step {
            Step::Stack(spec, change) => {
                let cf = aws_sdk_cloudformation::Client::new(&regional(base, &spec.region));
                let bar = progress(1, "{spinner} {elapsed} {wide_msg}");
                let applied = stack::apply(&cf, spec, change, timeout, &bar).await;
                bar.finish_and_clear();
                applied
            }
            Step::Delete { name, region } => {
                let cf = aws_sdk_cloudformation::Client::new(&regional(base, region));
                let bar = progress(1, "{spinner} {elapsed} {wide_msg}");
                let deleted = stack::delete(&cf, name, timeout, &bar).await;
                bar.finish_and_clear();
                deleted
            }
            Step::Upload {
                region,
                bucket,
                artifacts,
            } => upload(&s3_client(&regional(base, region)), bucket, artifacts).await,
            Step::Purge { region, bucket } => {
                purge(&s3_client(&regional(base, region)), bucket).await
            }
        };
        match result {
            Ok(()) => println!("gen {cmd}: done: {}", step.describe()),
            Err(message) => {
                return fail(
                    cmd,
                    format!(
                    "{message}\nwhat finished before stays; fix the cause and run gen {cmd} again"
                ),
                )
            }
        }
    }
    println!("gen {cmd}: {changes} step(s) applied");
    ExitCode::SUCCESS
}

async fn upload(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    artifacts: &[Artifact],
) -> Result<(), String> {
    let bar = progress(
        artifacts.len() as u64,
        "{spinner} [{bar:30}] {pos}/{len} uploads {wide_msg}",
    );
    for artifact in artifacts {
        bar.set_message(artifact.key.clone());
        s3.put_object()
            .bucket(bucket)
            .key(&artifact.key)
            .content_type(artifact.content_type)
            .body(artifact.bytes.clone().into())
            .send()
            .await
            .map_err(|e| {
                format!(
                    "PutObject s3://{bucket}/{} failed: {}",
                    artifact.key,
                    error_text(&e)
                )
            })?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

/// Delete every object version and delete marker, then the bucket.
async fn purge(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<(), String> {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    loop {
        let listed = s3
            .list_object_versions()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| format!("ListObjectVersions {bucket} failed: {}", error_text(&e)))?;
        let mut doomed = Vec::new();
        for (key, version) in listed
            .versions()
            .iter()
            .map(|v| (v.key(), v.version_id()))
            .chain(
                listed
                    .delete_markers()
                    .iter()
                    .map(|m| (m.key(), m.version_id())),
            )
        {
            if let Some(key) = key {
                let id = ObjectIdentifier::builder()
                    .key(key)
                    .set_version_id(version.map(str::to_string))
                    .build()
                    .map_err(|e| format!("bad object id: {e}"))?;
                doomed.push(id);
            }
        }
        if doomed.is_empty() {
            break;
        }
        for chunk in doomed.chunks(1000) {
            let delete = Delete::builder()
                .set_objects(Some(chunk.to_vec()))
                .build()
                .map_err(|e| format!("bad delete request: {e}"))?;
            s3.delete_objects()
                .bucket(bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| format!("DeleteObjects in {bucket} failed: {}", error_text(&e)))?;
        }
    }
    s3.delete_bucket()
        .bucket(bucket)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("DeleteBucket {bucket} failed: {}", error_text(&e)))
}

pub async fn destroy(args: DestroyArgs) -> ExitCode {
    let cmd = "destroy";
    let (base, admin_region, caller) = match args.common.connect().await {
        Ok(connected) => connected,
        Err(message) => return fail(cmd, message),
    };
    // Reverse deploy order: packs, the StackSet (CloudFormation removes its stack
    // instances first), then the artifact stacks (their buckets are retained).
    let mut found: Vec<(String, String)> = args
        .regions
        .iter()
        .map(|r| (PACKS_STACK.to_string(), r.clone()))
        .collect();
    found.push((STACKSET_STACK.into(), admin_region.clone()));
    for region in bucket_regions(&admin_region, &args.regions) {
        found.push((ARTIFACTS_STACK.into(), region));
    }
    let mut steps = Vec::new();
    for (name, region) in found {
        let cf = aws_sdk_cloudformation::Client::new(&regional(&base, &region));
        match stack::status(&cf, &name).await {
            Ok(None) => {}
            Ok(Some(_)) => steps.push(Step::Delete { name, region }),
            Err(message) => return fail(cmd, message),
        }
    }
    if args.purge {
        for region in bucket_regions(&admin_region, &args.regions) {
            let bucket = artifact_bucket_name(&caller, &region);
            let s3 = s3_client(&regional(&base, &region));
            if s3.head_bucket().bucket(&bucket).send().await.is_ok() {
                steps.push(Step::Purge { region, bucket });
            }
        }
    }
    println!(
        "gen destroy: {PACK_NAME} in regions {}, admin region {admin_region}{}",
        args.regions.join(","),
        if args.common.dry_run {
            " (dry run)"
        } else {
            ""
        }
    );
    for step in &steps {
        println!("  {}", step.describe());
    }
    execute(cmd, &base, &args.common, steps).await
}
