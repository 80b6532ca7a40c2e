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

    // The scheduled run judges every cluster, Neptune or not, and sends what differs from
    // the results the change events left: graph-open (its deletion event was wrong), not
    // the two already recorded COMPLIANT, nor the cluster of another engine, whose
    // NOT_APPLICABLE is the absence of a result. Config's results then hold every Neptune
    // cluster's verdict.
    let expected = world.expected_for(RULE);
    assert_eq!(expected.len(), 4, "one verdict per cluster, Neptune or not");
    let unchanged = [id("graph-iam"), id("graph-fixed")];
    let sent: Vec<_> = world
        .expected_sent_for(RULE)
        .into_iter()
        .filter(|(r, _)| !unchanged.contains(r))
        .collect();
    assert_eq!(emulator.verdict_pairs("t-scheduled"), sent);
    assert_eq!(
        emulator.recorded_results(REGION, RULE),
        world.expected_sent_for(RULE)
    );

    match outcome(outcomes, "t-scheduled") {
        Outcome::Response { body, .. } => {
            assert_eq!(body["evaluations"], 4);
            assert_eq!(body["non_compliant"], 1);
            assert_eq!(body["not_applicable"], 1);
            assert_eq!(
                (body["sent"].as_u64(), body["unchanged"].as_u64()),
                (Some(1), Some(3)),
                "{body}"
            );
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
            "unknown parameter `strict` for neptune-cluster-iam-auth (known: exemptionTag)",
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

/// A change event whose item lacks the IAM field, so the rule must describe the cluster.
fn event_needing_a_describe(world: &World, name: &str, token: &str) -> Value {
    change_event(
        RULE,
        world.cluster_item(name, "OK", json!({"engine": "neptune"})),
        token,
        None,
    )
}

#[test]
fn a_cluster_the_rule_cannot_read_keeps_its_recorded_violation() {
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "estate");
    let binary = env!("CARGO_BIN_EXE_neptune-cluster-iam-auth");
    let id = |name: &str| world.cluster_id(name);
    // A change event for graph-open whose describe (the item lacks the IAM field) is denied.
    let unreadable_change = |token: &str| {
        emulator.inject_faults_where(1.0, 7, "actions=DescribeDBClusters&kinds=access-denied");
        let event = event_needing_a_describe(&world, "graph-open", token);
        let run = run_lambda(binary.as_ref(), emulator, REGION, vec![(token, event)]);
        emulator.inject_faults(0.0, 0);
        run
    };
    let body = |run: &LambdaRun, token: &str| match outcome(&run.outcomes, token) {
        Outcome::Response { body, .. } => body.clone(),
        other => panic!("{token}: {other:?}"),
    };

    // Nothing recorded yet: an unreadable cluster is reported "not evaluated".
    let early = unreadable_change("t-early");
    assert_eq!(body(&early, "t-early")["sent"], 1);
    let sent = emulator.verdicts("t-early");
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].1, "NOT_APPLICABLE");
    assert!(sent[0].2.contains("could not read"), "{sent:?}");

    // A scheduled run records graph-open NON_COMPLIANT.
    run_lambda(
        binary.as_ref(),
        emulator,
        REGION,
        vec![("t-first", scheduled_event(RULE, "t-first"))],
    );
    let recorded = emulator.recorded_results(REGION, RULE);
    assert!(recorded.contains(&(id("graph-open"), "NON_COMPLIANT".into())));

    // The next change cannot read it: the violation stands in Config, nothing is sent.
    let unread = unreadable_change("t-unread");
    let answer = body(&unread, "t-unread");
    assert_eq!(
        (answer["sent"].as_u64(), answer["kept"].as_u64()),
        (Some(0), Some(1)),
        "{answer}"
    );
    assert_eq!(answer["put_evaluations_calls"], 1, "{answer}");
    assert!(emulator.verdicts("t-unread").is_empty());
    assert_eq!(emulator.recorded_results(REGION, RULE), recorded);
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

/// One scheduled run in its own invocation; the Lambda's response.
fn scheduled_run(emulator: &Emulator, region: &str, token: &str) -> Value {
    scheduled_run_as(emulator, region, token, RULE)
}

/// A scheduled run of the rule deployed under the Config rule name `rule_name`.
fn scheduled_run_as(emulator: &Emulator, region: &str, token: &str, rule_name: &str) -> Value {
    let binary = env!("CARGO_BIN_EXE_neptune-cluster-iam-auth");
    let mut event = scheduled_event(RULE, token);
    event["configRuleName"] = json!(rule_name);
    let run = run_lambda(binary.as_ref(), emulator, region, vec![(token, event)]);
    match outcome(&run.outcomes, token) {
        Outcome::Response { body, .. } => body.clone(),
        other => panic!("{token}: {other:?}"),
    }
}

#[test]
fn scheduled_runs_send_only_what_changed_since_the_recorded_results() {
    let emulator = &Emulator::start();
    let region = "eu-west-2";
    let world = emulator.seed(region, "fleet");
    let all = world.expected_for(RULE).len();
    assert_eq!(all, 120);

    // No results recorded yet (a new or re-created rule): a full report.
    let first = scheduled_run(emulator, region, "t-first");
    assert_eq!(
        (first["sent"].as_u64(), first["unchanged"].as_u64()),
        (Some(120), Some(0)),
        "{first}"
    );
    assert_eq!(emulator.verdict_pairs("t-first"), world.expected_for(RULE));

    // Nothing changed: the results are read (⌈120/100⌉ pages), nothing is sent, and one
    // empty PutEvaluations answers the token.
    let before = emulator.calls();
    let steady = scheduled_run(emulator, region, "t-steady");
    assert_eq!(steady["sent"], 0, "{steady}");
    assert_eq!(steady["unchanged"], 120, "{steady}");
    assert_eq!(steady["put_evaluations_calls"], 1, "{steady}");
    assert!(emulator.verdicts("t-steady").is_empty());
    let calls = emulator.calls_since(&before);
    assert_eq!(
        calls.get("config:GetComplianceDetailsByConfigRule"),
        Some(&2),
        "{calls:?}"
    );
    assert_eq!(calls.get("config:PutEvaluations"), Some(&1), "{calls:?}");

    // Three clusters change: exactly three evaluations, with the new verdicts.
    let changed = [
        ("fleet-00000", true),
        ("fleet-00003", true),
        ("fleet-00001", false),
    ];
    for (name, iam) in changed {
        emulator.call(
            region,
            None,
            "neptune",
            "modify_db_cluster",
            json!({"DBClusterIdentifier": name, "EnableIAMDatabaseAuthentication": iam, "ApplyImmediately": true}),
        );
    }
    let after_changes = scheduled_run(emulator, region, "t-changed");
    assert_eq!(
        (
            after_changes["sent"].as_u64(),
            after_changes["unchanged"].as_u64()
        ),
        (Some(3), Some(117))
    );
    let mut expected: Vec<(String, String)> = changed
        .iter()
        .map(|(name, iam)| {
            let compliance = if *iam { "COMPLIANT" } else { "NON_COMPLIANT" };
            (world.cluster_id(name), compliance.to_string())
        })
        .collect();
    expected.sort();
    assert_eq!(emulator.verdict_pairs("t-changed"), expected);

    // Two clusters are deleted: NOT_APPLICABLE once, then nothing.
    let deleted = ["fleet-00002", "fleet-00004"];
    for name in deleted {
        emulator.call(
            region,
            None,
            "neptune",
            "delete_db_cluster",
            json!({"DBClusterIdentifier": name, "SkipFinalSnapshot": true}),
        );
    }
    let cleaned = scheduled_run(emulator, region, "t-deleted");
    assert_eq!(
        (cleaned["sent"].as_u64(), cleaned["gone"].as_u64()),
        (Some(2), Some(2)),
        "{cleaned}"
    );
    let mut expected: Vec<(String, String, String)> = deleted
        .iter()
        .map(|name| {
            (
                world.cluster_id(name),
                "NOT_APPLICABLE".into(),
                "resource no longer exists".into(),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(emulator.verdicts("t-deleted"), expected);
    let quiet = scheduled_run(emulator, region, "t-quiet");
    assert_eq!(
        (quiet["sent"].as_u64(), quiet["gone"].as_u64()),
        (Some(0), Some(0)),
        "{quiet}"
    );

    // The results cannot be read: everything is sent, never nothing.
    emulator.inject_faults_where(
        1.0,
        3,
        "actions=GetComplianceDetailsByConfigRule&kinds=internal-failure",
    );
    let blind = scheduled_run(emulator, region, "t-blind");
    emulator.inject_faults(0.0, 0);
    assert_eq!(blind["sent"], 118, "{blind}");
    let reason = blind["full_report_because"].as_str().unwrap_or_default();
    assert!(
        reason.contains("GetComplianceDetailsByConfigRule failed"),
        "{blind}"
    );
    assert_eq!(emulator.verdicts("t-blind").len(), 118);

    // A conformance pack names the rule `RULE-conformance-pack-…`: its results are read
    // under the name the event gives, so its second run is quiet too.
    let packed = format!("{RULE}-conformance-pack-k3xzwq9b");
    let pack_first = scheduled_run_as(emulator, region, "t-pack-first", &packed);
    assert_eq!(pack_first["sent"], 118, "{pack_first}");
    let pack_steady = scheduled_run_as(emulator, region, "t-pack-steady", &packed);
    assert_eq!(
        (
            pack_steady["sent"].as_u64(),
            pack_steady["full_report_because"].as_str()
        ),
        (Some(0), None),
        "{pack_steady}"
    );
}

/// The exemption tag through the Lambda: exempt through its day on a scheduled run (tags
/// read for failing clusters only) and on a change, NON_COMPLIANT again once the day passed.
#[test]
fn an_exemption_tag_exempts_a_failing_cluster_through_its_day() {
    let emulator = &Emulator::start();
    let region = "us-west-1";
    let world = emulator.seed(region, "estate");
    let failing = world.failing(RULE);
    assert_exemption_lifecycle(
        emulator,
        ExemptionCase {
            binary: env!("CARGO_BIN_EXE_neptune-cluster-iam-auth").as_ref(),
            rule: RULE,
            region,
            resource_id: world.cluster_id("graph-open"),
            target: TagTarget::Neptune(world.cluster("graph-open")["arn"].as_str().unwrap().into()),
            item: world.cluster_item(
                "graph-open",
                "OK",
                json!({"dBClusterIdentifier": "graph-open", "engine": "neptune", "iAMDatabaseAuthenticationEnabled": false}),
            ),
            permissions: neptune_cluster_iam_auth::SPEC.all_permissions(),
            tag_reads: ("rds:ListTagsForResource", failing),
        },
    );
}
