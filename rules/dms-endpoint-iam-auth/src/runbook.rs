//! The remediation runbook of this rule (named in the declaration), as data the templates
//! derive the SSM document and its least-privilege role from.

use guardrails_core::registry::RuleSpec;
use guardrails_core::runbook::*;
use serde_json::json;

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    dms_endpoint_iam_auth(&crate::SPEC)
}

/// The DMS runbook's first step: resolve the endpoint and stop, unchanged, where no DMS change
/// helps (see the script's docstring).
const READ_DMS_ENDPOINT: &str = include_str!("read_endpoint.py");

fn dms_endpoint_iam_auth(rule: &'static RuleSpec) -> Runbook {
    let read = script(
        "ReadEndpoint",
        "handler",
        READ_DMS_ENDPOINT,
        json!({"Endpoint": "{{Endpoint}}"}),
        &[
            ("EndpointArn", "$.Payload.EndpointArn", "String"),
            ("S3BucketName", "$.Payload.S3BucketName", "String"),
            ("S3BucketFolder", "$.Payload.S3BucketFolder", "String"),
        ],
    );
    let by_arn =
        json!({"Filters": [{"Name": "endpoint-arn", "Values": ["{{ReadEndpoint.EndpointArn}}"]}]});
    Runbook {
        rule,
        owner: Owner::Ours,
        bound_parameters: &[],
        resource_parameter: Some("Endpoint"),
        // The script's own call (the verification step makes it too).
        side_actions: &["dms:DescribeEndpoints"],
        unneeded_dependents: &[(
            "iam:PassRole",
            "ModifyEndpoint passes no role: ExactSettings=false keeps the endpoint's \
             ServiceAccessRoleArn as it is",
        )],
        document: document(
            "Turns on IAM authorization (NeptuneSettings.IamAuthEnabled) on a DMS endpoint that \
             targets Neptune, keeping its other Neptune settings, and reads it back. It stops \
             without a change, saying why, when the endpoint does not target Neptune, has no \
             Neptune settings (staging bucket and folder) for its owner to keep, or already \
             has IAM authorization on (it is then non-compliant because of its target cluster, \
             which NeptuneGuardrails-EnableClusterIamAuth fixes).",
            json!({"Endpoint": {
                "type": "String",
                "description": "(Required) ARN or identifier of the DMS endpoint (engine neptune).",
                "allowedPattern": "^(arn:aws[a-z-]*:dms:[a-z0-9-]+:[0-9]{12}:endpoint:[A-Za-z0-9-]+|[A-Za-z][A-Za-z0-9-]{0,254})$"
            }}),
            vec![
                read,
                call(
                    "EnableIamAuth",
                    "dms",
                    "ModifyEndpoint",
                    json!({
                        "EndpointArn": "{{ReadEndpoint.EndpointArn}}",
                        "ExactSettings": false,
                        "NeptuneSettings": {
                            "S3BucketName": "{{ReadEndpoint.S3BucketName}}",
                            "S3BucketFolder": "{{ReadEndpoint.S3BucketFolder}}",
                            "IamAuthEnabled": true
                        }
                    }),
                    &[("EndpointStatus", "$.Endpoint.Status", "String")],
                ),
                verify(
                    "VerifyIamAuth",
                    "dms",
                    "DescribeEndpoints",
                    by_arn,
                    "$.Endpoints[0].NeptuneSettings.IamAuthEnabled",
                    &["True"],
                    None,
                ),
            ],
            &["ReadEndpoint.EndpointArn", "EnableIamAuth.EndpointStatus"],
        ),
    }
}
