//! `neptune-cluster-network-exposure` through the real Lambda Runtime API protocol, against
//! moto: the evaluations asserted are the ones that reached the emulator's PutEvaluations.

use guardrails_testkit::*;
use serde_json::{json, Value};

const RULE: &str = "neptune-cluster-network-exposure";
const REGION: &str = "ap-northeast-1";

#[test]
fn every_message_type_reaches_the_emulator_with_the_design_verdicts() {
    // Its own emulator, so that every call it sees is this rule's.
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "posture");
    let id = |name: &str| world.cluster_id(name);
    let group = |name: &str| world.0["subnet_groups"][name].as_str().unwrap().to_string();
    let gateway = world.0["internet_gateway"].as_str().unwrap().to_string();
    let before = emulator.calls();

    let events = vec![
        // Change, Config's casing, with the subnet group and security groups: reads instances,
        // group, routes and security groups.
        ("t-change", change_event(
            RULE,
            world.cluster_item(
                "exposed",
                "OK",
                json!({
                    "dBClusterIdentifier": "exposed", "engine": "neptune", "dBSubnetGroup": group("exposed"),
                    "port": 8182,
                    "vpcSecurityGroups": [{"vpcSecurityGroupId": world.0["security_groups"]["exposed"], "status": "active"}]
                }),
            ),
            "t-change",
            None,
        )),
        // Change whose item lacks the engine and subnet group: read back with a describe call.
        ("t-describe", change_event(
            RULE,
            world.cluster_item("hardened", "OK", json!({})),
            "t-describe",
            None,
        )),
        ("t-other-engine", change_event(
            RULE,
            world.cluster_item("analytics-pg", "OK", json!({"engine": "aurora-postgresql"})),
            "t-other-engine",
            None,
        )),
        ("t-oversized", oversized_event(
            RULE,
            world.cluster_item("hardened", "OK", Value::Null),
            "t-oversized",
        )),
        ("t-deleted", change_event(
            RULE,
            world.cluster_item("exposed", "ResourceDeleted", Value::Null),
            "t-deleted",
            None,
        )),
        ("t-scheduled", scheduled_event(RULE, "t-scheduled")),
        ("t-params", config_event(
            RULE,
            json!({"messageType": "ScheduledNotification"}),
            "t-params",
            Some(json!({"allClusters": "true"})),
        )),
    ];
    let binary = env!("CARGO_BIN_EXE_neptune-cluster-network-exposure");
    let run = run_lambda(binary.as_ref(), emulator, REGION, events);
    assert_calls_declared(
        &emulator.calls_since(&before),
        &neptune_cluster_network_exposure::SPEC.all_permissions(),
    );
    assert_eq!(run.outcomes.len(), 7, "{:#?}", run.outcomes);

    let change = emulator.verdicts("t-change");
    assert_eq!(change.len(), 1);
    assert_eq!(
        (change[0].0.as_str(), change[0].1.as_str()),
        (id("exposed").as_str(), "NON_COMPLIANT")
    );
    assert!(
        change[0].2.starts_with(
            "cluster exposed: reachable from the internet now: instance exposed-0 (public)"
        ),
        "{}",
        change[0].2
    );
    assert!(
        change[0].2.contains(&format!(" to {gateway}, ")),
        "{}",
        change[0].2
    );
    for token in ["t-describe", "t-oversized"] {
        let verdicts = emulator.verdicts(token);
        assert_eq!(verdicts.len(), 1, "{token}");
        assert_eq!(
            (verdicts[0].0.as_str(), verdicts[0].1.as_str()),
            (id("hardened").as_str(), "COMPLIANT"),
            "{token}: {}",
            verdicts[0].2
        );
        assert!(
            verdicts[0].2.contains("none of the 2 subnet(s)"),
            "{}",
            verdicts[0].2
        );
    }
    assert_eq!(
        emulator.verdicts("t-other-engine"),
        [(
            id("analytics-pg"),
            "NOT_APPLICABLE".into(),
            "engine aurora-postgresql is not Neptune".into()
        )]
    );
    assert_eq!(
        emulator.verdicts("t-deleted"),
        [(
            id("exposed"),
            "NOT_APPLICABLE".into(),
            "resource deleted".into()
        )]
    );
    // The scheduled run judges every cluster; Config's results then hold every verdict but
    // the NOT_APPLICABLE one (another engine), which is the absence of a result.
    assert_eq!(world.expected_for(RULE).len(), 4);
    let scheduled = emulator.verdicts("t-scheduled");
    let annotation = |name: &str| {
        let id = id(name);
        let found = scheduled.iter().find(|(rid, _, _)| *rid == id);
        found.map(|(_, _, a)| a.clone()).unwrap()
    };
    let sg = |name: &str| {
        world.0["security_groups"][name]
            .as_str()
            .unwrap()
            .to_string()
    };
    // The path first: AWS Config keeps 256 characters of an annotation.
    let exposed = annotation("exposed");
    assert!(
        exposed.starts_with("cluster exposed: reachable from the internet now: instance exposed-0 (public) in subnet-")
            && exposed.contains(&format!(
                "to {gateway}, {} allows tcp 8182-8182 from 0.0.0.0/0 (port 8182)",
                sg("exposed")
            )),
        "{exposed}"
    );
    assert!(
        annotation("open-sg").starts_with(&format!(
            "cluster open-sg: security group {} allows tcp 8182-8182 from ::/0 to port 8182 \
             (peered networks, VPNs",
            sg("open-sg")
        )),
        "{}",
        annotation("open-sg")
    );
    assert_eq!(
        emulator.recorded_results(REGION, RULE),
        world.expected_sent_for(RULE)
    );
    assert_error_outcome(
        &run.outcomes,
        "t-params",
        "InvalidRuleParameters",
        "unknown parameter `allClusters` for neptune-cluster-network-exposure (known: exemptionTag)",
    );
}

/// A scheduled run reads each listing once, paged, whatever the number of clusters: clusters,
/// instances, subnet groups, the route tables of their VPCs and their security groups.
#[test]
fn a_scheduled_run_lists_each_kind_once() {
    let emulator = Emulator::start();
    let world = emulator.seed(REGION, "posture");
    let before = emulator.calls();
    let binary = env!("CARGO_BIN_EXE_neptune-cluster-network-exposure");
    let run = run_lambda(
        binary.as_ref(),
        &emulator,
        REGION,
        vec![("t-once", scheduled_event(RULE, "t-once"))],
    );
    match outcome(&run.outcomes, "t-once") {
        Outcome::Response { body, .. } => assert_eq!(body["evaluations"], 4, "{body}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(run.logged_pairs(), world.expected_for(RULE));
    assert_eq!(
        emulator.verdict_pairs("t-once"),
        world.expected_sent_for(RULE)
    );
    let calls = emulator.calls_since(&before);
    for action in [
        "rds:DescribeDBClusters",
        "rds:DescribeDBInstances",
        "rds:DescribeDBSubnetGroups",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups",
    ] {
        assert_eq!(calls.get(action), Some(&1), "{action}: {calls:?}");
    }
}

/// The exemption tag through the Lambda: exempt through its day on a scheduled run (tags read
/// for the failing cluster only) and on a change, NON_COMPLIANT again once the day passed.
#[test]
fn an_exemption_tag_exempts_an_exposed_cluster_through_its_day() {
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "posture");
    let group = world.0["subnet_groups"]["exposed"]
        .as_str()
        .unwrap()
        .to_string();
    assert_exemption_lifecycle(
        emulator,
        ExemptionCase {
            binary: env!("CARGO_BIN_EXE_neptune-cluster-network-exposure").as_ref(),
            rule: RULE,
            region: REGION,
            resource_id: world.cluster_id("exposed"),
            target: TagTarget::Neptune(world.cluster("exposed")["arn"].as_str().unwrap().into()),
            item: world.cluster_item(
                "exposed",
                "OK",
                json!({"dBClusterIdentifier": "exposed", "engine": "neptune", "dBSubnetGroup": group}),
            ),
            permissions: neptune_cluster_network_exposure::SPEC.all_permissions(),
            tag_reads: ("rds:ListTagsForResource", world.failing(RULE)),
        },
    );
}
