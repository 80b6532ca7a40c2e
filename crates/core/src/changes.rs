//! Report only what changed, and never hide a known violation. AWS Config bills every
//! evaluation it records, so a scheduled run compares its verdicts with the results Config
//! holds for the rule and sends only the difference: new and changed COMPLIANT or
//! NON_COMPLIANT verdicts, and NOT_APPLICABLE where a recorded result must go (the resource
//! left the rule's scope, or no longer exists, as rdklib's clean-up of old evaluations does).
//!
//! Two readings of AWS Config shape this module:
//! - NOT_APPLICABLE is absence. AWS documents a NOT_APPLICABLE evaluation as leaving the
//!   rule without a current result for the resource (DescribeComplianceByConfigRule: "The
//!   rule's Lambda function has returned NOT_APPLICABLE for all evaluation results"), and
//!   does not document that GetComplianceDetailsByConfigRule returns such results. So only
//!   COMPLIANT and NON_COMPLIANT results are read (as rdklib reads them), and a
//!   NOT_APPLICABLE verdict is sent only to remove one of those.
//! - A resource the run could not read keeps its recorded result. Sending "not evaluated"
//!   (NOT_APPLICABLE) over a standing NON_COMPLIANT result would hide the violation from
//!   Config, Security Hub and aggregators until the next run; the run logs why and sends
//!   nothing for it, and sends "not evaluated" only where nothing is recorded.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use aws_smithy_types::DateTime;

use crate::error::RuleError;
use crate::evaluation::{Compliance, Evaluation, Verdict};

/// The annotation of the NOT_APPLICABLE sent for a resource that vanished between runs.
pub(crate) const GONE: &str = "resource no longer exists";

/// A result Config holds for a rule: what the last recorded COMPLIANT or NON_COMPLIANT
/// evaluation of a resource said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordedResult {
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: Compliance,
    pub annotation: String,
}

/// Where a rule's recorded results come from (Config's GetComplianceDetailsByConfigRule and
/// GetComplianceDetailsByResource), COMPLIANT and NON_COMPLIANT only.
pub(crate) trait ResultSource: Sync {
    /// Every result of the rule.
    fn recorded_results(
        &self,
        rule_name: &str,
    ) -> impl Future<Output = Result<Vec<RecordedResult>, RuleError>> + Send;

    /// The rule's result for one resource, if any.
    fn recorded_result(
        &self,
        rule_name: &str,
        resource_type: &str,
        resource_id: &str,
    ) -> impl Future<Output = Result<Option<RecordedResult>, RuleError>> + Send;
}

/// What a run sends, and how much it left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    pub send: Vec<Evaluation>,
    /// Verdicts that match what Config holds (the recorded result, or for NOT_APPLICABLE,
    /// no result), not sent.
    pub unchanged: usize,
    /// NOT_APPLICABLE evaluations for recorded resources the run no longer found.
    pub gone: usize,
    /// Resources the run could not read, or could not tell from gone, whose recorded result
    /// (or, when the results were unreadable, whatever Config holds) stands: nothing sent.
    pub kept: usize,
    /// Why a scheduled run sent every evaluation instead of the changes (None otherwise).
    pub full_report_because: Option<String>,
}

impl Changes {
    /// Every evaluation, as console test runs send them.
    pub fn everything(evaluations: Vec<Evaluation>) -> Self {
        Changes {
            send: evaluations,
            unchanged: 0,
            gone: 0,
            kept: 0,
            full_report_because: None,
        }
    }
}

/// Log that a resource the run could not read keeps what Config holds for it.
fn log_kept(evaluation: &Evaluation, held: &str) {
    tracing::warn!(
        resource_type = %evaluation.resource_type,
        resource_id = %evaluation.resource_id,
        reason = %evaluation.annotation,
        held,
        "not evaluated: the result Config holds stands, nothing sent"
    );
}

/// The report of a scheduled run of the rule named `rule_name`: the changes against its
/// recorded results, or (with the reason, also logged) every evaluation but those of
/// resources the run could not read, when the results cannot be read.
pub(crate) async fn scheduled_report<S: ResultSource>(
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
            let (send, unread): (Vec<_>, Vec<_>) =
                evaluations.into_iter().partition(|e| e.evaluated);
            unread.iter().for_each(|e| log_kept(e, "unknown"));
            Changes {
                kept: unread.len(),
                full_report_because: Some(reason),
                ..Changes::everything(send)
            }
        }
    }
}

/// The report of a change-triggered run: its evaluation, unless the rule could not read the
/// resource and Config holds a result for it (or cannot say whether it does).
pub(crate) async fn change_report<S: ResultSource>(
    source: &S,
    rule_name: Option<&str>,
    evaluations: Vec<Evaluation>,
) -> Changes {
    let mut report = Changes::everything(Vec::new());
    for evaluation in evaluations {
        if evaluation.evaluated {
            report.send.push(evaluation);
            continue;
        }
        let held = match rule_name {
            Some(name) => source
                .recorded_result(name, &evaluation.resource_type, &evaluation.resource_id)
                .await
                .map(|r| r.map(|r| r.compliance.as_str().to_string())),
            None => Err(RuleError::MalformedEvent(
                "no `configRuleName` to read the recorded result of".into(),
            )),
        };
        match held {
            Ok(None) => report.send.push(evaluation),
            Ok(Some(held)) => {
                log_kept(&evaluation, &held);
                report.kept += 1;
            }
            Err(err) => {
                log_kept(&evaluation, &format!("unknown ({err})"));
                report.kept += 1;
            }
        }
    }
    report
}

/// The evaluations to send: each of `evaluations` whose resource has no recorded result
/// (but NOT_APPLICABLE ones, which absence already says) or a different compliance or
/// annotation (but unread resources, whose result stands), plus one NOT_APPLICABLE (stamped
/// `at`) for each recorded resource of a `swept` type that the run did not evaluate.
/// `swept` is what the scheduled run lists in full (the rule's resource types): a recorded
/// resource of another type is left alone. Recorded NOT_APPLICABLE results, should Config
/// return any, count as absence.
pub(crate) fn changes(
    evaluations: Vec<Evaluation>,
    recorded: &[RecordedResult],
    swept: &[&str],
    at: DateTime,
) -> Changes {
    let standing: HashMap<(&str, &str), &RecordedResult> = recorded
        .iter()
        .filter(|r| r.compliance != Compliance::NotApplicable)
        .map(|r| ((r.resource_type.as_str(), r.resource_id.as_str()), r))
        .collect();
    // Vanished resources first, while the run's evaluations can still be borrowed.
    let evaluated: HashSet<(&str, &str)> = evaluations
        .iter()
        .map(|e| (e.resource_type.as_str(), e.resource_id.as_str()))
        .collect();
    // An unread resource without a result may be a recorded one the run could not name (an
    // IAM policy whose id could not be read is reported under its ARN): then no result of
    // its type is known to be gone, and none is removed.
    let unnamed: HashSet<&str> = evaluations
        .iter()
        .filter(|e| {
            !e.evaluated
                && !standing.contains_key(&(e.resource_type.as_str(), e.resource_id.as_str()))
        })
        .map(|e| e.resource_type.as_str())
        .collect();
    let mut withheld = 0;
    let mut vanished: Vec<Evaluation> = standing
        .iter()
        .filter(|(key, r)| swept.contains(&r.resource_type.as_str()) && !evaluated.contains(key))
        .filter(|(_, r)| {
            let uncertain = unnamed.contains(r.resource_type.as_str());
            if uncertain {
                withheld += 1;
                tracing::warn!(
                    resource_type = %r.resource_type,
                    resource_id = %r.resource_id,
                    "not found, but the run could not name every resource of its type: the result stands"
                );
            }
            !uncertain
        })
        .map(|(_, r)| {
            Evaluation::new(
                &r.resource_type,
                &r.resource_id,
                Verdict::new(Compliance::NotApplicable, GONE),
                at,
            )
        })
        .collect();
    vanished.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
    let mut report = Changes::everything(Vec::new());
    report.kept = withheld;
    for evaluation in evaluations {
        let key = (
            evaluation.resource_type.as_str(),
            evaluation.resource_id.as_str(),
        );
        match standing.get(&key) {
            Some(held) if !evaluation.evaluated => {
                log_kept(&evaluation, held.compliance.as_str());
                report.kept += 1;
            }
            Some(held)
                if held.compliance == evaluation.compliance
                    && held.annotation == evaluation.annotation =>
            {
                report.unchanged += 1
            }
            None if evaluation.compliance == Compliance::NotApplicable && evaluation.evaluated => {
                report.unchanged += 1
            }
            _ => report.send.push(evaluation),
        }
    }
    report.gone = vanished.len();
    report.send.extend(vanished);
    report
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

    fn unread(id: &str) -> Evaluation {
        Evaluation::new(
            CLUSTER,
            id,
            Verdict::not_evaluated("could not read cluster: AccessDenied"),
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
            evaluation("left-scope", NotApplicable, "engine aurora is not Neptune"),
        ];
        let before = [
            recorded(CLUSTER, "same", Compliant, "ok"),
            recorded(CLUSTER, "flipped", Compliant, "ok"),
            recorded(CLUSTER, "reworded", NonCompliant, "old reason"),
            recorded(CLUSTER, "left-scope", NonCompliant, "IAM auth off"),
        ];
        let changes = changes(run, &before, &[CLUSTER], DateTime::from_secs(200));
        assert_eq!(
            sent(&changes),
            [
                ("flipped", NonCompliant, "IAM auth off"),
                ("reworded", NonCompliant, "new reason"),
                ("new", Compliant, "ok"),
                ("left-scope", NotApplicable, "engine aurora is not Neptune"),
            ]
        );
        assert_eq!((changes.unchanged, changes.gone, changes.kept), (1, 0, 0));
    }

    #[test]
    fn not_applicable_is_absence_whichever_way_config_keeps_it() {
        let run = || {
            vec![
                evaluation("other-engine", NotApplicable, "not Neptune"),
                evaluation("ok", Compliant, "ok"),
            ]
        };
        // Strict reading: Config returns no NOT_APPLICABLE result, so none is recorded.
        let strict = [recorded(CLUSTER, "ok", Compliant, "ok")];
        // Lenient reading: Config returns it, with an annotation that may differ.
        let lenient = [
            recorded(CLUSTER, "ok", Compliant, "ok"),
            recorded(CLUSTER, "other-engine", NotApplicable, "older words"),
        ];
        for before in [&strict[..], &lenient[..]] {
            let changes = changes(run(), before, &[CLUSTER], DateTime::from_secs(200));
            assert!(changes.send.is_empty(), "{:?}", changes.send);
            assert_eq!(changes.unchanged, 2);
        }
        // With nothing recorded, a NOT_APPLICABLE verdict is not sent either.
        let first = changes(run(), &[], &[CLUSTER], DateTime::from_secs(200));
        assert_eq!(sent(&first), [("ok", Compliant, "ok")]);
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
    fn an_unread_resource_keeps_its_recorded_result() {
        let run = vec![unread("violating"), unread("never-seen")];
        let before = [recorded(CLUSTER, "violating", NonCompliant, "IAM auth off")];
        let changes = changes(run, &before, &[CLUSTER], DateTime::from_secs(200));
        // The violation stands; "not evaluated" goes only where nothing is recorded.
        assert_eq!(
            sent(&changes),
            [(
                "never-seen",
                NotApplicable,
                "could not read cluster: AccessDenied"
            )]
        );
        assert_eq!((changes.kept, changes.gone), (1, 0));
    }

    #[test]
    fn nothing_is_gone_while_a_resource_of_its_type_could_not_be_named() {
        // The policy's id could not be read, so it is reported under its ARN: the result
        // recorded under its id is not removed as vanished.
        let policy = "AWS::IAM::Policy";
        let arn = Evaluation::new(
            policy,
            "arn:aws:iam::123456789012:policy/p",
            Verdict::not_evaluated("the id could not be read"),
            DateTime::from_secs(100),
        );
        let before = [
            recorded(policy, "ANPAEXAMPLE", NonCompliant, "FGAC003"),
            recorded(CLUSTER, "deleted", NonCompliant, "IAM auth off"),
        ];
        let changes = changes(
            vec![arn],
            &before,
            &[policy, CLUSTER],
            DateTime::from_secs(200),
        );
        assert_eq!(
            sent(&changes),
            [
                (
                    "arn:aws:iam::123456789012:policy/p",
                    NotApplicable,
                    "the id could not be read"
                ),
                ("deleted", NotApplicable, GONE),
            ]
        );
        assert_eq!((changes.kept, changes.gone), (1, 1));
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

        async fn recorded_result(
            &self,
            rule: &str,
            resource_type: &str,
            resource_id: &str,
        ) -> Result<Option<RecordedResult>, RuleError> {
            Ok(self.recorded_results(rule).await?.into_iter().find(|r| {
                r.resource_type == resource_type
                    && r.resource_id == resource_id
                    && r.compliance != NotApplicable
            }))
        }
    }

    #[tokio::test]
    async fn unreadable_results_mean_a_full_report_never_an_empty_one() {
        let run = vec![evaluation("a", Compliant, "ok"), unread("b")];
        let at = DateTime::from_secs(200);
        let same = Recorded(Ok(vec![recorded(CLUSTER, "a", Compliant, "ok")]));
        let report = scheduled_report(&same, Some("the-rule"), &[CLUSTER], run.clone(), at).await;
        assert_eq!((report.send.len(), report.unchanged), (1, 1));
        assert_eq!(report.full_report_because, None);

        // Every verdict but the unread one, whose recorded result may be a violation.
        let failing = Recorded(Err("AccessDenied"));
        let report =
            scheduled_report(&failing, Some("the-rule"), &[CLUSTER], run.clone(), at).await;
        assert_eq!(report.send, run[..1]);
        assert_eq!(report.kept, 1);
        assert_eq!(
            report.full_report_because.as_deref(),
            Some("the rule's recorded results could not be read (GetComplianceDetailsByConfigRule failed: AccessDenied)")
        );

        let report = scheduled_report(&same, None, &[CLUSTER], run.clone(), at).await;
        assert_eq!(report.send, run[..1]);
        assert!(report.full_report_because.is_some());
    }

    #[tokio::test]
    async fn a_change_run_that_cannot_read_its_resource_keeps_a_recorded_result() {
        let held = Recorded(Ok(vec![recorded(
            CLUSTER,
            "b",
            NonCompliant,
            "IAM auth off",
        )]));
        let report = change_report(&held, Some("the-rule"), vec![unread("b")]).await;
        assert_eq!((report.send.len(), report.kept), (0, 1));
        // Nothing recorded: "not evaluated" is sent.
        let report = change_report(&held, Some("the-rule"), vec![unread("c")]).await;
        assert_eq!((report.send.len(), report.kept), (1, 0));
        // Config cannot say: the recorded result, if any, stands.
        let blind = Recorded(Err("Throttling"));
        let report = change_report(&blind, Some("the-rule"), vec![unread("c")]).await;
        assert_eq!((report.send.len(), report.kept), (0, 1));
        // A verdict the rule reached is always sent.
        let report = change_report(
            &blind,
            Some("the-rule"),
            vec![evaluation("b", NotApplicable, "resource deleted")],
        )
        .await;
        assert_eq!(report.send.len(), 1);
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
