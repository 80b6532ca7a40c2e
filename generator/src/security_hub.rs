//! `gen scan --security-hub`: findings imported with BatchImportFindings into the Security Hub
//! of the account and region each finding is about (the only place the account's default
//! product accepts them).

use std::future::Future;
use std::time::Duration;

use aws_sdk_securityhub::types::AwsSecurityFinding;
use guardrails_core::aws::error_text;

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
