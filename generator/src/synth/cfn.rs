//! Small CloudFormation vocabulary shared by the templates: logical ids derived from rule
//! ids, intrinsic functions, IAM policy statements.

use guardrails_core::registry::{ParamKind, ParamSpec, RuleSpec, Trigger, FREQUENCIES};
use serde_json::{json, Map, Value};

/// `neptune-cluster-iam-auth` → `NeptuneClusterIamAuth`.
pub fn pascal(id: &str) -> String {
    id.split(['-', '_'])
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

pub fn r#ref(name: &str) -> Value {
    json!({ "Ref": name })
}

pub fn sub(text: &str) -> Value {
    json!({ "Fn::Sub": text })
}

pub fn get_att(resource: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [resource, attribute] })
}

/// The template parameter carrying a rule parameter: rule and parameter name in PascalCase.
pub fn rule_parameter_name(spec: &RuleSpec, parameter: &ParamSpec) -> String {
    pascal(spec.id) + &pascal(parameter.name)
}

/// Template parameters for a rule's parameters, defaulting to the declared defaults.
pub fn rule_parameters(spec: &RuleSpec) -> Map<String, Value> {
    spec.parameters
        .iter()
        .map(|p| {
            let mut parameter = json!({
                "Type": "String",
                "Default": p.default,
                "Description": format!("{}: {}", spec.id, p.description),
            });
            match p.kind {
                ParamKind::Bool => parameter["AllowedValues"] = json!(["true", "false"]),
                ParamKind::Int { min, max } => {
                    parameter["AllowedPattern"] = json!(whole_numbers_pattern(min, max));
                    parameter["ConstraintDescription"] =
                        json!(format!("a whole number from {min} to {max}"));
                }
                ParamKind::Text => {}
            }
            (rule_parameter_name(spec, p), parameter)
        })
        .collect()
}

/// A String parameter's pattern taking exactly the whole numbers `min..=max` (a Number
/// parameter's MinValue/MaxValue would let 7.5 through, and CloudFormation checks no range on
/// a String), so the stack refuses a value AWS Config would refuse later.
pub(crate) fn whole_numbers_pattern(min: i64, max: i64) -> String {
    let numbers: Vec<String> = (min..=max).map(|n| n.to_string()).collect();
    format!("^({})$", numbers.join("|"))
}

/// The template parameter choosing a periodic rule's `MaximumExecutionFrequency`.
pub fn frequency_parameter_name(spec: &RuleSpec) -> String {
    pascal(spec.id) + "Frequency"
}

/// The frequency template parameter of a periodic rule (none for other rules).
pub fn frequency_parameter(spec: &RuleSpec, default: &str) -> Option<(String, Value)> {
    spec.periodic_frequency()?;
    let parameter = json!({
        "Type": "String",
        "AllowedValues": FREQUENCIES,
        "Default": default,
        "Description": format!("{}: how often its scheduled run re-evaluates every resource (MaximumExecutionFrequency); a run sends only what changed.", spec.id),
    });
    Some((frequency_parameter_name(spec), parameter))
}

/// Every template parameter a rule's ConfigRule refers to: its rule parameters and, for a
/// periodic rule, its frequency.
pub fn config_rule_parameter_names(spec: &RuleSpec) -> Vec<String> {
    let mut names: Vec<String> = spec
        .parameters
        .iter()
        .map(|p| rule_parameter_name(spec, p))
        .collect();
    if spec.periodic_frequency().is_some() {
        names.push(frequency_parameter_name(spec));
    }
    names
}

/// A `AWS::Config::ConfigRule` for a custom Lambda rule, its input parameters and frequency
/// referring to the template parameters of `rule_parameters` and `frequency_parameter`.
pub fn config_rule(spec: &RuleSpec, function_arn: Value) -> Value {
    let mut details = Vec::new();
    for trigger in spec.triggers {
        match trigger {
            Trigger::ConfigurationChange => {
                for message in [
                    "ConfigurationItemChangeNotification",
                    "OversizedConfigurationItemChangeNotification",
                ] {
                    details.push(json!({"EventSource": "aws.config", "MessageType": message}));
                }
            }
            Trigger::Periodic(_) => details.push(json!({
                "EventSource": "aws.config",
                "MessageType": "ScheduledNotification",
                "MaximumExecutionFrequency": r#ref(&frequency_parameter_name(spec)),
            })),
        }
    }
    let inputs: Map<String, Value> = spec
        .parameters
        .iter()
        .map(|p| (p.name.to_string(), r#ref(&rule_parameter_name(spec, p))))
        .collect();
    let mut properties = json!({
        "ConfigRuleName": spec.id,
        "Description": spec.title,
        "Scope": {"ComplianceResourceTypes": spec.resource_types.iter().map(|t| t.as_str()).collect::<Vec<_>>()},
        "Source": {"Owner": "CUSTOM_LAMBDA", "SourceIdentifier": function_arn, "SourceDetails": details},
    });
    if !inputs.is_empty() {
        properties["InputParameters"] = Value::Object(inputs);
    }
    json!({"Type": "AWS::Config::ConfigRule", "Properties": properties})
}

/// The condition that a rule parameter with a blank default has a value: AWS Config refuses a
/// blank input parameter of a managed rule, so a blank one is left out.
pub fn parameter_given_condition(spec: &RuleSpec, parameter: &ParamSpec) -> String {
    rule_parameter_name(spec, parameter) + "Given"
}

/// The optional (blank-default) parameters of a managed rule, which get a
/// [`parameter_given_condition`] each.
pub fn optional_parameters(spec: &RuleSpec) -> impl Iterator<Item = &'static ParamSpec> {
    let managed = !spec.is_lambda();
    spec.parameters
        .iter()
        .filter(move |p| managed && p.default.is_empty())
}

/// A `AWS::Config::ConfigRule` for an AWS managed rule: its identifier and input parameters
/// (a blank optional one left out).
pub fn managed_config_rule(spec: &RuleSpec, identifier: &str) -> Value {
    let inputs: Map<String, Value> = spec
        .parameters
        .iter()
        .map(|p| {
            let value = r#ref(&rule_parameter_name(spec, p));
            let value = if p.default.is_empty() {
                json!({"Fn::If": [parameter_given_condition(spec, p), value, r#ref("AWS::NoValue")]})
            } else {
                value
            };
            (p.name.to_string(), value)
        })
        .collect();
    let mut properties = json!({
        "ConfigRuleName": spec.id,
        "Description": spec.title,
        "Scope": {"ComplianceResourceTypes": spec.resource_types.iter().map(|t| t.as_str()).collect::<Vec<_>>()},
        "Source": {"Owner": "AWS", "SourceIdentifier": identifier},
    });
    if !inputs.is_empty() {
        properties["InputParameters"] = Value::Object(inputs);
    }
    json!({"Type": "AWS::Config::ConfigRule", "Properties": properties})
}

/// An IAM policy document.
pub fn policy(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// A trust policy for an AWS service, limited to calls on behalf of this account (the
/// confused-deputy guard).
pub fn service_trust(service: &str) -> Value {
    policy(vec![json!({
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": r#ref("AWS::AccountId")}},
    })])
}

/// Checkov skips with the reason written next to them.
pub fn checkov_skips(skips: &[(&str, &str)]) -> Value {
    json!({"checkov": {"skip": skips.iter().map(|(id, comment)| json!({"id": id, "comment": comment})).collect::<Vec<_>>()}})
}

/// A template as YAML: keys in a stable order, so output is byte-identical run to run.
/// Date-like values (`2012-10-17`) are quoted: YAML 1.1 readers (PyYAML, hence moto and many
/// linters) would otherwise read them as dates.
pub fn to_yaml(template: &Value) -> String {
    let text = serde_yaml::to_string(template).expect("a JSON value always serializes to YAML");
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.lines() {
        match line.rsplit_once(": ") {
            Some((key, value)) if is_date(value) => {
                out.push_str(&format!("{key}: '{value}'"));
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

fn is_date(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_quoted_for_yaml_1_1_readers() {
        let yaml = to_yaml(&json!({"Version": "2012-10-17", "Other": "2012-10-17x"}));
        assert_eq!(yaml, "Other: 2012-10-17x\nVersion: '2012-10-17'\n");
    }

    #[test]
    fn logical_ids_follow_rule_ids() {
        assert_eq!(pascal("neptune-cluster-iam-auth"), "NeptuneClusterIamAuth");
        assert_eq!(pascal("includeAdminPolicies"), "IncludeAdminPolicies");
    }

    #[test]
    fn config_rules_listen_for_every_declared_trigger() {
        let rule = config_rule(&neptune_fgac_policy_hygiene::SPEC, json!("arn"));
        let details = rule["Properties"]["Source"]["SourceDetails"]
            .as_array()
            .unwrap();
        assert_eq!(details.len(), 3);
        assert_eq!(
            rule["Properties"]["InputParameters"]["exemptionTag"],
            r#ref("NeptuneFgacPolicyHygieneExemptionTag")
        );
        assert_eq!(
            rule["Properties"]["Scope"]["ComplianceResourceTypes"][3],
            "AWS::IAM::Group"
        );
    }
}
