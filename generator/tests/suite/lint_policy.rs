//! `gen lint-policy` as a CI pipeline runs it: the labelled corpus, exit codes, unreadable
//! inputs, and SARIF that code-scanning tools accept.

use std::path::PathBuf;
use std::process::{Command, Output};

use guardrails_testkit::{
    policy_corpus, policy_labels, principal_labels, sarif_violations, PolicyLabel,
};
use serde_json::Value;

fn lint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gen"))
        .arg("lint-policy")
        .args(args)
        .output()
        .expect("gen runs")
}

fn file_name(report: &Value) -> String {
    PathBuf::from(report["file"].as_str().unwrap())
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Compare `--format json` reports with the labels of the files they cover.
fn assert_matches_labels(reports: &[Value], labels: &[&PolicyLabel]) {
    assert_eq!(reports.len(), labels.len());
    for label in labels {
        let file = &label.file;
        let report = reports
            .iter()
            .find(|r| file_name(r) == *file)
            .unwrap_or_else(|| panic!("{file} not reported"));
        assert_eq!(report["compliance"], label.compliance.as_str(), "{file}");
        let mut codes: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes, label.codes, "{file}");
    }
}

#[test]
fn the_corpus_directory_gives_the_labelled_verdicts_and_exit_1() {
    let corpus = policy_corpus();
    let out = lint(&["--format", "json", corpus.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    for report in &reports {
        let keys: Vec<_> = report.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["compliance", "file", "findings"]);
        for finding in report["findings"].as_array().unwrap() {
            let keys: Vec<_> = finding.as_object().unwrap().keys().cloned().collect();
            assert_eq!(keys, ["code", "message", "statement"]);
            assert!(finding["statement"].is_u64());
        }
    }
    let all = policy_labels();
    let default_scope: Vec<&PolicyLabel> = all.iter().filter(|l| !l.has_context()).collect();
    let reports_default: Vec<Value> = reports
        .into_iter()
        .filter(|r| default_scope.iter().any(|l| l.file == file_name(r)))
        .collect();
    assert_matches_labels(&reports_default, &default_scope);
}

#[test]
fn context_flags_widen_the_scope() {
    let all = policy_labels();
    let admin: fn(&PolicyLabel) -> bool = |l| l.include_admin;
    let user: fn(&PolicyLabel) -> bool = |l| l.attached_to_user;
    for (flag, wanted) in [("--include-admin", admin), ("--attached-to-user", user)] {
        let selected: Vec<&PolicyLabel> = all.iter().filter(|l| wanted(l)).collect();
        assert!(!selected.is_empty());
        let files: Vec<String> = selected
            .iter()
            .map(|l| l.path().to_string_lossy().into_owned())
            .collect();
        let mut args = vec!["--format", "json", flag];
        args.extend(files.iter().map(String::as_str));
        let out = lint(&args);
        let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert_matches_labels(&reports, &selected);
    }
}

#[test]
fn unreadable_and_unparseable_files_exit_2_naming_them_while_others_report() {
    let dir = std::env::temp_dir().join(format!("lint-policy-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("broken.json"), "{\"Statement\": [").unwrap();
    std::fs::write(
        dir.join("nested/bad-effect.json"),
        r#"{"Statement":{"Effect":"Permit","Action":"neptune-db:*","Resource":"*"}}"#,
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a policy, not a .json file").unwrap();
    let good = policy_corpus().join("seed-read-only.json");
    let missing = dir.join("missing.json");
    let out = lint(&[
        "--format",
        "json",
        dir.to_str().unwrap(),
        good.to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let broken = format!(
        "{}: not a policy document: EOF while parsing",
        dir.join("broken.json").display()
    );
    assert!(stderr.contains(&broken), "{stderr}");
    assert!(
        stderr.contains(
            "bad-effect.json: statement 0: `Effect` must be \"Allow\" or \"Deny\", not \"Permit\""
        ),
        "{stderr}"
    );
    assert!(stderr.contains("missing.json: cannot read"), "{stderr}");
    assert!(!stderr.contains("notes.txt"));
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["compliance"], "COMPLIANT");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn compliant_inputs_exit_0_with_a_plain_table_when_piped() {
    let out = lint(&[
        policy_corpus()
            .join("seed-read-only.json")
            .to_str()
            .unwrap(),
        policy_corpus().join("admin-star.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'));
    assert!(
        text.ends_with("2 files: 1 COMPLIANT, 0 NON_COMPLIANT, 1 NOT_APPLICABLE; 0 findings\n"),
        "{text}"
    );
}

#[test]
fn sarif_has_one_rule_per_code_and_one_located_result_per_finding() {
    let corpus = policy_corpus();
    let json_out = lint(&["--format", "json", corpus.to_str().unwrap()]);
    let reports: Vec<Value> = serde_json::from_slice(&json_out.stdout).unwrap();
    let findings: usize = reports
        .iter()
        .map(|r| r["findings"].as_array().unwrap().len())
        .sum();

    let out = lint(&["--format", "sarif", corpus.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        sarif_violations(&text),
        "",
        "against the official 2.1.0 schema"
    );
    let sarif: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(run["tool"]["driver"]["name"], "neptune-guardrails");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids.len(),
        guardrails_policy::Code::ALL.len(),
        "one per finding code"
    );
    for rule in rules {
        assert!(rule["shortDescription"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
        assert!(rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(
            ["error", "warning"].contains(&rule["defaultConfiguration"]["level"].as_str().unwrap())
        );
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(result["ruleId"], rules[index]["id"]);
        assert!(result["message"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("statement ")));
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.ends_with(".json") && !uri.contains('\\'));
        let line = location["region"]["startLine"].as_u64().unwrap() as usize;
        let text = std::fs::read_to_string(uri).unwrap();
        assert!(
            line >= 1 && line <= text.lines().count().max(1),
            "{uri}:{line}"
        );
    }
    // The legacy connect policy is flagged on the line that names connect.
    let connect = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with("seed-legacy-connect.json")
        })
        .unwrap();
    let uri = connect["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    let line = connect["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .unwrap() as usize;
    assert!(std::fs::read_to_string(uri)
        .unwrap()
        .lines()
        .nth(line - 1)
        .unwrap()
        .contains("neptune-db:connect"));
}

#[test]
fn several_files_linted_as_one_principal_get_the_labelled_verdict() {
    let corpus = policy_corpus();
    let path = |file: &str| corpus.join(file).to_string_lossy().into_owned();
    for label in principal_labels() {
        let files = label.principal.as_ref().unwrap();
        let mut args = vec![
            "--format".to_string(),
            "json".into(),
            "--principal".into(),
            files.name.clone(),
        ];
        for (flag, list) in [
            ("--attached", &files.attached),
            ("--aws-managed", &files.aws_managed),
            ("--group-policy", &files.group),
        ] {
            for file in list {
                args.extend([flag.to_string(), path(file)]);
            }
        }
        if let Some(boundary) = &files.boundary {
            args.extend(["--boundary".to_string(), path(boundary)]);
        }
        args.extend(files.own.iter().map(|f| path(f)));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = lint(&args);
        let reports: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON");
        let principal = reports.last().unwrap();
        assert_eq!(principal["file"], format!("principal {}", files.name));
        assert_eq!(
            principal["compliance"],
            label.compliance.as_str(),
            "{}: {reports:?}",
            files.name
        );
        let mut codes: Vec<&str> = reports
            .iter()
            .flat_map(|r| r["findings"].as_array().unwrap())
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes, label.codes, "{}", files.name);
        let non_compliant = label.compliance == "NON_COMPLIANT";
        assert_eq!(
            out.status.code(),
            Some(i32::from(non_compliant)),
            "{}",
            files.name
        );
    }

    // SARIF places a principal's finding in the policy it comes through.
    let out = lint(&[
        "--format",
        "sarif",
        "--principal",
        "carol",
        "--aws-managed",
        &path("aws-neptune-full-access.json"),
    ]);
    let sarif = String::from_utf8(out.stdout).unwrap();
    assert_eq!(sarif_violations(&sarif), "");
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "FGAC018");
    assert!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("aws-neptune-full-access.json")
    );
}
