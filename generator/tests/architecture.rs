//! The repository's shape: rule crates share AWS access through `guardrails-aws` and never
//! depend on each other; nothing points outside the repository for the contract; the README
//! stays a front page.

use std::process::Command;

use guardrails_testkit::workspace_root;
use serde_json::Value;

#[test]
fn no_rule_crate_depends_on_another() {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let packages = metadata["packages"].as_array().unwrap();
    let rules: Vec<&str> = packages
        .iter()
        .filter_map(|p| p["name"].as_str())
        .filter(|n| n.starts_with("neptune-"))
        .collect();
    assert!(rules.len() >= 4, "{rules:?}");
    for package in packages {
        let name = package["name"].as_str().unwrap();
        if !rules.contains(&name) {
            continue;
        }
        for dependency in package["dependencies"].as_array().unwrap() {
            let dependency = dependency["name"].as_str().unwrap();
            assert!(
                !rules.contains(&dependency),
                "{name} depends on the rule crate {dependency}: share its AWS access through \
                 guardrails-aws instead"
            );
        }
    }
}

#[test]
fn the_contract_lives_in_the_repository() {
    let out = Command::new("git")
        .args(["ls-files", "-co", "--exclude-standard"])
        .current_dir(workspace_root())
        .output()
        .expect("git runs");
    let outside = ["DESIGN", ".md"].concat();
    let shared = ["../", "shared"].concat();
    let mut offenders = Vec::new();
    for file in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(text) = std::fs::read_to_string(workspace_root().join(file)) else {
            continue;
        };
        if text.contains(&outside) || text.contains(&shared) {
            offenders.push(file.to_string());
        }
    }
    assert!(
        offenders.is_empty(),
        "these refer to a contract outside the repository (docs/contract.md holds it): {offenders:?}"
    );
}

#[test]
fn the_readme_is_a_front_page() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines <= 200,
        "README.md has {lines} lines; move reference text to docs/"
    );
    for link in [
        "docs/rules.md",
        "docs/contract.md",
        "docs/rollout.md",
        "docs/scanning.md",
        "tests/README.md",
        "CONTRIBUTING.md",
    ] {
        assert!(readme.contains(link), "README.md does not link {link}");
        assert!(workspace_root().join(link).exists(), "{link} is missing");
    }
}

/// The bench's Python baselines (`tests/bench/baseline_rules.py`) cover exactly the rules
/// with a Lambda (`gen rules --lambdas`).
#[test]
fn every_rule_has_a_python_baseline() {
    let text = std::fs::read_to_string(workspace_root().join("tests/bench/baseline_rules.py"))
        .expect("the baselines");
    let table = text
        .split("EVALUATE = {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .expect("the EVALUATE table");
    let mut baselines: Vec<&str> = table
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
        .collect();
    baselines.sort_unstable();
    let mut ids = guardrails_testkit::lambda_ids(env!("CARGO_BIN_EXE_gen").as_ref());
    ids.sort();
    assert_eq!(
        baselines, ids,
        "tests/bench/baseline_rules.py: one baseline per rule"
    );
}
