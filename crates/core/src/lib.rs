//! Shared core of the Neptune Guardrails rules.
//!
//! Every rule is one [`RuleSpec`] declaration plus an implementation of [`Rule`]; this crate
//! turns an AWS Config rule event into exactly one [`Evaluation`] per resource in scope and
//! reports them with `PutEvaluations`. Evaluation logic in the rule crates is pure; AWS calls
//! sit behind one thin seam per service.

pub mod aws;
pub mod changes;
pub mod config_service;
pub mod entry;
pub mod error;
pub mod evaluation;
pub mod event;
pub mod exemption;
pub mod frameworks;
pub mod item;
pub mod lambda;
pub mod organization;
pub mod params;
pub mod regions;
pub mod registry;
pub mod retry_quota;
pub mod rule;
pub mod runbook;
pub mod template;
pub mod verdicts;

pub use config_service::ConfigService;
pub use error::RuleError;
pub use evaluation::{Compliance, Evaluation};
pub use event::{Invocation, Message};
pub use item::ConfigurationItem;
pub use params::Params;
pub use registry::{ParamSpec, ResourceType, RuleSpec, Severity, Trigger};
pub use rule::{Assessed, Rule};

/// How every rule runs in Lambda (Markdown), for the rule reference.
pub const HOW_A_RULE_RUNS: &str = include_str!("../README.md");
