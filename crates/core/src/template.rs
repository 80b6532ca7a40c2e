//! A resource as a template declares it, before anything is deployed (`gen check-template`):
//! CloudFormation properties, or a Terraform plan's attributes under CloudFormation's
//! property names. A value only deploy can decide (a parameter without a default, an import
//! from another stack, `after_unknown` in a plan) is kept as the expression that decides it,
//! so a rule answers "decided at deploy time" instead of guessing.

use serde_json::{Map, Value};

use crate::evaluation::{Compliance, Verdict};
use crate::params::Params;

/// The key under which an unknown value carries its expression (`{"$deploy_time": "!Ref X"}`).
pub const DEPLOY_TIME: &str = "$deploy_time";

/// A value decided at deploy time, for a property.
pub fn deploy_time(expression: impl Into<String>) -> Value {
    let mut unknown = Map::new();
    unknown.insert(DEPLOY_TIME.into(), Value::String(expression.into()));
    Value::Object(unknown)
}

/// The key under which a deploy-time value names the resource and attribute it comes from
/// (`!GetAtt Graph.Endpoint`, `aws_neptune_cluster.graph.endpoint`).
pub const REFERS_TO: &str = "$refers_to";

/// A value another resource of the template gives at deploy: its `attribute` (`Ref` for
/// CloudFormation's `!Ref`), written as `expression`.
pub fn reference(resource: &str, attribute: &str, expression: impl Into<String>) -> Value {
    let mut value = deploy_time(expression);
    value[REFERS_TO] = serde_json::json!([resource, attribute]);
    value
}

/// The resource and attribute a deploy-time value comes from, if another resource gives it.
pub fn referenced(value: &Value) -> Option<(&str, &str)> {
    let parts = value.get(REFERS_TO)?.as_array()?;
    Some((parts.first()?.as_str()?, parts.get(1)?.as_str()?))
}

/// The expression of a value decided at deploy time, if it is one.
pub fn expression_of(value: &Value) -> Option<&str> {
    value.get(DEPLOY_TIME).and_then(Value::as_str)
}

/// One resource of a template.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateResource {
    /// The template's own type: `AWS::Neptune::DBCluster` (a plan's `aws_neptune_cluster` is
    /// mapped to it; [`TemplateResource::declared_type`] keeps the plan's).
    pub resource_type: String,
    /// The type as the file names it.
    pub declared_type: String,
    /// The logical id, or the Terraform address.
    pub id: String,
    /// Properties under CloudFormation's names, resolved as far as the template allows.
    pub properties: Map<String, Value>,
}

impl TemplateResource {
    /// A property, `None` when the template leaves it out.
    pub fn property(&self, name: &str) -> Option<&Value> {
        self.properties.get(name).filter(|v| !v.is_null())
    }

    /// The first of `names` whose value only deploy decides, with its expression.
    pub fn decided_at_deploy(&self, names: &[&str]) -> Option<(String, String)> {
        names.iter().find_map(|name| {
            let value = self.property(name)?;
            let expression = expression_of(value).map(str::to_string).or_else(|| {
                value
                    .as_array()?
                    .iter()
                    .find_map(|v| expression_of(v).map(str::to_string))
            })?;
            Some((name.to_string(), expression))
        })
    }
}

impl TemplateResource {
    /// Whether `value` names this resource: a reference to it, or its name (`name_property`,
    /// compared as AWS compares identifiers, without case).
    pub fn is_named_by(&self, value: &Value, name_property: &str) -> bool {
        if let Some((resource, _)) = referenced(value) {
            return resource == self.id;
        }
        let name = self.property(name_property).and_then(Value::as_str);
        matches!((value.as_str(), name), (Some(given), Some(name)) if given.eq_ignore_ascii_case(name))
    }
}

/// A flag as CloudFormation passes it: a boolean, or a parameter default's text (`"true"`).
pub fn as_flag(value: &Value) -> Option<bool> {
    value.as_bool().or_else(|| value.as_str()?.parse().ok())
}

/// A number as CloudFormation passes it: a number, or a parameter default's text (`"14"`).
pub fn as_number(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_str()?.parse().ok())
}

/// A value as the file writes it: the expression only deploy decides, a string, or its JSON.
pub fn as_written(value: &Value) -> String {
    expression_of(value).map_or_else(
        || {
            value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string)
        },
        str::to_string,
    )
}

/// The NOT_APPLICABLE of a property only deploy decides.
pub fn decided_at_deploy(property: &str, expression: &str) -> Verdict {
    Verdict::new(
        Compliance::NotApplicable,
        format!("decided at deploy time: {property} is {expression}"),
    )
}

/// A rule's judgement of one resource of a template, which it may read whole (a cluster's
/// instances, an endpoint's target, a principal's policies): `None` when the rule has
/// nothing to say about that resource type.
pub type TemplateCheck = fn(&TemplateResource, &[TemplateResource], &Params) -> Option<Verdict>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deploy_time_values_carry_their_expression() {
        let resource = TemplateResource {
            resource_type: "AWS::Neptune::DBCluster".into(),
            declared_type: "AWS::Neptune::DBCluster".into(),
            id: "Graph".into(),
            properties: json!({
                "StorageEncrypted": true,
                "IamAuthEnabled": deploy_time("!Ref IamAuth"),
                "EnableCloudwatchLogsExports": [deploy_time("!ImportValue Logs")],
                "KmsKeyId": null,
            })
            .as_object()
            .unwrap()
            .clone(),
        };
        assert_eq!(resource.decided_at_deploy(&["StorageEncrypted"]), None);
        assert_eq!(
            resource.decided_at_deploy(&["StorageEncrypted", "IamAuthEnabled"]),
            Some(("IamAuthEnabled".into(), "!Ref IamAuth".into()))
        );
        assert_eq!(
            resource.decided_at_deploy(&["EnableCloudwatchLogsExports"]),
            Some((
                "EnableCloudwatchLogsExports".into(),
                "!ImportValue Logs".into()
            ))
        );
        assert_eq!(resource.property("KmsKeyId"), None);
        let endpoint = reference("Graph", "Endpoint", "!GetAtt Graph.Endpoint");
        assert_eq!(referenced(&endpoint), Some(("Graph", "Endpoint")));
        assert_eq!(expression_of(&endpoint), Some("!GetAtt Graph.Endpoint"));
        assert!(resource.is_named_by(&endpoint, "DBClusterIdentifier"));
        assert!(!resource.is_named_by(&reference("Other", "Ref", "!Ref Other"), "Id"));
        let verdict = decided_at_deploy("IamAuthEnabled", "!Ref IamAuth");
        assert_eq!(verdict.compliance, Compliance::NotApplicable);
        assert_eq!(
            verdict.annotation,
            "decided at deploy time: IamAuthEnabled is !Ref IamAuth"
        );
    }
}
