//! Policy documents of a template as text for the analyzer: a document only deploy can
//! read is decided at deploy time; a `!Sub` that can never be `*` is read with stand-ins.

use guardrails_core::evaluation::Verdict;
use guardrails_core::template::{
    decided_at_deploy, expression_of, referenced, TemplateResource, DEPLOY_TIME,
};
use serde_json::Value;

/// A policy document as text for the analyzer, or the verdict that only deploy can read it:
/// a value that could be a wildcard (a parameter without a default, an import, a condition)
/// decides nothing before deploy. A `!Sub` whose unknowns are pseudo parameters or other
/// resources' names and attributes is kept as written: none of them is ever `*`.
pub(super) fn document_text(
    label: &str,
    document: Option<&Value>,
    template: &[TemplateResource],
) -> Result<String, Verdict> {
    let Some(document) = document else {
        return Err(decided_at_deploy(label, "left out"));
    };
    if let Some(expression) = expression_of(document) {
        return Err(decided_at_deploy(label, expression));
    }
    // Terraform's `policy` is the document's JSON text already.
    if let Some(text) = document.as_str() {
        return Ok(text.to_string());
    }
    let mut undecided = None;
    let resolved = settle(document, template, &mut undecided);
    match undecided {
        Some(expression) => Err(decided_at_deploy(label, &expression)),
        None => Ok(resolved.to_string()),
    }
}

fn settle(value: &Value, template: &[TemplateResource], undecided: &mut Option<String>) -> Value {
    if let Some(expression) = expression_of(value) {
        let never_wildcard = expression.strip_prefix("!Sub ").filter(|text| {
            placeholders(text).all(|name| {
                name.contains("::") || name.contains('.') || template.iter().any(|r| r.id == name)
            })
        });
        if let Some(text) = never_wildcard {
            return Value::String(stand_ins(text));
        }
        if referenced(value).is_some() {
            // A resource's name or ARN (`!Ref Table`, `!GetAtt Role.Arn`) is never `*`.
            return Value::String(expression.to_string());
        }
        undecided.get_or_insert_with(|| expression.to_string());
        return Value::Null;
    }
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| settle(v, template, undecided))
                .collect(),
        ),
        Value::Object(map) if !map.contains_key(DEPLOY_TIME) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), settle(v, template, undecided)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A `!Sub` string with a stand-in for each `${Name}` the analyzer can read as part of an ARN
/// (no `:`, no braces, which would read as an IAM policy variable): `${AWS::Region}` →
/// `AWS-Region`, `${Graph.ClusterResourceId}` → `cluster-Graph-ClusterResourceId` (a cluster
/// resource id is `cluster-…`), `${Bucket}` → `Bucket`.
fn stand_ins(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 2..start + end];
        if let Some(literal) = name.strip_prefix('!') {
            out.push_str(&format!("${{{literal}}}"));
        } else if name.ends_with(".ClusterResourceId") {
            out.push_str(&format!("cluster-{}", name.replace('.', "-")));
        } else {
            out.push_str(&name.replace("::", "-").replace('.', "-"));
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// The `${Name}`s of a `!Sub` string (`${!Literal}` is text).
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .filter(|name| !name.starts_with('!'))
}
