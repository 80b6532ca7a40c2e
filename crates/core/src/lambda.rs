//! The Lambda side: structured JSON logs and the handler every rule binary runs.

use aws_config::SdkConfig;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Value};

use crate::changes::{self, Changes};
use crate::config_service::{ConfigService, TEST_MODE_TOKEN};
use crate::entry::ScanScope;
use crate::error::RuleError;
use crate::evaluation::{Compliance, Evaluation};
use crate::event::{Invocation, Message};
use crate::rule::{evaluate_invocation, now, Rule};

/// Logs as the Lambda runtime's advanced logging controls define them: the level from
/// `AWS_LAMBDA_LOG_LEVEL` (TRACE, DEBUG, INFO, WARN, ERROR, FATAL; set by Lambda from the
/// function's ApplicationLogLevel), else `RUST_LOG`, else INFO; the format from
/// `AWS_LAMBDA_LOG_FORMAT`: `Text` gives plain lines, anything else (and unset) one JSON
/// object per line.
pub(crate) fn init_tracing() {
    let (filter, json) = log_settings(
        std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref(),
        std::env::var("RUST_LOG").ok().as_deref(),
        std::env::var("AWS_LAMBDA_LOG_FORMAT").ok().as_deref(),
    );
    let builder = tracing_subscriber::fmt()
        .with_target(false)
        .with_ansi(false)
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter));
    if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init();
    } else {
        builder.init();
    }
}

/// The filter directive and whether to log JSON, from the Lambda and Rust conventions.
fn log_settings(
    lambda_level: Option<&str>,
    rust_log: Option<&str>,
    format: Option<&str>,
) -> (String, bool) {
    let filter = match lambda_level.map(str::to_ascii_lowercase).as_deref() {
        Some("fatal") => "error".to_string(),
        Some(level @ ("trace" | "debug" | "info" | "warn" | "error")) => level.to_string(),
        _ => rust_log
            .filter(|r| !r.trim().is_empty())
            .unwrap_or("info")
            .to_string(),
    };
    let json = !format.is_some_and(|f| f.eq_ignore_ascii_case("text"));
    (filter, json)
}

/// A rule binary's `main`: `guardrails_core::lambda_main!(ClusterIamAuth::new);` serves the
/// rule built by that constructor (from the function's SDK configuration).
#[macro_export]
macro_rules! lambda_main {
    ($new:expr) => {
        fn main() -> Result<(), $crate::lambda::Error> {
            $crate::lambda::start($new)
        }
    };
}

pub use lambda_runtime::Error;

/// Log setup, the SDK configuration and a single-threaded runtime (a rule waits on AWS, it
/// does not compute), then [`run`].
pub fn start<R: Rule>(new: impl FnOnce(&SdkConfig) -> R) -> Result<(), Error> {
    init_tracing();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let sdk = crate::aws::load(None, None).await;
            run(new(&sdk), &sdk).await
        })
}

/// Serve Config rule events from the Lambda Runtime API until the process is stopped.
pub async fn run<R: Rule>(rule: R, sdk: &SdkConfig) -> Result<(), Error> {
    let config = ConfigService::new(sdk);
    let (rule, config) = (&rule, &config);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        // Listings are kept for the invocation only: the next one reads the account afresh.
        let scope = ScanScope::new(sdk.clone());
        handle(rule, config, &scope, event.payload).await
    }))
    .await
}

/// Evaluate one Config event and report the evaluations; the response summarises them.
/// A scheduled run reports only what changed since the results Config holds
/// ([`crate::changes`]); the counts by compliance are of every resource the run evaluated.
pub(crate) async fn handle<R: Rule>(
    rule: &R,
    config: &ConfigService,
    scope: &ScanScope,
    payload: Value,
) -> Result<Value, RuleError> {
    let id = rule.spec().id;
    let result: Result<Value, RuleError> = async {
        let invocation = Invocation::parse(payload)?;
        let evaluations = evaluate_invocation(rule, config, scope, &invocation).await?;
        for e in &evaluations {
            tracing::info!(
                rule = id,
                resource_type = %e.resource_type,
                resource_id = %e.resource_id,
                compliance = %e.compliance,
                annotation = %e.annotation,
                evaluated = e.evaluated,
                "evaluation"
            );
        }
        let count = |c: Compliance| evaluations.iter().filter(|e| e.compliance == c).count();
        let mut summary = json!({
            "rule": id,
            "evaluations": evaluations.len(),
            "compliant": count(Compliance::Compliant),
            "non_compliant": count(Compliance::NonCompliant),
            "not_applicable": count(Compliance::NotApplicable),
            "not_evaluated": evaluations.iter().filter(|e| !e.evaluated).count(),
        });
        let report = report_of(rule, config, &invocation, evaluations).await;
        let calls = config
            .put_evaluations(&invocation.result_token, &report.send)
            .await?;
        tracing::info!(
            rule = id,
            sent = report.send.len(),
            unchanged = report.unchanged,
            kept = report.kept,
            gone = report.gone,
            "reported"
        );
        summary["sent"] = json!(report.send.len());
        summary["unchanged"] = json!(report.unchanged);
        summary["gone"] = json!(report.gone);
        summary["kept"] = json!(report.kept);
        summary["full_report_because"] = json!(report.full_report_because);
        summary["put_evaluations_calls"] = json!(calls);
        Ok(summary)
    }
    .await;
    if let Err(err) = &result {
        tracing::error!(rule = id, error_type = err.error_type(), error = %err, "invocation failed");
    }
    result
}

/// What to send: the changes for a scheduled run; for a change-triggered run its
/// evaluation, unless the resource was unreadable and Config holds a result for it; for a
/// console test run (whose evaluations Config validates but does not store) everything.
async fn report_of<R: Rule>(
    rule: &R,
    config: &ConfigService,
    invocation: &Invocation,
    evaluations: Vec<Evaluation>,
) -> Changes {
    let name = invocation.config_rule_name.as_deref();
    match &invocation.message {
        _ if invocation.result_token == TEST_MODE_TOKEN => Changes::everything(evaluations),
        Message::Scheduled { notification_time } => {
            let swept: Vec<&str> = rule
                .spec()
                .resource_types
                .iter()
                .map(|t| t.as_str())
                .collect();
            let at = notification_time.unwrap_or_else(now);
            changes::scheduled_report(config, name, &swept, evaluations, at).await
        }
        Message::Change(_) | Message::Oversized(_) => {
            changes::change_report(config, name, evaluations).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::log_settings;

    #[test]
    fn lambda_log_controls_come_first_then_rust_log() {
        assert_eq!(log_settings(None, None, None), ("info".into(), true));
        assert_eq!(log_settings(Some("DEBUG"), Some("warn"), None).0, "debug");
        assert_eq!(log_settings(Some("FATAL"), None, None).0, "error");
        assert_eq!(log_settings(Some("bogus"), Some("warn"), None).0, "warn");
        assert_eq!(
            log_settings(None, Some("trace"), Some("JSON")),
            ("trace".into(), true)
        );
        assert!(!log_settings(None, None, Some("Text")).1);
    }
}
