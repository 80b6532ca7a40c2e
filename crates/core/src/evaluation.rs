//! The evaluation model: one verdict per resource, as `PutEvaluations` takes it.

use aws_smithy_types::DateTime;
use serde::Serialize;

/// AWS Config limits an annotation to 256 characters.
pub(crate) const MAX_ANNOTATION_CHARS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Compliance {
    Compliant,
    NonCompliant,
    NotApplicable,
}

impl Compliance {
    pub const fn as_str(self) -> &'static str {
        match self {
            Compliance::Compliant => "COMPLIANT",
            Compliance::NonCompliant => "NON_COMPLIANT",
            Compliance::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

impl std::fmt::Display for Compliance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verdict with its reason, before it is tied to a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub compliance: Compliance,
    pub annotation: String,
    /// False when an AWS error kept the rule from judging the resource: Config takes no
    /// INSUFFICIENT_DATA from a custom rule, so the verdict is NOT_APPLICABLE with the
    /// error, and `gen scan` reports the resource as not evaluated.
    pub evaluated: bool,
    /// This finding's severity where it is graver than the rule's (a network path open now
    /// rather than one change away); the reports carry it, AWS Config has no place for it.
    pub severity: Option<crate::registry::Severity>,
}

impl Verdict {
    pub fn new(compliance: Compliance, annotation: impl Into<String>) -> Self {
        Verdict {
            compliance,
            annotation: annotation.into(),
            evaluated: true,
            severity: None,
        }
    }

    /// The verdict graded above its rule's severity.
    pub fn graded(self, severity: crate::registry::Severity) -> Self {
        Verdict {
            severity: Some(severity),
            ..self
        }
    }

    /// The verdict for a resource the rule could not judge (`reason` says why).
    pub fn not_evaluated(reason: impl Into<String>) -> Self {
        Verdict {
            evaluated: false,
            ..Verdict::new(Compliance::NotApplicable, reason)
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: Compliance,
    /// At most [`MAX_ANNOTATION_CHARS`] characters (truncated with an ellipsis).
    pub annotation: String,
    pub ordering_timestamp: DateTime,
    /// See [`Verdict::evaluated`]; logged, not sent to Config.
    pub evaluated: bool,
}

impl Evaluation {
    pub fn new(
        resource_type: impl Into<String>,
        resource_id: impl Into<String>,
        verdict: Verdict,
        ordering_timestamp: DateTime,
    ) -> Self {
        Evaluation {
            resource_type: resource_type.into(),
            resource_id: resource_id.into(),
            compliance: verdict.compliance,
            annotation: truncate_annotation(&verdict.annotation),
            ordering_timestamp,
            evaluated: verdict.evaluated,
        }
    }
}

/// Cut an annotation to the Config limit on a character boundary, marking the cut.
pub(crate) fn truncate_annotation(text: &str) -> String {
    if text.chars().count() <= MAX_ANNOTATION_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_ANNOTATION_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_are_cut_to_the_config_limit_on_char_boundaries() {
        let cases = [
            ("short", "short".to_string()),
            (&"a".repeat(256), "a".repeat(256)),
            (&"a".repeat(300), format!("{}…", "a".repeat(255))),
            (&"é".repeat(300), format!("{}…", "é".repeat(255))),
        ];
        for (input, expected) in cases {
            let got = truncate_annotation(input);
            assert_eq!(got, expected);
            assert!(got.chars().count() <= MAX_ANNOTATION_CHARS);
        }
    }

    #[test]
    fn compliance_serialises_as_config_spells_it() {
        assert_eq!(
            serde_json::to_string(&Compliance::NonCompliant).unwrap(),
            "\"NON_COMPLIANT\""
        );
        assert_eq!(Compliance::NotApplicable.as_str(), "NOT_APPLICABLE");
    }
}
