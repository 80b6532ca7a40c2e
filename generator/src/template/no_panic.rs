//! Property tests: whatever file a user points `gen check-template` at, and whatever values a
//! template's properties hold (any JSON shape, deploy-time values, references to any resource
//! of the file), the parsers and every rule's template check answer without panicking.
//! `PROPTEST_CASES` raises the case count (the bench command does).

use guardrails_core::template::{deploy_time, reference, TemplateResource};
use guardrails_core::Params;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::Value;

use super::{cfn, terraform};
use crate::catalog;

/// The types the rules judge and the ones they read beside them.
const TYPES: &[&str] = &[
    "AWS::Neptune::DBCluster",
    "AWS::Neptune::DBInstance",
    "AWS::Neptune::DBSubnetGroup",
    "AWS::DMS::Endpoint",
    "AWS::EC2::Subnet",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::Route",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::Role",
    "AWS::IAM::User",
    "AWS::IAM::Group",
    "aws_iam_role_policy_attachment",
];

/// Property names the checks read.
const PROPERTIES: &[&str] = &[
    "DBClusterIdentifier",
    "IamAuthEnabled",
    "StorageEncrypted",
    "KmsKeyId",
    "DeletionProtection",
    "BackupRetentionPeriod",
    "CopyTagsToSnapshot",
    "EnableCloudwatchLogsExports",
    "Port",
    "DBSubnetGroupName",
    "VpcSecurityGroupIds",
    "SubnetIds",
    "PubliclyAccessible",
    "AvailabilityZone",
    "VpcId",
    "SubnetId",
    "RouteTableId",
    "GatewayId",
    "GroupId",
    "SecurityGroupIngress",
    "EngineName",
    "ServerName",
    "NeptuneSettings",
    "PolicyDocument",
    "PolicyName",
    "Policies",
    "ManagedPolicyArns",
    "PermissionsBoundary",
    "Groups",
    "Roles",
    "Users",
    "Tags",
    "role",
    "policy_arn",
];

const IDS: &[&str] = &["A", "B", "C", "D"];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9:*/${}. -]{0,16}".prop_map(Value::from),
        Just(deploy_time("!Ref Unknown")),
        (0..IDS.len(), "[A-Za-z]{1,12}")
            .prop_map(|(i, attribute)| reference(IDS[i], &attribute, "!GetAtt")),
    ];
    leaf.prop_recursive(3, 32, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map(prop::sample::select(PROPERTIES), inner, 0..4).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

fn resource() -> impl Strategy<Value = (String, serde_json::Map<String, Value>)> {
    (
        prop::sample::select(TYPES),
        btree_map(prop::sample::select(PROPERTIES), value(), 0..8),
    )
        .prop_map(|(kind, properties)| {
            (
                kind.to_string(),
                properties
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            )
        })
}

proptest! {
    #[test]
    fn the_parsers_answer_any_text(text in "\\PC{0,300}") {
        let _ = cfn::resources(&text);
        let _ = terraform::resources(&text);
    }

    #[test]
    fn every_template_check_answers_any_properties(resources in vec(resource(), 1..=IDS.len())) {
        let template: Vec<TemplateResource> = resources
            .into_iter()
            .zip(IDS)
            .map(|((kind, properties), id)| TemplateResource {
                resource_type: kind.clone(),
                declared_type: kind,
                id: id.to_string(),
                properties,
            })
            .collect();
        for rule in catalog::RULES.iter() {
            let Some(check) = rule.template else { continue };
            let params = Params::parse(rule.spec, None).expect("defaults parse");
            for resource in &template {
                let _ = check(resource, &template, &params);
            }
        }
    }
}
