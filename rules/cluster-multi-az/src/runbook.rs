//! The remediation runbook of this rule (no AWS-owned one exists): add a reader instance in an
//! Availability Zone the owner picks, wait for it, and read the cluster's MultiAZ back.

use guardrails_core::runbook::*;
use serde_json::json;

const NO_KEY: &str = "a cluster member inherits the cluster's storage encryption; the call names \
                      no KMS key";
const NO_ROLE: &str = "the call passes no monitoring or domain role";

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    let by_identifier = json!({"DBClusterIdentifier": "{{FindCluster.DbClusterIdentifier}}"});
    Runbook {
        rule: &crate::SPEC,
        owner: Owner::Ours,
        bound_parameters: &[],
        // The new instance's name, class and zone are the owner's choice: started by hand.
        resource_parameter: None,
        side_actions: &[],
        unneeded_dependents: &[
            ("iam:PassRole", NO_ROLE),
            ("kms:CreateGrant", NO_KEY),
            ("kms:Decrypt", NO_KEY),
            ("kms:DescribeKey", NO_KEY),
            ("kms:GenerateDataKey", NO_KEY),
            ("rds:AddTagsToResource", "the call passes no tags"),
            (
                "rds:CreateTenantDatabase",
                "Neptune has no tenant databases",
            ),
            (
                "secretsmanager:CreateSecret",
                "Neptune has no master password",
            ),
            (
                "secretsmanager:TagResource",
                "Neptune has no master password",
            ),
        ],
        document: document(
            "Adds a reader instance to a Neptune cluster in another Availability Zone, waits \
             until it is available and reads the cluster's MultiAZ back. The instance is billed \
             like any other.",
            json!({
                "DbClusterResourceId": cluster_resource_id_parameter(),
                "DbInstanceIdentifier": {"type": "String", "description": "(Required) Name of the new reader instance.", "allowedPattern": "^[a-zA-Z][a-zA-Z0-9-]{0,62}$"},
                "DbInstanceClass": {"type": "String", "description": "(Required) Its instance class, e.g. db.r6g.large (the writer's class keeps failover even).", "allowedPattern": "^db\\.[a-z0-9.]+$"},
                "AvailabilityZone": {"type": "String", "description": "(Required) An Availability Zone the cluster has no instance in.", "allowedPattern": "^[a-z0-9-]+$"}
            }),
            vec![
                find_cluster(&[]),
                require_neptune_cluster(),
                call(
                    "AddReader",
                    "neptune",
                    "CreateDBInstance",
                    json!({
                        "DBInstanceIdentifier": "{{DbInstanceIdentifier}}",
                        "DBInstanceClass": "{{DbInstanceClass}}",
                        "Engine": "neptune",
                        "DBClusterIdentifier": "{{FindCluster.DbClusterIdentifier}}",
                        "AvailabilityZone": "{{AvailabilityZone}}"
                    }),
                    &[],
                ),
                verify(
                    "WaitForReader",
                    "rds",
                    "DescribeDBInstances",
                    json!({"DBInstanceIdentifier": "{{DbInstanceIdentifier}}"}),
                    "$.DBInstances[0].DBInstanceStatus",
                    &["available"],
                    Some(3600),
                ),
                verify(
                    "ReadBack",
                    "rds",
                    "DescribeDBClusters",
                    by_identifier,
                    "$.DBClusters[0].MultiAZ",
                    &["True"],
                    Some(600),
                ),
            ],
            &["FindCluster.DbClusterIdentifier"],
        ),
    }
}
