use super::*;
use guardrails_core::Compliance;
use serde_json::json;

fn cluster(exports: &[&str], members: &[(&str, &str)]) -> AuditFacts {
    AuditFacts {
        identifier: "graph".into(),
        engine: Some("neptune".into()),
        exports: exports.iter().map(|s| s.to_string()).collect(),
        parameter_group: Some("graph-params".into()),
        members: members
            .iter()
            .map(|(i, s)| (i.to_string(), s.to_string()))
            .collect(),
    }
}

fn group(value: Option<&str>) -> BTreeMap<String, String> {
    let mut values = BTreeMap::from([("neptune_query_timeout".to_string(), "120000".to_string())]);
    if let Some(value) = value {
        values.insert(AUDIT_PARAMETER.to_string(), value.to_string());
    }
    values
}

fn judge(facts: &AuditFacts, values: Option<&str>) -> Verdict {
    evaluate(facts, Some(&Ok(group(values))))
}

#[test]
fn all_three_hold_or_each_missing_one_is_named() {
    let on = judge(&cluster(&["audit"], &[("graph-0", "in-sync")]), Some("1"));
    assert_eq!(on.compliance, Compliance::Compliant, "{}", on.annotation);

    let cases = [
        (
            cluster(&["audit"], &[("graph-0", "in-sync")]),
            Some("0"),
            vec!["sets neptune_enable_audit_log to \"0\""],
        ),
        (
            cluster(&["audit"], &[]),
            None,
            vec!["does not set neptune_enable_audit_log (Neptune's default is 0)"],
        ),
        (
            cluster(&["slowquery"], &[("graph-0", "in-sync")]),
            Some("1"),
            vec!["audit is not exported to CloudWatch Logs"],
        ),
        (
            cluster(
                &["audit"],
                &[("graph-0", "in-sync"), ("graph-1", "pending-reboot")],
            ),
            Some("1"),
            vec!["instance(s) graph-1 have a pending reboot for parameter group graph-params"],
        ),
        (
            cluster(&[], &[("graph-0", "pending-reboot")]),
            Some("0"),
            vec!["to \"0\"", "audit is not exported"],
        ),
    ];
    for (facts, value, named) in cases {
        let v = judge(&facts, value);
        assert_eq!(v.compliance, Compliance::NonCompliant, "{facts:?}");
        assert!(
            v.annotation
                .starts_with("cluster graph writes no audit log: "),
            "{}",
            v.annotation
        );
        for part in named {
            assert!(
                v.annotation.contains(part),
                "{part:?} not in {}",
                v.annotation
            );
        }
        assert!(v
            .annotation
            .contains("NeptuneGuardrails-EnableClusterAuditLog"));
    }
    // A pending reboot matters only once the group says 1: with 0 the parameter is what fails.
    let off = judge(
        &cluster(&["audit"], &[("graph-0", "pending-reboot")]),
        Some("0"),
    );
    assert!(
        !off.annotation.contains("pending reboot"),
        "{}",
        off.annotation
    );
}

#[test]
fn an_unreadable_group_or_another_engine_is_not_applicable() {
    let facts = cluster(&["audit"], &[]);
    let v = evaluate(&facts, Some(&Err("AccessDenied".to_string())));
    assert_eq!(v.compliance, Compliance::NotApplicable);
    assert!(
        v.annotation
            .contains("could not read parameter group graph-params of cluster graph: AccessDenied"),
        "{}",
        v.annotation
    );
    let pg = AuditFacts {
        engine: Some("aurora-postgresql".into()),
        ..facts.clone()
    };
    assert_eq!(
        evaluate(&pg, None).annotation,
        "engine aurora-postgresql is not Neptune"
    );
    let unnamed = AuditFacts {
        parameter_group: None,
        ..facts
    };
    assert_eq!(
        evaluate(&unnamed, None).compliance,
        Compliance::NotApplicable
    );
}

#[test]
fn facts_come_from_config_items_and_describe_output() {
    let item = ConfigurationItem::from_json(&json!({
        "resourceType": "AWS::RDS::DBCluster",
        "resourceId": "cluster-ABC",
        "resourceName": "graph",
        "configuration": {
            "engine": "neptune",
            "dBClusterParameterGroup": "graph-params",
            "enabledCloudwatchLogsExports": ["audit"],
            "dBClusterMembers": [
                {"dBInstanceIdentifier": "graph-0", "dBClusterParameterGroupStatus": "pending-reboot"}
            ]
        }
    }))
    .unwrap();
    assert_eq!(
        AuditFacts::from_item(&item),
        Some(cluster(&["audit"], &[("graph-0", "pending-reboot")]))
    );
    let partial = ConfigurationItem::from_json(&json!({
        "resourceType": "AWS::RDS::DBCluster",
        "resourceId": "cluster-ABC",
        "configuration": {"engine": "neptune", "dBClusterParameterGroup": "graph-params"}
    }))
    .unwrap();
    assert_eq!(
        AuditFacts::from_item(&partial),
        None,
        "no member list: describe instead"
    );

    use guardrails_aws::neptune::types::DbClusterMember;
    let sdk = DbCluster::builder()
        .db_cluster_identifier("graph")
        .engine("neptune")
        .enabled_cloudwatch_logs_exports("audit")
        .db_cluster_parameter_group("graph-params")
        .db_cluster_members(
            DbClusterMember::builder()
                .db_instance_identifier("graph-0")
                .db_cluster_parameter_group_status("pending-reboot")
                .build(),
        )
        .build();
    assert_eq!(
        AuditFacts::from_sdk(&sdk),
        cluster(&["audit"], &[("graph-0", "pending-reboot")])
    );
}
