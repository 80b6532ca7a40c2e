use super::*;
use guardrails_aws::routes::RouteTable;

fn routes() -> Routes {
    let table = |id: &str, main: bool, subnets: &[&str], gateway: Option<&str>| RouteTable {
        id: id.into(),
        vpc: "vpc-1".into(),
        main,
        subnets: subnets.iter().map(|s| s.to_string()).collect(),
        internet_gateway: gateway.map(str::to_string),
    };
    Routes(vec![
        table("rtb-main", true, &[], None),
        table("rtb-public", false, &["subnet-pub"], Some("igw-1")),
    ])
}

fn rule(protocol: &str, ports: Option<(i32, i32)>, cidr: &str) -> Ingress {
    Ingress {
        protocol: protocol.into(),
        from_port: ports.map(|p| p.0),
        to_port: ports.map(|p| p.1),
        source_groups: vec![],
        cidrs: vec![cidr.to_string()]
            .into_iter()
            .filter(|c| !c.contains(':'))
            .collect(),
        ipv6_cidrs: vec![cidr.to_string()]
            .into_iter()
            .filter(|c| c.contains(':'))
            .collect(),
    }
}

fn network() -> Network {
    let group = |subnets: &[(&str, &str)]| SubnetGroup {
        vpc: "vpc-1".into(),
        subnets: subnets.iter().map(|(s, _)| s.to_string()).collect(),
        zones: subnets
            .iter()
            .map(|(s, z)| (s.to_string(), z.to_string()))
            .collect(),
    };
    Network {
        groups: BTreeMap::from([
            (
                "private".to_string(),
                group(&[("subnet-a", "zone-a"), ("subnet-b", "zone-b")]),
            ),
            (
                "mixed".to_string(),
                group(&[("subnet-a", "zone-a"), ("subnet-pub", "zone-b")]),
            ),
        ]),
        routes: routes(),
        ingress: BTreeMap::from([
            (
                "sg-vpc".to_string(),
                vec![rule("tcp", Some((8182, 8182)), "10.0.0.0/16")],
            ),
            (
                "sg-open4".to_string(),
                vec![rule("tcp", Some((8000, 9000)), "0.0.0.0/0")],
            ),
            ("sg-open6".to_string(), vec![rule("-1", None, "::/0")]),
            (
                "sg-other-port".to_string(),
                vec![rule("tcp", Some((443, 443)), "0.0.0.0/0")],
            ),
        ]),
    }
}

fn instance(public: Option<bool>, zone: &str) -> DbInstance {
    DbInstance::builder()
        .db_instance_identifier("graph-1")
        .set_publicly_accessible(public)
        .availability_zone(zone)
        .build()
}

fn judge(public: Option<bool>, zone: &str, group: Option<&str>, sgs: &[&str]) -> Verdict {
    let cluster = ClusterNetwork {
        identifier: "graph".into(),
        engine: Some("neptune".into()),
        subnet_group: group.map(str::to_string),
        port: DEFAULT_PORT,
        security_groups: sgs.iter().map(|s| s.to_string()).collect(),
    };
    let one = instance(public, zone);
    exposure(&cluster, &[&one], &network()).map_or_else(|v| v, |e| evaluate(&e))
}

#[test]
fn public_instances_and_internet_routes_each_expose_a_cluster() {
    let private = judge(Some(false), "zone-a", Some("private"), &["sg-vpc"]);
    assert_eq!(
        private.compliance,
        Compliance::Compliant,
        "{}",
        private.annotation
    );
    assert!(private
        .annotation
        .contains("none of the 2 subnet(s) of private"));
    assert_eq!(
        judge(None, "zone-a", Some("private"), &[]).compliance,
        Compliance::Compliant
    );
    let public = judge(Some(true), "zone-a", Some("private"), &[]);
    assert_eq!(public.compliance, Compliance::NonCompliant);
    assert!(public
        .annotation
        .starts_with("cluster graph: instance graph-1 is publicly accessible"));
    let routed = judge(Some(false), "zone-a", Some("mixed"), &[]);
    assert_eq!(routed.compliance, Compliance::NonCompliant);
    assert!(
        routed
            .annotation
            .contains("subnet subnet-pub of mixed routes to internet gateway igw-1 (rtb-public)"),
        "{}",
        routed.annotation
    );
    assert_eq!(
        (public.severity, routed.severity),
        (None, None),
        "the rule's severity"
    );
    let unknown = judge(Some(false), "zone-a", Some("gone"), &[]);
    assert_eq!(
        (unknown.compliance, unknown.evaluated),
        (Compliance::NotApplicable, false)
    );
    assert!(!judge(Some(false), "zone-a", None, &[]).evaluated);
}

#[test]
fn a_group_open_to_the_internet_fails_even_in_private_subnets() {
    for sg in ["sg-open4", "sg-open6"] {
        let v = judge(Some(false), "zone-a", Some("private"), &[sg]);
        assert_eq!(v.compliance, Compliance::NonCompliant, "{sg}");
        assert!(
            v.annotation
                .contains(&format!("security group {sg} allows")),
            "{}",
            v.annotation
        );
        assert!(
            v.annotation.contains("peered networks, VPNs"),
            "{}",
            v.annotation
        );
        assert_eq!(v.severity, None);
    }
    let v4 = judge(Some(false), "zone-a", Some("private"), &["sg-open4"]);
    assert!(
        v4.annotation
            .contains("allows tcp 8000-9000 from 0.0.0.0/0 to port 8182"),
        "{}",
        v4.annotation
    );
    let v6 = judge(Some(false), "zone-a", Some("private"), &["sg-open6"]);
    assert!(
        v6.annotation
            .contains("allows all traffic from ::/0 to port 8182"),
        "{}",
        v6.annotation
    );
    let elsewhere = judge(Some(false), "zone-a", Some("private"), &["sg-other-port"]);
    assert_eq!(
        elsewhere.compliance,
        Compliance::Compliant,
        "{}",
        elsewhere.annotation
    );
    let unread = judge(Some(false), "zone-a", Some("private"), &["sg-gone"]);
    assert_eq!(
        (unread.compliance, unread.evaluated),
        (Compliance::NotApplicable, false)
    );
}

#[test]
fn a_public_instance_in_a_routed_subnet_behind_an_open_group_is_critical() {
    let now = judge(Some(true), "zone-b", Some("mixed"), &["sg-open4"]);
    assert_eq!(now.compliance, Compliance::NonCompliant);
    assert_eq!(now.severity, Some(Severity::Critical));
    assert!(
        now.annotation.starts_with(
            "cluster graph: reachable from the internet now: instance graph-1 (public) in \
             subnet-pub via rtb-public to igw-1, sg-open4 allows tcp 8000-9000 from 0.0.0.0/0 \
             (port 8182)"
        ),
        "{}",
        now.annotation
    );
    // The public instance sits in zone-a's subnet, which is not routed: one change away.
    let apart = judge(Some(true), "zone-a", Some("mixed"), &["sg-open4"]);
    assert_eq!(
        (apart.compliance, apart.severity),
        (Compliance::NonCompliant, None)
    );
    // Routed and public but no open group: the groups still guard it.
    let guarded = judge(Some(true), "zone-b", Some("mixed"), &["sg-vpc"]);
    assert_eq!(
        (guarded.compliance, guarded.severity),
        (Compliance::NonCompliant, None)
    );
}

#[test]
fn facts_come_from_config_items_or_a_describe_call() {
    let item = ConfigurationItem::from_json(&serde_json::json!({
        "resourceType": "AWS::RDS::DBCluster",
        "resourceId": "cluster-ABC",
        "configuration": {
            "dBClusterIdentifier": "graph", "engine": "neptune", "dBSubnetGroup": "private",
            "port": 8182, "vpcSecurityGroups": [{"vpcSecurityGroupId": "sg-1", "status": "active"}]
        }
    }))
    .unwrap();
    let facts = ClusterNetwork::from_item(&item).unwrap();
    assert_eq!(
        (facts.port, facts.security_groups.clone()),
        (8182, vec!["sg-1".to_string()])
    );
    let no_groups = ConfigurationItem::from_json(&serde_json::json!({
        "resourceType": "AWS::RDS::DBCluster",
        "resourceId": "cluster-ABC",
        "configuration": {"engine": "neptune", "dBSubnetGroup": "private"}
    }))
    .unwrap();
    assert_eq!(ClusterNetwork::from_item(&no_groups), None);
}
