//! `neptune-cluster-audit-logging-on` through the real Lambda Runtime API protocol, against
//! moto with bridge 29 (cluster parameter groups as AWS keeps them): the evaluations asserted
//! are the ones that reached the emulator's PutEvaluations.

use guardrails_testkit::*;
use serde_json::{json, Value};

const RULE: &str = "neptune-cluster-audit-logging-on";
const REGION: &str = "eu-north-1";
const BINARY: &str = env!("CARGO_BIN_EXE_neptune-cluster-audit-logging-on");

/// The item AWS Config records for the `pending-reboot` cluster: its second instance still
/// waits for the reboot that applies the group's `neptune_enable_audit_log=1`.
fn pending_item(world: &World) -> Value {
    world.cluster_item(
        "pending-reboot",
        "OK",
        json!({
            "dBClusterIdentifier": "pending-reboot",
            "engine": "neptune",
            "dBClusterParameterGroup": "pending-params",
            "enabledCloudwatchLogsExports": ["audit"],
            "dBClusterMembers": [
                {"dBInstanceIdentifier": "pending-reboot-0", "dBClusterParameterGroupStatus": "in-sync"},
                {"dBInstanceIdentifier": "pending-reboot-1", "dBClusterParameterGroupStatus": "pending-reboot"}
            ]
        }),
    )
}

#[test]
fn every_message_type_reaches_the_emulator_with_the_design_verdicts() {
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "audit-logging");
    let id = |name: &str| world.cluster_id(name);
    let before = emulator.calls();
    let events = vec![
        (
            "t-change",
            change_event(RULE, pending_item(&world), "t-change", None),
        ),
        // No member list in the item: the cluster is described, its default group read.
        (
            "t-describe",
            change_event(
                RULE,
                world.cluster_item("default-group", "OK", json!({"engine": "neptune"})),
                "t-describe",
                None,
            ),
        ),
        (
            "t-other-engine",
            change_event(
                RULE,
                world.cluster_item("reports-pg", "OK", json!({"engine": "aurora-postgresql"})),
                "t-other-engine",
                None,
            ),
        ),
        (
            "t-deleted",
            change_event(
                RULE,
                world.cluster_item("export-off", "ResourceDeleted", Value::Null),
                "t-deleted",
                None,
            ),
        ),
        ("t-scheduled", scheduled_event(RULE, "t-scheduled")),
    ];
    let run = run_lambda(BINARY.as_ref(), emulator, REGION, events);
    assert_calls_declared(
        &emulator.calls_since(&before),
        &neptune_cluster_audit_logging_on::SPEC.all_permissions(),
    );
    assert_eq!(run.outcomes.len(), 5, "{:#?}", run.outcomes);

    let change = emulator.verdicts("t-change");
    assert_eq!(change.len(), 1);
    assert_eq!(
        (change[0].0.as_str(), change[0].1.as_str()),
        (id("pending-reboot").as_str(), "NON_COMPLIANT")
    );
    assert!(
        change[0].2.contains(
            "instance(s) pending-reboot-1 have a pending reboot for parameter group pending-params"
        ),
        "{}",
        change[0].2
    );
    let described = emulator.verdicts("t-describe");
    assert_eq!(
        (described[0].0.as_str(), described[0].1.as_str()),
        (id("default-group").as_str(), "NON_COMPLIANT")
    );
    assert!(
        described[0]
            .2
            .contains("parameter group default.neptune1.3 sets neptune_enable_audit_log to \"0\""),
        "{}",
        described[0].2
    );
    assert_eq!(
        emulator.verdicts("t-other-engine"),
        [(
            id("reports-pg"),
            "NOT_APPLICABLE".into(),
            "engine aurora-postgresql is not Neptune".into()
        )]
    );
    assert_eq!(
        emulator.verdicts("t-deleted"),
        [(
            id("export-off"),
            "NOT_APPLICABLE".into(),
            "resource deleted".into()
        )]
    );
    // Every case of the world, as seeded: on, export off, default group, pending reboot,
    // rebooted (COMPLIANT only because the emulator applies a reboot), another engine.
    assert_eq!(world.expected_for(RULE).len(), 6);
    assert_eq!(
        emulator.recorded_results(REGION, RULE),
        world.expected_sent_for(RULE)
    );
    let scheduled = emulator.verdicts("t-scheduled");
    let annotation = |name: &str| {
        let id = id(name);
        scheduled
            .iter()
            .find(|(rid, _, _)| *rid == id)
            .map(|(_, _, a)| a.clone())
            .unwrap()
    };
    assert!(
        annotation("export-off").ends_with(
            "writes no audit log: audit is not exported to CloudWatch Logs (runbook \
             NeptuneGuardrails-EnableClusterAuditLog; the reboot is yours to schedule)"
        ),
        "{}",
        annotation("export-off")
    );
    assert!(annotation("rebooted").starts_with("audit logging is on for cluster rebooted"));
}

/// A scheduled run lists the clusters once and reads each parameter group once, however many
/// clusters share it: 4 groups (the default, and 3 custom) for 5 Neptune clusters.
#[test]
fn a_scheduled_run_reads_each_parameter_group_once() {
    let emulator = Emulator::start();
    let world = emulator.seed(REGION, "audit-logging");
    let before = emulator.calls();
    let run = run_lambda(
        BINARY.as_ref(),
        &emulator,
        REGION,
        vec![("t-once", scheduled_event(RULE, "t-once"))],
    );
    assert_eq!(run.logged_pairs(), world.expected_for(RULE));
    let calls = emulator.calls_since(&before);
    assert_eq!(calls.get("rds:DescribeDBClusters"), Some(&1), "{calls:?}");
    assert_eq!(
        calls.get("rds:DescribeDBClusterParameters"),
        Some(&4),
        "{calls:?}"
    );
    assert_eq!(
        calls.get("rds:ListTagsForResource").copied(),
        Some(world.failing(RULE)),
        "tags of failing clusters only: {calls:?}"
    );
}

#[test]
fn an_exemption_tag_exempts_a_cluster_without_audit_logs_through_its_day() {
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "audit-logging");
    assert_exemption_lifecycle(
        emulator,
        ExemptionCase {
            binary: BINARY.as_ref(),
            rule: RULE,
            region: REGION,
            resource_id: world.cluster_id("pending-reboot"),
            target: TagTarget::Neptune(
                world.cluster("pending-reboot")["arn"]
                    .as_str()
                    .unwrap()
                    .into(),
            ),
            item: pending_item(&world),
            permissions: neptune_cluster_audit_logging_on::SPEC.all_permissions(),
            tag_reads: ("rds:ListTagsForResource", world.failing(RULE)),
        },
    );
}

/// The runbook through its API steps (tests/cfn/run_runbook.py) against the emulator: a
/// cluster on the default group is moved to a copy with the audit log on, one that does not
/// export audit gets the export; both then wait for the reboot the runbook never does, and
/// pass once their instances reboot. The emulator refuses a change to a default group
/// (bridge 29) and applies the export (bridge 31): a runbook that skipped the copy, or one
/// whose export changed nothing, fails here.
#[test]
fn the_runbook_turns_audit_logging_on_and_leaves_the_reboot_to_the_owner() {
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "audit-logging");
    let remediate = |cluster: &str| -> Value {
        let param = format!("DbClusterResourceId={}", world.cluster_id(cluster));
        emulator.run_runbook(
            REGION,
            "NeptuneGuardrails-EnableClusterAuditLog",
            &[param],
            None,
        )
    };
    let moved = remediate("default-group");
    assert_eq!(
        moved["outputs"]["ReadBack.ParameterGroup"], "default-group-audit-log",
        "{moved}"
    );
    assert_eq!(
        moved["outputs"]["ReadBack.MemberStatus"],
        json!(["pending-reboot"])
    );
    let exported = remediate("export-off");
    assert_eq!(
        exported["outputs"]["ReadBack.Exports"],
        json!(["slowquery", "audit"]),
        "{exported}"
    );
    let scheduled = |token: &str| {
        run_lambda(
            BINARY.as_ref(),
            emulator,
            REGION,
            vec![(token, scheduled_event(RULE, token))],
        );
        emulator.verdicts(token)
    };
    let of = |verdicts: &[(String, String, String)], name: &str| {
        let id = world.cluster_id(name);
        let found = verdicts.iter().find(|(rid, _, _)| *rid == id);
        let (_, compliance, annotation) = found.unwrap();
        (compliance.clone(), annotation.clone())
    };
    let waiting = scheduled("t-waiting");
    for (name, group) in [
        ("default-group", "default-group-audit-log"),
        ("export-off", "audit-params"),
    ] {
        let (compliance, annotation) = of(&waiting, name);
        assert_eq!(compliance, "NON_COMPLIANT", "{annotation}");
        assert!(
            annotation.contains(&format!(
                "writes no audit log: instance(s) {name}-0 have a pending reboot for parameter \
                 group {group}"
            )),
            "{annotation}"
        );
        emulator.call(
            REGION,
            None,
            "neptune",
            "reboot_db_instance",
            json!({"DBInstanceIdentifier": format!("{name}-0")}),
        );
    }
    let rebooted = scheduled("t-rebooted");
    for name in ["default-group", "export-off"] {
        assert_eq!(
            of(&rebooted, name).0,
            "COMPLIANT",
            "{:?}",
            of(&rebooted, name)
        );
    }
}
