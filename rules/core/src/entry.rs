//! A rule as `gen` knows it: its declaration, its remediation runbook and its scan. Each rule
//! crate exports one `RULE: RuleEntry`; `gen`'s catalog lists them, and a rule missing a
//! piece does not compile.

use std::future::Future;
use std::pin::Pin;

use aws_config::SdkConfig;

use crate::error::RuleError;
use crate::params::Params;
use crate::registry::RuleSpec;
use crate::rule::Assessed;
use crate::runbook::Runbook;

/// What a scan of everything in scope yields.
pub type ScanFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<Assessed>, RuleError>> + Send + 'a>>;

pub struct RuleEntry {
    pub spec: &'static RuleSpec,
    pub runbook: fn() -> Runbook,
    /// Evaluate every resource in scope with these parameters: what the rule's Lambda does on
    /// a scheduled notification, and what `gen scan` runs.
    pub scan: for<'a> fn(&'a SdkConfig, &'a Params) -> ScanFuture<'a>,
}
