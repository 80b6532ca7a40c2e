//! Rule `neptune-cluster-snapshot-not-public` (Security Hub Neptune.3; AWS managed rule
//! `NEPTUNE_CLUSTER_SNAPSHOT_PUBLIC_PROHIBITED`): no manual Neptune cluster snapshot may be
//! restored by every AWS account. Deployed as the managed rule; `gen scan` judges each
//! snapshot the way its page does.

mod runbook;

use guardrails_aws::posture::{scan_snapshots, Restore, Snapshot};
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::frameworks::{Framework, Mapping, SECURITY_HUB_NEPTUNE};
use guardrails_core::registry::{Delivery, Remediation, ResourceType, RuleSpec, Severity, Trigger};
use guardrails_core::verdicts::verdict;
use guardrails_core::Compliance;

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-snapshot-not-public",
    title: "Neptune DB cluster snapshots are not public",
    resource_types: &[ResourceType::RdsDbClusterSnapshot],
    triggers: &[Trigger::ConfigurationChange],
    parameters: &[],
    severity: Severity::Critical,
    delivery: Delivery::managed("NEPTUNE_CLUSTER_SNAPSHOT_PUBLIC_PROHIBITED"),
    remediation: Remediation {
        runbook: "NeptuneGuardrails-MakeSnapshotPrivate",
        automatic: true,
        rationale: "no client of the graph reads a snapshot; only restores by unknown accounts \
                    stop, while the accounts it is shared with by id keep it",
    },
    permissions: &[
        "rds:DescribeDBClusterSnapshotAttributes",
        "rds:DescribeDBClusterSnapshots",
    ],
    frameworks: &[
        Mapping {
            framework: Framework::AwsFsbp,
            requirements: &["Neptune.3"],
            source: SECURITY_HUB_NEPTUNE,
        },
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &[
                "AC-21", "AC-3", "AC-3(7)", "AC-4", "AC-4(21)", "AC-6", "SC-7", "SC-7(11)",
                "SC-7(16)", "SC-7(20)", "SC-7(21)", "SC-7(3)", "SC-7(4)", "SC-7(9)",
            ],
            source: "Neptune.3's related requirements, Security Hub's Neptune controls page",
        },
        Mapping {
            framework: Framework::PciDss4,
            requirements: &["1.4.4"],
            source: "Neptune.3's related requirements, Security Hub's Neptune controls page",
        },
    ],
    docs: "NON_COMPLIANT when a manual Neptune cluster snapshot's `restore` attribute holds \
           `all`: any AWS account can then restore the whole graph into a cluster of its own. \
           Automated snapshots (which cannot be shared), snapshots of other RDS engines and \
           deleted snapshots are NOT_APPLICABLE.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::managed(&SPEC, runbook::runbook, |scope, _| {
    Box::pin(scan_snapshots(scope, evaluate))
});

/// The verdict for one Neptune cluster snapshot.
pub fn evaluate(snapshot: &Snapshot) -> Verdict {
    let name = snapshot
        .snapshot
        .db_cluster_snapshot_identifier()
        .unwrap_or_default();
    match &snapshot.restore {
        Restore::Automated => Verdict::new(
            Compliance::NotApplicable,
            "automated snapshots cannot be shared",
        ),
        Restore::Unread(reason) => Verdict::not_evaluated(format!(
            "the restore attribute of snapshot {name} could not be read: {reason}"
        )),
        Restore::Accounts(accounts) if accounts.iter().any(|a| a == "all") => verdict(
            false,
            format!(
                "snapshot {name} is public: any AWS account can restore it (runbook {})",
                SPEC.remediation.runbook
            ),
        ),
        Restore::Accounts(accounts) if accounts.is_empty() => {
            verdict(true, format!("snapshot {name} is not shared"))
        }
        Restore::Accounts(accounts) => verdict(
            true,
            format!(
                "snapshot {name} is shared with {} account(s) by id, not public",
                accounts.len()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_aws::neptune::types::DbClusterSnapshot;

    #[test]
    fn only_all_makes_a_snapshot_public() {
        let snapshot = |restore: Restore| Snapshot {
            snapshot: DbClusterSnapshot::builder()
                .db_cluster_snapshot_identifier("nightly")
                .engine("neptune")
                .build(),
            restore,
        };
        let accounts =
            |ids: &[&str]| Restore::Accounts(ids.iter().map(|i| i.to_string()).collect());
        let cases = [
            (accounts(&["all"]), Compliance::NonCompliant, true),
            (
                accounts(&["111122223333", "all"]),
                Compliance::NonCompliant,
                true,
            ),
            (accounts(&["111122223333"]), Compliance::Compliant, true),
            (accounts(&[]), Compliance::Compliant, true),
            (Restore::Automated, Compliance::NotApplicable, true),
            (
                Restore::Unread("throttled".into()),
                Compliance::NotApplicable,
                false,
            ),
        ];
        for (restore, compliance, evaluated) in cases {
            let v = evaluate(&snapshot(restore.clone()));
            assert_eq!(
                (v.compliance, v.evaluated),
                (compliance, evaluated),
                "{restore:?}"
            );
        }
    }
}
