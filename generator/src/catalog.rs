//! The rules `gen` knows. The one list is the `neptune-*` dependencies in
//! `generator/Cargo.toml` (build.rs turns them into [`RULES`]); every other list (templates,
//! runbooks, docs, `gen rules --ids` for tests and scripts) derives from it.

use std::sync::LazyLock;

use guardrails_core::entry::{RuleEntry, ScanScope};
use guardrails_core::registry::RuleSpec;
use guardrails_core::{Assessed, Params, RuleError};

include!(concat!(env!("OUT_DIR"), "/rules.rs"));

/// The declarations of [`RULES`], in the same order.
pub static SPECS: LazyLock<Vec<&'static RuleSpec>> =
    LazyLock::new(|| RULES.iter().map(|rule| rule.spec).collect());

pub fn find(id: &str) -> Option<&'static RuleSpec> {
    SPECS.iter().copied().find(|s| s.id == id)
}

/// The rules delivered as Lambdas of ours (the rest are AWS managed rules): the binaries
/// to build, package and deploy.
pub static LAMBDA_SPECS: LazyLock<Vec<&'static RuleSpec>> =
    LazyLock::new(|| SPECS.iter().copied().filter(|s| s.is_lambda()).collect());

/// Evaluate everything in scope of one rule with its default parameters: the same code the
/// rule's Lambda runs on a scheduled notification, or the managed rule's semantics. Rules of
/// one scope share its listings.
pub async fn evaluate_all(spec: &RuleSpec, scope: &ScanScope) -> Result<Vec<Assessed>, RuleError> {
    let rule = RULES
        .iter()
        .find(|rule| rule.spec.id == spec.id)
        .expect("every spec comes from RULES");
    let params = Params::defaults(spec);
    (rule.scan)(scope, &params).await
}
