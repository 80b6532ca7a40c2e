//! The AWS seams of the rules, one module per service, each behind a feature so a rule
//! compiles only the SDK crates it calls. Rules share these instead of depending on each
//! other: a rule crate depends on `guardrails-core`, `guardrails-aws` (and the analyzer),
//! never on another rule crate.

#[cfg(feature = "dms")]
pub mod dms;
#[cfg(feature = "ec2")]
pub mod ec2;
#[cfg(feature = "ec2")]
pub mod endpoint;
#[cfg(feature = "iam")]
pub mod iam;
#[cfg(feature = "neptune")]
pub mod neptune;
#[cfg(feature = "neptune")]
pub mod posture;
#[cfg(feature = "ec2")]
mod query;
#[cfg(feature = "ec2")]
pub mod routes;
#[cfg(feature = "ec2")]
mod xml;
