//! `gen scan` under AWS errors: transient ones change no verdict (the retries absorb them),
//! and a call that keeps failing leaves the resources it decides not evaluated or failing as
//! read, with the call named — never a different verdict, never a silently missing row.

use std::collections::BTreeMap;

use guardrails_testkit::*;
use serde_json::Value;

const REGION: &str = "eu-west-1";

/// The estate, IAM and role-chaining worlds on an emulator of this test's own (faults are
/// emulator-wide).
fn seeded() -> Emulator {
    let emulator = Emulator::start();
    for world in ["estate", "iam", "chaining"] {
        emulator.seed(REGION, world);
    }
    emulator
}

/// `gen scan --format json`: its rows (none when it printed no JSON), stderr and exit code.
fn scan(emulator: &Emulator) -> (Vec<Value>, String, Option<i32>) {
    let out = run_gen(
        env!("CARGO_BIN_EXE_gen").as_ref(),
        Some((emulator, REGION)),
        &["scan", "--format", "json"],
    );
    let rows = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (rows, stderr, out.status.code())
}

fn by_resource(rows: &[Value]) -> BTreeMap<(String, String), &Value> {
    rows.iter()
        .map(|r| {
            let text = |key: &str| r[key].as_str().unwrap_or_default().to_string();
            let key = (text("rule"), text("resource_id"));
            (key, r)
        })
        .collect()
}

#[test]
fn injected_faults_change_no_verdict() {
    let emulator = seeded();
    let sorted = |rows: Vec<Value>| {
        let mut rows: Vec<String> = rows.iter().map(Value::to_string).collect();
        rows.sort();
        rows
    };
    let calm = sorted(scan(&emulator).0);
    emulator.inject_faults(0.25, 11);
    let stormy = sorted(scan(&emulator).0);
    let faults = emulator.faults();
    emulator.inject_faults(0.0, 0);
    assert_nothing_lost("gen scan, every rule", &faults, &calm, &stormy);
}

/// How a row may differ from the calm scan's when `action` fails on every attempt: not
/// evaluated, or the verdict that was read standing with the failure named (a finding whose
/// exemption could not be checked stays a finding).
fn acceptable(calm: &Value, stormy: &Value, action: &str) -> bool {
    let annotation = stormy["annotation"].as_str().unwrap_or_default();
    let names_it = annotation.contains(action);
    let not_evaluated = stormy["evaluated"] == false && stormy["compliance"] == "NOT_APPLICABLE";
    let stands = stormy["compliance"] == calm["compliance"] && stormy["evaluated"] == true;
    let exemption_unread =
        stormy["compliance"] == "NON_COMPLIANT" && annotation.contains("(exemption not checked:");
    names_it && (not_evaluated || stands || exemption_unread)
}

/// Each API call the scan makes, refused on every attempt in turn (AccessDenied: as final as
/// a throttle that outlasts the retries, without their back-off).
#[test]
fn a_call_that_keeps_failing_changes_no_verdict_it_did_not_read() {
    let emulator = seeded();
    let before = emulator.calls();
    let (calm, _, code) = scan(&emulator);
    assert_eq!(code, Some(1), "the worlds have findings");
    let calm = by_resource(&calm);
    let actions: Vec<String> = emulator
        .calls_since(&before)
        .into_keys()
        .filter_map(|call| call.split_once(':').map(|(_, action)| action.to_string()))
        .collect();
    assert!(actions.len() >= 15, "the scan reads many APIs: {actions:?}");
    let mut unjudged = 0;
    for action in &actions {
        emulator.inject_faults_where(1.0, 1, &format!("kinds=access-denied&actions={action}"));
        let (rows, stderr, code) = scan(&emulator);
        emulator.inject_faults(0.0, 0);
        if action == "GetCallerIdentity" {
            assert!(rows.is_empty() && code == Some(2), "{stderr}");
            assert!(stderr.contains("cannot tell which account"), "{stderr}");
            continue;
        }
        let stormy = by_resource(&rows);
        for (key, row) in &stormy {
            let before = calm
                .get(key)
                .unwrap_or_else(|| panic!("{action}: new row {row}"));
            if row != before {
                unjudged += 1;
                assert!(
                    acceptable(before, row, action),
                    "{action}: {before} became {row}"
                );
            }
        }
        let lost: Vec<_> = calm.keys().filter(|k| !stormy.contains_key(*k)).collect();
        for (rule, _) in &lost {
            assert!(
                stderr.contains(&format!("rule {rule} could not evaluate"))
                    && stderr.contains(action.as_str())
                    && code == Some(2),
                "{action}: rows of {rule} missing without a word: {stderr}"
            );
        }
    }
    println!(
        "persistent faults on {} actions: {unjudged} rows left unjudged or annotated",
        actions.len()
    );
    assert!(unjudged > 0, "some failure reached a verdict");
}
