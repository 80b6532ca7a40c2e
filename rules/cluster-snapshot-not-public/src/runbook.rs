//! The remediation runbook of this rule (no AWS-owned one exists): remove `all` from the
//! snapshot's `restore` attribute, keeping the accounts it is shared with by id, and check that
//! `all` is gone.

use guardrails_core::runbook::*;
use serde_json::json;

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    let snapshot = json!({"DBClusterSnapshotIdentifier": RESOLVED_SNAPSHOT});
    let mut values = snapshot.clone();
    values["AttributeName"] = json!("restore");
    values["ValuesToRemove"] = json!(["all"]);
    Runbook {
        rule: &crate::SPEC,
        owner: Owner::Ours,
        bound_parameters: &[],
        resource_parameter: Some(SNAPSHOT_PARAMETER),
        side_actions: &[],
        unneeded_dependents: &[],
        document: document(
            "Makes a public Neptune cluster snapshot private: removes `all` from its restore \
             attribute (accounts it is shared with by id keep access) and fails unless `all` is \
             gone when read back.",
            json!({SNAPSHOT_PARAMETER: snapshot_parameter("The manual cluster snapshot")}),
            vec![
                resolve_snapshot(),
                require_neptune_snapshot(),
                call(
                    "RemovePublicRestore",
                    "neptune",
                    "ModifyDBClusterSnapshotAttribute",
                    values,
                    &[],
                ),
                call(
                    "ReadBack",
                    "rds",
                    "DescribeDBClusterSnapshotAttributes",
                    snapshot,
                    &[(
                        "Restore",
                        "$.DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes[0].AttributeValues",
                        "StringList",
                    )],
                ),
                script(
                    "RequirePrivate",
                    "require_private",
                    "def require_private(events, context):\n    if 'all' in (events.get('Restore') or []):\n        raise Exception('the snapshot is still public')\n    return {'Private': True}\n",
                    json!({"Restore": "{{ReadBack.Restore}}"}),
                    &[("Private", "$.Payload.Private", "Boolean")],
                )
                .end(),
            ],
            &["ReadBack.Restore", "RequirePrivate.Private"],
        ),
    }
}
