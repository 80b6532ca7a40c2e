//! moto in server mode on 127.0.0.1 (through `tests/emulator/launcher.py`) and the estates
//! seeded into it with boto3 (`tests/emulator/seed.py`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

use crate::lambda::{configuration_item, url_encode};
use crate::paths::{python, workspace_root};

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

    /// A shipped runbook (`cfn/runbooks/NAME.yaml`) run by `tests/cfn/run_runbook.py` with
    /// `params` (`KEY=VALUE`), as the test credentials or, with `role`, as the emulator-made
    /// credentials of a role (`AWS_ACCESS_KEY_ID`, … as a seeded world gives them); the
    /// script's JSON answer.
    pub fn run_runbook(
        &self,
        region: &str,
        runbook: &str,
        params: &[String],
        role: Option<&Value>,
    ) -> Value {
        let mut command = Command::new(python());
        command
            .arg(workspace_root().join("tests/cfn/run_runbook.py"))
            .args(["--endpoint-url", &self.url, "--region", region, "--runbook"])
            .arg(workspace_root().join(format!("cfn/runbooks/{runbook}.yaml")));
        for param in params {
            command.arg("--param").arg(param);
        }
        if let Some(role) = role.and_then(Value::as_object) {
            command.arg("--as-role-from-env");
            for (key, value) in role {
                let key = key.replacen("AWS_", "GUARDRAILS_ROLE_", 1);
                command.env(key, value.as_str().unwrap_or_default());
            }
        }
        let out = command.output().expect("run_runbook.py runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("run_runbook.py prints JSON")
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

    /// `invocations` runs of the Lambda `function` in `account` and `region`, `errors` of
    /// them failed, in CloudWatch's `AWS/Lambda` metrics as Lambda reports them (bridge 27).
    pub fn record_lambda_invocations(
        &self,
        (account, region): (&str, &str),
        function: &str,
        invocations: u64,
        errors: u64,
    ) {
        let answer = self.get(&format!(
            "/_guardrails/lambda-invocations?account={account}&region={region}&function={}\
             &invocations={invocations}&errors={errors}",
            url_encode(function)
        ));
        assert!(
            serde_json::from_str::<Value>(&answer).is_ok(),
            "the emulator did not record the invocations: {answer}"
        );
    }

    /// One run of the Config rule `rule` in `account` and `region`: a success, or a failure
    /// with its error code and message, as DescribeConfigRuleEvaluationStatus then reports
    /// it (bridge 26).
    pub fn record_rule_evaluation(
        &self,
        (account, region): (&str, &str),
        rule: &str,
        error: Option<(&str, &str)>,
    ) {
        let failure = error.map_or(String::new(), |(code, message)| {
            format!(
                "&error={}&message={}",
                url_encode(code),
                url_encode(message)
            )
        });
        let answer = self.get(&format!(
            "/_guardrails/rule-evaluation?account={account}&region={region}&rule={}{failure}",
            url_encode(rule)
        ));
        assert!(
            serde_json::from_str::<Value>(&answer).is_ok(),
            "the emulator did not record the run: {answer}"
        );
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

    /// How many resources the world expects `rule` to find NON_COMPLIANT.
    pub fn failing(&self, rule: &str) -> u64 {
        self.expected_for(rule)
            .iter()
            .filter(|(_, c)| c == "NON_COMPLIANT")
            .count() as u64
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
