//! One rule, three places: the same clusters and DMS endpoints, declared in a CloudFormation
//! template (`gen check-template`), created in the emulated account (`gen scan`) and judged
//! by the rule's own Lambda binary through the Runtime API (our Lambda rules; AWS runs the
//! managed ones), get the same verdict with the same words. Properties a case leaves out are
//! left out in the template and in the API call alike, so AWS's defaults are held to the
//! ones the template path assumes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use guardrails_testkit::*;
use serde_json::{json, Value};

const REGION: &str = "ap-northeast-3";
const KEY: &str = "arn:aws:kms:ap-northeast-3:123456789012:key/three-paths";
const ROLE: &str = "arn:aws:iam::123456789012:role/dms-neptune-access";

/// The rules compared: every rule whose template verdict these resources decide (network
/// exposure needs a VPC in both places, which this world does not build).
const RULES: [&str; 8] = [
    "neptune-cluster-iam-auth",
    "neptune-cluster-encrypted",
    "neptune-cluster-audit-logs",
    "neptune-cluster-deletion-protection",
    "neptune-cluster-backup-retention",
    "neptune-cluster-copy-tags-to-snapshots",
    "neptune-cluster-multi-az",
    "neptune-dms-endpoint-iam-auth",
];

/// A cluster's settings; `None` is left out in both the template and CreateDBCluster.
struct Case {
    name: &'static str,
    iam: Option<bool>,
    encrypted: Option<bool>,
    deletion_protection: Option<bool>,
    backup_days: Option<i64>,
    copy_tags: Option<bool>,
    logs: Option<&'static [&'static str]>,
    /// One instance per zone suffix (`a` → `ap-northeast-3a`).
    zones: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "bare",
        iam: None,
        encrypted: None,
        deletion_protection: None,
        backup_days: None,
        copy_tags: None,
        logs: None,
        zones: &["a"],
    },
    Case {
        name: "hardened",
        iam: Some(true),
        encrypted: Some(true),
        deletion_protection: Some(true),
        backup_days: Some(14),
        copy_tags: Some(true),
        logs: Some(&["audit", "slowquery"]),
        zones: &["a", "b"],
    },
    Case {
        name: "mixeda",
        iam: Some(true),
        encrypted: Some(false),
        deletion_protection: Some(true),
        backup_days: Some(3),
        copy_tags: Some(false),
        logs: Some(&["audit"]),
        zones: &["a", "a"],
    },
    Case {
        name: "mixedb",
        iam: Some(false),
        encrypted: Some(true),
        deletion_protection: Some(false),
        backup_days: Some(7),
        copy_tags: Some(true),
        logs: Some(&["slowquery"]),
        zones: &["b", "c"],
    },
];

/// `(endpoint, target cluster, IamAuthEnabled)`.
const ENDPOINTS: &[(&str, &str, bool)] = &[
    ("loadhardened", "hardened", true),
    ("loadmixedb", "mixedb", true),
    ("loadunsigned", "hardened", false),
];

/// The case's properties under CloudFormation's names, which are CreateDBCluster's but for
/// IAM auth; the encrypted ones name a key so each path names the same one.
fn properties(case: &Case) -> serde_json::Map<String, Value> {
    let mut p = serde_json::Map::new();
    p.insert("DBClusterIdentifier".into(), json!(case.name));
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            p.insert(key.into(), value);
        }
    };
    put("IamAuthEnabled", case.iam.map(Value::from));
    put("StorageEncrypted", case.encrypted.map(Value::from));
    put(
        "KmsKeyId",
        case.encrypted.filter(|e| *e).map(|_| json!(KEY)),
    );
    put(
        "DeletionProtection",
        case.deletion_protection.map(Value::from),
    );
    put("BackupRetentionPeriod", case.backup_days.map(Value::from));
    put("CopyTagsToSnapshot", case.copy_tags.map(Value::from));
    put("EnableCloudwatchLogsExports", case.logs.map(|l| json!(l)));
    p
}

fn zone(suffix: &str) -> String {
    format!("{REGION}{suffix}")
}

fn template() -> Value {
    let mut resources = serde_json::Map::new();
    for case in CASES {
        resources.insert(
            case.name.into(),
            json!({"Type": "AWS::Neptune::DBCluster", "Properties": properties(case)}),
        );
        for (i, suffix) in case.zones.iter().enumerate() {
            resources.insert(
                format!("{}Instance{i}", case.name),
                json!({"Type": "AWS::Neptune::DBInstance", "Properties": {
                    "DBClusterIdentifier": {"Ref": case.name},
                    "DBInstanceClass": "db.r6g.large",
                    "AvailabilityZone": zone(suffix),
                }}),
            );
        }
    }
    for (name, target, iam) in ENDPOINTS {
        resources.insert((*name).into(), json!({"Type": "AWS::DMS::Endpoint", "Properties": {
            "EndpointIdentifier": name,
            "EndpointType": "target",
            "EngineName": "neptune",
            "ServerName": {"Fn::GetAtt": [target, "Endpoint"]},
            "Port": 8182,
            "NeptuneSettings": {"IamAuthEnabled": iam, "ServiceAccessRoleArn": ROLE, "S3BucketName": "staging", "S3BucketFolder": "load"},
        }}));
    }
    json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})
}

/// The same resources, created in the emulated account.
fn create(emulator: &Emulator) {
    let mut endpoints = BTreeMap::new();
    for case in CASES {
        let mut params = properties(case);
        params.insert("Engine".into(), json!("neptune"));
        if let Some(iam) = params.remove("IamAuthEnabled") {
            params.insert("EnableIAMDatabaseAuthentication".into(), iam);
        }
        let made = emulator.call(
            REGION,
            None,
            "neptune",
            "create_db_cluster",
            Value::Object(params),
        );
        endpoints.insert(
            case.name,
            made["DBCluster"]["Endpoint"].as_str().unwrap().to_string(),
        );
        for (i, suffix) in case.zones.iter().enumerate() {
            emulator.call(
                REGION,
                None,
                "neptune",
                "create_db_instance",
                json!({
                    "DBInstanceIdentifier": format!("{}-{i}", case.name),
                    "DBInstanceClass": "db.r6g.large",
                    "Engine": "neptune",
                    "DBClusterIdentifier": case.name,
                    "AvailabilityZone": zone(suffix),
                }),
            );
        }
    }
    for (name, target, iam) in ENDPOINTS {
        emulator.call(REGION, None, "dms", "create_endpoint", json!({
            "EndpointIdentifier": name,
            "EndpointType": "target",
            "EngineName": "neptune",
            "ServerName": endpoints[target],
            "Port": 8182,
            "NeptuneSettings": {"IamAuthEnabled": iam, "ServiceAccessRoleArn": ROLE, "S3BucketName": "staging", "S3BucketFolder": "load"},
        }));
    }
}

/// `(rule, name) → (compliance, annotation)`.
type Verdicts = BTreeMap<(String, String), (String, String)>;

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

/// A rule's Lambda binary, built beside `gen` by the workspace's `cargo test`.
fn lambda_binary(rule: &str) -> PathBuf {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_gen")).with_file_name(rule);
    assert!(
        binary.exists(),
        "{} is missing: run the workspace's tests (scripts/test)",
        binary.display()
    );
    binary
}

#[test]
fn a_template_a_scan_and_the_lambda_give_the_same_verdicts() {
    let dir = fresh_dir("three-paths");
    let file = dir.join("stack.json");
    std::fs::write(&file, serde_json::to_string_pretty(&template()).unwrap()).unwrap();
    let checked = run_gen(
        env!("CARGO_BIN_EXE_gen").as_ref(),
        None,
        &["check-template", "--format", "json", file.to_str().unwrap()],
    );
    let rows: Vec<Value> = serde_json::from_slice(&checked.stdout).expect("check-template JSON");
    let templated: Verdicts = rows
        .iter()
        .filter(|r| RULES.contains(&r["rule"].as_str().unwrap()))
        .map(|r| {
            (
                (text(&r["rule"]), text(&r["resource_id"])),
                (text(&r["compliance"]), text(&r["annotation"])),
            )
        })
        .collect();
    let judged: std::collections::BTreeSet<&str> =
        templated.keys().map(|(rule, _)| rule.as_str()).collect();
    assert_eq!(
        judged.len(),
        RULES.len(),
        "every rule compared judged the template: {judged:?}"
    );
    assert!(
        templated.values().all(|(c, _)| c != "NOT_APPLICABLE"),
        "every setting is known before deploy: {templated:#?}"
    );
    let rules = RULES.map(str::to_string);

    let emulator = Emulator::shared();
    create(emulator);
    let scan = run_gen(
        env!("CARGO_BIN_EXE_gen").as_ref(),
        Some((emulator, REGION)),
        &["scan", "--format", "json", "--rules", &rules.join(",")],
    );
    let rows: Vec<Value> = serde_json::from_slice(&scan.stdout)
        .unwrap_or_else(|_| panic!("scan JSON: {}", String::from_utf8_lossy(&scan.stderr)));
    let names: BTreeMap<String, String> = rows
        .iter()
        .map(|r| (text(&r["resource_id"]), text(&r["resource_name"])))
        .collect();
    let scanned: Verdicts = rows
        .iter()
        .map(|r| {
            (
                (text(&r["rule"]), text(&r["resource_name"])),
                (text(&r["compliance"]), text(&r["annotation"])),
            )
        })
        .collect();
    assert_eq!(scanned, templated, "gen scan and gen check-template");

    for rule in ["neptune-cluster-iam-auth", "neptune-dms-endpoint-iam-auth"] {
        let token = format!("three-paths-{rule}");
        let run = run_lambda(
            &lambda_binary(rule),
            emulator,
            REGION,
            vec![(&token, scheduled_event(rule, &token))],
        );
        let judged: Verdicts = run
            .evaluation_logs()
            .iter()
            .map(|log| {
                (
                    (rule.to_string(), names[&text(&log["resource_id"])].clone()),
                    (text(&log["compliance"]), text(&log["annotation"])),
                )
            })
            .collect();
        let expected: Verdicts = templated
            .iter()
            .filter(|((r, _), _)| r == rule)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(
            judged, expected,
            "{rule}: its Lambda and gen check-template"
        );
    }
}
