//! The remediation runbook of this rule: turn off public access of one instance and wait
//! until the instance reports it off.

use guardrails_core::runbook::*;
use serde_json::json;

const NO_ROLE: &str = "the call passes no monitoring or domain role";
const NO_KEY: &str = "the call names no KMS key (Performance Insights and encryption unchanged)";
const NO_PASSWORD: &str = "the call sets no master password (Neptune has none)";

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    let instance = json!({"DBInstanceIdentifier": "{{DbInstanceIdentifier}}"});
    Runbook {
        rule: &crate::SPEC,
        owner: Owner::Ours,
        bound_parameters: &[],
        // Config reports the cluster; the public instance is named by whoever starts it.
        resource_parameter: None,
        side_actions: &[],
        unneeded_dependents: &[
            ("iam:PassRole", NO_ROLE),
            ("kms:CreateGrant", NO_KEY),
            ("kms:Decrypt", NO_KEY),
            ("kms:DescribeKey", NO_KEY),
            ("kms:GenerateDataKey", NO_KEY),
            ("rds:AddTagsToResource", "the call passes no tags"),
            (
                "rds:CreateTenantDatabase",
                "Neptune has no tenant databases",
            ),
            ("secretsmanager:CreateSecret", NO_PASSWORD),
            ("secretsmanager:RotateSecret", NO_PASSWORD),
            ("secretsmanager:TagResource", NO_PASSWORD),
        ],
        document: document(
            "Turns off public access of a Neptune DB instance (PubliclyAccessible=false, \
             applied immediately) and waits until the instance reports it off. Clients \
             outside the VPC lose the instance.",
            json!({
                "DbInstanceIdentifier": {
                    "type": "String",
                    "description": "(Required) The publicly accessible instance the rule names.",
                    "allowedPattern": "^[a-zA-Z][a-zA-Z0-9-]{0,62}$"
                }
            }),
            vec![
                verify(
                    "RequireNeptuneEngine",
                    "rds",
                    "DescribeDBInstances",
                    instance.clone(),
                    "$.DBInstances[0].Engine",
                    &["neptune"],
                    None,
                ),
                call(
                    "DisablePublicAccess",
                    "neptune",
                    "ModifyDBInstance",
                    json!({
                        "DBInstanceIdentifier": "{{DbInstanceIdentifier}}",
                        "PubliclyAccessible": false,
                        "ApplyImmediately": true
                    }),
                    &[],
                ),
                verify(
                    "ReadBack",
                    "rds",
                    "DescribeDBInstances",
                    instance,
                    "$.DBInstances[0].PubliclyAccessible",
                    &["False"],
                    Some(1800),
                ),
            ],
            &[],
        ),
    }
}
