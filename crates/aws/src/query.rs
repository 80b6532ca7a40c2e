//! A minimal Query-protocol client on the SDK's own orchestrator (aws-smithy-runtime): the
//! same HTTP client, SigV4 signing, standard retries, attempt timeout and credentials as
//! every generated client built from the same `SdkConfig`. The rules call three read-only
//! EC2 actions; the generated `aws-sdk-ec2` crate took 534 of the 804 s of a cold build on
//! two cores for them. `gen status` reads Lambda metrics from CloudWatch with one action
//! (GetMetricData), through the same client.
//!
//! Each call gets what aws-sdk-ec2's service and operation plugins install: the retry
//! classifiers (HTTP 500/502/503/504, transient and timeout errors, AWS throttling and
//! transient codes, clock skew), connection poisoning, and the clock-skew, request-info,
//! invocation-id and recursion-detection (Lambda trace id) interceptors. Left out: the user
//! agent's API metadata and the SDK's feature trackers.

use std::error::Error as StdError;
use std::fmt;

use aws_config::SdkConfig;
use aws_runtime::auth::sigv4::{SigV4AuthScheme, SCHEME_ID as SIGV4};
use aws_runtime::auth::{SigV4OperationSigningConfig, SigningOptions};
use aws_runtime::invocation_id::InvocationIdInterceptor;
use aws_runtime::recursion_detection::RecursionDetectionInterceptor;
use aws_runtime::request_info::RequestInfoInterceptor;
use aws_runtime::retries::classifiers::AwsErrorCodeClassifier;
use aws_runtime::service_clock_skew::{ServiceClockSkewClassifier, ServiceClockSkewInterceptor};
use aws_smithy_runtime::client::identity::IdentityCache;
use aws_smithy_runtime::client::orchestrator::operation::Operation;
use aws_smithy_runtime::client::retries::classifiers::{
    HttpStatusCodeClassifier, TransientErrorClassifier,
};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::auth::static_resolver::StaticAuthSchemeOptionResolver;
use aws_smithy_runtime_api::client::auth::{
    AuthSchemeOptionResolverParams, SharedAuthScheme, SharedAuthSchemeOptionResolver,
};
use aws_smithy_runtime_api::client::identity::SharedIdentityResolver;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse, OrchestratorError};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
use aws_smithy_runtime_api::client::runtime_plugin::StaticRuntimePlugin;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::{FrozenLayer, Layer};
use aws_smithy_types::error::metadata::{ErrorMetadata, ProvideErrorMetadata};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::region::SigningRegion;
use aws_types::service_config::ServiceConfigKey;
use aws_types::SigningName;

use crate::xml::Element;

/// A Query-protocol API: its SDK service id, signing name, version and endpoint.
pub(crate) struct QueryApi {
    /// The SDK's service id: in its metadata and in `AWS_ENDPOINT_URL_<ID>` / a profile's
    /// section.
    service_id: &'static str,
    signing_name: &'static str,
    /// The API version every action is called with.
    version: &'static str,
    /// The regional endpoint: region, FIPS, dual-stack.
    endpoint: fn(Option<&str>, bool, bool) -> Result<String, String>,
}

pub(crate) const EC2: QueryApi = QueryApi {
    service_id: "EC2",
    signing_name: "ec2",
    version: "2016-11-15",
    endpoint: crate::endpoint::ec2,
};

/// CloudWatch (botocore `monitoring` model 2010-08-01, which lists the `query` protocol).
#[cfg(feature = "cloudwatch")]
pub(crate) const CLOUDWATCH: QueryApi = QueryApi {
    service_id: "CloudWatch",
    signing_name: "monitoring",
    version: "2010-08-01",
    endpoint: crate::endpoint::cloudwatch,
};

/// A Query error response (EC2's `<Response><Errors><Error><Code>…`, the others'
/// `<ErrorResponse><Error><Code>…`), or a body that could not be read.
#[derive(Debug)]
pub(crate) struct QueryError(ErrorMetadata);

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.code(), self.0.message()) {
            (Some(code), Some(message)) => write!(f, "{code}: {message}"),
            (Some(code), None) => f.write_str(code),
            (None, message) => f.write_str(message.unwrap_or("unreadable error response")),
        }
    }
}

impl StdError for QueryError {}

impl ProvideErrorMetadata for QueryError {
    fn meta(&self) -> &ErrorMetadata {
        &self.0
    }
}

pub(crate) type QueryResult = Result<Element, SdkError<QueryError, HttpResponse>>;

/// Calls one Query API's actions with the settings of one `SdkConfig`.
#[derive(Clone)]
pub(crate) struct QueryClient {
    api: &'static QueryApi,
    sdk: SdkConfig,
    endpoint: Result<String, String>,
    signing: FrozenLayer,
    /// The client's own retry quota (`guardrails_core::retry_quota::own_retry_quota`): an operation
    /// built here would otherwise share one quota per service (named "EC2", "CloudWatch")
    /// across every account and region of the process.
    retry_quota: FrozenLayer,
}

impl QueryClient {
    pub fn new(api: &'static QueryApi, sdk: &SdkConfig) -> Self {
        let region = sdk.region().map(|r| r.to_string());
        let endpoint = match custom_endpoint_url(api, sdk) {
            Some(url) => crate::endpoint::custom(&url, sdk.use_fips(), sdk.use_dual_stack()),
            None => (api.endpoint)(
                region.as_deref(),
                sdk.use_fips().unwrap_or(false),
                sdk.use_dual_stack().unwrap_or(false),
            ),
        };
        QueryClient {
            api,
            sdk: sdk.clone(),
            endpoint,
            signing: signing_layer(api, region),
            retry_quota: {
                let mut layer = Layer::new("QueryRetryQuota");
                layer.store_put(guardrails_core::retry_quota::own_retry_quota(
                    api.signing_name,
                ));
                layer.freeze()
            },
        }
    }

    /// One call of `action` with `params` (already in Query form: `GroupId.1`, `MaxResults`…):
    /// the parsed response document, or the SDK error after the SDK's retries.
    pub async fn call(&self, action: &'static str, params: Vec<(String, String)>) -> QueryResult {
        let endpoint = self
            .endpoint
            .clone()
            .map_err(|e| SdkError::construction_failure(BoxError::from(e)))?;
        let version = self.api.version;
        let mut builder = Operation::builder()
            .service_name(self.api.service_id)
            .operation_name(action)
            .endpoint_url(&endpoint)
            .standard_retry(
                &self
                    .sdk
                    .retry_config()
                    .cloned()
                    .unwrap_or_else(RetryConfig::standard),
            )
            .timeout_config(
                self.sdk
                    .timeout_config()
                    .cloned()
                    .unwrap_or_else(|| TimeoutConfig::builder().build()),
            )
            .retry_classifier(HttpStatusCodeClassifier::default())
            .retry_classifier(TransientErrorClassifier::<QueryError>::new())
            .retry_classifier(AwsErrorCodeClassifier::<QueryError>::new())
            .retry_classifier(ServiceClockSkewClassifier::<QueryError>::new())
            .interceptor(ServiceClockSkewInterceptor::new())
            .interceptor(RequestInfoInterceptor::new())
            .interceptor(InvocationIdInterceptor::new())
            .interceptor(RecursionDetectionInterceptor::new())
            .with_connection_poisoning()
            .runtime_plugin(self.auth_plugin())
            .runtime_plugin(StaticRuntimePlugin::new().with_config(self.retry_quota.clone()))
            .serializer(move |params: Vec<(String, String)>| {
                query_request(action, version, &params)
            })
            .deserializer(parse_response);
        if let Some(behavior) = self.sdk.behavior_version() {
            builder = builder.behavior_version(behavior);
        }
        if let Some(client) = self.sdk.http_client() {
            builder = builder.http_client(client);
        }
        if let Some(sleep) = self.sdk.sleep_impl() {
            builder = builder.sleep_impl(sleep);
        }
        if let Some(time) = self.sdk.time_source() {
            builder = builder.time_source(time);
        }
        builder.build().invoke(params).await
    }

    /// SigV4 for the API's signing name in the config's region, with its credentials provider behind the
    /// config's identity cache (what a generated client's config sets up).
    fn auth_plugin(&self) -> StaticRuntimePlugin {
        let mut components = RuntimeComponentsBuilder::new("QueryClient")
            .with_auth_scheme_option_resolver(Some(SharedAuthSchemeOptionResolver::new(
                StaticAuthSchemeOptionResolver::new(vec![SIGV4]),
            )))
            .with_auth_scheme(SharedAuthScheme::new(SigV4AuthScheme::new()));
        if let Some(credentials) = self.sdk.credentials_provider() {
            components =
                components.with_identity_resolver(SIGV4, SharedIdentityResolver::new(credentials));
        }
        components.set_identity_cache(Some(
            self.sdk
                .identity_cache()
                .unwrap_or_else(|| IdentityCache::lazy().build()),
        ));
        StaticRuntimePlugin::new()
            .with_config(self.signing.clone())
            .with_runtime_components(components)
    }
}

/// A custom endpoint as a generated client finds one: set in code (`--endpoint-url`) first,
/// then `AWS_ENDPOINT_URL_<SERVICE ID>` or the profile's service section, then
/// `AWS_ENDPOINT_URL`.
fn custom_endpoint_url(api: &QueryApi, sdk: &SdkConfig) -> Option<String> {
    if sdk.get_origin("endpoint_url").is_client_config() {
        return sdk.endpoint_url().map(str::to_string);
    }
    let key = ServiceConfigKey::builder()
        .service_id(api.service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    sdk.service_config()
        .and_then(|config| config.load_config(key))
        .or_else(|| sdk.endpoint_url().map(str::to_string))
}

fn signing_layer(api: &QueryApi, region: Option<String>) -> FrozenLayer {
    // The signing options generated Query clients (aws-sdk-ec2, aws-sdk-cloudwatch) set for
    // every action.
    let mut signing_options = SigningOptions::default();
    signing_options.double_uri_encode = true;
    signing_options.content_sha256_header = false;
    signing_options.normalize_uri_path = true;
    let mut layer = Layer::new("QuerySigning");
    layer.store_put(AuthSchemeOptionResolverParams::new(()));
    layer.store_put(SigV4OperationSigningConfig {
        region: region.map(|r| SigningRegion::from(aws_types::region::Region::new(r))),
        name: Some(SigningName::from_static(api.signing_name)),
        signing_options,
        ..Default::default()
    });
    layer.freeze()
}

/// `POST /` with a form-encoded body, as the Query protocol defines it.
fn query_request(
    action: &str,
    version: &str,
    params: &[(String, String)],
) -> Result<HttpRequest, BoxError> {
    let mut body = String::new();
    let mut writer = aws_smithy_query::QueryWriter::new(&mut body, action, version);
    for (name, value) in params {
        writer.prefix(name).string(value);
    }
    writer.finish();
    let mut request = HttpRequest::new(SdkBody::from(body.clone()));
    request.set_method("POST")?;
    request.set_uri("/")?;
    let headers = request.headers_mut();
    headers.insert("content-type", "application/x-www-form-urlencoded");
    headers.insert("content-length", body.len().to_string());
    Ok(request)
}

/// A 2xx body as a document; anything else as a Query error with its code. A 2xx body that is
/// not XML (a truncated or garbled response) is a response error, which the SDK retries.
fn parse_response(response: &HttpResponse) -> Result<Element, OrchestratorError<QueryError>> {
    let body = response.body().bytes().unwrap_or_default();
    let text = String::from_utf8_lossy(body);
    if response.status().is_success() {
        return Element::parse(&text).map_err(|e| OrchestratorError::response(e.into()));
    }
    let error = Element::parse(&text).ok();
    let first = error.as_ref().and_then(|root| {
        root.child("Errors")
            .and_then(|errors| errors.child("Error"))
            .or_else(|| root.child("Error"))
    });
    let mut meta = ErrorMetadata::builder();
    match first {
        Some(first) => {
            if let Some(code) = first.text_of("Code") {
                meta = meta.code(code);
            }
            if let Some(message) = first.text_of("Message") {
                meta = meta.message(message);
            }
        }
        None => meta = meta.message(format!("HTTP {}", response.status().as_u16())),
    }
    Err(OrchestratorError::operation(QueryError(meta.build())))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use aws_credential_types::provider::SharedCredentialsProvider;
    use aws_credential_types::Credentials;

    use super::*;

    /// Serves each `(status, body)` answer to one Query request on loopback, in order, and
    /// returns the URL and, once all are served, the requests as received.
    pub(crate) fn serve(
        answers: Vec<(&'static str, &'static str)>,
    ) -> (String, std::thread::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let served = std::thread::spawn(move || {
            answers
                .into_iter()
                .map(|(status, body)| {
                    let (mut stream, _) = listener.accept().unwrap();
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 8192];
                    // Headers, then as many body bytes as content-length says.
                    while !request_complete(&request) {
                        let read = stream.read(&mut buffer).unwrap();
                        request.extend_from_slice(&buffer[..read]);
                    }
                    let answer = format!(
                        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    stream.write_all(answer.as_bytes()).unwrap();
                    String::from_utf8_lossy(&request).into_owned()
                })
                .collect()
        });
        (url, served)
    }

    fn request_complete(request: &[u8]) -> bool {
        let text = String::from_utf8_lossy(request);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            return false;
        };
        let length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>())
            })
            .and_then(Result::ok)
            .unwrap_or(0);
        body.len() >= length
    }

    async fn client(url: &str) -> QueryClient {
        let sdk = guardrails_core::aws::load(Some("ap-northeast-1".into()), Some(url.into()))
            .await
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDEXAMPLE",
                "secret",
                None,
                None,
                "test",
            )))
            .build();
        QueryClient::new(&EC2, &sdk)
    }

    #[tokio::test]
    async fn a_call_is_a_signed_form_post_and_its_answer_a_document() {
        let (url, served) = serve(vec![(
            "200 OK",
            "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpcId></item></vpcSet></DescribeVpcsResponse>",
        )]);
        let params = vec![("VpcId.1".to_string(), "vpc-1".to_string())];
        let document = client(&url)
            .await
            .call("DescribeVpcs", params)
            .await
            .unwrap();
        assert_eq!(document.items("vpcSet").count(), 1);
        let request = served.join().unwrap().remove(0).to_ascii_lowercase();
        assert!(request.starts_with("post / http/1.1"), "{request}");
        assert!(request.contains("content-type: application/x-www-form-urlencoded"));
        assert!(
            request.contains("credential=akidexample/")
                && request.contains("/ap-northeast-1/ec2/aws4_request"),
            "{request}"
        );
        assert!(request.ends_with("action=describevpcs&version=2016-11-15&vpcid.1=vpc-1"));
    }

    #[tokio::test]
    async fn an_ec2_error_keeps_its_code_and_message() {
        let (url, served) = serve(vec![(
            "400 Bad Request",
            "<Response><Errors><Error><Code>InvalidGroup.NotFound</Code><Message>The security \
             group 'sg-1' does not exist</Message></Error></Errors><RequestID>r</RequestID></Response>",
        )]);
        let err = client(&url)
            .await
            .call("DescribeSecurityGroups", vec![])
            .await
            .unwrap_err();
        served.join().unwrap();
        assert_eq!(
            guardrails_core::aws::error_text(&err),
            "service error: InvalidGroup.NotFound: The security group 'sg-1' does not exist"
        );
        assert_eq!(err.code(), Some("InvalidGroup.NotFound"));
    }
}
