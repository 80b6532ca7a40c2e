//! Lambda entry point of the `neptune-fgac-policy-hygiene` AWS Config rule.
// The Lambda runtime's service stack nests futures deeper than the default limit.
#![recursion_limit = "256"]

use neptune_fgac_policy_hygiene::FgacPolicyHygiene;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    guardrails_core::lambda::init_tracing();
    let sdk = guardrails_core::aws::load(None, None).await;
    guardrails_core::lambda::run(FgacPolicyHygiene::new(&sdk), &sdk).await
}
