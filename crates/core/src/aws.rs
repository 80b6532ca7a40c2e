//! AWS SDK plumbing shared by every rule and by `gen`.

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::config_bag::ConfigBag;

/// Attempts per AWS call (standard retry mode: throttling, 5xx and connection errors, with
/// exponential backoff and jitter). Five rather than the SDK's three: a rule run that gives
/// up loses its whole invocation until Config retries it, and the fault-injection tests show
/// three is not enough at a 25 % failure rate.
pub(crate) const MAX_ATTEMPTS: u32 = 5;

/// How long one attempt of an AWS call may take before it is abandoned and retried (a
/// stalled connection would otherwise hold the invocation until Lambda's function timeout
/// ends it and loses every evaluation). Far above a healthy call (milliseconds to a few
/// seconds for a large IAM page); [`ATTEMPT_TIMEOUT_ENV`] overrides it.
pub(crate) const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);

/// Environment variable with the attempt timeout in milliseconds (the fault-injection tests
/// set a short one so that a stalled request costs them a second, not twenty).
pub const ATTEMPT_TIMEOUT_ENV: &str = "NEPTUNE_GUARDRAILS_ATTEMPT_TIMEOUT_MS";

/// The attempt timeout: [`ATTEMPT_TIMEOUT_ENV`] when it holds a positive whole number of
/// milliseconds, else [`DEFAULT_ATTEMPT_TIMEOUT`].
pub(crate) fn attempt_timeout() -> Duration {
    let Ok(text) = std::env::var(ATTEMPT_TIMEOUT_ENV) else {
        return DEFAULT_ATTEMPT_TIMEOUT;
    };
    match text.trim().parse::<u64>() {
        Ok(ms) if ms > 0 => Duration::from_millis(ms),
        _ => {
            tracing::warn!(
                value = %text,
                "{ATTEMPT_TIMEOUT_ENV} is not a positive number of milliseconds; using {DEFAULT_ATTEMPT_TIMEOUT:?}"
            );
            DEFAULT_ATTEMPT_TIMEOUT
        }
    }
}

/// Load the SDK configuration from the usual `AWS_*` environment (which includes
/// `AWS_ENDPOINT_URL`), with explicit overrides for a region and an endpoint (an emulator).
pub async fn load(region: Option<String>, endpoint_url: Option<String>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(TlsOnDemand::client())
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(attempt_timeout())
                .build(),
        );
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// The SDK's default HTTPS client (hyper, rustls with aws-lc, proxy settings from the
/// environment) with one difference: the system trust store is read when the first HTTPS
/// request is made, not when the client is created. The default reads it at start-up — about
/// 5 ms of a rule Lambda's 7 ms init on a Debian host — even when every endpoint is plain
/// HTTP (an emulator, a local proxy); over HTTPS the same load happens once, on the first
/// call.
#[derive(Debug, Clone)]
struct TlsOnDemand {
    plain: SharedHttpClient,
    tls: SharedHttpClient,
}

impl TlsOnDemand {
    fn client() -> SharedHttpClient {
        let plain = Builder::new().build_with_connector_fn(|settings, components| {
            connector_builder(settings, components).build_http()
        });
        let tls = Builder::new().build_with_connector_fn(|settings, components| {
            connector_builder(settings, components)
                .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
                .build()
        });
        SharedHttpClient::new(TlsOnDemand { plain, tls })
    }
}

/// What the SDK's default client configures on every connector.
fn connector_builder(
    settings: Option<&HttpConnectorSettings>,
    components: Option<&RuntimeComponents>,
) -> ConnectorBuilder {
    let mut builder = ConnectorBuilder::default();
    builder.set_connector_settings(settings.cloned());
    builder.set_sleep_impl(components.and_then(RuntimeComponents::sleep_impl));
    builder.set_proxy_config(Some(ProxyConfig::from_env()));
    builder
}

impl HttpClient for TlsOnDemand {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(BySchemeConnector {
            plain: self.plain.http_connector(settings, components),
            tls: self.tls.clone(),
            settings: settings.clone(),
            components: components.clone(),
        })
    }

    /// Unlike the default client's, this does not build a TLS connector ahead of use.
    fn validate_base_client_config(
        &self,
        components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.plain.validate_base_client_config(components, cfg)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.plain.connector_metadata()
    }
}

/// Sends plain-HTTP requests through the plain connector and asks the TLS client for its
/// connector (built once per settings and cached by the client) only for HTTPS ones.
#[derive(Debug)]
struct BySchemeConnector {
    plain: SharedHttpConnector,
    tls: SharedHttpClient,
    settings: HttpConnectorSettings,
    components: RuntimeComponents,
}

impl HttpConnector for BySchemeConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if request.uri().starts_with("http://") {
            self.plain.call(request)
        } else {
            self.tls
                .http_connector(&self.settings, &self.components)
                .call(request)
        }
    }
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
pub(crate) fn is_throttling_code(code: Option<&str>) -> bool {
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

    /// The first bytes a client sends to `scheme://127.0.0.1:PORT` with the client `load`
    /// builds: a plain request goes out as HTTP, an HTTPS one opens with a TLS handshake.
    async fn first_bytes_sent(scheme: &str) -> Vec<u8> {
        use std::io::Read;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut bytes = [0u8; 4];
            stream.read_exact(&mut bytes).unwrap();
            bytes.to_vec()
        });
        let sdk = load(
            Some("eu-west-1".into()),
            Some(format!("{scheme}://127.0.0.1:{port}")),
        )
        .await;
        let config = aws_sdk_config::config::Builder::from(&sdk)
            .credentials_provider(aws_sdk_config::config::Credentials::new(
                "AKIDTEST", "secret", None, None, "test",
            ))
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build();
        let result = aws_sdk_config::Client::from_conf(config)
            .describe_config_rules()
            .send()
            .await;
        assert!(result.is_err(), "the listener answers nothing");
        server.join().unwrap()
    }

    #[tokio::test]
    async fn plain_http_endpoints_need_no_tls_and_https_ones_get_it() {
        assert_eq!(first_bytes_sent("http").await, b"POST");
        // 0x16 0x03: a TLS handshake record (the ClientHello).
        assert_eq!(first_bytes_sent("https").await[..2], [0x16, 0x03]);
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
