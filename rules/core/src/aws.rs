//! AWS SDK plumbing shared by every rule and by `gen`.

use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Attempts per AWS call (standard retry mode: throttling, 5xx and connection errors, with
/// exponential backoff and jitter). Five rather than the SDK's three: a rule run that gives
/// up loses its whole invocation until Config retries it, and the fault-injection tests show
/// three is not enough at a 25 % failure rate.
pub const MAX_ATTEMPTS: u32 = 5;

/// Load the SDK configuration from the usual `AWS_*` environment (which includes
/// `AWS_ENDPOINT_URL`), with explicit overrides for a region and an endpoint (an emulator).
pub async fn load(region: Option<String>, endpoint_url: Option<String>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// The chain of causes of an SDK error in one line (the SDK's own `Display` says only
/// "service error"; its `DisplayErrorContext` appends a Debug dump no user should read).
pub fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
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

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|l| l as _)
        }
    }

    #[test]
    fn error_text_joins_the_causes_once_each() {
        let err = Layer(
            "dispatch failure",
            Some(Box::new(Layer(
                "io error",
                Some(Box::new(Layer("connection refused", None))),
            ))),
        );
        assert_eq!(
            error_text(&err),
            "dispatch failure: io error: connection refused"
        );
        let repeated = Layer(
            "service error: AccessDenied",
            Some(Box::new(Layer("AccessDenied", None))),
        );
        assert_eq!(error_text(&repeated), "service error: AccessDenied");
    }

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
