//! IAM policy documents as IAM stores and returns them.
//!
//! IAM's GetPolicyVersion, GetRolePolicy, GetAccountAuthorizationDetails and AWS Config's
//! configuration items carry documents URL-encoded (RFC 3986) and the Rust SDK hands them
//! over undecoded; `Statement`, `Action`, `NotAction`, `Resource`, `NotResource` and the
//! principal lists may each be a single string or a list. [`Document::parse`] accepts all of
//! that and turns anything else into a [`PolicyError`] that says where the document is wrong.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::condition::Condition;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("not a policy document: {0}")]
    NotJson(String),
    #[error("not a policy document: {0}")]
    Shape(String),
    #[error("statement {index}: {message}")]
    Statement { index: usize, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action` or `NotAction`: the action patterns as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actions {
    Action(Vec<String>),
    NotAction(Vec<String>),
}

/// `Resource` or `NotResource`; trust policies have neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resources {
    Resource(Vec<String>),
    NotResource(Vec<String>),
    Absent,
}

/// The `Principal` of a resource-based (for example trust) policy statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principals {
    /// `"Principal": "*"` or `{"AWS": "*"}`: anyone.
    pub anyone: bool,
    pub aws: Vec<String>,
    pub service: Vec<String>,
    pub federated: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Position in the `Statement` list (0 for a single statement object).
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Actions,
    pub resources: Resources,
    pub principals: Option<Principals>,
    /// The `Condition` block, one entry per operator and key, in document order.
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub version: Option<String>,
    pub statements: Vec<Statement>,
}

impl Document {
    /// Parse a policy document, URL-encoded or not.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let text = decode(text)?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| PolicyError::NotJson(e.to_string()))?;
        Self::from_value(&value)
    }

    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let object = value
            .as_object()
            .ok_or_else(|| PolicyError::Shape("the document is not a JSON object".into()))?;
        let version = match object.get("Version") {
            None => None,
            Some(Value::String(v)) => Some(v.clone()),
            Some(_) => return Err(PolicyError::Shape("`Version` is not a string".into())),
        };
        let statements = match object.get("Statement") {
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(index, s)| parse_statement(index, s))
                .collect::<Result<_, _>>()?,
            Some(single @ Value::Object(_)) => vec![parse_statement(0, single)?],
            Some(_) => {
                return Err(PolicyError::Shape(
                    "`Statement` is neither an object nor a list".into(),
                ))
            }
            None => return Err(PolicyError::Shape("no `Statement`".into())),
        };
        Ok(Document {
            version,
            statements,
        })
    }
}

/// Decode a URL-encoded document; a document that already starts with `{` is left alone
/// (a literal `%` inside it is data, not an escape).
pub(crate) fn decode(text: &str) -> Result<Cow<'_, str>, PolicyError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || !trimmed.contains('%') {
        return Ok(Cow::Borrowed(text));
    }
    let bytes = trimmed.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    PolicyError::NotJson(format!(
                        "bad URL escape at byte {i} of the URL-encoded document"
                    ))
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| PolicyError::NotJson("the URL-decoded document is not UTF-8".into()))
}

fn parse_statement(index: usize, value: &Value) -> Result<Statement, PolicyError> {
    let fail = |message: String| PolicyError::Statement { index, message };
    let object = value
        .as_object()
        .ok_or_else(|| fail("is not a JSON object".into()))?;
    let sid = match object.get("Sid") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(fail("`Sid` is not a string".into())),
    };
    let effect = match object.get("Effect") {
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        Some(Value::String(e)) => {
            return Err(fail(format!(
                "`Effect` must be \"Allow\" or \"Deny\", not {e:?}"
            )))
        }
        Some(_) => return Err(fail("`Effect` is not a string".into())),
        None => return Err(fail("no `Effect`".into())),
    };
    let actions = match (
        strings(object, "Action").map_err(&fail)?,
        strings(object, "NotAction").map_err(&fail)?,
    ) {
        (Some(list), None) => Actions::Action(list),
        (None, Some(list)) => Actions::NotAction(list),
        (Some(_), Some(_)) => return Err(fail("has both `Action` and `NotAction`".into())),
        (None, None) => return Err(fail("has neither `Action` nor `NotAction`".into())),
    };
    let resources = match (
        strings(object, "Resource").map_err(&fail)?,
        strings(object, "NotResource").map_err(&fail)?,
    ) {
        (Some(list), None) => Resources::Resource(list),
        (None, Some(list)) => Resources::NotResource(list),
        (Some(_), Some(_)) => return Err(fail("has both `Resource` and `NotResource`".into())),
        (None, None) => Resources::Absent,
    };
    let principals = match object.get("Principal") {
        None => None,
        Some(p) => Some(parse_principals(p).map_err(&fail)?),
    };
    let conditions = match object.get("Condition") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(block)) => parse_conditions(block).map_err(&fail)?,
        Some(_) => return Err(fail("`Condition` is not an object".into())),
    };
    Ok(Statement {
        index,
        sid,
        effect,
        actions,
        resources,
        principals,
        conditions,
    })
}

/// `{"Operator": {"key": value or [values]}}`; IAM takes booleans and numbers as values too.
fn parse_conditions(block: &Map<String, Value>) -> Result<Vec<Condition>, String> {
    let mut conditions = Vec::new();
    for (operator, tests) in block {
        let Value::Object(tests) = tests else {
            return Err(format!("`Condition` operator {operator} is not an object"));
        };
        for (key, value) in tests {
            let scalar = |v: &Value| match v {
                Value::String(s) => Some(s.clone()),
                Value::Bool(_) | Value::Number(_) => Some(v.to_string()),
                _ => None,
            };
            let values = match value {
                Value::Array(list) => list.iter().map(scalar).collect::<Option<Vec<_>>>(),
                other => scalar(other).map(|v| vec![v]),
            }
            .ok_or_else(|| {
                format!("`Condition` {operator} {key}: values must be strings, numbers or booleans")
            })?;
            conditions.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values,
            });
        }
    }
    Ok(conditions)
}

/// A string-or-list-of-strings element; `None` when the key is absent.
fn strings(object: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, String> {
    match object.get(key) {
        None => Ok(None),
        Some(value) => string_list(value)
            .map(Some)
            .ok_or_else(|| format!("`{key}` must be a string or a list of strings")),
    }
}

fn string_list(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

fn parse_principals(value: &Value) -> Result<Principals, String> {
    let bad = || "`Principal` must be \"*\" or an object of string lists".to_string();
    match value {
        Value::String(s) if s == "*" => Ok(Principals {
            anyone: true,
            ..Principals::default()
        }),
        Value::Object(map) => {
            let mut principals = Principals::default();
            for (kind, ids) in map {
                let ids = string_list(ids).ok_or_else(bad)?;
                match kind.as_str() {
                    "AWS" => {
                        principals.anyone |= ids.iter().any(|id| id == "*");
                        principals.aws = ids;
                    }
                    "Service" => principals.service = ids,
                    "Federated" => principals.federated = ids,
                    // CanonicalUser and future kinds do not matter to these rules.
                    _ => {}
                }
            }
            Ok(principals)
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_strings_and_lists_parse_the_same() {
        let single = Document::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"neptune-db:ReadDataViaQuery","Resource":"arn:aws:neptune-db:us-east-1:111122223333:cluster-ABC/*"}}"#,
        )
        .unwrap();
        let listed = Document::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["neptune-db:ReadDataViaQuery"],"Resource":["arn:aws:neptune-db:us-east-1:111122223333:cluster-ABC/*"]}]}"#,
        )
        .unwrap();
        assert_eq!(single, listed);
        assert_eq!(single.version.as_deref(), Some("2012-10-17"));
    }

    #[test]
    fn url_encoded_documents_are_decoded_and_literal_percent_signs_kept() {
        let encoded = "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22neptune-db%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D";
        let doc = Document::parse(encoded).unwrap();
        assert_eq!(doc.statements[0].effect, Effect::Deny);
        assert_eq!(
            doc.statements[0].actions,
            Actions::Action(vec!["neptune-db:*".into()])
        );
        let literal = r#"{"Statement":{"Sid":"x","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/100%25"}}"#;
        assert_eq!(
            Document::parse(literal).unwrap().statements[0].resources,
            Resources::Resource(vec!["arn:aws:s3:::b/100%25".into()])
        );
    }

    #[test]
    fn principals_conditions_and_absent_resources_of_trust_policies() {
        let doc = Document::parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:role/A"],"Service":"rds.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}"#,
        )
        .unwrap();
        let s = &doc.statements[0];
        assert_eq!(s.resources, Resources::Absent);
        assert_eq!(
            s.conditions,
            [Condition {
                operator: "StringEquals".into(),
                key: "sts:ExternalId".into(),
                values: vec!["x".into()],
            }]
        );
        let p = s.principals.as_ref().unwrap();
        assert_eq!(p.aws, ["arn:aws:iam::111122223333:role/A"]);
        assert_eq!(p.service, ["rds.amazonaws.com"]);
        assert!(!p.anyone);
        let star = Document::parse(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}"#,
        )
        .unwrap();
        assert!(star.statements[0].principals.as_ref().unwrap().anyone);
    }

    #[test]
    fn malformed_documents_say_what_is_wrong() {
        let cases = [
            (
                "",
                "not a policy document: EOF while parsing a value at line 1 column 0",
            ),
            (
                "[1]",
                "not a policy document: the document is not a JSON object",
            ),
            ("{}", "not a policy document: no `Statement`"),
            (
                r#"{"Statement":3}"#,
                "not a policy document: `Statement` is neither an object nor a list",
            ),
            (
                r#"{"Statement":[{"Effect":"allow","Action":"a:b","Resource":"*"}]}"#,
                "statement 0: `Effect` must be \"Allow\" or \"Deny\", not \"allow\"",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
                "statement 0: has neither `Action` nor `NotAction`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a:b","NotAction":"c:d","Resource":"*"}]}"#,
                "statement 0: has both `Action` and `NotAction`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"},{"Effect":"Allow","Action":[1],"Resource":"*"}]}"#,
                "statement 1: `Action` must be a string or a list of strings",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":"x"}}"#,
                "statement 0: `Condition` is not an object",
            ),
            (
                "%7B%2",
                "not a policy document: bad URL escape at byte 3 of the URL-encoded document",
            ),
            (
                "%FF%FE",
                "not a policy document: the URL-decoded document is not UTF-8",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(
                Document::parse(text).unwrap_err().to_string(),
                expected,
                "{text}"
            );
        }
    }
}
