//! The one error type of a rule run, with the `errorType` Lambda reports for each kind. Its
//! own module, so the parsers (event, item, params) and the rule runner depend on it and not
//! on each other.

use lambda_runtime::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("malformed Config event: {0}")]
    MalformedEvent(String),
    #[error("invalid rule parameters: {0}")]
    InvalidParameters(String),
    #[error("{operation} failed: {message}")]
    Aws {
        operation: &'static str,
        message: String,
    },
    #[error("PutEvaluations did not accept {failed} of {total} evaluations: {message}")]
    Report {
        failed: usize,
        total: usize,
        message: String,
    },
}

impl RuleError {
    pub fn aws(operation: &'static str, err: &(dyn std::error::Error + 'static)) -> Self {
        RuleError::Aws {
            operation,
            message: crate::aws::error_text(err),
        }
    }

    /// The `errorType` Lambda reports (the default would be a Rust type path).
    pub fn error_type(&self) -> &'static str {
        match self {
            RuleError::MalformedEvent(_) => "MalformedConfigEvent",
            RuleError::InvalidParameters(_) => "InvalidRuleParameters",
            RuleError::Aws { .. } => "AwsApiError",
            RuleError::Report { .. } => "PutEvaluationsFailed",
        }
    }
}

impl From<RuleError> for Diagnostic {
    fn from(err: RuleError) -> Self {
        Diagnostic {
            error_type: err.error_type().to_string(),
            error_message: err.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_error_types_name_the_failure() {
        let d: Diagnostic = RuleError::MalformedEvent("x".into()).into();
        assert_eq!(d.error_type, "MalformedConfigEvent");
        assert_eq!(d.error_message, "malformed Config event: x");
    }
}
