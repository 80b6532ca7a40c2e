//! IAM policy documents and the Neptune fine-grained access control (FGAC) analyzer.
//!
//! Pure functions over policy text: [`document`] parses documents the way IAM returns them
//! (URL-encoded, `Statement`/`Action`/`Resource` as a string or a list), [`pattern`] matches
//! IAM wildcards, [`condition`] knows which condition keys Neptune's data requests carry,
//! [`catalogue`] lists the `neptune-db:` actions with their sources and
//! [`analyzer`] turns a document into findings and a verdict, and [`principal`] judges the
//! union of the policies a role, user or group holds. The Config rule and
//! `gen lint-policy` are thin shells around [`analyzer::analyze_text`].

pub mod analyzer;
pub mod catalogue;
mod codes;
pub mod condition;
pub mod document;
pub mod pattern;
pub mod principal;

pub use analyzer::{
    analyze, analyze_in, analyze_text, Analysis, Code, Context, Finding, Scope, Verdict,
};
pub use document::{Document, Effect, PolicyError, Statement};
pub use principal::{Held, Origin, PrincipalAnalysis, PrincipalFinding, View};
