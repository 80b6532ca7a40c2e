//! Assertions shared by the test suites: calls within the declared permissions, output
//! formats valid against their official schemas, nothing lost in a round trip.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::paths::{python, workspace_root};

/// Fails unless every call is one of the IAM actions a rule's Lambda role grants. The
/// emulator names a call by its SigV4 signing name and action, which is the IAM action
/// (Neptune signs as `rds`).
pub fn assert_calls_declared(calls: &std::collections::BTreeMap<String, u64>, granted: &[&str]) {
    let undeclared: Vec<_> = calls
        .keys()
        .filter(|action| !granted.contains(&action.as_str()))
        .collect();
    assert!(
        undeclared.is_empty(),
        "calls outside the rule's declared permissions {granted:?}: {undeclared:?}"
    );
    assert!(!calls.is_empty(), "no AWS calls were observed");
}

/// The keys the key table of a docs/contract.md section names (first column, `a`, `b`
/// rows naming several), sorted, so a test can hold them to a real row's keys.
pub fn contract_keys(heading: &str) -> Vec<String> {
    let contract = std::fs::read_to_string(workspace_root().join("docs/contract.md"))
        .expect("docs/contract.md is readable");
    let section = contract
        .split(heading)
        .nth(1)
        .unwrap_or_else(|| panic!("docs/contract.md has no {heading}"));
    let section = section.split("\n## ").next().unwrap_or_default();
    let mut keys: Vec<String> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| {
            l.split('|')
                .nth(1)
                .unwrap_or_default()
                .split(',')
                .map(|k| k.trim().trim_matches('`').to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    keys.sort();
    keys
}

/// Violations of the official SARIF 2.1.0 schema in `log` (`tests/report/validate_sarif.py`,
/// schema fetched by `scripts/setup`), one `path: message` line each; empty when valid.
pub fn sarif_violations(log: &str) -> String {
    let schema = workspace_root().join(".venv/sarif-schema-2.1.0.json");
    assert!(
        schema.exists(),
        "{} is missing: run scripts/setup",
        schema.display()
    );
    validator_report(
        "validate_sarif.py",
        &[schema.to_str().expect("UTF-8 path")],
        log,
    )
}

/// Problems botocore's Security Hub model finds in an ASFF findings array taken as the
/// `Findings` of BatchImportFindings (`tests/report/validate_asff.py`); empty when valid.
pub fn asff_violations(findings: &str) -> String {
    validator_report("validate_asff.py", &[], findings)
}

/// Problems py-ocsf-models finds in an array of OCSF Compliance Finding events
/// (`tests/report/validate_ocsf.py`); empty when valid.
pub fn ocsf_violations(events: &str) -> String {
    validator_report("validate_ocsf.py", &[], events)
}

/// Run a `tests/report` validator on `input`; its report (empty when the input is valid).
fn validator_report(script: &str, args: &[&str], input: &str) -> String {
    let mut child = Command::new(python())
        .arg(workspace_root().join("tests/report").join(script))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{script} runs: {e}"));
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("the input is written");
    let out = child.wait_with_output().expect("the validator ends");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        out.status.success(),
        text.is_empty(),
        "{script}: exit status disagrees with its output: {text}"
    );
    text
}

/// Report a fault-injection run (`faults` injected, evaluations `expected` against
/// `delivered`, both sorted) and require that faults were injected and nothing was lost or
/// doubled.
pub fn assert_nothing_lost<T: PartialEq + std::fmt::Debug>(
    label: &str,
    faults: &std::collections::BTreeMap<String, u64>,
    expected: &[T],
    delivered: &[T],
) {
    let injected: u64 = faults.values().sum();
    println!(
        "fault injection ({label}): {injected} faults injected {faults:?}; evaluations expected {}, delivered {}, lost {}",
        expected.len(),
        delivered.len(),
        expected.iter().filter(|e| !delivered.contains(e)).count()
    );
    assert!(injected > 0, "the seed injects faults");
    assert_eq!(
        delivered, expected,
        "every evaluation delivered once, none lost or doubled"
    );
}
