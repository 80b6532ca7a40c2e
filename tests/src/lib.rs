//! The test world of Neptune Guardrails: the moto emulator in server mode (through
//! `tests/emulator/launcher.py`), estates seeded with boto3 (`tests/emulator/seed.py`), and a
//! local Lambda Runtime API that hands real Config events to a rule binary.
//!
//! Python comes from `GUARDRAILS_PYTHON` or the workspace's `.venv` (made by `scripts/setup`).

mod runtime_api;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

pub use runtime_api::{Outcome, RuntimeApi};

/// The workspace folder (the one with `Cargo.lock`).
///
/// Found at run time from the manifest folder cargo gives the test process, not baked in at
/// compile time: cargo reuses a testkit compiled in another checkout of the workspace (it
/// hashes path dependencies relative to the workspace and judges freshness by file times),
/// and a baked-in path would point into that other checkout.
pub fn workspace_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    start
        .ancestors()
        .find(|folder| folder.join("Cargo.lock").is_file())
        .map(Path::to_path_buf)
        .expect("the tests run inside the workspace, which has a Cargo.lock")
}

pub fn python() -> PathBuf {
    std::env::var_os("GUARDRAILS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"))
}

/// A running moto server on 127.0.0.1. It exits when this process's end of its stdin closes,
/// so even a test binary that never drops it leaves nothing behind.
pub struct Emulator {
    pub url: String,
    port: u16,
    _child: Child,
    _keepalive: ChildStdin,
}

impl Emulator {
    pub fn start() -> Emulator {
        Emulator::start_with(&[])
    }

    /// An emulator of its own, with extra launcher options (e.g. `--ec2-page-size 5`).
    pub fn start_with(options: &[&str]) -> Emulator {
        let python = python();
        let mut child = Command::new(&python)
            .arg(workspace_root().join("tests/emulator/launcher.py"))
            .args(["--port", "0", "--exit-on-stdin-eof"])
            .args(options)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} (run scripts/setup first): {e}",
                    python.display()
                )
            });
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("the launcher prints its port");
        let port: u16 = first
            .trim()
            .strip_prefix("GUARDRAILS_EMULATOR_PORT=")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected launcher output: {first:?}"));
        let keepalive = child.stdin.take().expect("stdin is piped");
        Emulator {
            url: format!("http://127.0.0.1:{port}"),
            port,
            _child: child,
            _keepalive: keepalive,
        }
    }

    /// One emulator per test binary; tests isolate themselves by region.
    pub fn shared() -> &'static Emulator {
        static SHARED: OnceLock<Emulator> = OnceLock::new();
        SHARED.get_or_init(Emulator::start)
    }

    /// Seed a world (see `seed.py`) into `region`; returns what was made and the expected
    /// verdicts.
    pub fn seed(&self, region: &str, world: &str) -> World {
        let out = Command::new(python())
            .arg(workspace_root().join("tests/emulator/seed.py"))
            .args([
                "--endpoint-url",
                &self.url,
                "--region",
                region,
                "--world",
                world,
            ])
            .output()
            .expect("seed.py runs");
        assert!(
            out.status.success(),
            "seeding failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        World(serde_json::from_slice(&out.stdout).expect("seed.py prints JSON"))
    }

    /// One AWS call through boto3 (`aws_call.py`), as the caller's account or, with
    /// `account`, as that member account's `GuardrailsAudit` role; the result as JSON.
    pub fn call(
        &self,
        region: &str,
        account: Option<&str>,
        service: &str,
        operation: &str,
        params: Value,
    ) -> Value {
        let mut command = Command::new(python());
        command
            .arg(workspace_root().join("tests/emulator/aws_call.py"))
            .args(["--endpoint-url", &self.url, "--region", region]);
        if let Some(account) = account {
            command.args(["--account", account]);
        }
        let out = command
            .args([service, operation, &params.to_string()])
            .output()
            .expect("aws_call.py runs");
        assert!(
            out.status.success(),
            "{service} {operation} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("aws_call.py prints JSON")
    }

    /// `(resource id, compliance)` of the results AWS Config holds for a rule (what its
    /// evaluations left behind, bridge 18), sorted; up to 100.
    pub fn recorded_results(&self, region: &str, rule: &str) -> Vec<(String, String)> {
        let answer = self.call(
            region,
            None,
            "config",
            "get_compliance_details_by_config_rule",
            serde_json::json!({"ConfigRuleName": rule, "Limit": 100}),
        );
        let mut rows: Vec<(String, String)> = answer["EvaluationResults"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                let id =
                    &r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"];
                (
                    id.as_str().unwrap_or_default().to_string(),
                    r["ComplianceType"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        rows.sort();
        rows
    }

    /// Evaluations that reached `PutEvaluations` with this result token.
    pub fn evaluations(&self, token: &str) -> Vec<Value> {
        let body = self.get(&format!("/_guardrails/evaluations?token={token}"));
        let rows: Vec<Value> = serde_json::from_str(&body).expect("evaluations are JSON");
        rows.into_iter().map(|r| r["Evaluation"].clone()).collect()
    }

    /// `(resource id, compliance, annotation)` of the evaluations reported with this
    /// token, sorted.
    pub fn verdicts(&self, token: &str) -> Vec<(String, String, String)> {
        let mut rows: Vec<_> = self
            .evaluations(token)
            .into_iter()
            .map(|e| {
                let text = |key: &str| e[key].as_str().unwrap_or_default().to_string();
                (
                    text("ComplianceResourceId"),
                    text("ComplianceType"),
                    text("Annotation"),
                )
            })
            .collect();
        rows.sort();
        rows
    }

    /// `(resource id, compliance)` reported with this token, sorted.
    pub fn verdict_pairs(&self, token: &str) -> Vec<(String, String)> {
        self.verdicts(token)
            .into_iter()
            .map(|(id, c, _)| (id, c))
            .collect()
    }

    /// From now on PutConfigRule refuses the AWS managed rule `identifier` in `region`, as
    /// where AWS does not offer it (`None`: every rule AWS offers is taken again).
    pub fn withdraw_managed_rule(&self, withdrawn: Option<(&str, &str)>) {
        let query = withdrawn.map_or(String::new(), |(identifier, region)| {
            format!("identifier={identifier}&region={region}")
        });
        self.get(&format!("/_guardrails/withdraw-managed-rule?{query}"));
    }

    /// From now on PutRemediationConfigurations is refused in `region`, as where AWS Config
    /// does not offer remediation (`None`: offered everywhere again).
    pub fn withdraw_remediation(&self, region: Option<&str>) {
        let region = region.unwrap_or_default();
        self.get(&format!(
            "/_guardrails/withdraw-remediation?region={region}"
        ));
    }

    /// From now on every stack update in `accounts` fails (none: stops it), as one member
    /// account of an organization may refuse its StackSet update.
    pub fn fail_stack_updates_in(&self, accounts: &[&str]) {
        self.get(&format!(
            "/_guardrails/stack-update-faults?accounts={}",
            accounts.join(",")
        ));
    }

    /// From now on a share `rate` of API requests fails with throttling, 500 or 503 (AWS's
    /// error shapes), drawn from `seed`; `rate` 0 stops it. Returns nothing; read the injected
    /// faults with [`Emulator::faults`].
    pub fn inject_faults(&self, rate: f64, seed: u64) {
        self.inject_faults_where(rate, seed, "");
    }

    /// [`Emulator::inject_faults`] narrowed by the launcher's fault options, e.g.
    /// `kinds=stall&stall=2` or `actions=DescribeVpcEndpoints&kinds=internal-failure`.
    pub fn inject_faults_where(&self, rate: f64, seed: u64, options: &str) {
        let answer = self.get(&format!(
            "/_guardrails/faults?rate={rate}&seed={seed}&{options}"
        ));
        assert!(
            serde_json::from_str::<Value>(&answer).is_ok(),
            "the emulator refused the fault options `{options}`: {answer}"
        );
    }

    /// Issue an event's result token for its rule, as Config does when it invokes the rule's
    /// Lambda: the emulator then stores what the rule sends with that token as the rule's
    /// results and refuses tokens nobody issued (bridge 18).
    pub fn issue_result_token(&self, token: &str, rule: &str) {
        self.get(&format!(
            "/_guardrails/invocations?token={}&rule={}",
            url_encode(token),
            url_encode(rule)
        ));
    }

    /// Faults injected since the last [`Emulator::inject_faults`], by kind.
    pub fn faults(&self) -> std::collections::BTreeMap<String, u64> {
        serde_json::from_str(&self.get("/_guardrails/faults")).expect("fault counts are JSON")
    }

    /// API calls the emulator has served so far, by `service:Action`.
    pub fn calls(&self) -> std::collections::BTreeMap<String, u64> {
        serde_json::from_str(&self.get("/_guardrails/calls")).expect("call counts are JSON")
    }

    /// Seconds moto has spent serving API requests so far (the benchmark subtracts it to
    /// tell a runtime's own time from the emulator's).
    pub fn service_seconds(&self) -> f64 {
        let body: Value = serde_json::from_str(&self.get("/_guardrails/service-time"))
            .expect("service time is JSON");
        body["seconds"].as_f64().expect("seconds is a number")
    }

    /// Calls served since an earlier `calls()` reading (only the actions that grew).
    pub fn calls_since(
        &self,
        before: &std::collections::BTreeMap<String, u64>,
    ) -> std::collections::BTreeMap<String, u64> {
        self.calls()
            .into_iter()
            .filter_map(|(action, n)| {
                let grown = n - before.get(&action).copied().unwrap_or(0);
                (grown > 0).then_some((action, grown))
            })
            .collect()
    }

    fn get(&self, path: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("emulator reachable");
        write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").expect("request sent");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("response read");
        response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_string())
            .unwrap_or_default()
    }

    /// Environment for a process that talks to this emulator with dummy credentials.
    pub fn env(&self, region: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.url.clone()),
            ("AWS_REGION", region.to_string()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }
}

/// A seeded world as `seed.py` describes it.
pub struct World(pub Value);

impl World {
    pub fn cluster(&self, name: &str) -> &Value {
        &self.0["clusters"][name]
    }

    /// The names of the seeded DB clusters, sorted.
    pub fn cluster_names(&self) -> Vec<String> {
        self.0["clusters"]
            .as_object()
            .map(|clusters| clusters.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The AWS Config resource id (`cluster-…`) of a seeded DB cluster.
    pub fn cluster_id(&self, name: &str) -> String {
        self.cluster(name)["resource_id"]
            .as_str()
            .expect("cluster seeded")
            .to_string()
    }

    pub fn dms_endpoint_arn(&self, name: &str) -> String {
        self.0["dms_endpoints"][name]["arn"]
            .as_str()
            .expect("endpoint seeded")
            .to_string()
    }

    /// `(rule, resource_id) → expected compliance` for every resource of the world.
    pub fn expected(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for (key, verdict) in self.0["expected"].as_object().expect("expected verdicts") {
            let (rule, name) = key.split_once('/').expect("rule/name");
            let id = match rule {
                "neptune-dms-endpoint-iam-auth" => self.dms_endpoint_arn(name),
                "neptune-fgac-policy-hygiene" => self.iam_id(name),
                // AWS Config knows a cluster snapshot by its identifier.
                _ if self.0["snapshots"].get(name).is_some() => name.to_string(),
                _ => self.cluster_id(name),
            };
            out.push((
                rule.to_string(),
                id,
                verdict.as_str().expect("verdict").to_string(),
            ));
        }
        out.sort();
        out
    }

    /// `(resource_id, expected compliance)` for one rule, sorted.
    pub fn expected_for(&self, rule: &str) -> Vec<(String, String)> {
        self.expected()
            .into_iter()
            .filter(|(r, _, _)| r == rule)
            .map(|(_, id, c)| (id, c))
            .collect()
    }

    /// What a scheduled run of `rule` sends when Config holds nothing for it yet: the
    /// COMPLIANT and NON_COMPLIANT verdicts of [`World::expected_for`] (NOT_APPLICABLE is
    /// absence, so it is not sent where no result stands), sorted.
    pub fn expected_sent_for(&self, rule: &str) -> Vec<(String, String)> {
        self.expected_for(rule)
            .into_iter()
            .filter(|(_, compliance)| compliance != "NOT_APPLICABLE")
            .collect()
    }

    /// A configuration item of a seeded DB cluster, with Config's casing around
    /// `configuration`.
    pub fn cluster_item(&self, name: &str, status: &str, configuration: Value) -> Value {
        let c = self.cluster(name);
        configuration_item(
            "AWS::RDS::DBCluster",
            c["resource_id"].as_str().expect("cluster seeded"),
            name,
            c["arn"].as_str().expect("cluster seeded"),
            status,
            configuration,
        )
    }

    /// The AWS Config resource id (PolicyId, RoleId, UserId, GroupId) of a seeded IAM entity.
    pub fn iam_id(&self, name: &str) -> String {
        self.0["iam"][name]["resource_id"]
            .as_str()
            .unwrap_or_else(|| panic!("IAM entity {name} seeded"))
            .to_string()
    }

    /// The name a resource id was seeded under (for readable assertion messages).
    pub fn name_of(&self, resource_id: &str) -> String {
        for kind in ["clusters", "dms_endpoints", "iam"] {
            for (name, facts) in self.0[kind].as_object().into_iter().flatten() {
                if facts["resource_id"] == resource_id || facts["arn"] == resource_id {
                    return name.clone();
                }
            }
        }
        resource_id.to_string()
    }
}

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
/// the benchmarks), with the Lambda environment added to `command`; waits at most `timeout`
/// for the answers.
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
    let mut child = command
        .envs(emulator.env(region))
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

/// One policy of the labelled corpus (`tests/policies/labels.json`).
#[derive(Debug, Clone)]
pub struct PolicyLabel {
    /// File name under `tests/policies/corpus`.
    pub file: String,
    pub compliance: String,
    /// Expected finding codes, sorted.
    pub codes: Vec<String>,
    pub include_admin: bool,
    pub attached_to_user: bool,
    pub note: String,
    /// Codes this policy is a near miss for: it must not raise them.
    pub negative_for: Vec<String>,
    /// For a principal's entry: the corpus files it holds; `file` is then empty.
    pub principal: Option<PrincipalFiles>,
}

/// The policies of one principal of the corpus, by origin (file names under the corpus).
#[derive(Debug, Clone, Default)]
pub struct PrincipalFiles {
    pub name: String,
    pub own: Vec<String>,
    pub attached: Vec<String>,
    pub aws_managed: Vec<String>,
    pub group: Vec<String>,
    pub boundary: Option<String>,
}

impl PolicyLabel {
    pub fn path(&self) -> PathBuf {
        policy_corpus().join(&self.file)
    }

    /// Whether the label needs analyzer context beyond the defaults.
    pub fn has_context(&self) -> bool {
        self.include_admin || self.attached_to_user
    }
}

pub fn policy_corpus() -> PathBuf {
    workspace_root().join("tests/policies/corpus")
}

/// The corpus's single policies.
pub fn policy_labels() -> Vec<PolicyLabel> {
    all_labels()
        .into_iter()
        .filter(|l| l.principal.is_none())
        .collect()
}

/// The corpus's principals, each a set of its files.
pub fn principal_labels() -> Vec<PolicyLabel> {
    all_labels()
        .into_iter()
        .filter(|l| l.principal.is_some())
        .collect()
}

fn all_labels() -> Vec<PolicyLabel> {
    let path = workspace_root().join("tests/policies/labels.json");
    let labels: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("labels.json"))
        .expect("labels.json is JSON");
    labels
        .as_array()
        .expect("labels.json is a list")
        .iter()
        .map(|l| {
            let text = |key: &str| l[key].as_str().unwrap_or_default().to_string();
            let mut codes: Vec<String> = l["codes"]
                .as_array()
                .expect("codes")
                .iter()
                .map(|c| c.as_str().expect("code").to_string())
                .collect();
            codes.sort_unstable();
            let files = |key: &str| -> Vec<String> {
                l[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f.as_str().map(str::to_string))
                    .collect()
            };
            let principal = l["principal"].as_str().map(|name| PrincipalFiles {
                name: name.to_string(),
                own: files("own"),
                attached: files("attached"),
                aws_managed: files("aws_managed"),
                group: files("group"),
                boundary: l["boundary"].as_str().map(str::to_string),
            });
            PolicyLabel {
                principal,
                file: text("file"),
                compliance: text("compliance"),
                codes,
                include_admin: l["include_admin"].as_bool().unwrap_or(false),
                attached_to_user: l["attached_to_user"].as_bool().unwrap_or(false),
                note: text("note"),
                negative_for: l["negative_for"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect(),
            }
        })
        .collect()
}

/// Fails unless every call is one of the IAM actions a rule's Lambda role grants. The
/// emulator names a call by its SigV4 signing name and action, which is the IAM action
/// (Neptune signs as `rds`).
pub fn assert_calls_declared(calls: &std::collections::BTreeMap<String, u64>, granted: &[&str]) {
    let undeclared: Vec<_> = calls
        .keys()
        .filter(|action| !granted.contains(&action.as_str()))
        .collect();
    assert!(
        undeclared.is_empty(),
        "calls outside the rule's declared permissions {granted:?}: {undeclared:?}"
    );
    assert!(!calls.is_empty(), "no AWS calls were observed");
}

/// Violations of the official SARIF 2.1.0 schema in `log` (`tests/report/validate_sarif.py`,
/// schema fetched by `scripts/setup`), one `path: message` line each; empty when valid.
pub fn sarif_violations(log: &str) -> String {
    let schema = workspace_root().join(".venv/sarif-schema-2.1.0.json");
    assert!(
        schema.exists(),
        "{} is missing: run scripts/setup",
        schema.display()
    );
    validator_report(
        "validate_sarif.py",
        &[schema.to_str().expect("UTF-8 path")],
        log,
    )
}

/// Problems botocore's Security Hub model finds in an ASFF findings array taken as the
/// `Findings` of BatchImportFindings (`tests/report/validate_asff.py`); empty when valid.
pub fn asff_violations(findings: &str) -> String {
    validator_report("validate_asff.py", &[], findings)
}

/// Problems py-ocsf-models finds in an array of OCSF Compliance Finding events
/// (`tests/report/validate_ocsf.py`); empty when valid.
pub fn ocsf_violations(events: &str) -> String {
    validator_report("validate_ocsf.py", &[], events)
}

/// Run a `tests/report` validator on `input`; its report (empty when the input is valid).
fn validator_report(script: &str, args: &[&str], input: &str) -> String {
    let mut child = Command::new(python())
        .arg(workspace_root().join("tests/report").join(script))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{script} runs: {e}"));
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("the input is written");
    let out = child.wait_with_output().expect("the validator ends");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        out.status.success(),
        text.is_empty(),
        "{script}: exit status disagrees with its output: {text}"
    );
    text
}

/// Report a fault-injection run (`faults` injected, evaluations `expected` against
/// `delivered`, both sorted) and require that faults were injected and nothing was lost or
/// doubled.
pub fn assert_nothing_lost<T: PartialEq + std::fmt::Debug>(
    label: &str,
    faults: &std::collections::BTreeMap<String, u64>,
    expected: &[T],
    delivered: &[T],
) {
    let injected: u64 = faults.values().sum();
    println!(
        "fault injection ({label}): {injected} faults injected {faults:?}; evaluations expected {}, delivered {}, lost {}",
        expected.len(),
        delivered.len(),
        expected.iter().filter(|e| !delivered.contains(e)).count()
    );
    assert!(injected > 0, "the seed injects faults");
    assert_eq!(
        delivered, expected,
        "every evaluation delivered once, none lost or doubled"
    );
}

/// The rule declarations as `gen rules --json` lists them (the catalog's one list, in its
/// order): what tests derive their rule lists from.
pub fn rules(gen: &Path) -> Vec<Value> {
    let out = run_gen(gen, None, &["rules", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("gen rules --json prints JSON")
}

/// The rule ids, in catalog order.
pub fn rule_ids(gen: &Path) -> Vec<String> {
    rules(gen)
        .iter()
        .map(|r| r["id"].as_str().expect("an id").to_string())
        .collect()
}

/// The ids of the rules delivered as Lambdas of ours (the binaries, zips and functions), in
/// catalog order; the others are AWS managed rules.
pub fn lambda_ids(gen: &Path) -> Vec<String> {
    rules(gen)
        .iter()
        .filter(|r| r["delivery"]["lambda"].is_string())
        .map(|r| r["id"].as_str().expect("an id").to_string())
        .collect()
}

/// The names of the runbooks the pack deploys (ours; AWS-owned ones exist in every account).
pub fn own_runbooks(gen: &Path) -> Vec<String> {
    rules(gen)
        .iter()
        .filter_map(|r| r["runbook"].as_str())
        .filter(|name| name.starts_with("NeptuneGuardrails-"))
        .map(str::to_string)
        .collect()
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

/// A fresh, empty directory for one test's files (under the system's temporary directory,
/// named after the test and this process).
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join("neptune-guardrails-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// Run `gen` with `args`, against `emulator` in `region` when given; stdout and stderr are
/// captured.
pub fn run_gen(
    gen: &Path,
    emulator: Option<(&Emulator, &str)>,
    args: &[&str],
) -> std::process::Output {
    let mut command = Command::new(gen);
    if let Some((emulator, region)) = emulator {
        command.envs(emulator.env(region));
    }
    command.args(args).output().expect("gen runs")
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
