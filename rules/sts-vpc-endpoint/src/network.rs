//! Does a VPC have a usable STS interface endpoint for a cluster? Pure checks over the EC2
//! facts the shared EC2 seam (`guardrails_aws::ec2`) gathers region-wide.

pub use guardrails_aws::ec2::{
    ingress_of, sts_service_name, Ec2Network, EndpointFacts, Ingress, NetworkFacts,
};

/// An IPv4 CIDR as (network, prefix length).
fn parse_cidr(cidr: &str) -> Option<(u32, u32)> {
    let (address, prefix) = cidr.split_once('/')?;
    let prefix: u32 = prefix.parse().ok().filter(|p| *p <= 32)?;
    let address: std::net::Ipv4Addr = address.parse().ok()?;
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    Some((u32::from(address) & mask, prefix))
}

/// Whether `outer` contains every address of `inner`.
pub fn cidr_covers(outer: &str, inner: &str) -> bool {
    match (parse_cidr(outer), parse_cidr(inner)) {
        (Some((o_net, o_len)), Some((i_net, i_len))) => {
            let mask = if o_len == 0 {
                0
            } else {
                u32::MAX << (32 - o_len)
            };
            o_len <= i_len && (i_net & mask) == o_net
        }
        _ => false,
    }
}

/// Why one endpoint does not serve the cluster, or `None` when it does.
fn endpoint_problem(
    endpoint: &EndpointFacts,
    cluster_groups: &[String],
    network: &NetworkFacts,
) -> Option<String> {
    if !endpoint.endpoint_type.eq_ignore_ascii_case("Interface") {
        return Some(format!(
            "{} is a {} endpoint, not Interface",
            endpoint.id, endpoint.endpoint_type
        ));
    }
    if !endpoint.state.eq_ignore_ascii_case("available") {
        return Some(format!("{} is {}", endpoint.id, endpoint.state));
    }
    if !endpoint.private_dns {
        return Some(format!("{} has private DNS off", endpoint.id));
    }
    let cidrs = network
        .vpc_cidrs
        .get(&endpoint.vpc_id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let admitted = endpoint.security_groups.iter().any(|group| {
        network
            .ingress
            .get(group)
            .into_iter()
            .flatten()
            .any(|rule| {
                rule.admits_https()
                    && (rule
                        .source_groups
                        .iter()
                        .any(|g| cluster_groups.contains(g))
                        || rule.cidrs.iter().any(|outer| {
                            !cidrs.is_empty() && cidrs.iter().all(|vpc| cidr_covers(outer, vpc))
                        }))
            })
    });
    if admitted {
        None
    } else {
        Some(format!(
            "{} security groups [{}] do not admit TCP 443 from the cluster's groups [{}] or the VPC CIDR",
            endpoint.id,
            endpoint.security_groups.join(","),
            cluster_groups.join(",")
        ))
    }
}

/// The STS endpoint check for a cluster in `vpc_id` with security groups `cluster_groups`:
/// `Ok(description)` of a usable endpoint, or `Err(reason)` saying which condition failed
/// for each candidate.
pub fn check_endpoint(
    region: &str,
    vpc_id: &str,
    cluster_groups: &[String],
    network: &NetworkFacts,
) -> Result<String, String> {
    let service = sts_service_name(region);
    let candidates: Vec<&EndpointFacts> = network
        .sts_endpoints
        .iter()
        .filter(|e| e.vpc_id == vpc_id && e.service_name.eq_ignore_ascii_case(&service))
        .collect();
    if candidates.is_empty() {
        return Err(format!("no {service} endpoint in {vpc_id}"));
    }
    let mut problems = Vec::new();
    for endpoint in candidates {
        match endpoint_problem(endpoint, cluster_groups, network) {
            None => {
                return Ok(format!(
                    "{} (Interface, available, private DNS) admits the cluster on 443",
                    endpoint.id
                ))
            }
            Some(problem) => problems.push(problem),
        }
    }
    Err(problems.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(
        id: &str,
        vpc: &str,
        kind: &str,
        state: &str,
        dns: bool,
        groups: &[&str],
    ) -> EndpointFacts {
        EndpointFacts {
            id: id.into(),
            vpc_id: vpc.into(),
            service_name: "com.amazonaws.us-east-1.sts".into(),
            endpoint_type: kind.into(),
            state: state.into(),
            private_dns: dns,
            security_groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    fn https_from(groups: &[&str], cidrs: &[&str]) -> Vec<Ingress> {
        vec![Ingress {
            protocol: "tcp".into(),
            from_port: Some(443),
            to_port: Some(443),
            source_groups: groups.iter().map(|g| g.to_string()).collect(),
            cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
            ipv6_cidrs: vec![],
        }]
    }

    fn network(endpoints: Vec<EndpointFacts>, ingress: Vec<(&str, Vec<Ingress>)>) -> NetworkFacts {
        NetworkFacts {
            sts_endpoints: endpoints,
            ingress: ingress
                .into_iter()
                .map(|(g, i)| (g.to_string(), i))
                .collect(),
            vpc_cidrs: [("vpc-1".to_string(), vec!["10.0.0.0/16".to_string()])].into(),
        }
    }

    #[test]
    fn each_failed_condition_is_named() {
        let cluster = vec!["sg-db".to_string()];
        let admitted = vec![("sg-e", https_from(&["sg-db"], &[]))];
        type Case<'a> = (
            Vec<EndpointFacts>,
            Vec<(&'a str, Vec<Ingress>)>,
            Result<&'a str, &'a str>,
        );
        let cases: Vec<Case> = vec![
            (vec![endpoint("vpce-1", "vpc-1", "Interface", "available", true, &["sg-e"])], admitted.clone(), Ok("vpce-1 (Interface, available, private DNS)")),
            (vec![], admitted.clone(), Err("no com.amazonaws.us-east-1.sts endpoint in vpc-1")),
            (vec![endpoint("vpce-2", "vpc-2", "Interface", "available", true, &["sg-e"])], admitted.clone(), Err("no com.amazonaws.us-east-1.sts endpoint in vpc-1")),
            (vec![endpoint("vpce-1", "vpc-1", "Gateway", "available", false, &[])], admitted.clone(), Err("vpce-1 is a Gateway endpoint, not Interface")),
            (vec![endpoint("vpce-1", "vpc-1", "Interface", "pending", true, &["sg-e"])], admitted.clone(), Err("vpce-1 is pending")),
            (vec![endpoint("vpce-1", "vpc-1", "Interface", "deleted", true, &["sg-e"])], admitted.clone(), Err("vpce-1 is deleted")),
            (vec![endpoint("vpce-1", "vpc-1", "Interface", "available", false, &["sg-e"])], admitted.clone(), Err("vpce-1 has private DNS off")),
            (vec![endpoint("vpce-1", "vpc-1", "Interface", "available", true, &["sg-e"])], vec![("sg-e", https_from(&["sg-other"], &[]))], Err("vpce-1 security groups [sg-e] do not admit TCP 443 from the cluster's groups [sg-db] or the VPC CIDR")),
            (vec![endpoint("vpce-1", "vpc-1", "Interface", "available", true, &["sg-e"])], vec![("sg-e", https_from(&[], &["10.0.0.0/8"]))], Ok("vpce-1")),
            (vec![endpoint("vpce-1", "vpc-1", "Interface", "available", true, &["sg-e"])], vec![("sg-e", https_from(&[], &["10.0.1.0/24"]))], Err("vpce-1 security groups")),
            (
                vec![endpoint("vpce-1", "vpc-1", "Gateway", "available", false, &[]), endpoint("vpce-2", "vpc-1", "Interface", "available", true, &["sg-e"])],
                admitted.clone(),
                Ok("vpce-2"),
            ),
        ];
        for (endpoints, ingress, expected) in cases {
            let got = check_endpoint(
                "us-east-1",
                "vpc-1",
                &cluster,
                &network(endpoints.clone(), ingress),
            );
            match (got, expected) {
                (Ok(text), Ok(prefix)) | (Err(text), Err(prefix)) => {
                    assert!(text.starts_with(prefix), "{endpoints:?}: {text}")
                }
                (got, expected) => panic!("{endpoints:?}: got {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn ports_protocols_and_cidrs() {
        let rule = |protocol: &str, from, to| Ingress {
            protocol: protocol.into(),
            from_port: from,
            to_port: to,
            source_groups: vec![],
            cidrs: vec![],
            ipv6_cidrs: vec![],
        };
        assert!(rule("-1", None, None).admits_https());
        assert!(rule("tcp", Some(0), Some(65535)).admits_https());
        assert!(!rule("tcp", Some(80), Some(80)).admits_https());
        assert!(!rule("udp", Some(443), Some(443)).admits_https());
        assert!(cidr_covers("0.0.0.0/0", "10.0.0.0/16"));
        assert!(cidr_covers("10.0.0.0/16", "10.0.0.0/16"));
        assert!(!cidr_covers("10.0.0.0/24", "10.0.0.0/16"));
        assert!(!cidr_covers("10.1.0.0/16", "10.0.0.0/16"));
        assert!(!cidr_covers("bad", "10.0.0.0/16"));
    }
}
