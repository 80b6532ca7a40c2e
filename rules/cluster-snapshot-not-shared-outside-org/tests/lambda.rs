//! `neptune-cluster-snapshot-not-shared-outside-org` through the real Lambda Runtime API
//! protocol, running as a role of a member account, against moto with bridge 32 (a member may
//! not list the organization's accounts; a role's trust policy is evaluated). The reader role
//! and the rule role's tags are the shipped templates' (see `seed_sharing.py`).

use std::process::Command;

use guardrails_testkit::*;
use serde_json::{json, Value};

const RULE: &str = "neptune-cluster-snapshot-not-shared-outside-org";
const REGION: &str = "eu-west-1";
const BINARY: &str = env!("CARGO_BIN_EXE_neptune-cluster-snapshot-not-shared-outside-org");

/// The rule binary with the credentials of one of the world's roles (`env` of the world).
fn as_role(world: &World, role: &str) -> Command {
    let mut command = Command::new(BINARY);
    for (key, value) in world.0["env"][role]
        .as_object()
        .expect("the role's environment")
    {
        command.env(key, value.as_str().unwrap_or_default());
    }
    command
}

/// The item AWS Config records for a snapshot; `configuration` in Config's casing.
fn item(world: &World, name: &str, status: &str, configuration: Value) -> Value {
    let arn = world.0["snapshots"][name]
        .as_str()
        .expect("a seeded snapshot");
    configuration_item(
        "AWS::RDS::DBClusterSnapshot",
        name,
        name,
        arn,
        status,
        configuration,
    )
}

fn manual(engine: &str, name: &str) -> Value {
    json!({"dBClusterSnapshotIdentifier": name, "engine": engine, "snapshotType": "manual"})
}

/// The item of a manual Neptune snapshot of the world, as recorded.
fn neptune_item(world: &World, name: &str) -> Value {
    item(world, name, "OK", manual("neptune", name))
}

/// A change event named (and tokened) `token` for `item`.
fn change(token: &str, item: Value) -> (&str, Value) {
    (token, change_event(RULE, item, token, None))
}

fn run(emulator: &Emulator, command: Command, events: Vec<(&str, Value)>) {
    let count = events.len();
    let run = run_lambda_command(
        command,
        emulator,
        REGION,
        events,
        std::time::Duration::from_secs(60),
    );
    assert_eq!(run.outcomes.len(), count, "{:#?}", run.outcomes);
}

fn only(emulator: &Emulator, token: &str) -> (String, String, String) {
    let verdicts = emulator.verdicts(token);
    assert_eq!(verdicts.len(), 1, "{verdicts:?}");
    verdicts[0].clone()
}

#[test]
fn shares_are_judged_against_the_organization_read_through_the_reader_role() {
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "snapshot-sharing");
    let before = emulator.calls();
    let events = vec![
        change("t-inside", neptune_item(&world, "inside")),
        change("t-outside", neptune_item(&world, "outside")),
        // No engine in the item: the snapshot is described.
        change("t-described", item(&world, "public-only", "OK", json!({}))),
        change("t-private", neptune_item(&world, "private")),
        change(
            "t-aurora",
            item(
                &world,
                "reports-pg-shared",
                "OK",
                manual("aurora-postgresql", "reports-pg-shared"),
            ),
        ),
        change(
            "t-deleted",
            item(&world, "outside", "ResourceDeleted", Value::Null),
        ),
        ("t-scheduled", scheduled_event(RULE, "t-scheduled")),
    ];
    run(emulator, as_role(&world, "rule"), events);
    let calls = emulator.calls_since(&before);
    // ListAccounts is the reader role's call, not the rule role's.
    let mut granted = neptune_cluster_snapshot_not_shared_outside_org::SPEC.all_permissions();
    granted.push("organizations:ListAccounts");
    assert_calls_declared(&calls, &granted);
    // The organization is read for each evaluation that needs it: two changes and one run.
    for call in [
        "organizations:DescribeOrganization",
        "sts:AssumeRole",
        "organizations:ListAccounts",
    ] {
        assert_eq!(calls.get(call), Some(&3), "{call}: {calls:?}");
    }

    let organization = world.0["organization"].as_str().unwrap();
    let (_, compliance, annotation) = only(emulator, "t-inside");
    assert_eq!(compliance, "COMPLIANT", "{annotation}");
    assert!(
        annotation.contains(&format!("all in organization {organization}")),
        "{annotation}"
    );
    let (_, compliance, annotation) = only(emulator, "t-outside");
    assert_eq!(compliance, "NON_COMPLIANT", "{annotation}");
    assert!(
        annotation.contains("1 account(s) outside") && annotation.contains("999988887777"),
        "{annotation}"
    );
    assert!(
        !annotation.contains(world.0["sister"].as_str().unwrap()),
        "{annotation}"
    );
    assert_eq!(only(emulator, "t-described").1, "COMPLIANT");
    assert_eq!(only(emulator, "t-private").1, "COMPLIANT");
    assert_eq!(only(emulator, "t-aurora").1, "NOT_APPLICABLE");
    assert_eq!(only(emulator, "t-deleted").1, "NOT_APPLICABLE");

    // What Config keeps after the run (a scheduled run sends only what changed).
    let owner = world.0["owner"].as_str().unwrap();
    let kept = emulator.call(
        REGION,
        Some(owner),
        "config",
        "get_compliance_details_by_config_rule",
        json!({"ConfigRuleName": RULE, "Limit": 100}),
    );
    let kept: std::collections::BTreeMap<String, String> = kept["EvaluationResults"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let id = &r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"];
            let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
            (text(id), text(&r["ComplianceType"]))
        })
        .collect();
    // AWS documents no keeping of NOT_APPLICABLE results (the emulator keeps none).
    for (key, expected) in world.0["expected"].as_object().unwrap() {
        let name = key.rsplit('/').next().unwrap();
        if expected == "NOT_APPLICABLE" {
            continue;
        }
        assert_eq!(
            kept.get(name).map(String::as_str),
            expected.as_str(),
            "{name}: {kept:?}"
        );
    }
}

#[test]
fn a_role_the_reader_does_not_trust_gets_no_verdict_guessed() {
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "snapshot-sharing");
    let events = vec![
        change("u-outside", neptune_item(&world, "outside")),
        change("u-private", neptune_item(&world, "private")),
    ];
    run(emulator, as_role(&world, "untagged"), events);
    let (_, compliance, annotation) = only(emulator, "u-outside");
    assert_eq!(compliance, "NOT_APPLICABLE", "{annotation}");
    assert!(
        annotation.contains("AssumeRole failed") && annotation.contains("AccessDenied"),
        "{annotation}"
    );
    // Nothing shared by id: no organization needed, so the refusal changes nothing.
    assert_eq!(only(emulator, "u-private").1, "COMPLIANT");

    // The member template's reader role ARN is honoured: one in an account that may not list.
    let mut command = as_role(&world, "rule");
    let sister = world.0["sister"].as_str().unwrap();
    command.env(
        "NEPTUNE_GUARDRAILS_ORGANIZATION_ACCOUNTS_ROLE",
        format!("arn:aws:iam::{sister}:role/Elsewhere"),
    );
    let events = vec![change("e-outside", neptune_item(&world, "outside"))];
    run(emulator, command, events);
    let (_, compliance, annotation) = only(emulator, "e-outside");
    assert_eq!(compliance, "NOT_APPLICABLE", "{annotation}");
    assert!(
        annotation.contains("ListAccounts") && annotation.contains("AccessDenied"),
        "{annotation}"
    );
}

#[test]
fn an_account_in_no_organization_shares_with_no_one() {
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "snapshot-sharing");
    run(
        emulator,
        as_role(&world, "standalone"),
        vec![("s-run", scheduled_event(RULE, "s-run"))],
    );
    let verdicts = emulator.verdicts("s-run");
    let shared = verdicts
        .iter()
        .find(|(id, _, _)| id == "alone-shared")
        .expect("alone-shared judged");
    assert_eq!(shared.1, "NON_COMPLIANT", "{verdicts:?}");
    assert!(
        shared
            .2
            .contains("777766665555, which is in no organization"),
        "{}",
        shared.2
    );
}

/// The runbook's steps (tests/cfn/run_runbook.py, its script included) as the remediation role
/// the member template tags: only the outside account goes, the sister account stays; a
/// snapshot with none outside is left alone; then the rule passes it. As a role the reader
/// does not trust, the runbook stops before removing anything.
#[test]
fn the_runbook_removes_only_the_accounts_outside_the_organization() {
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "snapshot-sharing");
    let remediate = |snapshot: &str, role: &str| -> Value {
        let arn = world.0["snapshots"][snapshot].as_str().unwrap();
        let param = format!("DbClusterSnapshotIdentifier={arn}");
        let role = Some(&world.0["env"][role]);
        emulator.run_runbook(
            REGION,
            "NeptuneGuardrails-UnshareSnapshotOutsideOrg",
            &[param],
            role,
        )
    };
    let refused = remediate("outside", "untagged");
    assert_eq!(refused["step"], "FindOutsideAccounts", "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("AccessDenied"),
        "{refused}"
    );

    let removed = remediate("outside", "remediation");
    assert_eq!(
        removed["outputs"]["FindOutsideAccounts.Outside"],
        json!(["999988887777"]),
        "{removed}"
    );
    assert_eq!(
        removed["outputs"]["RequireNoneOutside.Removed"],
        json!(["999988887777"])
    );
    let untouched = remediate("inside", "remediation");
    assert_eq!(
        untouched["outputs"]["FindOutsideAccounts.Outside"],
        json!([]),
        "{untouched}"
    );
    assert!(!untouched["steps"]
        .as_array()
        .unwrap()
        .contains(&json!("RemoveOutsideAccounts")));

    let owner = world.0["owner"].as_str().unwrap();
    let restore = emulator.call(
        REGION,
        Some(owner),
        "neptune",
        "describe_db_cluster_snapshot_attributes",
        json!({"DBClusterSnapshotIdentifier": "outside"}),
    );
    let values = &restore["DBClusterSnapshotAttributesResult"]["DBClusterSnapshotAttributes"][0]
        ["AttributeValues"];
    assert_eq!(values, &json!([world.0["sister"]]), "{restore}");
    let events = vec![change("r-outside", neptune_item(&world, "outside"))];
    run(emulator, as_role(&world, "rule"), events);
    assert_eq!(only(emulator, "r-outside").1, "COMPLIANT");
}
