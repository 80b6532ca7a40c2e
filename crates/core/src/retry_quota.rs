//! Each AWS client with a retry quota of its own.

/// A retry quota of its own, for one client. The SDK's default partition shares one quota per
/// service and region across the whole process (a token bucket of 500; a retry after a server
/// error or timeout costs 14, aws-smithy-runtime's `token_bucket.rs`; a call holds its cost
/// while it waits, and loses it for good when it has to retry again): in a `gen scan` of a
/// hundred accounts, some 35 retries anywhere would switch retries off for that service in
/// every account. Each client keeps the SDK's quota and costs for itself, so a failing account
/// still stops its own retry storm. Build clients with [`crate::client!`].
pub fn own_retry_quota(service: &'static str) -> aws_sdk_config::config::retry::RetryPartition {
    use aws_sdk_config::config::retry::{RetryPartition, TokenBucket};
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    RetryPartition::custom(format!("{service}-{n}"))
        .token_bucket(TokenBucket::default())
        .build()
}

/// `client!(aws_sdk_iam, &sdk)`: the service's client from an `aws_config::SdkConfig`, with a retry
/// quota of its own ([`own_retry_quota`]) instead of the process-wide one.
#[macro_export]
macro_rules! client {
    ($service:ident, $sdk:expr) => {
        $service::Client::from_conf(
            $service::config::Builder::from($sdk)
                .retry_partition($crate::retry_quota::own_retry_quota(stringify!($service)))
                .build(),
        )
    };
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use aws_config::retry::RetryConfig;

    /// A loopback AWS Config that fails the first `failures` requests with HTTP 500
    /// (`InternalFailure`) and answers the rest; returns its URL and its request count.
    fn config_service(failures: usize) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let served = Arc::new(AtomicUsize::new(0));
        let count = served.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let mut reader = BufReader::new(stream);
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(value) = lower.strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let (status, answer) = if count.fetch_add(1, Ordering::SeqCst) < failures {
                    (
                        "500 Internal Server Error",
                        r#"{"__type":"InternalFailure"}"#,
                    )
                } else {
                    ("200 OK", r#"{"ConfigRules":[]}"#)
                };
                let _ = write!(
                    reader.get_mut(),
                    "HTTP/1.1 {status}\r\ncontent-type: application/x-amz-json-1.1\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        (url, served)
    }

    async fn sdk(url: String) -> aws_config::SdkConfig {
        crate::aws::load(Some("eu-west-1".into()), Some(url))
            .await
            .to_builder()
            .credentials_provider(aws_sdk_config::config::SharedCredentialsProvider::new(
                aws_sdk_config::config::Credentials::new("AKIDTEST", "secret", None, None, "test"),
            ))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(crate::aws::MAX_ATTEMPTS)
                    .with_initial_backoff(Duration::from_millis(1))
                    .with_max_backoff(Duration::from_millis(1)),
            )
            .build()
    }

    /// One account whose Config fails every call must not cost another account, same service
    /// and region, its retries: with the SDK's process-wide quota the second client's one
    /// transient failure is not retried once the first has spent the quota.
    #[tokio::test]
    async fn a_failing_clients_retries_leave_another_clients_retries_alone() {
        let (broken_url, broken_served) = config_service(usize::MAX);
        let broken = crate::client!(aws_sdk_config, &sdk(broken_url).await);
        for _ in 0..30 {
            assert!(broken.describe_config_rules().send().await.is_err());
        }
        let attempts = broken_served.load(Ordering::SeqCst);
        assert!(
            attempts < 30 * crate::aws::MAX_ATTEMPTS as usize,
            "the failing client's own quota ran out and stopped its retries ({attempts} requests)"
        );

        let (flaky_url, flaky_served) = config_service(1);
        let healthy = crate::client!(aws_sdk_config, &sdk(flaky_url).await);
        let answer = healthy.describe_config_rules().send().await;
        assert!(answer.is_ok(), "retried after one failure: {answer:?}");
        assert_eq!(flaky_served.load(Ordering::SeqCst), 2);
    }
}
