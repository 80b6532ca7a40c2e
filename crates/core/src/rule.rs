//! The contract between the core and a rule implementation, and how an invocation becomes
//! exactly one evaluation per resource.

use std::collections::HashSet;
use std::future::Future;

use aws_smithy_types::DateTime;

use crate::entry::{RuleEntry, ScanScope};
use crate::error::RuleError;
use crate::evaluation::{Compliance, Evaluation, Verdict};
use crate::event::{Invocation, Message};
use crate::item::ConfigurationItem;
use crate::params::Params;
use crate::registry::{ResourceType, RuleSpec};

/// One resource's verdict from a scan of everything in scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessed {
    pub resource_type: ResourceType,
    pub resource_id: String,
    /// What people call the resource (cluster or endpoint identifier, IAM name): reports
    /// show it beside the Config id.
    pub name: String,
    /// The resource's ARN when known: Security Hub's resource id.
    pub arn: Option<String>,
    pub verdict: Verdict,
}

/// A rule implementation: how one configuration item is judged. A scheduled run is the
/// rule's scan ([`RuleEntry::scan`]), the same code `gen scan` runs, so there is one path for
/// everything in scope. Both yield exactly one verdict per resource; AWS errors about a single
/// resource become a NOT_APPLICABLE verdict with the reason, never a lost one.
pub trait Rule: Sync {
    /// The rule's entry in the catalog: its declaration and its scan.
    fn entry(&self) -> &'static RuleEntry;

    fn spec(&self) -> &'static RuleSpec {
        self.entry().spec
    }

    /// Evaluate one (not deleted, in-scope) configuration item. Fields absent from the
    /// item's configuration (an oversized item, a recording quirk) are read with a
    /// describe call instead.
    fn evaluate_item(
        &self,
        item: &ConfigurationItem,
        params: &Params,
    ) -> impl Future<Output = Verdict> + Send;
}

/// The outcome of a describe call that fills in what a configuration item lacked: the
/// resource, or the NOT_APPLICABLE verdict saying why there is none (`what` names it, e.g.
/// "cluster graph"). Every rule treats a vanished or unreadable resource the same way.
pub fn described<T>(what: &str, result: Result<Option<T>, RuleError>) -> Result<T, Verdict> {
    match result {
        Ok(Some(resource)) => Ok(resource),
        Ok(None) => Err(Verdict::new(
            Compliance::NotApplicable,
            format!("{what} no longer exists"),
        )),
        Err(err) => Err(Verdict::not_evaluated(format!(
            "could not read {what}: {err}"
        ))),
    }
}

/// Where the full configuration item of an oversized notification comes from.
pub(crate) trait ItemSource: Sync {
    fn fetch_item(
        &self,
        summary: &ConfigurationItem,
    ) -> impl Future<Output = Result<ConfigurationItem, RuleError>> + Send;
}

/// Turn one invocation into its evaluations: one per resource, deduplicated. A scheduled run
/// scans `scope`, which must be fresh for the invocation (its listings are kept).
pub(crate) async fn evaluate_invocation<R: Rule, S: ItemSource>(
    rule: &R,
    source: &S,
    scope: &ScanScope,
    invocation: &Invocation,
) -> Result<Vec<Evaluation>, RuleError> {
    let params = Params::parse(rule.spec(), invocation.rule_parameters.as_deref())?;
    let evaluations = match &invocation.message {
        Message::Change(item) => {
            vec![evaluate_one(rule, item, &params, invocation.event_left_scope).await]
        }
        Message::Oversized(summary) => {
            let item = if summary.is_deleted() || invocation.event_left_scope {
                summary.clone()
            } else {
                match source.fetch_item(summary).await {
                    Ok(item) if item.resource_id == summary.resource_id => item,
                    Ok(_) | Err(_) => {
                        // The rule reads what it needs with a describe call instead.
                        tracing::warn!(
                            resource_id = %summary.resource_id,
                            "configuration item history unavailable; evaluating from a describe call"
                        );
                        summary.clone()
                    }
                }
            };
            vec![evaluate_one(rule, &item, &params, invocation.event_left_scope).await]
        }
        Message::Scheduled { notification_time } => {
            let at = notification_time.unwrap_or_else(now);
            (rule.entry().scan)(scope, &params)
                .await?
                .into_iter()
                .map(|a| Evaluation::new(a.resource_type.as_str(), a.resource_id, a.verdict, at))
                .collect()
        }
    };
    Ok(dedupe(evaluations))
}

async fn evaluate_one<R: Rule>(
    rule: &R,
    item: &ConfigurationItem,
    params: &Params,
    left_scope: bool,
) -> Evaluation {
    let verdict = if left_scope {
        Verdict::new(Compliance::NotApplicable, "resource left the rule's scope")
    } else if item.is_deleted() {
        Verdict::new(Compliance::NotApplicable, "resource deleted")
    } else if !rule.spec().evaluates(&item.resource_type) {
        Verdict::new(
            Compliance::NotApplicable,
            format!(
                "{} is not evaluated by {}",
                item.resource_type,
                rule.spec().id
            ),
        )
    } else {
        rule.evaluate_item(item, params).await
    };
    Evaluation::new(
        &item.resource_type,
        &item.resource_id,
        verdict,
        item.capture_time.unwrap_or_else(now),
    )
}

/// Exactly one evaluation per resource: the first one wins.
fn dedupe(evaluations: Vec<Evaluation>) -> Vec<Evaluation> {
    let mut seen = HashSet::new();
    evaluations
        .into_iter()
        .filter(|e| {
            let fresh = seen.insert((e.resource_type.clone(), e.resource_id.clone()));
            if !fresh {
                tracing::warn!(resource_id = %e.resource_id, "duplicate evaluation dropped");
            }
            fresh
        })
        .collect()
}

pub fn now() -> DateTime {
    DateTime::from(std::time::SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Severity, Trigger};
    use serde_json::json;

    const SPEC: RuleSpec = RuleSpec {
        id: "test-rule",
        title: "T",
        resource_types: &[ResourceType::RdsDbCluster],
        triggers: &[Trigger::ConfigurationChange],
        parameters: &[],
        severity: Severity::Low,
        delivery: crate::registry::Delivery::Lambda,
        remediation: crate::registry::Remediation {
            runbook: "T",
            automatic: false,
            rationale: "",
        },
        permissions: &[],
        frameworks: &[],
        docs: "",
        reference: "",
    };

    /// A scan that reports a duplicate.
    fn no_runbook() -> crate::runbook::Runbook {
        crate::runbook::Runbook {
            rule: &SPEC,
            owner: crate::runbook::Owner::Aws {
                actions: &[],
                source: "",
            },
            document: None,
            bound_parameters: &[],
            resource_parameter: None,
            side_actions: &[],
            unneeded_dependents: &[],
        }
    }

    const ENTRY: RuleEntry = RuleEntry::lambda(&SPEC, no_runbook, |_, _| {
        Box::pin(async {
            let one = |id: &str| Assessed {
                resource_type: ResourceType::RdsDbCluster,
                resource_id: id.into(),
                name: id.into(),
                arn: None,
                verdict: Verdict::new(Compliance::Compliant, "ok"),
            };
            Ok(vec![one("a"), one("b"), one("a")])
        })
    });

    /// Compliant when the configuration says `ok: true`.
    struct Fake;

    impl Rule for Fake {
        fn entry(&self) -> &'static RuleEntry {
            &ENTRY
        }
        async fn evaluate_item(&self, item: &ConfigurationItem, _: &Params) -> Verdict {
            match item.flag(&["ok"]) {
                Some(true) => Verdict::new(Compliance::Compliant, "ok"),
                Some(false) => Verdict::new(Compliance::NonCompliant, "not ok"),
                None => Verdict::new(Compliance::NotApplicable, "described"),
            }
        }
    }

    fn scope() -> ScanScope {
        ScanScope::new(aws_config::SdkConfig::builder().build())
    }

    struct History(Option<serde_json::Value>);

    impl ItemSource for History {
        async fn fetch_item(
            &self,
            summary: &ConfigurationItem,
        ) -> Result<ConfigurationItem, RuleError> {
            match &self.0 {
                Some(configuration) => Ok(ConfigurationItem {
                    configuration: configuration.clone(),
                    ..summary.clone()
                }),
                None => Err(RuleError::Aws {
                    operation: "GetResourceConfigHistory",
                    message: "not found".into(),
                }),
            }
        }
    }

    fn invocation(message_type: &str, status: &str, left_scope: bool) -> Invocation {
        let key = if message_type.starts_with("Oversized") {
            "configurationItemSummary"
        } else {
            "configurationItem"
        };
        Invocation::parse(json!({
            "invokingEvent": json!({
                "messageType": message_type,
                key: {
                    "resourceType": "AWS::RDS::DBCluster",
                    "resourceId": "cluster-1",
                    "configurationItemStatus": status,
                    "configurationItemCaptureTime": "2026-11-01T10:00:00Z",
                    "configuration": {"ok": false}
                },
                "notificationCreationTime": "2026-11-01T11:00:00Z"
            }).to_string(),
            "resultToken": "t",
            "eventLeftScope": left_scope
        }))
        .unwrap()
    }

    async fn verdicts(inv: &Invocation, history: History) -> Vec<(String, Compliance, String)> {
        evaluate_invocation(&Fake, &history, &scope(), inv)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.resource_id, e.compliance, e.annotation))
            .collect()
    }

    #[tokio::test]
    async fn each_message_type_yields_one_evaluation_per_resource() {
        use Compliance::*;
        let change = |status, left| invocation("ConfigurationItemChangeNotification", status, left);
        let oversized = |status| {
            invocation(
                "OversizedConfigurationItemChangeNotification",
                status,
                false,
            )
        };
        let cases = vec![
            (
                change("OK", false),
                History(None),
                vec![("cluster-1", NonCompliant, "not ok")],
            ),
            (
                change("ResourceDeleted", false),
                History(None),
                vec![("cluster-1", NotApplicable, "resource deleted")],
            ),
            (
                change("OK", true),
                History(None),
                vec![("cluster-1", NotApplicable, "resource left the rule's scope")],
            ),
            (
                oversized("OK"),
                History(Some(json!({"ok": true}))),
                vec![("cluster-1", Compliant, "ok")],
            ),
            (
                oversized("OK"),
                History(None),
                vec![("cluster-1", NotApplicable, "described")],
            ),
            (
                oversized("ResourceDeleted"),
                History(Some(json!({"ok": true}))),
                vec![("cluster-1", NotApplicable, "resource deleted")],
            ),
        ];
        for (inv, history, expected) in cases {
            let expected: Vec<_> = expected
                .into_iter()
                .map(|(id, c, a)| (id.to_string(), c, a.to_string()))
                .collect();
            assert_eq!(verdicts(&inv, history).await, expected, "{inv:?}");
        }
    }

    #[tokio::test]
    async fn scheduled_scans_are_deduplicated_and_stamped_with_the_notification_time() {
        let inv = Invocation::parse(json!({
            "invokingEvent": json!({"messageType": "ScheduledNotification", "notificationCreationTime": "2026-11-01T11:00:00Z"}).to_string(),
            "resultToken": "t"
        }))
        .unwrap();
        let evals = evaluate_invocation(&Fake, &History(None), &scope(), &inv)
            .await
            .unwrap();
        let ids: Vec<_> = evals.iter().map(|e| e.resource_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(evals
            .iter()
            .all(|e| e.ordering_timestamp
                == crate::item::parse_time("2026-11-01T11:00:00Z").unwrap()));
    }

    #[tokio::test]
    async fn other_resource_types_are_not_applicable() {
        let mut inv = invocation("ConfigurationItemChangeNotification", "OK", false);
        if let Message::Change(item) = &mut inv.message {
            item.resource_type = "AWS::S3::Bucket".into();
        }
        let got = verdicts(&inv, History(None)).await;
        assert_eq!(got[0].1, Compliance::NotApplicable);
        assert_eq!(got[0].2, "AWS::S3::Bucket is not evaluated by test-rule");
    }

    #[test]
    fn describe_fallbacks_name_a_vanished_or_unreadable_resource() {
        assert_eq!(described("cluster g", Ok(Some(1))), Ok(1));
        assert_eq!(
            described::<u8>("cluster g", Ok(None)),
            Err(Verdict::new(
                Compliance::NotApplicable,
                "cluster g no longer exists"
            ))
        );
        let err = RuleError::Aws {
            operation: "DescribeDBClusters",
            message: "AccessDenied".into(),
        };
        assert_eq!(
            described::<u8>("cluster g", Err(err)),
            Err(Verdict::not_evaluated(
                "could not read cluster g: DescribeDBClusters failed: AccessDenied"
            ))
        );
    }
}
