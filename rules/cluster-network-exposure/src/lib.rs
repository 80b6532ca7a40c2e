//! Rule `neptune-cluster-network-exposure`: no Neptune DB cluster is reachable from the
//! internet — none of its instances is publicly accessible, and no subnet of its DB subnet
//! group routes to an internet gateway. No AWS managed rule checks this (Prowler's
//! `neptune_cluster_uses_public_subnet` checks the subnets), so it is a Lambda of ours.

mod runbook;

use std::collections::{BTreeMap, BTreeSet};

use guardrails_aws::ec2::Ec2Network;
use guardrails_aws::neptune::types::{DbCluster, DbInstance};
use guardrails_aws::neptune::{is_neptune_engine, NeptuneClusters, SubnetGroup};
use guardrails_aws::posture::{ClusterTags, Clusters, Instances};
use guardrails_aws::routes::Routes;
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::exemption;
use guardrails_core::frameworks::{Framework, Mapping};
use guardrails_core::registry::{Delivery, Remediation, ResourceType, RuleSpec, Severity, Trigger};
use guardrails_core::rule::described;
use guardrails_core::verdicts::verdict;
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
    docs: "NON_COMPLIANT when an instance of a Neptune cluster is PubliclyAccessible, or a \
           subnet of the cluster's DB subnet group has a route to an internet gateway: with \
           both, the graph answers anyone on the internet the security groups let in, IAM auth \
           being the last guard; with either, one change away. Other RDS engines and deleted \
           clusters are NOT_APPLICABLE, as is a failing cluster carrying the exemption tag \
           (exemptionTag), through its `until` date.",
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
});

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
}

/// The verdict for one Neptune cluster.
pub fn evaluate(exposure: &Exposure) -> Verdict {
    let mut problems = Vec::new();
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
    if problems.is_empty() {
        return verdict(
            true,
            format!(
                "no instance of cluster {} is publicly accessible and none of the {} subnet(s) \
                 of {} routes to an internet gateway",
                exposure.cluster, exposure.subnets, exposure.subnet_group
            ),
        );
    }
    verdict(
        false,
        format!(
            "cluster {}: {} (runbook {})",
            exposure.cluster,
            problems.join("; "),
            SPEC.remediation.runbook
        ),
    )
}

/// The exposure of a Neptune cluster from its instances, subnet group and the routes of its
/// VPC; the NOT_APPLICABLE verdict when its subnet group is unknown.
fn exposure<'a>(
    cluster: &'a str,
    instances: &[&DbInstance],
    group_name: Option<&'a str>,
    groups: &BTreeMap<String, SubnetGroup>,
    routes: &Routes,
) -> Result<Exposure<'a>, Verdict> {
    let Some((name, group)) = group_name.and_then(|n| Some((n, groups.get(n)?))) else {
        return Err(Verdict::not_evaluated(format!(
            "the DB subnet group of cluster {cluster} could not be read"
        )));
    };
    let routed_subnets = group
        .subnets
        .iter()
        .filter_map(|subnet| {
            let table = routes.table_of(&group.vpc, subnet)?;
            let gateway = table.internet_gateway.clone()?;
            Some((subnet.clone(), table.id.clone(), gateway))
        })
        .collect();
    Ok(Exposure {
        cluster,
        public_instances: instances
            .iter()
            .filter(|i| i.publicly_accessible() == Some(true))
            .filter_map(|i| i.db_instance_identifier().map(str::to_string))
            .collect(),
        subnet_group: name,
        routed_subnets,
        subnets: group.subnets.len(),
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

    /// The subnet groups (one of them, or all) and the routes of their VPCs.
    async fn network(
        &self,
        group: Option<&str>,
    ) -> Result<(BTreeMap<String, SubnetGroup>, Routes), RuleError> {
        let groups = self.neptune.subnet_groups(group).await?;
        let vpcs: BTreeSet<String> = groups.values().map(|g| g.vpc.clone()).collect();
        let routes = self.ec2.routes(&vpcs).await?;
        Ok((groups, routes))
    }

    /// One verdict per cluster of the listings: the subnet groups and routes read once for
    /// all of them (an error there leaves every Neptune cluster not evaluated, with why).
    async fn assess(&self, clusters: &[DbCluster], instances: &[DbInstance]) -> Vec<Assessed> {
        let neptune = clusters.iter().any(|c| is_neptune_engine(c.engine()));
        let network = if neptune {
            self.network(None).await.map_err(|e| e.to_string())
        } else {
            Ok(Default::default())
        };
        clusters
            .iter()
            .map(|cluster| {
                let name = cluster.db_cluster_identifier().unwrap_or_default();
                let verdict = match (cluster.engine(), &network) {
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
                    (_, Ok((groups, routes))) => {
                        let own: Vec<&DbInstance> = instances
                            .iter()
                            .filter(|i| i.db_cluster_identifier() == Some(name))
                            .collect();
                        exposure(name, &own, cluster.db_subnet_group(), groups, routes)
                            .map_or_else(|verdict| verdict, |e| evaluate(&e))
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

    /// The cluster from its item (or a describe call when the item lacks its engine or subnet
    /// group), then its instances, its subnet group and the routes of its VPC.
    async fn evaluate_item(&self, item: &ConfigurationItem, params: &Params) -> Verdict {
        let mut identifier = item
            .text(&["dBClusterIdentifier"])
            .or_else(|| item.resource_name.clone())
            .unwrap_or_default();
        let mut engine = item.text(&["engine"]);
        let mut group = item
            .text(&["dBSubnetGroup"])
            .or_else(|| item.text(&["dBSubnetGroup", "dBSubnetGroupName"]));
        if engine.is_none() || (is_neptune_engine(engine.as_deref()) && group.is_none()) {
            let key = item.arn.clone().unwrap_or_else(|| identifier.clone());
            match described(
                &format!("cluster {key}"),
                self.neptune.db_cluster(&key).await,
            ) {
                Ok(cluster) => {
                    identifier = cluster
                        .db_cluster_identifier()
                        .unwrap_or_default()
                        .to_string();
                    engine = cluster.engine().map(str::to_string);
                    group = cluster.db_subnet_group().map(str::to_string);
                }
                Err(verdict) => return verdict,
            }
        }
        if !is_neptune_engine(engine.as_deref()) {
            return Verdict::new(
                Compliance::NotApplicable,
                format!("engine {} is not Neptune", engine.unwrap_or_default()),
            );
        }
        let instances = match self.neptune.cluster_instances(&identifier).await {
            Ok(instances) => instances,
            Err(err) => {
                return Verdict::not_evaluated(format!(
                    "could not read the instances of cluster {identifier}: {err}"
                ))
            }
        };
        let (groups, routes) = match self.network(group.as_deref()).await {
            Ok(network) => network,
            Err(err) => {
                return Verdict::not_evaluated(format!(
                    "could not read the network of cluster {identifier}: {err}"
                ))
            }
        };
        let own: Vec<&DbInstance> = instances.iter().collect();
        let verdict = exposure(&identifier, &own, group.as_deref(), &groups, &routes)
            .map_or_else(|verdict| verdict, |e| evaluate(&e));
        exemption::apply_to_item(params, &item.tags, verdict)
    }
}

#[cfg(test)]
mod tests {
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

    fn groups() -> BTreeMap<String, SubnetGroup> {
        let group = |subnets: &[&str]| SubnetGroup {
            vpc: "vpc-1".into(),
            subnets: subnets.iter().map(|s| s.to_string()).collect(),
        };
        BTreeMap::from([
            ("private".to_string(), group(&["subnet-a", "subnet-b"])),
            ("mixed".to_string(), group(&["subnet-a", "subnet-pub"])),
        ])
    }

    fn instance(public: Option<bool>) -> DbInstance {
        DbInstance::builder()
            .db_instance_identifier("graph-1")
            .set_publicly_accessible(public)
            .build()
    }

    #[test]
    fn public_instances_and_internet_routes_each_expose_a_cluster() {
        let judge = |public: Option<bool>, group: Option<&str>| {
            let one = instance(public);
            exposure("graph", &[&one], group, &groups(), &routes())
                .map_or_else(|v| v, |e| evaluate(&e))
        };
        let private = judge(Some(false), Some("private"));
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
            judge(None, Some("private")).compliance,
            Compliance::Compliant
        );
        let public = judge(Some(true), Some("private"));
        assert_eq!(public.compliance, Compliance::NonCompliant);
        assert!(public
            .annotation
            .starts_with("cluster graph: instance graph-1 is publicly accessible"));
        let routed = judge(Some(false), Some("mixed"));
        assert_eq!(routed.compliance, Compliance::NonCompliant);
        assert!(
            routed.annotation.contains(
                "subnet subnet-pub of mixed routes to internet gateway igw-1 (rtb-public)"
            ),
            "{}",
            routed.annotation
        );
        let unknown = judge(Some(false), Some("gone"));
        assert_eq!(
            (unknown.compliance, unknown.evaluated),
            (Compliance::NotApplicable, false)
        );
        assert!(!judge(Some(false), None).evaluated);
    }
}
