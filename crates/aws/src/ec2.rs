//! EC2: VPC endpoints, security groups and VPCs, read through the small Query client
//! (`crate::query`) rather than the generated EC2 crate.

use std::collections::{BTreeMap, BTreeSet};

use guardrails_core::RuleError;

use crate::query::{QueryClient, EC2};
use crate::xml::Element;

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
    /// From an `<item>` of DescribeVpcEndpoints' `vpcEndpointSet`.
    pub(crate) fn from_xml(endpoint: &Element) -> Self {
        let text = |name| endpoint.text_of(name).unwrap_or_default().to_string();
        EndpointFacts {
            id: text("vpcEndpointId"),
            vpc_id: text("vpcId"),
            service_name: text("serviceName"),
            endpoint_type: text("vpcEndpointType"),
            state: text("state"),
            private_dns: endpoint.text_of("privateDnsEnabled") == Some("true"),
            security_groups: endpoint
                .items("groupSet")
                .filter_map(|g| g.text_of("groupId").map(str::to_string))
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
    pub ipv6_cidrs: Vec<String>,
}

impl Ingress {
    pub fn admits_https(&self) -> bool {
        self.admits_tcp(443)
    }

    /// Whether the rule lets TCP traffic to `port` in (from its sources).
    pub fn admits_tcp(&self, port: i32) -> bool {
        match self.protocol.as_str() {
            "-1" | "all" => true,
            "tcp" | "6" => match (self.from_port, self.to_port) {
                (Some(from), Some(to)) => from <= port && port <= to,
                // No port range on a TCP rule means all ports.
                _ => true,
            },
            _ => false,
        }
    }

    /// The source open to every address (`0.0.0.0/0` or `::/0`) when the rule lets TCP
    /// traffic to `port` in from it.
    pub fn open_to_internet(&self, port: i32) -> Option<&str> {
        if !self.admits_tcp(port) {
            return None;
        }
        self.cidrs
            .iter()
            .chain(&self.ipv6_cidrs)
            .map(String::as_str)
            .find(|cidr| matches!(*cidr, "0.0.0.0/0" | "::/0"))
    }

    /// How a person reads the rule: `tcp 8182-8182 from 0.0.0.0/0`.
    pub fn describe(&self, source: &str) -> String {
        let ports = match (self.from_port, self.to_port) {
            (Some(from), Some(to)) if self.protocol != "-1" => format!(" {from}-{to}"),
            _ => String::new(),
        };
        let protocol = if self.protocol == "-1" {
            "all traffic"
        } else {
            &self.protocol
        };
        format!("{protocol}{ports} from {source}")
    }
}

/// The ingress rules of an `<item>` of DescribeSecurityGroups' `securityGroupInfo`.
pub fn ingress_of(group: &Element) -> Vec<Ingress> {
    group
        .items("ipPermissions")
        .map(|p| Ingress {
            protocol: p.text_of("ipProtocol").unwrap_or("-1").to_ascii_lowercase(),
            from_port: p.text_of("fromPort").and_then(|n| n.parse().ok()),
            to_port: p.text_of("toPort").and_then(|n| n.parse().ok()),
            source_groups: p
                .items("groups")
                .filter_map(|pair| pair.text_of("groupId").map(str::to_string))
                .collect(),
            cidrs: p
                .items("ipRanges")
                .filter_map(|r| r.text_of("cidrIp").map(str::to_string))
                .collect(),
            ipv6_cidrs: p
                .items("ipv6Ranges")
                .filter_map(|r| r.text_of("cidrIpv6").map(str::to_string))
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
    client: QueryClient,
}

impl Ec2Network {
    /// DescribeVpcEndpoints accepts up to 1000 results a page.
    pub(crate) const PAGE_SIZE: i32 = 1000;
    /// Ids per DescribeSecurityGroups / DescribeVpcs call.
    pub(crate) const IDS_PER_CALL: usize = 200;

    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        Ec2Network {
            client: QueryClient::new(&EC2, sdk),
        }
    }

    /// Every `<item>` of the list `set` over all pages of `action` (following `nextToken`).
    pub(crate) async fn all_items(
        &self,
        action: &'static str,
        set: &str,
        params: Vec<(String, String)>,
    ) -> Result<Vec<Element>, RuleError> {
        let mut items = Vec::new();
        let mut next_token: Option<String> = None;
        loop {
            let mut page_params = params.clone();
            page_params.extend(next_token.map(|t| ("NextToken".to_string(), t)));
            let mut page = self
                .client
                .call(action, page_params)
                .await
                .map_err(|e| RuleError::aws(action, &e))?;
            next_token = page.text_of("nextToken").map(str::to_string);
            if let Some(list) = page.children.iter_mut().find(|c| c.name == set) {
                items.extend(list.children.drain(..).filter(|c| c.name == "item"));
            }
            if next_token.is_none() {
                return Ok(items);
            }
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
        let endpoints = self
            .all_items(
                "DescribeVpcEndpoints",
                "vpcEndpointSet",
                vec![("MaxResults".into(), Self::PAGE_SIZE.to_string())],
            )
            .await?;
        let sts_endpoints: Vec<EndpointFacts> = endpoints
            .iter()
            .map(EndpointFacts::from_xml)
            .filter(|e| e.service_name.eq_ignore_ascii_case(&service) && vpcs.contains(&e.vpc_id))
            .collect();
        let group_ids: Vec<&String> = sts_endpoints
            .iter()
            .flat_map(|e| &e.security_groups)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let ingress = self.ingress(&group_ids).await?;
        let endpoint_vpcs: Vec<&String> = sts_endpoints
            .iter()
            .map(|e| &e.vpc_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut vpc_cidrs = BTreeMap::new();
        for chunk in endpoint_vpcs.chunks(Self::IDS_PER_CALL) {
            let described = self
                .all_items("DescribeVpcs", "vpcSet", numbered("VpcId", chunk))
                .await?;
            for vpc in &described {
                let mut cidrs: Vec<String> = vpc
                    .items("cidrBlockAssociationSet")
                    .filter_map(|a| a.text_of("cidrBlock").map(str::to_string))
                    .collect();
                if cidrs.is_empty() {
                    cidrs.extend(vpc.text_of("cidrBlock").map(str::to_string));
                }
                let id = vpc.text_of("vpcId").unwrap_or_default().to_string();
                vpc_cidrs.insert(id, cidrs);
            }
        }
        Ok(NetworkFacts {
            sts_endpoints,
            ingress,
            vpc_cidrs,
        })
    }

    /// The ingress rules of security groups by id: ⌈groups/200⌉ DescribeSecurityGroups calls
    /// (a call naming group ids takes no MaxResults and answers in one page).
    pub async fn ingress(
        &self,
        groups: &[impl AsRef<str>],
    ) -> Result<BTreeMap<String, Vec<Ingress>>, RuleError> {
        let mut ingress = BTreeMap::new();
        for chunk in groups.chunks(Self::IDS_PER_CALL) {
            let described = self
                .all_items(
                    "DescribeSecurityGroups",
                    "securityGroupInfo",
                    numbered("GroupId", chunk),
                )
                .await?;
            for group in &described {
                if let Some(id) = group.text_of("groupId") {
                    ingress.insert(id.to_string(), ingress_of(group));
                }
            }
        }
        Ok(ingress)
    }

    /// The VPC of security groups (when a cluster's subnet group is unknown).
    pub async fn vpc_of_groups(&self, groups: &[String]) -> Result<Option<String>, RuleError> {
        if groups.is_empty() {
            return Ok(None);
        }
        let out = self
            .client
            .call("DescribeSecurityGroups", numbered("GroupId", groups))
            .await
            .map_err(|e| RuleError::aws("DescribeSecurityGroups", &e))?;
        let vpc = out
            .items("securityGroupInfo")
            .find_map(|g| g.text_of("vpcId").map(str::to_string));
        Ok(vpc)
    }
}

/// A Query list member: `Name.1=…&Name.2=…`.
pub(crate) fn numbered(name: &str, values: &[impl AsRef<str>]) -> Vec<(String, String)> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("{name}.{}", i + 1), v.as_ref().to_string()))
        .collect()
}
