//! Rule `neptune-cluster-multi-az` (Security Hub Neptune.9; AWS managed rule `NEPTUNE_CLUSTER_MULTI_AZ_ENABLED`):
//! Neptune DB clusters have instances in more than one availability zone.
//! Deployed as the managed rule; `gen scan` judges each cluster the way its page does.

mod runbook;

use guardrails_aws::neptune::types::DbCluster;
use guardrails_aws::posture::scan_clusters;
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::frameworks::{Framework, Mapping, SECURITY_HUB_NEPTUNE};
use guardrails_core::registry::{Delivery, Remediation, ResourceType, RuleSpec, Severity, Trigger};
use guardrails_core::verdicts::required_setting;

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-multi-az",
    title: "Neptune DB clusters have instances in more than one Availability Zone",
    resource_types: &[ResourceType::RdsDbCluster],
    triggers: &[Trigger::ConfigurationChange],
    parameters: &[],
    severity: Severity::Medium,
    delivery: Delivery::managed("NEPTUNE_CLUSTER_MULTI_AZ_ENABLED"),
    remediation: Remediation {
        runbook: "NeptuneGuardrails-AddReaderInAnotherAz",
        automatic: false,
        rationale: "it creates and bills a new DB instance, whose class and Availability Zone an owner chooses",
    },
    permissions: &["rds:DescribeDBClusters"],
    frameworks: &[
        Mapping {
            framework: Framework::AwsFsbp,
            requirements: &["Neptune.9"],
            source: SECURITY_HUB_NEPTUNE,
        },
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &["CP-10", "CP-6(2)", "SC-36", "SC-5(2)", "SI-13(5)"],
            source: "Neptune.9's related requirements, Security Hub's Neptune controls page",
        },
    ],
    docs: "NON_COMPLIANT when a Neptune cluster's MultiAZ is false or absent: all its instances sit in one Availability Zone, so an outage there stops the graph until a new instance is created elsewhere. Other RDS engines and deleted clusters are NOT_APPLICABLE.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::managed(&SPEC, runbook::runbook, |scope, _| {
    Box::pin(scan_clusters(scope, evaluate))
});

/// The verdict for one Neptune cluster.
pub fn evaluate(cluster: &DbCluster) -> Verdict {
    required_setting(
        cluster.db_cluster_identifier().unwrap_or_default(),
        "MultiAZ",
        cluster.multi_az(),
        SPEC.remediation.runbook,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_core::Compliance;

    #[test]
    fn the_setting_decides() {
        let cluster = |value| DbCluster::builder().set_multi_az(value).build();
        assert_eq!(
            evaluate(&cluster(Some(true))).compliance,
            Compliance::Compliant
        );
        let off = evaluate(&cluster(Some(false))).annotation;
        assert!(off.starts_with("MultiAZ is false"), "{off}");
        assert!(off.contains(SPEC.remediation.runbook), "{off}");
    }
}
