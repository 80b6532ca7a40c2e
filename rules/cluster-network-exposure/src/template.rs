//! The rule on a CloudFormation template's Neptune cluster, through the same `evaluate` as
//! Config and `gen scan`: the cluster's instances (`PubliclyAccessible`), its DB subnet group's
//! subnets and their route tables (`AWS::EC2::SubnetRouteTableAssociation`, `AWS::EC2::Route`
//! to an internet gateway) and its security groups (`SecurityGroupIngress`, and
//! `AWS::EC2::SecurityGroupIngress` resources) when the same template declares them. What the
//! template leaves to another stack or to the account is decided at deploy time.

use guardrails_aws::ec2::Ingress;
use guardrails_aws::template_cluster::{instances_of, NEPTUNE_CLUSTER};
use guardrails_core::evaluation::Verdict;
use guardrails_core::template::{
    as_flag, as_number, as_written, decided_at_deploy, expression_of, referenced, TemplateResource,
};
use serde_json::Value;

use crate::{evaluate, Exposure, DEFAULT_PORT};

const SUBNET_GROUP: &str = "AWS::Neptune::DBSubnetGroup";
const SUBNET: &str = "AWS::EC2::Subnet";
const ASSOCIATION: &str = "AWS::EC2::SubnetRouteTableAssociation";
const ROUTE: &str = "AWS::EC2::Route";
const GATEWAY: &str = "AWS::EC2::InternetGateway";
const SECURITY_GROUP: &str = "AWS::EC2::SecurityGroup";
const INGRESS: &str = "AWS::EC2::SecurityGroupIngress";

pub fn judge(
    resource: &TemplateResource,
    template: &[TemplateResource],
    _: &guardrails_core::Params,
) -> Option<Verdict> {
    if resource.resource_type != NEPTUNE_CLUSTER {
        return None;
    }
    Some(exposure_in(resource, template).map_or_else(|unknown| unknown, |e| evaluate(&e)))
}

/// What only deploy decides, as the verdict that says so.
fn undecided(property: &str, value: &Value) -> Verdict {
    let shown = expression_of(value)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{} (not in this template)", as_written(value)));
    decided_at_deploy(property, &shown)
}

/// The resource of `resource_type` that `value` names in the template: by reference, or by
/// its `name_property`.
fn named<'a>(
    template: &'a [TemplateResource],
    value: &Value,
    resource_type: &str,
    name_property: &str,
) -> Option<&'a TemplateResource> {
    template
        .iter()
        .filter(|r| r.resource_type == resource_type)
        .find(|r| r.is_named_by(value, name_property))
}

fn exposure_in<'a>(
    cluster: &'a TemplateResource,
    template: &'a [TemplateResource],
) -> Result<Exposure<'a>, Verdict> {
    let name = cluster
        .property("DBClusterIdentifier")
        .and_then(Value::as_str)
        .unwrap_or(&cluster.id);
    let port = match cluster.property("Port") {
        None => DEFAULT_PORT,
        Some(value) => match as_number(value) {
            Some(port) => i32::try_from(port).unwrap_or(DEFAULT_PORT),
            None => return Err(undecided("Port", value)),
        },
    };
    let (instances, undecided_members) = instances_of(cluster, template);
    if let Some((instance, expression)) = undecided_members.first() {
        return Err(decided_at_deploy(
            &format!("DBClusterIdentifier of instance {}", instance.id),
            expression,
        ));
    }
    let mut public_instances = Vec::new();
    for instance in &instances {
        match instance.property("PubliclyAccessible") {
            // Left out, an instance is private: "By default, new Neptune databases are created
            // with public endpoints disabled" (Neptune User Guide, Neptune public endpoints).
            None => {}
            Some(value) => match as_flag(value) {
                Some(true) => public_instances.push(*instance),
                Some(false) => {}
                None => {
                    return Err(undecided(
                        &format!("PubliclyAccessible of instance {}", instance.id),
                        value,
                    ))
                }
            },
        }
    }

    // The subnet group: left out, the account's default one ("If you do not provide
    // db-subnet-group-name when creating the cluster, the default subnet group is chosen").
    let Some(group_name) = cluster.property("DBSubnetGroupName") else {
        return Err(decided_at_deploy(
            "DBSubnetGroupName",
            "left out: the account's default DB subnet group",
        ));
    };
    let Some(group) = named(template, group_name, SUBNET_GROUP, "DBSubnetGroupName") else {
        return Err(undecided("DBSubnetGroupName", group_name));
    };
    let subnet_values: Vec<&Value> = group
        .property("SubnetIds")
        .and_then(Value::as_array)
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    let mut subnets = Vec::new();
    for value in &subnet_values {
        match named(template, value, SUBNET, "") {
            Some(subnet) => subnets.push(subnet),
            None => return Err(undecided(&format!("SubnetIds of {}", group.id), value)),
        }
    }
    let mut routed_subnets = Vec::new();
    for subnet in &subnets {
        if let Some((table, gateway)) = route_to_internet(subnet, template)? {
            routed_subnets.push((subnet.id.clone(), table, gateway));
        }
    }
    let public_paths = public_instances
        .iter()
        .filter_map(|instance| {
            let zone = instance
                .property("AvailabilityZone")
                .and_then(Value::as_str);
            let (subnet, table, gateway) = routed_subnets.iter().find(|(subnet, _, _)| {
                let subnet_zone = subnets
                    .iter()
                    .find(|s| &s.id == subnet)
                    .and_then(|s| s.property("AvailabilityZone")?.as_str());
                zone.is_none() || subnet_zone == zone
            })?;
            Some((
                instance.id.clone(),
                subnet.clone(),
                table.clone(),
                gateway.clone(),
            ))
        })
        .collect();

    let open_rules = open_rules(cluster, template, port)?;
    Ok(Exposure {
        cluster: name,
        public_instances: public_instances.iter().map(|i| i.id.clone()).collect(),
        subnet_group: &group.id,
        routed_subnets,
        subnets: subnets.len(),
        port,
        open_rules,
        public_paths,
    })
}

/// The route table of a template's subnet and the internet gateway it routes to, if any. A
/// subnet without an association uses its VPC's main route table: a VPC of this template
/// starts with only the local route, which a template cannot change (AWS::EC2::VPC has no
/// main route table attribute); another VPC's main table is decided at deploy time.
fn route_to_internet(
    subnet: &TemplateResource,
    template: &[TemplateResource],
) -> Result<Option<(String, String)>, Verdict> {
    let association = template
        .iter()
        .filter(|r| r.resource_type == ASSOCIATION)
        .find(|a| {
            a.property("SubnetId")
                .is_some_and(|s| subnet.is_named_by(s, ""))
        });
    let Some(association) = association else {
        let vpc = subnet.property("VpcId");
        let in_template = vpc
            .and_then(referenced)
            .is_some_and(|(id, _)| template.iter().any(|r| r.id == id));
        if in_template {
            return Ok(None);
        }
        return Err(decided_at_deploy(
            &format!("the route table of subnet {}", subnet.id),
            &format!(
                "the main route table of {}",
                vpc.map(as_written).unwrap_or_default()
            ),
        ));
    };
    let Some(table) = association.property("RouteTableId") else {
        return Ok(None);
    };
    let Some((table_id, _)) =
        referenced(table).filter(|(id, _)| template.iter().any(|r| &r.id == id))
    else {
        return Err(undecided(
            &format!("RouteTableId of {}", association.id),
            table,
        ));
    };
    // Its routes: AWS::EC2::Route resources, and a Terraform table's inline `route` blocks.
    let mut gateways: Vec<(String, &Value)> = Vec::new();
    for route in template.iter().filter(|r| r.resource_type == ROUTE) {
        let on_table = route
            .property("RouteTableId")
            .and_then(referenced)
            .is_some_and(|(id, _)| id == table_id);
        if let Some(gateway) = route.property("GatewayId").filter(|_| on_table) {
            gateways.push((route.id.clone(), gateway));
        }
    }
    let table = template.iter().find(|r| r.id == table_id);
    let inline = table
        .and_then(|t| t.property("Routes"))
        .and_then(Value::as_array);
    for route in inline.into_iter().flatten() {
        if let Some(gateway) = route.get("GatewayId").filter(|g| !g.is_null()) {
            gateways.push((table_id.to_string(), gateway));
        }
    }
    for (route, gateway) in gateways {
        let to_internet = match referenced(gateway) {
            Some((id, _)) => template
                .iter()
                .any(|r| r.id == id && r.resource_type == GATEWAY),
            None => gateway.as_str().is_some_and(|g| g.starts_with("igw-")),
        };
        if to_internet {
            let shown =
                referenced(gateway).map_or_else(|| as_written(gateway), |(id, _)| id.to_string());
            return Ok(Some((table_id.to_string(), shown)));
        }
        if expression_of(gateway).is_some() && referenced(gateway).is_none() {
            return Err(undecided(&format!("GatewayId of {route}"), gateway));
        }
    }
    Ok(None)
}

/// `(security group, rule)` of each ingress rule of the cluster's groups open to the internet
/// on `port`. Left out, `VpcSecurityGroupIds` is the VPC's default group, whose inbound rule
/// admits only its own members (Amazon VPC User Guide, "Default security groups").
fn open_rules(
    cluster: &TemplateResource,
    template: &[TemplateResource],
    port: i32,
) -> Result<Vec<(String, String)>, Verdict> {
    let groups: Vec<&Value> = cluster
        .property("VpcSecurityGroupIds")
        .and_then(Value::as_array)
        .map(|g| g.iter().collect())
        .unwrap_or_default();
    let mut open = Vec::new();
    for value in groups {
        let Some(group) = named(template, value, SECURITY_GROUP, "GroupName") else {
            return Err(undecided("VpcSecurityGroupIds", value));
        };
        let inline = group
            .property("SecurityGroupIngress")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let separate = template
            .iter()
            .filter(|r| r.resource_type == INGRESS)
            .filter(|r| {
                r.property("GroupId")
                    .is_some_and(|g| group.is_named_by(g, ""))
            })
            .map(|r| Value::Object(r.properties.clone()));
        for rule in inline.into_iter().chain(separate) {
            let ingress = ingress_of(&rule).map_err(|(property, value)| {
                undecided(
                    &format!("{property} of an ingress rule of {}", group.id),
                    &value,
                )
            })?;
            if let Some(source) = ingress.open_to_internet(port) {
                open.push((group.id.clone(), ingress.describe(source)));
            }
        }
    }
    Ok(open)
}

/// An ingress rule of a template (`IpProtocol`, `FromPort`, `ToPort`, `CidrIp`, `CidrIpv6`);
/// the property and value only deploy decides, if one of them is.
fn ingress_of(rule: &Value) -> Result<Ingress, (&'static str, Value)> {
    for property in ["IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6"] {
        if let Some(value) = rule.get(property).filter(|v| expression_of(v).is_some()) {
            return Err((property, value.clone()));
        }
    }
    let port = |name: &str| {
        rule.get(name)
            .and_then(as_number)
            .and_then(|p| i32::try_from(p).ok())
    };
    // One CIDR in CloudFormation, a list of them in Terraform's ingress blocks.
    let cidr = |name: &str| match rule.get(name) {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(|c| c.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    Ok(Ingress {
        protocol: rule
            .get("IpProtocol")
            .map(as_written)
            .unwrap_or_else(|| "-1".into())
            .to_ascii_lowercase(),
        from_port: port("FromPort"),
        to_port: port("ToPort"),
        source_groups: Vec::new(),
        cidrs: cidr("CidrIp"),
        ipv6_cidrs: cidr("CidrIpv6"),
    })
}
