//! The remediation runbook of this rule (named in the declaration), as data the templates
//! derive the SSM document and its least-privilege role from.

use guardrails_core::registry::RuleSpec;
use guardrails_core::runbook::*;
use serde_json::json;

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    cluster_iam_auth(&crate::SPEC)
}

fn cluster_iam_auth(rule: &'static RuleSpec) -> Runbook {
    let by_identifier = json!({"DBClusterIdentifier": "{{FindCluster.DbClusterIdentifier}}"});
    let enable = call(
        "EnableIamAuth",
        "neptune",
        "ModifyDBCluster",
        json!({
            "DBClusterIdentifier": "{{FindCluster.DbClusterIdentifier}}",
            "EnableIAMDatabaseAuthentication": true,
            "ApplyImmediately": "{{ApplyImmediately}}"
        }),
        &[("Status", "$.DBCluster.Status", "String")],
    )
    .then("ChooseVerification");
    let wait = verify(
        "WaitForIamAuth",
        "rds",
        "DescribeDBClusters",
        by_identifier.clone(),
        "$.DBClusters[0].IAMDatabaseAuthenticationEnabled",
        &["True"],
        Some(1800),
    )
    .then("ReadBack");
    let read_back = call(
        "ReadBack",
        "rds",
        "DescribeDBClusters",
        by_identifier.clone(),
        &[
            (
                "IamAuthEnabled",
                "$.DBClusters[0].IAMDatabaseAuthenticationEnabled",
                "Boolean",
            ),
            ("Status", "$.DBClusters[0].Status", "String"),
        ],
    )
    .end();
    Runbook {
        rule,
        owner: Owner::Ours,
        bound_parameters: &[],
        resource_parameter: Some("DbClusterResourceId"),
        side_actions: &[],
        unneeded_dependents: CLUSTER_SETTING_UNNEEDED,
        document: document(
            "Turns on IAM database authentication on a Neptune cluster. With \
             ApplyImmediately=true it waits until the cluster reports it on; with false the \
             change waits for the maintenance window and the runbook reports the cluster as it \
             is. Clients that do not sign their requests are rejected once it is on.",
            json!({
                "DbClusterResourceId": cluster_resource_id_parameter(),
                "ApplyImmediately": {
                    "type": "Boolean",
                    "default": true,
                    "description": "(Optional) Apply now rather than in the next maintenance window."
                }
            }),
            vec![
                find_cluster(&[]),
                require_neptune_cluster(),
                enable,
                branch(
                    "ChooseVerification",
                    json!([{"NextStep": "WaitForIamAuth", "Variable": "{{ApplyImmediately}}", "BooleanEquals": true}]),
                    "ReadBack",
                ),
                wait,
                read_back,
            ],
            &[
                "FindCluster.DbClusterIdentifier",
                "ReadBack.IamAuthEnabled",
                "ReadBack.Status",
            ],
        ),
    }
}
