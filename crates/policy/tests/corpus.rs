//! The labelled policy corpus (`tests/policies`) against the analyzer: every file's verdict
//! and finding codes as `labels.json` says.

use guardrails_policy::{analyze_text, Code, Context, Document, Held, Origin, View};
use guardrails_testkit::{policy_corpus, policy_labels, principal_labels, PolicyLabel};

/// What disagrees with the label, if anything: the verdict and the distinct codes found.
fn disagreement(
    name: &str,
    label: &PolicyLabel,
    verdict: &str,
    mut got: Vec<&str>,
) -> Option<String> {
    got.sort_unstable();
    got.dedup();
    (verdict != label.compliance || got != label.codes).then(|| {
        format!(
            "{name}: got {verdict} {got:?}, labelled {} {:?} ({})",
            label.compliance, label.codes, label.note
        )
    })
}

#[test]
fn every_labelled_policy_gets_its_verdict_and_codes() {
    let labels = policy_labels();
    assert!(
        labels.len() >= 40,
        "the corpus has {} policies",
        labels.len()
    );
    let mut failures = Vec::new();
    for label in &labels {
        let text = std::fs::read_to_string(label.path()).unwrap();
        let context = Context {
            include_admin: label.include_admin,
            attached_to_user: label.attached_to_user,
        };
        let analysis =
            analyze_text(&text, context).unwrap_or_else(|e| panic!("{}: {e}", label.file));
        let got = analysis.findings.iter().map(|f| f.code.as_str()).collect();
        failures.extend(disagreement(
            &label.file,
            label,
            analysis.verdict.as_str(),
            got,
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A corpus file as a parsed document.
fn document(file: &str) -> Document {
    let text = std::fs::read_to_string(policy_corpus().join(file)).unwrap();
    Document::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn every_labelled_principal_gets_its_verdict_and_codes() {
    let labels = principal_labels();
    assert!(labels.len() >= 8, "{} principals", labels.len());
    let mut failures = Vec::new();
    for label in &labels {
        let files = label.principal.as_ref().unwrap();
        let mut view = View {
            boundary: files.boundary.as_deref().map(document),
            ..View::default()
        };
        for (origin, list) in [
            (Origin::Own, &files.own),
            (Origin::CustomerManaged, &files.attached),
            (Origin::AwsManaged, &files.aws_managed),
            (Origin::Group, &files.group),
        ] {
            view.held.extend(list.iter().map(|file| Held {
                label: file.clone(),
                origin: origin.clone(),
                document: document(file),
            }));
        }
        let analysis = view.analyze(Context::default());
        let got = analysis
            .own
            .iter()
            .flat_map(|(_, a)| a.findings.iter().map(|f| f.code.as_str()))
            .chain(analysis.findings.iter().map(|f| f.code.as_str()))
            .collect();
        failures.extend(disagreement(
            &files.name,
            label,
            analysis.verdict.as_str(),
            got,
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_finding_code_has_a_positive_and_a_negative_example() {
    let mut labels = policy_labels();
    labels.extend(principal_labels());
    for code in Code::ALL {
        let positive = labels
            .iter()
            .any(|l| l.codes.iter().any(|c| c == code.as_str()));
        assert!(positive, "no corpus policy raises {code}");
        let negative = labels
            .iter()
            .find(|l| l.negative_for.iter().any(|c| c == code.as_str()));
        let negative =
            negative.unwrap_or_else(|| panic!("no corpus policy is a near miss for {code}"));
        assert!(
            !negative.codes.iter().any(|c| c == code.as_str()),
            "{} {:?} is labelled a near miss for {code} but raises it",
            negative.file,
            negative.principal.as_ref().map(|p| &p.name)
        );
    }
    let compliant = labels
        .iter()
        .filter(|l| l.compliance == "COMPLIANT")
        .count();
    assert!(compliant >= 10, "{compliant} compliant examples");
}
