//! Rule `neptune-cluster-copy-tags-to-snapshots` (Security Hub Neptune.8; AWS managed rule `NEPTUNE_CLUSTER_COPY_TAGS_TO_SNAPSHOT_ENABLED`):
//! Neptune DB clusters copy their tags to snapshots.
//! Deployed as the managed rule; `gen scan` judges each cluster the way its page does.

mod runbook;

use guardrails_aws::neptune::types::DbCluster;
use guardrails_aws::posture::scan_clusters;
use guardrails_aws::template_cluster::judged;
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::frameworks::{Framework, Mapping, SECURITY_HUB_NEPTUNE};
use guardrails_core::registry::{Delivery, Remediation, ResourceType, RuleSpec, Severity, Trigger};
use guardrails_core::verdicts::required_setting;

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-copy-tags-to-snapshots",
    title: "Neptune DB clusters copy their tags to snapshots",
    resource_types: &[ResourceType::RdsDbCluster],
    triggers: &[Trigger::ConfigurationChange],
    parameters: &[],
    severity: Severity::Low,
    delivery: Delivery::managed("NEPTUNE_CLUSTER_COPY_TAGS_TO_SNAPSHOT_ENABLED"),
    remediation: Remediation {
        runbook: "NeptuneGuardrails-EnableCopyTagsToSnapshot",
        automatic: false,
        rationale: "it changes which tags future snapshots get and nothing a client of the \
                    graph sees; manual by default all the same: the cluster is usually owned \
                    by CloudFormation or Terraform, which would undo the change at its next \
                    update (fix it in the template), and AWS Config cannot tell owned \
                    clusters from others",
    },
    permissions: &["rds:DescribeDBClusters"],
    frameworks: &[
        Mapping {
            framework: Framework::AwsFsbp,
            requirements: &["Neptune.8"],
            source: SECURITY_HUB_NEPTUNE,
        },
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &["CA-9(1)", "CM-2", "CM-2(2)"],
            source: "Neptune.8's related requirements, Security Hub's Neptune controls page",
        },
    ],
    docs: "NON_COMPLIANT when a Neptune cluster's CopyTagsToSnapshot is false or absent: its snapshots then lack the tags (owner, data classification, cost centre) that access policies, backups and audits rely on. Other RDS engines and deleted clusters are NOT_APPLICABLE.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::managed(&SPEC, runbook::runbook, |scope, _| {
    Box::pin(scan_clusters(scope, evaluate))
})
.judging_templates(|resource, _, _| judged(resource, &["CopyTagsToSnapshot"], evaluate));

/// The verdict for one Neptune cluster.
pub fn evaluate(cluster: &DbCluster) -> Verdict {
    required_setting(
        cluster.db_cluster_identifier().unwrap_or_default(),
        "CopyTagsToSnapshot",
        cluster.copy_tags_to_snapshot(),
        SPEC.remediation.runbook,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_core::Compliance;

    #[test]
    fn the_setting_decides() {
        let cluster = |value| {
            DbCluster::builder()
                .set_copy_tags_to_snapshot(value)
                .build()
        };
        assert_eq!(
            evaluate(&cluster(Some(true))).compliance,
            Compliance::Compliant
        );
        let off = evaluate(&cluster(Some(false))).annotation;
        assert!(off.starts_with("CopyTagsToSnapshot is false"), "{off}");
        assert!(off.contains(SPEC.remediation.runbook), "{off}");
    }
}
