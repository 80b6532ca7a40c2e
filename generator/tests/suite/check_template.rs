//! `gen check-template` on the labelled corpus under tests/templates: each resource says in
//! its `Metadata` (`neptune-guardrails-expect`) the verdict every rule must give it
//! (`NOT_APPLICABLE` meaning decided at deploy time, `OUT_OF_SCOPE` NOT_APPLICABLE for the
//! rule's own reason).

use std::collections::BTreeMap;
use std::path::Path;

use guardrails_testkit::*;
use serde_json::Value;

type Labels = BTreeMap<(String, String, String), String>;

/// (file, resource, rule) → expected compliance, from the corpus's own labels: a
/// CloudFormation resource's `Metadata.neptune-guardrails-expect`, a Terraform plan's
/// top-level `neptune_guardrails_expect` (address → rule → compliance).
fn labels(dir: &Path, labels: &mut Labels) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            self::labels(&path, labels);
            continue;
        }
        if !path.extension().is_some_and(|e| e == "yaml" || e == "json") {
            continue; // the corpus's README
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Read as YAML (JSON is YAML): the short intrinsic tags stay tags, which no label holds.
        let file: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let mut expect = |id: &str, expected: &serde_yaml::Value| {
            for (rule, compliance) in expected.as_mapping().into_iter().flatten() {
                let key = (
                    path.display().to_string(),
                    id.to_string(),
                    rule.as_str().unwrap().to_string(),
                );
                labels.insert(key, compliance.as_str().unwrap().to_string());
            }
        };
        if let Some(plan) = file.get("neptune_guardrails_expect") {
            for (address, expected) in plan.as_mapping().unwrap() {
                expect(address.as_str().unwrap(), expected);
            }
        }
        for (id, resource) in file
            .get("Resources")
            .and_then(|r| r.as_mapping())
            .into_iter()
            .flatten()
        {
            if let Some(expected) = resource
                .get("Metadata")
                .and_then(|m| m.get("neptune-guardrails-expect"))
            {
                expect(id.as_str().unwrap(), expected);
            }
        }
    }
}

#[test]
fn every_labelled_verdict_comes_out_of_the_corpus() {
    let dir = workspace_root().join("tests/templates");
    let out = check_template(&["--format", "json", dir.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("one JSON array");
    let mut expected = Labels::new();
    labels(&dir, &mut expected);
    assert!(
        expected.len() >= 18,
        "the corpus labels every rule it covers"
    );
    for row in &rows {
        let key = (
            row["file"].as_str().unwrap().to_string(),
            row["resource_id"].as_str().unwrap().to_string(),
            row["rule"].as_str().unwrap().to_string(),
        );
        let label = expected
            .remove(&key)
            .unwrap_or_else(|| panic!("no label for {key:?}: {row}"));
        // NOT_APPLICABLE: decided at deploy time; OUT_OF_SCOPE: NOT_APPLICABLE for the rule's
        // own reason, as in Config (a role that holds no policy).
        let deploy_time = row["annotation"]
            .as_str()
            .unwrap()
            .starts_with("decided at deploy time: ");
        let expected = if label == "OUT_OF_SCOPE" {
            "NOT_APPLICABLE"
        } else {
            label.as_str()
        };
        assert_eq!(row["compliance"], expected, "{row}");
        let is_plan = key.0.ends_with(".plan.json");
        assert_eq!(row["line"].is_null(), is_plan, "{row}");
        assert!(is_plan || row["line"].as_u64() > Some(1), "{row}");
        assert_eq!(deploy_time, label == "NOT_APPLICABLE", "{row}");
    }
    assert!(
        expected.is_empty(),
        "labels without a verdict: {expected:?}"
    );
}

#[test]
fn a_rule_parameter_changes_the_verdict_and_a_broken_file_exits_2() {
    let dir = fresh_dir("check-template");
    let template = dir.join("retention.yaml");
    std::fs::write(
        &template,
        "Resources:\n  Graph:\n    Type: AWS::Neptune::DBCluster\n    Properties:\n      BackupRetentionPeriod: 10\n",
    )
    .unwrap();
    let check = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gen"))
            .args(["check-template", "--format", "json"])
            .args(extra)
            .arg(&template)
            .output()
            .expect("gen check-template runs");
        let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let retention = rows
            .iter()
            .find(|r| r["rule"] == "neptune-cluster-backup-retention")
            .cloned();
        (
            out.status.code(),
            retention,
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (_, default, _) = check(&[]);
    assert_eq!(default.unwrap()["compliance"], "COMPLIANT");
    let (_, stricter, _) = check(&[
        "--param",
        "neptune-cluster-backup-retention.minimumBackupRetentionPeriod=14",
    ]);
    assert_eq!(stricter.unwrap()["compliance"], "NON_COMPLIANT");
    let (code, _, stderr) = check(&["--param", "no-such-rule.x=1"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("unknown rule no-such-rule"), "{stderr}");
    std::fs::write(dir.join("broken.yaml"), "Resources: [: :").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gen"))
        .args(["check-template"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.yaml"));
}

fn check_template(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gen"))
        .arg("check-template")
        .args(args)
        .output()
        .expect("gen check-template runs")
}

#[test]
fn rows_have_the_contracts_keys_and_sarif_locates_each_failure_at_its_line() {
    let corpus = workspace_root().join("tests/templates");
    let corpus = corpus.to_str().unwrap();
    let json = check_template(&["--format", "json", corpus]);
    let rows: Vec<Value> = serde_json::from_slice(&json.stdout).unwrap();
    let mut keys: Vec<String> = rows[0].as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, contract_keys("## `gen check-template`"));

    let out = check_template(&["--format", "sarif", corpus]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        sarif_violations(&text),
        "",
        "against the official 2.1.0 schema"
    );
    let log: Value = serde_json::from_str(&text).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let failing: Vec<&Value> = rows
        .iter()
        .filter(|r| r["compliance"] == "NON_COMPLIANT")
        .collect();
    assert_eq!(results.len(), failing.len());
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for (result, row) in results.iter().zip(&failing) {
        assert_eq!(result["ruleId"], row["rule"]);
        assert_eq!(
            rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
            row["rule"]
        );
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert_eq!(
            uri.strip_prefix("file://"),
            row["file"].as_str(),
            "an absolute path"
        );
        assert_eq!(location["region"]["startLine"], row["line"], "{result}");
        assert_eq!(location.get("region").is_none(), row["line"].is_null());
        assert!(result["message"]["text"]
            .as_str()
            .unwrap()
            .contains(row["annotation"].as_str().unwrap()));
    }

    let table = String::from_utf8(check_template(&[corpus]).stdout).unwrap();
    assert_eq!(table.lines().count(), rows.len());
    for row in &rows {
        let place = match row["line"].as_u64() {
            Some(line) => format!("{}:{line}", row["file"].as_str().unwrap()),
            None => row["file"].as_str().unwrap().to_string(),
        };
        assert!(
            table.contains(&format!(
                "{} ({}) at {place}: {}",
                row["resource_id"].as_str().unwrap(),
                row["resource_type"].as_str().unwrap(),
                row["annotation"].as_str().unwrap()
            )),
            "{row}"
        );
    }
}

#[test]
fn the_shift_left_guide_lists_every_rule_that_judges_templates() {
    let gen = std::path::Path::new(env!("CARGO_BIN_EXE_gen"));
    let judging: Vec<String> = rules(gen)
        .iter()
        .filter(|rule| rule["judges_templates"] == true)
        .map(|rule| rule["id"].as_str().unwrap().to_string())
        .collect();
    let guide = std::fs::read_to_string(workspace_root().join("docs/shift-left.md")).unwrap();
    let table = guide.split("<!-- rules judging templates").nth(1).unwrap();
    let listed: Vec<String> = table
        .lines()
        .skip(3)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            line.split('|')
                .nth(1)
                .unwrap()
                .trim()
                .trim_matches('`')
                .to_string()
        })
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    let mut expected = judging.clone();
    expected.sort();
    assert_eq!(
        sorted, expected,
        "docs/shift-left.md's table and gen rules --json"
    );
    // Every rule that judges templates is in the labelled corpus.
    let mut labelled = Labels::new();
    labels(&workspace_root().join("tests/templates"), &mut labelled);
    for rule in &judging {
        for verdict in ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"] {
            assert!(
                labelled
                    .iter()
                    .any(|((_, _, r), v)| r == rule && v == verdict),
                "the corpus has no {verdict} case of {rule}"
            );
        }
    }
}
