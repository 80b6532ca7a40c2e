//! Rule `neptune-cluster-deletion-protection` (Security Hub Neptune.4; AWS managed rule `NEPTUNE_CLUSTER_DELETION_PROTECTION_ENABLED`):
//! Neptune DB clusters have deletion protection on.
//! Deployed as the managed rule; `gen scan` judges each cluster the way its page does.

use guardrails_aws::neptune::types::DbCluster;
use guardrails_aws::posture::scan_clusters;
use guardrails_aws::template_cluster::judged;
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::frameworks::{Framework, Mapping, SECURITY_HUB_NEPTUNE};
use guardrails_core::registry::{Delivery, Remediation, ResourceType, RuleSpec, Severity, Trigger};
use guardrails_core::runbook::{aws_neptune_cluster_runbook, Runbook};
use guardrails_core::verdicts::required_setting;

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-deletion-protection",
    title: "Neptune DB clusters have deletion protection on",
    resource_types: &[ResourceType::RdsDbCluster],
    triggers: &[Trigger::ConfigurationChange],
    parameters: &[],
    severity: Severity::Low,
    delivery: Delivery::managed("NEPTUNE_CLUSTER_DELETION_PROTECTION_ENABLED"),
    remediation: Remediation {
        runbook: "AWS-EnableNeptuneClusterDeletionProtection",
        automatic: false,
        rationale: "deletion protection only refuses DeleteDBCluster, no client of the graph \
                    notices it; manual by default all the same: the cluster is usually owned \
                    by CloudFormation or Terraform, which would undo the change at its next \
                    update (fix it in the template), and AWS Config cannot tell owned \
                    clusters from others",
    },
    permissions: &["rds:DescribeDBClusters"],
    frameworks: &[
        Mapping {
            framework: Framework::AwsFsbp,
            requirements: &["Neptune.4"],
            source: SECURITY_HUB_NEPTUNE,
        },
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &["CA-9(1)", "CM-2", "CM-2(2)", "CM-3", "SC-5(2)"],
            source: "Neptune.4's related requirements, Security Hub's Neptune controls page",
        },
    ],
    docs: "NON_COMPLIANT when a Neptune cluster's DeletionProtection is false or absent: one DeleteDBCluster call, by mistake or by an intruder, then destroys the graph. Other RDS engines and deleted clusters are NOT_APPLICABLE.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::managed(&SPEC, runbook, |scope, _| {
    Box::pin(scan_clusters(scope, evaluate))
})
.judging_templates(|resource, _, _| judged(resource, &["DeletionProtection"], evaluate));

/// The AWS-owned runbook, for the catalog.
fn runbook() -> Runbook {
    aws_neptune_cluster_runbook(
        &SPEC,
        "https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/AWS-EnableNeptuneClusterDeletionProtection.html",
        &[],
    )
}

/// The verdict for one Neptune cluster.
pub fn evaluate(cluster: &DbCluster) -> Verdict {
    required_setting(
        cluster.db_cluster_identifier().unwrap_or_default(),
        "DeletionProtection",
        cluster.deletion_protection(),
        SPEC.remediation.runbook,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_core::Compliance;

    #[test]
    fn the_setting_decides() {
        let cluster = |value| DbCluster::builder().set_deletion_protection(value).build();
        assert_eq!(
            evaluate(&cluster(Some(true))).compliance,
            Compliance::Compliant
        );
        let off = evaluate(&cluster(Some(false))).annotation;
        assert!(off.starts_with("DeletionProtection is false"), "{off}");
        assert!(off.contains(SPEC.remediation.runbook), "{off}");
    }
}
