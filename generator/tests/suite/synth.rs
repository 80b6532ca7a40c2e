//! `gen synth`: deterministic output equal to the golden copies in `cfn/`, templates clean
//! under cfn-lint and checkov, runbook steps true to botocore's service models, and the member
//! template deployed as a plain stack into the emulator.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use guardrails_testkit::*;
use serde_json::{json, Value};

const REGENERATE: &str = "scripts/regen";

fn synth(out: &Path, args: &[&str]) -> Output {
    let mut all = vec!["synth", "--out", out.to_str().expect("a UTF-8 path")];
    all.extend(args);
    run_gen(env!("CARGO_BIN_EXE_gen").as_ref(), None, &all)
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("directory readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(relative, std::fs::read(&path).expect("file readable"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn golden() -> PathBuf {
    workspace_root().join("cfn")
}

/// The CloudFormation templates among the golden files (runbooks are SSM documents).
fn templates() -> Vec<PathBuf> {
    files(&golden())
        .into_keys()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml") && !p.starts_with("runbooks"))
        .map(|p| golden().join(p))
        .collect()
}

#[test]
fn synth_is_deterministic_and_matches_the_golden_copies() {
    let (first, second) = (fresh_dir("first"), fresh_dir("second"));
    for dir in [&first, &second] {
        let out = synth(dir, &[]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let written = files(&first);
    assert_eq!(written, files(&second), "two runs differ");
    let expected = files(&golden());
    let names = |m: &BTreeMap<PathBuf, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&written),
        names(&expected),
        "file set differs from cfn/; run `{REGENERATE}`"
    );
    for (path, text) in &written {
        assert!(
            expected[path] == *text,
            "cfn/{} is stale; run `{REGENERATE}` and review the diff",
            path.display()
        );
    }
    assert!(written.len() >= 10, "{:?}", names(&written));
}

#[test]
fn options_change_the_defaults_only() {
    let dir = fresh_dir("options");
    let out = synth(
        &dir,
        &[
            "--regions",
            "eu-west-1,eu-central-1",
            "--ous",
            "ou-ab12-cdef3456",
            "--mode",
            "conformance-pack",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stackset = std::fs::read_to_string(dir.join("admin-stackset.yaml")).unwrap();
    assert!(
        stackset.contains("Default: eu-west-1,eu-central-1"),
        "{stackset}"
    );
    assert!(stackset.contains("Default: ou-ab12-cdef3456"), "{stackset}");
    assert!(stackset.contains("Default: conformance-pack"), "{stackset}");
    let member = std::fs::read_to_string(dir.join("member.yaml")).unwrap();
    // The IAM rule's home region defaults to the first target region.
    let iam_home = member.find("IamHomeRegion:\n").expect("parameter present");
    assert!(member[iam_home..]
        .lines()
        .any(|l| l.trim() == "Default: eu-west-1"));
    let bad = synth(&dir, &["--mode", "everywhere"]);
    assert_eq!(bad.status.code(), Some(2), "clap rejects an unknown mode");
}

#[test]
fn frequency_flags_set_each_periodic_rules_frequency_default() {
    let dir = fresh_dir("frequency");
    let out = synth(
        &dir,
        &[
            "--frequency",
            "Six_Hours",
            "--frequency",
            "neptune-sts-vpc-endpoint=One_Hour",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let member: Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("member.yaml")).unwrap()).unwrap();
    let default = |name: &str| member["Parameters"][name]["Default"].clone();
    assert_eq!(default("NeptuneStsVpcEndpointFrequency"), "One_Hour");
    assert_eq!(default("NeptuneClusterIamAuthFrequency"), "Six_Hours");
    assert_eq!(default("NeptuneFgacPolicyHygieneFrequency"), "Six_Hours");
    // Both delivery modes take the frequency from the parameter: the stackset-mode rule and
    // the conformance pack's rule (passed in as an input parameter).
    let rule = &member["Resources"]["NeptuneStsVpcEndpointConfigRule"]["Properties"];
    let scheduled = rule["Source"]["SourceDetails"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["MessageType"] == "ScheduledNotification")
        .unwrap();
    assert_eq!(
        scheduled["MaximumExecutionFrequency"],
        json!({"Ref": "NeptuneStsVpcEndpointFrequency"})
    );
    let pack = &member["Resources"]["RegionalConformancePack"]["Properties"];
    assert!(
        pack["ConformancePackInputParameters"].as_array().unwrap().contains(&json!({"ParameterName": "NeptuneStsVpcEndpointFrequency", "ParameterValue": {"Ref": "NeptuneStsVpcEndpointFrequency"}})),
        "{pack}"
    );
    let stackset = std::fs::read_to_string(dir.join("admin-stackset.yaml")).unwrap();
    assert!(
        stackset.contains("NeptuneStsVpcEndpointFrequency"),
        "the StackSet forwards it"
    );

    for (bad, says) in [
        ("Hourly", "is not a Config frequency"),
        ("nope=One_Hour", "no rule has the id nope"),
    ] {
        let out = synth(&dir, &["--frequency", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{bad}");
    }
}

#[test]
fn templates_have_no_cfn_lint_findings() {
    let templates = templates();
    assert_eq!(templates.len(), 5, "{templates:?}");
    let out = Command::new(workspace_root().join(".venv/bin/cfn-lint"))
        .args(&templates)
        .output()
        .expect("cfn-lint runs (scripts/setup installs it)");
    assert!(
        out.status.success(),
        "cfn-lint findings:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn checkov_fails_nothing_and_every_skip_says_why() {
    let out = Command::new(workspace_root().join(".venv-checkov/bin/checkov"))
        .args([
            "--framework",
            "cloudformation",
            "--skip-download",
            "--output",
            "json",
            "--directory",
        ])
        .arg(golden())
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("CHECKOV_NO_OUTPUT_COLOR", "1")
        .output()
        .expect("checkov runs (scripts/setup installs it)");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "checkov JSON: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let summary = &report["summary"];
    assert_eq!(
        summary["failed"],
        0,
        "{}",
        serde_json::to_string_pretty(&report["results"]["failed_checks"]).unwrap()
    );
    assert!(summary["passed"].as_u64().unwrap() > 50, "{summary}");
    let skipped = report["results"]["skipped_checks"].as_array().unwrap();
    assert!(!skipped.is_empty());
    for check in skipped {
        let reason = check["check_result"]["suppress_comment"]
            .as_str()
            .unwrap_or_default();
        assert!(reason.len() > 20, "checkov skip without a reason: {check}");
    }
}

#[test]
fn runbook_api_steps_exist_in_the_botocore_models() {
    let runbooks: Vec<PathBuf> = files(&golden().join("runbooks"))
        .into_keys()
        .map(|p| golden().join("runbooks").join(p))
        .collect();
    assert_eq!(
        runbooks.len(),
        own_runbooks(env!("CARGO_BIN_EXE_gen").as_ref()).len()
    );
    let out = Command::new(python())
        .arg(workspace_root().join("tests/cfn/check_runbooks.py"))
        .args(&runbooks)
        .output()
        .expect("check_runbooks.py runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert!(out.status.success(), "{report:#}");
    assert_eq!(report["problems"].as_array().unwrap().len(), 0);
    assert!(report["steps"].as_u64().unwrap() >= 15, "{report}");
}

/// What `gen deploy` overrides where an account and region has a recorder: its own rules,
/// then (in their own update) the AWS managed rules.
const READY: &str = "ConfigRecorderReady=true";
const MANAGED_READY: &str = "ManagedRulesReady=true";

/// Deploys cfn/member.yaml as a plain stack (what the StackSet does in one account and
/// region), reports what it made, deletes it; `recorder` gives the account an AWS Config
/// recorder first.
fn deploy_member(region: &str, parameters: &[&str], recorder: bool) -> Value {
    deploy_template(&golden().join("member.yaml"), region, parameters, recorder)
}

/// [`deploy_member`] with another member template.
fn deploy_template(template: &Path, region: &str, parameters: &[&str], recorder: bool) -> Value {
    let emulator = Emulator::start();
    let mut command = Command::new(python());
    command
        .arg(workspace_root().join("tests/cfn/deploy_member.py"))
        .args([
            "--endpoint-url",
            &emulator.url,
            "--region",
            region,
            "--template",
        ])
        .arg(template);
    for parameter in parameters {
        command.args(["--parameter", parameter]);
    }
    if recorder {
        command.arg("--recorder");
    }
    let out = command.output().expect("deploy_member.py runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// How many AWS managed rules a deployment report shows.
fn owned_by_aws_rules(report: &Value) -> usize {
    report["rules"]
        .as_object()
        .unwrap()
        .values()
        .filter(|rule| rule["owner"] == "AWS")
        .count()
}

fn keys(value: &Value) -> Vec<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

/// The AWS managed rules go where AWS offers them (emulator gap 21): in Milan, which offers no
/// Neptune managed rule, the member stack still completes with our Lambda rules only; in
/// Malaysia with the two offered there. A blank optional parameter is left out of the managed
/// rule, a given one passed. Without the region conditions the Milan stack rolls back, as on
/// AWS.
#[test]
fn managed_rules_are_deployed_only_where_aws_offers_them_and_never_blank() {
    let specs = rules(env!("CARGO_BIN_EXE_gen").as_ref());
    let managed_in = |region: &str| -> Vec<String> {
        let mut ids: Vec<String> = specs
            .iter()
            .filter(|r| {
                r["delivery"]["unavailable_in"]
                    .as_array()
                    .is_some_and(|out| !out.iter().any(|o| o == region))
            })
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let lambdas = lambda_ids(env!("CARGO_BIN_EXE_gen").as_ref());
    let owned_by_aws = |report: &Value| -> Vec<String> {
        report["rules"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, rule)| rule["owner"] == "AWS")
            .map(|(name, _)| name.clone())
            .collect()
    };
    for (region, expected) in [("eu-south-1", 0), ("ap-southeast-5", 3), ("us-east-1", 9)] {
        let home = format!("IamHomeRegion={region}");
        let report = deploy_member(region, &[READY, MANAGED_READY, &home], true);
        assert_eq!(
            report["status"]["neptune-guardrails-member"], "CREATE_COMPLETE",
            "{region}: {report:#}"
        );
        assert_eq!(owned_by_aws(&report), managed_in(region), "{region}");
        assert_eq!(managed_in(region).len(), expected, "{region}");
        let custom = keys(&report["rules"]).len() - expected;
        assert_eq!(custom, lambdas.len(), "{region}");
    }
    let key = "arn:aws:kms:us-east-1:123456789012:key/one";
    let keyed = deploy_member(
        "us-east-1",
        &[
            READY,
            MANAGED_READY,
            &format!("NeptuneClusterEncryptedKmsKeyArns={key}"),
        ],
        true,
    );
    let blank = deploy_member("us-east-1", &[READY, MANAGED_READY], true);
    let encrypted =
        |report: &Value| report["rules"]["neptune-cluster-encrypted"]["parameters"].clone();
    assert_eq!(encrypted(&keyed), serde_json::json!({"KmsKeyArns": key}));
    assert_eq!(encrypted(&blank), serde_json::json!({}));
    assert_eq!(
        blank["rules"]["neptune-cluster-backup-retention"]["parameters"],
        serde_json::json!({"minimumBackupRetentionPeriod": "7"})
    );

    // What the conditions prevent: every managed rule offered everywhere fails in Milan.
    let template = std::fs::read_to_string(golden().join("member.yaml")).unwrap();
    let mut parsed: serde_yaml::Value = serde_yaml::from_str(&template).unwrap();
    for (name, condition) in parsed["Conditions"].as_mapping_mut().unwrap().iter_mut() {
        if name.as_str().unwrap().ends_with("Offered") {
            *condition = serde_yaml::from_str("{'Fn::Equals': ['a', 'a']}").unwrap();
        }
    }
    let everywhere =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("member-managed-everywhere.yaml");
    std::fs::write(&everywhere, serde_yaml::to_string(&parsed).unwrap()).unwrap();
    let refused = deploy_template(
        &everywhere,
        "eu-south-1",
        &[READY, MANAGED_READY, "IamHomeRegion=eu-south-1"],
        true,
    );
    assert_eq!(
        refused["status"]["neptune-guardrails-member"], "ROLLBACK_COMPLETE",
        "{refused:#}"
    );
    assert!(
        refused["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("sourceIdentifier"),
        "{refused:#}"
    );
}

/// Each managed rule's identifier, resource type, trigger, parameters and regions are AWS's:
/// checked against the copy of the AWS Config Developer Guide's managed rule list that moto
/// packages (tests/cfn/check_managed_rules.py).
/// A rule parameter outside its source's bounds is refused by the template itself (emulator
/// gap 23: CloudFormation checks every parameter's constraints before it makes anything),
/// not by AWS Config after the Lambdas exist: `minimumBackupRetentionPeriod` takes 1 to 35
/// (the managed rule's page).
#[test]
fn rule_parameters_outside_their_bounds_are_refused_by_the_stack() {
    for refused in ["0", "36", "7.5", "seven"] {
        let report = deploy_member(
            "us-east-1",
            &[
                READY,
                MANAGED_READY,
                &format!("NeptuneClusterBackupRetentionMinimumBackupRetentionPeriod={refused}"),
            ],
            true,
        );
        assert_eq!(
            report["refused"],
            "Parameter 'NeptuneClusterBackupRetentionMinimumBackupRetentionPeriod' failed to satisfy constraint: a whole number from 1 to 35",
            "{refused}: {report:#}"
        );
    }
    for taken in ["1", "35"] {
        let report = deploy_member(
            "us-east-1",
            &[
                READY,
                MANAGED_READY,
                &format!("NeptuneClusterBackupRetentionMinimumBackupRetentionPeriod={taken}"),
            ],
            true,
        );
        assert_eq!(
            report["rules"]["neptune-cluster-backup-retention"]["parameters"],
            serde_json::json!({"minimumBackupRetentionPeriod": taken}),
            "{taken}: {report:#}"
        );
    }
}

/// `--leave-to-security-hub` (LeaveToSecurityHub=true): none of the managed rules Security
/// Hub's FSBP controls already run is created; our Lambda rules, the managed rules no control
/// runs and every runbook stay.
#[test]
fn leaving_the_posture_controls_to_security_hub_creates_no_managed_rule() {
    let specs = rules(env!("CARGO_BIN_EXE_gen").as_ref());
    let kept: Vec<String> = specs
        .iter()
        .filter(|s| s["security_hub_runs_it"] == false)
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert!(kept.contains(&"neptune-cluster-snapshot-iam-auth".to_string()));
    let report = deploy_member(
        "us-east-1",
        &[READY, MANAGED_READY, "LeaveToSecurityHub=true"],
        true,
    );
    assert_eq!(
        report["status"]["neptune-guardrails-member"], "CREATE_COMPLETE",
        "{report:#}"
    );
    let mut made = keys(&report["rules"]);
    made.sort();
    let mut expected = kept;
    expected.sort();
    assert_eq!(
        made, expected,
        "our Lambda rules and the managed rules no control runs"
    );
    assert!(report["documents"]
        .as_object()
        .unwrap()
        .contains_key("NeptuneGuardrails-MakeSnapshotPrivate"));
}

/// AWS Config's resource id for a cluster snapshot is documented nowhere as either its
/// identifier or its ARN: each snapshot runbook's first step takes both and gives the
/// identifier (run here with Python, as SSM's aws:executeScript runs it), and refuses an ARN
/// of anything else.
#[test]
fn snapshot_runbooks_take_an_identifier_or_an_arn() {
    let probe = r#"
import json, sys
namespace = {}
exec(sys.stdin.read(), namespace)
out = {}
for case in ["graph-manual", "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:graph-manual",
             "arn:aws-cn:rds:cn-north-1:123456789012:cluster-snapshot:rds:graph-2026-12-01-03-10",
             "arn:aws:rds:eu-west-1:123456789012:snapshot:instance-one"]:
    try:
        out[case] = namespace["handler"]({"Snapshot": case}, None)
    except Exception as error:
        out[case] = {"error": str(error)}
print(json.dumps(out))
"#;
    for runbook in [
        "NeptuneGuardrails-MakeSnapshotPrivate",
        "NeptuneGuardrails-EncryptSnapshotCopy",
    ] {
        let text =
            std::fs::read_to_string(golden().join(format!("runbooks/{runbook}.yaml"))).unwrap();
        let document: Value = serde_yaml::from_str(&text).unwrap();
        let first = &document["mainSteps"][0];
        assert_eq!(first["name"], "ResolveSnapshot", "{runbook}");
        let mut child = Command::new(python())
            .args(["-c", probe])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python runs");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(first["inputs"]["Script"].as_str().unwrap().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let results: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let identifier = |case: &str| results[case]["Identifier"].clone();
        assert_eq!(identifier("graph-manual"), "graph-manual");
        assert_eq!(
            identifier("arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:graph-manual"),
            "graph-manual"
        );
        assert_eq!(
            identifier("arn:aws-cn:rds:cn-north-1:123456789012:cluster-snapshot:rds:graph-2026-12-01-03-10"),
            "rds:graph-2026-12-01-03-10"
        );
        assert!(
            results["arn:aws:rds:eu-west-1:123456789012:snapshot:instance-one"]["error"]
                .as_str()
                .is_some_and(|e| e.contains("is not the ARN of a DB cluster snapshot"))
        );
        // Every later step names the snapshot by the resolved identifier.
        assert!(!text.contains("DBClusterSnapshotIdentifier: '{{DbClusterSnapshotIdentifier}}'"));
    }
}

#[test]
fn managed_rule_declarations_match_aws_managed_rule_list() {
    let out = Command::new(python())
        .arg(workspace_root().join("tests/cfn/check_managed_rules.py"))
        .arg(env!("CARGO_BIN_EXE_gen"))
        .output()
        .expect("check_managed_rules.py runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert!(out.status.success(), "{report:#}");
    assert_eq!(report["checked"], 9, "{report}");
}

#[test]
fn member_template_deploys_rules_runbooks_and_least_privilege_roles() {
    let specs = rules(env!("CARGO_BIN_EXE_gen").as_ref());
    let text = |v: &Value| v.as_str().unwrap().to_string();
    // In the IAM home region (us-east-1 by default), with a recorder, every rule; the STS
    // rule's scheduled runs hourly, the others' at their declared frequency.
    let ready = [
        READY,
        MANAGED_READY,
        "NeptuneStsVpcEndpointFrequency=One_Hour",
    ];
    let home = deploy_member("us-east-1", &ready, true);
    assert_eq!(
        home["status"]["neptune-guardrails-member"],
        "CREATE_COMPLETE"
    );
    let mut ids: Vec<String> = specs.iter().map(|s| text(&s["id"])).collect();
    ids.sort();
    assert_eq!(keys(&home["rules"]), ids);
    let mut lambdas = lambda_ids(env!("CARGO_BIN_EXE_gen").as_ref());
    lambdas.sort();
    assert_eq!(keys(&home["functions"]), lambdas);
    let mut runbooks = own_runbooks(env!("CARGO_BIN_EXE_gen").as_ref());
    runbooks.sort();
    assert_eq!(keys(&home["documents"]), runbooks);
    for spec in specs.iter().filter(|s| s["delivery"]["lambda"].is_string()) {
        let id = text(&spec["id"]);
        let rule = &home["rules"][&id];
        assert_eq!(rule["owner"], "CUSTOM_LAMBDA");
        assert_eq!(
            rule["function"],
            format!("arn:aws:lambda:us-east-1:123456789012:function:{id}")
        );
        assert_eq!(rule["resource_types"], spec["resource_types"]);
        for p in spec["parameters"].as_array().unwrap() {
            assert_eq!(rule["parameters"][text(&p["name"])], p["default"], "{id}");
        }
        let scheduled = rule["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "ScheduledNotification");
        let frequency = match (scheduled, id.as_str()) {
            (false, _) => json!([]),
            (true, "neptune-sts-vpc-endpoint") => json!(["One_Hour"]),
            (true, _) => json!(["TwentyFour_Hours"]),
        };
        assert_eq!(rule["frequencies"], frequency, "{id}");
        let function = &home["functions"][&id];
        assert_eq!(function["runtime"], "provided.al2023");
        assert_eq!(function["handler"], "bootstrap");
        // The rule's role grants exactly its declared reads plus its own log writes.
        let role = function["role"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap();
        let mut granted: Vec<String> = spec["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(text)
            .collect();
        granted.extend([
            "logs:CreateLogStream".to_string(),
            "logs:PutLogEvents".to_string(),
        ]);
        granted.sort();
        assert_eq!(home["roles"][role], serde_json::json!(granted), "{id}");
        // The runbook's role may make each API call of the runbook.
        let runbook = text(&spec["runbook"]);
        let document = &home["documents"][&runbook];
        assert_eq!(document["type"], "Automation");
        assert_eq!(document["content"]["schemaVersion"], "0.3");
        let remediation_role = format!("{runbook}-us-east-1");
        let allowed = home["roles"][&remediation_role]
            .as_array()
            .expect("remediation role");
        for step in document["content"]["mainSteps"].as_array().unwrap() {
            if let (Some(service), Some(api)) = (
                step["inputs"]["Service"].as_str(),
                step["inputs"]["Api"].as_str(),
            ) {
                let prefix = if service == "neptune" { "rds" } else { service };
                assert!(
                    allowed.contains(&Value::from(format!("{prefix}:{api}"))),
                    "{remediation_role} lacks {prefix}:{api}"
                );
            }
        }
        assert!(
            allowed.iter().all(|a| !a.as_str().unwrap().ends_with('*')),
            "{allowed:?}"
        );
    }
    let nothing = serde_json::json!({"documents": [], "functions": [], "roles": [], "rules": []});
    assert_eq!(home["left_after_delete"], nothing);

    // Elsewhere the IAM rule and its runbook stay in the IAM home region.
    let other = deploy_member("eu-west-1", &ready, true);
    let mut regional: Vec<String> = specs
        .iter()
        .filter(|s| s["global"] == false)
        .map(|s| text(&s["id"]))
        .collect();
    regional.sort();
    assert_eq!(keys(&other["rules"]), regional);
    let ours = |s: &&Value| s["global"] == false && s["delivery"]["lambda"].is_string();
    let mut regional_lambdas: Vec<String> =
        specs.iter().filter(ours).map(|s| text(&s["id"])).collect();
    regional_lambdas.sort();
    assert_eq!(keys(&other["functions"]), regional_lambdas);
    let regional_runbooks = specs
        .iter()
        .filter(|s| s["global"] == false && text(&s["runbook"]).starts_with("NeptuneGuardrails-"))
        .count();
    assert_eq!(keys(&other["documents"]).len(), regional_runbooks);

    // Conformance-pack delivery: the member stack's two account packs make the same rules over
    // the member's Lambdas (the emulator's PutConfigRule requires them to exist).
    let packed = deploy_member(
        "us-east-1",
        &[
            "RulesDelivery=conformance-pack",
            READY,
            MANAGED_READY,
            "NeptuneStsVpcEndpointFrequency=One_Hour",
        ],
        true,
    );
    assert_eq!(
        packed["status"]["neptune-guardrails-member"], "CREATE_COMPLETE",
        "{packed:#}"
    );
    assert_eq!(
        packed["resources"]["RegionalConformancePack"]["type"],
        "AWS::Config::ConformancePack"
    );
    // The same rules as stackset delivery, but service-linked rules of the packs.
    let without_creator = |report: &Value| {
        let mut rules = report["rules"].clone();
        for rule in rules.as_object_mut().unwrap().values_mut() {
            rule.as_object_mut().unwrap().remove("created_by");
        }
        rules
    };
    assert_eq!(
        without_creator(&packed),
        without_creator(&home),
        "the packs make the same rules as stackset delivery"
    );
    assert!(packed["rules"]
        .as_object()
        .unwrap()
        .values()
        .all(|rule| rule["created_by"] == "config-conforms.amazonaws.com"));
    // The AWS managed rules too come from the pack (one compliance score for the whole
    // posture): the stack itself holds no Config rule.
    let own_rules: Vec<&String> = packed["resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["type"] == "AWS::Config::ConfigRule")
        .map(|(name, _)| name)
        .collect();
    assert!(own_rules.is_empty(), "{own_rules:?}");
    assert!(owned_by_aws_rules(&packed) > 0);
    assert_eq!(packed["left_after_delete"], nothing);
}

#[test]
fn member_template_keeps_lambdas_and_runbooks_where_config_has_no_recorder() {
    // As the StackSet passes it (ConfigRecorderReady=false), in an account without a
    // recorder: Lambdas and runbooks, no rule, no pack, in both deliveries.
    for delivery in ["stackset", "conformance-pack"] {
        let delivery = format!("RulesDelivery={delivery}");
        let bare = deploy_member("us-east-1", &[&delivery], false);
        assert_eq!(
            bare["status"]["neptune-guardrails-member"], "CREATE_COMPLETE",
            "{bare:#}"
        );
        assert_eq!(keys(&bare["rules"]), Vec::<String>::new());
        let gen = env!("CARGO_BIN_EXE_gen").as_ref();
        assert_eq!(keys(&bare["functions"]).len(), lambda_ids(gen).len());
        assert_eq!(keys(&bare["documents"]).len(), own_runbooks(gen).len());
        // What the condition prevents: rules without a recorder fail and roll the stack back.
        let forced = deploy_member("us-east-1", &[&delivery, READY, MANAGED_READY], false);
        assert_eq!(
            forced["status"]["neptune-guardrails-member"], "ROLLBACK_COMPLETE",
            "{forced:#}"
        );
        assert!(
            forced["reason"]
                .as_str()
                .unwrap_or_default()
                .contains("NoAvailableConfigurationRecorder"),
            "{forced:#}"
        );
        assert_eq!(
            keys(&forced["functions"]),
            Vec::<String>::new(),
            "the rollback takes the Lambdas with it"
        );
    }
}

/// The DMS runbook's first step, run from the shipped YAML against the emulator: it finds the
/// endpoint by identifier or ARN, and stops without a change where no DMS change helps (IAM
/// authorization already on, no Neptune settings, not Neptune).
#[test]
fn dms_runbook_resolves_the_endpoint_and_stops_when_no_dms_change_helps() {
    let emulator = Emulator::start();
    let out = Command::new(python())
        .arg(workspace_root().join("tests/cfn/run_dms_runbook_script.py"))
        .args([
            "--endpoint-url",
            &emulator.url,
            "--region",
            "eu-west-1",
            "--runbook",
        ])
        .arg(golden().join("runbooks/NeptuneGuardrails-EnableDmsEndpointIamAuth.yaml"))
        .output()
        .expect("run_dms_runbook_script.py runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for how in ["id", "arn"] {
        let ok = &results[format!("iam-off by {how}")]["ok"];
        assert_eq!(ok["EndpointArn"], results["arns"]["iam-off"], "{results:#}");
        assert_eq!(ok["S3BucketName"], "staging");
        let error = |case: &str| {
            results[format!("{case} by {how}")]["error"]
                .as_str()
                .unwrap_or_else(|| panic!("{case} by {how} must stop: {results:#}"))
                .to_string()
        };
        assert!(
            error("iam-on").contains("already has IamAuthEnabled=true; nothing was changed")
                && error("iam-on").contains("NeptuneGuardrails-EnableClusterIamAuth"),
            "{results:#}"
        );
        assert!(error("no-settings").contains("no Neptune settings"));
        assert!(error("postgres").contains("not Neptune"));
    }
}
