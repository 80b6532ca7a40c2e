//! Rule `neptune-cluster-snapshot-encrypted` (Security Hub Neptune.6; AWS managed rule
//! `NEPTUNE_CLUSTER_SNAPSHOT_ENCRYPTED`): Neptune DB cluster snapshots are encrypted at rest.
//! Deployed as the managed rule; `gen scan` judges each snapshot the way its page does.

mod runbook;

use guardrails_aws::posture::{scan_snapshots, Snapshot};
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::frameworks::{Framework, Mapping, SECURITY_HUB_NEPTUNE};
use guardrails_core::registry::{Delivery, Remediation, ResourceType, RuleSpec, Severity, Trigger};
use guardrails_core::verdicts::verdict;

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-snapshot-encrypted",
    title: "Neptune DB cluster snapshots are encrypted at rest",
    resource_types: &[ResourceType::RdsDbClusterSnapshot],
    triggers: &[Trigger::ConfigurationChange],
    parameters: &[],
    severity: Severity::Medium,
    delivery: Delivery::managed("NEPTUNE_CLUSTER_SNAPSHOT_ENCRYPTED"),
    remediation: Remediation {
        runbook: "NeptuneGuardrails-EncryptSnapshotCopy",
        automatic: false,
        rationale: "a snapshot cannot be encrypted in place: the runbook makes an encrypted copy \
                    through a temporary cluster (billed while it runs), and the owner deletes \
                    the unencrypted original once satisfied",
    },
    permissions: &[
        "rds:DescribeDBClusterSnapshotAttributes",
        "rds:DescribeDBClusterSnapshots",
    ],
    frameworks: &[
        Mapping {
            framework: Framework::AwsFsbp,
            requirements: &["Neptune.6"],
            source: SECURITY_HUB_NEPTUNE,
        },
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &[
                "CA-9(1)", "CM-3(6)", "SC-13", "SC-28", "SC-28(1)", "SC-7(10)", "SC-7(18)",
            ],
            source: "Neptune.6's related requirements, Security Hub's Neptune controls page",
        },
    ],
    docs: "NON_COMPLIANT when a Neptune cluster snapshot's StorageEncrypted is false or absent: \
           anyone who can restore or copy it reads the graph in the clear. Automated and manual \
           snapshots are both judged. Snapshots of other RDS engines and deleted snapshots are \
           NOT_APPLICABLE.",
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
    match s.storage_encrypted() {
        Some(true) => verdict(
            true,
            format!(
                "{kind} snapshot {name} is encrypted with {}",
                s.kms_key_id().unwrap_or("an unnamed key")
            ),
        ),
        encrypted => verdict(
            false,
            format!(
                "{kind} snapshot {name} is not encrypted (StorageEncrypted {}; runbook {})",
                if encrypted.is_some() {
                    "false"
                } else {
                    "absent"
                },
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
    fn storage_encryption_decides() {
        let snapshot = |encrypted: Option<bool>| Snapshot {
            snapshot: DbClusterSnapshot::builder()
                .db_cluster_snapshot_identifier("nightly")
                .engine("neptune")
                .snapshot_type("automated")
                .set_storage_encrypted(encrypted)
                .build(),
            restore: Restore::Automated,
        };
        assert_eq!(
            evaluate(&snapshot(Some(true))).compliance,
            Compliance::Compliant
        );
        let clear = evaluate(&snapshot(Some(false)));
        assert_eq!(clear.compliance, Compliance::NonCompliant);
        assert!(clear
            .annotation
            .starts_with("automated snapshot nightly is not encrypted"));
        assert_eq!(
            evaluate(&snapshot(None)).compliance,
            Compliance::NonCompliant
        );
    }
}
