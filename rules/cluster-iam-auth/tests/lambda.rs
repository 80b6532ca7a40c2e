//! `neptune-cluster-iam-auth` through the real Lambda Runtime API protocol, against moto:
//! the evaluations asserted are the ones that reached the emulator's PutEvaluations.

use guardrails_testkit::*;
use serde_json::{json, Value};

const RULE: &str = "neptune-cluster-iam-auth";
const REGION: &str = "us-west-2";

#[test]
fn every_message_type_reaches_the_emulator_with_the_design_verdicts() {
    // Its own emulator, so that every call it sees is this rule's.
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "estate");
    let before = emulator.calls();
    let id = |name: &str| world.cluster_id(name);

    let events = vec![
        // Change, Config's casing, IAM off.
        ("t-change", change_event(
            RULE,
            world.cluster_item(
                "graph-open",
                "OK",
                json!({"dBClusterIdentifier": "graph-open", "engine": "neptune", "iAMDatabaseAuthenticationEnabled": false}),
            ),
            "t-change",
            None,
        )),
        // Change whose item lacks the IAM field: read back with DescribeDBClusters.
        ("t-describe", change_event(
            RULE,
            world.cluster_item("graph-iam", "OK", json!({"engine": "neptune"})),
            "t-describe",
            None,
        )),
        // Oversized: history (which moto lacks for RDS) or describe.
        ("t-oversized", oversized_event(
            RULE,
            world.cluster_item("graph-fixed", "OK", Value::Null),
            "t-oversized",
        )),
        // Deleted.
        ("t-deleted", change_event(
            RULE,
            world.cluster_item("graph-open", "ResourceDeleted", Value::Null),
            "t-deleted",
            None,
        )),
        // Scheduled: every cluster of every engine.
        ("t-scheduled", scheduled_event(RULE, "t-scheduled")),
        // Malformed events and parameters.
        ("not-an-event", json!("not an event")),
        ("t-bad", json!({"invokingEvent": "{not json", "resultToken": "t-bad"})),
        ("t-params", config_event(
            RULE,
            json!({"messageType": "ScheduledNotification"}),
            "t-params",
            Some(json!({"strict": "true"})),
        )),
    ];
    let binary = env!("CARGO_BIN_EXE_neptune-cluster-iam-auth");
    let run = run_lambda(binary.as_ref(), emulator, REGION, events);
    assert_calls_declared(
        &emulator.calls_since(&before),
        &neptune_cluster_iam_auth::SPEC.all_permissions(),
    );
    let outcomes = &run.outcomes;
    assert_eq!(outcomes.len(), 8, "{outcomes:#?}");

    assert_eq!(
        emulator.verdicts("t-change"),
        [(id("graph-open"), "NON_COMPLIANT".into(), "IAMDatabaseAuthenticationEnabled is false on Neptune cluster graph-open: enable IAM DB auth (runbook NeptuneGuardrails-EnableClusterIamAuth)".into())]
    );
    let change = emulator.evaluations("t-change");
    assert_eq!(change[0]["OrderingTimestamp"].as_f64(), Some(CAPTURE_EPOCH));
    assert_eq!(change[0]["ComplianceResourceType"], "AWS::RDS::DBCluster");

    assert_eq!(
        emulator.verdicts("t-describe"),
        [(
            id("graph-iam"),
            "COMPLIANT".into(),
            "IAMDatabaseAuthenticationEnabled is true".into()
        )]
    );
    assert_eq!(
        emulator.verdicts("t-oversized"),
        [(
            id("graph-fixed"),
            "COMPLIANT".into(),
            "IAMDatabaseAuthenticationEnabled is true".into()
        )]
    );
    assert_eq!(
        emulator.verdicts("t-deleted"),
        [(
            id("graph-open"),
            "NOT_APPLICABLE".into(),
            "resource deleted".into()
        )]
    );

    let scheduled = emulator.verdict_pairs("t-scheduled");
    let expected = world.expected_for(RULE);
    assert_eq!(scheduled, expected);
    assert_eq!(
        scheduled.len(),
        4,
        "one evaluation per cluster, Neptune or not"
    );

    match outcome(outcomes, "t-scheduled") {
        Outcome::Response { body, .. } => {
            assert_eq!(body["evaluations"], 4);
            assert_eq!(body["non_compliant"], 1);
            assert_eq!(body["put_evaluations_calls"], 1);
        }
        other => panic!("{other:?}"),
    }
    for (name, error_type, message) in [
        (
            "not-an-event",
            "MalformedConfigEvent",
            "malformed Config event: the event is not a JSON object",
        ),
        (
            "t-bad",
            "MalformedConfigEvent",
            "`invokingEvent` is not a JSON string",
        ),
        (
            "t-params",
            "InvalidRuleParameters",
            "unknown parameter `strict` for neptune-cluster-iam-auth (known: none)",
        ),
    ] {
        assert_error_outcome(outcomes, name, error_type, message);
    }
    assert!(emulator.evaluations("t-params").is_empty());

    // Structured logs: one JSON line per evaluation (1 + 1 + 1 + 1 + 4 = 8).
    let logged = run.evaluation_logs();
    assert_eq!(logged.len(), 8, "{:#?}", run.logs);
    let open = logged
        .iter()
        .find(|l| {
            l["resource_id"] == id("graph-open").as_str() && l["compliance"] == "NON_COMPLIANT"
        })
        .expect("the non-compliant cluster is logged");
    assert_eq!(open["rule"], RULE);
    assert_eq!(open["resource_type"], "AWS::RDS::DBCluster");
    assert_eq!(open["evaluated"], true);
    assert_eq!(open["level"], "INFO");
}

#[test]
fn scheduled_runs_page_through_every_cluster_and_batch_put_evaluations() {
    let emulator = Emulator::shared();
    let region = "ca-central-1";
    let world = emulator.seed(region, "fleet");
    let binary = env!("CARGO_BIN_EXE_neptune-cluster-iam-auth");
    let run = run_lambda(
        binary.as_ref(),
        emulator,
        region,
        vec![("t-fleet", scheduled_event(RULE, "t-fleet"))],
    );
    match outcome(&run.outcomes, "t-fleet") {
        Outcome::Response { body, .. } => {
            assert_eq!(body["evaluations"], 120, "{body}");
            assert_eq!(body["put_evaluations_calls"], 2, "⌈120/100⌉ calls");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        emulator.verdict_pairs("t-fleet"),
        world.expected_for(RULE),
        "exactly one evaluation per cluster across pages"
    );
}

#[test]
fn under_injected_faults_every_cluster_gets_exactly_one_evaluation() {
    // An emulator of its own: faults hit every request it serves.
    let emulator = Emulator::start();
    let region = "ap-south-1";
    let world = emulator.seed(region, "fleet");
    emulator.inject_faults(0.25, 15);
    let binary = env!("CARGO_BIN_EXE_neptune-cluster-iam-auth");
    let run = run_lambda(
        binary.as_ref(),
        &emulator,
        region,
        vec![("t-faults", scheduled_event(RULE, "t-faults"))],
    );
    let faults = emulator.faults();
    emulator.inject_faults(0.0, 0);
    match outcome(&run.outcomes, "t-faults") {
        Outcome::Response { body, .. } => assert_eq!(body["evaluations"], 120, "{body}"),
        other => panic!("the run did not survive the faults ({faults:?}): {other:?}"),
    }
    assert_nothing_lost(
        "120-cluster scheduled run",
        &faults,
        &world.expected_for(RULE),
        &emulator.verdict_pairs("t-faults"),
    );
}

#[test]
fn stalled_and_cut_off_responses_are_retried_without_losing_an_evaluation() {
    let emulator = Emulator::start();
    let region = "ap-south-1";
    let world = emulator.seed(region, "fleet");
    // A stalled request is held 30 s; the rule gives an attempt 1 s, then retries. A cut-off
    // response ends half-way through its body (moto did serve the request), on reads only:
    // a repeated PutEvaluations would be harmless in Config but counted twice here.
    emulator.inject_faults_where(
        0.3,
        8,
        "kinds=stall,cut-body&stall=30&actions=DescribeDBClusters",
    );
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_neptune-cluster-iam-auth"));
    command.env(guardrails_core::aws::ATTEMPT_TIMEOUT_ENV, "1000");
    let run = run_lambda_command(
        command,
        &emulator,
        region,
        vec![("t-stalls", scheduled_event(RULE, "t-stalls"))],
        std::time::Duration::from_secs(60),
    );
    let faults = emulator.faults();
    emulator.inject_faults(0.0, 0);
    match outcome(&run.outcomes, "t-stalls") {
        Outcome::Response { body, .. } => assert_eq!(body["evaluations"], 120, "{body}"),
        other => panic!("the run did not survive the stalls ({faults:?}): {other:?}"),
    }
    for kind in ["stall", "cut-body"] {
        assert!(faults.get(kind).copied().unwrap_or(0) > 0, "{faults:?}");
    }
    assert!(
        run.elapsed < std::time::Duration::from_secs(30),
        "the run waited for a stalled answer ({:?}) instead of timing the attempt out",
        run.elapsed
    );
    assert_nothing_lost(
        "120-cluster scheduled run, stalled and cut-off responses",
        &faults,
        &world.expected_for(RULE),
        &emulator.verdict_pairs("t-stalls"),
    );
}
