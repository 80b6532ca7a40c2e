//! Rule `neptune-cluster-multi-az` (Security Hub Neptune.9; AWS managed rule `NEPTUNE_CLUSTER_MULTI_AZ_ENABLED`):
//! Neptune DB clusters have instances in more than one availability zone.
//! Deployed as the managed rule; `gen scan` judges each cluster the way its page does.

mod runbook;

use guardrails_aws::neptune::types::DbCluster;
use guardrails_aws::posture::{scan_clusters, verdict};
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::frameworks::{Framework, Mapping, SECURITY_HUB_NEPTUNE};
use guardrails_core::registry::{Delivery, Remediation, ResourceType, RuleSpec, Severity, Trigger};

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-multi-az",
    title: "Neptune DB clusters have instances in more than one Availability Zone",
    resource_types: &[ResourceType::RdsDbCluster],
    triggers: &[Trigger::ConfigurationChange],
    parameters: &[],
    severity: Severity::Medium,
    delivery: Delivery::Managed {
        identifier: "NEPTUNE_CLUSTER_MULTI_AZ_ENABLED",
        unavailable_in: &["ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "cn-north-1", "eu-central-2", "eu-south-1", "eu-south-2", "mx-central-1", "us-gov-east-1", "us-gov-west-1"],
    },
    remediation: Remediation {
        runbook: "NeptuneGuardrails-AddReaderInAnotherAz",
        automatic: false,
        rationale: "it creates and bills a new DB instance, whose class and Availability Zone an owner chooses",
    },
    permissions: &["rds:DescribeDBClusters"],
    frameworks: &[Mapping {
        framework: Framework::AwsFsbp,
        requirements: &["Neptune.9"],
        source: SECURITY_HUB_NEPTUNE,
    }],
    docs: "NON_COMPLIANT when a Neptune cluster's MultiAZ is false or absent: all its instances sit in one Availability Zone, so an outage there stops the graph until a new instance is created elsewhere. Other RDS engines and deleted clusters are NOT_APPLICABLE.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry {
    spec: &SPEC,
    runbook: runbook::runbook,
    scan: |scope, _| Box::pin(scan_clusters(scope, evaluate)),
};

/// The verdict for one Neptune cluster.
pub fn evaluate(cluster: &DbCluster) -> Verdict {
    let name = cluster.db_cluster_identifier().unwrap_or_default();
    match cluster.multi_az() {
        Some(true) => verdict(true, format!("MultiAZ is true on cluster {name}")),
        Some(false) => verdict(
            false,
            format!(
                "MultiAZ is false on cluster {name} (runbook {})",
                SPEC.remediation.runbook
            ),
        ),
        None => verdict(
            false,
            format!("MultiAZ is absent on cluster {name} (treated as off)"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_core::Compliance;

    #[test]
    fn the_setting_decides() {
        let cluster = |value: Option<bool>| {
            DbCluster::builder()
                .db_cluster_identifier("graph")
                .engine("neptune")
                .set_multi_az(value)
                .build()
        };
        assert_eq!(
            evaluate(&cluster(Some(true))).compliance,
            Compliance::Compliant
        );
        let off = evaluate(&cluster(Some(false)));
        assert_eq!(off.compliance, Compliance::NonCompliant);
        assert!(
            off.annotation
                .contains("NeptuneGuardrails-AddReaderInAnotherAz"),
            "{}",
            off.annotation
        );
        let absent = evaluate(&cluster(None));
        assert_eq!(absent.compliance, Compliance::NonCompliant);
        assert!(
            absent.annotation.ends_with("(treated as off)"),
            "{}",
            absent.annotation
        );
    }
}
