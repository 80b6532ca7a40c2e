//! Lambda entry point of the `neptune-sts-vpc-endpoint` AWS Config rule.
// The Lambda runtime's service stack nests futures deeper than the default limit.
#![recursion_limit = "256"]

guardrails_core::lambda_main!(neptune_sts_vpc_endpoint::StsVpcEndpoint::new);
