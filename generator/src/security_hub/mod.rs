//! `gen scan --security-hub`: findings imported with BatchImportFindings into the Security Hub
//! of the account and region each finding is about (the only place the account's default
//! product accepts them).

use std::future::Future;
use std::time::Duration;

use std::collections::BTreeMap;

use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingFilters, Compliance as Compliance_, ComplianceStatus,
    RecordState, StringFilter, StringFilterComparison,
};
use guardrails_core::aws::error_text;
use guardrails_core::registry::RuleSpec;
use guardrails_core::Compliance;

use crate::report::asff::{self, Status};
use crate::row::Row;

pub mod workflow;

/// BatchImportFindings takes at most 100 findings a call.
pub const BATCH: usize = 100;
/// Calls per batch: the first and two retries of what it reported failed.
const ATTEMPTS: u32 = 3;

/// What one account × region import achieved.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub succeeded: usize,
    /// `(finding id, reason)` of findings still refused after the retries.
    pub failed: Vec<(String, String)>,
}

/// `(finding id, reason)` of each finding one call refused.
type Refused = Vec<(String, String)>;

/// Our ACTIVE findings about `account` from `rules` in the hub of `client` (GetFindings,
/// filtered by our product, account, rule and record state, 100 a page).
pub async fn active_findings(
    client: &aws_sdk_securityhub::Client,
    product_arn: &str,
    account: &str,
    rules: &[&str],
) -> Result<Vec<AwsSecurityFinding>, String> {
    let equals = |value: &str| {
        StringFilter::builder()
            .value(value)
            .comparison(StringFilterComparison::Equals)
            .build()
    };
    let filters = AwsSecurityFindingFilters::builder()
        .product_arn(equals(product_arn))
        .aws_account_id(equals(account))
        .record_state(equals("ACTIVE"))
        .set_generator_id(Some(rules.iter().map(|r| equals(r)).collect()))
        .build();
    client
        .get_findings()
        .filters(filters)
        .max_results(100)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| format!("GetFindings failed: {}", error_text(&e)))
}

/// What one scan sends to one hub, by what it does to the findings there.
#[derive(Debug, Default)]
pub struct Plan {
    pub failed: Vec<AwsSecurityFinding>,
    /// PASSED updates of active findings whose resource is now compliant.
    pub resolved: Vec<AwsSecurityFinding>,
    /// Archived updates of active findings whose resource is no longer in scope or gone.
    pub archived: Vec<AwsSecurityFinding>,
}

impl Plan {
    pub fn into_findings(self) -> Vec<AwsSecurityFinding> {
        [self.failed, self.resolved, self.archived].concat()
    }
}

/// The findings a scan sends to one hub, given its rows there (of rules it evaluated) and our
/// findings active there (of the same rules): FAILED for each NON_COMPLIANT row; PASSED and
/// archived for an active finding whose resource is now COMPLIANT, NOT_AVAILABLE and archived
/// for one now NOT_APPLICABLE or no longer found. A compliant resource without an active
/// finding gets none (no finding for what never failed), and a resource the scan could not
/// evaluate keeps its finding as it is.
pub fn plan(
    specs: &[&RuleSpec],
    rows: &[&Row],
    active: Vec<AwsSecurityFinding>,
    now: &str,
) -> Plan {
    let mut active: BTreeMap<String, AwsSecurityFinding> = active
        .into_iter()
        .map(|f| (f.id().unwrap_or_default().to_string(), f))
        .collect();
    let mut plan = Plan::default();
    for row in rows {
        let Some(spec) = specs.iter().find(|s| s.id == row.rule) else {
            continue;
        };
        let was_active = active.remove(&asff::finding_id(spec, row)).is_some();
        let status = match row.compliance {
            Compliance::NonCompliant => Status::Failed,
            Compliance::Compliant if was_active => Status::Passed,
            Compliance::NotApplicable if was_active && row.evaluated => Status::NotAvailable,
            _ => continue,
        };
        let Some(finding) = asff::finding(specs, row, now, status) else {
            continue;
        };
        let list = match status {
            Status::Failed => &mut plan.failed,
            Status::Passed => &mut plan.resolved,
            Status::NotAvailable => &mut plan.archived,
        };
        list.push(finding.to_sdk());
    }
    plan.archived.extend(active.into_values().map(|mut gone| {
        gone.compliance = Some(
            Compliance_::builder()
                .status(ComplianceStatus::NotAvailable)
                .build(),
        );
        gone.record_state = Some(RecordState::Archived);
        gone.workflow = None;
        gone.workflow_state = None;
        gone.updated_at = Some(now.to_string());
        gone
    }));
    plan
}

/// Import `findings` into Security Hub through `client`.
pub async fn import(
    client: &aws_sdk_securityhub::Client,
    findings: Vec<AwsSecurityFinding>,
) -> Imported {
    import_with(findings, |batch| async move {
        let ids: Vec<String> = batch
            .iter()
            .map(|f| f.id().unwrap_or_default().to_string())
            .collect();
        match client
            .batch_import_findings()
            .set_findings(Some(batch))
            .send()
            .await
        {
            Ok(output) => output
                .failed_findings()
                .iter()
                .map(|f| {
                    (
                        f.id().unwrap_or_default().to_string(),
                        format!(
                            "{}: {}",
                            f.error_code().unwrap_or("error"),
                            f.error_message().unwrap_or("no reason given")
                        ),
                    )
                })
                .collect(),
            Err(err) => {
                let reason = format!("BatchImportFindings failed: {}", error_text(&err));
                ids.into_iter().map(|id| (id, reason.clone())).collect()
            }
        }
    })
    .await
}

/// Send `findings` in batches of at most [`BATCH`]; findings a call refuses are sent again
/// (twice at most, after 1 s and 2 s: throttling and transient errors pass, bad input does
/// not), and what still fails is returned with the last reason. A call that fails outright
/// refuses its whole batch (the SDK has already retried it for throttling).
async fn import_with<F, Fut>(findings: Vec<AwsSecurityFinding>, mut send: F) -> Imported
where
    F: FnMut(Vec<AwsSecurityFinding>) -> Fut,
    Fut: Future<Output = Refused>,
{
    let mut imported = Imported::default();
    let mut findings = findings.into_iter().peekable();
    while findings.peek().is_some() {
        let mut batch: Vec<AwsSecurityFinding> = findings.by_ref().take(BATCH).collect();
        for attempt in 1..=ATTEMPTS {
            let sent = batch.len();
            let refused = send(batch.clone()).await;
            imported.succeeded += sent.saturating_sub(refused.len());
            if refused.is_empty() {
                break;
            }
            if attempt == ATTEMPTS {
                imported.failed.extend(refused);
                break;
            }
            batch.retain(|f| refused.iter().any(|(id, _)| f.id() == Some(id.as_str())));
            tokio::time::sleep(Duration::from_secs(u64::from(attempt))).await;
        }
    }
    imported
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::test_row;

    #[test]
    fn plans_create_failures_and_resolve_or_archive_only_active_findings() {
        let specs = crate::catalog::SPECS.to_vec();
        let rule = "neptune-cluster-iam-auth";
        let rows = [
            test_row(rule, "cluster-failing", Compliance::NonCompliant, "IAM off"),
            test_row(rule, "cluster-fixed", Compliance::Compliant, "on"),
            test_row(rule, "cluster-never-failed", Compliance::Compliant, "on"),
            test_row(rule, "cluster-exempt", Compliance::NotApplicable, "exempt"),
            Row {
                evaluated: false,
                ..test_row(
                    rule,
                    "cluster-unreadable",
                    Compliance::NotApplicable,
                    "AWS error",
                )
            },
        ];
        let now = "2026-11-30T10:00:00Z";
        let active_for = |id: &str| {
            let row = test_row(rule, id, Compliance::NonCompliant, "was failing");
            asff::finding(&specs, &row, "2026-11-01T00:00:00Z", Status::Failed)
                .unwrap()
                .to_sdk()
        };
        let active = [
            "cluster-fixed",
            "cluster-exempt",
            "cluster-unreadable",
            "cluster-gone",
        ]
        .map(active_for)
        .to_vec();
        let plan = plan(&specs, &rows.iter().collect::<Vec<_>>(), active, now);
        let ids = |findings: &[AwsSecurityFinding]| -> Vec<String> {
            findings
                .iter()
                .map(|f| f.id().unwrap().rsplit('/').next().unwrap().to_string())
                .collect()
        };
        assert_eq!(ids(&plan.failed), ["cluster-failing"]);
        assert_eq!(ids(&plan.resolved), ["cluster-fixed"]);
        assert_eq!(ids(&plan.archived), ["cluster-exempt", "cluster-gone"]);
        for archived in plan.resolved.iter().chain(&plan.archived) {
            assert_eq!(archived.record_state(), Some(&RecordState::Archived));
            assert!(
                archived.workflow().is_none(),
                "Security Hub ignores it on updates"
            );
            assert_eq!(archived.updated_at(), Some(now));
        }
        let gone = &plan.archived[1];
        assert_eq!(
            gone.compliance().and_then(|c| c.status()),
            Some(&ComplianceStatus::NotAvailable)
        );
        assert_eq!(
            gone.title(),
            plan.failed[0].title(),
            "the rest is the stored finding's"
        );
    }
    use std::cell::RefCell;

    fn finding(i: usize) -> AwsSecurityFinding {
        AwsSecurityFinding::builder().id(format!("f{i}")).build()
    }

    fn ids(batch: &[AwsSecurityFinding]) -> Vec<String> {
        batch.iter().map(|f| f.id().unwrap().to_string()).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn batches_hold_at_most_100_and_refused_findings_are_retried() {
        let calls = RefCell::new(Vec::new());
        let imported = import_with((0..120).map(finding).collect(), |batch| {
            calls.borrow_mut().push(ids(&batch));
            let call = calls.borrow().len();
            async move {
                let refuse = |ids: &[&str]| {
                    ids.iter()
                        .map(|id| (id.to_string(), "InvalidInput: bad".to_string()))
                        .collect()
                };
                match call {
                    1 => refuse(&["f3", "f7"]),
                    2 | 3 => refuse(&["f7"]),
                    _ => Vec::new(),
                }
            }
        })
        .await;
        let calls = calls.into_inner();
        let sizes: Vec<usize> = calls.iter().map(Vec::len).collect();
        assert_eq!(
            sizes,
            [100, 2, 1, 20],
            "first batch, two retries, last batch"
        );
        assert_eq!(calls[1], ["f3", "f7"]);
        assert_eq!(calls[2], ["f7"]);
        assert_eq!(imported.succeeded, 119);
        assert_eq!(
            imported.failed,
            [("f7".to_string(), "InvalidInput: bad".to_string())]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_that_keeps_failing_fails_its_batch_with_the_reason() {
        let mut calls = 0;
        let imported = import_with((0..2).map(finding).collect(), |batch| {
            calls += 1;
            async move {
                ids(&batch)
                    .into_iter()
                    .map(|id| (id, "BatchImportFindings failed: not subscribed".to_string()))
                    .collect()
            }
        })
        .await;
        assert_eq!(calls, 3);
        assert_eq!(imported.succeeded, 0);
        assert_eq!(imported.failed.len(), 2);
        assert!(imported.failed[0].1.contains("not subscribed"));
    }
}
