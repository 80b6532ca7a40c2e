//! Lambda entry point of the `neptune-dms-endpoint-iam-auth` AWS Config rule.
// The Lambda runtime's service stack nests futures deeper than the default limit.
#![recursion_limit = "256"]

guardrails_core::lambda_main!(neptune_dms_endpoint_iam_auth::DmsEndpointIamAuth::new);
