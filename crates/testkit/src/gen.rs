//! `gen` as a test runs it.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::emulator::Emulator;

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
