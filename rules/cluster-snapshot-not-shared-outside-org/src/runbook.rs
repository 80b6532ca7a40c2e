//! The remediation runbook of this rule: remove from the snapshot's `restore` attribute only
//! the accounts outside the organization (worked out as the rule does, through the reader
//! role), and check that none is left.

use guardrails_aws::organizations::READER_ROLE;
use guardrails_core::runbook::*;
use serde_json::json;

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    let snapshot = json!({"DBClusterSnapshotIdentifier": RESOLVED_SNAPSHOT});
    let restore = |step: &str| {
        call(
            step,
            "rds",
            "DescribeDBClusterSnapshotAttributes",
            snapshot.clone(),
            &[(
                "Restore",
                "$.DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes[0].AttributeValues",
                "StringList",
            )],
        )
    };
    let mut removal = snapshot.clone();
    removal["AttributeName"] = json!("restore");
    removal["ValuesToRemove"] = json!("{{FindOutsideAccounts.Outside}}");
    Runbook {
        rule: &crate::SPEC,
        owner: Owner::Ours,
        bound_parameters: &[],
        resource_parameter: Some(SNAPSHOT_PARAMETER),
        // The script's own calls; ListAccounts is the reader role's.
        side_actions: &["organizations:DescribeOrganization", "sts:AssumeRole"],
        unneeded_dependents: &[],
        document: document(
            "Stops accounts outside the organization from restoring a Neptune cluster \
             snapshot: removes only those accounts from its restore attribute (accounts of the \
             organization, and `all`, are untouched) and fails unless none is left when read \
             back. The organization's accounts are read through the reader role \
             (OrganizationAccountsRole, else the one in the management account).",
            json!({
                SNAPSHOT_PARAMETER: snapshot_parameter("The manual cluster snapshot"),
                READER_ROLE_PARAMETER: reader_role_parameter(),
            }),
            vec![
                resolve_snapshot(),
                require_neptune_snapshot(),
                restore("ReadRestore"),
                script(
                    "FindOutsideAccounts",
                    "find_outside",
                    &include_str!("find_outside.py").replace("READER_ROLE", READER_ROLE),
                    json!({
                        "Restore": "{{ReadRestore.Restore}}",
                        "Account": "{{global:ACCOUNT_ID}}",
                        "ReaderRole": format!("{{{{{READER_ROLE_PARAMETER}}}}}"),
                    }),
                    &[
                        ("Outside", "$.Payload.Outside", "StringList"),
                        ("Any", "$.Payload.Any", "Boolean"),
                    ],
                ),
                branch(
                    "AnyOutside",
                    json!([{
                        "NextStep": "ReadBack",
                        "Variable": "{{FindOutsideAccounts.Any}}",
                        "BooleanEquals": false
                    }]),
                    "RemoveOutsideAccounts",
                ),
                call(
                    "RemoveOutsideAccounts",
                    "neptune",
                    "ModifyDBClusterSnapshotAttribute",
                    removal,
                    &[],
                ),
                restore("ReadBack"),
                script(
                    "RequireNoneOutside",
                    "require_none_outside",
                    "def require_none_outside(events, context):\n    left = set(events.get('Restore') or []) & set(events.get('Outside') or [])\n    if left:\n        raise Exception('still shared outside the organization: ' + ', '.join(sorted(left)))\n    return {'Removed': events.get('Outside') or []}\n",
                    json!({"Restore": "{{ReadBack.Restore}}", "Outside": "{{FindOutsideAccounts.Outside}}"}),
                    &[("Removed", "$.Payload.Removed", "StringList")],
                )
                .end(),
            ],
            &["FindOutsideAccounts.Outside", "RequireNoneOutside.Removed"],
        ),
    }
}
