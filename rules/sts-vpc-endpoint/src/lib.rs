//! Rule `neptune-sts-vpc-endpoint`: a Neptune cluster whose bulk loader chains IAM roles
//! needs an interface VPC endpoint for AWS STS in its VPC, reachable on 443 from the
//! cluster's security groups; and each chained role must trust the role before it. Without
//! either, loads fail in ways that are hard to diagnose.
//!
//! Calls per scheduled run are bounded by the region, not by the number of clusters: one
//! paginated listing each of clusters, DB subnet groups and VPC endpoints, one
//! DescribeSecurityGroups / DescribeVpcs per 200 ids, and IAM reads once per distinct role.

mod runbook;

pub mod chain;
pub mod network;

use std::collections::{BTreeMap, BTreeSet};

use guardrails_aws::iam::IamAccount;
use guardrails_aws::neptune::types::DbCluster;
use guardrails_aws::neptune::{is_neptune_engine, ClusterFacts, NeptuneClusters};
use guardrails_aws::posture::ClusterTags;
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::exemption;
use guardrails_core::frameworks::{Framework, Mapping};
use guardrails_core::item::{as_text, get};
use guardrails_core::registry::{
    ParamKind, ParamSpec, Remediation, ResourceType, RuleSpec, Severity, Trigger,
};
use guardrails_core::rule::described;
use guardrails_core::{Assessed, Compliance, ConfigurationItem, Params, Rule, RuleError};
use serde_json::Value;

use chain::{ChainReport, RoleChains};
use network::{check_endpoint, Ec2Network, NetworkFacts};

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-sts-vpc-endpoint",
    title: "Neptune clusters that chain IAM roles have a reachable STS interface endpoint",
    resource_types: &[ResourceType::RdsDbCluster],
    triggers: &[
        Trigger::ConfigurationChange,
        Trigger::Periodic("TwentyFour_Hours"),
    ],
    parameters: &[
        ParamSpec {
            name: "allClusters",
            kind: ParamKind::Bool,
            default: "false",
            description:
                "evaluate every Neptune cluster, not only those with an associated IAM role",
        },
        ParamSpec {
            name: "checkRoleChains",
            kind: ParamKind::Bool,
            default: "true",
            description: "for each associated role that may sts:AssumeRole another role, require \
                          that role's trust policy to admit it (same account; other accounts are \
                          reported as unverified)",
        },
        exemption::PARAMETER,
    ],
    severity: Severity::Medium,
    delivery: guardrails_core::registry::Delivery::Lambda,
    remediation: Remediation {
        runbook: "NeptuneGuardrails-CreateStsVpcEndpoint",
        automatic: false,
        rationale: "adds a billed endpoint and changes how the whole VPC resolves sts.REGION.amazonaws.com, \
                    a network owner's decision",
    },
    permissions: &[
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeVpcs",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies",
        "rds:DescribeDBClusters",
        "rds:DescribeDBSubnetGroups",
        "rds:ListTagsForResource",
    ],
    frameworks: &[
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &["AC-4", "SC-7"],
            source: "our mapping (no Security Hub control checks it): credentials for the \
                     cluster's roles stay on the VPC's private path (information flow, \
                     boundary protection)",
        },
        Mapping {
            framework: Framework::CisControlsV8,
            requirements: &["12.2"],
            source: "our mapping: safeguard 12.2 (Establish and Maintain a Secure Network \
                     Architecture)",
        },
    ],
    docs: "NON_COMPLIANT when a Neptune cluster with an associated IAM role (the bulk loader's \
           role chaining) has no Interface VPC endpoint for com.amazonaws.REGION.sts in its VPC \
           that is available, has private DNS on and admits TCP 443 from the cluster's security \
           groups (by group or a CIDR covering the VPC) — gateway endpoints, other services and \
           other VPCs do not count — or when an associated role may assume a role whose trust \
           policy does not admit it. The annotation names the failed condition. Clusters \
           without associated roles are NOT_APPLICABLE unless allClusters=true, as is a failing \
           cluster carrying the exemption tag (exemptionTag), through its `until` date.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::lambda(&SPEC, runbook::runbook, |scope, params| {
    Box::pin(async move {
        let mut assessed = StsVpcEndpoint::new(&scope.sdk).evaluate_all(params).await?;
        ClusterTags::exempt_failing(scope, params, &mut assessed).await;
        Ok(assessed)
    })
});

/// What the rule needs to know of a cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterNetwork {
    pub resource_id: String,
    pub identifier: String,
    pub arn: Option<String>,
    pub engine: Option<String>,
    /// ARNs of the associated IAM roles; `None` when unknown.
    pub roles: Option<Vec<String>>,
    pub subnet_group: Option<String>,
    pub security_groups: Vec<String>,
}

impl ClusterNetwork {
    /// Identity from the shared [`ClusterFacts`], the network from the cluster's own fields.
    pub fn from_sdk(cluster: &DbCluster) -> Self {
        let ClusterFacts {
            resource_id,
            identifier,
            arn,
            engine,
            ..
        } = ClusterFacts::from_sdk(cluster);
        ClusterNetwork {
            resource_id,
            identifier,
            arn,
            engine,
            roles: Some(
                cluster
                    .associated_roles()
                    .iter()
                    .filter_map(|r| r.role_arn().map(str::to_string))
                    .collect(),
            ),
            subnet_group: cluster.db_subnet_group().map(str::to_string),
            security_groups: cluster
                .vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
                .collect(),
        }
    }

    /// From a configuration item (`associatedRoles`, `dBSubnetGroup`, `vpcSecurityGroups`).
    pub fn from_item(item: &ConfigurationItem) -> Self {
        let list = |key: &str, field: &str| -> Option<Vec<String>> {
            item.field(&[key]).and_then(Value::as_array).map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| match e {
                        Value::String(s) => Some(s.clone()),
                        other => get(other, field).and_then(as_text),
                    })
                    .collect()
            })
        };
        let ClusterFacts {
            resource_id,
            identifier,
            arn,
            engine,
            ..
        } = ClusterFacts::from_item(item);
        ClusterNetwork {
            resource_id,
            identifier,
            arn,
            engine,
            roles: list("associatedRoles", "roleArn"),
            subnet_group: item
                .text(&["dBSubnetGroup"])
                .or_else(|| item.text(&["dBSubnetGroup", "dBSubnetGroupName"])),
            security_groups: list("vpcSecurityGroups", "vpcSecurityGroupId").unwrap_or_default(),
        }
    }

    /// Whether the item lacks what the check needs.
    fn incomplete(&self) -> bool {
        self.engine.is_none()
            || self.roles.is_none()
            || (self.subnet_group.is_none() && self.security_groups.is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub all_clusters: bool,
    pub check_role_chains: bool,
}

impl Settings {
    pub fn from_params(params: &Params) -> Self {
        Settings {
            all_clusters: params.flag("allClusters"),
            check_role_chains: params.flag("checkRoleChains"),
        }
    }
}

/// Out of scope (with the reason), or in scope.
pub fn scope(cluster: &ClusterNetwork, settings: Settings) -> Result<(), Verdict> {
    let na = |why: String| Err(Verdict::new(Compliance::NotApplicable, why));
    match &cluster.engine {
        None => na(format!(
            "engine of cluster {} could not be determined",
            cluster.identifier
        )),
        Some(engine) if !is_neptune_engine(Some(engine)) => {
            na(format!("engine {engine} is not Neptune"))
        }
        _ if !settings.all_clusters && cluster.roles.as_ref().is_none_or(Vec::is_empty) => na(
            "no associated IAM role (bulk loader role chaining not in use); allClusters=true \
             evaluates it"
                .into(),
        ),
        _ => Ok(()),
    }
}

/// The verdict from the endpoint check and the chain reports of the cluster's roles. A chain
/// an AWS error left unread decides nothing: the cluster fails on what was read, or is not
/// evaluated.
pub fn verdict(endpoint: Result<String, String>, chains: &[ChainReport]) -> Verdict {
    let gather = |links: fn(&ChainReport) -> &Vec<String>| -> Vec<&str> {
        chains.iter().flat_map(links).map(String::as_str).collect()
    };
    let broken = gather(|c| &c.broken);
    let unverified = gather(|c| &c.unverified);
    let trusted = gather(|c| &c.trusted);
    let unread = gather(|c| &c.unread);
    if endpoint.is_ok() && broken.is_empty() && !unread.is_empty() {
        return Verdict::not_evaluated(format!("role chain not read: {}", unread.join(", ")));
    }
    let mut parts = Vec::new();
    let compliance = match (&endpoint, broken.is_empty()) {
        (Ok(ok), true) => {
            parts.push(ok.clone());
            if !trusted.is_empty() {
                parts.push(format!("chain {} trusted", trusted.join(", ")));
            }
            Compliance::Compliant
        }
        _ => {
            if let Err(reason) = &endpoint {
                parts.push(format!("STS endpoint: {reason}"));
            }
            if !broken.is_empty() {
                parts.push(format!("role chain broken: {}", broken.join(", ")));
            }
            Compliance::NonCompliant
        }
    };
    if !unverified.is_empty() {
        parts.push(format!("unverified: {}", unverified.join(", ")));
    }
    if !unread.is_empty() {
        parts.push(format!("not read: {}", unread.join(", ")));
    }
    Verdict::new(compliance, parts.join("; "))
}

pub struct StsVpcEndpoint {
    region: String,
    neptune: NeptuneClusters,
    ec2: Ec2Network,
    chains: RoleChains,
}

impl StsVpcEndpoint {
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        StsVpcEndpoint {
            region: sdk.region().map(|r| r.to_string()).unwrap_or_default(),
            neptune: NeptuneClusters::new(sdk),
            ec2: Ec2Network::new(sdk),
            chains: RoleChains::new(IamAccount::new(sdk)),
        }
    }

    /// The VPC of a cluster: its DB subnet group's, or its security groups'.
    async fn vpc_of(
        &self,
        cluster: &ClusterNetwork,
        subnet_groups: &BTreeMap<String, String>,
    ) -> Result<Option<String>, RuleError> {
        if let Some(vpc) = cluster
            .subnet_group
            .as_ref()
            .and_then(|g| subnet_groups.get(g))
        {
            return Ok(Some(vpc.clone()));
        }
        self.ec2.vpc_of_groups(&cluster.security_groups).await
    }

    /// The VPC of an in-scope cluster, or the NOT_APPLICABLE verdict saying why it is
    /// unknown — the same on change-triggered and periodic runs.
    async fn located(
        &self,
        cluster: &ClusterNetwork,
        subnet_groups: Result<&BTreeMap<String, String>, &RuleError>,
    ) -> Result<String, Verdict> {
        let unreadable = |err: &RuleError| {
            Verdict::not_evaluated(format!(
                "could not read the VPC of cluster {}: {err}",
                cluster.identifier
            ))
        };
        match self
            .vpc_of(cluster, subnet_groups.map_err(unreadable)?)
            .await
        {
            Ok(Some(vpc)) => Ok(vpc),
            Ok(None) => Err(Verdict::new(
                Compliance::NotApplicable,
                format!(
                    "VPC of cluster {} could not be determined",
                    cluster.identifier
                ),
            )),
            Err(err) => Err(unreadable(&err)),
        }
    }

    /// Verdicts for in-scope clusters whose VPCs are known, sharing one network read.
    async fn assess(
        &self,
        clusters: &[(&ClusterNetwork, String)],
        settings: Settings,
    ) -> Result<Vec<Verdict>, RuleError> {
        let vpcs: BTreeSet<String> = clusters.iter().map(|(_, vpc)| vpc.clone()).collect();
        let network: NetworkFacts = self.ec2.facts(&self.region, &vpcs).await?;
        let mut verdicts = Vec::with_capacity(clusters.len());
        for (cluster, vpc) in clusters {
            let endpoint = check_endpoint(&self.region, vpc, &cluster.security_groups, &network);
            let mut chains = Vec::new();
            if settings.check_role_chains {
                for role in cluster.roles.iter().flatten() {
                    chains.push(self.chains.check(role).await);
                }
            }
            verdicts.push(verdict(endpoint, &chains));
        }
        Ok(verdicts)
    }

    /// Every resource in scope, judged: the rule's scan, which `gen scan` and the Lambda's
    /// scheduled run both are.
    pub async fn evaluate_all(&self, params: &Params) -> Result<Vec<Assessed>, RuleError> {
        let settings = Settings::from_params(params);
        let clusters: Vec<ClusterNetwork> = self
            .neptune
            .db_clusters()
            .await?
            .iter()
            .map(ClusterNetwork::from_sdk)
            .collect();
        let mut verdicts: Vec<Option<Verdict>> =
            clusters.iter().map(|c| scope(c, settings).err()).collect();
        let in_scope: Vec<usize> = (0..clusters.len())
            .filter(|i| verdicts[*i].is_none())
            .collect();
        // Once the clusters are listed, every one of them gets a verdict: a later read that
        // fails makes the clusters it concerns "not evaluated", never drops them.
        if !in_scope.is_empty() {
            let subnet_groups = self.neptune.subnet_group_vpcs(None).await;
            let mut located = Vec::new();
            for &i in &in_scope {
                match self.located(&clusters[i], subnet_groups.as_ref()).await {
                    Ok(vpc) => located.push((i, vpc)),
                    Err(verdict) => verdicts[i] = Some(verdict),
                }
            }
            let pairs: Vec<(&ClusterNetwork, String)> = located
                .iter()
                .map(|(i, vpc)| (&clusters[*i], vpc.clone()))
                .collect();
            let assessed = match self.assess(&pairs, settings).await {
                Ok(assessed) => assessed,
                Err(err) => vec![network_unreadable(&err); pairs.len()],
            };
            for ((i, _), verdict) in located.iter().zip(assessed) {
                verdicts[*i] = Some(verdict);
            }
        }
        Ok(clusters
            .into_iter()
            .zip(verdicts)
            .map(|(cluster, verdict)| Assessed {
                resource_type: ResourceType::RdsDbCluster,
                resource_id: cluster.resource_id,
                name: cluster.identifier,
                arn: cluster.arn,
                verdict: verdict.expect("every cluster got a verdict"),
            })
            .collect())
    }
}

impl Rule for StsVpcEndpoint {
    fn entry(&self) -> &'static RuleEntry {
        &RULE
    }

    async fn evaluate_item(&self, item: &ConfigurationItem, params: &Params) -> Verdict {
        let settings = Settings::from_params(params);
        let mut cluster = ClusterNetwork::from_item(item);
        if cluster.incomplete() {
            let key = item
                .arn
                .clone()
                .unwrap_or_else(|| cluster.identifier.clone());
            let fetched = self.neptune.db_cluster(&key).await;
            let fetched = fetched.map(|c| c.as_ref().map(ClusterNetwork::from_sdk));
            match described(&format!("cluster {key}"), fetched) {
                Ok(described) => {
                    cluster = ClusterNetwork {
                        resource_id: cluster.resource_id,
                        ..described
                    }
                }
                Err(verdict) => return verdict,
            }
        }
        if let Err(verdict) = scope(&cluster, settings) {
            return verdict;
        }
        let subnet_groups = match &cluster.subnet_group {
            Some(name) => self.neptune.subnet_group_vpcs(Some(name)).await,
            None => Ok(BTreeMap::new()),
        };
        let vpc = match self.located(&cluster, subnet_groups.as_ref()).await {
            Ok(vpc) => vpc,
            Err(verdict) => return verdict,
        };
        let verdict = match self.assess(&[(&cluster, vpc)], settings).await {
            Ok(mut verdicts) => verdicts.remove(0),
            Err(err) => network_unreadable(&err),
        };
        exemption::apply_to_item(params, &item.tags, verdict)
    }
}

/// The verdict of a cluster whose VPC endpoints or security groups could not be read.
fn network_unreadable(err: &RuleError) -> Verdict {
    Verdict::not_evaluated(format!("could not read the VPC's endpoints: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scope_follows_engine_roles_and_the_parameter() {
        let defaults = Settings::from_params(&Params::defaults(&SPEC));
        assert_eq!(
            defaults,
            Settings {
                all_clusters: false,
                check_role_chains: true
            }
        );
        let mut cluster = ClusterNetwork {
            identifier: "graph".into(),
            engine: Some("neptune".into()),
            roles: Some(vec![]),
            ..ClusterNetwork::default()
        };
        let na = scope(&cluster, defaults).unwrap_err();
        assert!(na.annotation.starts_with("no associated IAM role"));
        assert!(scope(
            &cluster,
            Settings {
                all_clusters: true,
                ..defaults
            }
        )
        .is_ok());
        cluster.roles = Some(vec!["arn:aws:iam::1:role/A".into()]);
        assert!(scope(&cluster, defaults).is_ok());
        cluster.engine = Some("aurora-mysql".into());
        assert_eq!(
            scope(&cluster, defaults).unwrap_err().annotation,
            "engine aurora-mysql is not Neptune"
        );
    }

    #[test]
    fn verdicts_name_every_failed_condition() {
        let chain = |broken: &[&str], unverified: &[&str], trusted: &[&str]| ChainReport {
            broken: broken.iter().map(|s| s.to_string()).collect(),
            unverified: unverified.iter().map(|s| s.to_string()).collect(),
            trusted: trusted.iter().map(|s| s.to_string()).collect(),
            unread: Vec::new(),
        };
        let ok = verdict(Ok("vpce-1 ok".into()), &[chain(&[], &[], &["RoleA→RoleB"])]);
        assert_eq!(
            (ok.compliance, ok.annotation.as_str()),
            (
                Compliance::Compliant,
                "vpce-1 ok; chain RoleA→RoleB trusted"
            )
        );
        let broken = verdict(
            Ok("vpce-1 ok".into()),
            &[chain(
                &["RoleB does not trust RoleA"],
                &["RoleA→X is cross-account"],
                &[],
            )],
        );
        assert_eq!(broken.compliance, Compliance::NonCompliant);
        assert_eq!(
            broken.annotation,
            "role chain broken: RoleB does not trust RoleA; unverified: RoleA→X is cross-account"
        );
        let both = verdict(
            Err("no com.amazonaws.us-east-1.sts endpoint in vpc-1".into()),
            &[chain(&["RoleB does not trust RoleA"], &[], &[])],
        );
        assert_eq!(both.annotation, "STS endpoint: no com.amazonaws.us-east-1.sts endpoint in vpc-1; role chain broken: RoleB does not trust RoleA");
    }

    #[test]
    fn an_unread_chain_is_never_judged_compliant() {
        let unread = ChainReport {
            unread: vec!["RoleC unreadable: GetRole failed".into()],
            ..ChainReport::default()
        };
        let open = verdict(Ok("vpce-1 ok".into()), std::slice::from_ref(&unread));
        assert_eq!(open.compliance, Compliance::NotApplicable);
        assert!(!open.evaluated);
        assert_eq!(
            open.annotation,
            "role chain not read: RoleC unreadable: GetRole failed"
        );
        let decided = verdict(Err("vpce-1 is pending".into()), &[unread]);
        assert_eq!(decided.compliance, Compliance::NonCompliant);
        assert_eq!(
            decided.annotation,
            "STS endpoint: vpce-1 is pending; not read: RoleC unreadable: GetRole failed"
        );
    }

    #[test]
    fn cluster_facts_come_from_config_items() {
        let item = ConfigurationItem::from_json(&json!({
            "resourceType": "AWS::RDS::DBCluster",
            "resourceId": "cluster-ABC",
            "configuration": {
                "dBClusterIdentifier": "graph",
                "engine": "neptune",
                "dBSubnetGroup": "graph-subnets",
                "vpcSecurityGroups": [{"vpcSecurityGroupId": "sg-1", "status": "active"}],
                "associatedRoles": [{"roleArn": "arn:aws:iam::1:role/A", "status": "ACTIVE"}]
            }
        }))
        .unwrap();
        let cluster = ClusterNetwork::from_item(&item);
        assert_eq!(
            cluster.roles,
            Some(vec!["arn:aws:iam::1:role/A".to_string()])
        );
        assert_eq!(cluster.subnet_group.as_deref(), Some("graph-subnets"));
        assert_eq!(cluster.security_groups, ["sg-1"]);
        assert!(!cluster.incomplete());
    }
}
