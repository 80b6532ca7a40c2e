//! The rules `gen` knows. The one list is the `neptune-*` dependencies in
//! `generator/Cargo.toml` (build.rs turns them into [`RULES`]); every other list (templates,
//! runbooks, docs, `gen rules --ids` for tests and scripts) derives from it.

use std::sync::LazyLock;

use guardrails_core::entry::RuleEntry;
use guardrails_core::registry::RuleSpec;

include!(concat!(env!("OUT_DIR"), "/rules.rs"));

/// The declarations of [`RULES`], in the same order.
pub static SPECS: LazyLock<Vec<&'static RuleSpec>> =
    LazyLock::new(|| RULES.iter().map(|rule| rule.spec).collect());

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static RuleEntry> {
    RULES.iter().copied().find(|rule| rule.spec.id == id)
}

/// The rules delivered as Lambdas of ours (the rest are AWS managed rules): the binaries
/// to build, package and deploy.
pub static LAMBDA_SPECS: LazyLock<Vec<&'static RuleSpec>> =
    LazyLock::new(|| SPECS.iter().copied().filter(|s| s.is_lambda()).collect());
