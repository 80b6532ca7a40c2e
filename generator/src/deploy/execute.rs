//! Carrying out a plan: confirmation, stack changes, uploads, purges, the recorder
//! overrides, and the StackSet's instance report.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_cloudformation::types::{
    AccountFilterType, ConcurrencyMode, DeploymentTargets, Parameter, RegionConcurrencyType,
    StackInstanceDetailedStatus, StackInstanceStatus, StackSetOperationPreferences,
    StackSetOperationStatus,
};
use guardrails_core::aws::error_text;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::package::Artifact;
use super::plan::Step;
use super::{stack, CallAs, Common};
use crate::exit::{Exit, GenError};
use crate::synth::{member, FAILURE_TOLERANCE_PERCENT, MAX_CONCURRENT_PERCENT, PACK_NAME};
use crate::targets::regional;

/// S3 as AWS wants it; with an endpoint URL (an emulator such as moto), path-style addresses
/// and request checksums only where S3 requires them (moto refuses the SDK's default
/// streaming checksum trailer on uploads).
pub(super) fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let mut config = aws_sdk_s3::config::Builder::from(sdk);
    if sdk.endpoint_url().is_some() {
        config = config.force_path_style(true).request_checksum_calculation(
            aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
        );
    }
    aws_sdk_s3::Client::from_conf(config.build())
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
pub(super) async fn execute(
    cmd: &str,
    base: &SdkConfig,
    common: &Common,
    steps: Vec<Step>,
) -> Result<Exit, GenError> {
    let changes = steps.iter().filter(|s| s.changes()).count();
    if changes == 0 {
        println!("gen {cmd}: nothing to change");
        return Ok(Exit::Clean);
    }
    if common.dry_run {
        discard_all(base, &steps).await;
        println!("gen {cmd}: dry run: {changes} step(s) would change; nothing was changed");
        return Ok(Exit::Clean);
    }
    if !confirm(cmd, common.yes) {
        discard_all(base, &steps).await;
        return Err(GenError::NotConfirmed(format!(
            "{changes} step(s) not applied: nobody confirmed them"
        )));
    }
    let timeout = common.timeout();
    let mut unfinished = Vec::new();
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
                regions,
                accounts,
                ous,
                call_as,
                managed,
                ..
            } => {
                // The StackSet lives in the admin region, the one `base` calls.
                let cf = aws_sdk_cloudformation::Client::new(base);
                enable_rules(&cf, (regions, accounts, ous, *call_as, *managed), timeout).await
            }
        };
        match result {
            Ok(()) => println!("gen {cmd}: done: {}", step.describe()),
            // The rules of other accounts and regions do not wait on these: every operation
            // runs, and what did not succeed is named at the end.
            Err(message) if matches!(step, Step::EnableRules { .. }) => {
                println!("gen {cmd}: not done: {}", step.describe());
                unfinished.push(message);
            }
            Err(message) => {
                return Err(GenError::Aws(format!(
                    "{message}\nwhat finished before stays; fix the cause and run gen {cmd} again"
                )))
            }
        }
    }
    if !unfinished.is_empty() {
        return Err(GenError::Aws(format!(
            "{}\nwhat finished stays; fix the causes and run gen {cmd} again",
            unfinished.join("\n")
        )));
    }
    println!("gen {cmd}: {changes} step(s) applied");
    Ok(Exit::Clean)
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

/// The preferences of `gen deploy`'s StackSet operations over `accounts` accounts: the
/// StackSet's own concurrency and failure tolerance, but at least one failure tolerated (a
/// percentage rounds down, so 10 % of fewer than ten accounts would stop a region at its
/// first failure and cancel the rest), regions in parallel, and a failure that lowers no
/// concurrency. Without them AWS runs one account at a time per region and stops at the
/// first failure (StackSetOperationPreferences: MaxConcurrentCount and FailureToleranceCount
/// default to 1 and 0), which at a few hundred accounts is hours, and halts at one bad
/// account.
fn operation_preferences(accounts: usize) -> StackSetOperationPreferences {
    let tolerated = (accounts * FAILURE_TOLERANCE_PERCENT as usize / 100).max(1);
    StackSetOperationPreferences::builder()
        .failure_tolerance_count(i32::try_from(tolerated).unwrap_or(i32::MAX))
        .max_concurrent_percentage(MAX_CONCURRENT_PERCENT)
        .concurrency_mode(ConcurrencyMode::SoftFailureTolerance)
        .region_concurrency_type(RegionConcurrencyType::Parallel)
        .build()
}

/// Override `ConfigRecorderReady=true` on the stack instances of `accounts` in `regions`
/// (service-managed: the target OUs filtered to those accounts), and then, where `managed`
/// (stackset delivery) and that succeeded, `ManagedRulesReady=true` in an operation of its
/// own: an AWS managed rule AWS refuses in a region rolls back only that second update, never
/// the Lambdas, runbooks or rules of ours. Names every account and region an operation did
/// not succeed in (retried on the next deploy).
async fn enable_rules(
    cf: &aws_sdk_cloudformation::Client,
    (regions, accounts, ous, call_as, managed): (&[String], &[String], &[String], CallAs, bool),
    timeout: Duration,
) -> Result<(), String> {
    let ours = [member::RECORDER_READY];
    let failed = override_instances(cf, (regions, accounts, ous, call_as), &ours, timeout).await?;
    let mut unfinished: Vec<String> = failed.iter().map(|(_, line)| line.clone()).collect();
    if managed {
        let done: Vec<String> = accounts
            .iter()
            .filter(|a| !failed.iter().any(|(account, _)| account == *a))
            .cloned()
            .collect();
        if !done.is_empty() {
            let both = [member::RECORDER_READY, member::MANAGED_RULES_READY];
            let refused =
                override_instances(cf, (regions, &done, ous, call_as), &both, timeout).await?;
            unfinished.extend(refused.into_iter().map(|(_, line)| {
                format!(
                    "{line} (the AWS managed rules only: this account's Lambdas, runbooks and \
                     rules of ours there stand; AWS may not offer one of them in that region: \
                     check its region list (docs/rollout.md) or deploy with \
                     --leave-to-security-hub)"
                )
            }));
        }
    }
    if unfinished.is_empty() {
        return Ok(());
    }
    Err(format!(
        "creating the rules ({}) did not succeed in {} account × region update(s), which the \
         next gen deploy retries: {}",
        regions.join(", "),
        unfinished.len(),
        unfinished.join("; ")
    ))
}

/// One UpdateStackInstances setting each of `overrides` to `true`, waited for; the account
/// and `ACCOUNT REGION STATUS: reason` of every instance it did not succeed in.
async fn override_instances(
    cf: &aws_sdk_cloudformation::Client,
    (regions, accounts, ous, call_as): (&[String], &[String], &[String], CallAs),
    overrides: &[&str],
    timeout: Duration,
) -> Result<Vec<(String, String)>, String> {
    let call_as = aws_sdk_cloudformation::types::CallAs::from(call_as.as_str());
    let targets = DeploymentTargets::builder()
        .set_organizational_unit_ids(Some(ous.to_vec()))
        .set_accounts(Some(accounts.to_vec()))
        .account_filter_type(AccountFilterType::Intersection)
        .build();
    let where_ = regions.join(", ");
    let operation = cf
        .update_stack_instances()
        .stack_set_name(PACK_NAME)
        .deployment_targets(targets)
        .set_regions(Some(regions.to_vec()))
        .set_parameter_overrides(Some(
            overrides
                .iter()
                .map(|key| {
                    Parameter::builder()
                        .parameter_key(*key)
                        .parameter_value("true")
                        .build()
                })
                .collect(),
        ))
        .operation_preferences(operation_preferences(accounts.len()))
        .call_as(call_as.clone())
        .send()
        .await
        .map_err(|e| format!("UpdateStackInstances ({where_}): {}", error_text(&e)))?;
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
            Some(
                StackSetOperationStatus::Succeeded
                | StackSetOperationStatus::Failed
                | StackSetOperationStatus::Stopped,
            ) => break,
            _ if std::time::Instant::now() >= deadline => {
                return Err(format!(
                    "StackSet operation {id} ({where_}) still running after {} minutes",
                    timeout.as_secs() / 60
                ))
            }
            _ => tokio::time::sleep(Duration::from_secs(5)).await,
        }
    }
    unfinished_instances(cf, &id, &call_as).await
}

/// The account and `ACCOUNT REGION STATUS: reason` of every instance an operation did not
/// succeed in.
async fn unfinished_instances(
    cf: &aws_sdk_cloudformation::Client,
    operation: &str,
    call_as: &aws_sdk_cloudformation::types::CallAs,
) -> Result<Vec<(String, String)>, String> {
    let mut pages = cf
        .list_stack_set_operation_results()
        .stack_set_name(PACK_NAME)
        .operation_id(operation)
        .call_as(call_as.clone())
        .into_paginator()
        .send();
    let mut unfinished = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            format!(
                "ListStackSetOperationResults {operation}: {}",
                error_text(&e)
            )
        })?;
        for result in page.summaries() {
            let status = result.status().map_or("?", |s| s.as_str());
            if status == "SUCCEEDED" {
                continue;
            }
            let account = result.account().unwrap_or("?");
            unfinished.push((
                account.to_string(),
                format!(
                    "{account} {} {status}: {}",
                    result.region().unwrap_or("?"),
                    result.status_reason().unwrap_or("no reason given")
                ),
            ));
        }
    }
    Ok(unfinished)
}

/// Count the StackSet's instances and name each that is not CURRENT with its reason; an
/// error when one failed.
pub(super) async fn report_instances(
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
