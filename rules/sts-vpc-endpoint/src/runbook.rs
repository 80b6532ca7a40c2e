//! The remediation runbook of this rule (named in the declaration), as data the templates
//! derive the SSM document and its least-privilege role from.

use guardrails_core::registry::RuleSpec;
use guardrails_core::runbook::*;
use serde_json::json;

/// The runbook, for the catalog.
pub fn runbook() -> Runbook {
    sts_vpc_endpoint(&crate::SPEC)
}

fn sts_vpc_endpoint(rule: &'static RuleSpec) -> Runbook {
    let endpoint = json!({"VpcEndpointIds": ["{{CreateEndpoint.VpcEndpointId}}"]});
    Runbook {
        rule,
        owner: Owner::Ours,
        bound_parameters: &[],
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
