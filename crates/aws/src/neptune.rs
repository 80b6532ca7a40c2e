//! Neptune (RDS control plane): DB clusters, instances, snapshots and DB subnet groups.

use aws_sdk_neptune::types::DbCluster;
use guardrails_core::evaluation::Verdict;
use guardrails_core::rule::described;
use guardrails_core::{ConfigurationItem, RuleError};

/// The SDK's Neptune types, for rules that read more of a cluster.
pub use aws_sdk_neptune::types;

/// What rules know about one DB cluster, from a configuration item or a describe call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterFacts {
    /// The `cluster-…` resource id, which AWS Config uses as the resource id.
    pub resource_id: String,
    pub identifier: String,
    /// The cluster's ARN, how Security Hub and people outside Config name it.
    pub arn: Option<String>,
    pub engine: Option<String>,
    pub iam_auth: Option<bool>,
    /// Writer and reader endpoint host names, lower case.
    pub endpoints: Vec<String>,
}

impl ClusterFacts {
    pub fn from_sdk(cluster: &DbCluster) -> Self {
        ClusterFacts {
            resource_id: cluster
                .db_cluster_resource_id()
                .unwrap_or_default()
                .to_string(),
            identifier: cluster
                .db_cluster_identifier()
                .unwrap_or_default()
                .to_string(),
            arn: cluster.db_cluster_arn().map(str::to_string),
            engine: cluster.engine().map(str::to_string),
            iam_auth: cluster.iam_database_authentication_enabled(),
            endpoints: [cluster.endpoint(), cluster.reader_endpoint()]
                .into_iter()
                .flatten()
                .map(normalise_host)
                .collect(),
        }
    }

    pub fn from_item(item: &ConfigurationItem) -> Self {
        ClusterFacts {
            resource_id: item.resource_id.clone(),
            identifier: item
                .text(&["dBClusterIdentifier"])
                .or_else(|| item.resource_name.clone())
                .unwrap_or_default(),
            arn: item.arn.clone(),
            engine: item.text(&["engine"]),
            iam_auth: item.flag(&["iAMDatabaseAuthenticationEnabled"]),
            endpoints: [item.text(&["endpoint"]), item.text(&["readerEndpoint"])]
                .into_iter()
                .flatten()
                .map(|h| normalise_host(&h))
                .collect(),
        }
    }

    pub fn is_neptune(&self) -> bool {
        is_neptune_engine(self.engine.as_deref())
    }

    /// Whether `host` is this cluster's writer or reader endpoint.
    pub fn serves(&self, host: &str) -> bool {
        let host = normalise_host(host);
        self.endpoints.contains(&host)
    }
}

/// A DB subnet group: its VPC and subnets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetGroup {
    pub vpc: String,
    pub subnets: Vec<String>,
    /// The Availability Zone of each subnet: an instance sits in its zone's subnet.
    pub zones: std::collections::BTreeMap<String, String>,
}

/// Engine names compare case-insensitively (`neptune`, as RDS and DMS both spell it).
pub fn is_neptune_engine(engine: Option<&str>) -> bool {
    engine.is_some_and(|e| e.eq_ignore_ascii_case("neptune"))
}

/// Host names compare case-insensitively and without a trailing dot.
pub fn normalise_host(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The Neptune seam: DescribeDBClusters (which also lists other RDS engines).
#[derive(Clone)]
pub struct NeptuneClusters {
    client: aws_sdk_neptune::Client,
}

impl NeptuneClusters {
    /// Neptune's DescribeDBClusters accepts at most 100 records a page.
    pub(crate) const PAGE_SIZE: i32 = 100;

    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        NeptuneClusters {
            client: guardrails_core::client!(aws_sdk_neptune, sdk),
        }
    }

    /// Every DB cluster of the account and region, of every engine.
    pub async fn list_all(&self) -> Result<Vec<ClusterFacts>, RuleError> {
        Ok(self
            .db_clusters()
            .await?
            .iter()
            .map(ClusterFacts::from_sdk)
            .collect())
    }

    /// One cluster by identifier or ARN; `None` when it does not exist.
    pub async fn describe(&self, identifier: &str) -> Result<Option<ClusterFacts>, RuleError> {
        Ok(self
            .db_cluster(identifier)
            .await?
            .as_ref()
            .map(ClusterFacts::from_sdk))
    }

    /// Every DB cluster as the SDK describes it (for rules that need other fields).
    pub async fn db_clusters(&self) -> Result<Vec<DbCluster>, RuleError> {
        all_items!(
            self.client
                .describe_db_clusters()
                .max_records(Self::PAGE_SIZE),
            "DescribeDBClusters"
        )
    }

    /// Every DB instance of the region, paged.
    pub(crate) async fn db_instances(
        &self,
    ) -> Result<Vec<aws_sdk_neptune::types::DbInstance>, RuleError> {
        all_items!(
            self.client
                .describe_db_instances()
                .max_records(Self::PAGE_SIZE),
            "DescribeDBInstances"
        )
    }

    /// Every DB cluster snapshot the account owns in the region (automated and manual; not
    /// those shared with it), paged.
    pub(crate) async fn db_cluster_snapshots(
        &self,
    ) -> Result<Vec<aws_sdk_neptune::types::DbClusterSnapshot>, RuleError> {
        all_items!(
            self.client
                .describe_db_cluster_snapshots()
                .max_records(Self::PAGE_SIZE),
            "DescribeDBClusterSnapshots"
        )
    }

    /// Who may restore a manual snapshot: the values of its `restore` attribute.
    pub async fn restore_accounts(&self, snapshot: &str) -> Result<Vec<String>, RuleError> {
        let out = self
            .client
            .describe_db_cluster_snapshot_attributes()
            .db_cluster_snapshot_identifier(snapshot)
            .send()
            .await
            .map_err(|e| RuleError::aws("DescribeDBClusterSnapshotAttributes", &e))?;
        Ok(out
            .db_cluster_snapshot_attributes_result()
            .map(|r| r.db_cluster_snapshot_attributes())
            .unwrap_or_default()
            .iter()
            .filter(|a| a.attribute_name() == Some("restore"))
            .flat_map(|a| a.attribute_values().iter().cloned())
            .collect())
    }

    /// The values of a DB cluster parameter group by parameter name
    /// (DescribeDBClusterParameters, paged): every parameter the group lists, defaults
    /// included.
    pub async fn cluster_parameters(
        &self,
        group: &str,
    ) -> Result<std::collections::BTreeMap<String, String>, RuleError> {
        let parameters: Vec<aws_sdk_neptune::types::Parameter> = all_items!(
            self.client
                .describe_db_cluster_parameters()
                .db_cluster_parameter_group_name(group)
                .max_records(Self::PAGE_SIZE),
            "DescribeDBClusterParameters"
        )?;
        Ok(parameters
            .iter()
            .filter_map(|p| {
                Some((
                    p.parameter_name()?.to_string(),
                    p.parameter_value().unwrap_or_default().to_string(),
                ))
            })
            .collect())
    }

    /// The tags of a cluster (or any Neptune resource) by ARN (ListTagsForResource): the
    /// cluster listing carries none.
    pub async fn tags(
        &self,
        arn: &str,
    ) -> Result<std::collections::BTreeMap<String, String>, RuleError> {
        let out = self
            .client
            .list_tags_for_resource()
            .resource_name(arn)
            .send()
            .await
            .map_err(|e| RuleError::aws("ListTagsForResource", &e))?;
        Ok(out
            .tag_list()
            .iter()
            .filter_map(|t| {
                Some((
                    t.key()?.to_string(),
                    t.value().unwrap_or_default().to_string(),
                ))
            })
            .collect())
    }

    pub async fn db_cluster(&self, identifier: &str) -> Result<Option<DbCluster>, RuleError> {
        let filter = aws_sdk_neptune::types::Filter::builder()
            .name("db-cluster-id")
            .values(identifier)
            .build();
        let out = self
            .client
            .describe_db_clusters()
            .filters(filter)
            .send()
            .await
            .map_err(|e| RuleError::aws("DescribeDBClusters", &e))?;
        Ok(out.db_clusters().first().cloned())
    }

    /// One DB cluster snapshot by identifier or ARN; `None` when it does not exist (AWS
    /// answers `DBClusterSnapshotNotFoundFault`).
    pub async fn db_cluster_snapshot(
        &self,
        identifier: &str,
    ) -> Result<Option<aws_sdk_neptune::types::DbClusterSnapshot>, RuleError> {
        match self
            .client
            .describe_db_cluster_snapshots()
            .db_cluster_snapshot_identifier(identifier)
            .send()
            .await
        {
            Ok(out) => Ok(out.db_cluster_snapshots().first().cloned()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_db_cluster_snapshot_not_found_fault()) =>
            {
                Ok(None)
            }
            Err(err) => Err(RuleError::aws("DescribeDBClusterSnapshots", &err)),
        }
    }

    /// The cluster a configuration item names (its ARN, else its identifier, else its name),
    /// described afresh: for an item that lacks what a rule reads. The NOT_APPLICABLE verdict
    /// when the cluster is gone or cannot be read.
    pub async fn cluster_of_item(&self, item: &ConfigurationItem) -> Result<DbCluster, Verdict> {
        let key = (item.arn.clone())
            .or_else(|| item.text(&["dBClusterIdentifier"]))
            .or_else(|| item.resource_name.clone())
            .unwrap_or_default();
        described(&format!("cluster {key}"), self.db_cluster(&key).await)
    }

    /// DB subnet group name → VPC id: every group of the region, or the one named.
    pub async fn subnet_group_vpcs(
        &self,
        name: Option<&str>,
    ) -> Result<std::collections::BTreeMap<String, String>, RuleError> {
        Ok(self
            .subnet_groups(name)
            .await?
            .into_iter()
            .map(|(name, group)| (name, group.vpc))
            .collect())
    }

    /// DB subnet groups by name, with their VPC and subnets: every group of the region, or
    /// the one named.
    pub async fn subnet_groups(
        &self,
        name: Option<&str>,
    ) -> Result<std::collections::BTreeMap<String, SubnetGroup>, RuleError> {
        let groups: Vec<aws_sdk_neptune::types::DbSubnetGroup> = all_items!(
            self.client
                .describe_db_subnet_groups()
                .set_db_subnet_group_name(name.map(str::to_string))
                .max_records(Self::PAGE_SIZE),
            "DescribeDBSubnetGroups"
        )?;
        Ok(groups
            .iter()
            .filter_map(|g| {
                let group = SubnetGroup {
                    vpc: g.vpc_id()?.to_string(),
                    subnets: g
                        .subnets()
                        .iter()
                        .filter_map(|s| s.subnet_identifier().map(str::to_string))
                        .collect(),
                    zones: g
                        .subnets()
                        .iter()
                        .filter_map(|s| {
                            let zone = s.subnet_availability_zone()?.name()?;
                            Some((s.subnet_identifier()?.to_string(), zone.to_string()))
                        })
                        .collect(),
                };
                Some((g.db_subnet_group_name()?.to_string(), group))
            })
            .collect())
    }

    /// The DB instances of one cluster.
    pub async fn cluster_instances(
        &self,
        cluster: &str,
    ) -> Result<Vec<aws_sdk_neptune::types::DbInstance>, RuleError> {
        let filter = aws_sdk_neptune::types::Filter::builder()
            .name("db-cluster-id")
            .values(cluster)
            .build();
        all_items!(
            self.client
                .describe_db_instances()
                .filters(filter)
                .max_records(Self::PAGE_SIZE),
            "DescribeDBInstances"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn facts_come_from_config_items_with_config_casing() {
        let item = ConfigurationItem::from_json(&json!({
            "resourceType": "AWS::RDS::DBCluster",
            "resourceId": "cluster-ABC",
            "resourceName": "graph",
            "configuration": {
                "dBClusterIdentifier": "graph",
                "engine": "neptune",
                "iAMDatabaseAuthenticationEnabled": false,
                "endpoint": "Graph.cluster-x.us-east-1.neptune.amazonaws.com.",
                "readerEndpoint": "graph.cluster-ro-x.us-east-1.neptune.amazonaws.com"
            }
        }))
        .unwrap();
        let facts = ClusterFacts::from_item(&item);
        assert_eq!(facts.identifier, "graph");
        assert_eq!(facts.iam_auth, Some(false));
        assert!(facts.serves("graph.cluster-x.us-east-1.neptune.amazonaws.com"));
        assert!(facts.serves("GRAPH.cluster-ro-x.us-east-1.neptune.amazonaws.com"));
        assert!(!facts.serves("other.cluster-x.us-east-1.neptune.amazonaws.com"));
    }

    #[test]
    fn facts_come_from_describe_output() {
        let sdk = DbCluster::builder()
            .db_cluster_identifier("graph")
            .db_cluster_resource_id("cluster-ABC")
            .engine("neptune")
            .iam_database_authentication_enabled(true)
            .endpoint("graph.cluster-x.us-east-1.neptune.amazonaws.com")
            .build();
        let facts = ClusterFacts::from_sdk(&sdk);
        assert_eq!(facts.resource_id, "cluster-ABC");
        assert_eq!(facts.iam_auth, Some(true));
        assert!(facts.is_neptune());
    }
}
