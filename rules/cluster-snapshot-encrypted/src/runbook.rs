//! The remediation runbook of this rule (no AWS-owned one exists): a cluster snapshot cannot be
//! encrypted in place, nor copied with a key when it is unencrypted, so it restores the
//! snapshot into a temporary encrypted cluster, snapshots that and deletes it.

use guardrails_core::runbook::*;
use serde_json::json;

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    let temporary = json!({"DBClusterIdentifier": "{{TemporaryDbClusterIdentifier}}"});
    let copy = format!("{RESOLVED_SNAPSHOT}-encrypted");
    Runbook {
        rule: &crate::SPEC,
        owner: Owner::Ours,
        bound_parameters: &[],
        // The key and the temporary cluster's name are the owner's choice: started by hand.
        resource_parameter: None,
        side_actions: &["kms:CreateGrant", "kms:DescribeKey"],
        unneeded_dependents: &[
            ("iam:PassRole", "the restore passes no role"),
            ("rds:AddTagsToResource", "the calls pass no tags"),
            (
                "rds:CreateDBInstance",
                "the temporary cluster needs no instance to be snapshotted",
            ),
            (
                "rds:DeleteDBInstance",
                "the temporary cluster has no instance to delete",
            ),
        ],
        document: document(
            "Makes an encrypted copy (IDENTIFIER-encrypted) of an unencrypted \
             Neptune cluster snapshot: restores it into TemporaryDbClusterIdentifier encrypted \
             with KmsKeyId, snapshots that cluster, deletes it and checks the copy is \
             encrypted. The unencrypted original stays until its owner deletes it.",
            json!({
                SNAPSHOT_PARAMETER: snapshot_parameter("The unencrypted snapshot"),
                "TemporaryDbClusterIdentifier": {"type": "String", "description": "(Required) Name of the temporary cluster (deleted at the end).", "allowedPattern": "^[a-zA-Z][a-zA-Z0-9-]{0,54}$"},
                "KmsKeyId": {"type": "String", "description": "(Required) ARN of the KMS key to encrypt the copy with.", "allowedPattern": "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$"}
            }),
            vec![
                resolve_snapshot(),
                require_neptune_snapshot(),
                call(
                    "RestoreEncrypted",
                    "neptune",
                    "RestoreDBClusterFromSnapshot",
                    json!({
                        "DBClusterIdentifier": "{{TemporaryDbClusterIdentifier}}",
                        "SnapshotIdentifier": RESOLVED_SNAPSHOT,
                        "Engine": "neptune",
                        "KmsKeyId": "{{KmsKeyId}}"
                    }),
                    &[],
                ),
                verify(
                    "WaitForTemporary",
                    "rds",
                    "DescribeDBClusters",
                    temporary.clone(),
                    "$.DBClusters[0].Status",
                    &["available"],
                    Some(7200),
                ),
                call(
                    "SnapshotEncrypted",
                    "neptune",
                    "CreateDBClusterSnapshot",
                    json!({"DBClusterIdentifier": "{{TemporaryDbClusterIdentifier}}", "DBClusterSnapshotIdentifier": copy}),
                    &[],
                ),
                verify(
                    "WaitForCopy",
                    "rds",
                    "DescribeDBClusterSnapshots",
                    json!({"DBClusterSnapshotIdentifier": copy}),
                    "$.DBClusterSnapshots[0].Status",
                    &["available"],
                    Some(7200),
                ),
                call(
                    "DeleteTemporary",
                    "neptune",
                    "DeleteDBCluster",
                    json!({"DBClusterIdentifier": "{{TemporaryDbClusterIdentifier}}", "SkipFinalSnapshot": true}),
                    &[],
                ),
                verify(
                    "ReadBack",
                    "rds",
                    "DescribeDBClusterSnapshots",
                    json!({"DBClusterSnapshotIdentifier": copy}),
                    "$.DBClusterSnapshots[0].StorageEncrypted",
                    &["True"],
                    None,
                ),
            ],
            &[],
        ),
    }
}
