//! Rule `neptune-cluster-network-exposure`: no Neptune DB cluster is reachable from the
//! internet — none of its instances is publicly accessible, no subnet of its DB subnet group
//! routes to an internet gateway, and no security group of it opens its port to the internet. No AWS managed rule checks this (Prowler's
//! `neptune_cluster_uses_public_subnet` checks the subnets), so it is a Lambda of ours.

mod runbook;
mod template;

use std::collections::{BTreeMap, BTreeSet};

use guardrails_aws::ec2::{Ec2Network, Ingress};
use guardrails_aws::neptune::types::{DbCluster, DbInstance};
use guardrails_aws::neptune::{is_neptune_engine, NeptuneClusters, SubnetGroup};
use guardrails_aws::posture::{ClusterTags, Clusters, Instances};
use guardrails_aws::routes::Routes;
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::exemption;
use guardrails_core::frameworks::{Framework, Mapping};
use guardrails_core::item::{as_text, get};
use guardrails_core::registry::{Delivery, Remediation, ResourceType, RuleSpec, Severity, Trigger};
use guardrails_core::verdicts::{not_neptune, verdict};
use guardrails_core::{Assessed, Compliance, ConfigurationItem, Params, Rule, RuleError};

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-network-exposure",
    title: "Neptune DB clusters are not reachable from the internet",
    resource_types: &[ResourceType::RdsDbCluster],
    triggers: &[
        Trigger::ConfigurationChange,
        Trigger::Periodic("TwentyFour_Hours"),
    ],
    parameters: &[exemption::PARAMETER],
    severity: Severity::High,
    delivery: Delivery::Lambda,
    remediation: Remediation {
        runbook: "NeptuneGuardrails-DisableInstancePublicAccess",
        automatic: false,
        rationale: "clients that reach the instance over the internet lose it, and a subnet's \
                    route to an internet gateway belongs to the network's owner",
    },
    permissions: &[
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups",
        "rds:DescribeDBClusters",
        "rds:DescribeDBInstances",
        "rds:DescribeDBSubnetGroups",
        "rds:ListTagsForResource",
    ],
    frameworks: &[
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &["AC-4", "SC-7", "SC-7(4)"],
            source: "our mapping: boundary protection — the graph answers only inside its VPC",
        },
        Mapping {
            framework: Framework::CisControlsV8,
            requirements: &["12.2"],
            source: "our mapping: safeguard 12.2 (Establish and Maintain a Secure Network \
                     Architecture) — databases sit in private subnets",
        },
    ],
    docs: "NON_COMPLIANT when an instance of a Neptune cluster is PubliclyAccessible, a \
           subnet of the cluster's DB subnet group has a route to an internet gateway, or a \
           security group of the cluster lets 0.0.0.0/0 or ::/0 reach its port (even in private \
           subnets: peered networks, VPNs and the next route change reach it). With a public \
           instance in a routed subnet and such a group the graph is reachable from the \
           internet now: the finding says so, names the path and is CRITICAL in ASFF, SARIF and \
           OCSF. Other RDS engines and deleted clusters are NOT_APPLICABLE, as is a failing \
           cluster carrying the exemption tag (exemptionTag), through its `until` date.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan. `gen scan` shares
/// the region's cluster and instance listings with the other cluster controls.
pub const RULE: RuleEntry = RuleEntry::lambda(&SPEC, runbook::runbook, |scope, params| {
    Box::pin(async move {
        let clusters = Clusters::of(scope).await?;
        let instances = Instances::of(scope).await?;
        let rule = NetworkExposure::new(&scope.sdk);
        let mut assessed = rule.assess(&clusters.0, &instances.0).await;
        ClusterTags::exempt_failing(scope, params, &mut assessed).await;
        Ok(assessed)
    })
})
.judging_templates(template::judge);

/// Neptune's port when a cluster reports none (CreateDBCluster: "Default: 8182").
pub const DEFAULT_PORT: i32 = 8182;

/// What the exposure of one cluster is judged on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure<'a> {
    pub cluster: &'a str,
    /// Instances whose PubliclyAccessible is true.
    pub public_instances: Vec<String>,
    pub subnet_group: &'a str,
    /// `(subnet, route table, internet gateway)` of each subnet routed to one.
    pub routed_subnets: Vec<(String, String, String)>,
    pub subnets: usize,
    pub port: i32,
    /// `(security group, rule)` of each rule of the cluster's groups that lets the whole
    /// internet (`0.0.0.0/0`, `::/0`) reach the port.
    pub open_rules: Vec<(String, String)>,
    /// `(instance, subnet, route table, gateway)`: a public instance in a subnet routed to an
    /// internet gateway (the subnet of the instance's Availability Zone).
    pub public_paths: Vec<(String, String, String, String)>,
}

/// The verdict for one Neptune cluster: CRITICAL when a path from the internet is open now
/// (a public instance in a routed subnet, and a group open to the internet on its port).
pub fn evaluate(exposure: &Exposure) -> Verdict {
    let mut problems = Vec::new();
    let now = exposure
        .public_paths
        .first()
        .zip(exposure.open_rules.first());
    if let Some(((instance, subnet, table, gateway), (group, rule))) = now {
        problems.push(format!(
            "reachable from the internet now: instance {instance} (public) in {subnet} via \
             {table} to {gateway}, {group} allows {rule} (port {})",
            exposure.port
        ));
    }
    if !exposure.public_instances.is_empty() {
        problems.push(format!(
            "instance {} is publicly accessible",
            exposure.public_instances.join(", ")
        ));
    }
    for (subnet, table, gateway) in &exposure.routed_subnets {
        problems.push(format!(
            "subnet {subnet} of {} routes to internet gateway {gateway} ({table})",
            exposure.subnet_group
        ));
    }
    for (group, rule) in &exposure.open_rules {
        problems.push(format!(
            "security group {group} allows {rule} to port {}",
            exposure.port
        ));
    }
    if problems.is_empty() {
        return verdict(
            true,
            format!(
                "no instance of cluster {} is publicly accessible, none of the {} subnet(s) \
                 of {} routes to an internet gateway and no security group opens port {} to \
                 the internet",
                exposure.cluster, exposure.subnets, exposure.subnet_group, exposure.port
            ),
        );
    }
    let mut why = format!("cluster {}: {}", exposure.cluster, problems.join("; "));
    if now.is_none() && !exposure.open_rules.is_empty() {
        why.push_str(" (peered networks, VPNs and the next route change reach an open group)");
    }
    why.push_str(&format!(" (runbook {})", SPEC.remediation.runbook));
    let failing = verdict(false, why);
    if now.is_some() {
        failing.graded(Severity::Critical)
    } else {
        failing
    }
}

/// What the check reads of a cluster, from its configuration item or the describe output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterNetwork {
    pub identifier: String,
    pub engine: Option<String>,
    pub subnet_group: Option<String>,
    pub port: i32,
    pub security_groups: Vec<String>,
}

impl ClusterNetwork {
    pub fn from_sdk(cluster: &DbCluster) -> Self {
        ClusterNetwork {
            identifier: cluster
                .db_cluster_identifier()
                .unwrap_or_default()
                .to_string(),
            engine: cluster.engine().map(str::to_string),
            subnet_group: cluster.db_subnet_group().map(str::to_string),
            port: cluster.port().unwrap_or(DEFAULT_PORT),
            security_groups: cluster
                .vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
                .collect(),
        }
    }

    /// The item's facts (Config's casing); `None` when it lacks the engine, the subnet group
    /// or the security groups, which a describe call then supplies.
    pub fn from_item(item: &ConfigurationItem) -> Option<Self> {
        let groups = item.field(&["vpcSecurityGroups"])?.as_array()?;
        Some(ClusterNetwork {
            identifier: item
                .text(&["dBClusterIdentifier"])
                .or_else(|| item.resource_name.clone())
                .unwrap_or_default(),
            engine: Some(item.text(&["engine"])?),
            subnet_group: Some(
                item.text(&["dBSubnetGroup"])
                    .or_else(|| item.text(&["dBSubnetGroup", "dBSubnetGroupName"]))?,
            ),
            port: item
                .text(&["port"])
                .and_then(|p| p.parse().ok())
                .unwrap_or(DEFAULT_PORT),
            security_groups: groups
                .iter()
                .filter_map(|g| get(g, "vpcSecurityGroupId").and_then(as_text))
                .collect(),
        })
    }
}

/// The region's network as the check needs it: subnet groups, routes, security groups.
#[derive(Default)]
struct Network {
    groups: BTreeMap<String, SubnetGroup>,
    routes: Routes,
    ingress: BTreeMap<String, Vec<Ingress>>,
}

/// The exposure of a Neptune cluster from its instances, subnet group, the routes of its VPC
/// and its security groups; the NOT_APPLICABLE verdict when its subnet group is unknown.
fn exposure<'a>(
    cluster: &'a ClusterNetwork,
    instances: &[&DbInstance],
    network: &Network,
) -> Result<Exposure<'a>, Verdict> {
    let name = cluster.identifier.as_str();
    let group_name = cluster.subnet_group.as_deref();
    let Some((group_name, group)) = group_name.and_then(|n| Some((n, network.groups.get(n)?)))
    else {
        return Err(Verdict::not_evaluated(format!(
            "the DB subnet group of cluster {name} could not be read"
        )));
    };
    let routed_subnets: Vec<(String, String, String)> = group
        .subnets
        .iter()
        .filter_map(|subnet| {
            let table = network.routes.table_of(&group.vpc, subnet)?;
            let gateway = table.internet_gateway.clone()?;
            Some((subnet.clone(), table.id.clone(), gateway))
        })
        .collect();
    let public: Vec<&DbInstance> = instances
        .iter()
        .copied()
        .filter(|i| i.publicly_accessible() == Some(true))
        .collect();
    let public_paths = public
        .iter()
        .filter_map(|instance| {
            let zone = instance.availability_zone();
            let (subnet, table, gateway) = routed_subnets.iter().find(|(subnet, _, _)| {
                zone.is_none() || group.zones.get(subnet).map(String::as_str) == zone
            })?;
            let id = instance.db_instance_identifier()?.to_string();
            Some((id, subnet.clone(), table.clone(), gateway.clone()))
        })
        .collect();
    let mut open_rules = Vec::new();
    for id in &cluster.security_groups {
        let Some(rules) = network.ingress.get(id) else {
            return Err(Verdict::not_evaluated(format!(
                "security group {id} of cluster {name} could not be read"
            )));
        };
        for rule in rules {
            if let Some(source) = rule.open_to_internet(cluster.port) {
                open_rules.push((id.clone(), rule.describe(source)));
            }
        }
    }
    Ok(Exposure {
        cluster: name,
        public_instances: public
            .iter()
            .filter_map(|i| i.db_instance_identifier().map(str::to_string))
            .collect(),
        subnet_group: group_name,
        routed_subnets,
        subnets: group.subnets.len(),
        port: cluster.port,
        open_rules,
        public_paths,
    })
}

pub struct NetworkExposure {
    neptune: NeptuneClusters,
    ec2: Ec2Network,
}

impl NetworkExposure {
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        NetworkExposure {
            neptune: NeptuneClusters::new(sdk),
            ec2: Ec2Network::new(sdk),
        }
    }

    /// The subnet groups (one of them, or all), the routes of their VPCs and the security
    /// groups named: each listing once, whatever the number of clusters.
    async fn network(
        &self,
        group: Option<&str>,
        security_groups: &BTreeSet<String>,
    ) -> Result<Network, RuleError> {
        let groups = self.neptune.subnet_groups(group).await?;
        let vpcs: BTreeSet<String> = groups.values().map(|g| g.vpc.clone()).collect();
        let routes = self.ec2.routes(&vpcs).await?;
        let ids: Vec<&String> = security_groups.iter().collect();
        let ingress = self.ec2.ingress(&ids).await?;
        Ok(Network {
            groups,
            routes,
            ingress,
        })
    }

    /// One verdict per cluster of the listings: the network read once for all of them (an
    /// error there leaves every Neptune cluster not evaluated, with why).
    async fn assess(&self, clusters: &[DbCluster], instances: &[DbInstance]) -> Vec<Assessed> {
        let facts: Vec<ClusterNetwork> = clusters.iter().map(ClusterNetwork::from_sdk).collect();
        let neptune: Vec<&ClusterNetwork> = facts
            .iter()
            .filter(|c| is_neptune_engine(c.engine.as_deref()))
            .collect();
        let network = if neptune.is_empty() {
            Ok(Network::default())
        } else {
            let security_groups = neptune
                .iter()
                .flat_map(|c| c.security_groups.iter().cloned())
                .collect();
            (self.network(None, &security_groups).await).map_err(|e| e.to_string())
        };
        clusters
            .iter()
            .zip(&facts)
            .map(|(cluster, facts)| {
                let name = facts.identifier.as_str();
                let verdict = match (facts.engine.as_deref(), &network) {
                    (engine, _) if !is_neptune_engine(engine) => Verdict::new(
                        Compliance::NotApplicable,
                        match engine {
                            Some(engine) => format!("engine {engine} is not Neptune"),
                            None => format!("engine of cluster {name} could not be determined"),
                        },
                    ),
                    (_, Err(reason)) => Verdict::not_evaluated(format!(
                        "could not read the network of cluster {name}: {reason}"
                    )),
                    (_, Ok(network)) => {
                        let own: Vec<&DbInstance> = instances
                            .iter()
                            .filter(|i| i.db_cluster_identifier() == Some(name))
                            .collect();
                        exposure(facts, &own, network).map_or_else(|v| v, |e| evaluate(&e))
                    }
                };
                Assessed {
                    resource_type: ResourceType::RdsDbCluster,
                    resource_id: cluster
                        .db_cluster_resource_id()
                        .unwrap_or_default()
                        .to_string(),
                    name: name.to_string(),
                    arn: cluster.db_cluster_arn().map(str::to_string),
                    verdict,
                }
            })
            .collect()
    }
}

impl Rule for NetworkExposure {
    fn entry(&self) -> &'static RuleEntry {
        &RULE
    }

    /// The cluster from its item (or a describe call when the item lacks its engine, subnet
    /// group or security groups), then its instances, its subnet group, the routes of its
    /// VPC and its security groups.
    async fn evaluate_item(&self, item: &ConfigurationItem, params: &Params) -> Verdict {
        let cluster = match ClusterNetwork::from_item(item) {
            Some(cluster) => cluster,
            None => match self.neptune.cluster_of_item(item).await {
                Ok(described) => ClusterNetwork::from_sdk(&described),
                Err(verdict) => return verdict,
            },
        };
        if !is_neptune_engine(cluster.engine.as_deref()) {
            return not_neptune(cluster.engine.as_deref());
        }
        let identifier = &cluster.identifier;
        let instances = match self.neptune.cluster_instances(identifier).await {
            Ok(instances) => instances,
            Err(err) => {
                return Verdict::not_evaluated(format!(
                    "could not read the instances of cluster {identifier}: {err}"
                ))
            }
        };
        let security_groups = cluster.security_groups.iter().cloned().collect();
        let network = match (self.network(cluster.subnet_group.as_deref(), &security_groups)).await
        {
            Ok(network) => network,
            Err(err) => {
                return Verdict::not_evaluated(format!(
                    "could not read the network of cluster {identifier}: {err}"
                ))
            }
        };
        let own: Vec<&DbInstance> = instances.iter().collect();
        let verdict = exposure(&cluster, &own, &network).map_or_else(|v| v, |e| evaluate(&e));
        exemption::apply_to_item(params, &item.tags, verdict)
    }
}

#[cfg(test)]
mod tests;
