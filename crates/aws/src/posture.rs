//! The Neptune posture listings: one paged read of the region's DB clusters, DB instances and
//! DB cluster snapshots (with the restore attribute of each manual snapshot), shared by every
//! cluster and snapshot control of a `gen scan` through its [`ScanScope`], and the
//! one-verdict-per-resource listings those controls are written with.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_neptune::types::{DbCluster, DbClusterSnapshot, DbInstance};
use guardrails_core::entry::ScanScope;
use guardrails_core::evaluation::Verdict;
use guardrails_core::exemption;
use guardrails_core::verdicts::not_neptune;
use guardrails_core::{Assessed, Params, ResourceType, RuleError};

use crate::neptune::{is_neptune_engine, NeptuneClusters};

/// Every DB cluster of the region, of every engine (DescribeDBClusters, paged).
pub struct Clusters(pub Vec<DbCluster>);

/// Every DB instance of the region (DescribeDBInstances, paged).
pub struct Instances(pub Vec<DbInstance>);

/// Every DB cluster snapshot the account owns in the region, automated and manual
/// (DescribeDBClusterSnapshots, paged), each manual one with who may restore it.
pub struct Snapshots(pub Vec<Snapshot>);

pub struct Snapshot {
    pub snapshot: DbClusterSnapshot,
    pub restore: Restore,
}

/// The `restore` attribute of a snapshot (DescribeDBClusterSnapshotAttributes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restore {
    /// An automated snapshot: AWS does not let it be shared, so it has no attribute to read.
    Automated,
    /// The accounts that may restore it; `all` means everyone (public).
    Accounts(Vec<String>),
    /// The attribute could not be read.
    Unread(String),
}

/// The tags of one cluster (ListTagsForResource: the cluster listing carries none), read once
/// per scope however many rules' exemptions ask for them.
pub struct ClusterTags(pub BTreeMap<String, String>);

impl ClusterTags {
    /// The exemption tag of `params` on the failing clusters of a rule's scan: the tags of
    /// each failing cluster read once, one call each (RDS reads one resource's tags a call).
    pub async fn exempt_failing(scope: &ScanScope, params: &Params, assessed: &mut [Assessed]) {
        let neptune = &NeptuneClusters::new(&scope.sdk);
        exemption::apply_to_failing(params, assessed, |arn| async move {
            let read = || async { neptune.tags(&arn).await.map(ClusterTags) };
            let tags = scope.shared_for(arn.clone(), read).await?;
            Ok::<_, RuleError>(tags.0.clone())
        })
        .await
    }
}

/// The parameters of one DB cluster parameter group (DescribeDBClusterParameters), read once
/// per scope however many clusters use the group.
pub struct ClusterParameters(pub BTreeMap<String, String>);

impl ClusterParameters {
    pub async fn of(scope: &ScanScope, group: &str) -> Result<Arc<Self>, RuleError> {
        scope
            .shared_for(group.to_string(), || async {
                NeptuneClusters::new(&scope.sdk)
                    .cluster_parameters(group)
                    .await
                    .map(ClusterParameters)
            })
            .await
    }
}

impl Clusters {
    pub async fn of(scope: &ScanScope) -> Result<Arc<Self>, RuleError> {
        scope
            .shared(|| async {
                NeptuneClusters::new(&scope.sdk)
                    .db_clusters()
                    .await
                    .map(Clusters)
            })
            .await
    }
}

impl Instances {
    pub async fn of(scope: &ScanScope) -> Result<Arc<Self>, RuleError> {
        scope
            .shared(|| async {
                NeptuneClusters::new(&scope.sdk)
                    .db_instances()
                    .await
                    .map(Instances)
            })
            .await
    }
}

impl Snapshots {
    /// The listing, then one attribute read per manual snapshot (an error there stays with
    /// that snapshot; the others are still judged).
    pub async fn of(scope: &ScanScope) -> Result<Arc<Self>, RuleError> {
        scope
            .shared(|| async {
                let neptune = NeptuneClusters::new(&scope.sdk);
                let mut snapshots = Vec::new();
                for snapshot in neptune.db_cluster_snapshots().await? {
                    let restore = match snapshot.snapshot_type() {
                        Some("manual") => {
                            let id = snapshot
                                .db_cluster_snapshot_identifier()
                                .unwrap_or_default();
                            match neptune.restore_accounts(id).await {
                                Ok(accounts) => Restore::Accounts(accounts),
                                Err(err) => Restore::Unread(err.to_string()),
                            }
                        }
                        _ => Restore::Automated,
                    };
                    snapshots.push(Snapshot { snapshot, restore });
                }
                Ok(Snapshots(snapshots))
            })
            .await
    }
}

/// A cluster control's scan: the shared cluster listing, one verdict per cluster.
pub async fn scan_clusters(
    scope: &ScanScope,
    judge: impl Fn(&DbCluster) -> Verdict,
) -> Result<Vec<Assessed>, RuleError> {
    Ok(assess_clusters(&Clusters::of(scope).await?.0, judge))
}

/// A snapshot control's scan: the shared snapshot listing, one verdict per snapshot.
pub async fn scan_snapshots(
    scope: &ScanScope,
    judge: impl Fn(&Snapshot) -> Verdict,
) -> Result<Vec<Assessed>, RuleError> {
    Ok(assess_snapshots(&Snapshots::of(scope).await?.0, judge))
}

/// One verdict per cluster: other engines NOT_APPLICABLE, Neptune clusters judged.
pub(crate) fn assess_clusters(
    clusters: &[DbCluster],
    judge: impl Fn(&DbCluster) -> Verdict,
) -> Vec<Assessed> {
    clusters
        .iter()
        .map(|cluster| Assessed {
            resource_type: ResourceType::RdsDbCluster,
            resource_id: cluster
                .db_cluster_resource_id()
                .unwrap_or_default()
                .to_string(),
            name: cluster
                .db_cluster_identifier()
                .unwrap_or_default()
                .to_string(),
            arn: cluster.db_cluster_arn().map(str::to_string),
            verdict: match cluster.engine() {
                engine if is_neptune_engine(engine) => judge(cluster),
                engine => not_neptune(engine),
            },
        })
        .collect()
}

/// One verdict per snapshot: snapshots of other engines NOT_APPLICABLE, Neptune ones judged.
/// AWS Config records a cluster snapshot under its identifier.
pub(crate) fn assess_snapshots(
    snapshots: &[Snapshot],
    judge: impl Fn(&Snapshot) -> Verdict,
) -> Vec<Assessed> {
    snapshots
        .iter()
        .map(|s| {
            let id = s
                .snapshot
                .db_cluster_snapshot_identifier()
                .unwrap_or_default();
            Assessed {
                resource_type: ResourceType::RdsDbClusterSnapshot,
                resource_id: id.to_string(),
                name: id.to_string(),
                arn: s.snapshot.db_cluster_snapshot_arn().map(str::to_string),
                verdict: match s.snapshot.engine() {
                    engine if is_neptune_engine(engine) => judge(s),
                    engine => not_neptune(engine),
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_core::verdicts::verdict;
    use guardrails_core::Compliance;

    #[test]
    fn other_engines_are_not_applicable_and_neptune_is_judged() {
        let clusters = [
            DbCluster::builder()
                .db_cluster_identifier("graph")
                .db_cluster_resource_id("cluster-A")
                .engine("neptune")
                .build(),
            DbCluster::builder()
                .db_cluster_identifier("pg")
                .db_cluster_resource_id("cluster-B")
                .engine("aurora-postgresql")
                .build(),
            DbCluster::builder().db_cluster_identifier("odd").build(),
        ];
        let assessed = assess_clusters(&clusters, |_| verdict(true, "ok".into()));
        let got: Vec<_> = assessed
            .iter()
            .map(|a| {
                (
                    a.name.as_str(),
                    a.verdict.compliance,
                    a.verdict.annotation.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("graph", Compliance::Compliant, "ok"),
                (
                    "pg",
                    Compliance::NotApplicable,
                    "engine aurora-postgresql is not Neptune"
                ),
                (
                    "odd",
                    Compliance::NotApplicable,
                    "engine could not be determined"
                ),
            ]
        );
        let snapshot = Snapshot {
            snapshot: DbClusterSnapshot::builder()
                .db_cluster_snapshot_identifier("nightly")
                .engine("aurora-mysql")
                .build(),
            restore: Restore::Accounts(vec![]),
        };
        let assessed = assess_snapshots(&[snapshot], |_| verdict(false, "bad".into()));
        assert_eq!(
            assessed[0].resource_type,
            ResourceType::RdsDbClusterSnapshot
        );
        assert_eq!(assessed[0].resource_id, "nightly");
        assert_eq!(assessed[0].verdict.compliance, Compliance::NotApplicable);
    }
}
