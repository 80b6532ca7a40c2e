//! CloudFormation templates (YAML with the short intrinsic tags, or JSON) as the resources
//! they declare, each property resolved as far as the template allows: a parameter's
//! `Default` is used; a parameter without one, a pseudo parameter, an attribute or a
//! reference of another resource, an import and a condition are decided at deploy time.

use guardrails_core::template::{deploy_time, expression_of, reference, TemplateResource};
use serde_json::{Map, Value};

/// A resource with the line (1-based) it is declared on, where the format has lines.
pub type Located = (TemplateResource, Option<usize>);

/// The resources of a CloudFormation template; `None` when `text` is not a CloudFormation
/// template (no `Resources` with typed entries).
pub fn resources(text: &str) -> Result<Option<Vec<Located>>, String> {
    let Some(template) = parse(text)? else {
        return Ok(None);
    };
    let Some(declared) = template.get("Resources").and_then(Value::as_object) else {
        return Ok(None);
    };
    if !declared
        .values()
        .all(|r| r.get("Type").is_some_and(Value::is_string))
    {
        return Ok(None);
    }
    let parameters = template.get("Parameters").and_then(Value::as_object);
    let resolver = Resolver {
        parameters,
        resources: Some(declared),
    };
    Ok(Some(
        declared
            .iter()
            .map(|(id, resource)| {
                let resource_type = resource["Type"].as_str().unwrap_or_default().to_string();
                let properties = match resource.get("Properties").map(|p| resolver.resolve(p)) {
                    Some(Value::Object(properties)) => properties,
                    _ => Map::new(),
                };
                let declared = TemplateResource {
                    declared_type: resource_type.clone(),
                    resource_type,
                    id: id.clone(),
                    properties,
                };
                (declared, line_of(text, id))
            })
            .collect(),
    ))
}

/// The template as JSON: JSON as it is, YAML with each short tag (`!Ref X`, `!GetAtt A.B`,
/// `!Sub …`) turned into its long form (`{"Ref": "X"}`, `{"Fn::GetAtt": ["A", "B"]}`);
/// `None` for a stream of several YAML documents, which no template is.
fn parse(text: &str) -> Result<Option<Value>, String> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text)
            .map(Some)
            .map_err(|e| format!("not JSON: {e}"));
    }
    let mut documents = serde_yaml::Deserializer::from_str(text);
    let Some(first) = documents.next() else {
        return Ok(None);
    };
    let yaml: serde_yaml::Value = serde::Deserialize::deserialize(first)
        .map_err(|e: serde_yaml::Error| format!("not YAML: {e}"))?;
    if documents.next().is_some() {
        return Ok(None);
    }
    Ok(Some(from_yaml(yaml)))
}

fn from_yaml(yaml: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(from_yaml).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (key_text(k), from_yaml(v)))
                .collect(),
        ),
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let value = from_yaml(tagged.value);
            let (key, value) = match (name, value) {
                ("Ref" | "Condition", value) => (name.to_string(), value),
                ("GetAtt", Value::String(path)) => {
                    let (resource, attribute) = path.split_once('.').unwrap_or((&path, ""));
                    let parts = vec![Value::from(resource), Value::from(attribute)];
                    ("Fn::GetAtt".to_string(), Value::Array(parts))
                }
                (_, value) => (format!("Fn::{name}"), value),
            };
            let mut long = Map::new();
            long.insert(key, value);
            Value::Object(long)
        }
    }
}

fn key_text(key: serde_yaml::Value) -> String {
    match key {
        serde_yaml::Value::String(s) => s,
        other => serde_yaml::to_string(&other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// Resolves intrinsic functions against the template's parameters.
struct Resolver<'a> {
    parameters: Option<&'a Map<String, Value>>,
    resources: Option<&'a Map<String, Value>>,
}

impl Resolver<'_> {
    fn resolve(&self, value: &Value) -> Value {
        match value {
            Value::Array(items) => Value::Array(items.iter().map(|v| self.resolve(v)).collect()),
            Value::Object(map) if map.len() == 1 => {
                let (key, argument) = map.iter().next().expect("one entry");
                match key.as_str() {
                    "Ref" => self.reference(argument),
                    "Fn::Join" => self.join(argument),
                    "Fn::Sub" => self.substitute(argument),
                    "Fn::GetAtt" => self.attribute(argument),
                    _ if key == "Condition" || key.starts_with("Fn::") => {
                        deploy_time(short_form(key, argument))
                    }
                    _ => Value::Object(self.resolve_map(map)),
                }
            }
            Value::Object(map) => Value::Object(self.resolve_map(map)),
            other => other.clone(),
        }
    }

    fn resolve_map(&self, map: &Map<String, Value>) -> Map<String, Value> {
        map.iter()
            .map(|(k, v)| (k.clone(), self.resolve(v)))
            .collect()
    }

    /// A parameter's default; a resource's `Ref` (its name or id, known at deploy); anything
    /// else a `Ref` names (a parameter without a default, a pseudo parameter) is known only
    /// at deploy.
    fn reference(&self, name: &Value) -> Value {
        let Some(name) = name.as_str() else {
            return deploy_time(short_form("Ref", name));
        };
        // The property is left out, as if the template did not name it.
        if name == "AWS::NoValue" {
            return Value::Null;
        }
        if let Some(default) = self.parameters.and_then(|p| p.get(name)?.get("Default")) {
            return default.clone();
        }
        if self.resources.is_some_and(|r| r.contains_key(name)) {
            return reference(name, "Ref", format!("!Ref {name}"));
        }
        deploy_time(format!("!Ref {name}"))
    }

    /// `!GetAtt Resource.Attribute`: known at deploy, from that resource.
    fn attribute(&self, argument: &Value) -> Value {
        let expression = short_form("Fn::GetAtt", argument);
        let parts: Option<Vec<&str>> = match argument {
            Value::String(path) => path.split_once('.').map(|(r, a)| vec![r, a]),
            Value::Array(parts) => parts.iter().map(Value::as_str).collect(),
            _ => None,
        };
        match parts.as_deref() {
            Some([resource, attribute]) => reference(resource, attribute, expression),
            _ => deploy_time(expression),
        }
    }

    fn join(&self, argument: &Value) -> Value {
        let joined = argument.as_array().and_then(|parts| {
            let separator = parts.first()?.as_str()?;
            let items = self.resolve(parts.get(1)?);
            let texts: Option<Vec<String>> = items.as_array()?.iter().map(scalar_text).collect();
            Some(texts?.join(separator))
        });
        joined.map_or_else(
            || deploy_time(short_form("Fn::Join", argument)),
            Value::String,
        )
    }

    /// `!Sub` of a string whose `${Name}`s are all parameters with a default.
    fn substitute(&self, argument: &Value) -> Value {
        let unknown = || deploy_time(short_form("Fn::Sub", argument));
        let Some(mut rest) = argument.as_str() else {
            return unknown();
        };
        let mut out = String::new();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else {
                return unknown();
            };
            let name = &rest[start + 2..start + end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else {
                match scalar_text(&self.reference(&Value::from(name))) {
                    Some(text) => out.push_str(&text),
                    None => return unknown(),
                }
            }
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Value::String(out)
    }
}

/// A known scalar as text (as CloudFormation substitutes it); `None` for an unknown.
fn scalar_text(value: &Value) -> Option<String> {
    if expression_of(value).is_some() {
        return None;
    }
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `!Ref X`, `!GetAtt A.B`, `!ImportValue …`: how a person writes the expression.
fn short_form(key: &str, argument: &Value) -> String {
    let name = key.trim_start_matches("Fn::");
    let shown = match argument {
        Value::String(s) => s.clone(),
        Value::Array(parts) if key == "Fn::GetAtt" => parts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("."),
        other => other.to_string(),
    };
    format!("!{name} {shown}")
}

/// The line (1-based) a resource's logical id is declared on: after `Resources`, the line
/// indented as the first resource is whose key it is, in YAML (`  Graph:`) or JSON
/// (`"Graph": {`), so a property of the same name further in is not taken for it.
fn line_of(text: &str, id: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let resources = lines.iter().position(|l| {
        l.trim_start()
            .trim_start_matches('"')
            .starts_with("Resources")
    })?;
    let indent = |line: &str| line.len() - line.trim_start().len();
    let first = lines[resources + 1..]
        .iter()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    let keyed = |line: &str, key: &str| {
        line.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    };
    let quoted = format!("\"{id}\"");
    (resources + 1..lines.len())
        .find(|&index| {
            let line = lines[index];
            let key = line.trim_start();
            indent(line) == indent(first) && (keyed(key, id) || keyed(key, &quoted))
        })
        .map(|index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_core::template::referenced;
    use serde_json::json;

    const YAML: &str = "\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Encrypt:
    Type: String
    Default: 'true'
  Protect:
    Type: String
Resources:
  Graph:
    Type: AWS::Neptune::DBCluster
    Properties:
      StorageEncrypted: !Ref Encrypt
      DeletionProtection: !Ref Protect
      KmsKeyId: !GetAtt Key.Arn
      DBClusterIdentifier: !Sub 'graph-${Encrypt}'
      EnableCloudwatchLogsExports: [!ImportValue logs]
      CopyTagsToSnapshot: !Ref AWS::NoValue
  Key:
    Type: AWS::KMS::Key
";

    #[test]
    fn yaml_short_tags_resolve_or_wait_for_deploy() {
        let found = resources(YAML).unwrap().unwrap();
        let (graph, line) = found.iter().find(|(r, _)| r.id == "Graph").unwrap();
        assert_eq!(*line, Some(9));
        assert_eq!(graph.resource_type, "AWS::Neptune::DBCluster");
        assert_eq!(graph.properties["StorageEncrypted"], json!("true"));
        assert_eq!(graph.properties["DBClusterIdentifier"], json!("graph-true"));
        assert_eq!(
            expression_of(&graph.properties["DeletionProtection"]),
            Some("!Ref Protect")
        );
        assert_eq!(
            expression_of(&graph.properties["KmsKeyId"]),
            Some("!GetAtt Key.Arn")
        );
        assert_eq!(
            referenced(&graph.properties["KmsKeyId"]),
            Some(("Key", "Arn"))
        );
        assert_eq!(
            expression_of(&graph.properties["EnableCloudwatchLogsExports"][0]),
            Some("!ImportValue logs")
        );
        assert_eq!(
            graph.property("CopyTagsToSnapshot"),
            None,
            "AWS::NoValue leaves it out"
        );
        let key = found.iter().find(|(r, _)| r.id == "Key").unwrap();
        assert_eq!(key.1, Some(18));
    }

    #[test]
    fn json_templates_and_other_files() {
        let text = "{\n  \"Resources\": {\n    \"Graph\": {\n      \"Type\": \"AWS::Neptune::DBCluster\",\n      \"Properties\": {\"IamAuthEnabled\": {\"Fn::If\": [\"Prod\", true, false]}, \"Port\": {\"Fn::Join\": [\"\", [\"81\", \"82\"]]}}\n    }\n  }\n}\n";
        let found = resources(text).unwrap().unwrap();
        assert_eq!(found[0].1, Some(3));
        let properties = &found[0].0.properties;
        assert_eq!(
            expression_of(&properties["IamAuthEnabled"]),
            Some("!If [\"Prod\",true,false]")
        );
        assert_eq!(properties["Port"], json!("8182"));
        assert_eq!(resources("{\"Version\": \"2012-10-17\"}").unwrap(), None);
        assert!(resources(": : not yaml [").is_err());
        assert_eq!(
            resources("kind: A\n---\nkind: B\n").unwrap(),
            None,
            "a YAML stream"
        );
    }
}
