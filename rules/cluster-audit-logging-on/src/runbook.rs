//! The remediation runbook of this rule (named in the declaration), as data the templates
//! derive the SSM document and its least-privilege role from. It never reboots: the
//! parameter is static, and when each instance restarts is its owner's call.

use guardrails_core::runbook::*;
use serde_json::json;

use crate::AUDIT_PARAMETER;

/// Dependent actions its calls do not need: those of a cluster setting's change, and the
/// tagging `rds:CopyDBClusterParameterGroup` lists for a copy given tags (this one is given
/// none).
const UNNEEDED: [(&str, &str); CLUSTER_SETTING_UNNEEDED.len() + 1] = {
    let mut out = [("", ""); CLUSTER_SETTING_UNNEEDED.len() + 1];
    let mut i = 0;
    while i < CLUSTER_SETTING_UNNEEDED.len() {
        out[i] = CLUSTER_SETTING_UNNEEDED[i];
        i += 1;
    }
    out[i] = (
        "rds:AddTagsToResource",
        "the parameter group copy is given no tags",
    );
    out
};

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    let cluster = FOUND_CLUSTER;
    let by_identifier = json!({"DBClusterIdentifier": cluster});
    let custom_group = "{{FindCluster.DbClusterIdentifier}}-audit-log";
    let set_audit_parameter = |step: &str, group: &str| {
        call(
            step,
            "neptune",
            "ModifyDBClusterParameterGroup",
            json!({
                "DBClusterParameterGroupName": group,
                "Parameters": [{
                    "ParameterName": AUDIT_PARAMETER,
                    "ParameterValue": "1",
                    "ApplyMethod": "pending-reboot"
                }]
            }),
            &[],
        )
        .then("ExportAudit")
    };
    Runbook {
        rule: &crate::SPEC,
        owner: Owner::Ours,
        bound_parameters: &[],
        resource_parameter: Some("DbClusterResourceId"),
        side_actions: &[],
        unneeded_dependents: &UNNEEDED,
        document: document(
            "Turns Neptune's audit log on for a cluster: sets neptune_enable_audit_log to 1 in \
             its DB cluster parameter group (a default group cannot be changed, so a cluster \
             using one is first moved to a copy named <cluster>-audit-log) and exports audit \
             to CloudWatch Logs. The parameter is static: it takes effect on each instance at \
             its next reboot, which this runbook never does; ReadBack.MemberStatus shows \
             pending-reboot until then. A custom group shared by other clusters turns their \
             audit log on as well.",
            json!({"DbClusterResourceId": cluster_resource_id_parameter()}),
            vec![
                find_cluster(&[(
                    "ParameterGroup",
                    "$.DBClusters[0].DBClusterParameterGroup",
                    "String",
                )]),
                require_neptune_cluster(),
                branch(
                    "ChooseParameterGroup",
                    json!([{
                        "NextStep": "CopyDefaultGroup",
                        "Variable": "{{FindCluster.ParameterGroup}}",
                        "StartsWith": "default."
                    }]),
                    "SetAuditParameter",
                ),
                call(
                    "CopyDefaultGroup",
                    "neptune",
                    "CopyDBClusterParameterGroup",
                    json!({
                        "SourceDBClusterParameterGroupIdentifier": "{{FindCluster.ParameterGroup}}",
                        "TargetDBClusterParameterGroupIdentifier": custom_group,
                        "TargetDBClusterParameterGroupDescription":
                            "Neptune Guardrails: the default group with the audit log on"
                    }),
                    &[],
                ),
                call(
                    "UseCustomGroup",
                    "neptune",
                    "ModifyDBCluster",
                    json!({
                        "DBClusterIdentifier": cluster,
                        "DBClusterParameterGroupName": custom_group,
                        "ApplyImmediately": true
                    }),
                    &[],
                ),
                set_audit_parameter("SetAuditParameterOnCopy", custom_group),
                set_audit_parameter("SetAuditParameter", "{{FindCluster.ParameterGroup}}"),
                call(
                    "ExportAudit",
                    "neptune",
                    "ModifyDBCluster",
                    json!({
                        "DBClusterIdentifier": cluster,
                        "CloudwatchLogsExportConfiguration": {"EnableLogTypes": ["audit"]},
                        "ApplyImmediately": true
                    }),
                    &[],
                ),
                call(
                    "ReadBack",
                    "rds",
                    "DescribeDBClusters",
                    by_identifier,
                    &[
                        (
                            "ParameterGroup",
                            "$.DBClusters[0].DBClusterParameterGroup",
                            "String",
                        ),
                        (
                            "Exports",
                            "$.DBClusters[0].EnabledCloudwatchLogsExports",
                            "StringList",
                        ),
                        (
                            "MemberStatus",
                            "$.DBClusters[0].DBClusterMembers..DBClusterParameterGroupStatus",
                            "StringList",
                        ),
                    ],
                )
                .end(),
            ],
            &[
                "FindCluster.DbClusterIdentifier",
                "ReadBack.ParameterGroup",
                "ReadBack.Exports",
                "ReadBack.MemberStatus",
            ],
        ),
    }
}
