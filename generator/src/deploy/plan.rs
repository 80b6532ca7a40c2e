//! What a deploy or destroy would do, as steps: each stack planned with a change set,
//! uploads of what the buckets lack, and the recorder overrides the stack instances lack.

use std::collections::BTreeMap;
use std::path::PathBuf;

use aws_config::SdkConfig;
use guardrails_core::aws::error_text;
use guardrails_core::RuleSpec;

use super::instances::{self, InstanceIssue, RulesState};
use super::organization_packs::{self, OrganizationPack};
use super::package::{self, Artifact};
use super::preflight::Organization;
use super::stack::{self, Change, StackSpec};
use super::{
    recorders, CallAs, DeployArgs, DestroyArgs, ARTIFACTS_STACK, PACKS_STACK, STACKSET_STACK,
};
use crate::session::{regional, s3_client};
use crate::synth::{self, artifact_bucket_name, member, EXCLUDED_ACCOUNTS, SELECTED_RULES};

/// Where a deploy goes: the admin account's SDK configuration and region, its id, and the
/// organization.
pub(super) struct Target<'a> {
    pub base: &'a SdkConfig,
    pub admin_region: &'a str,
    pub caller: &'a str,
    pub organization: &'a Organization,
}

/// The deploy's steps in the order they are carried out, and what the recorder check found.
pub(super) async fn deploy(
    args: &DeployArgs,
    target: &Target<'_>,
    rule_artifacts: &[(&'static RuleSpec, Artifact)],
) -> Result<(Vec<Step>, recorders::Readiness), String> {
    let options = &args.options;
    let (base, admin_region) = (target.base, target.admin_region);
    let files = synth::synthesize(options);
    let text = |name: &str| files[&PathBuf::from(name)].clone();
    let member_template = package::template_artifact("member", &text("member.yaml"));
    let mut artifacts: Vec<Artifact> = rule_artifacts.iter().map(|(_, a)| a.clone()).collect();
    artifacts.push(member_template.clone());
    let organization_mode = options.mode == synth::Mode::OrganizationConformancePack;
    let pack_templates: Vec<(&'static synth::Pack, Artifact)> = synth::PACKS
        .iter()
        .filter(|pack| organization_mode && files.contains_key(&PathBuf::from(pack.file)))
        .map(|pack| {
            let stem = pack.file.trim_end_matches(".yaml");
            (pack, package::template_artifact(stem, &text(pack.file)))
        })
        .collect();
    artifacts.extend(pack_templates.iter().map(|(_, a)| a.clone()));
    let mut buckets = BTreeMap::new();

    let timeout = args.common.timeout();
    let mut steps = Vec::new();
    for region in bucket_regions(admin_region, &options.regions) {
        let sdk = regional(base, &region);
        let cf = guardrails_core::client!(aws_sdk_cloudformation, &sdk);
        let spec = StackSpec {
            name: ARTIFACTS_STACK.into(),
            region: region.clone(),
            body: text("admin-artifacts.yaml"),
            parameters: vec![("OrganizationId".into(), target.organization.id.clone())],
        };
        let bucket = artifact_bucket_name(target.caller, &region);
        buckets.insert(region.clone(), bucket.clone());
        let change = match stack::plan(&cf, &spec, timeout).await? {
            Change::Create(count) if owns_bucket(&s3_client(&sdk), &bucket).await? => {
                Change::ImportBucket("ArtifactBucket".into(), bucket.clone(), count)
            }
            change => change,
        };
        steps.push(Step::Stack(spec, change));
        let new = missing(&s3_client(&sdk), &bucket, &artifacts).await?;
        steps.push(Step::Upload {
            region,
            bucket,
            artifacts: new,
        });
    }
    let mut stackset_parameters = vec![
        (
            "TargetOrganizationalUnitIds".to_string(),
            options.ous.join(","),
        ),
        ("TargetRegions".into(), options.regions.join(",")),
        ("CallAs".into(), args.call_as.as_str().into()),
        ("OrganizationId".into(), target.organization.id.clone()),
        ("MemberTemplateKey".into(), member_template.key.clone()),
        (SELECTED_RULES.into(), options.rules.join(",")),
        (EXCLUDED_ACCOUNTS.into(), args.excluded().join(",")),
    ];
    for (spec, artifact) in rule_artifacts {
        stackset_parameters.push((member::code_key_parameter(spec), artifact.key.clone()));
    }
    let admin_cf = guardrails_core::client!(aws_sdk_cloudformation, &regional(base, admin_region));
    let spec = StackSpec {
        name: STACKSET_STACK.into(),
        region: admin_region.to_string(),
        body: text("admin-stackset.yaml"),
        parameters: stackset_parameters,
    };
    let change = stack::plan(&admin_cf, &spec, timeout).await?;
    let stackset_exists = !matches!(change, Change::Create(_) | Change::Replace(_));
    let member_template_changed = change != Change::Unchanged;
    steps.push(Step::Stack(spec, change));
    let (readiness, enable, targets) = plan_rules(
        base,
        args,
        target.organization,
        target.caller,
        stackset_exists.then_some(&admin_cf),
    )
    .await?;
    steps.extend(enable);
    if organization_mode {
        let organizations = guardrails_core::client!(aws_sdk_organizations, base);
        let everyone = organization_accounts(&organizations).await?;
        let packs = organization_packs::plan(
            base,
            options,
            &pack_templates,
            &buckets,
            &everyone,
            &targets,
            &readiness.ready,
            member_template_changed,
        )
        .await?;
        steps.extend(
            packs
                .into_iter()
                .map(|pack| Step::OrganizationPack(pack, args.call_as)),
        );
    }
    // Organization conformance packs of earlier versions went to every account of the
    // organization, Lambdas or not: the member stacks' own packs replace them.
    for region in &options.regions {
        let cf = guardrails_core::client!(aws_sdk_cloudformation, &regional(base, region));
        if stack::status(&cf, PACKS_STACK).await?.is_some() {
            steps.push(Step::Delete {
                name: PACKS_STACK.into(),
                region: region.clone(),
            });
        }
    }
    Ok((steps, readiness))
}

/// The destroy's steps: the stacks in reverse deploy order, then (with --purge) the buckets.
pub(super) async fn destroy(
    base: &SdkConfig,
    admin_region: &str,
    caller: &str,
    args: &DestroyArgs,
) -> Result<Vec<Step>, String> {
    // Packs of earlier versions, the StackSet (CloudFormation removes its stack instances
    // first), then the artifact stacks (their buckets are retained).
    let mut found: Vec<(String, String)> = args
        .regions
        .iter()
        .map(|r| (PACKS_STACK.to_string(), r.clone()))
        .collect();
    found.push((STACKSET_STACK.into(), admin_region.to_string()));
    for region in bucket_regions(admin_region, &args.regions) {
        found.push((ARTIFACTS_STACK.into(), region));
    }
    let mut steps = Vec::new();
    // Organization conformance packs first: their rules name the StackSet's Lambdas.
    for region in &args.regions {
        for pack in synth::PACKS {
            let name = format!("{}{}", synth::PACK_NAME, pack.name_suffix);
            if organization_packs::exists(base, region, &name).await? {
                steps.push(Step::DeleteOrganizationPack {
                    region: region.clone(),
                    name,
                });
            }
        }
    }
    for (name, region) in found {
        let cf = guardrails_core::client!(aws_sdk_cloudformation, &regional(base, &region));
        if stack::status(&cf, &name).await?.is_some() {
            steps.push(Step::Delete { name, region });
        }
    }
    if args.purge {
        for region in bucket_regions(admin_region, &args.regions) {
            let bucket = artifact_bucket_name(caller, &region);
            let s3 = s3_client(&regional(base, &region));
            if s3.head_bucket().bucket(&bucket).send().await.is_ok() {
                steps.push(Step::Purge { region, bucket });
            }
        }
    }
    Ok(steps)
}

/// One step of a plan, for the printout and for carrying it out.
pub(super) enum Step {
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
    /// Let the member stacks of these accounts (of `ous`) in `regions` create their rules,
    /// in one StackSet operation. `retried` names those an earlier operation failed or never
    /// reached.
    EnableRules {
        regions: Vec<String>,
        accounts: Vec<String>,
        ous: Vec<String>,
        call_as: CallAs,
        retried: Vec<InstanceIssue>,
        /// Then the AWS managed rules, in an update of their own.
        managed: bool,
    },
    /// Put an organization conformance pack (organization-conformance-pack mode).
    OrganizationPack(OrganizationPack, CallAs),
    /// Delete an organization conformance pack.
    DeleteOrganizationPack {
        region: String,
        name: String,
    },
}

impl Step {
    pub(super) fn changes(&self) -> bool {
        match self {
            Step::Stack(_, change) => *change != Change::Unchanged,
            Step::Upload { artifacts, .. } => !artifacts.is_empty(),
            Step::EnableRules { accounts, .. } => !accounts.is_empty(),
            Step::Delete { .. }
            | Step::Purge { .. }
            | Step::OrganizationPack(..)
            | Step::DeleteOrganizationPack { .. } => true,
        }
    }

    pub(super) fn describe(&self) -> String {
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
                regions, accounts, ..
            } if accounts.is_empty() => format!("rules ({}): unchanged", regions.join(", ")),
            Step::EnableRules {
                regions,
                accounts,
                retried,
                ..
            } => {
                let mut text = format!(
                    "rules ({}): create in {} account(s) with a Config recorder: {}",
                    regions.join(", "),
                    accounts.len(),
                    accounts.join(", ")
                );
                if !retried.is_empty() {
                    let lines = instances::grouped(retried);
                    text.push_str(&format!("; retried: {}", lines.join("; ")));
                }
                text
            }
            Step::Purge { bucket, .. } => {
                format!("s3://{bucket}: delete every object version and the bucket")
            }
            Step::OrganizationPack(pack, _) => pack.describe(),
            Step::DeleteOrganizationPack { region, name } => {
                format!("organization conformance pack {name} ({region}): delete")
            }
        }
    }
}

/// The admin region first, then the target regions: every region with an artifact bucket.
fn bucket_regions(admin: &str, regions: &[String]) -> Vec<String> {
    let mut all = vec![admin.to_string()];
    all.extend(regions.iter().filter(|r| *r != admin).cloned());
    all
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

/// The recorder check of every target account × region, and per region the accounts whose
/// stack instance still lacks the `ConfigRecorderReady=true` override (all ready accounts
/// when the StackSet does not exist yet).
async fn plan_rules(
    base: &SdkConfig,
    args: &DeployArgs,
    organization: &Organization,
    caller: &str,
    stackset: Option<&aws_sdk_cloudformation::Client>,
) -> Result<(recorders::Readiness, Vec<Step>, Vec<String>), String> {
    let options = &args.options;
    let organizations = guardrails_core::client!(aws_sdk_organizations, base);
    let excluded = args.excluded();
    let selected = options.selected();
    let accounts: Vec<String> =
        recorders::target_accounts(&organizations, &options.ous, &organization.management)
            .await?
            .into_iter()
            .filter(|a| !excluded.contains(a))
            .collect();
    let readiness = recorders::check(
        base,
        &selected,
        &accounts,
        &options.regions,
        options.iam_region(),
        caller,
        &args.member_role,
    )
    .await;
    // The AWS managed rules and remediation configurations come in an update of their own
    // (into the stack or its pack; an organization pack holds them from the start).
    let (_, runbooks) = synth::resolved(options);
    let managed = options.mode != synth::Mode::OrganizationConformancePack
        && synth::holds_second_update(&runbooks.iter().collect::<Vec<_>>());
    // Per region the accounts whose instance still lacks its rules; regions with the same
    // accounts share one operation (a StackSet runs one operation at a time).
    let mut pending: BTreeMap<Vec<String>, (Vec<String>, Vec<InstanceIssue>)> = BTreeMap::new();
    for (region, ready) in &readiness.ready {
        let mut accounts = Vec::new();
        let mut retried = Vec::new();
        for account in ready {
            let state = match stackset {
                Some(cf) => {
                    instances::rules_state(cf, (args.call_as, managed), account, region).await?
                }
                None => RulesState::Missing,
            };
            match state {
                RulesState::Done => continue,
                RulesState::Missing => {}
                RulesState::Unfinished(issue) => retried.push(issue),
            }
            accounts.push(account.clone());
        }
        let group = pending.entry(accounts).or_default();
        group.0.push(region.clone());
        group.1.extend(retried);
    }
    let steps = pending
        .into_iter()
        .map(|(accounts, (regions, retried))| Step::EnableRules {
            regions,
            accounts,
            ous: options.ous.clone(),
            call_as: args.call_as,
            retried,
            managed,
        })
        .collect();
    Ok((readiness, steps, accounts))
}

/// Every account of the organization (an organization conformance pack reaches each one not
/// excluded).
async fn organization_accounts(
    organizations: &aws_sdk_organizations::Client,
) -> Result<Vec<String>, String> {
    let mut pages = organizations.list_accounts().into_paginator().send();
    let mut accounts = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("Organizations ListAccounts: {}", error_text(&e)))?;
        accounts.extend(
            page.accounts()
                .iter()
                .filter_map(|a| a.id().map(str::to_string)),
        );
    }
    Ok(accounts)
}
