//! The StackSet's instances: the operations that turn rules on (with preferences that hold
//! at organization scale), where each instance stands, and what did not succeed, grouped so
//! that a hundred accounts refused alike read as one line.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudformation::types::{
    AccountFilterType, ConcurrencyMode, DeploymentTargets, Parameter, RegionConcurrencyType,
    StackSetOperationPreferences, StackSetOperationStatus,
};
use guardrails_core::aws::error_text;

use super::CallAs;
use crate::synth::{member, FAILURE_TOLERANCE_PERCENT, MAX_CONCURRENT_PERCENT, PACK_NAME};

/// A stack instance an operation did not succeed in, or that is not current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InstanceIssue {
    pub account: String,
    pub region: String,
    /// `FAILED`, `CANCELLED`, `OUTDATED (FAILED)`, …
    pub status: String,
    pub reason: String,
}

/// One line per region, status and reason: `ACCOUNT REGION STATUS: reason` for one account,
/// `REGION STATUS in N accounts (A, B, …): reason` for more.
pub(super) fn grouped(issues: &[InstanceIssue]) -> Vec<String> {
    let mut groups: BTreeMap<(&str, &str, &str), Vec<&str>> = BTreeMap::new();
    for issue in issues {
        groups
            .entry((&issue.region, &issue.status, &issue.reason))
            .or_default()
            .push(&issue.account);
    }
    groups
        .into_iter()
        .map(
            |((region, status, reason), accounts)| match accounts.as_slice() {
                [account] => format!("{account} {region} {status}: {reason}"),
                _ => format!(
                    "{region} {status} in {} accounts ({}): {reason}",
                    accounts.len(),
                    accounts.join(", ")
                ),
            },
        )
        .collect()
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
/// (the selection holds AWS managed rules) and that succeeded, `ManagedRulesReady=true` in
/// an operation of its own: an AWS managed rule AWS refuses in a region rolls back only that
/// second update, never the Lambdas, runbooks or rules of ours. Names every account and
/// region an operation did not succeed in (retried on the next deploy).
pub(super) async fn enable_rules(
    cf: &aws_sdk_cloudformation::Client,
    (regions, accounts, ous): (&[String], &[String], &[String]),
    (call_as, managed): (CallAs, bool),
    timeout: Duration,
) -> Result<(), String> {
    let ours = [member::RECORDER_READY];
    let failed = override_instances(cf, (regions, accounts, ous, call_as), &ours, timeout).await?;
    let mut lines = grouped(&failed);
    let mut count = failed.len();
    if managed {
        let done: Vec<String> = accounts
            .iter()
            .filter(|a| !failed.iter().any(|issue| &issue.account == *a))
            .cloned()
            .collect();
        if !done.is_empty() {
            let both = [member::RECORDER_READY, member::MANAGED_RULES_READY];
            let refused =
                override_instances(cf, (regions, &done, ous, call_as), &both, timeout).await?;
            if !refused.is_empty() {
                count += refused.len();
                lines.push(
                    "the AWS managed rules and remediation configurations only (these \
                     accounts' Lambdas, runbooks and rules of ours there stand; AWS may not \
                     offer one of them in that region: check its region list \
                     (docs/rollout.md) or deploy with --leave-to-security-hub):"
                        .into(),
                );
                lines.extend(grouped(&refused).into_iter().map(|l| format!("  {l}")));
            }
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    Err(format!(
        "creating the rules ({}) did not succeed in {count} account × region update(s), which \
         the next gen deploy retries:\n  {}",
        regions.join(", "),
        lines.join("\n  ")
    ))
}

/// One UpdateStackInstances setting each of `overrides` to `true`, waited for; every instance
/// it did not succeed in.
async fn override_instances(
    cf: &aws_sdk_cloudformation::Client,
    (regions, accounts, ous, call_as): (&[String], &[String], &[String], CallAs),
    overrides: &[&str],
    timeout: Duration,
) -> Result<Vec<InstanceIssue>, String> {
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

/// Every instance an operation did not succeed in.
async fn unfinished_instances(
    cf: &aws_sdk_cloudformation::Client,
    operation: &str,
    call_as: &aws_sdk_cloudformation::types::CallAs,
) -> Result<Vec<InstanceIssue>, String> {
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
            unfinished.push(InstanceIssue {
                account: result.account().unwrap_or("?").to_string(),
                region: result.region().unwrap_or("?").to_string(),
                status: status.to_string(),
                reason: result
                    .status_reason()
                    .unwrap_or("no reason given")
                    .to_string(),
            });
        }
    }
    Ok(unfinished)
}

/// Where a stack instance stands with its rules.
pub(super) enum RulesState {
    /// `ConfigRecorderReady=true` applied: the last update of the instance succeeded.
    Done,
    /// No override yet (or no instance yet).
    Missing,
    /// The override is recorded but the update that carried it failed or never ran.
    Unfinished(InstanceIssue),
}

/// Whether the stack instance of `account` in `region` has its rules: the override
/// `ConfigRecorderReady=true` (and, with `managed`, `ManagedRulesReady=true`) recorded *and*
/// its detailed status SUCCEEDED. An operation records the override on every instance it
/// targets, also on those it failed in or never reached (FAILED, CANCELLED): those are
/// retried.
pub(super) async fn rules_state(
    cf: &aws_sdk_cloudformation::Client,
    (call_as, managed): (CallAs, bool),
    account: &str,
    region: &str,
) -> Result<RulesState, String> {
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
    let instance = match answer {
        Ok(out) => match out.stack_instance().cloned() {
            Some(instance) => instance,
            None => return Ok(RulesState::Missing),
        },
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_stack_instance_not_found_exception()) =>
        {
            return Ok(RulesState::Missing)
        }
        Err(err) => {
            return Err(format!(
                "DescribeStackInstance {account} {region}: {}",
                error_text(&err)
            ))
        }
    };
    let set = |key: &str| {
        instance
            .parameter_overrides()
            .iter()
            .any(|p| p.parameter_key() == Some(key) && p.parameter_value() == Some("true"))
    };
    if !set(member::RECORDER_READY) {
        return Ok(RulesState::Missing);
    }
    let detailed = instance
        .stack_instance_status()
        .and_then(|s| s.detailed_status())
        .map(|d| d.as_str().to_string());
    Ok(match detailed.as_deref() {
        Some("SUCCEEDED") | None if managed && !set(member::MANAGED_RULES_READY) => {
            RulesState::Missing
        }
        Some("SUCCEEDED") | None => RulesState::Done,
        Some(other) => RulesState::Unfinished(InstanceIssue {
            account: account.to_string(),
            region: region.to_string(),
            status: other.to_string(),
            reason: match instance.status_reason() {
                Some(reason) if !reason.is_empty() => reason.to_string(),
                _ => "no reason given".to_string(),
            },
        }),
    })
}

/// Where one stack instance stands (ListStackInstances).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StackInstance {
    #[serde(skip)]
    pub account: String,
    #[serde(skip)]
    pub region: String,
    pub status: String,
    pub detailed_status: Option<String>,
    pub reason: Option<String>,
}

/// Every stack instance of the StackSet, in ListStackInstances order.
pub async fn stack_instances(
    cf: &aws_sdk_cloudformation::Client,
    call_as: CallAs,
) -> Result<Vec<StackInstance>, String> {
    let mut pages = cf
        .list_stack_instances()
        .stack_set_name(PACK_NAME)
        .call_as(aws_sdk_cloudformation::types::CallAs::from(
            call_as.as_str(),
        ))
        .into_paginator()
        .send();
    let mut instances = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("ListStackInstances failed: {}", error_text(&e)))?;
        instances.extend(page.summaries().iter().map(|instance| {
            StackInstance {
                account: instance.account().unwrap_or("?").to_string(),
                region: instance.region().unwrap_or("?").to_string(),
                status: instance.status().map_or("?", |s| s.as_str()).to_string(),
                detailed_status: instance
                    .stack_instance_status()
                    .and_then(|s| s.detailed_status())
                    .map(|d| d.as_str().to_string()),
                reason: instance.status_reason().map(str::to_string),
            }
        }));
    }
    Ok(instances)
}

/// Count the StackSet's instances and name each that is not CURRENT with its reason; an
/// error when one failed.
pub(super) async fn report_instances(
    cf: &aws_sdk_cloudformation::Client,
    call_as: CallAs,
) -> Result<(), String> {
    let instances = stack_instances(cf, call_as).await?;
    let (mut issues, mut failed) = (Vec::new(), false);
    for instance in instances.iter().filter(|i| i.status != "CURRENT") {
        let detailed = instance.detailed_status.as_deref();
        failed |= instance.status == "INOPERABLE" || detailed == Some("FAILED");
        issues.push(InstanceIssue {
            account: instance.account.clone(),
            region: instance.region.clone(),
            status: format!(
                "{}{}",
                instance.status,
                detailed.map_or(String::new(), |d| format!(" ({d})"))
            ),
            reason: instance
                .reason
                .clone()
                .unwrap_or_else(|| "no reason given".into()),
        });
    }
    crate::say!(
        "gen deploy: StackSet {PACK_NAME}: {} stack instance(s), {} not CURRENT",
        instances.len(),
        issues.len()
    );
    for line in grouped(&issues) {
        crate::say!("  {line}");
    }
    if failed {
        return Err(
            "some stack instances failed (above); fix them and run gen deploy again".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(account: &str, region: &str, reason: &str) -> InstanceIssue {
        InstanceIssue {
            account: account.into(),
            region: region.into(),
            status: "FAILED".into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn accounts_refused_alike_read_as_one_line_per_region() {
        let issues = [
            issue("222222222222", "us-west-2", "refused"),
            issue("111111111111", "us-west-2", "refused"),
            issue("333333333333", "eu-west-1", "refused"),
            issue("111111111111", "eu-west-1", "injected"),
        ];
        assert_eq!(
            grouped(&issues),
            [
                "111111111111 eu-west-1 FAILED: injected",
                "333333333333 eu-west-1 FAILED: refused",
                "us-west-2 FAILED in 2 accounts (222222222222, 111111111111): refused",
            ]
        );
    }
}
