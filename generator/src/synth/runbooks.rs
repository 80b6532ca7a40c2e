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
    /// IAM actions a step needs besides the API it calls.
    pub side_actions: &'static [&'static str],
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

    /// The IAM actions the runbook's role needs, sorted.
    pub fn actions(&self) -> Vec<String> {
        let mut actions: Vec<String> = self
            .api_calls()
            .into_iter()
            .map(|(service, api)| format!("{}:{api}", iam_prefix(&service)))
            .chain(self.side_actions.iter().map(|a| a.to_string()))
            .collect();
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

fn dms_endpoint_iam_auth(rule: &'static RuleSpec) -> Runbook {
    let by_arn = json!({"Filters": [{"Name": "endpoint-arn", "Values": ["{{EndpointArn}}"]}]});
    Runbook {
        rule,
        resource_parameter: Some("EndpointArn"),
        side_actions: &[],
        document: document(
            "Turns on IAM authorization (NeptuneSettings.IamAuthEnabled) on a DMS endpoint that \
             targets Neptune, keeping its other Neptune settings, and reads it back. An endpoint \
             without Neptune settings (staging bucket and folder) is left for its owner: the \
             first step fails and says so.",
            json!({"EndpointArn": {
                "type": "String",
                "description": "(Required) ARN of the DMS endpoint (engine neptune).",
                "allowedPattern": "^arn:aws[a-z-]*:dms:[a-z0-9-]+:[0-9]{12}:endpoint:[A-Za-z0-9-]+$"
            }}),
            vec![
                call(
                    "ReadEndpoint",
                    "dms",
                    "DescribeEndpoints",
                    by_arn.clone(),
                    &[
                        ("EngineName", "$.Endpoints[0].EngineName", "String"),
                        (
                            "S3BucketName",
                            "$.Endpoints[0].NeptuneSettings.S3BucketName",
                            "String",
                        ),
                        (
                            "S3BucketFolder",
                            "$.Endpoints[0].NeptuneSettings.S3BucketFolder",
                            "String",
                        ),
                    ],
                ),
                verify(
                    "RequireNeptuneEngine",
                    "dms",
                    "DescribeEndpoints",
                    by_arn.clone(),
                    "$.Endpoints[0].EngineName",
                    &["neptune"],
                    None,
                ),
                call(
                    "EnableIamAuth",
                    "dms",
                    "ModifyEndpoint",
                    json!({
                        "EndpointArn": "{{EndpointArn}}",
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
            &["ReadEndpoint.EngineName", "EnableIamAuth.EndpointStatus"],
        ),
    }
}

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
        // private hosted zone.
        side_actions: &["ec2:CreateTags", "route53:AssociateVPCWithHostedZone"],
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
}
