//! AWS SDK plumbing shared by every rule and by `gen`.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_types::error::display::DisplayErrorContext;

/// Load the SDK configuration from the usual `AWS_*` environment (which includes
/// `AWS_ENDPOINT_URL`), with explicit overrides for a region and an endpoint (an emulator).
pub async fn load(region: Option<String>, endpoint_url: Option<String>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// The whole chain of an SDK error in one line (the SDK's own `Display` says only
/// "service error").
pub fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    DisplayErrorContext(err).to_string()
}

/// Error codes AWS services use for throttling; worth a retry with backoff.
pub fn is_throttling_code(code: Option<&str>) -> bool {
    matches!(
        code,
        Some(
            "Throttling"
                | "ThrottlingException"
                | "ThrottledException"
                | "TooManyRequestsException"
                | "RequestLimitExceeded"
                | "RequestThrottled"
                | "RequestThrottledException"
                | "SlowDown"
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_codes_are_recognised() {
        for code in [
            "ThrottlingException",
            "Throttling",
            "TooManyRequestsException",
        ] {
            assert!(is_throttling_code(Some(code)), "{code}");
        }
        for code in [
            None,
            Some("AccessDeniedException"),
            Some("ValidationException"),
        ] {
            assert!(!is_throttling_code(code), "{code:?}");
        }
    }
}
