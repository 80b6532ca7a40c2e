//! A rule binary run as Lambda runs it: Config events, the local Runtime API, what the run
//! answered and logged.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::emulator::Emulator;
use crate::runtime_api::{Outcome, RuntimeApi};

/// What a rule binary did in one run.
pub struct LambdaRun {
    /// Responses and errors it posted to the Runtime API, in order.
    pub outcomes: Vec<Outcome>,
    /// Its log lines (stdout), each expected to be one JSON object.
    pub logs: Vec<String>,
    /// From process spawn to the last expected outcome posted: for one event, the cold
    /// start plus the invocation.
    pub elapsed: Duration,
    /// From process spawn to its first poll for an event: the init phase alone.
    pub init: Option<Duration>,
    /// Peak resident set size of the process (`VmHWM`), in KiB, read before it is stopped.
    pub peak_rss_kib: Option<u64>,
}

impl LambdaRun {
    /// Log lines that record one evaluation each, parsed.
    pub fn evaluation_logs(&self) -> Vec<Value> {
        self.logs
            .iter()
            .map(|line| {
                serde_json::from_str::<Value>(line)
                    .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"))
            })
            .filter(|entry| entry["message"] == "evaluation")
            .collect()
    }

    /// `(resource_id, compliance)` of every evaluation the run logged, sent or not (a
    /// scheduled run does not send NOT_APPLICABLE where Config holds no result), sorted.
    pub fn logged_pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self
            .evaluation_logs()
            .iter()
            .map(|log| {
                let text = |key: &str| log[key].as_str().unwrap_or_default().to_string();
                (text("resource_id"), text("compliance"))
            })
            .collect();
        pairs.sort();
        pairs
    }
}

/// Run a rule binary against a local Runtime API serving `events` (each under its name,
/// which is its request id: tests find an event's outcome by it), until it has answered
/// them all.
pub fn run_lambda(
    binary: &Path,
    emulator: &Emulator,
    region: &str,
    events: Vec<(&str, Value)>,
) -> LambdaRun {
    run_lambda_command(
        Command::new(binary),
        emulator,
        region,
        events,
        Duration::from_secs(60),
    )
}

/// [`run_lambda`] for any Lambda runtime process (a rule binary, or the Python baseline of
/// the benchmarks), with the Lambda environment added to `command` (the emulator's
/// credentials only where `command` sets none of its own); waits at most `timeout` for the
/// answers.
pub fn run_lambda_command(
    mut command: Command,
    emulator: &Emulator,
    region: &str,
    events: Vec<(&str, Value)>,
    timeout: Duration,
) -> LambdaRun {
    let count = events.len();
    for (_, event) in &events {
        if let (Some(token), Some(rule)) = (
            event["resultToken"].as_str(),
            event["configRuleName"].as_str(),
        ) {
            emulator.issue_result_token(token, rule);
        }
    }
    let api = RuntimeApi::start(
        events
            .into_iter()
            .map(|(name, event)| (name.to_string(), event))
            .collect(),
    );
    let start = std::time::Instant::now();
    let function = Path::new(command.get_program())
        .file_name()
        .unwrap_or_default()
        .to_os_string();
    // What the caller set on `command` (another account's credentials) wins.
    let set: Vec<_> = command.get_envs().map(|(key, _)| key.to_owned()).collect();
    for (key, value) in emulator.env(region) {
        if !set.iter().any(|k| k == key) {
            command.env(key, value);
        }
    }
    let mut child = command
        .env("AWS_LAMBDA_FUNCTION_NAME", function)
        .env("AWS_LAMBDA_RUNTIME_API", api.address())
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "test")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the Lambda process starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    let outcomes = api.wait_for(count, timeout);
    let elapsed = start.elapsed();
    let init = api.first_poll().map(|at| at - start);
    let peak_rss_kib = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        });
    let still_running = matches!(child.try_wait(), Ok(None));
    let _ = child.kill();
    let _ = child.wait();
    let logs = reader.join().expect("log reader");
    assert!(
        still_running,
        "the Lambda process exited instead of polling for the next event"
    );
    LambdaRun {
        outcomes,
        logs,
        elapsed,
        init,
        peak_rss_kib,
    }
}

/// A Config rule event as AWS Config sends it: `invokingEvent` and `ruleParameters` are
/// JSON strings.
pub fn config_event(rule: &str, invoking: Value, token: &str, parameters: Option<Value>) -> Value {
    serde_json::json!({
        "version": "1.0",
        "invokingEvent": invoking.to_string(),
        "ruleParameters": parameters.map(|p| p.to_string()),
        "resultToken": token,
        "eventLeftScope": false,
        "executionRoleArn": "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
        "configRuleArn": format!("arn:aws:config:us-east-1:123456789012:config-rule/config-rule-{rule}"),
        "configRuleName": rule,
        "configRuleId": format!("config-rule-{rule}"),
        "accountId": "123456789012"
    })
}

pub const CAPTURE_TIME: &str = "2026-11-01T10:00:00.000Z";
/// `CAPTURE_TIME` in epoch seconds, as `PutEvaluations` carries it.
pub const CAPTURE_EPOCH: f64 = 1_793_527_200.0;

pub fn change_event(rule: &str, item: Value, token: &str, parameters: Option<Value>) -> Value {
    config_event(
        rule,
        serde_json::json!({
            "messageType": "ConfigurationItemChangeNotification",
            "configurationItem": item,
            "notificationCreationTime": "2026-11-01T10:00:05.000Z",
            "recordVersion": "1.3"
        }),
        token,
        parameters,
    )
}

pub fn oversized_event(rule: &str, summary: Value, token: &str) -> Value {
    config_event(
        rule,
        serde_json::json!({
            "messageType": "OversizedConfigurationItemChangeNotification",
            "configurationItemSummary": summary,
            "notificationCreationTime": "2026-11-01T10:00:05.000Z",
            "recordVersion": "1.3"
        }),
        token,
        None,
    )
}

pub fn scheduled_event(rule: &str, token: &str) -> Value {
    config_event(
        rule,
        serde_json::json!({
            "messageType": "ScheduledNotification",
            "notificationCreationTime": "2026-11-01T12:00:00.000Z",
            "awsAccountId": "123456789012"
        }),
        token,
        None,
    )
}

/// A configuration item envelope with Config's casing around `configuration`.
pub fn configuration_item(
    resource_type: &str,
    id: &str,
    name: &str,
    arn: &str,
    status: &str,
    configuration: Value,
) -> Value {
    serde_json::json!({
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": CAPTURE_TIME,
        "configurationItemStatus": status,
        "configurationStateId": 1,
        "awsAccountId": "123456789012",
        "resourceType": resource_type,
        "resourceId": id,
        "resourceName": name,
        "ARN": arn,
        "awsRegion": "us-east-1",
        "tags": {},
        "relationships": [],
        "configuration": configuration
    })
}

/// The outcome of the event named `name`.
pub fn outcome<'a>(outcomes: &'a [Outcome], name: &str) -> &'a Outcome {
    outcomes
        .iter()
        .find(|o| matches!(o, Outcome::Response { request_id, .. } | Outcome::Error { request_id, .. } if request_id == name))
        .unwrap_or_else(|| panic!("no outcome for {name}: {outcomes:#?}"))
}

/// Assert that the event named `name` got a Lambda error response of this type whose
/// message contains `message`.
pub fn assert_error_outcome(outcomes: &[Outcome], name: &str, error_type: &str, message: &str) {
    match outcome(outcomes, name) {
        Outcome::Error { body, .. } => {
            assert_eq!(body["errorType"], error_type, "{body}");
            let text = body["errorMessage"].as_str().unwrap_or_default();
            assert!(
                text.contains(message),
                "event {name}: {text:?} lacks {message:?}"
            );
        }
        other => panic!("event {name}: expected an error response, got {other:?}"),
    }
}

/// RFC 3986 percent-encoding (every byte but the unreserved ones), as IAM and AWS Config
/// deliver policy documents.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `GLIBC_x.y` versions `readelf` (binutils) lists for a binary's version needs, sorted;
/// `None` where readelf cannot be run.
pub fn readelf_glibc_versions(binary: &Path) -> Option<Vec<(u32, u32)>> {
    let out = Command::new("readelf")
        .args(["--version-info", "--wide"])
        .arg(binary)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut versions: Vec<(u32, u32)> = text
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("GLIBC_"))
        .filter_map(|v| {
            let (major, minor) = v.split_once('.')?;
            Some((major.parse().ok()?, minor.split('.').next()?.parse().ok()?))
        })
        .collect();
    versions.sort_unstable();
    versions.dedup();
    Some(versions)
}
