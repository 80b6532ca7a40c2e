//! `gen scan` against the emulator: same verdicts as the rules' scheduled evaluation, in
//! the JSON shape of docs/contract.md.

use std::process::{Command, Output};

use guardrails_testkit::*;
use serde_json::Value;

const REGION: &str = "eu-west-1";

fn gen(emulator: &Emulator, args: &[&str]) -> Output {
    run_gen(
        env!("CARGO_BIN_EXE_gen").as_ref(),
        Some((emulator, REGION)),
        args,
    )
}

/// `gen scan --format json` with `args`, which must evaluate every rule; its rows. The exit
/// status must be 1 exactly when a row is NON_COMPLIANT, and stderr must hold the summary.
fn scan_json(emulator: &Emulator, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["scan", "--format", "json"];
    all.extend(args);
    let out = gen(emulator, &all);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("one JSON array");
    let non_compliant = rows.iter().any(|r| r["compliance"] == "NON_COMPLIANT");
    assert_eq!(
        out.status.code(),
        Some(i32::from(non_compliant)),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("gen scan: {} evaluations: ", rows.len())),
        "{stderr}"
    );
    rows
}

#[test]
fn json_output_gives_every_seeded_resource_its_design_verdict() {
    let emulator = Emulator::shared();
    let world = emulator.seed(REGION, "estate");
    // IAM is global: seeded once for this emulator, and evaluated in any region.
    let iam = emulator.seed(REGION, "iam");
    // The rules this world is about; the posture controls have a world of their own.
    let rules = "neptune-dms-endpoint-iam-auth,neptune-cluster-iam-auth,\
                 neptune-fgac-policy-hygiene,neptune-sts-vpc-endpoint";
    let rows = scan_json(
        emulator,
        &[
            "--region",
            REGION,
            "--endpoint-url",
            &emulator.url,
            "--rules",
            rules,
        ],
    );
    for row in &rows {
        assert_eq!(row["evaluated"], true, "{row}");
        let keys: Vec<_> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "account",
                "annotation",
                "codes",
                "compliance",
                "evaluated",
                "region",
                "resource_arn",
                "resource_id",
                "resource_name",
                "resource_type",
                "rule",
                "severity"
            ]
        );
    }
    // The contract's key table lists exactly these keys, plus the two that only an option
    // adds (`--baseline`, `--waivers`).
    let contract = std::fs::read_to_string(workspace_root().join("docs/contract.md")).unwrap();
    let table = contract
        .split("`--format json` prints one JSON array of objects with these keys:")
        .nth(1)
        .expect("the contract's JSON key table");
    let mut documented: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split('`').nth(1))
        .filter(|key| !["new", "waiver"].contains(key))
        .collect();
    documented.sort();
    let mut keys: Vec<&str> = rows[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(documented, keys, "docs/contract.md's JSON key table");
    let fgac: Vec<&Value> = rows
        .iter()
        .filter(|r| {
            r["annotation"]
                .as_str()
                .unwrap_or_default()
                .contains("FGAC")
        })
        .collect();
    assert!(!fgac.is_empty());
    for row in fgac {
        let codes = row["codes"].as_array().unwrap();
        assert!(
            !codes.is_empty() && codes.iter().all(|c| c["title"].is_string()),
            "{row}"
        );
    }
    let name_of = |id: &str| {
        let name = world.name_of(id);
        if name == id {
            iam.name_of(id)
        } else {
            name
        }
    };
    let mut got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_string(),
                name_of(r["resource_id"].as_str().unwrap()),
                r["compliance"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    // Every row names its resource as people know it, and gives its ARN.
    for row in &rows {
        let id = row["resource_id"].as_str().unwrap();
        assert_eq!(row["resource_name"], name_of(id).as_str(), "{row}");
        let arn = row["resource_arn"].as_str().unwrap_or_default();
        let service = match row["resource_type"].as_str().unwrap() {
            "AWS::RDS::DBCluster" => "arn:aws:rds:",
            "AWS::DMS::Endpoint" => "arn:aws:dms:",
            _ => "arn:aws:iam::",
        };
        assert!(arn.starts_with(service), "{row}");
    }
    let mut expected: Vec<_> = world
        .expected()
        .into_iter()
        .chain(iam.expected())
        .map(|(rule, id, c)| (rule, name_of(&id), c))
        .collect();
    expected.sort();
    assert_eq!(got, expected);

    let annotation = |name: &str| {
        let id = world.dms_endpoint_arn(name);
        rows.iter()
            .find(|r| r["resource_id"] == id.as_str())
            .unwrap()["annotation"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        annotation("to-graph-open"),
        "target cluster graph-open has IAMDatabaseAuthenticationEnabled=false"
    );
    assert!(annotation("unknown-target").contains("no Neptune cluster in this account/region has endpoint elsewhere.cluster-zzz.us-west-2.neptune.amazonaws.com"));
    let cluster_row = rows
        .iter()
        .find(|r| r["resource_type"] == "AWS::RDS::DBCluster")
        .unwrap();
    assert!(
        cluster_row["resource_id"]
            .as_str()
            .unwrap()
            .starts_with("cluster-"),
        "Config's resource id for clusters"
    );
    let legacy = rows
        .iter()
        .find(|r| r["resource_id"] == iam.iam_id("graph-legacy").as_str())
        .unwrap();
    assert_eq!(legacy["rule"], "neptune-fgac-policy-hygiene");
    assert_eq!(legacy["resource_type"], "AWS::IAM::Policy");
    assert_eq!(
        legacy["annotation"],
        "FGAC001,FGAC004 in default version v2"
    );
    let annotation_of = |name: &str| {
        rows.iter()
            .find(|r| r["resource_id"] == iam.iam_id(name).as_str())
            .unwrap()["annotation"]
            .clone()
    };
    assert_eq!(
        annotation_of("graph-mfa-gated"),
        "FGAC014 in default version v1"
    );
    assert_eq!(
        annotation_of("graph-language-typo"),
        "FGAC016 in default version v1"
    );
}

/// The cluster rules delivered as Lambdas of ours (`gen rules --json`).
fn lambda_cluster_rules() -> Vec<String> {
    guardrails_testkit::rules(env!("CARGO_BIN_EXE_gen").as_ref())
        .iter()
        .filter(|r| !r["delivery"]["managed_rule"].is_string())
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .filter(|id| id.starts_with("neptune-cluster-"))
        .collect()
}

/// The posture controls (the AWS managed rules' checks) and the Lambda cluster rules over one world:
/// each has a compliant, a non-compliant and a not-applicable resource, and every row its
/// design verdict.
#[test]
fn posture_controls_judge_every_seeded_cluster_and_snapshot() {
    let emulator = Emulator::shared();
    let region = "us-east-2";
    let world = emulator.seed(region, "posture");
    let posture: Vec<String> = guardrails_testkit::rules(env!("CARGO_BIN_EXE_gen").as_ref())
        .iter()
        .filter(|r| r["delivery"]["managed_rule"].is_string())
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(posture.len(), 9, "{posture:?}");
    let rules = format!("{},{}", posture.join(","), lambda_cluster_rules().join(","));
    let out = run_gen(
        env!("CARGO_BIN_EXE_gen").as_ref(),
        Some((emulator, region)),
        &["scan", "--format", "json", "--rules", &rules],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_string(),
                r["resource_id"].as_str().unwrap().to_string(),
                r["compliance"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(got, world.expected());
    for rule in &posture {
        for compliance in ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"] {
            assert!(
                got.iter().any(|(r, _, c)| r == rule && c == compliance),
                "{rule} has no {compliance} case"
            );
        }
    }
    let public = rows
        .iter()
        .find(|r| {
            r["resource_id"] == "exposed-manual"
                && r["rule"] == "neptune-cluster-snapshot-not-public"
        })
        .unwrap();
    assert_eq!(public["resource_type"], "AWS::RDS::DBClusterSnapshot");
    assert!(public["resource_arn"]
        .as_str()
        .unwrap()
        .ends_with(":cluster-snapshot:exposed-manual"));
}

/// One region's scan with every cluster and snapshot control: one paged listing each of
/// clusters, instances and snapshots shared by all of them, one attribute read per manual
/// snapshot, and for the network exposure one paged subnet group listing and one of route
/// tables, however many controls run (130 clusters, 150 manual snapshots).
#[test]
fn posture_controls_share_one_listing_per_region() {
    let emulator = Emulator::start();
    let region = "sa-east-1";
    emulator.seed(region, "snapshot-fleet");
    let ids = guardrails_testkit::rule_ids(env!("CARGO_BIN_EXE_gen").as_ref());
    let cluster_controls: Vec<&String> = ids
        .iter()
        .filter(|id| id.starts_with("neptune-cluster-"))
        .collect();
    assert_eq!(cluster_controls.len(), 13);
    let before = emulator.calls();
    let rules = cluster_controls
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let out = run_gen(
        env!("CARGO_BIN_EXE_gen").as_ref(),
        Some((&emulator, region)),
        &["scan", "--format", "json", "--rules", &rules],
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    // 130 clusters × 9 cluster controls; 150 manual + 130 automated snapshots × 4.
    assert_eq!(
        rows.len(),
        130 * 9 + 280 * 4,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = emulator.calls_since(&before);
    let rds = |action: &str| calls.get(&format!("rds:{action}")).copied().unwrap_or(0);
    // ⌈130/100⌉ and ⌈280/100⌉ pages; 150 attribute reads; one page of (no) instances and
    // of subnet groups; one parameter listing per distinct cluster parameter group (the
    // default and 3 custom ones); nothing else of RDS.
    assert_eq!(rds("DescribeDBClusters"), 2, "{calls:?}");
    assert_eq!(rds("DescribeDBInstances"), 1, "{calls:?}");
    assert_eq!(rds("DescribeDBClusterSnapshots"), 3, "{calls:?}");
    assert_eq!(rds("DescribeDBClusterSnapshotAttributes"), 150, "{calls:?}");
    assert_eq!(rds("DescribeDBSubnetGroups"), 1, "{calls:?}");
    assert_eq!(rds("DescribeDBClusterParameters"), 4, "{calls:?}");
    assert_eq!(calls.get("ec2:DescribeRouteTables"), Some(&1), "{calls:?}");
    // No snapshot is shared by id, so the organization is not read at all.
    assert!(
        !calls
            .keys()
            .any(|k| k.starts_with("organizations:") || k == "sts:AssumeRole"),
        "{calls:?}"
    );
    // The exemption tag of the Lambda rules: tags read for failing clusters only (the listing
    // carries none), one call each, once however many rules fail the cluster.
    let failing: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|r| r["compliance"] == "NON_COMPLIANT")
        .filter(|r| {
            r["rule"] == "neptune-cluster-iam-auth"
                || r["rule"] == "neptune-cluster-network-exposure"
                || r["rule"] == "neptune-cluster-audit-logging-on"
        })
        .filter_map(|r| r["resource_id"].as_str())
        .collect();
    let failing = failing.len() as u64;
    assert!(failing > 0);
    assert_eq!(rds("ListTagsForResource"), failing, "{calls:?}");
    let rds_calls: u64 = calls
        .iter()
        .filter(|(action, _)| action.starts_with("rds:"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(rds_calls, 2 + 1 + 3 + 150 + 1 + 4 + failing, "{calls:?}");
}

#[test]
fn table_output_for_selected_rules_is_plain_when_piped() {
    let emulator = Emulator::shared();
    emulator.seed("eu-central-1", "estate");
    let out = gen(
        emulator,
        &[
            "scan",
            "--region",
            "eu-central-1",
            "--rules",
            "neptune-cluster-iam-auth",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "NON_COMPLIANT results exit 1: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("RULE "), "{text}");
    assert!(
        !text.contains('\x1b'),
        "no colour codes when stdout is not a terminal"
    );
    assert!(!text.contains("neptune-dms-endpoint-iam-auth"));
    assert!(
        text.ends_with(
            "4 evaluations: 2 COMPLIANT, 1 NON_COMPLIANT, 1 NOT_APPLICABLE; by rule \
             (compliant/non-compliant/not applicable): neptune-cluster-iam-auth 2/1/1\n"
        ),
        "{text}"
    );
}

#[test]
fn framework_summaries_count_each_requirement_from_the_rows() {
    let emulator = Emulator::shared();
    emulator.seed("eu-north-1", "estate");
    let args = [
        "--region",
        "eu-north-1",
        "--rules",
        "neptune-cluster-iam-auth,neptune-dms-endpoint-iam-auth",
        "--framework",
        "nist-800-53-r5",
    ];
    let mut json = vec!["scan", "--format", "json"];
    json.extend(args);
    let out = gen(emulator, &json);
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("one JSON array");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let count = |rule: &str, verdict: &str| {
        rows.iter()
            .filter(|r| r["rule"] == rule && r["compliance"] == verdict)
            .count()
    };
    let (cluster, dms) = ("neptune-cluster-iam-auth", "neptune-dms-endpoint-iam-auth");
    assert!(count(cluster, "NON_COMPLIANT") > 0 && count(dms, "NON_COMPLIANT") > 0);
    // AC-3 is checked by both rules (Neptune.7 and DMS.10); IA-2 by the DMS rule alone.
    let ac3 = format!(
        "{} pass, {} fail, {} not applicable  ({cluster}, {dms})",
        count(cluster, "COMPLIANT") + count(dms, "COMPLIANT"),
        count(cluster, "NON_COMPLIANT") + count(dms, "NON_COMPLIANT"),
        count(cluster, "NOT_APPLICABLE") + count(dms, "NOT_APPLICABLE"),
    );
    let ia2 = format!(
        "{} pass, {} fail, {} not applicable  ({dms})",
        count(dms, "COMPLIANT"),
        count(dms, "NON_COMPLIANT"),
        count(dms, "NOT_APPLICABLE"),
    );
    for (requirement, counts) in [("AC-3", &ac3), ("IA-2", &ia2)] {
        assert!(
            stderr
                .lines()
                .any(|l| l.trim_start().starts_with(requirement) && l.ends_with(counts.as_str())),
            "{requirement}: {counts} in {stderr}"
        );
    }
    assert!(stderr.contains("NIST SP 800-53 Rev. 5 (nist-800-53-r5): per requirement"));

    // The table carries the same summary after its own.
    let mut table = vec!["scan"];
    table.extend(args);
    let text = String::from_utf8(gen(emulator, &table).stdout).unwrap();
    assert!(text.contains(&ac3), "{text}");

    let out = gen(emulator, &["scan", "--framework", "iso-27001"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "unknown framework (known: aws-fsbp, nist-800-53-r5, pci-dss-v4, cis-controls-v8)"
    ));
}

#[test]
fn unknown_rules_and_unreachable_endpoints_are_clear_errors() {
    let emulator = Emulator::shared();
    let out = gen(emulator, &["scan", "--rules", "neptune-nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown rule `neptune-nope`"));

    let out = gen(
        emulator,
        &[
            "scan",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "gen scan: cannot tell which account the credentials belong to (STS GetCallerIdentity failed: dispatch failure"
        ),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "",
        "nothing was scanned"
    );

    for (args, message) in [
        (
            &["--regions", "eu-west-1,mars"][..],
            "`mars` is not a region name",
        ),
        (
            &["--assume-role", "Audit", "--accounts", "12345"][..],
            "`12345` is not an AWS account id (12 digits)",
        ),
        (
            &["--accounts", "123456789012"][..],
            "the following required arguments were not provided",
        ),
    ] {
        let mut all = vec!["scan", "--region", REGION];
        all.extend(args);
        let out = gen(emulator, &all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

/// `gen rules` as text.
fn rules_output(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_gen"))
        .arg("rules")
        .args(args)
        .output()
        .expect("gen runs");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn rule_docs_are_derived_from_the_declarations() {
    let table = rules_output(&["--table"]);
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    assert!(
        readme.contains(&table),
        "README.md's rule table is stale; run scripts/regen:\n{table}"
    );
    let reference = rules_output(&[]);
    let committed =
        std::fs::read_to_string(workspace_root().join("docs/rules.md")).unwrap_or_default();
    assert!(
        committed == reference,
        "docs/rules.md is stale; run scripts/regen"
    );
    assert!(reference.contains(&table));
}

#[test]
fn sts_endpoint_and_role_chain_cases_through_gen_scan() {
    // An emulator of its own: the chaining world's IAM roles are account-wide and would
    // show up in the other tests' policy verdicts.
    let emulator = Emulator::start();
    let region = "us-east-2";
    let world = emulator.seed(region, "chaining");
    let rows = scan_json(
        &emulator,
        &["--region", region, "--rules", "neptune-sts-vpc-endpoint"],
    );
    let mut got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                world.name_of(r["resource_id"].as_str().unwrap()),
                r["compliance"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let mut expected: Vec<_> = world
        .expected()
        .into_iter()
        .map(|(_, id, c)| (world.name_of(&id), c))
        .collect();
    expected.sort();
    assert_eq!(got, expected);
    let broken = rows
        .iter()
        .find(|r| world.name_of(r["resource_id"].as_str().unwrap()) == "broken-trust")
        .unwrap();
    assert_eq!(
        broken["annotation"],
        format!("role chain broken: {region}-RoleD does not trust {region}-RoleC")
    );

    // The clusters are listed, then the VPC endpoints cannot be read: every in-scope cluster
    // is still reported, as not evaluated, on stdout and stderr, and the scan exits 2.
    emulator.inject_faults_where(
        1.0,
        1,
        "actions=DescribeVpcEndpoints&kinds=internal-failure",
    );
    let out = gen(
        &emulator,
        &[
            "scan",
            "--region",
            region,
            "--rules",
            "neptune-sts-vpc-endpoint",
            "--format",
            "json",
        ],
    );
    emulator.inject_faults(0.0, 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let failed: Vec<Value> = serde_json::from_slice(&out.stdout).expect("one JSON array");
    assert_eq!(failed.len(), rows.len(), "no cluster dropped");
    for (calm, row) in rows.iter().zip(&failed) {
        assert_eq!(calm["resource_id"], row["resource_id"]);
        let in_scope = calm["compliance"] != "NOT_APPLICABLE";
        assert_eq!(row["evaluated"], !in_scope, "{row}");
        if in_scope {
            assert_eq!(row["compliance"], "NOT_APPLICABLE", "{row}");
            let annotation = row["annotation"].as_str().unwrap();
            assert!(
                annotation
                    .starts_with("could not read the VPC's endpoints: DescribeVpcEndpoints failed")
                    && annotation.contains("InternalFailure"),
                "{annotation}"
            );
            let named = format!(
                "gen scan: not evaluated: AWS::RDS::DBCluster {} by rule neptune-sts-vpc-endpoint",
                row["resource_id"].as_str().unwrap()
            );
            assert!(stderr.contains(&named), "{named} missing from {stderr}");
        } else {
            assert_eq!(row, calm, "out-of-scope clusters need no VPC read");
        }
    }
    let not_evaluated = failed.iter().filter(|r| r["evaluated"] == false).count();
    assert!(not_evaluated >= 10, "{not_evaluated}");
    assert!(
        stderr.contains(&format!(
            "({not_evaluated} of them not evaluated: AWS errors)"
        )),
        "{stderr}"
    );
}

#[test]
fn csv_sarif_and_asff_carry_the_same_results_as_json() {
    let emulator = &Emulator::start();
    emulator.seed(REGION, "estate");
    let rules = [
        "--rules",
        "neptune-cluster-iam-auth,neptune-dms-endpoint-iam-auth",
    ];
    let rows = scan_json(emulator, &rules);
    let run = |format: &str| {
        let mut args = vec!["scan", "--format", format];
        args.extend(rules);
        let out = gen(emulator, &args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let csv = run("csv");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "rule,resource_type,resource_id,compliance,annotation,account,region,evaluated,resource_name,resource_arn,severity"
    );
    assert_eq!(lines.len(), rows.len() + 1, "{csv}");
    for row in &rows {
        let prefix = format!(
            "{},{},{},{},",
            row["rule"].as_str().unwrap(),
            row["resource_type"].as_str().unwrap(),
            row["resource_id"].as_str().unwrap(),
            row["compliance"].as_str().unwrap()
        );
        assert!(
            lines.iter().any(|l| l.starts_with(&prefix)),
            "{prefix} missing from {csv}"
        );
    }
    let sarif_text = run("sarif");
    assert_eq!(
        sarif_violations(&sarif_text),
        "",
        "against the official 2.1.0 schema"
    );
    let sarif: Value = serde_json::from_str(&sarif_text).expect("SARIF is JSON");
    // The validator is not a rubber stamp: a level outside the schema's enum is caught.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "severe".into();
    assert!(
        sarif_violations(&broken.to_string())
            .starts_with("runs/0/results/0/level: 'severe' is not one of"),
        "{}",
        sarif_violations(&broken.to_string())
    );
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["tool"]["driver"]["rules"].as_array().unwrap().len(), 2);
    let mut reported: Vec<String> = run0["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["logicalLocations"][0]["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut expected: Vec<String> = rows
        .iter()
        .filter(|r| r["compliance"] == "NON_COMPLIANT")
        .map(|r| r["resource_id"].as_str().unwrap().to_string())
        .collect();
    reported.sort();
    expected.sort();
    assert_eq!(reported, expected);
    assert!(!expected.is_empty());

    // OCSF: one Compliance Finding per row, valid for the maintained model, which is no rubber
    // stamp either.
    let ocsf_text = run("ocsf");
    assert_eq!(
        ocsf_violations(&ocsf_text),
        "",
        "as OCSF 1.5.0 Compliance Findings"
    );
    let events: Vec<Value> = serde_json::from_str(&ocsf_text).expect("OCSF array");
    assert_eq!(events.len(), rows.len());
    for (event, row) in events.iter().zip(&rows) {
        assert_eq!(event["class_uid"], 2003);
        assert_eq!(event["resources"][0]["uid"], row["resource_arn"]);
        assert_eq!(event["resources"][0]["name"], row["resource_name"]);
        assert_eq!(event["cloud"]["account"]["uid"], row["account"]);
        let status = match row["compliance"].as_str().unwrap() {
            "COMPLIANT" => 1,
            "NON_COMPLIANT" => 3,
            _ => 99,
        };
        assert_eq!(event["compliance"]["status_id"], status, "{event}");
    }
    let mut broken = events.clone();
    broken[0]["compliance"]["status_id"] = serde_json::json!(7);
    broken[2]["finding_info"]["titel"] = serde_json::json!("typo");
    broken[1].as_object_mut().unwrap().remove("cloud");
    let problems = ocsf_violations(&serde_json::to_string(&broken).unwrap());
    assert!(
        problems.contains("events/0/compliance.status_id")
            && problems.contains("events/2/finding_info.titel: not a member of the model")
            && problems.contains(
                "events/1/the cloud profile is not declared, or its cloud object is missing"
            ),
        "{problems}"
    );

    // ASFF: a finding per COMPLIANT or NON_COMPLIANT row, for the emulator's account, with
    // the same ids on a re-scan.
    let findings =
        |text: String| -> Vec<Value> { serde_json::from_str(&text).expect("ASFF array") };
    let asff_text = run("asff");
    assert_eq!(
        asff_violations(&asff_text),
        "",
        "as BatchImportFindings input"
    );
    let first = findings(asff_text);
    let mut broken = first.clone();
    broken[0]["Severity"]["Label"] = serde_json::json!(5);
    broken[0].as_object_mut().unwrap().remove("ProductArn");
    let problems = asff_violations(&serde_json::to_string(&broken).unwrap());
    assert!(
        problems.contains("Missing required parameter in Findings[0]: \"ProductArn\"")
            && problems.contains("Invalid type for parameter Findings[0].Severity.Label"),
        "{problems}"
    );
    let second = findings(run("asff"));
    let judged = rows
        .iter()
        .filter(|r| r["compliance"] != "NOT_APPLICABLE")
        .count();
    assert_eq!(first.len(), judged);
    let ids = |f: &[Value]| {
        f.iter()
            .map(|x| x["Id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), ids(&second));
    for finding in &first {
        assert_eq!(finding["AwsAccountId"], "123456789012");
        assert_eq!(finding["SchemaVersion"], "2018-10-08");
        let failed = finding["Compliance"]["Status"] == "FAILED";
        assert_eq!(
            finding["RecordState"],
            if failed { "ACTIVE" } else { "ARCHIVED" }
        );
    }
    assert_eq!(
        first
            .iter()
            .filter(|f| f["Compliance"]["Status"] == "FAILED")
            .count(),
        expected.len()
    );
}

/// `(account, region, rule, resource name, compliance)` of scan rows, sorted.
fn verdicts(rows: &[Value], name_of: impl Fn(&str) -> String) -> Vec<[String; 5]> {
    let mut got: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap().to_string();
            [
                text("account"),
                text("region"),
                text("rule"),
                name_of(&text("resource_id")),
                text("compliance"),
            ]
        })
        .collect();
    got.sort();
    got
}

/// Security Hub findings of one account and region, by id.
fn hub_findings(
    emulator: &Emulator,
    account: &str,
    region: &str,
) -> std::collections::BTreeMap<String, Value> {
    let member = (account != "123456789012").then_some(account);
    let found = emulator.call(
        region,
        member,
        "securityhub",
        "get_findings",
        serde_json::json!({"MaxResults": 100}),
    );
    found["Findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["Id"].as_str().unwrap().to_string(), f.clone()))
        .collect()
}

#[test]
fn organization_accounts_and_regions_are_scanned_and_imported_into_security_hub() {
    let emulator = Emulator::start();
    let (home, other) = ("eu-west-1", "us-west-2");
    let admin = "123456789012";
    let estate = emulator.seed(home, "estate");
    let member = emulator.seed(home, "member");
    let member_account = member.0["account"].as_str().unwrap().to_string();
    let rules = "neptune-cluster-iam-auth,neptune-fgac-policy-hygiene";
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "--region",
            home,
            "--org",
            "--assume-role",
            "GuardrailsAudit",
            "--regions",
            "eu-west-1,us-west-2",
            "--rules",
            rules,
            "--max-concurrency",
            "3",
        ];
        args.extend(extra);
        scan_json(&emulator, &args)
    };
    let name_of = |id: &str| {
        let name = estate.name_of(id);
        if name == id {
            member.name_of(id)
        } else {
            name
        }
    };
    let rows = scan(&["--security-hub"]);
    let cluster_rows: Vec<[String; 5]> = verdicts(&rows, name_of)
        .into_iter()
        .filter(|r| r[2] == "neptune-cluster-iam-auth")
        .collect();
    let mut expected: Vec<[String; 5]> = estate
        .expected_for("neptune-cluster-iam-auth")
        .into_iter()
        .map(|(id, c)| {
            [
                admin.into(),
                home.into(),
                "neptune-cluster-iam-auth".into(),
                estate.name_of(&id),
                c,
            ]
        })
        .chain([[
            member_account.clone(),
            home.to_string(),
            "neptune-cluster-iam-auth".to_string(),
            "member-open".to_string(),
            "NON_COMPLIANT".to_string(),
        ]])
        .collect();
    expected.sort();
    assert_eq!(
        cluster_rows, expected,
        "us-west-2 has no clusters in either account"
    );
    assert!(
        rows.iter()
            .filter(|r| r["rule"] == "neptune-fgac-policy-hygiene")
            .all(|r| r["region"] == home),
        "IAM is evaluated once per account, in the first region"
    );

    // Security Hub of each account and region holds that target's findings of non-compliant
    // resources (none for what never failed), ids as ASFF.
    let judged = |account: &str| {
        rows.iter()
            .filter(|r| r["account"] == account && r["compliance"] == "NON_COMPLIANT")
            .count()
    };
    let admin_findings = hub_findings(&emulator, admin, home);
    let member_findings = hub_findings(&emulator, &member_account, home);
    assert_eq!(admin_findings.len(), judged(admin));
    assert_eq!(member_findings.len(), judged(&member_account));
    assert!(hub_findings(&emulator, admin, other).is_empty());
    let open = member.cluster_id("member-open");
    let open_id =
        format!("neptune-guardrails/{member_account}/{home}/neptune-cluster-iam-auth/{open}");
    let finding = &member_findings[&open_id];
    assert_eq!(finding["Compliance"]["Status"], "FAILED");
    assert_eq!(finding["RecordState"], "ACTIVE");
    assert_eq!(finding["AwsAccountId"], member_account.as_str());
    assert_eq!(finding["Resources"][0]["Type"], "AwsRdsDbCluster");

    // Fixed in the member account: the re-scan resolves the same finding, adds none.
    emulator.call(
        home,
        Some(&member_account),
        "neptune",
        "modify_db_cluster",
        serde_json::json!({"DBClusterIdentifier": "member-open",
            "EnableIAMDatabaseAuthentication": true, "ApplyImmediately": true}),
    );
    let rows = scan(&["--security-hub"]);
    assert!(rows
        .iter()
        .all(|r| r["account"] != member_account.as_str() || r["compliance"] != "NON_COMPLIANT"));
    let after = hub_findings(&emulator, &member_account, home);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        member_findings.keys().collect::<Vec<_>>()
    );
    assert_eq!(after[&open_id]["Compliance"]["Status"], "PASSED");
    assert_eq!(after[&open_id]["RecordState"], "ARCHIVED");
    assert_eq!(
        after[&open_id]["Workflow"]["Status"], "NEW",
        "providers cannot set it"
    );
    assert_eq!(
        hub_findings(&emulator, admin, home).len(),
        admin_findings.len()
    );
}

#[test]
fn gen_cost_prices_a_scan_by_rule_account_and_region() {
    let emulator = Emulator::shared();
    emulator.seed("us-west-1", "estate");
    let mut command = Command::new(env!("CARGO_BIN_EXE_gen"));
    let out = command
        .envs(emulator.env("us-west-1"))
        .args(["scan", "--format", "json", "--region", "us-west-1"])
        .output()
        .expect("gen scan runs");
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("scan rows");
    let dir = fresh_dir("gen-cost");
    let scan = dir.join("scan.json");
    std::fs::write(&scan, &out.stdout).unwrap();
    let priced = run_gen(
        env!("CARGO_BIN_EXE_gen").as_ref(),
        None,
        &["cost", "--scan", scan.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(
        priced.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&priced.stderr)
    );
    let estimates: Vec<Value> = serde_json::from_slice(&priced.stdout).expect("estimates");
    for estimate in &estimates {
        let rule = estimate["rule"].as_str().unwrap();
        let resources = rows.iter().filter(|r| r["rule"] == rule).count();
        assert_eq!(estimate["resources"], resources, "{estimate}");
        assert_eq!(estimate["region"], "us-west-1");
        let steady = estimate["evaluations_steady_state"].as_f64().unwrap();
        let everything = estimate["evaluations_sending_everything"].as_f64().unwrap();
        if estimate["frequency"] == "-" {
            // Change-triggered only: each change is one evaluation either way.
            assert_eq!(steady, everything, "{estimate}");
        } else {
            assert!(steady < everything / 10.0, "{estimate}");
        }
        if rule.starts_with("neptune-cluster-") && !lambda_cluster_rules().iter().any(|r| r == rule)
        {
            assert_eq!(
                estimate["lambda_gb_seconds"], 0.0,
                "managed rule: {estimate}"
            );
        }
    }
    let rules: std::collections::BTreeSet<&str> =
        rows.iter().filter_map(|r| r["rule"].as_str()).collect();
    assert_eq!(estimates.len(), rules.len());
}

/// One `gen scan --security-hub` of `rules` in `REGION`; its exit status and stderr.
fn scan_into_hub(emulator: &Emulator, rules: &str) -> (Option<i32>, String) {
    let out = gen(
        emulator,
        &[
            "scan",
            "--format",
            "json",
            "--region",
            REGION,
            "--rules",
            rules,
            "--security-hub",
        ],
    );
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn security_hub_findings_follow_the_resources_through_fix_exemption_and_deletion() {
    let emulator = &Emulator::start();
    let estate = emulator.seed(REGION, "estate");
    let iam = emulator.seed(REGION, "iam");
    let both = "neptune-cluster-iam-auth,neptune-fgac-policy-hygiene";
    let account = "123456789012";
    let cluster_finding = format!(
        "neptune-guardrails/{account}/{REGION}/neptune-cluster-iam-auth/{}",
        estate.cluster_id("graph-open")
    );
    let policy_finding = format!(
        "neptune-guardrails/{account}/global/neptune-fgac-policy-hygiene/{}",
        iam.0["iam"]["graph-wildcard"]["resource_id"]
            .as_str()
            .unwrap()
    );
    let state = |id: &str| {
        let found = hub_findings(emulator, account, REGION);
        let f = &found[id];
        (
            f["Compliance"]["Status"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            f["RecordState"].as_str().unwrap_or_default().to_string(),
            f["Workflow"]["Status"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };
    let state_of = |c: &str, r: &str, w: &str| (c.to_string(), r.to_string(), w.to_string());

    // First scan: a finding for each non-compliant resource, none for what never failed.
    let (status, stderr) = scan_into_hub(emulator, both);
    assert_eq!(status, Some(1), "{stderr}");
    let failing = [
        estate.expected_for("neptune-cluster-iam-auth"),
        iam.expected_for("neptune-fgac-policy-hygiene"),
    ]
    .concat()
    .into_iter()
    .filter(|(_, c)| c == "NON_COMPLIANT")
    .count();
    assert_eq!(hub_findings(emulator, account, REGION).len(), failing);
    assert_eq!(state(&cluster_finding), state_of("FAILED", "ACTIVE", "NEW"));

    // Fixed: PASSED and archived. Security Hub ignores a provider's Workflow on updates, so
    // the workflow stays NEW; it returns to ACTIVE when the resource fails again.
    let set_iam_auth = |on: bool| {
        emulator.call(
            REGION,
            None,
            "neptune",
            "modify_db_cluster",
            serde_json::json!({"DBClusterIdentifier": "graph-open",
                "EnableIAMDatabaseAuthentication": on, "ApplyImmediately": true}),
        );
    };
    set_iam_auth(true);
    scan_into_hub(emulator, both);
    assert_eq!(
        state(&cluster_finding),
        state_of("PASSED", "ARCHIVED", "NEW")
    );
    set_iam_auth(false);
    scan_into_hub(emulator, both);
    assert_eq!(state(&cluster_finding), state_of("FAILED", "ACTIVE", "NEW"));

    // Exempted by tag: the policy is NOT_APPLICABLE now, its finding archived.
    emulator.call(
        REGION,
        None,
        "iam",
        "tag_policy",
        serde_json::json!({"PolicyArn": iam.0["iam"]["graph-wildcard"]["arn"],
            "Tags": [{"Key": "neptune-guardrails:exempt", "Value": "true"}]}),
    );
    scan_into_hub(emulator, both);
    assert_eq!(
        state(&policy_finding),
        state_of("NOT_AVAILABLE", "ARCHIVED", "NEW")
    );

    // Deleted: a scan that does not cover the cluster rule leaves its finding alone; the
    // next scan that does archives it.
    emulator.call(
        REGION,
        None,
        "neptune",
        "delete_db_cluster",
        serde_json::json!({"DBClusterIdentifier": "graph-open", "SkipFinalSnapshot": true}),
    );
    scan_into_hub(emulator, "neptune-fgac-policy-hygiene");
    assert_eq!(state(&cluster_finding), state_of("FAILED", "ACTIVE", "NEW"));
    scan_into_hub(emulator, both);
    assert_eq!(
        state(&cluster_finding),
        state_of("NOT_AVAILABLE", "ARCHIVED", "NEW")
    );
    let active = hub_findings(emulator, account, REGION)
        .values()
        .filter(|f| f["RecordState"] == "ACTIVE")
        .count();
    assert_eq!(active, failing - 2);

    // Without permission to import or to read our findings: exit 2 and the reason, never a
    // silent "0 findings".
    emulator.inject_faults_where(1.0, 1, "kinds=access-denied&actions=BatchImportFindings");
    let (status, stderr) = scan_into_hub(emulator, both);
    emulator.inject_faults(0.0, 0);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(
        stderr.contains("not imported") && stderr.contains("AccessDeniedException"),
        "{stderr}"
    );
    emulator.inject_faults_where(1.0, 1, "kinds=access-denied&actions=GetFindings");
    let (status, stderr) = scan_into_hub(emulator, both);
    emulator.inject_faults(0.0, 0);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(
        stderr.contains("our findings could not be read"),
        "{stderr}"
    );
}

/// A baseline gates only new failures: an unchanged estate exits 0 whatever it already
/// fails, one resource broken since exits 1 and is named as new, the formats mark it, and a
/// baseline that is no scan is exit 2 with the reason.
#[test]
fn a_baseline_fails_only_on_new_failures() {
    let emulator = Emulator::shared();
    let region = "ap-south-1";
    emulator.seed(region, "estate");
    let rules = "neptune-cluster-iam-auth,neptune-cluster-deletion-protection";
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "--rules", rules];
        args.extend(extra);
        run_gen(
            env!("CARGO_BIN_EXE_gen").as_ref(),
            Some((emulator, region)),
            &args,
        )
    };
    let before = scan(&["--format", "json"]);
    assert_eq!(before.status.code(), Some(1), "the estate already fails");
    let dir = fresh_dir("baseline");
    let baseline = dir.join("before.json");
    std::fs::write(&baseline, &before.stdout).unwrap();
    let baseline = baseline.to_str().unwrap();

    let unchanged = scan(&["--format", "json", "--baseline", baseline]);
    let stderr = String::from_utf8_lossy(&unchanged.stderr);
    assert_eq!(unchanged.status.code(), Some(0), "{stderr}");
    let failing = serde_json::from_slice::<Vec<Value>>(&before.stdout)
        .unwrap()
        .iter()
        .filter(|r| r["compliance"] == "NON_COMPLIANT")
        .count();
    assert!(
        stderr.contains(&format!(": 0 new, 0 fixed, {failing} still failing")),
        "{stderr}"
    );
    let rows: Vec<Value> = serde_json::from_slice(&unchanged.stdout).unwrap();
    assert!(
        rows.iter().all(|r| r["new"] == false),
        "every row gains new: false"
    );

    emulator.call(
        region,
        None,
        "neptune",
        "create_db_cluster",
        serde_json::json!({"DBClusterIdentifier": "broken-since", "Engine": "neptune",
            "DeletionProtection": true}),
    );
    let broken = scan(&["--format", "json", "--baseline", baseline]);
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert_eq!(broken.status.code(), Some(1), "{stderr}");
    let rows: Vec<Value> = serde_json::from_slice(&broken.stdout).unwrap();
    let new: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r["new"] == true)
        .map(|r| {
            (
                r["rule"].as_str().unwrap(),
                r["resource_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(new, [("neptune-cluster-iam-auth", "broken-since")]);
    assert!(stderr.contains(": 1 new, 0 fixed, "), "{stderr}");
    assert!(
        stderr.contains("; new: neptune-cluster-iam-auth "),
        "{stderr}"
    );

    let table = scan(&["--baseline", baseline]);
    let text = String::from_utf8_lossy(&table.stdout);
    let marked: Vec<&str> = text.lines().filter(|l| l.contains("(new)")).collect();
    assert!(
        marked.len() == 1 && marked[0].contains("broken-since"),
        "{text}"
    );
    let sarif = scan(&["--format", "sarif", "--baseline", baseline]);
    let log: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let new_results: Vec<&Value> = results
        .iter()
        .filter(|r| r["baselineState"] == "new")
        .collect();
    assert_eq!(new_results.len(), 1);
    assert!(results.iter().all(|r| r["baselineState"].is_string()));
    assert_eq!(
        sarif_violations(&String::from_utf8_lossy(&sarif.stdout)),
        ""
    );
    let csv = scan(&["--format", "csv", "--baseline", baseline]);
    let csv = String::from_utf8_lossy(&csv.stdout);
    // Columns added later come last: `new`, then `severity`.
    assert!(
        csv.lines().next().unwrap().ends_with(",new,severity"),
        "{csv}"
    );
    let new_marked = |l: &&str| {
        l.rsplit_once(',')
            .is_some_and(|(rest, _)| rest.ends_with(",true"))
    };
    assert_eq!(csv.lines().filter(new_marked).count(), 1);

    let not_a_scan = dir.join("not-a-scan.json");
    std::fs::write(&not_a_scan, "{\"rows\": []}").unwrap();
    let refused = scan(&["--baseline", not_a_scan.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not `gen scan --format json` output"),
        "{stderr}"
    );
}

/// Waivers through `gen scan`: a waiver in force turns exit 1 into 0 for its resource only,
/// an expired one does not, a pattern covers exactly its matches, every format carries the
/// waiver, and a malformed file is exit 2 naming the line.
#[test]
fn waivers_accept_known_failures_until_they_expire() {
    let emulator = Emulator::shared();
    let region = "ca-central-1";
    emulator.seed(region, "estate");
    let rule = "neptune-cluster-iam-auth";
    for legacy in ["legacy-a", "legacy-b"] {
        emulator.call(
            region,
            None,
            "neptune",
            "create_db_cluster",
            serde_json::json!({"DBClusterIdentifier": legacy, "Engine": "neptune"}),
        );
    }
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "--rules", rule];
        args.extend(extra);
        run_gen(
            env!("CARGO_BIN_EXE_gen").as_ref(),
            Some((emulator, region)),
            &args,
        )
    };
    let plain = scan(&["--format", "json"]);
    assert_eq!(plain.status.code(), Some(1));
    let rows: Vec<Value> = serde_json::from_slice(&plain.stdout).unwrap();
    let failing: Vec<String> = rows
        .iter()
        .filter(|r| r["compliance"] == "NON_COMPLIANT")
        .map(|r| r["resource_name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        failing.len() >= 3,
        "the estate and two legacy clusters fail: {failing:?}"
    );
    let dir = fresh_dir("waivers");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let waiver = |resource: &str, expires: &str| {
        format!(
            "- rule: {rule}\n  resource: '{resource}'\n  regions: [{region}]\n  reason: migrating clients to SigV4\n  approved_by: security@example.com\n  expires: {expires}\n"
        )
    };

    // One failure waived: the others still fail the scan.
    let one = write(
        "one.yaml",
        &format!("waivers:\n{}", waiver(&failing[0], "2099-12-31")),
    );
    let out = scan(&["--format", "json", "--waivers", &one]);
    assert_eq!(out.status.code(), Some(1));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let waived: Vec<&str> = rows
        .iter()
        .filter(|r| r["waiver"].is_object())
        .map(|r| r["resource_name"].as_str().unwrap())
        .collect();
    assert_eq!(waived, [failing[0].as_str()]);
    let row = rows.iter().find(|r| r["waiver"].is_object()).unwrap();
    assert_eq!(
        row["compliance"], "NON_COMPLIANT",
        "a waived row keeps its verdict"
    );
    assert_eq!(row["waiver"]["approved_by"], "security@example.com");
    assert_eq!(row["waiver"]["expires"], "2099-12-31");

    // Every failure waived by name: exit 0.
    let all: String = failing
        .iter()
        .map(|name| waiver(name, "2099-12-31"))
        .collect();
    let all = write("all.yaml", &format!("waivers:\n{all}"));
    let out = scan(&["--format", "json", "--waivers", &all]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A pattern covers exactly its matches (the two legacy clusters, nothing else), and a
    // pattern matching none is named.
    let pattern = write(
        "pattern.yaml",
        &format!(
            "waivers:\n{}{}",
            waiver("legacy-*", "2099-12-31"),
            waiver("no-such-*", "2099-12-31")
        ),
    );
    let out = scan(&["--format", "json", "--waivers", &pattern]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut waived: Vec<&str> = rows
        .iter()
        .filter(|r| r["waiver"].is_object())
        .map(|r| r["resource_name"].as_str().unwrap())
        .collect();
    waived.sort();
    assert_eq!(waived, ["legacy-a", "legacy-b"]);
    assert!(
        stderr.contains(&format!(
            "waiver 2 ({rule} no-such-*) matches no failure of this scan"
        )),
        "{stderr}"
    );

    // An expired waiver has no effect and is named.
    let expired = write(
        "expired.yaml",
        &format!(
            "waivers:\n{all_expired}",
            all_expired = failing
                .iter()
                .map(|n| waiver(n, "2020-01-31"))
                .collect::<String>()
        ),
    );
    let out = scan(&["--format", "json", "--waivers", &expired]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("expired on 2020-01-31: not applied"),
        "{stderr}"
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.iter().all(|r| r.get("waiver").is_none()));

    // The other formats carry it: SARIF as an accepted suppression (valid against the
    // schema), CSV as a last column, ASFF as product fields, OCSF as a suppressed finding.
    let sarif = scan(&["--format", "sarif", "--waivers", &one]);
    let text = String::from_utf8_lossy(&sarif.stdout);
    assert_eq!(sarif_violations(&text), "");
    let log: Value = serde_json::from_str(&text).unwrap();
    let suppressed: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["status"], "accepted");
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "migrating clients to SigV4"
    );
    let csv = scan(&["--format", "csv", "--waivers", &one]);
    let csv = String::from_utf8_lossy(&csv.stdout);
    assert!(
        csv.lines().next().unwrap().ends_with(",waiver,severity"),
        "{csv}"
    );
    assert_eq!(
        csv.lines()
            .filter(|l| l.ends_with(
                "migrating clients to SigV4 (approved by security@example.com, until 2099-12-31)\",MEDIUM"
            ))
            .count(),
        1,
        "{csv}"
    );
    let asff = scan(&["--format", "asff", "--waivers", &one]);
    let asff_text = String::from_utf8_lossy(&asff.stdout);
    assert_eq!(asff_violations(&asff_text), "");
    let findings: Vec<Value> = serde_json::from_str(&asff_text).unwrap();
    let waived: Vec<&Value> = findings
        .iter()
        .filter(|f| f["ProductFields"]["neptune-guardrails/WaiverReason"].is_string())
        .collect();
    assert_eq!(waived.len(), 1);
    let ocsf = scan(&["--format", "ocsf", "--waivers", &one]);
    let ocsf_text = String::from_utf8_lossy(&ocsf.stdout);
    assert_eq!(ocsf_violations(&ocsf_text), "");
    let events: Vec<Value> = serde_json::from_str(&ocsf_text).unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e["status"] == "Suppressed")
            .count(),
        1
    );

    // A malformed file: exit 2, naming the line.
    let malformed = write(
        "malformed.yaml",
        &format!("waivers:\n- rule: {rule}\n  resource: x\n  reason: r\n  approved_by: a\n  expires: next week\n"),
    );
    let out = scan(&["--waivers", &malformed]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line "), "{stderr}");
    assert!(stderr.contains("is not a date YYYY-MM-DD"), "{stderr}");
}

/// A waived finding goes SUPPRESSED in Security Hub with the waiver as its note, and back to
/// NEW when the waiver expires; a fixed resource's suppressed finding is lifted so its PASSED
/// update lands (the emulator, like AWS, no longer updates a SUPPRESSED finding); a person's
/// own suppression is left alone.
#[test]
fn a_waived_finding_is_suppressed_in_security_hub_and_back_when_the_waiver_ends() {
    let emulator = &Emulator::start();
    let estate = emulator.seed(REGION, "estate");
    let account = "123456789012";
    let rule = "neptune-cluster-iam-auth";
    let finding = format!(
        "neptune-guardrails/{account}/{REGION}/{rule}/{}",
        estate.cluster_id("graph-open")
    );
    let dir = fresh_dir("hub-waivers");
    let waivers = |expires: &str| {
        let path = dir.join(format!("{expires}.yaml"));
        std::fs::write(
            &path,
            format!("waivers:\n- rule: {rule}\n  resource: graph-open\n  reason: clients move to SigV4\n  approved_by: security@example.com\n  expires: {expires}\n"),
        )
        .unwrap();
        path.to_str().unwrap().to_string()
    };
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "--format",
            "json",
            "--rules",
            rule,
            "--security-hub",
        ];
        args.extend(extra);
        let out = gen(emulator, &args);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let workflow = || {
        let found = hub_findings(emulator, account, REGION);
        let f = &found[&finding];
        (
            f["Workflow"]["Status"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            f["Note"]["Text"].as_str().unwrap_or_default().to_string(),
            f["Compliance"]["Status"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };

    let in_force = waivers("2099-12-31");
    let (_, stderr) = scan(&["--waivers", &in_force]);
    assert!(stderr.contains("1 waived findings suppressed"), "{stderr}");
    let (status, note, compliance) = workflow();
    assert_eq!(
        (status.as_str(), compliance.as_str()),
        ("SUPPRESSED", "FAILED")
    );
    assert_eq!(
        note,
        "waived: clients move to SigV4 (approved by security@example.com, until 2099-12-31)"
    );
    // A second scan under the same waiver changes nothing in the workflow.
    let (_, stderr) = scan(&["--waivers", &in_force]);
    assert!(!stderr.contains("suppressed,"), "{stderr}");

    // The waiver expires: the finding is NEW again, and the scan fails.
    let expired = waivers("2020-01-31");
    let (code, stderr) = scan(&["--waivers", &expired]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("1 no longer waived back to NEW"),
        "{stderr}"
    );
    assert_eq!(workflow().0, "NEW");

    // Waived again, then fixed: the suppression is lifted so the PASSED update lands.
    scan(&["--waivers", &in_force]);
    assert_eq!(workflow().0, "SUPPRESSED");
    emulator.call(
        REGION,
        None,
        "neptune",
        "modify_db_cluster",
        serde_json::json!({"DBClusterIdentifier": "graph-open",
            "EnableIAMDatabaseAuthentication": true, "ApplyImmediately": true}),
    );
    scan(&["--waivers", &in_force]);
    let (status, _, compliance) = workflow();
    assert_eq!((status.as_str(), compliance.as_str()), ("NEW", "PASSED"));

    // A person's own suppression is theirs: the tool neither lifts nor renotes it.
    emulator.call(
        REGION,
        None,
        "neptune",
        "modify_db_cluster",
        serde_json::json!({"DBClusterIdentifier": "graph-open",
            "EnableIAMDatabaseAuthentication": false, "ApplyImmediately": true}),
    );
    scan(&[]);
    emulator.call(
        REGION,
        None,
        "securityhub",
        "batch_update_findings",
        serde_json::json!({
            "FindingIdentifiers": [{"Id": finding,
                "ProductArn": format!("arn:aws:securityhub:{REGION}:{account}:product/{account}/default")}],
            "Workflow": {"Status": "SUPPRESSED"},
            "Note": {"Text": "accepted by the owner", "UpdatedBy": "alice"}
        }),
    );
    let (_, stderr) = scan(&[]);
    assert!(!stderr.contains("back to NEW"), "{stderr}");
    assert_eq!(workflow().0, "SUPPRESSED");
    assert_eq!(workflow().1, "accepted by the owner");
}

/// A Neptune cluster reachable from the internet now (public instance, routed subnet, a group
/// open to 0.0.0.0/0) is CRITICAL in every format that carries a severity; one behind a group
/// open to ::/0 in private subnets keeps the rule's HIGH.
#[test]
fn a_path_open_now_is_critical_in_every_format() {
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "posture");
    let rules = ["--rules", "neptune-cluster-network-exposure"];
    let rows = scan_json(emulator, &rules);
    let severity_of = |name: &str| {
        let row = rows.iter().find(|r| r["resource_name"] == name).unwrap();
        row["severity"].as_str().unwrap().to_string()
    };
    assert_eq!(severity_of("exposed"), "CRITICAL");
    assert_eq!(severity_of("open-sg"), "HIGH");
    assert_eq!(
        severity_of("hardened"),
        "HIGH",
        "the rule's own, on a passing row"
    );
    let render = |format: &str| {
        let mut args = vec!["scan", "--format", format];
        args.extend(rules);
        let out = gen(emulator, &args);
        String::from_utf8(out.stdout).unwrap()
    };
    let by_id = |name: &str| world.cluster_id(name);

    let sarif_text = render("sarif");
    assert_eq!(sarif_violations(&sarif_text), "");
    let sarif: Value = serde_json::from_str(&sarif_text).unwrap();
    let result = |name: &str| {
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        let id = by_id(name);
        let found = results
            .iter()
            .find(|r| r["locations"][0]["logicalLocations"][0]["name"] == id.as_str());
        found.unwrap().clone()
    };
    assert_eq!(result("exposed")["properties"]["security-severity"], "9.5");
    assert_eq!(result("exposed")["properties"]["severity"], "CRITICAL");
    assert_eq!(result("open-sg")["properties"]["security-severity"], "8.0");
    assert_eq!(result("exposed")["level"], "error");

    let asff: Vec<Value> = serde_json::from_str(&render("asff")).unwrap();
    let label = |name: &str| {
        let prefix = format!("cluster {name}:");
        let finding = asff.iter().find(|f| {
            f["Description"]
                .as_str()
                .is_some_and(|d| d.starts_with(&prefix))
        });
        finding.unwrap()["Severity"]["Label"].clone()
    };
    assert_eq!(label("exposed"), "CRITICAL");
    assert_eq!(label("open-sg"), "HIGH");

    let ocsf_text = render("ocsf");
    assert_eq!(ocsf_violations(&ocsf_text), "");
    let events: Vec<Value> = serde_json::from_str(&ocsf_text).unwrap();
    let severity_id = |name: &str| {
        let event = events
            .iter()
            .find(|e| e["resources"][0]["name"] == name)
            .unwrap_or_else(|| panic!("no OCSF event of {name}"));
        event["severity_id"].clone()
    };
    assert_eq!(severity_id("exposed"), 5);
    assert_eq!(severity_id("open-sg"), 4);
}
