//! Carrying out a plan: confirmation, stack changes, uploads, purges, the recorder
//! overrides, and the StackSet's instance report.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use aws_config::SdkConfig;
use guardrails_core::aws::error_text;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::package::Artifact;
use super::plan::Step;
use super::{instances, organization_packs, stack, Common};
use crate::exit::{Exit, GenError};
use crate::session::{regional, s3_client};

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
            let cf =
                guardrails_core::client!(aws_sdk_cloudformation, &regional(base, &spec.region));
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
        crate::say!("gen {cmd}: nothing to change");
        return Ok(Exit::Clean);
    }
    if common.dry_run {
        discard_all(base, &steps).await;
        crate::say!("gen {cmd}: dry run: {changes} step(s) would change; nothing was changed");
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
                let cf =
                    guardrails_core::client!(aws_sdk_cloudformation, &regional(base, &spec.region));
                let bar = progress(1, "{spinner} {elapsed} {wide_msg}");
                let applied = stack::apply(&cf, spec, change, timeout, &bar).await;
                bar.finish_and_clear();
                applied
            }
            Step::Delete { name, region } => {
                let cf = guardrails_core::client!(aws_sdk_cloudformation, &regional(base, region));
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
                let cf = guardrails_core::client!(aws_sdk_cloudformation, base);
                let targets = (regions.as_slice(), accounts.as_slice(), ous.as_slice());
                instances::enable_rules(&cf, targets, (*call_as, *managed), timeout).await
            }
            Step::OrganizationPack(pack, call_as) => {
                organization_packs::put(base, *call_as, pack, timeout).await
            }
            Step::DeleteOrganizationPack { region, name } => {
                organization_packs::delete(base, region, name).await
            }
        };
        match result {
            Ok(()) => crate::say!("gen {cmd}: done: {}", step.describe()),
            // The rules of other accounts and regions do not wait on these: every operation
            // runs, and what did not succeed is named at the end.
            Err(message)
                if matches!(step, Step::EnableRules { .. } | Step::OrganizationPack(..)) =>
            {
                crate::say!("gen {cmd}: not done: {}", step.describe());
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
    crate::say!("gen {cmd}: {changes} step(s) applied");
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
