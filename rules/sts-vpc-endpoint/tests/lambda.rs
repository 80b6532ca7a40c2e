//! `neptune-sts-vpc-endpoint` through the real Lambda Runtime API protocol, against moto's
//! EC2, Neptune and IAM: every endpoint and role-chain case, and the number of AWS calls a
//! scheduled run makes for 1, 10 and 100 clusters.

use std::collections::BTreeMap;

use guardrails_testkit::*;
use serde_json::{json, Value};

const RULE: &str = "neptune-sts-vpc-endpoint";
const REGION: &str = "ap-northeast-1";

#[test]
fn every_endpoint_and_chain_case_gets_its_verdict() {
    // Its own emulator, so that every call it sees is this rule's.
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "chaining");
    let before = emulator.calls();
    let id = |name: &str| world.cluster_id(name);
    let pending = &world.0["vpcs"]["pending"];
    let events = vec![
        // Scheduled, default parameters.
        ("t-scheduled", scheduled_event(RULE, "t-scheduled")),
        // Scheduled, every cluster in scope.
        ("t-all", config_event(
            RULE,
            json!({"messageType": "ScheduledNotification", "notificationCreationTime": "2026-11-01T12:00:00.000Z"}),
            "t-all",
            Some(json!({"allClusters": "true"})),
        )),
        // Change with the network fields in the item.
        ("t-change", change_event(
            RULE,
            world.cluster_item(
                "endpoint-pending",
                "OK",
                json!({
                    "dBClusterIdentifier": "endpoint-pending",
                    "engine": "neptune",
                    "dBSubnetGroup": pending["subnet_group"],
                    "vpcSecurityGroups": [{"vpcSecurityGroupId": pending["db_sg"], "status": "active"}],
                    "associatedRoles": [{"roleArn": format!("arn:aws:iam::123456789012:role/{REGION}-Solo"), "status": "ACTIVE"}]
                }),
            ),
            "t-change",
            None,
        )),
        // Change whose item lacks them: DescribeDBClusters.
        ("t-describe", change_event(
            RULE,
            world.cluster_item("chain-ok", "OK", json!({"engine": "neptune"})),
            "t-describe",
            None,
        )),
        // Deleted.
        ("t-deleted", change_event(
            RULE,
            world.cluster_item("broken-trust", "ResourceDeleted", Value::Null),
            "t-deleted",
            None,
        )),
        // Bad parameter.
        ("t-params", config_event(
            RULE,
            json!({"messageType": "ScheduledNotification"}),
            "t-params",
            Some(json!({"allClusters": "yes"})),
        )),
    ];
    let binary = env!("CARGO_BIN_EXE_neptune-sts-vpc-endpoint");
    let run = run_lambda(binary.as_ref(), emulator, REGION, events);
    assert_calls_declared(
        &emulator.calls_since(&before),
        &neptune_sts_vpc_endpoint::SPEC.all_permissions(),
    );
    assert_eq!(run.outcomes.len(), 6, "{:#?}", run.outcomes);

    let scheduled = emulator.verdicts("t-scheduled");
    let expected = world.expected_sent_for(RULE);
    let got: Vec<_> = scheduled
        .iter()
        .map(|(id, c, _)| (id.clone(), c.clone()))
        .collect();
    assert_eq!(got, expected, "{scheduled:#?}");
    let annotation = |name: &str| {
        scheduled
            .iter()
            .find(|(i, _, _)| *i == id(name))
            .map(|(_, _, a)| a.clone())
            .unwrap()
    };
    let vpc = |case: &str| world.0["vpcs"][case]["vpc"].as_str().unwrap().to_string();
    let endpoint = |case: &str| {
        world.0["vpcs"][case]["endpoint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (cluster, text) in [
        ("chain-ok", format!("{} (Interface, available, private DNS) admits the cluster on 443; chain {REGION}-RoleA→{REGION}-RoleB trusted", endpoint("shared"))),
        ("broken-trust", format!("role chain broken: {REGION}-RoleD does not trust {REGION}-RoleC")),
        ("cross-account", format!("{} (Interface, available, private DNS) admits the cluster on 443; unverified: {REGION}-RoleE→loader is cross-account (not readable from here)", endpoint("shared"))),
        ("endpoint-none", format!("STS endpoint: no com.amazonaws.{REGION}.sts endpoint in {}", vpc("none"))),
        ("endpoint-other-service", format!("STS endpoint: no com.amazonaws.{REGION}.sts endpoint in {}", vpc("other-service"))),
        ("endpoint-gateway", format!("STS endpoint: {} is a Gateway endpoint, not Interface", endpoint("gateway"))),
        ("endpoint-pending", format!("STS endpoint: {} is pending", endpoint("pending"))),
        ("endpoint-deleted", format!("STS endpoint: {} is deleted", endpoint("deleted"))),
        ("endpoint-no-dns", format!("STS endpoint: {} has private DNS off", endpoint("no-dns"))),
    ] {
        assert_eq!(annotation(cluster), text, "{cluster}");
    }
    // Out of scope: NOT_APPLICABLE, the absence of a result, so logged and not sent.
    assert!(!scheduled.iter().any(|(i, _, _)| *i == id("no-roles")));
    assert!(run.evaluation_logs().iter().any(|log| {
        log["resource_id"] == id("no-roles").as_str()
            && log["annotation"]
                == "no associated IAM role (bulk loader role chaining not in use); allClusters=true evaluates it"
    }));
    assert!(
        annotation("endpoint-wrong-sg").contains("do not admit TCP 443 from the cluster's groups")
    );
    assert!(annotation("endpoint-cidr").ends_with("admits the cluster on 443"));

    let all = emulator.verdicts("t-all");
    let no_roles = all.iter().find(|(i, _, _)| *i == id("no-roles")).unwrap();
    assert_eq!(
        no_roles.1, "COMPLIANT",
        "in scope with allClusters=true: {no_roles:?}"
    );
    // t-all ran right after t-scheduled: it judged every cluster again and sent only the one
    // whose verdict the parameter changed.
    assert_eq!(all.len(), 1, "{all:?}");

    assert_eq!(
        emulator.verdicts("t-change"),
        [(
            id("endpoint-pending"),
            "NON_COMPLIANT".into(),
            format!("STS endpoint: {} is pending", endpoint("pending"))
        )]
    );
    let described = emulator.verdicts("t-describe");
    assert_eq!(
        (described[0].0.as_str(), described[0].1.as_str()),
        (id("chain-ok").as_str(), "COMPLIANT")
    );
    assert_eq!(
        emulator.verdicts("t-deleted"),
        [(
            id("broken-trust"),
            "NOT_APPLICABLE".into(),
            "resource deleted".into()
        )]
    );
    assert_error_outcome(
        &run.outcomes,
        "t-params",
        "InvalidRuleParameters",
        "parameter `allClusters` must be true or false, not `yes`",
    );

    // Listed, then the VPC endpoints cannot be read: every cluster still gets exactly one
    // evaluation, the in-scope ones NOT_APPLICABLE with the error, counted as not evaluated.
    // In Config a cluster with a recorded verdict keeps it (nothing is sent over it).
    let recorded = emulator.recorded_results(REGION, RULE);
    emulator.inject_faults_where(
        1.0,
        1,
        "actions=DescribeVpcEndpoints&kinds=internal-failure",
    );
    let failing = run_lambda(
        binary.as_ref(),
        emulator,
        REGION,
        vec![("t-unreadable", scheduled_event(RULE, "t-unreadable"))],
    );
    emulator.inject_faults(0.0, 0);
    let in_scope = scheduled.len();
    let held = |cluster: &str| recorded.iter().any(|(i, _)| i == cluster);
    let with_result = scheduled.iter().filter(|(i, _, _)| held(i)).count();
    match outcome(&failing.outcomes, "t-unreadable") {
        Outcome::Response { body, .. } => {
            // Every cluster: the in-scope ones and no-roles, out of scope again.
            assert_eq!(body["evaluations"], in_scope + 1, "{body}");
            assert_eq!(body["not_evaluated"], in_scope, "{body}");
            assert_eq!(body["kept"], with_result, "{body}");
        }
        other => panic!("{other:?}"),
    }
    // Sent: "not evaluated" only for an in-scope cluster without a recorded result, and
    // NOT_APPLICABLE for no-roles, whose result (from the allClusters run) must go.
    let unreadable = emulator.verdicts("t-unreadable");
    assert_eq!(
        unreadable.len(),
        in_scope - with_result + 1,
        "{unreadable:?}"
    );
    for (cluster, compliance, annotation) in &unreadable {
        assert_eq!(compliance, "NOT_APPLICABLE");
        if *cluster == id("no-roles") {
            assert!(
                annotation.starts_with("no associated IAM role"),
                "{annotation}"
            );
        } else {
            assert!(!held(cluster), "{cluster} had a result: {recorded:?}");
            assert!(
                annotation
                    .starts_with("could not read the VPC's endpoints: DescribeVpcEndpoints failed"),
                "{annotation}"
            );
        }
    }
    let kept: Vec<_> = recorded
        .iter()
        .filter(|(i, _)| *i != id("no-roles"))
        .cloned()
        .collect();
    assert_eq!(emulator.recorded_results(REGION, RULE), kept);
}

/// Calls per service:Action that a run made (the emulator's count after minus before).

#[test]
fn scheduled_runs_make_a_bounded_number_of_calls() {
    // EC2 answers DescribeVpcEndpoints in pages of 4, so pagination is exercised.
    const PAGE: u64 = 4;
    for clusters in [1u64, 10, 100] {
        let emulator = Emulator::start_with(&["--ec2-page-size", &PAGE.to_string()]);
        let world = emulator.seed(REGION, &format!("vpc-fleet-{clusters}"));
        let before = emulator.calls();
        let binary = env!("CARGO_BIN_EXE_neptune-sts-vpc-endpoint");
        let run = run_lambda(
            binary.as_ref(),
            &emulator,
            REGION,
            vec![("t", scheduled_event(RULE, "t"))],
        );
        assert!(matches!(
            outcome(&run.outcomes, "t"),
            Outcome::Response { .. }
        ));
        let calls = emulator.calls_since(&before);
        let evaluations = emulator.verdicts("t");
        assert_eq!(evaluations.len() as u64, clusters);
        assert!(
            evaluations.iter().all(|(_, c, _)| c == "COMPLIANT"),
            "{evaluations:?}"
        );
        assert_eq!(world.expected().len() as u64, clusters);
        let vpcs = clusters.div_ceil(10);
        let expected: BTreeMap<String, u64> = [
            // The rule's recorded results (none yet): one page.
            ("config:GetComplianceDetailsByConfigRule", 1),
            ("rds:DescribeDBClusters", clusters.div_ceil(100)),
            ("rds:DescribeDBSubnetGroups", 1),
            ("ec2:DescribeVpcEndpoints", vpcs.div_ceil(PAGE)),
            ("ec2:DescribeSecurityGroups", 1),
            ("ec2:DescribeVpcs", 1),
            // The one shared role: read once, whatever the number of clusters.
            ("iam:GetRole", 1),
            ("iam:ListRolePolicies", 1),
            ("iam:ListAttachedRolePolicies", 1),
            ("config:PutEvaluations", clusters.div_ceil(100)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        println!("{clusters} clusters in {vpcs} VPCs: {calls:?}");
        assert_eq!(calls, expected, "{clusters} clusters");
    }
}

#[test]
fn ec2_reads_are_retried_through_throttling_errors_stalls_and_cut_off_bodies() {
    // The EC2 reads go through guardrails-aws's own Query client, not a generated SDK crate:
    // this shows it retries like one. 40 % of EC2 requests fail with RequestLimitExceeded,
    // 500, 503, a 30 s stall (the attempt gives up after 1 s) or a body cut off half-way.
    const PAGE: u64 = 2;
    let emulator = Emulator::start_with(&["--ec2-page-size", &PAGE.to_string()]);
    let world = emulator.seed(REGION, "vpc-fleet-100");
    emulator.inject_faults_where(
        0.4,
        21,
        "kinds=throttling,internal-failure,service-unavailable,stall,cut-body&stall=30\
         &actions=DescribeVpcEndpoints,DescribeSecurityGroups,DescribeVpcs",
    );
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_neptune-sts-vpc-endpoint"));
    command.env(guardrails_core::aws::ATTEMPT_TIMEOUT_ENV, "1000");
    let run = run_lambda_command(
        command,
        &emulator,
        REGION,
        vec![("t-ec2-faults", scheduled_event(RULE, "t-ec2-faults"))],
        std::time::Duration::from_secs(120),
    );
    let faults = emulator.faults();
    emulator.inject_faults(0.0, 0);
    match outcome(&run.outcomes, "t-ec2-faults") {
        Outcome::Response { body, .. } => {
            assert_eq!(body["evaluations"], 100, "{body}");
            assert_eq!(
                body["not_evaluated"],
                0,
                "{faults:?}: {body}: {:?}",
                emulator.verdicts("t-ec2-faults").first()
            );
        }
        other => panic!("the run did not survive the EC2 faults ({faults:?}): {other:?}"),
    }
    println!("EC2 faults survived: {faults:?} in {:?}", run.elapsed);
    for kind in ["throttling", "internal-failure", "stall", "cut-body"] {
        assert!(faults.get(kind).copied().unwrap_or(0) > 0, "{faults:?}");
    }
    let delivered = emulator.verdicts("t-ec2-faults");
    assert!(
        delivered.iter().all(|(_, c, _)| c == "COMPLIANT"),
        "{faults:?}: {delivered:?}"
    );
    assert_eq!(delivered.len(), world.expected().len());
}

/// The exemption tag through the Lambda: exempt through its day on a scheduled run (tags read
/// for the failing clusters only) and on a change, NON_COMPLIANT again once the day passed.
#[test]
fn an_exemption_tag_exempts_a_cluster_without_its_endpoint_through_its_day() {
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "chaining");
    let failing = world.failing(RULE);
    let none = &world.0["vpcs"]["none"];
    assert_exemption_lifecycle(
        emulator,
        ExemptionCase {
            binary: env!("CARGO_BIN_EXE_neptune-sts-vpc-endpoint").as_ref(),
            rule: RULE,
            region: REGION,
            resource_id: world.cluster_id("endpoint-none"),
            target: TagTarget::Neptune(
                world.cluster("endpoint-none")["arn"].as_str().unwrap().into(),
            ),
            item: world.cluster_item(
                "endpoint-none",
                "OK",
                json!({
                    "dBClusterIdentifier": "endpoint-none",
                    "engine": "neptune",
                    "dBSubnetGroup": none["subnet_group"],
                    "vpcSecurityGroups": [{"vpcSecurityGroupId": none["db_sg"], "status": "active"}],
                    "associatedRoles": [{"roleArn": format!("arn:aws:iam::123456789012:role/{REGION}-Solo"), "status": "ACTIVE"}]
                }),
            ),
            permissions: neptune_sts_vpc_endpoint::SPEC.all_permissions(),
            tag_reads: ("rds:ListTagsForResource", failing),
        },
    );
}
