//! Terraform plans in JSON (`terraform show -json PLAN`): each resource the plan creates or
//! updates, its planned values (`resource_changes[].change.after`) under CloudFormation's
//! property names, so a rule judges an `aws_neptune_cluster` as it judges an
//! `AWS::Neptune::DBCluster`. A value the plan marks `after_unknown` is decided at deploy
//! time; its expression is the configuration's reference (`aws_kms_key.graph.arn`) where the
//! plan's `configuration` gives one (Terraform's "JSON Output Format" page).

use std::collections::BTreeMap;

use guardrails_core::template::{deploy_time, reference, TemplateResource, DEPLOY_TIME};
use serde_json::{Map, Value};

use super::cfn::Located;

/// A Terraform resource type as the CloudFormation type the rules judge.
struct Mapped {
    terraform: &'static str,
    cloudformation: &'static str,
    /// Attribute → property names the rules read; attributes not named keep their name.
    properties: &'static [(&'static str, &'static str)],
    /// Nested blocks of at most one item (`neptune_settings`), which CloudFormation writes as
    /// one object rather than a list.
    single_blocks: &'static [&'static str],
    /// Field → property names inside nested blocks (`inline_policy { name, policy }`).
    fields: &'static [(&'static str, &'static str)],
    /// Properties that are lists, whose unknown value is a list of references.
    lists: &'static [&'static str],
}

/// The defaults of a mapping, and what a type the rules do not read keeps: every name.
const PLAIN: Mapped = Mapped {
    terraform: "",
    cloudformation: "",
    properties: &[],
    single_blocks: &[],
    fields: &[],
    lists: &[],
};

const TYPES: &[Mapped] = &[
    Mapped {
        terraform: "aws_neptune_cluster",
        cloudformation: "AWS::Neptune::DBCluster",
        properties: &[
            ("cluster_identifier", "DBClusterIdentifier"),
            ("storage_encrypted", "StorageEncrypted"),
            ("kms_key_arn", "KmsKeyId"),
            ("iam_database_authentication_enabled", "IamAuthEnabled"),
            ("deletion_protection", "DeletionProtection"),
            ("backup_retention_period", "BackupRetentionPeriod"),
            ("copy_tags_to_snapshot", "CopyTagsToSnapshot"),
            ("neptune_subnet_group_name", "DBSubnetGroupName"),
            ("vpc_security_group_ids", "VpcSecurityGroupIds"),
            ("port", "Port"),
            (
                "enable_cloudwatch_logs_exports",
                "EnableCloudwatchLogsExports",
            ),
        ],
        lists: &["VpcSecurityGroupIds"],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_neptune_cluster_instance",
        cloudformation: "AWS::Neptune::DBInstance",
        properties: &[
            ("identifier", "DBInstanceIdentifier"),
            ("cluster_identifier", "DBClusterIdentifier"),
            ("availability_zone", "AvailabilityZone"),
            ("publicly_accessible", "PubliclyAccessible"),
        ],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_dms_endpoint",
        cloudformation: "AWS::DMS::Endpoint",
        properties: &[
            ("endpoint_id", "EndpointIdentifier"),
            ("endpoint_type", "EndpointType"),
            ("engine_name", "EngineName"),
            ("server_name", "ServerName"),
            ("neptune_settings", "NeptuneSettings"),
        ],
        single_blocks: &["neptune_settings"],
        fields: &[
            ("iam_auth_enabled", "IamAuthEnabled"),
            ("service_access_role_arn", "ServiceAccessRoleArn"),
            ("s3_bucket_name", "S3BucketName"),
        ],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_iam_policy",
        cloudformation: "AWS::IAM::ManagedPolicy",
        properties: &[("name", "ManagedPolicyName"), ("policy", "PolicyDocument")],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_iam_role",
        cloudformation: "AWS::IAM::Role",
        properties: &[
            ("name", "RoleName"),
            ("inline_policy", "Policies"),
            ("managed_policy_arns", "ManagedPolicyArns"),
            ("permissions_boundary", "PermissionsBoundary"),
        ],
        fields: &[("name", "PolicyName"), ("policy", "PolicyDocument")],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_iam_user",
        cloudformation: "AWS::IAM::User",
        properties: &[
            ("name", "UserName"),
            ("permissions_boundary", "PermissionsBoundary"),
        ],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_iam_group",
        cloudformation: "AWS::IAM::Group",
        properties: &[("name", "GroupName")],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_iam_role_policy",
        cloudformation: "AWS::IAM::Policy",
        properties: &[
            ("name", "PolicyName"),
            ("policy", "PolicyDocument"),
            ("role", "Roles"),
        ],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_iam_user_policy",
        cloudformation: "AWS::IAM::Policy",
        properties: &[
            ("name", "PolicyName"),
            ("policy", "PolicyDocument"),
            ("user", "Users"),
        ],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_iam_group_policy",
        cloudformation: "AWS::IAM::Policy",
        properties: &[
            ("name", "PolicyName"),
            ("policy", "PolicyDocument"),
            ("group", "Groups"),
        ],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_neptune_subnet_group",
        cloudformation: "AWS::Neptune::DBSubnetGroup",
        properties: &[("name", "DBSubnetGroupName"), ("subnet_ids", "SubnetIds")],
        lists: &["SubnetIds"],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_subnet",
        cloudformation: "AWS::EC2::Subnet",
        properties: &[
            ("vpc_id", "VpcId"),
            ("availability_zone", "AvailabilityZone"),
        ],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_route_table_association",
        cloudformation: "AWS::EC2::SubnetRouteTableAssociation",
        properties: &[
            ("subnet_id", "SubnetId"),
            ("route_table_id", "RouteTableId"),
        ],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_route_table",
        cloudformation: "AWS::EC2::RouteTable",
        // CloudFormation has no inline routes; the network check reads `Routes` too.
        properties: &[("vpc_id", "VpcId"), ("route", "Routes")],
        fields: &[
            ("gateway_id", "GatewayId"),
            ("cidr_block", "DestinationCidrBlock"),
        ],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_route",
        cloudformation: "AWS::EC2::Route",
        properties: &[
            ("route_table_id", "RouteTableId"),
            ("gateway_id", "GatewayId"),
            ("destination_cidr_block", "DestinationCidrBlock"),
        ],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_internet_gateway",
        cloudformation: "AWS::EC2::InternetGateway",
        properties: &[],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_security_group",
        cloudformation: "AWS::EC2::SecurityGroup",
        properties: &[("name", "GroupName"), ("ingress", "SecurityGroupIngress")],
        fields: &[
            ("protocol", "IpProtocol"),
            ("from_port", "FromPort"),
            ("to_port", "ToPort"),
            ("cidr_blocks", "CidrIp"),
            ("ipv6_cidr_blocks", "CidrIpv6"),
        ],
        ..PLAIN
    },
    Mapped {
        terraform: "aws_vpc_security_group_ingress_rule",
        cloudformation: "AWS::EC2::SecurityGroupIngress",
        properties: &[
            ("security_group_id", "GroupId"),
            ("ip_protocol", "IpProtocol"),
            ("from_port", "FromPort"),
            ("to_port", "ToPort"),
            ("cidr_ipv4", "CidrIp"),
            ("cidr_ipv6", "CidrIpv6"),
        ],
        ..PLAIN
    },
];

/// The resources a plan creates or updates; `None` when `text` is no Terraform plan.
pub fn resources(text: &str) -> Result<Option<Vec<Located>>, String> {
    if !text.trim_start().starts_with('{') {
        return Ok(None);
    }
    let plan: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Some(changes) = plan.get("resource_changes").and_then(Value::as_array) else {
        return Ok(None);
    };
    if plan.get("format_version").is_none() {
        return Ok(None);
    }
    let references = configured_references(&plan);
    let mut found = Vec::new();
    for change in changes {
        if change.get("mode").and_then(Value::as_str) == Some("data") {
            continue;
        }
        let (Some(address), Some(kind)) = (
            change.get("address").and_then(Value::as_str),
            change.get("type").and_then(Value::as_str),
        ) else {
            return Err("a resource change without address or type".into());
        };
        let Some(Value::Object(after)) = change.pointer("/change/after") else {
            continue; // deleted: nothing left to judge
        };
        let unknown = change.pointer("/change/after_unknown");
        let mapped = TYPES.iter().find(|mapped| mapped.terraform == kind);
        let resource_type = mapped.map_or(kind, |m| m.cloudformation);
        let Mapped {
            properties: names,
            single_blocks,
            fields,
            lists,
            ..
        } = mapped.unwrap_or(&PLAIN);
        let field = |name: &str| renamed(fields, name);
        let property = |attribute: &str| renamed(names, attribute);
        let expression = |attribute: &str| {
            let configured = format!(
                "{}.{attribute}",
                address.split('[').next().unwrap_or(address)
            );
            let paths = references
                .get(&configured)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let listed = each_referenced(paths);
            match paths.first() {
                // A list of other resources' attributes: one reference each.
                Some(_) if lists.contains(&property(attribute).as_str()) && !listed.is_empty() => {
                    Value::Array(listed)
                }
                Some(path) => match path.rsplit_once('.') {
                    Some((resource, attribute)) => reference(resource, attribute, path.clone()),
                    None => deploy_time(path.clone()),
                },
                None => deploy_time(format!("known after apply ({address}.{attribute})")),
            }
        };
        let mut properties: Map<String, Value> = after
            .iter()
            .map(|(attribute, value)| {
                let unknown = unknown.and_then(|u| u.get(attribute));
                let value = with_unknowns(value, unknown, &|| expression(attribute));
                let single = single_blocks.contains(&attribute.as_str());
                (property(attribute), as_property(value, &field, single))
            })
            .collect();
        // An attribute only apply decides may be in after_unknown alone.
        for (attribute, flag) in unknown.and_then(Value::as_object).into_iter().flatten() {
            let name = property(attribute);
            if flag == &Value::Bool(true) && properties.get(&name).is_none_or(Value::is_null) {
                properties.insert(name, expression(attribute));
            }
        }
        found.push((
            TemplateResource {
                resource_type: resource_type.to_string(),
                declared_type: kind.to_string(),
                id: address.to_string(),
                properties,
            },
            None,
        ));
    }
    Ok(Some(found))
}

/// `name` under the name `pairs` gives it, or as it is.
fn renamed(pairs: &[(&str, &str)], name: &str) -> String {
    pairs
        .iter()
        .find(|(from, _)| *from == name)
        .map_or(name, |(_, to)| to)
        .to_string()
}

/// `value` with each part the plan marks unknown replaced by its deploy-time expression.
fn with_unknowns(value: &Value, unknown: Option<&Value>, expression: &dyn Fn() -> Value) -> Value {
    match (value, unknown) {
        (_, Some(Value::Bool(true))) => expression(),
        (Value::Array(items), Some(Value::Array(flags))) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| with_unknowns(item, flags.get(i), expression))
                .collect(),
        ),
        (Value::Object(fields), Some(Value::Object(flags))) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), with_unknowns(v, flags.get(k), expression)))
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// Nested blocks under CloudFormation's field names; a `single` block (`neptune_settings
/// { … }`, a one-item list in the plan) as the one object CloudFormation's property is.
fn as_property(value: Value, property: &dyn Fn(&str) -> String, single: bool) -> Value {
    match value {
        Value::Array(mut items) if single && items.len() == 1 && items[0].is_object() => {
            as_property(items.remove(0), property, false)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| as_property(item, property, false))
                .collect(),
        ),
        Value::Object(fields) if !fields.contains_key(DEPLOY_TIME) => {
            Value::Object(fields.into_iter().map(|(k, v)| (property(&k), v)).collect())
        }
        other => other,
    }
}

/// `aws_neptune_cluster.graph.kms_key_arn` → `[aws_kms_key.graph.arn, aws_kms_key.graph]`:
/// each attribute's references in the root module's configuration, the first being how a
/// person reads the expression (a module's resources keep "known after apply").
fn configured_references(plan: &Value) -> BTreeMap<String, Vec<String>> {
    let mut found = BTreeMap::new();
    let resources = plan
        .pointer("/configuration/root_module/resources")
        .and_then(Value::as_array);
    for resource in resources.into_iter().flatten() {
        let Some(address) = resource.get("address").and_then(Value::as_str) else {
            continue;
        };
        let expressions = resource.get("expressions").and_then(Value::as_object);
        for (attribute, expression) in expressions.into_iter().flatten() {
            let references: Vec<String> = expression
                .get("references")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect();
            if !references.is_empty() {
                found.insert(format!("{address}.{attribute}"), references);
            }
        }
    }
    found
}

/// The attributes of other resources a list names (`[aws_subnet.a.id, aws_subnet.b.id]`
/// is referenced as `aws_subnet.a.id`, `aws_subnet.a`, `aws_subnet.b.id`, `aws_subnet.b`).
fn each_referenced(references: &[String]) -> Vec<Value> {
    references
        .iter()
        .filter_map(|path| {
            let (resource, attribute) = path.rsplit_once('.')?;
            references
                .contains(&resource.to_string())
                .then(|| reference(resource, attribute, path.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_core::template::{expression_of, referenced};
    use serde_json::json;

    #[test]
    fn planned_values_under_cloudformation_names_with_unknowns_as_references() {
        let plan = json!({
            "format_version": "1.2",
            "resource_changes": [
                {"address": "aws_dms_endpoint.load", "mode": "managed", "type": "aws_dms_endpoint",
                 "change": {"actions": ["create"],
                            "after": {"engine_name": "neptune", "server_name": null,
                                      "neptune_settings": [{"iam_auth_enabled": true, "service_access_role_arn": null}]},
                            "after_unknown": {"server_name": true, "neptune_settings": [{"service_access_role_arn": true}]}}},
                {"address": "aws_neptune_cluster.old", "mode": "managed", "type": "aws_neptune_cluster",
                 "change": {"actions": ["delete"], "after": null, "after_unknown": {}}},
                {"address": "data.aws_region.here", "mode": "data", "type": "aws_region",
                 "change": {"actions": ["read"], "after": {}, "after_unknown": {}}}
            ],
            "configuration": {"root_module": {"resources": [
                {"address": "aws_dms_endpoint.load",
                 "expressions": {"server_name": {"references": ["aws_neptune_cluster.graph.endpoint", "aws_neptune_cluster.graph"]}}}
            ]}}
        });
        let found = resources(&plan.to_string()).unwrap().unwrap();
        assert_eq!(
            found.len(),
            1,
            "deleted resources and data sources are not judged"
        );
        let (endpoint, line) = &found[0];
        assert_eq!(*line, None);
        assert_eq!(endpoint.resource_type, "AWS::DMS::Endpoint");
        assert_eq!(endpoint.declared_type, "aws_dms_endpoint");
        assert_eq!(endpoint.properties["EngineName"], "neptune");
        let server = &endpoint.properties["ServerName"];
        assert_eq!(
            referenced(server),
            Some(("aws_neptune_cluster.graph", "endpoint"))
        );
        let settings = &endpoint.properties["NeptuneSettings"];
        assert_eq!(settings["IamAuthEnabled"], true);
        assert_eq!(
            expression_of(&settings["ServiceAccessRoleArn"]),
            Some("known after apply (aws_dms_endpoint.load.neptune_settings)")
        );
        assert_eq!(resources("{\"Resources\": {}}").unwrap(), None);
        assert_eq!(resources("Resources: {}").unwrap(), None);
    }
}
