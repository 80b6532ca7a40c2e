//! Lambda entry point of the `neptune-cluster-network-exposure` AWS Config rule.
// The Lambda runtime's service stack nests futures deeper than the default limit.
#![recursion_limit = "256"]

use neptune_cluster_network_exposure::NetworkExposure;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    guardrails_core::lambda::init_tracing();
    let sdk = guardrails_core::aws::load(None, None).await;
    guardrails_core::lambda::run(NetworkExposure::new(&sdk), &sdk).await
}
