//! Lambda entry point of the `neptune-cluster-iam-auth` AWS Config rule.
// The Lambda runtime's service stack nests futures deeper than the default limit.
#![recursion_limit = "256"]

guardrails_core::lambda_main!(neptune_cluster_iam_auth::ClusterIamAuth::new);
