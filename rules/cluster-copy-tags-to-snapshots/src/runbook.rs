//! The remediation runbook of this rule (no AWS-owned one exists): turn CopyTagsToSnapshot on
//! and read it back.

use guardrails_core::runbook::*;
use serde_json::json;

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    let by_identifier = json!({"DBClusterIdentifier": "{{FindCluster.DbClusterIdentifier}}"});
    Runbook {
        rule: &crate::SPEC,
        owner: Owner::Ours,
        bound_parameters: &[],
        resource_parameter: Some("DbClusterResourceId"),
        side_actions: &[],
        unneeded_dependents: CLUSTER_SETTING_UNNEEDED,
        document: document(
            "Turns on CopyTagsToSnapshot on a Neptune cluster, so every snapshot taken from now \
             on carries the cluster's tags, and reads the setting back. Existing snapshots keep \
             the tags they have.",
            json!({"DbClusterResourceId": cluster_resource_id_parameter()}),
            vec![
                find_cluster(&[]),
                require_neptune_cluster(),
                call(
                    "EnableCopyTags",
                    "neptune",
                    "ModifyDBCluster",
                    json!({
                        "DBClusterIdentifier": "{{FindCluster.DbClusterIdentifier}}",
                        "CopyTagsToSnapshot": true,
                        "ApplyImmediately": true
                    }),
                    &[],
                ),
                verify(
                    "ReadBack",
                    "rds",
                    "DescribeDBClusters",
                    by_identifier,
                    "$.DBClusters[0].CopyTagsToSnapshot",
                    &["True"],
                    Some(600),
                ),
            ],
            &["FindCluster.DbClusterIdentifier"],
        ),
    }
}
