//! Rule `neptune-cluster-iam-auth`: every Neptune DB cluster has IAM database
//! authentication enabled. AWS Config records Neptune clusters as `AWS::RDS::DBCluster`;
//! other RDS engines are NOT_APPLICABLE, never NON_COMPLIANT.

mod runbook;

use guardrails_aws::template_cluster::judged;
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::exemption;
use guardrails_core::frameworks::{Framework, Mapping, SECURITY_HUB_NEPTUNE};
use guardrails_core::registry::{Remediation, ResourceType, RuleSpec, Severity, Trigger};
use guardrails_core::rule::described;
use guardrails_core::{Assessed, Compliance, ConfigurationItem, Params, Rule};

pub use guardrails_aws::neptune::{ClusterFacts, NeptuneClusters};
use guardrails_aws::posture::{ClusterTags, Clusters};

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-iam-auth",
    title: "Neptune DB clusters require IAM database authentication",
    resource_types: &[ResourceType::RdsDbCluster],
    triggers: &[
        Trigger::ConfigurationChange,
        Trigger::Periodic("TwentyFour_Hours"),
    ],
    parameters: &[exemption::PARAMETER],
    severity: Severity::Medium,
    delivery: guardrails_core::registry::Delivery::Lambda,
    remediation: Remediation {
        runbook: "NeptuneGuardrails-EnableClusterIamAuth",
        automatic: false,
        rationale: "turning IAM auth on rejects every client that does not sign its requests, \
                    so an owner starts it once clients sign",
    },
    permissions: &["rds:DescribeDBClusters", "rds:ListTagsForResource"],
    frameworks: &[
        Mapping {
            framework: Framework::AwsFsbp,
            requirements: &["Neptune.7"],
            source: SECURITY_HUB_NEPTUNE,
        },
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &["AC-2(1)", "AC-3", "AC-3(15)", "AC-3(7)", "AC-6"],
            source: "Neptune.7's related requirements, Security Hub's Neptune controls page",
        },
        Mapping {
            framework: Framework::CisControlsV8,
            requirements: &["6.7"],
            source: "our mapping: safeguard 6.7 (Centralize Access Control) — IAM, not a \
                     database-local secret, decides who reaches the graph",
        },
    ],
    docs: "NON_COMPLIANT when a Neptune cluster's IAMDatabaseAuthenticationEnabled is false or \
           absent: without it, anyone who reaches the cluster's port can query and change the \
           graph, and IAM policies (fine-grained neptune-db: actions) cannot restrict access. \
           Other RDS engines and deleted clusters are NOT_APPLICABLE, as is a failing cluster \
           carrying the exemption tag (exemptionTag), through its `until` date.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::lambda(
    &SPEC,
    runbook::runbook,
    // The cluster listing every cluster control of the scan shares; tags only of the
    // clusters that fail.
    |scope, params| {
        Box::pin(async move {
            let clusters = Clusters::of(scope).await?;
            let mut assessed: Vec<Assessed> = clusters
                .0
                .iter()
                .map(ClusterFacts::from_sdk)
                .map(|c| assess(&c))
                .collect();
            ClusterTags::exempt_failing(scope, params, &mut assessed).await;
            Ok(assessed)
        })
    },
)
.judging_templates(|resource, _, _| {
    judged(resource, &["IamAuthEnabled"], |c| {
        evaluate(&ClusterFacts::from_sdk(c))
    })
});

/// The verdict for one cluster.
pub fn evaluate(cluster: &ClusterFacts) -> Verdict {
    match (&cluster.engine, cluster.is_neptune(), cluster.iam_auth) {
        (None, _, _) => Verdict::new(
            Compliance::NotApplicable,
            format!("engine of cluster {} could not be determined", cluster.identifier),
        ),
        (Some(engine), false, _) => Verdict::new(
            Compliance::NotApplicable,
            format!("engine {engine} is not Neptune"),
        ),
        (_, true, Some(true)) => Verdict::new(
            Compliance::Compliant,
            "IAMDatabaseAuthenticationEnabled is true",
        ),
        (_, true, Some(false)) => Verdict::new(
            Compliance::NonCompliant,
            format!(
                "IAMDatabaseAuthenticationEnabled is false on Neptune cluster {}: enable IAM DB auth (runbook {})",
                cluster.identifier, SPEC.remediation.runbook
            ),
        ),
        (_, true, None) => Verdict::new(
            Compliance::NonCompliant,
            format!(
                "IAMDatabaseAuthenticationEnabled is absent on Neptune cluster {} (treated as off)",
                cluster.identifier
            ),
        ),
    }
}

fn assess(cluster: &ClusterFacts) -> Assessed {
    Assessed {
        resource_type: ResourceType::RdsDbCluster,
        resource_id: cluster.resource_id.clone(),
        name: cluster.identifier.clone(),
        arn: cluster.arn.clone(),
        verdict: evaluate(cluster),
    }
}

pub struct ClusterIamAuth {
    clusters: NeptuneClusters,
}

impl ClusterIamAuth {
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        ClusterIamAuth {
            clusters: NeptuneClusters::new(sdk),
        }
    }
}

impl Rule for ClusterIamAuth {
    fn entry(&self) -> &'static RuleEntry {
        &RULE
    }

    async fn evaluate_item(&self, item: &ConfigurationItem, params: &Params) -> Verdict {
        let mut facts = ClusterFacts::from_item(item);
        let incomplete = facts.engine.is_none() || (facts.is_neptune() && facts.iam_auth.is_none());
        if incomplete {
            let key = item.arn.clone().unwrap_or_else(|| facts.identifier.clone());
            match described(
                &format!("cluster {key}"),
                self.clusters.describe(&key).await,
            ) {
                Ok(described) => {
                    facts = ClusterFacts {
                        resource_id: facts.resource_id,
                        ..described
                    }
                }
                Err(verdict) => return verdict,
            }
        }
        exemption::apply_to_item(params, &item.tags, evaluate(&facts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(engine: Option<&str>, iam: Option<bool>) -> ClusterFacts {
        ClusterFacts {
            resource_id: "cluster-ABC".into(),
            identifier: "graph".into(),
            arn: None,
            engine: engine.map(str::to_string),
            iam_auth: iam,
            endpoints: vec!["graph.cluster-x.us-east-1.neptune.amazonaws.com".into()],
        }
    }

    #[test]
    fn verdicts_follow_the_design() {
        use Compliance::*;
        let cases = [
            (
                Some("neptune"),
                Some(true),
                Compliant,
                "IAMDatabaseAuthenticationEnabled is true",
            ),
            (
                Some("NEPTUNE"),
                Some(true),
                Compliant,
                "IAMDatabaseAuthenticationEnabled is true",
            ),
            (
                Some("neptune"),
                Some(false),
                NonCompliant,
                "IAMDatabaseAuthenticationEnabled is false on Neptune cluster graph",
            ),
            (
                Some("neptune"),
                None,
                NonCompliant,
                "IAMDatabaseAuthenticationEnabled is absent on Neptune cluster graph",
            ),
            (
                Some("aurora-postgresql"),
                Some(false),
                NotApplicable,
                "engine aurora-postgresql is not Neptune",
            ),
            (
                Some("docdb"),
                None,
                NotApplicable,
                "engine docdb is not Neptune",
            ),
            (
                None,
                Some(false),
                NotApplicable,
                "engine of cluster graph could not be determined",
            ),
        ];
        for (engine, iam, compliance, annotation) in cases {
            let v = evaluate(&cluster(engine, iam));
            assert_eq!(v.compliance, compliance, "{engine:?} {iam:?}");
            assert!(
                v.annotation.starts_with(annotation),
                "{engine:?} {iam:?}: {}",
                v.annotation
            );
        }
    }
}
