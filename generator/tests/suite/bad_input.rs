//! The bad input table: every malformed event, parameter set, policy document and command
//! line we tried, with what the user sees. The test renders `docs/bad-input.md` from the
//! real parsers and the real `gen` binary and fails when the file differs (regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p generator --test suite bad_input::`). No case may panic.

use std::process::Command;

use guardrails_core::{Invocation, Params};
use guardrails_policy::{analyze_text, Context};
use guardrails_testkit::workspace_root;
use serde_json::{json, Value};

fn invoking(message: Value) -> Value {
    json!({"invokingEvent": message.to_string(), "resultToken": "t"})
}

fn event_cases() -> Vec<(&'static str, Value)> {
    let item = json!({"resourceType": "AWS::RDS::DBCluster", "resourceId": "cluster-1",
        "configurationItemStatus": "OK", "configurationItemCaptureTime": "2026-11-01T10:00:00Z"});
    vec![
        ("a JSON array instead of an event", json!([])),
        ("an empty object", json!({})),
        (
            "an empty `resultToken`",
            json!({"invokingEvent": "{}", "resultToken": ""}),
        ),
        ("no `invokingEvent`", json!({"resultToken": "t"})),
        (
            "`invokingEvent` that is not JSON",
            json!({"invokingEvent": "{not json", "resultToken": "t"}),
        ),
        (
            "`invokingEvent` as an object, not a string",
            json!({"invokingEvent": {"messageType": "ScheduledNotification"}, "resultToken": "t"}),
        ),
        ("no `messageType`", invoking(json!({}))),
        (
            "an unknown `messageType`",
            invoking(json!({"messageType": "ComplianceChangeNotification"})),
        ),
        (
            "a change notification without `configurationItem`",
            invoking(json!({"messageType": "ConfigurationItemChangeNotification"})),
        ),
        (
            "an oversized notification without `configurationItemSummary`",
            invoking(json!({"messageType": "OversizedConfigurationItemChangeNotification"})),
        ),
        (
            "an item without `resourceType`",
            invoking(json!({"messageType": "ConfigurationItemChangeNotification",
                "configurationItem": {"resourceId": "cluster-1"}})),
        ),
        (
            "an item whose `resourceId` is a number",
            invoking(json!({"messageType": "ConfigurationItemChangeNotification",
                "configurationItem": {"resourceType": "AWS::RDS::DBCluster", "resourceId": 7}})),
        ),
        (
            "a well-formed change notification (for contrast)",
            invoking(json!({"messageType": "ConfigurationItemChangeNotification",
                "configurationItem": item})),
        ),
    ]
}

fn parameter_cases() -> Vec<(&'static str, &'static str)> {
    vec![
        ("not JSON", "checkTargetCluster=false"),
        ("a JSON array", "[\"false\"]"),
        ("an unknown parameter", "{\"checkTarget\":\"false\"}"),
        (
            "a boolean that is neither",
            "{\"checkTargetCluster\":\"maybe\"}",
        ),
        (
            "an object as a value",
            "{\"checkTargetCluster\":{\"v\":true}}",
        ),
        (
            "an empty value (the default applies)",
            "{\"checkTargetCluster\":\"\"}",
        ),
        (
            "a JSON boolean (accepted)",
            "{\"checkTargetCluster\":false}",
        ),
    ]
}

fn policy_cases() -> Vec<(&'static str, &'static str)> {
    vec![
        ("not JSON", "Version: 2012-10-17"),
        ("a JSON array", "[]"),
        ("no `Statement`", "{\"Version\":\"2012-10-17\"}"),
        ("`Statement` as a string", "{\"Statement\":\"allow all\"}"),
        (
            "an `Effect` of `Permit`",
            "{\"Statement\":[{\"Effect\":\"Permit\",\"Action\":\"neptune-db:*\",\"Resource\":\"*\"}]}",
        ),
        (
            "an `Action` that is a number",
            "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":7,\"Resource\":\"*\"}]}",
        ),
        (
            "neither `Resource` nor `NotResource`",
            "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"neptune-db:ReadDataViaQuery\"}]}",
        ),
        ("URL-encoding gone wrong", "%7B%22Statement%22%3A%5B%7"),
        ("an empty document", "{}"),
    ]
}

fn cli_cases() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            "an unknown rule",
            vec!["scan", "--region", "eu-west-1", "--rules", "neptune-nope"],
        ),
        (
            "a region that is not one",
            vec!["scan", "--regions", "eu-west-1,mars"],
        ),
        (
            "an account id that is not 12 digits",
            vec!["scan", "--assume-role", "Audit", "--accounts", "12345"],
        ),
        (
            "other accounts without a role",
            vec!["scan", "--accounts", "111111111111"],
        ),
        (
            "--max-concurrency 0",
            vec!["scan", "--max-concurrency", "0"],
        ),
        ("an unknown format", vec!["scan", "--format", "xml"]),
        (
            "deploy to something that is not an OU",
            vec!["deploy", "--ous", "sales", "--regions", "eu-west-1"],
        ),
        (
            "deploy without built binaries",
            vec![
                "deploy",
                "--ous",
                "ou-abcd-12345678",
                "--regions",
                "eu-west-1",
                "--binaries",
                "/nonexistent",
            ],
        ),
        (
            "an IAM home region outside the target regions",
            vec![
                "deploy",
                "--ous",
                "ou-abcd-12345678",
                "--regions",
                "eu-west-1",
                "--iam-region",
                "us-east-1",
            ],
        ),
        (
            "package for an architecture without its Rust target",
            vec![
                "package",
                "--architecture",
                "arm64",
                "--out",
                "/nonexistent",
            ],
        ),
        (
            "destroy without regions",
            vec!["destroy", "--region", "eu-west-1"],
        ),
        (
            "lint-policy on a missing file",
            vec!["lint-policy", "/nonexistent/policy.json"],
        ),
        (
            "check-template on a missing file",
            vec!["check-template", "/nonexistent/stack.yaml"],
        ),
        (
            "check-template with a parameter without a value",
            vec![
                "check-template",
                "--param",
                "neptune-cluster-backup-retention",
                ".",
            ],
        ),
        (
            "check-template with a parameter of an unknown rule",
            vec![
                "check-template",
                "--param",
                "neptune-nothing.minimum=1",
                ".",
            ],
        ),
        (
            "check-template with a parameter of the wrong kind",
            vec![
                "check-template",
                "--param",
                "neptune-cluster-backup-retention.minimumBackupRetentionPeriod=many",
                ".",
            ],
        ),
    ]
}

/// One Markdown table cell: no pipes or newlines, code spans kept.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn render() -> String {
    let mut out = String::from(
        "# Bad input: what the user sees\n\n\
         Generated by `generator/tests/suite/bad_input.rs` from the real parsers and the real `gen` \
         binary (regenerate: `UPDATE_GOLDEN=1 cargo test -p generator --test suite bad_input::`). A \
         rule's Lambda answers a bad event or bad parameters with a Lambda error response \
         (`errorType` and `errorMessage` below); Config records the failure and retries, and \
         no evaluation is reported from a guess. The property tests \
         (`crates/core/tests/no_panic.rs`, `crates/policy/tests/no_panic.rs`) run the same \
         parsers on arbitrary bytes and JSON shapes.\n\n\
         ## Config events (`Invocation::parse`)\n\n| input | errorType: errorMessage |\n|---|---|\n",
    );
    for (what, event) in event_cases() {
        let seen = match Invocation::parse(event) {
            Ok(_) => "accepted".to_string(),
            Err(err) => format!("`{}`: {err}", err.error_type()),
        };
        out.push_str(&format!("| {what} | {} |\n", cell(&seen)));
    }
    out.push_str(
        "\n## Rule parameters (`ruleParameters` of neptune-dms-endpoint-iam-auth)\n\n\
         | input | errorType: errorMessage |\n|---|---|\n",
    );
    for (what, text) in parameter_cases() {
        let seen = match Params::parse(&neptune_dms_endpoint_iam_auth::SPEC, Some(text)) {
            Ok(params) => format!(
                "accepted: checkTargetCluster={}",
                params.flag("checkTargetCluster")
            ),
            Err(err) => format!("`{}`: {err}", err.error_type()),
        };
        out.push_str(&format!("| {what}: `{}` | {} |\n", cell(text), cell(&seen)));
    }
    out.push_str(
        "\n## Policy documents (`gen lint-policy`, rule neptune-fgac-policy-hygiene)\n\n\
         The rule reports a document it cannot read as NON_COMPLIANT with this text; \
         `gen lint-policy` names the file and exits 2.\n\n| input | what the user sees |\n|---|---|\n",
    );
    let context = Context {
        include_admin: false,
        attached_to_user: false,
    };
    for (what, text) in policy_cases() {
        let seen = match analyze_text(text, context) {
            Ok(analysis) if analysis.findings.is_empty() => "no finding".to_string(),
            Ok(analysis) => analysis
                .findings
                .iter()
                .map(|f| f.message())
                .collect::<Vec<_>>()
                .join("; "),
            Err(err) => err.to_string(),
        };
        out.push_str(&format!("| {what}: `{}` | {} |\n", cell(text), cell(&seen)));
    }
    out.push_str(
        "\n## Command lines (`gen`)\n\nExit status 2 in every case; nothing is changed.\n\n\
         | command | stderr (first line) |\n|---|---|\n",
    );
    for (what, args) in cli_cases() {
        let out_put = Command::new(env!("CARGO_BIN_EXE_gen"))
            .args(&args)
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "eu-west-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("gen runs");
        assert_eq!(out_put.status.code(), Some(2), "{what}: {args:?}");
        let stderr = String::from_utf8_lossy(&out_put.stderr);
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        // The first line; clap's "not provided:" lists the missing flag on the next one.
        let mut lines = stderr.lines().filter(|l| !l.trim().is_empty());
        let mut first = lines.next().unwrap_or("").to_string();
        if first.ends_with(':') {
            first = format!("{first} {}", lines.next().unwrap_or("").trim());
        }
        out.push_str(&format!(
            "| {what}: `gen {}` | {} |\n",
            cell(&args.join(" ")),
            cell(&first)
        ));
    }
    out
}

#[test]
fn bad_input_table_matches_docs() {
    let rendered = render();
    let path = workspace_root().join("docs/bad-input.md");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &rendered).expect("docs/bad-input.md is writable");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/bad-input.md is stale; regenerate it with \
         `UPDATE_GOLDEN=1 cargo test -p generator --test suite bad_input::` and review the diff:\n{rendered}"
    );
}
