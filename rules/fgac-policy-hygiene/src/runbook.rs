//! The remediation runbook of this rule (named in the declaration), as data the templates
//! derive the SSM document and its least-privilege role from.

use guardrails_core::registry::RuleSpec;
use guardrails_core::runbook::*;
use serde_json::json;

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    fgac_policy_review(&crate::SPEC)
}

fn fgac_policy_review(rule: &'static RuleSpec) -> Runbook {
    let by_arn = json!({"PolicyArn": "{{PolicyArn}}"});
    Runbook {
        rule,
        owner: Owner::Ours,
        bound_parameters: &[],
        // Config reports a policy's id, not its ARN, and the replacement document must come
        // from a reviewer: the runbook is started by hand.
        resource_parameter: None,
        side_actions: &[],
        unneeded_dependents: &[],
        document: document(
            "Replaces the default version of a customer managed policy with a reviewed document \
             after an approver agrees. Never automatic: check the replacement with \
             `gen lint-policy` first. The previous version stays (IAM keeps five), so the change \
             can be rolled back with SetDefaultPolicyVersion.",
            json!({
                "PolicyArn": {
                    "type": "String",
                    "description": "(Required) ARN of the customer managed policy.",
                    "allowedPattern": "^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$"
                },
                "PolicyDocument": {
                    "type": "String",
                    "description": "(Required) The reviewed replacement policy document (JSON).",
                    "allowedPattern": "^\\s*\\{[\\s\\S]*\\}\\s*$"
                },
                "Approvers": {
                    "type": "StringList",
                    "description": "(Required) IAM users, roles or assumed-role sessions that may approve the change."
                }
            }),
            vec![
                call(
                    "ReadPolicy",
                    "iam",
                    "GetPolicy",
                    by_arn.clone(),
                    &[("DefaultVersionId", "$.Policy.DefaultVersionId", "String")],
                ),
                approve(
                    "Approve",
                    json!({
                        "Approvers": "{{Approvers}}",
                        "MinRequiredApprovals": 1,
                        "Message": "Neptune Guardrails: replace default version {{ReadPolicy.DefaultVersionId}} of {{PolicyArn}} with the reviewed document given to this automation."
                    }),
                    86400,
                ),
                call(
                    "ReplacePolicy",
                    "iam",
                    "CreatePolicyVersion",
                    json!({"PolicyArn": "{{PolicyArn}}", "PolicyDocument": "{{PolicyDocument}}", "SetAsDefault": true}),
                    &[("NewVersionId", "$.PolicyVersion.VersionId", "String")],
                ),
                verify(
                    "VerifyDefaultVersion",
                    "iam",
                    "GetPolicy",
                    by_arn,
                    "$.Policy.DefaultVersionId",
                    &["{{ReplacePolicy.NewVersionId}}"],
                    None,
                ),
            ],
            &["ReadPolicy.DefaultVersionId", "ReplacePolicy.NewVersionId"],
        ),
    }
}
