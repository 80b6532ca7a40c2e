//! The AWS seams of the rules, one module per service, each behind a feature so a rule
//! compiles only the SDK crates it calls. Rules share these instead of depending on each
//! other: a rule crate depends on `guardrails-core`, `guardrails-aws` (and the analyzer),
//! never on another rule crate.

/// Every item of a paginated SDK request, in order; an error names the operation. A macro,
/// since each SDK paginator is a type of its own with no trait in common.
#[cfg(any(feature = "neptune", feature = "iam"))]
macro_rules! all_items {
    ($request:expr, $operation:literal) => {
        $request
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| guardrails_core::RuleError::aws($operation, &e))
    };
}

#[cfg(feature = "dms")]
pub mod dms;
#[cfg(feature = "ec2")]
pub mod ec2;
#[cfg(feature = "query")]
pub mod endpoint;
#[cfg(feature = "iam")]
pub mod iam;
#[cfg(feature = "cloudwatch")]
pub mod lambda_metrics;
#[cfg(feature = "neptune")]
pub mod neptune;
#[cfg(feature = "organizations")]
pub mod organizations;
#[cfg(feature = "neptune")]
pub mod posture;
#[cfg(feature = "query")]
mod query;
#[cfg(feature = "ec2")]
pub mod routes;
#[cfg(feature = "neptune")]
pub mod template_cluster;
#[cfg(feature = "query")]
mod xml;
