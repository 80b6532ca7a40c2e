//! Benchmarks of the rule Lambdas, side by side in one run on this machine (see
//! `scripts/bench`): cold start (spawn → first evaluation response posted to a local Lambda
//! Runtime API), peak RSS and AWS calls of each release rule binary against the same
//! measurement of its Python/boto3 baseline (`tests/bench/baseline_rules.py`), zipped
//! `bootstrap` sizes, and the AWS calls of a scheduled evaluation of N clusters against the
//! minimum. Prints one JSON line per figure, then a table. Targets live here, never in
//! tests.
//!
//! `bench [--binaries DIR] [--runs N] [--resources N,N...]`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use guardrails_testkit::*;
use serde_json::json;

const REGION: &str = "eu-west-1";

struct Options {
    binaries: PathBuf,
    /// The rule ids (`gen rules --ids`, which scripts/bench passes).
    rules: Vec<String>,
    runs: usize,
    resources: Vec<usize>,
}

fn options() -> Options {
    let mut options = Options {
        binaries: workspace_root().join("target/release"),
        rules: Vec::new(),
        runs: 5,
        resources: vec![1000, 10000],
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair
            .get(1)
            .unwrap_or_else(|| panic!("{} needs a value", pair[0]));
        match pair[0].as_str() {
            "--binaries" => options.binaries = PathBuf::from(value),
            "--rules" => options.rules = value.split(',').map(str::to_string).collect(),
            "--runs" => options.runs = value.parse().expect("--runs N"),
            "--resources" => {
                options.resources = value
                    .split(',')
                    .map(|n| n.parse().expect("--resources N,N"))
                    .collect()
            }
            other => panic!(
                "unknown option {other} (--binaries DIR, --rules ID,ID, --runs N, --resources N,N)"
            ),
        }
    }
    assert!(
        !options.rules.is_empty(),
        "--rules ID,ID is required (gen rules --ids)"
    );
    options
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One runtime's cold start: medians over the runs.
struct ColdStart {
    /// Spawn → first evaluation response posted.
    total_ms: f64,
    /// Spawn → first poll for an event (init phase).
    init_ms: f64,
    peak_rss_kib: u64,
    /// AWS calls of one run, by `service:Action`.
    calls: std::collections::BTreeMap<String, u64>,
    /// The part of `total_ms` the emulator spent serving those calls.
    emulator_ms: f64,
}

impl ColdStart {
    /// Cold start less the emulator's service time: the runtime's own work (start-up,
    /// SDK, serialisation, the rule's logic, the Runtime API exchange).
    fn own_ms(&self) -> f64 {
        self.total_ms - self.emulator_ms
    }

    /// The JSON line of this measurement, with `extra` fields added.
    fn json(&self, runtime: &str, rule: &str, extra: serde_json::Value) -> serde_json::Value {
        let mut line = json!({"bench": "cold_start", "runtime": runtime, "rule": rule, "median_ms": self.total_ms, "median_init_ms": self.init_ms, "median_emulator_ms": self.emulator_ms, "own_ms": self.own_ms(), "peak_rss_kib": self.peak_rss_kib, "aws_calls": self.calls});
        if let (Some(line), serde_json::Value::Object(extra)) = (line.as_object_mut(), extra) {
            line.extend(extra);
        }
        line
    }
}

/// Cold start of `runs` runs of one scheduled event each, for the rule deployed under the
/// Config rule name `rule_name` (the baseline has its own, so that each runtime's runs after
/// the first find their own results and send nothing, as in steady state).
fn cold_start(
    emulator: &Emulator,
    command: impl Fn() -> Command,
    rule: &str,
    rule_name: &str,
    runs: usize,
) -> ColdStart {
    let mut times = Vec::new();
    let mut inits = Vec::new();
    let mut rss = 0;
    let mut calls = std::collections::BTreeMap::new();
    let mut served = Vec::new();
    for i in 0..runs {
        let before = emulator.calls();
        let serving_before = emulator.service_seconds();
        let token = format!("bench-{rule_name}-{i}");
        let mut event = scheduled_event(rule, &token);
        event["configRuleName"] = json!(rule_name);
        let run = run_lambda_command(
            command(),
            emulator,
            REGION,
            vec![(token.as_str(), event)],
            Duration::from_secs(120),
        );
        match outcome(&run.outcomes, &token) {
            Outcome::Response { .. } => {}
            other => panic!("{rule} did not answer: {other:?}"),
        }
        calls = emulator.calls_since(&before);
        served.push((emulator.service_seconds() - serving_before) * 1000.0);
        times.push(millis(run.elapsed));
        inits.push(millis(run.init.unwrap_or(run.elapsed)));
        rss = rss.max(run.peak_rss_kib.unwrap_or(0));
    }
    ColdStart {
        total_ms: median(times),
        init_ms: median(inits),
        peak_rss_kib: rss,
        calls,
        emulator_ms: median(served),
    }
}

/// Size of the deflated zip of a binary named `bootstrap`, as `gen deploy` packages it.
fn zipped_size(binary: &Path) -> u64 {
    use std::io::Write;
    let bytes = std::fs::read(binary).unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .unix_permissions(0o755);
    zip.start_file("bootstrap", options).expect("zip entry");
    zip.write_all(&bytes).expect("zip write");
    zip.finish().expect("zip finish");
    out.into_inner().len() as u64
}

fn main() {
    let options = options();
    let mut table = Vec::new();
    let emulator = Emulator::start();
    emulator.seed(REGION, "estate");
    emulator.seed(REGION, "iam");

    let python = python();
    let baselines = workspace_root().join("tests/bench/baseline_rules.py");
    for rule in &options.rules {
        let baseline = cold_start(
            &emulator,
            || {
                let mut command = Command::new(&python);
                // boto3 reads the region from AWS_DEFAULT_REGION.
                command
                    .arg(&baselines)
                    .arg(rule)
                    .env("AWS_DEFAULT_REGION", REGION);
                command
            },
            rule,
            &format!("{rule}-python-baseline"),
            options.runs,
        );
        println!(
            "{}",
            baseline.json("python-boto3-baseline", rule, json!({}))
        );
        let binary = options.binaries.join(rule);
        let run = cold_start(
            &emulator,
            || Command::new(&binary),
            rule,
            rule,
            options.runs,
        );
        let zipped = zipped_size(&binary);
        println!(
            "{}",
            run.json(
                "rust",
                rule,
                json!({"zipped_bootstrap_bytes": zipped, "speedup_vs_python": baseline.total_ms / run.total_ms, "init_speedup_vs_python": baseline.init_ms / run.init_ms, "own_speedup_vs_python": baseline.own_ms() / run.own_ms()})
            )
        );
        table.push(format!(
            "| cold start, {rule} | {:.1} ms vs Python {:.0} ms ({:.0}×); init {:.1} ms vs {:.0} ms ({:.0}×); less the emulator's {:.1} / {:.1} ms: {:.1} ms vs {:.0} ms ({:.0}×) | peak RSS {:.1} MiB vs {:.1} MiB, zip {:.2} MiB; AWS calls {} vs {} |",
            run.total_ms,
            baseline.total_ms,
            baseline.total_ms / run.total_ms,
            run.init_ms,
            baseline.init_ms,
            baseline.init_ms / run.init_ms,
            run.emulator_ms,
            baseline.emulator_ms,
            run.own_ms(),
            baseline.own_ms(),
            baseline.own_ms() / run.own_ms(),
            run.peak_rss_kib as f64 / 1024.0,
            baseline.peak_rss_kib as f64 / 1024.0,
            zipped as f64 / 1_048_576.0,
            run.calls.values().sum::<u64>(),
            baseline.calls.values().sum::<u64>(),
        ));
    }

    let binary = options.binaries.join("neptune-cluster-iam-auth");
    for (i, &size) in options.resources.iter().enumerate() {
        let region = ["us-east-2", "ap-northeast-1", "sa-east-1", "eu-north-1"][i % 4];
        let seeding = std::time::Instant::now();
        let world = emulator.seed(region, &format!("fleet-{size}"));
        let seeded = seeding.elapsed();
        let pages = size.div_ceil(100) as u64;
        // First run (no results held), a run with nothing changed (its one empty
        // PutEvaluations included), a run after 1 % changed.
        for (stage, minimum) in [
            ("first", 2 * pages + 1),
            ("unchanged", 2 * pages + 1),
            (
                "changed-1pct",
                2 * pages + (size / 100).div_ceil(100) as u64,
            ),
        ] {
            if stage == "changed-1pct" {
                for name in world.cluster_names().into_iter().step_by(100) {
                    emulator.call(region, None, "neptune", "modify_db_cluster", json!({"DBClusterIdentifier": name, "EnableIAMDatabaseAuthentication": !world.cluster(&name)["iam_auth"].as_bool().unwrap_or(false), "ApplyImmediately": true}));
                }
            }
            let before = emulator.calls();
            let token = format!("bench-fleet-{size}-{stage}");
            let run = run_lambda_command(
                Command::new(&binary),
                &emulator,
                region,
                vec![(
                    token.as_str(),
                    scheduled_event("neptune-cluster-iam-auth", &token),
                )],
                Duration::from_secs(900),
            );
            match outcome(&run.outcomes, &token) {
                Outcome::Response { .. } => {}
                other => panic!("the {size}-cluster {stage} run did not answer: {other:?}"),
            }
            let calls = emulator.calls_since(&before);
            let made: u64 = calls.values().sum();
            let sent = emulator.evaluations(&token).len();
            println!(
                "{}",
                json!({"bench": "scheduled_evaluation", "rule": "neptune-cluster-iam-auth", "resources": size, "stage": stage, "evaluations_sent": sent, "aws_calls": made, "minimum_calls": minimum, "ratio": made as f64 / minimum as f64, "wall_ms": millis(run.elapsed), "calls": calls, "seeding_s": seeded.as_secs_f64()})
            );
            table.push(format!(
                "| scheduled evaluation, {size} clusters, {stage} | {sent} evaluations sent; {made} calls / minimum {minimum} = {:.2}× | {:.2} s wall (emulator) |",
                made as f64 / minimum as f64,
                run.elapsed.as_secs_f64()
            ));
        }
    }

    println!("\n| figure | result | detail |\n|---|---|---|");
    for line in table {
        println!("{line}");
    }
}
