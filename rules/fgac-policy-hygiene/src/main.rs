//! Lambda entry point of the `neptune-fgac-policy-hygiene` AWS Config rule.
// The Lambda runtime's service stack nests futures deeper than the default limit.
#![recursion_limit = "256"]

guardrails_core::lambda_main!(neptune_fgac_policy_hygiene::FgacPolicyHygiene::new);
