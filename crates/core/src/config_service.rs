//! The AWS Config seam: fetch an oversized item's history, and report evaluations with
//! `PutEvaluations` — batches of at most 100, retried with backoff on throttling and on
//! evaluations Config did not accept, so that none is lost silently.

use std::future::Future;
use std::time::Duration;

use aws_sdk_config::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_config::types::{
    ComplianceType, Evaluation as SdkEvaluation, EvaluationMode, EvaluationResult, ResourceType,
};
use aws_sdk_config::Client;

use crate::changes::{RecordedResult, ResultSource};
use crate::error::RuleError;
use crate::evaluation::{Compliance, Evaluation};
use crate::item::ConfigurationItem;
use crate::rule::ItemSource;

/// `PutEvaluations` takes at most 100 evaluations a call.
pub(crate) const MAX_EVALUATIONS_PER_CALL: usize = 100;

/// The result token Config's console uses for a test run: evaluations are validated, not stored.
pub(crate) const TEST_MODE_TOKEN: &str = "TESTMODE";

/// `GetComplianceDetailsByConfigRule` returns at most 100 results a page.
pub(crate) const MAX_RESULTS_PER_PAGE: i32 = 100;

#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    /// Attempts per batch, the first included.
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with jitter, capped.
    fn delay(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1 << attempt.min(16));
        let capped = exp.min(self.max_delay);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        // Between half and all of the capped delay.
        capped / 2 + capped / 2 * (nanos % 1000) / 1000
    }
}

/// Why one `PutEvaluations` call did not go through.
#[derive(Debug, Clone)]
pub(crate) struct SendError {
    pub retryable: bool,
    pub message: String,
}

#[derive(Clone)]
pub struct ConfigService {
    client: Client,
    retry: RetryPolicy,
}

impl ConfigService {
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        ConfigService {
            client: crate::client!(aws_sdk_config, sdk),
            retry: RetryPolicy::default(),
        }
    }

    /// Report every evaluation; returns the number of `PutEvaluations` calls made. With
    /// nothing to report, one call with no evaluations and the result token: the API takes
    /// 0 to 100 evaluations (botocore `config` model, `Evaluations`: min 0), it records
    /// nothing, and the invocation's token is answered rather than left open.
    pub(crate) async fn put_evaluations(
        &self,
        result_token: &str,
        evaluations: &[Evaluation],
    ) -> Result<usize, RuleError> {
        let test_mode = result_token == TEST_MODE_TOKEN;
        deliver(evaluations, &self.retry, |batch| async move {
            let sdk_batch: Vec<SdkEvaluation> =
                batch.iter().map(to_sdk).collect::<Result<_, _>>()?;
            let out = self
                .client
                .put_evaluations()
                .result_token(result_token)
                .test_mode(test_mode)
                .set_evaluations(Some(sdk_batch))
                .send()
                .await
                .map_err(|err| SendError {
                    retryable: is_retryable(&err),
                    message: crate::aws::error_text(&err),
                })?;
            Ok(out
                .failed_evaluations()
                .iter()
                .map(|f| {
                    (
                        f.compliance_resource_type().to_string(),
                        f.compliance_resource_id().to_string(),
                    )
                })
                .collect())
        })
        .await
    }
}

impl ResultSource for ConfigService {
    /// Every detective COMPLIANT and NON_COMPLIANT result of the rule, 100 a page (what
    /// rdklib reads: NOT_APPLICABLE is absence, see [`crate::changes`]).
    async fn recorded_results(&self, rule_name: &str) -> Result<Vec<RecordedResult>, RuleError> {
        let results: Vec<EvaluationResult> = self
            .client
            .get_compliance_details_by_config_rule()
            .config_rule_name(rule_name)
            .compliance_types(ComplianceType::Compliant)
            .compliance_types(ComplianceType::NonCompliant)
            .limit(MAX_RESULTS_PER_PAGE)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<_, _>>()
            .await
            .map_err(|e| RuleError::aws("GetComplianceDetailsByConfigRule", &e))?;
        Ok(results.iter().filter_map(recorded_result).collect())
    }

    /// The rule's COMPLIANT or NON_COMPLIANT result for one resource: the resource's results
    /// (of every rule that evaluates it) filtered to this rule.
    async fn recorded_result(
        &self,
        rule_name: &str,
        resource_type: &str,
        resource_id: &str,
    ) -> Result<Option<RecordedResult>, RuleError> {
        let results: Vec<EvaluationResult> = self
            .client
            .get_compliance_details_by_resource()
            .resource_type(resource_type)
            .resource_id(resource_id)
            .compliance_types(ComplianceType::Compliant)
            .compliance_types(ComplianceType::NonCompliant)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<_, _>>()
            .await
            .map_err(|e| RuleError::aws("GetComplianceDetailsByResource", &e))?;
        Ok(results
            .iter()
            .filter(|r| {
                r.evaluation_result_identifier()
                    .and_then(|i| i.evaluation_result_qualifier())
                    .and_then(|q| q.config_rule_name())
                    == Some(rule_name)
            })
            .find_map(recorded_result))
    }
}

/// A detective result as the diff needs it; proactive results (of resources not yet
/// deployed) and results without a resource are not the scheduled run's business.
fn recorded_result(result: &EvaluationResult) -> Option<RecordedResult> {
    let qualifier = result
        .evaluation_result_identifier()?
        .evaluation_result_qualifier()?;
    if qualifier.evaluation_mode() == Some(&EvaluationMode::Proactive) {
        return None;
    }
    let compliance = match result.compliance_type()? {
        ComplianceType::Compliant => Compliance::Compliant,
        ComplianceType::NonCompliant => Compliance::NonCompliant,
        ComplianceType::NotApplicable => Compliance::NotApplicable,
        _ => return None,
    };
    Some(RecordedResult {
        resource_type: qualifier.resource_type()?.to_string(),
        resource_id: qualifier.resource_id()?.to_string(),
        compliance,
        annotation: result.annotation().unwrap_or_default().to_string(),
    })
}

impl ItemSource for ConfigService {
    async fn fetch_item(
        &self,
        summary: &ConfigurationItem,
    ) -> Result<ConfigurationItem, RuleError> {
        let out = self
            .client
            .get_resource_config_history()
            .resource_type(ResourceType::from(summary.resource_type.as_str()))
            .resource_id(&summary.resource_id)
            .limit(1)
            .send()
            .await
            .map_err(|e| RuleError::aws("GetResourceConfigHistory", &e))?;
        out.configuration_items()
            .first()
            .map(ConfigurationItem::from_history)
            .ok_or_else(|| RuleError::Aws {
                operation: "GetResourceConfigHistory",
                message: format!("no configuration item for {}", summary.resource_id),
            })
    }
}

fn to_sdk(e: &Evaluation) -> Result<SdkEvaluation, SendError> {
    SdkEvaluation::builder()
        .compliance_resource_type(&e.resource_type)
        .compliance_resource_id(&e.resource_id)
        .compliance_type(ComplianceType::from(e.compliance.as_str()))
        .annotation(&e.annotation)
        .ordering_timestamp(e.ordering_timestamp)
        .build()
        .map_err(|err| SendError {
            retryable: false,
            message: err.to_string(),
        })
}

fn is_retryable<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => {
            crate::aws::is_throttling_code(service.err().code())
                || matches!(
                    service.err().code(),
                    Some("InternalFailure" | "ServiceUnavailable" | "InternalServerError")
                )
        }
        _ => false,
    }
}

/// Send evaluations in batches of at most 100, retrying a batch's refused part with backoff.
/// Returns the number of calls made.
pub(crate) async fn deliver<F, Fut>(
    evaluations: &[Evaluation],
    policy: &RetryPolicy,
    mut send: F,
) -> Result<usize, RuleError>
where
    F: FnMut(Vec<Evaluation>) -> Fut,
    Fut: Future<Output = Result<Vec<(String, String)>, SendError>>,
{
    let mut calls = 0;
    // Nothing to send still closes the run with one empty call (see `put_evaluations`).
    let batches: Vec<&[Evaluation]> = if evaluations.is_empty() {
        vec![&[]]
    } else {
        evaluations.chunks(MAX_EVALUATIONS_PER_CALL).collect()
    };
    for batch in batches {
        let mut pending = batch.to_vec();
        let mut attempt = 0;
        loop {
            attempt += 1;
            calls += 1;
            let error = match send(pending.clone()).await {
                Ok(failed) if failed.is_empty() => break,
                Ok(failed) => {
                    pending.retain(|e| {
                        failed
                            .iter()
                            .any(|(t, id)| *t == e.resource_type && *id == e.resource_id)
                    });
                    if pending.is_empty() {
                        // Config named evaluations we never sent: nothing of ours is outstanding.
                        break;
                    }
                    SendError {
                        retryable: true,
                        message: format!("{} evaluations refused", pending.len()),
                    }
                }
                Err(err) => err,
            };
            if !error.retryable || attempt >= policy.attempts {
                return Err(RuleError::Report {
                    failed: pending.len(),
                    total: evaluations.len(),
                    message: format!("{} (after {attempt} attempts)", error.message),
                });
            }
            tracing::warn!(attempt, error = %error.message, "PutEvaluations retry");
            tokio::time::sleep(policy.delay(attempt)).await;
        }
    }
    Ok(calls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::{Compliance, Verdict};
    use std::cell::RefCell;

    fn evaluations(n: usize) -> Vec<Evaluation> {
        (0..n)
            .map(|i| {
                Evaluation::new(
                    "AWS::RDS::DBCluster",
                    format!("cluster-{i}"),
                    Verdict::new(Compliance::Compliant, "ok"),
                    crate::rule::now(),
                )
            })
            .collect()
    }

    const FAST: RetryPolicy = RetryPolicy {
        attempts: 4,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
    };

    fn throttled() -> SendError {
        SendError {
            retryable: true,
            message: "ThrottlingException: slow down".into(),
        }
    }

    #[tokio::test]
    async fn batches_hold_at_most_one_hundred() {
        let sizes = RefCell::new(Vec::new());
        let calls = deliver(&evaluations(250), &FAST, |batch| {
            sizes.borrow_mut().push(batch.len());
            async { Ok(vec![]) }
        })
        .await
        .unwrap();
        assert_eq!(calls, 3);
        assert_eq!(*sizes.borrow(), [100, 100, 50]);
    }

    #[tokio::test]
    async fn nothing_to_send_is_one_empty_call_retried_like_any() {
        let sizes = RefCell::new(Vec::new());
        let calls = deliver(&[], &FAST, |batch| {
            sizes.borrow_mut().push(batch.len());
            let first = sizes.borrow().len() == 1;
            async move {
                if first {
                    Err(throttled())
                } else {
                    Ok(vec![])
                }
            }
        })
        .await
        .unwrap();
        assert_eq!((calls, sizes.into_inner()), (2, vec![0, 0]));
        let err = deliver(&[], &FAST, |_| async {
            Err(SendError {
                retryable: false,
                message: "AccessDenied".into(),
            })
        })
        .await
        .unwrap_err();
        assert!(err.to_string().contains("AccessDenied"), "{err}");
    }

    #[tokio::test]
    async fn throttling_is_retried_until_accepted() {
        let attempts = RefCell::new(0);
        let calls = deliver(&evaluations(3), &FAST, |_| {
            *attempts.borrow_mut() += 1;
            let n = *attempts.borrow();
            async move {
                if n < 3 {
                    Err(throttled())
                } else {
                    Ok(vec![])
                }
            }
        })
        .await
        .unwrap();
        assert_eq!(calls, 3);
    }

    #[tokio::test]
    async fn only_refused_evaluations_are_sent_again() {
        let sent = RefCell::new(Vec::new());
        deliver(&evaluations(3), &FAST, |batch| {
            let ids: Vec<String> = batch.iter().map(|e| e.resource_id.clone()).collect();
            let first = sent.borrow().is_empty();
            sent.borrow_mut().push(ids);
            async move {
                Ok(if first {
                    vec![("AWS::RDS::DBCluster".to_string(), "cluster-1".to_string())]
                } else {
                    vec![]
                })
            }
        })
        .await
        .unwrap();
        assert_eq!(
            *sent.borrow(),
            vec![
                vec!["cluster-0", "cluster-1", "cluster-2"],
                vec!["cluster-1"]
            ]
        );
    }

    #[tokio::test]
    async fn persistent_or_fatal_errors_say_how_many_were_not_delivered() {
        let err = deliver(&evaluations(120), &FAST, |_| async { Err(throttled()) })
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "PutEvaluations did not accept 100 of 120 evaluations: ThrottlingException: slow down (after 4 attempts)"
        );
        let calls = RefCell::new(0);
        let err = deliver(&evaluations(2), &FAST, |_| {
            *calls.borrow_mut() += 1;
            async {
                Err(SendError {
                    retryable: false,
                    message: "AccessDenied".into(),
                })
            }
        })
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("AccessDenied (after 1 attempts)"),
            "{err}"
        );
        assert_eq!(*calls.borrow(), 1);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        for attempt in 1..20 {
            let d = policy.delay(attempt);
            assert!(
                d <= policy.max_delay && d >= policy.base_delay.min(policy.max_delay / 2),
                "{d:?}"
            );
        }
    }
}
