//! The labelled policy corpus (`tests/policies`).

use std::path::PathBuf;

use serde_json::Value;

use crate::paths::workspace_root;

/// One policy of the labelled corpus (`tests/policies/labels.json`).
#[derive(Debug, Clone)]
pub struct PolicyLabel {
    /// File name under `tests/policies/corpus`.
    pub file: String,
    pub compliance: String,
    /// Expected finding codes, sorted.
    pub codes: Vec<String>,
    pub include_admin: bool,
    pub attached_to_user: bool,
    pub note: String,
    /// Codes this policy is a near miss for: it must not raise them.
    pub negative_for: Vec<String>,
    /// For a principal's entry: the corpus files it holds; `file` is then empty.
    pub principal: Option<PrincipalFiles>,
}

/// The policies of one principal of the corpus, by origin (file names under the corpus).
#[derive(Debug, Clone, Default)]
pub struct PrincipalFiles {
    pub name: String,
    pub own: Vec<String>,
    pub attached: Vec<String>,
    pub aws_managed: Vec<String>,
    pub group: Vec<String>,
    pub boundary: Option<String>,
}

impl PolicyLabel {
    pub fn path(&self) -> PathBuf {
        policy_corpus().join(&self.file)
    }

    /// Whether the label needs analyzer context beyond the defaults.
    pub fn has_context(&self) -> bool {
        self.include_admin || self.attached_to_user
    }
}

pub fn policy_corpus() -> PathBuf {
    workspace_root().join("tests/policies/corpus")
}

/// The corpus's single policies.
pub fn policy_labels() -> Vec<PolicyLabel> {
    all_labels()
        .into_iter()
        .filter(|l| l.principal.is_none())
        .collect()
}

/// The corpus's principals, each a set of its files.
pub fn principal_labels() -> Vec<PolicyLabel> {
    all_labels()
        .into_iter()
        .filter(|l| l.principal.is_some())
        .collect()
}

fn all_labels() -> Vec<PolicyLabel> {
    let path = workspace_root().join("tests/policies/labels.json");
    let labels: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("labels.json"))
        .expect("labels.json is JSON");
    labels
        .as_array()
        .expect("labels.json is a list")
        .iter()
        .map(|l| {
            let text = |key: &str| l[key].as_str().unwrap_or_default().to_string();
            let mut codes: Vec<String> = l["codes"]
                .as_array()
                .expect("codes")
                .iter()
                .map(|c| c.as_str().expect("code").to_string())
                .collect();
            codes.sort_unstable();
            let files = |key: &str| -> Vec<String> {
                l[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f.as_str().map(str::to_string))
                    .collect()
            };
            let principal = l["principal"].as_str().map(|name| PrincipalFiles {
                name: name.to_string(),
                own: files("own"),
                attached: files("attached"),
                aws_managed: files("aws_managed"),
                group: files("group"),
                boundary: l["boundary"].as_str().map(str::to_string),
            });
            PolicyLabel {
                principal,
                file: text("file"),
                compliance: text("compliance"),
                codes,
                include_admin: l["include_admin"].as_bool().unwrap_or(false),
                attached_to_user: l["attached_to_user"].as_bool().unwrap_or(false),
                note: text("note"),
                negative_for: l["negative_for"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect(),
            }
        })
        .collect()
}
