//! The remediation runbook of this rule (no AWS-owned one exists): a snapshot keeps the IAM
//! authentication setting it was taken with, so the runbook turns the setting on for the
//! snapshot's source cluster and reads it back.

use guardrails_core::runbook::*;
use serde_json::json;

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    let snapshot = json!({"DBClusterSnapshotIdentifier": RESOLVED_SNAPSHOT});
    let source = json!({"DBClusterIdentifier": "{{FindSource.SourceCluster}}"});
    Runbook {
        rule: &crate::SPEC,
        owner: Owner::Ours,
        bound_parameters: &[],
        resource_parameter: Some(SNAPSHOT_PARAMETER),
        side_actions: &[],
        unneeded_dependents: CLUSTER_SETTING_UNNEEDED,
        document: document(
            "Turns on IAM database authentication for the source cluster of a Neptune cluster \
             snapshot, so that its next snapshots have it (the snapshot itself keeps the \
             setting it was taken with: restore it with IAM authentication when needed, and \
             delete it once a newer one replaces it). Clients that do not sign their requests \
             are refused by the cluster from then on.",
            json!({
                SNAPSHOT_PARAMETER: snapshot_parameter("The cluster snapshot"),
                "ApplyImmediately": {
                    "type": "Boolean",
                    "default": true,
                    "description": "(Optional) Apply now rather than in the next maintenance window."
                }
            }),
            vec![
                resolve_snapshot(),
                require_neptune_snapshot(),
                call(
                    "FindSource",
                    "rds",
                    "DescribeDBClusterSnapshots",
                    snapshot,
                    &[(
                        "SourceCluster",
                        "$.DBClusterSnapshots[0].DBClusterIdentifier",
                        "String",
                    )],
                ),
                call(
                    "EnableSourceIamAuth",
                    "neptune",
                    "ModifyDBCluster",
                    json!({
                        "DBClusterIdentifier": "{{FindSource.SourceCluster}}",
                        "EnableIAMDatabaseAuthentication": true,
                        "ApplyImmediately": "{{ApplyImmediately}}"
                    }),
                    &[("Status", "$.DBCluster.Status", "String")],
                ),
                call(
                    "ReadBack",
                    "rds",
                    "DescribeDBClusters",
                    source,
                    &[(
                        "IamAuthEnabled",
                        "$.DBClusters[0].IAMDatabaseAuthenticationEnabled",
                        "Boolean",
                    )],
                )
                .end(),
            ],
            &["FindSource.SourceCluster", "ReadBack.IamAuthEnabled"],
        ),
    }
}
