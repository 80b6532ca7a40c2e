//! The labelled policy corpus (`tests/policies`) against the analyzer: every file's verdict
//! and finding codes as `labels.json` says.

use std::path::PathBuf;

use guardrails_policy::{analyze_text, Context};
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/policies")
}

#[test]
fn every_labelled_policy_gets_its_verdict_and_codes() {
    let labels: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus_dir().join("labels.json")).unwrap())
            .unwrap();
    let labels = labels.as_array().unwrap();
    assert!(
        labels.len() >= 40,
        "the corpus has {} policies",
        labels.len()
    );
    let mut failures = Vec::new();
    for label in labels {
        let file = label["file"].as_str().unwrap();
        let text = std::fs::read_to_string(corpus_dir().join("corpus").join(file)).unwrap();
        let context = Context {
            include_admin: label["include_admin"].as_bool().unwrap_or(false),
            attached_to_user: label["attached_to_user"].as_bool().unwrap_or(false),
        };
        let analysis = analyze_text(&text, context).unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut got: Vec<&str> = analysis.findings.iter().map(|f| f.code.as_str()).collect();
        got.sort_unstable();
        got.dedup();
        let mut want: Vec<&str> = label["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        want.sort_unstable();
        let verdict = serde_json::to_value(analysis.verdict).unwrap();
        if verdict != label["compliance"] || got != want {
            failures.push(format!(
                "{file}: got {verdict} {got:?}, labelled {} {want:?} ({})",
                label["compliance"], label["note"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_finding_code_has_a_positive_and_a_negative_example() {
    let labels: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus_dir().join("labels.json")).unwrap())
            .unwrap();
    for code in guardrails_policy::Code::ALL {
        let positive = labels.as_array().unwrap().iter().any(|l| {
            l["codes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == code.as_str())
        });
        assert!(positive, "no corpus policy raises {code}");
    }
    let compliant = labels
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["compliance"] == "COMPLIANT")
        .count();
    assert!(compliant >= 10, "{compliant} compliant examples");
}
