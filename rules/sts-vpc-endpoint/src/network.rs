//! Does a VPC have a usable STS interface endpoint for a cluster? Pure checks over EC2 facts,
//! and the EC2 seam that gathers those facts region-wide in a bounded number of calls.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{SecurityGroup, VpcEndpoint};
use guardrails_core::RuleError;

/// One VPC endpoint, as the check needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointFacts {
    pub id: String,
    pub vpc_id: String,
    pub service_name: String,
    /// `Interface`, `Gateway`, `GatewayLoadBalancer`, …
    pub endpoint_type: String,
    /// `available`, `pending`, `deleted`, … (EC2 spells them in lower case).
    pub state: String,
    pub private_dns: bool,
    pub security_groups: Vec<String>,
}

impl EndpointFacts {
    pub fn from_sdk(endpoint: &VpcEndpoint) -> Self {
        EndpointFacts {
            id: endpoint.vpc_endpoint_id().unwrap_or_default().to_string(),
            vpc_id: endpoint.vpc_id().unwrap_or_default().to_string(),
            service_name: endpoint.service_name().unwrap_or_default().to_string(),
            endpoint_type: endpoint
                .vpc_endpoint_type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            state: endpoint
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            private_dns: endpoint.private_dns_enabled().unwrap_or(false),
            security_groups: endpoint
                .groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_string))
                .collect(),
        }
    }
}

/// An ingress rule of a security group, reduced to what decides HTTPS reachability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingress {
    /// `tcp`, `udp`, `icmp`, `-1` (all), or a protocol number.
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub source_groups: Vec<String>,
    pub cidrs: Vec<String>,
}

impl Ingress {
    fn admits_https(&self) -> bool {
        match self.protocol.as_str() {
            "-1" | "all" => true,
            "tcp" | "6" => match (self.from_port, self.to_port) {
                (Some(from), Some(to)) => from <= 443 && 443 <= to,
                // No port range on a TCP rule means all ports.
                _ => true,
            },
            _ => false,
        }
    }
}

pub fn ingress_of(group: &SecurityGroup) -> Vec<Ingress> {
    group
        .ip_permissions()
        .iter()
        .map(|p| Ingress {
            protocol: p.ip_protocol().unwrap_or("-1").to_ascii_lowercase(),
            from_port: p.from_port(),
            to_port: p.to_port(),
            source_groups: p
                .user_id_group_pairs()
                .iter()
                .filter_map(|pair| pair.group_id().map(str::to_string))
                .collect(),
            cidrs: p
                .ip_ranges()
                .iter()
                .filter_map(|r| r.cidr_ip().map(str::to_string))
                .collect(),
        })
        .collect()
}

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

/// Everything the check knows about the region's network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkFacts {
    /// STS endpoints of the region (every VPC), in id order.
    pub sts_endpoints: Vec<EndpointFacts>,
    pub ingress: BTreeMap<String, Vec<Ingress>>,
    /// IPv4 CIDR blocks of each VPC.
    pub vpc_cidrs: BTreeMap<String, Vec<String>>,
}

/// `com.amazonaws.REGION.sts` (also matched case-insensitively).
pub fn sts_service_name(region: &str) -> String {
    format!("com.amazonaws.{region}.sts")
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

/// The EC2 seam: region-wide listings, each paginated at its maximum page size.
#[derive(Clone)]
pub struct Ec2Network {
    client: aws_sdk_ec2::Client,
}

impl Ec2Network {
    /// DescribeVpcEndpoints accepts up to 1000 results a page.
    pub const PAGE_SIZE: i32 = 1000;
    /// Ids per DescribeSecurityGroups / DescribeVpcs call.
    pub const IDS_PER_CALL: usize = 200;

    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        Ec2Network {
            client: aws_sdk_ec2::Client::new(sdk),
        }
    }

    /// The STS endpoints of the region and the security groups and VPC CIDRs they need:
    /// ⌈endpoints/1000⌉ + ⌈groups/200⌉ + ⌈VPCs/200⌉ calls, whatever the number of clusters.
    pub async fn facts(
        &self,
        region: &str,
        vpcs: &BTreeSet<String>,
    ) -> Result<NetworkFacts, RuleError> {
        let service = sts_service_name(region);
        let endpoints: Vec<VpcEndpoint> = self
            .client
            .describe_vpc_endpoints()
            .max_results(Self::PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<_, _>>()
            .await
            .map_err(|e| RuleError::aws("DescribeVpcEndpoints", &e))?;
        let sts_endpoints: Vec<EndpointFacts> = endpoints
            .iter()
            .map(EndpointFacts::from_sdk)
            .filter(|e| e.service_name.eq_ignore_ascii_case(&service) && vpcs.contains(&e.vpc_id))
            .collect();
        let group_ids: BTreeSet<String> = sts_endpoints
            .iter()
            .flat_map(|e| e.security_groups.iter().cloned())
            .collect();
        let mut ingress = BTreeMap::new();
        for chunk in group_ids
            .iter()
            .collect::<Vec<_>>()
            .chunks(Self::IDS_PER_CALL)
        {
            let groups: Vec<SecurityGroup> = self
                .client
                .describe_security_groups()
                .set_group_ids(Some(chunk.iter().map(|g| g.to_string()).collect()))
                .into_paginator()
                .items()
                .send()
                .collect::<Result<_, _>>()
                .await
                .map_err(|e| RuleError::aws("DescribeSecurityGroups", &e))?;
            for group in &groups {
                if let Some(id) = group.group_id() {
                    ingress.insert(id.to_string(), ingress_of(group));
                }
            }
        }
        let endpoint_vpcs: BTreeSet<&str> =
            sts_endpoints.iter().map(|e| e.vpc_id.as_str()).collect();
        let mut vpc_cidrs = BTreeMap::new();
        for chunk in endpoint_vpcs
            .iter()
            .collect::<Vec<_>>()
            .chunks(Self::IDS_PER_CALL)
        {
            let described: Vec<aws_sdk_ec2::types::Vpc> = self
                .client
                .describe_vpcs()
                .set_vpc_ids(Some(chunk.iter().map(|v| v.to_string()).collect()))
                .into_paginator()
                .items()
                .send()
                .collect::<Result<_, _>>()
                .await
                .map_err(|e| RuleError::aws("DescribeVpcs", &e))?;
            for vpc in &described {
                let mut cidrs: Vec<String> = vpc
                    .cidr_block_association_set()
                    .iter()
                    .filter_map(|a| a.cidr_block().map(str::to_string))
                    .collect();
                if cidrs.is_empty() {
                    cidrs.extend(vpc.cidr_block().map(str::to_string));
                }
                vpc_cidrs.insert(vpc.vpc_id().unwrap_or_default().to_string(), cidrs);
            }
        }
        Ok(NetworkFacts {
            sts_endpoints,
            ingress,
            vpc_cidrs,
        })
    }

    /// The VPC of security groups (when a cluster's subnet group is unknown).
    pub async fn vpc_of_groups(&self, groups: &[String]) -> Result<Option<String>, RuleError> {
        if groups.is_empty() {
            return Ok(None);
        }
        let out = self
            .client
            .describe_security_groups()
            .set_group_ids(Some(groups.to_vec()))
            .send()
            .await
            .map_err(|e| RuleError::aws("DescribeSecurityGroups", &e))?;
        Ok(out
            .security_groups()
            .iter()
            .find_map(|g| g.vpc_id().map(str::to_string)))
    }
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
