//! Lambda entry point of the `neptune-cluster-snapshot-not-shared-outside-org` AWS Config rule.
// The Lambda runtime's service stack nests futures deeper than the default limit.
#![recursion_limit = "256"]

guardrails_core::lambda_main!(
    neptune_cluster_snapshot_not_shared_outside_org::SnapshotNotSharedOutsideOrg::new
);
