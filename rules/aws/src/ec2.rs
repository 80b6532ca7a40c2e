//! EC2: VPC endpoints, security groups and VPCs.

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
    pub fn admits_https(&self) -> bool {
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
