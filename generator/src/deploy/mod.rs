//! `gen deploy` and `gen destroy`: the rule pack rolled out from the admin (management or
//! delegated-admin) account with the templates `gen synth` writes, as CloudFormation stacks
//! there: per target region the artifact bucket stack, then content-addressed uploads, then
//! in the admin region the StackSet stack (its StackSet deploys `member.yaml` to the OUs ×
//! regions and to accounts that join them), then the `ConfigRecorderReady` override of each
//! stack instance whose account and region has an AWS Config recorder (only there does the
//! member stack create its rules or conformance packs). Every stack is planned with a change
//! set first, so a re-run with nothing changed changes nothing and says so, and `--dry-run`
//! shows the plan.

mod package;
mod preflight;

pub use package::lambda_zip;
mod recorders;
mod stack;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_cloudformation::types::{
    AccountFilterType, DeploymentTargets, Parameter, StackInstanceDetailedStatus,
    StackInstanceStatus, StackSetOperationStatus,
};
use guardrails_core::aws::error_text;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::synth::{self, artifact_bucket_name, member, SynthOptions, PACK_NAME};
use crate::targets::{self, regional};
use crate::{catalog, AwsTarget};
use package::Artifact;
use stack::{Change, StackSpec};

const ARTIFACTS_STACK: &str = "neptune-guardrails-artifacts";
const STACKSET_STACK: &str = "neptune-guardrails-stackset";
/// The organization conformance packs of earlier versions: deleted by deploy and destroy.
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
    /// Rule binaries already built, in cargo-lambda layout (DIR/RULE-ID/bootstrap); without
    /// it, deploy first runs `gen package` for --architecture into target/lambda.
    #[arg(long)]
    binaries: Option<PathBuf>,
    /// Role assumed in each target account to read its AWS Config recorders (rules go only
    /// where one exists); Organizations creates OrganizationAccountAccessRole in the accounts
    /// it creates.
    #[arg(long, default_value = "OrganizationAccountAccessRole")]
    member_role: String,
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
    fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_minutes * 60)
    }

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
    /// Let the member stacks of these accounts (of `ous`) in `region` create their rules.
    EnableRules {
        region: String,
        accounts: Vec<String>,
        ous: Vec<String>,
        call_as: CallAs,
    },
}

impl Step {
    fn changes(&self) -> bool {
        match self {
            Step::Stack(_, change) => *change != Change::Unchanged,
            Step::Upload { artifacts, .. } => !artifacts.is_empty(),
            Step::EnableRules { accounts, .. } => !accounts.is_empty(),
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
            Step::EnableRules {
                region, accounts, ..
            } if accounts.is_empty() => format!("rules ({region}): unchanged"),
            Step::EnableRules {
                region, accounts, ..
            } => format!(
                "rules ({region}): create in {} account(s) with a Config recorder: {}",
                accounts.len(),
                accounts.join(", ")
            ),
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

/// Whether the caller owns `bucket` (one an earlier destroy retained): ListBuckets lists
/// only the caller's own buckets.
async fn owns_bucket(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<bool, String> {
    let listed = s3
        .list_buckets()
        .prefix(bucket)
        .send()
        .await
        .map_err(|e| format!("ListBuckets failed: {}", error_text(&e)))?;
    Ok(listed.buckets().iter().any(|b| b.name() == Some(bucket)))
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
    if let Err(message) = options.check() {
        return fail(cmd, message);
    }
    // Artifacts first (local, no AWS call): the rule zips, content-addressed.
    let binaries = match &args.binaries {
        Some(dir) => dir.clone(),
        None => {
            let dir = PathBuf::from("target/lambda");
            if let Err(message) = crate::packaging::build(&options.architecture, &dir) {
                return fail(cmd, message);
            }
            dir
        }
    };
    let mut rule_artifacts = Vec::new();
    for spec in catalog::SPECS {
        match package::rule_artifact(&binaries, spec) {
            Ok(artifact) => rule_artifacts.push((spec, artifact)),
            Err(message) => return fail(cmd, message),
        }
    }
    let (base, admin_region, caller) = match args.common.connect().await {
        Ok(connected) => connected,
        Err(message) => return fail(cmd, message),
    };
    let (organization, findings) =
        preflight::check(&base, &caller, args.call_as, options.mode).await;
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
    let mut artifacts: Vec<Artifact> = rule_artifacts.iter().map(|(_, a)| a.clone()).collect();
    artifacts.push(member_template.clone());

    // The plan, in the order it is carried out.
    let timeout = args.common.timeout();
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
        let bucket = artifact_bucket_name(&caller, &region);
        let change = match stack::plan(&cf, &spec, timeout).await {
            Ok(Change::Create(count)) => match owns_bucket(&s3_client(&sdk), &bucket).await {
                Ok(true) => Change::ImportBucket("ArtifactBucket".into(), bucket.clone(), count),
                Ok(false) => Change::Create(count),
                Err(message) => return fail(cmd, message),
            },
            Ok(change) => change,
            Err(message) => return fail(cmd, message),
        };
        steps.push(Step::Stack(spec, change));
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
    let stackset_exists = match stack::plan(&admin_cf, &spec, timeout).await {
        Ok(change) => {
            let exists = !matches!(change, Change::Create(_) | Change::Replace(_));
            steps.push(Step::Stack(spec, change));
            exists
        }
        Err(message) => return fail(cmd, message),
    };
    let readiness = match plan_rules(
        &base,
        &args,
        &organization,
        &caller,
        stackset_exists.then_some(&admin_cf),
    )
    .await
    {
        Ok((readiness, enable)) => {
            steps.extend(enable);
            readiness
        }
        Err(message) => return fail(cmd, message),
    };
    // Organization conformance packs of earlier versions went to every account of the
    // organization, Lambdas or not: the member stacks' own packs replace them.
    for region in &options.regions {
        let cf = aws_sdk_cloudformation::Client::new(&regional(&base, region));
        match stack::status(&cf, PACKS_STACK).await {
            Ok(None) => {}
            Ok(Some(_)) => steps.push(Step::Delete {
                name: PACKS_STACK.into(),
                region: region.clone(),
            }),
            Err(message) => return fail(cmd, message),
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
    for note in &readiness.notes {
        println!("gen deploy: attention: {note}");
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

/// The recorder check of every target account × region, and per region the accounts whose
/// stack instance still lacks the `ConfigRecorderReady=true` override (all ready accounts
/// when the StackSet does not exist yet).
async fn plan_rules(
    base: &SdkConfig,
    args: &DeployArgs,
    organization: &preflight::Organization,
    caller: &str,
    stackset: Option<&aws_sdk_cloudformation::Client>,
) -> Result<(recorders::Readiness, Vec<Step>), String> {
    let options = &args.options;
    let organizations = aws_sdk_organizations::Client::new(base);
    let accounts =
        recorders::target_accounts(&organizations, &options.ous, &organization.management).await?;
    let readiness = recorders::check(
        base,
        &accounts,
        &options.regions,
        options.iam_region(),
        caller,
        &args.member_role,
    )
    .await;
    let mut steps = Vec::new();
    for (region, ready) in &readiness.ready {
        let mut pending = Vec::new();
        for account in ready {
            let enabled = match stackset {
                Some(cf) => rules_enabled(cf, args.call_as, account, region).await?,
                None => false,
            };
            if !enabled {
                pending.push(account.clone());
            }
        }
        steps.push(Step::EnableRules {
            region: region.clone(),
            accounts: pending,
            ous: options.ous.clone(),
            call_as: args.call_as,
        });
    }
    Ok((readiness, steps))
}

/// Whether the stack instance of `account` in `region` carries `ConfigRecorderReady=true`
/// (false when there is no such instance yet).
async fn rules_enabled(
    cf: &aws_sdk_cloudformation::Client,
    call_as: CallAs,
    account: &str,
    region: &str,
) -> Result<bool, String> {
    let answer = cf
        .describe_stack_instance()
        .stack_set_name(PACK_NAME)
        .stack_instance_account(account)
        .stack_instance_region(region)
        .call_as(aws_sdk_cloudformation::types::CallAs::from(
            call_as.as_str(),
        ))
        .send()
        .await;
    match answer {
        Ok(out) => Ok(out
            .stack_instance()
            .map(|i| i.parameter_overrides())
            .unwrap_or_default()
            .iter()
            .any(|p| {
                p.parameter_key() == Some(member::RECORDER_READY)
                    && p.parameter_value() == Some("true")
            })),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_stack_instance_not_found_exception()) =>
        {
            Ok(false)
        }
        Err(err) => Err(format!(
            "DescribeStackInstance {account} {region}: {}",
            error_text(&err)
        )),
    }
}

/// Override `ConfigRecorderReady=true` on the stack instances of `accounts` in `region`
/// (service-managed: the target OUs filtered to those accounts) and wait for the operation.
async fn enable_rules(
    cf: &aws_sdk_cloudformation::Client,
    (region, accounts, ous, call_as): (&str, &[String], &[String], CallAs),
    timeout: Duration,
) -> Result<(), String> {
    let call_as = aws_sdk_cloudformation::types::CallAs::from(call_as.as_str());
    let targets = DeploymentTargets::builder()
        .set_organizational_unit_ids(Some(ous.to_vec()))
        .set_accounts(Some(accounts.to_vec()))
        .account_filter_type(AccountFilterType::Intersection)
        .build();
    let operation = cf
        .update_stack_instances()
        .stack_set_name(PACK_NAME)
        .deployment_targets(targets)
        .regions(region)
        .parameter_overrides(
            Parameter::builder()
                .parameter_key(member::RECORDER_READY)
                .parameter_value("true")
                .build(),
        )
        .call_as(call_as.clone())
        .send()
        .await
        .map_err(|e| format!("UpdateStackInstances ({region}): {}", error_text(&e)))?;
    let id = operation.operation_id().unwrap_or_default().to_string();
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let described = cf
            .describe_stack_set_operation()
            .stack_set_name(PACK_NAME)
            .operation_id(&id)
            .call_as(call_as.clone())
            .send()
            .await
            .map_err(|e| format!("DescribeStackSetOperation {id}: {}", error_text(&e)))?;
        match described.stack_set_operation().and_then(|o| o.status()) {
            Some(StackSetOperationStatus::Succeeded) => return Ok(()),
            Some(status @ (StackSetOperationStatus::Failed | StackSetOperationStatus::Stopped)) => {
                return Err(format!(
                    "creating the rules in {region} ended {}; the stack instances below say why",
                    status.as_str()
                ))
            }
            _ if std::time::Instant::now() >= deadline => {
                return Err(format!(
                    "StackSet operation {id} ({region}) still running after {} minutes",
                    timeout.as_secs() / 60
                ))
            }
            _ => tokio::time::sleep(Duration::from_secs(5)).await,
        }
    }
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
    let timeout = common.timeout();
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
            Step::EnableRules {
                region,
                accounts,
                ous,
                call_as,
            } => {
                // The StackSet lives in the admin region, the one `base` calls.
                let cf = aws_sdk_cloudformation::Client::new(base);
                enable_rules(&cf, (region, accounts, ous, *call_as), timeout).await
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
