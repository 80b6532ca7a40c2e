//! The rules `gen` knows, by their declarations.

use aws_config::SdkConfig;
use guardrails_core::registry::RuleSpec;
use guardrails_core::{Assessed, Params, Rule, RuleError};
use neptune_cluster_iam_auth::ClusterIamAuth;
use neptune_dms_endpoint_iam_auth::DmsEndpointIamAuth;
use neptune_fgac_policy_hygiene::FgacPolicyHygiene;
use neptune_sts_vpc_endpoint::StsVpcEndpoint;

/// Every implemented rule, in the order reports list them.
pub const SPECS: &[&RuleSpec] = &[
    &neptune_dms_endpoint_iam_auth::SPEC,
    &neptune_cluster_iam_auth::SPEC,
    &neptune_fgac_policy_hygiene::SPEC,
    &neptune_sts_vpc_endpoint::SPEC,
];

pub fn find(id: &str) -> Option<&'static RuleSpec> {
    SPECS.iter().copied().find(|s| s.id == id)
}

/// Evaluate everything in scope of one rule with its default parameters: the same code the
/// rule's Lambda runs on a scheduled notification.
pub async fn evaluate_all(spec: &RuleSpec, sdk: &SdkConfig) -> Result<Vec<Assessed>, RuleError> {
    let params = Params::defaults(spec);
    match spec.id {
        id if id == neptune_dms_endpoint_iam_auth::SPEC.id => {
            DmsEndpointIamAuth::new(sdk).evaluate_all(&params).await
        }
        id if id == neptune_cluster_iam_auth::SPEC.id => {
            ClusterIamAuth::new(sdk).evaluate_all(&params).await
        }
        id if id == neptune_fgac_policy_hygiene::SPEC.id => {
            FgacPolicyHygiene::new(sdk).evaluate_all(&params).await
        }
        id if id == neptune_sts_vpc_endpoint::SPEC.id => {
            StsVpcEndpoint::new(sdk).evaluate_all(&params).await
        }
        other => unreachable!("rule {other} is listed in SPECS but has no implementation here"),
    }
}
