//! A Neptune cluster as a template declares it (`AWS::Neptune::DBCluster`), turned into the
//! `DbCluster` the cluster controls judge in a scan, so a template, a scan and Config get their
//! verdict from one function. A property left out takes the value AWS gives it: IAM database
//! authentication, storage encryption, deletion protection and copying tags to snapshots
//! are off and backups are kept 1 day (Amazon Neptune API Reference, CreateDBCluster:
//! "BackupRetentionPeriod … Default: 1", "deletion protection is disabled by default";
//! AWS::Neptune::DBCluster in the CloudFormation resource reference; cfn-lint's resource
//! schema gives BackupRetentionPeriod `"default": 1`).

use aws_sdk_neptune::types::DbCluster;
use guardrails_core::evaluation::Verdict;
use guardrails_core::template::{
    as_flag, as_number, decided_at_deploy, expression_of, referenced, TemplateResource,
};
use serde_json::Value;

/// The template type of a Neptune cluster.
pub const NEPTUNE_CLUSTER: &str = "AWS::Neptune::DBCluster";

/// The template type of a Neptune DB instance (a plan's `aws_neptune_cluster_instance`).
pub const NEPTUNE_INSTANCE: &str = "AWS::Neptune::DBInstance";

/// The instances of the template that belong to `cluster` (their `DBClusterIdentifier`
/// refers to it or names it), and those whose cluster only deploy decides, with the
/// expression that decides it.
pub fn instances_of<'a>(
    cluster: &TemplateResource,
    template: &'a [TemplateResource],
) -> (
    Vec<&'a TemplateResource>,
    Vec<(&'a TemplateResource, String)>,
) {
    let mut members = Vec::new();
    let mut undecided = Vec::new();
    for instance in template
        .iter()
        .filter(|r| r.resource_type == NEPTUNE_INSTANCE)
    {
        let Some(named) = instance.property("DBClusterIdentifier") else {
            continue;
        };
        if cluster.is_named_by(named, "DBClusterIdentifier") {
            members.push(instance);
        } else if let Some(expression) =
            expression_of(named).filter(|_| referenced(named).is_none())
        {
            undecided.push((instance, expression.to_string()));
        }
    }
    (members, undecided)
}

/// Backup retention when the template leaves it out (CreateDBCluster's default).
const DEFAULT_BACKUP_RETENTION_DAYS: i32 = 1;

/// The cluster `resource` declares, with AWS's defaults for what it leaves out: `None` for
/// another resource type, `Err` (NOT_APPLICABLE) when one of `reads`, the properties the
/// rule judges, is decided only at deploy time.
pub fn cluster_of(
    resource: &TemplateResource,
    reads: &[&str],
) -> Option<Result<DbCluster, Verdict>> {
    if resource.resource_type != NEPTUNE_CLUSTER {
        return None;
    }
    if let Some((property, expression)) = resource.decided_at_deploy(reads) {
        return Some(Err(decided_at_deploy(&property, &expression)));
    }
    let flag = |name: &str| Some(resource.property(name).and_then(as_flag).unwrap_or(false));
    // A value known only at deploy that no rule reads here is shown as its expression.
    let text = |name: &str| {
        let value = resource.property(name)?;
        value
            .as_str()
            .or_else(|| expression_of(value))
            .map(str::to_string)
    };
    let identifier = text("DBClusterIdentifier").unwrap_or_else(|| resource.id.clone());
    let retention = resource
        .property("BackupRetentionPeriod")
        .and_then(as_number)
        .and_then(|days| i32::try_from(days).ok())
        .unwrap_or(DEFAULT_BACKUP_RETENTION_DAYS);
    let exports = resource
        .property("EnableCloudwatchLogsExports")
        .and_then(Value::as_array)
        .map(|logs| {
            logs.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        });
    Some(Ok(DbCluster::builder()
        .db_cluster_identifier(identifier)
        .engine("neptune")
        .set_storage_encrypted(flag("StorageEncrypted"))
        .set_kms_key_id(text("KmsKeyId"))
        .set_iam_database_authentication_enabled(flag("IamAuthEnabled"))
        .set_deletion_protection(flag("DeletionProtection"))
        .set_copy_tags_to_snapshot(flag("CopyTagsToSnapshot"))
        .backup_retention_period(retention)
        .set_enabled_cloudwatch_logs_exports(exports)
        .build()))
}

/// A cluster rule's verdict on a template resource: `evaluate` of the cluster it declares,
/// or the NOT_APPLICABLE of a property in `reads` only deploy decides; `None` for another
/// resource type.
pub fn judged(
    resource: &TemplateResource,
    reads: &[&str],
    evaluate: impl FnOnce(&DbCluster) -> Verdict,
) -> Option<Verdict> {
    Some(cluster_of(resource, reads)?.map_or_else(|unknown| unknown, |c| evaluate(&c)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_core::template::deploy_time;
    use guardrails_core::Compliance;
    use serde_json::json;

    fn resource(resource_type: &str, properties: Value) -> TemplateResource {
        TemplateResource {
            resource_type: resource_type.into(),
            declared_type: resource_type.into(),
            id: "Graph".into(),
            properties: properties.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn left_out_properties_take_aws_defaults() {
        let cluster = cluster_of(&resource(NEPTUNE_CLUSTER, json!({})), &[])
            .unwrap()
            .unwrap();
        assert_eq!(cluster.db_cluster_identifier(), Some("Graph"));
        assert_eq!(cluster.storage_encrypted(), Some(false));
        assert_eq!(cluster.iam_database_authentication_enabled(), Some(false));
        assert_eq!(cluster.deletion_protection(), Some(false));
        assert_eq!(cluster.copy_tags_to_snapshot(), Some(false));
        assert_eq!(cluster.backup_retention_period(), Some(1));
        assert!(cluster.enabled_cloudwatch_logs_exports().is_empty());
    }

    #[test]
    fn given_properties_and_unknowns() {
        let declared = json!({
            "DBClusterIdentifier": "orders",
            "StorageEncrypted": true,
            "KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k",
            "BackupRetentionPeriod": "14",
            "EnableCloudwatchLogsExports": ["audit"],
            "DeletionProtection": deploy_time("!Ref Protect"),
        });
        let cluster = cluster_of(
            &resource(NEPTUNE_CLUSTER, declared.clone()),
            &["StorageEncrypted"],
        )
        .unwrap()
        .unwrap();
        assert_eq!(cluster.db_cluster_identifier(), Some("orders"));
        assert_eq!(cluster.backup_retention_period(), Some(14));
        assert_eq!(cluster.enabled_cloudwatch_logs_exports(), ["audit"]);
        let unknown = cluster_of(
            &resource(NEPTUNE_CLUSTER, declared),
            &["DeletionProtection"],
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(unknown.compliance, Compliance::NotApplicable);
        assert!(unknown.annotation.contains("!Ref Protect"));
        assert!(cluster_of(&resource("AWS::RDS::DBCluster", json!({})), &[]).is_none());
    }
}
