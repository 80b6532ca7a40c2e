//! The repository's shape: rule crates share AWS access through `guardrails-aws` and never
//! depend on each other; nothing points outside the repository for the contract; the README
//! stays a front page; the docs that list every rule list each one, and adding a rule touches
//! what CONTRIBUTING.md says.

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
        "CHANGELOG.md",
        "docs/architecture.md",
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

/// The contract's rule-id table (one table: a blank line would end it) and the rule reference
/// name every rule `gen rules --ids` knows, and no other.
#[test]
fn the_contract_and_the_reference_name_every_rule() {
    let mut ids = guardrails_testkit::rule_ids(env!("CARGO_BIN_EXE_gen").as_ref());
    ids.sort();
    let contract = std::fs::read_to_string(workspace_root().join("docs/contract.md")).unwrap();
    let section = contract
        .split("## Rule ids")
        .nth(1)
        .expect("a Rule ids section");
    let table = section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'));
    let mut listed: Vec<String> = table
        .filter_map(|row| {
            row.split('|')
                .nth(1)?
                .trim()
                .strip_prefix('`')?
                .strip_suffix('`')
        })
        .map(str::to_string)
        .collect();
    listed.sort();
    assert_eq!(listed, ids, "docs/contract.md's rule-id table");
    let reference = std::fs::read_to_string(workspace_root().join("docs/rules.md")).unwrap();
    for id in &ids {
        assert!(
            reference.contains(&format!("`{id}`")),
            "docs/rules.md lacks {id}"
        );
    }
}

/// Every Lambda rule of ours honours the exemption tag, as docs/contract.md ("Exemption tag")
/// promises: a new Lambda rule without the parameter fails here, not in a user's account.
#[test]
fn every_lambda_rule_honours_the_exemption_tag() {
    let rules = guardrails_testkit::rules(env!("CARGO_BIN_EXE_gen").as_ref());
    let lambdas: Vec<&Value> = rules
        .iter()
        .filter(|r| r["delivery"]["lambda"].is_string())
        .collect();
    assert!(lambdas.len() >= 5, "{lambdas:?}");
    for rule in lambdas {
        let parameter = rule["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == "exemptionTag");
        assert_eq!(
            parameter.map(|p| p["default"].clone()),
            Some(Value::from("neptune-guardrails:exempt=true")),
            "{} has no exemptionTag parameter with the contract's default",
            rule["id"]
        );
    }
    let contract = std::fs::read_to_string(workspace_root().join("docs/contract.md")).unwrap();
    let contract = contract.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        contract.contains("every Lambda rule of ours honours an `exemptionTag`"),
        "docs/contract.md says which rules honour the tag"
    );
}

/// The tracked files that name every rule id are the ones CONTRIBUTING.md's "Besides its
/// folder" sentence lists: a file that lists every rule by hand is one a new rule must touch.
#[test]
fn adding_a_rule_touches_what_contributing_lists() {
    let ids = guardrails_testkit::rule_ids(env!("CARGO_BIN_EXE_gen").as_ref());
    let out = Command::new("git")
        .args(["ls-files", "-co", "--exclude-standard"])
        .current_dir(workspace_root())
        .output()
        .expect("git runs");
    let mut naming_all: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|file| {
            std::fs::read_to_string(workspace_root().join(file))
                .is_ok_and(|text| ids.iter().all(|id| text.contains(id.as_str())))
        })
        .map(str::to_string)
        .collect();
    naming_all.sort();
    let contributing = std::fs::read_to_string(workspace_root().join("CONTRIBUTING.md")).unwrap();
    let sentence = contributing
        .split("Besides its folder")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("the sentence in CONTRIBUTING.md");
    let mut listed: Vec<String> = sentence
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|name| workspace_root().join(name).is_file())
        .map(str::to_string)
        .collect();
    listed.sort();
    listed.dedup();
    // A Lambda rule's bench baseline names only the Lambda rules, the regions table only the
    // managed ones; `scripts/regen` is the command the sentence names.
    let one_kind = [
        "tests/bench/baseline_rules.py",
        "crates/core/src/regions.rs",
        "scripts/regen",
    ];
    listed.retain(|file| !one_kind.contains(&file.as_str()));
    assert_eq!(
        naming_all, listed,
        "files naming every rule vs CONTRIBUTING.md's list of what a new rule touches"
    );
}

/// CHANGELOG.md is the contract's "Changes" section as `scripts/regen` copies it.
#[test]
fn the_changelog_is_the_contracts_changes() {
    let contract = std::fs::read_to_string(workspace_root().join("docs/contract.md")).unwrap();
    let changes = contract
        .split("\n## Changes\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a Changes section")
        .trim();
    let changelog = std::fs::read_to_string(workspace_root().join("CHANGELOG.md")).unwrap();
    let body = changelog
        .split_once("\n\n- ")
        .map(|(_, rest)| format!("- {rest}"))
        .expect("the changes after the header");
    assert_eq!(
        body.trim(),
        changes,
        "CHANGELOG.md is stale; run scripts/regen"
    );
}

/// The generator's modules depend on each other one way: at every level of the module tree,
/// the siblings' references (`crate::a::b`, `super::b`, outside tests) form no cycle (a
/// child may use its parent's items; that is not a cycle between siblings).
#[test]
fn the_generator_has_no_module_cycle() {
    let src = workspace_root().join("generator/src");
    let mut edges: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).unwrap().with_extension("");
        let mut module: Vec<String> = relative
            .iter()
            .map(|part| part.to_string_lossy().into_owned())
            .collect();
        if module
            .last()
            .is_some_and(|last| last == "mod" || last == "main")
        {
            module.pop();
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for path in referenced_paths(code, &module) {
            let common = module.iter().zip(&path).take_while(|(a, b)| a == b).count();
            if common < module.len() && common < path.len() {
                edges
                    .entry(module[..=common].join("/"))
                    .or_default()
                    .insert(path[..=common].join("/"));
            }
        }
    }
    for (from, targets) in &edges {
        for to in targets {
            let mut seen = std::collections::BTreeSet::new();
            let mut stack = vec![to.clone()];
            while let Some(node) = stack.pop() {
                assert_ne!(&node, from, "module cycle: {from} → {to} → … → {from}");
                if seen.insert(node.clone()) {
                    stack.extend(edges.get(&node).into_iter().flatten().cloned());
                }
            }
        }
    }
    assert!(
        edges.contains_key("deploy/plan"),
        "the scan of references found nothing"
    );
}

fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// Module paths a file names: `crate::a::b`, `crate::{a, b::c}` and `super::b` (resolved
/// against `module`, the file's own module path).
fn referenced_paths(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let split = |path: &str| -> Vec<String> {
        path.split("::")
            .map(|p| p.trim().to_string())
            .take_while(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .collect()
    };
    let mut paths = Vec::new();
    for (prefix, base) in [
        ("crate::", Vec::new()),
        ("super::", module[..module.len().saturating_sub(1)].to_vec()),
    ] {
        for (at, _) in code.match_indices(prefix) {
            let rest = &code[at + prefix.len()..];
            let items: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .collect(),
                None => vec![rest
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .next()
                    .unwrap_or_default()],
            };
            for item in items {
                let mut path = base.clone();
                path.extend(split(item));
                if path.len() > base.len() {
                    paths.push(path);
                }
            }
        }
    }
    paths
}

/// Every AWS client of the product takes a retry quota of its own (`guardrails_core::client!`,
/// `own_retry_quota`): a client built with the SDK's default shares one quota per service and
/// region with every account of a scan (the unit test in crates/core/src/retry_quota.rs shows
/// what that costs).
#[test]
fn every_aws_client_has_its_own_retry_quota() {
    let root = workspace_root();
    let mut shared = Vec::new();
    for dir in ["crates", "generator/src", "rules"] {
        for file in rust_files(&root.join(dir)) {
            let code = std::fs::read_to_string(&file).unwrap();
            let product: Vec<&str> = code
                .split("#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .lines()
                .collect();
            for (n, line) in product.iter().enumerate() {
                let builds_client =
                    line.contains("Client::new(") || line.contains("Client::from_conf(");
                let own_quota = line.contains("$service::Client")
                    || product[n.saturating_sub(8)..n]
                        .iter()
                        .any(|l| l.contains("own_retry_quota"));
                // `QueryClient` (crates/aws/src/query.rs) takes its own quota inside.
                let ours = line.contains("HttpClient") || line.contains("QueryClient");
                if builds_client && !own_quota && !ours {
                    shared.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        shared.is_empty(),
        "clients sharing the process-wide retry quota:\n{}",
        shared.join("\n")
    );
}
