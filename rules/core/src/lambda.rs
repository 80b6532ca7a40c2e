//! The Lambda side: structured JSON logs and the handler every rule binary runs.

use aws_config::SdkConfig;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Value};

use crate::config_service::ConfigService;
use crate::evaluation::Compliance;
use crate::event::Invocation;
use crate::rule::{evaluate_invocation, Rule, RuleError};

/// JSON logs, one object per line (level from `RUST_LOG`, default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
}

/// Serve Config rule events from the Lambda Runtime API until the process is stopped.
pub async fn run<R: Rule>(rule: R, sdk: &SdkConfig) -> Result<(), lambda_runtime::Error> {
    let config = ConfigService::new(sdk);
    let (rule, config) = (&rule, &config);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        handle(rule, config, event.payload).await
    }))
    .await
}

/// Evaluate one Config event and report the evaluations; the response summarises them.
pub async fn handle<R: Rule>(
    rule: &R,
    config: &ConfigService,
    payload: Value,
) -> Result<Value, RuleError> {
    let id = rule.spec().id;
    let result: Result<Value, RuleError> = async {
        let invocation = Invocation::parse(payload)?;
        let evaluations = evaluate_invocation(rule, config, &invocation).await?;
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
        let calls = config
            .put_evaluations(&invocation.result_token, &evaluations)
            .await?;
        let count = |c: Compliance| evaluations.iter().filter(|e| e.compliance == c).count();
        Ok(json!({
            "rule": id,
            "evaluations": evaluations.len(),
            "compliant": count(Compliance::Compliant),
            "non_compliant": count(Compliance::NonCompliant),
            "not_applicable": count(Compliance::NotApplicable),
            "not_evaluated": evaluations.iter().filter(|e| !e.evaluated).count(),
            "put_evaluations_calls": calls,
        }))
    }
    .await;
    if let Err(err) = &result {
        tracing::error!(rule = id, error_type = err.error_type(), error = %err, "invocation failed");
    }
    result
}
