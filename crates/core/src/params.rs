//! Rule parameters: `ruleParameters` is a JSON string of string values, checked against the
//! rule's declaration so that a typo is an error rather than a silently ignored setting.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::RuleError;
use crate::registry::{ParamKind, RuleSpec};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<&'static str, String>,
}

impl Params {
    pub fn defaults(spec: &RuleSpec) -> Self {
        Params {
            values: spec
                .parameters
                .iter()
                .map(|p| (p.name, p.default.to_string()))
                .collect(),
        }
    }

    /// Parse `ruleParameters` (absent means all defaults).
    pub fn parse(spec: &RuleSpec, json: Option<&str>) -> Result<Self, RuleError> {
        let mut params = Params::defaults(spec);
        let Some(json) = json else { return Ok(params) };
        let invalid = |why: String| RuleError::InvalidParameters(why);
        let value: Value = serde_json::from_str(json)
            .map_err(|e| invalid(format!("`ruleParameters` is not JSON: {e}")))?;
        let object = value
            .as_object()
            .ok_or_else(|| invalid("`ruleParameters` is not a JSON object".into()))?;
        for (name, raw) in object {
            let spec_param = spec.parameter(name).ok_or_else(|| {
                let known: Vec<_> = spec.parameters.iter().map(|p| p.name).collect();
                invalid(format!(
                    "unknown parameter `{name}` for {} (known: {})",
                    spec.id,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            })?;
            let text = match raw {
                Value::String(s) => s.trim().to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => return Err(invalid(format!("parameter `{name}` must be a string"))),
            };
            if text.is_empty() {
                continue;
            }
            let text = match spec_param.kind {
                ParamKind::Bool => match text.to_ascii_lowercase().as_str() {
                    v @ ("true" | "false") => v.to_string(),
                    _ => {
                        return Err(invalid(format!(
                            "parameter `{name}` must be true or false, not `{text}`"
                        )))
                    }
                },
                ParamKind::Text => text,
                ParamKind::Int { min, max } => match text.parse::<i64>() {
                    Ok(n) if (min..=max).contains(&n) => n.to_string(),
                    _ => {
                        return Err(invalid(format!(
                            "parameter `{name}` must be a whole number from {min} to {max}, not `{text}`"
                        )))
                    }
                },
            };
            params.values.insert(spec_param.name, text);
        }
        Ok(params)
    }

    /// A boolean parameter (declared with [`ParamKind::Bool`]).
    pub fn flag(&self, name: &str) -> bool {
        self.values.get(name).is_some_and(|v| v == "true")
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A whole-number parameter (declared with [`ParamKind::Int`], so parsed and in range).
    pub fn number(&self, name: &str) -> Option<i64> {
        self.text(name)?.parse().ok()
    }

    /// A comma-separated parameter (AWS Config's CSV type), its items trimmed, blanks dropped.
    pub fn list(&self, name: &str) -> Vec<&str> {
        self.text(name)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{ParamSpec, ResourceType, Severity, Trigger};

    const SPEC: RuleSpec = RuleSpec {
        id: "x-rule",
        title: "X",
        resource_types: &[ResourceType::RdsDbCluster],
        triggers: &[Trigger::ConfigurationChange],
        parameters: &[
            ParamSpec {
                name: "strict",
                kind: ParamKind::Bool,
                default: "true",
                description: "",
            },
            ParamSpec {
                name: "exemptTag",
                kind: ParamKind::Text,
                default: "",
                description: "",
            },
            ParamSpec {
                name: "days",
                kind: ParamKind::Int { min: 1, max: 35 },
                default: "7",
                description: "",
            },
        ],
        severity: Severity::High,
        delivery: crate::registry::Delivery::Lambda,
        remediation: crate::registry::Remediation {
            runbook: "X",
            automatic: false,
            rationale: "",
        },
        permissions: &[],
        frameworks: &[],
        docs: "",
        reference: "",
    };

    #[test]
    fn absent_or_blank_parameters_take_their_defaults() {
        for json in [None, Some("{}"), Some("{\"strict\": \"  \"}")] {
            let p = Params::parse(&SPEC, json).unwrap();
            assert!(p.flag("strict"), "{json:?}");
            assert_eq!(p.text("exemptTag"), Some(""));
        }
    }

    #[test]
    fn values_are_typed_and_trimmed() {
        let p = Params::parse(
            &SPEC,
            Some("{\"strict\":\" FALSE \",\"exemptTag\":\"skip\"}"),
        )
        .unwrap();
        assert!(!p.flag("strict"));
        assert_eq!(p.text("exemptTag"), Some("skip"));
        let p = Params::parse(&SPEC, Some("{\"strict\":false}")).unwrap();
        assert!(!p.flag("strict"));
        assert_eq!(p.number("days"), Some(7));
        let p = Params::parse(&SPEC, Some("{\"days\":\" 35\",\"exemptTag\":\"a, ,b\"}")).unwrap();
        assert_eq!(p.number("days"), Some(35));
        assert_eq!(p.list("exemptTag"), ["a", "b"]);
    }

    #[test]
    fn bad_parameters_are_clear_errors() {
        for (json, expected) in [
            ("nope", "not JSON"),
            ("[1]", "not a JSON object"),
            (
                "{\"strikt\":\"true\"}",
                "unknown parameter `strikt` for x-rule (known: strict, exemptTag, days)",
            ),
            (
                "{\"strict\":\"maybe\"}",
                "must be true or false, not `maybe`",
            ),
            ("{\"strict\":[true]}", "must be a string"),
            (
                "{\"days\":\"36\"}",
                "must be a whole number from 1 to 35, not `36`",
            ),
            (
                "{\"days\":\"seven\"}",
                "must be a whole number from 1 to 35, not `seven`",
            ),
        ] {
            let err = Params::parse(&SPEC, Some(json)).unwrap_err();
            assert!(matches!(err, RuleError::InvalidParameters(_)));
            assert!(err.to_string().contains(expected), "{json} -> {err}");
        }
    }
}
