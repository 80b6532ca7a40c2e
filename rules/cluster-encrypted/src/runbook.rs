//! The remediation runbook of this rule (no AWS-owned one exists): storage encryption cannot
//! be turned on in place, so it snapshots the cluster and restores an encrypted copy under a
//! new name, in the same subnet group, with IAM auth and deletion protection on.

use guardrails_core::runbook::*;
use serde_json::json;

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    let source = "{{NewDbClusterIdentifier}}-source";
    Runbook {
        rule: &crate::SPEC,
        owner: Owner::Ours,
        bound_parameters: &[],
        // The new cluster's name and key are the owner's choice: started by hand.
        resource_parameter: None,
        // Restoring with KmsKeyId encrypts through the key: the Service Authorization Reference's
        // dependent actions of RestoreDBClusterFromSnapshot.
        side_actions: &["kms:CreateGrant", "kms:DescribeKey"],
        unneeded_dependents: &[
            ("iam:PassRole", "the restore passes no role"),
            ("rds:AddTagsToResource", "the calls pass no tags"),
            (
                "rds:CreateDBInstance",
                "instances are added by the owner once the copy is checked",
            ),
        ],
        document: document(
            "Restores an encrypted copy of an unencrypted Neptune cluster: snapshots it, \
             restores the snapshot under NewDbClusterIdentifier encrypted with KmsKeyId, in the \
             same subnet group, with IAM database authentication and deletion protection on, \
             and waits until the copy is available. The copy has no instances yet; add them, \
             move clients over, then delete the original and the snapshot.",
            json!({
                "DbClusterResourceId": cluster_resource_id_parameter(),
                "NewDbClusterIdentifier": {"type": "String", "description": "(Required) Name of the encrypted copy.", "allowedPattern": "^[a-zA-Z][a-zA-Z0-9-]{0,54}$"},
                "KmsKeyId": {"type": "String", "description": "(Required) ARN of the KMS key to encrypt the copy with.", "allowedPattern": "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$"}
            }),
            vec![
                find_cluster(&[("DbSubnetGroup", "$.DBClusters[0].DBSubnetGroup", "String")]),
                require_neptune_cluster(),
                call(
                    "Snapshot",
                    "neptune",
                    "CreateDBClusterSnapshot",
                    json!({"DBClusterIdentifier": "{{FindCluster.DbClusterIdentifier}}", "DBClusterSnapshotIdentifier": source}),
                    &[],
                ),
                verify(
                    "WaitForSnapshot",
                    "rds",
                    "DescribeDBClusterSnapshots",
                    json!({"DBClusterSnapshotIdentifier": source}),
                    "$.DBClusterSnapshots[0].Status",
                    &["available"],
                    Some(7200),
                ),
                call(
                    "RestoreEncrypted",
                    "neptune",
                    "RestoreDBClusterFromSnapshot",
                    json!({
                        "DBClusterIdentifier": "{{NewDbClusterIdentifier}}",
                        "SnapshotIdentifier": source,
                        "Engine": "neptune",
                        "KmsKeyId": "{{KmsKeyId}}",
                        "DBSubnetGroupName": "{{FindCluster.DbSubnetGroup}}",
                        "EnableIAMDatabaseAuthentication": true,
                        "DeletionProtection": true
                    }),
                    &[],
                ),
                verify(
                    "ReadBack",
                    "rds",
                    "DescribeDBClusters",
                    json!({"DBClusterIdentifier": "{{NewDbClusterIdentifier}}"}),
                    "$.DBClusters[0].StorageEncrypted",
                    &["True"],
                    Some(7200),
                ),
            ],
            &["FindCluster.DbClusterIdentifier"],
        ),
    }
}
