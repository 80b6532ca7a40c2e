//! Rule `neptune-cluster-snapshot-iam-auth` (AWS managed rule
//! `NEPTUNE_CLUSTER_SNAPSHOT_IAM_DATABASE_AUTH_ENABLED`): Neptune DB cluster snapshots have IAM
//! database authentication enabled, so a cluster restored from one does not come up open to
//! unsigned clients. Deployed as the managed rule; `gen scan` judges each snapshot the way its
//! page does.

mod runbook;

use guardrails_aws::posture::{scan_snapshots, Snapshot};
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::frameworks::{Framework, Mapping};
use guardrails_core::registry::{Delivery, Remediation, ResourceType, RuleSpec, Severity, Trigger};
use guardrails_core::verdicts::verdict;

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-snapshot-iam-auth",
    title: "Neptune DB cluster snapshots have IAM database authentication enabled",
    resource_types: &[ResourceType::RdsDbClusterSnapshot],
    triggers: &[Trigger::ConfigurationChange],
    parameters: &[],
    severity: Severity::Medium,
    delivery: Delivery::managed("NEPTUNE_CLUSTER_SNAPSHOT_IAM_DATABASE_AUTH_ENABLED"),
    remediation: Remediation {
        runbook: "NeptuneGuardrails-EnableSnapshotSourceIamAuth",
        automatic: false,
        rationale: "a snapshot keeps the setting it was taken with: the runbook turns IAM \
                    authentication on for the snapshot's source cluster (clients that do not \
                    sign their requests are then refused), so that its next snapshots pass; \
                    the owner deletes the old snapshot once a newer one replaces it",
    },
    permissions: &[
        "rds:DescribeDBClusterSnapshotAttributes",
        "rds:DescribeDBClusterSnapshots",
    ],
    frameworks: &[Mapping {
        framework: Framework::CisControlsV8,
        requirements: &["6.7"],
        source: "our mapping: safeguard 6.7 (Centralize Access Control), as for the cluster's \
                 own IAM authentication (neptune-cluster-iam-auth): a restored cluster \
                 inherits the snapshot's setting; AWS maps this managed rule to no control",
    }],
    docs: "NON_COMPLIANT when a Neptune cluster snapshot's IAMDatabaseAuthenticationEnabled is \
           false or absent: a cluster restored from it accepts unsigned clients until someone \
           turns IAM authentication on. Automated and manual snapshots are both judged. \
           Snapshots of other RDS engines and deleted snapshots are NOT_APPLICABLE.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::managed(&SPEC, runbook::runbook, |scope, _| {
    Box::pin(scan_snapshots(scope, evaluate))
});

/// The verdict for one Neptune cluster snapshot.
pub fn evaluate(snapshot: &Snapshot) -> Verdict {
    let s = &snapshot.snapshot;
    let name = s.db_cluster_snapshot_identifier().unwrap_or_default();
    let kind = s.snapshot_type().unwrap_or("unknown-type");
    let source = s.db_cluster_identifier().unwrap_or("its source cluster");
    match s.iam_database_authentication_enabled() {
        Some(true) => verdict(
            true,
            format!("{kind} snapshot {name} has IAM database authentication enabled"),
        ),
        enabled => verdict(
            false,
            format!(
                "{kind} snapshot {name} has IAM database authentication off \
                 (IAMDatabaseAuthenticationEnabled {}): a cluster restored from it accepts \
                 unsigned clients; turn it on for {source} (runbook {}) and for every cluster \
                 restored from it",
                if enabled.is_some() { "false" } else { "absent" },
                SPEC.remediation.runbook
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_aws::neptune::types::DbClusterSnapshot;
    use guardrails_aws::posture::Restore;
    use guardrails_core::Compliance;

    #[test]
    fn the_snapshots_iam_auth_flag_decides() {
        let snapshot = |enabled: Option<bool>| Snapshot {
            snapshot: DbClusterSnapshot::builder()
                .db_cluster_snapshot_identifier("nightly")
                .db_cluster_identifier("graph")
                .engine("neptune")
                .snapshot_type("manual")
                .set_iam_database_authentication_enabled(enabled)
                .build(),
            restore: Restore::Accounts(vec![]),
        };
        assert_eq!(
            evaluate(&snapshot(Some(true))).compliance,
            Compliance::Compliant
        );
        let open = evaluate(&snapshot(Some(false)));
        assert_eq!(open.compliance, Compliance::NonCompliant);
        assert!(open
            .annotation
            .starts_with("manual snapshot nightly has IAM database authentication off"));
        assert!(open.annotation.contains("turn it on for graph"));
        assert_eq!(
            evaluate(&snapshot(None)).compliance,
            Compliance::NonCompliant
        );
    }
}
