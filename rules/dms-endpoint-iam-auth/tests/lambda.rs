//! `neptune-dms-endpoint-iam-auth` through the real Lambda Runtime API protocol, against
//! moto: the evaluations asserted are the ones that reached the emulator's PutEvaluations.

use guardrails_testkit::*;
use serde_json::{json, Value};

const RULE: &str = "neptune-dms-endpoint-iam-auth";
const REGION: &str = "ap-southeast-2";

fn endpoint_item(world: &World, name: &str, configuration: Value) -> Value {
    let arn = world.dms_endpoint_arn(name);
    configuration_item("AWS::DMS::Endpoint", &arn, name, &arn, "OK", configuration)
}

fn verdict(emulator: &Emulator, token: &str) -> (String, String) {
    let evaluations = emulator.evaluations(token);
    assert_eq!(evaluations.len(), 1, "{token}: {evaluations:?}");
    (
        evaluations[0]["ComplianceType"]
            .as_str()
            .unwrap()
            .to_string(),
        evaluations[0]["Annotation"].as_str().unwrap().to_string(),
    )
}

#[test]
fn every_message_type_reaches_the_emulator_with_the_design_verdicts() {
    // Its own emulator, so that every call it sees is this rule's.
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "estate");
    let before = emulator.calls();
    let open_cluster = world.cluster("graph-open")["endpoint"]
        .as_str()
        .unwrap()
        .to_string();
    let settings = json!({"iamAuthEnabled": true, "serviceAccessRoleArn": "arn:aws:iam::123456789012:role/dms", "s3BucketName": "staging", "s3BucketFolder": "dms"});

    let events = vec![
        ("t-scheduled", scheduled_event(RULE, "t-scheduled")),
        // Config casing, no NeptuneSettings at all.
        (
            "t-no-settings",
            change_event(
                RULE,
                endpoint_item(
                    &world,
                    "no-settings",
                    json!({"endpointIdentifier": "no-settings", "engineName": "neptune", "serverName": open_cluster}),
                ),
                "t-no-settings",
                None,
            ),
        ),
        // Endpoint fine, target cluster has IAM off: the cross-check catches it ...
        (
            "t-target",
            change_event(
                RULE,
                endpoint_item(
                    &world,
                    "to-graph-open",
                    json!({"engineName": "neptune", "serverName": open_cluster, "neptuneSettings": settings}),
                ),
                "t-target",
                None,
            ),
        ),
        // ... unless the parameter turns the cross-check off.
        (
            "t-no-target",
            change_event(
                RULE,
                endpoint_item(
                    &world,
                    "to-graph-open",
                    json!({"engineName": "neptune", "serverName": open_cluster, "neptuneSettings": settings}),
                ),
                "t-no-target",
                Some(json!({"checkTargetCluster": "false"})),
            ),
        ),
        // Oversized: read back with DescribeEndpoints.
        (
            "t-oversized",
            oversized_event(
                RULE,
                endpoint_item(&world, "iam-off", Value::Null),
                "t-oversized",
            ),
        ),
        // Wrong resource type delivered to this rule.
        (
            "t-other-type",
            change_event(
                RULE,
                configuration_item(
                    "AWS::S3::Bucket",
                    "bucket",
                    "bucket",
                    "arn:aws:s3:::bucket",
                    "OK",
                    json!({}),
                ),
                "t-other-type",
                None,
            ),
        ),
        // Malformed.
        (
            "t-bad",
            json!({"invokingEvent": json!({"messageType": "ConfigurationItemChangeNotification"}).to_string(), "resultToken": "t-bad"}),
        ),
        (
            "t-params",
            config_event(
                RULE,
                json!({"messageType": "ScheduledNotification"}),
                "t-params",
                Some(json!({"checkTargetCluster": "sometimes"})),
            ),
        ),
    ];
    let binary = env!("CARGO_BIN_EXE_neptune-dms-endpoint-iam-auth");
    let run = run_lambda(binary.as_ref(), emulator, REGION, events);
    assert_calls_declared(
        &emulator.calls_since(&before),
        &neptune_dms_endpoint_iam_auth::SPEC.all_permissions(),
    );
    let outcomes = &run.outcomes;
    assert_eq!(outcomes.len(), 8, "{outcomes:#?}");

    let mut scheduled: Vec<_> = emulator
        .evaluations("t-scheduled")
        .into_iter()
        .map(|e| {
            (
                e["ComplianceResourceId"].as_str().unwrap().to_string(),
                e["ComplianceType"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    scheduled.sort();
    // NOT_APPLICABLE (the MySQL source) is the absence of a result: not sent.
    let mut expected = world.expected_sent_for(RULE);
    expected.sort();
    assert_eq!(
        scheduled
            .iter()
            .map(|(id, c)| (world.name_of(id), c.clone()))
            .collect::<Vec<_>>(),
        expected
            .iter()
            .map(|(id, c)| (world.name_of(id), c.clone()))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        scheduled.len(),
        7,
        "one evaluation per Neptune endpoint (the MySQL source's NOT_APPLICABLE is not sent)"
    );
    let ts = emulator.evaluations("t-scheduled")[0]["OrderingTimestamp"]
        .as_f64()
        .unwrap();
    assert_eq!(
        ts,
        CAPTURE_EPOCH + 2.0 * 3600.0,
        "scheduled evaluations carry the notification time"
    );

    assert_eq!(verdict(emulator, "t-no-settings"), ("NON_COMPLIANT".into(), "NeptuneSettings missing; target cluster graph-open has IAMDatabaseAuthenticationEnabled=false".into()));
    assert_eq!(
        verdict(emulator, "t-target"),
        (
            "NON_COMPLIANT".into(),
            "target cluster graph-open has IAMDatabaseAuthenticationEnabled=false".into()
        )
    );
    assert_eq!(
        verdict(emulator, "t-no-target"),
        (
            "COMPLIANT".into(),
            "IamAuthEnabled with service access role and S3 staging bucket".into()
        )
    );
    assert_eq!(
        verdict(emulator, "t-oversized"),
        (
            "NON_COMPLIANT".into(),
            "NeptuneSettings.IamAuthEnabled is false; target cluster graph-iam has IAM DB auth on"
                .into()
        )
    );
    assert_eq!(
        verdict(emulator, "t-other-type"),
        (
            "NOT_APPLICABLE".into(),
            "AWS::S3::Bucket is not evaluated by neptune-dms-endpoint-iam-auth".into()
        )
    );

    // One JSON log line per evaluation: 8 scheduled + 5 single-resource events.
    assert_eq!(run.evaluation_logs().len(), 13, "{:#?}", run.logs);

    for (name, error_type, message) in [
        (
            "t-bad",
            "MalformedConfigEvent",
            "no `configurationItem` in the change notification",
        ),
        (
            "t-params",
            "InvalidRuleParameters",
            "parameter `checkTargetCluster` must be true or false, not `sometimes`",
        ),
    ] {
        assert_error_outcome(outcomes, name, error_type, message);
    }
}

/// The exemption tag through the Lambda: exempt through its day on a scheduled run (tags of
/// every failing endpoint read in one ListTagsForResource call) and on a change, NON_COMPLIANT
/// again once the day passed.
#[test]
fn an_exemption_tag_exempts_a_failing_endpoint_through_its_day() {
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "estate");
    let arn = world.dms_endpoint_arn("iam-off");
    assert_exemption_lifecycle(
        emulator,
        ExemptionCase {
            binary: env!("CARGO_BIN_EXE_neptune-dms-endpoint-iam-auth").as_ref(),
            rule: RULE,
            region: REGION,
            resource_id: arn.clone(),
            target: TagTarget::Dms(arn),
            item: endpoint_item(
                &world,
                "iam-off",
                json!({"endpointIdentifier": "iam-off", "engineName": "neptune", "neptuneSettings": {"iamAuthEnabled": false, "serviceAccessRoleArn": "arn:aws:iam::123456789012:role/dms", "s3BucketName": "staging"}}),
            ),
            permissions: neptune_dms_endpoint_iam_auth::SPEC.all_permissions(),
            tag_reads: ("dms:ListTagsForResource", 1),
        },
    );
}
