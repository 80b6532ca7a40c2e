//! The remediation runbook of this rule (named in the declaration), as data the templates
//! derive the SSM document and its least-privilege role from.

use guardrails_core::registry::RuleSpec;
use guardrails_core::runbook::*;
use serde_json::json;

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    cluster_iam_auth(&crate::SPEC)
}

/// Why ModifyDBCluster's dependent actions are not needed for turning IAM auth on: the call
/// names only the cluster, EnableIAMDatabaseAuthentication and ApplyImmediately.
const NO_ROLE_PASSED: &str = "ModifyDBCluster here passes no role (no monitoring or domain role)";
const NO_KEY_NAMED: &str =
    "ModifyDBCluster here names no KMS key (encryption and secrets unchanged)";
const NO_MANAGED_PASSWORD: &str =
    "ModifyDBCluster here does not turn on ManageMasterUserPassword (Neptune has no master password)";

fn cluster_iam_auth(rule: &'static RuleSpec) -> Runbook {
    let by_identifier = json!({"DBClusterIdentifier": "{{FindCluster.DbClusterIdentifier}}"});
    let mut enable = call(
        "EnableIamAuth",
        "neptune",
        "ModifyDBCluster",
        json!({
            "DBClusterIdentifier": "{{FindCluster.DbClusterIdentifier}}",
            "EnableIAMDatabaseAuthentication": true,
            "ApplyImmediately": "{{ApplyImmediately}}"
        }),
        &[("Status", "$.DBCluster.Status", "String")],
    );
    enable["nextStep"] = json!("ChooseVerification");
    let mut wait = verify(
        "WaitForIamAuth",
        "rds",
        "DescribeDBClusters",
        by_identifier.clone(),
        "$.DBClusters[0].IAMDatabaseAuthenticationEnabled",
        &["True"],
        Some(1800),
    );
    wait["nextStep"] = json!("ReadBack");
    let mut read_back = call(
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
    );
    read_back["isEnd"] = json!(true);
    Runbook {
        rule,
        resource_parameter: Some("DbClusterResourceId"),
        side_actions: &[],
        unneeded_dependents: &[
            ("iam:PassRole", NO_ROLE_PASSED),
            ("kms:CreateGrant", NO_KEY_NAMED),
            ("kms:Decrypt", NO_KEY_NAMED),
            ("kms:DescribeKey", NO_KEY_NAMED),
            ("kms:GenerateDataKey", NO_KEY_NAMED),
            (
                "rds:ModifyDBInstance",
                "IAM database authentication is a cluster setting; no instance setting changes",
            ),
            ("secretsmanager:CreateSecret", NO_MANAGED_PASSWORD),
            ("secretsmanager:RotateSecret", NO_MANAGED_PASSWORD),
            ("secretsmanager:TagResource", NO_MANAGED_PASSWORD),
        ],
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
                verify(
                    "RequireNeptuneEngine",
                    "rds",
                    "DescribeDBClusters",
                    by_identifier,
                    "$.DBClusters[0].Engine",
                    &["neptune"],
                    None,
                ),
                enable,
                json!({
                    "name": "ChooseVerification",
                    "action": "aws:branch",
                    "inputs": {
                        "Choices": [{"NextStep": "WaitForIamAuth", "Variable": "{{ApplyImmediately}}", "BooleanEquals": true}],
                        "Default": "ReadBack"
                    }
                }),
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
