//! Report only what changed. AWS Config bills every evaluation it records, so a scheduled run
//! compares its verdicts with the results Config already holds for the rule and sends only
//! the difference: new resources, changed compliance or annotation, and NOT_APPLICABLE for
//! resources that have a result but no longer exist (as rdklib's clean-up of old
//! evaluations does). When Config's results cannot be read, the run sends everything.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use aws_smithy_types::DateTime;

use crate::error::RuleError;
use crate::evaluation::{Compliance, Evaluation, Verdict};

/// The annotation of the NOT_APPLICABLE sent for a resource that vanished between runs.
pub const GONE: &str = "resource no longer exists";

/// A result Config holds for a rule: what the last recorded evaluation of a resource said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedResult {
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: Compliance,
    pub annotation: String,
}

/// Where a rule's recorded results come from (Config's GetComplianceDetailsByConfigRule).
pub trait ResultSource: Sync {
    fn recorded_results(
        &self,
        rule_name: &str,
    ) -> impl Future<Output = Result<Vec<RecordedResult>, RuleError>> + Send;
}

/// What a run sends, and how much it left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    pub send: Vec<Evaluation>,
    /// Verdicts equal to the recorded result, not sent.
    pub unchanged: usize,
    /// NOT_APPLICABLE evaluations for recorded resources the run no longer found.
    pub gone: usize,
    /// Why a scheduled run sent every evaluation instead of the changes (None otherwise).
    pub full_report_because: Option<String>,
}

impl Changes {
    /// Every evaluation, as change-triggered runs and test-mode runs send them.
    pub fn everything(evaluations: Vec<Evaluation>) -> Self {
        Changes {
            send: evaluations,
            unchanged: 0,
            gone: 0,
            full_report_because: None,
        }
    }
}

/// The report of a scheduled run of the rule named `rule_name`: the changes against its
/// recorded results, or every evaluation (with the reason, also logged) when those cannot be
/// read — never nothing.
pub async fn scheduled_report<S: ResultSource>(
    source: &S,
    rule_name: Option<&str>,
    swept: &[&str],
    evaluations: Vec<Evaluation>,
    at: DateTime,
) -> Changes {
    let recorded = match rule_name {
        Some(name) => source.recorded_results(name).await,
        None => Err(RuleError::MalformedEvent(
            "no `configRuleName` to read the recorded results of".into(),
        )),
    };
    match recorded {
        Ok(recorded) => changes(evaluations, &recorded, swept, at),
        Err(err) => {
            let reason = format!("the rule's recorded results could not be read ({err})");
            tracing::warn!(reason = %reason, "sending every evaluation");
            Changes {
                full_report_because: Some(reason),
                ..Changes::everything(evaluations)
            }
        }
    }
}

/// The evaluations to send: each of `evaluations` whose resource has no recorded result or a
/// different compliance or annotation, plus one NOT_APPLICABLE (stamped `at`) for each
/// recorded resource of a `swept` type that the run did not evaluate and whose result is not
/// already NOT_APPLICABLE. `swept` is what the scheduled run lists in full (the rule's
/// resource types): a recorded resource of another type is left alone.
pub fn changes(
    evaluations: Vec<Evaluation>,
    recorded: &[RecordedResult],
    swept: &[&str],
    at: DateTime,
) -> Changes {
    let recorded_by_resource: HashMap<(&str, &str), &RecordedResult> = recorded
        .iter()
        .map(|r| ((r.resource_type.as_str(), r.resource_id.as_str()), r))
        .collect();
    // Vanished resources first, while the run's evaluations can still be borrowed.
    let evaluated: HashSet<(&str, &str)> = evaluations
        .iter()
        .map(|e| (e.resource_type.as_str(), e.resource_id.as_str()))
        .collect();
    let vanished: Vec<Evaluation> = recorded
        .iter()
        .filter(|r| {
            r.compliance != Compliance::NotApplicable
                && swept.contains(&r.resource_type.as_str())
                && !evaluated.contains(&(r.resource_type.as_str(), r.resource_id.as_str()))
        })
        .map(|r| {
            Evaluation::new(
                &r.resource_type,
                &r.resource_id,
                Verdict::new(Compliance::NotApplicable, GONE),
                at,
            )
        })
        .collect();
    let total = evaluations.len();
    let mut send: Vec<Evaluation> = evaluations
        .into_iter()
        .filter(|e| {
            recorded_by_resource
                .get(&(e.resource_type.as_str(), e.resource_id.as_str()))
                .is_none_or(|r| r.compliance != e.compliance || r.annotation != e.annotation)
        })
        .collect();
    let unchanged = total - send.len();
    let gone = vanished.len();
    send.extend(vanished);
    Changes {
        send,
        unchanged,
        gone,
        full_report_because: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLUSTER: &str = "AWS::RDS::DBCluster";

    fn evaluation(id: &str, compliance: Compliance, annotation: &str) -> Evaluation {
        Evaluation::new(
            CLUSTER,
            id,
            Verdict::new(compliance, annotation),
            DateTime::from_secs(100),
        )
    }

    fn recorded(
        resource_type: &str,
        id: &str,
        compliance: Compliance,
        annotation: &str,
    ) -> RecordedResult {
        RecordedResult {
            resource_type: resource_type.into(),
            resource_id: id.into(),
            compliance,
            annotation: annotation.into(),
        }
    }

    fn sent(changes: &Changes) -> Vec<(&str, Compliance, &str)> {
        changes
            .send
            .iter()
            .map(|e| (e.resource_id.as_str(), e.compliance, e.annotation.as_str()))
            .collect()
    }

    use Compliance::{Compliant, NonCompliant, NotApplicable};

    #[test]
    fn only_new_and_changed_verdicts_are_sent() {
        let run = vec![
            evaluation("same", Compliant, "ok"),
            evaluation("flipped", NonCompliant, "IAM auth off"),
            evaluation("reworded", NonCompliant, "new reason"),
            evaluation("new", Compliant, "ok"),
            evaluation("still-na", NotApplicable, "not Neptune"),
        ];
        let before = [
            recorded(CLUSTER, "same", Compliant, "ok"),
            recorded(CLUSTER, "flipped", Compliant, "ok"),
            recorded(CLUSTER, "reworded", NonCompliant, "old reason"),
            recorded(CLUSTER, "still-na", NotApplicable, "not Neptune"),
        ];
        let changes = changes(run, &before, &[CLUSTER], DateTime::from_secs(200));
        assert_eq!(
            sent(&changes),
            [
                ("flipped", NonCompliant, "IAM auth off"),
                ("reworded", NonCompliant, "new reason"),
                ("new", Compliant, "ok"),
            ]
        );
        assert_eq!((changes.unchanged, changes.gone), (2, 0));
    }

    #[test]
    fn vanished_resources_get_not_applicable_once() {
        let before = [
            recorded(CLUSTER, "deleted", NonCompliant, "IAM auth off"),
            recorded(CLUSTER, "deleted-earlier", NotApplicable, GONE),
            recorded("AWS::IAM::Role", "other-type", NonCompliant, "x"),
        ];
        let changes = changes(vec![], &before, &[CLUSTER], DateTime::from_secs(200));
        assert_eq!(sent(&changes), [("deleted", NotApplicable, GONE)]);
        assert_eq!(changes.send[0].ordering_timestamp, DateTime::from_secs(200));
        assert_eq!((changes.unchanged, changes.gone), (0, 1));
    }

    #[test]
    fn with_nothing_recorded_everything_is_sent() {
        let run = vec![
            evaluation("a", Compliant, "ok"),
            evaluation("b", NotApplicable, "not Neptune"),
        ];
        let changes = changes(run.clone(), &[], &[CLUSTER], DateTime::from_secs(200));
        assert_eq!(changes.send, run);
    }

    struct Recorded(Result<Vec<RecordedResult>, &'static str>);

    impl ResultSource for Recorded {
        async fn recorded_results(&self, rule: &str) -> Result<Vec<RecordedResult>, RuleError> {
            assert_eq!(rule, "the-rule");
            self.0.clone().map_err(|message| RuleError::Aws {
                operation: "GetComplianceDetailsByConfigRule",
                message: message.into(),
            })
        }
    }

    #[tokio::test]
    async fn unreadable_results_mean_a_full_report_never_an_empty_one() {
        let run = vec![evaluation("a", Compliant, "ok")];
        let at = DateTime::from_secs(200);
        let same = Recorded(Ok(vec![recorded(CLUSTER, "a", Compliant, "ok")]));
        let report = scheduled_report(&same, Some("the-rule"), &[CLUSTER], run.clone(), at).await;
        assert_eq!((report.send.len(), report.unchanged), (0, 1));
        assert_eq!(report.full_report_because, None);

        let failing = Recorded(Err("AccessDenied"));
        let report =
            scheduled_report(&failing, Some("the-rule"), &[CLUSTER], run.clone(), at).await;
        assert_eq!(report.send, run);
        assert_eq!(
            report.full_report_because.as_deref(),
            Some("the rule's recorded results could not be read (GetComplianceDetailsByConfigRule failed: AccessDenied)")
        );

        let report = scheduled_report(&same, None, &[CLUSTER], run.clone(), at).await;
        assert_eq!(report.send, run);
        assert!(report.full_report_because.is_some());
    }

    #[test]
    fn annotations_compare_as_config_stores_them() {
        let long = "x".repeat(300);
        let run = vec![evaluation("a", NonCompliant, &long)];
        let stored = crate::evaluation::truncate_annotation(&long);
        let before = [recorded(CLUSTER, "a", NonCompliant, &stored)];
        assert!(changes(run, &before, &[CLUSTER], DateTime::from_secs(1))
            .send
            .is_empty());
    }
}
