//! `gen status` on an emulated organization: a failed stack instance, a stopped recorder, a
//! rule Lambda that errors (known from Lambda's metrics: Config reports no status for custom
//! Lambda rules, bridge 26), a managed rule's last error and an account of the OU without a
//! stack instance are each named with a fix; the rest is OK, and a healthy view exits 0.

use guardrails_testkit::*;
use serde_json::{json, Value};

use crate::deploy::{binaries, exits, gen, SeededOrg, HOME};

const LAMBDA_RULE: &str = "neptune-cluster-iam-auth";
const MANAGED_RULE: &str = "neptune-cluster-encrypted";

fn status(emulator: &Emulator, args: &[&str]) -> (std::process::Output, String) {
    let mut all = vec!["status"];
    all.extend(args);
    gen(emulator, &all)
}

/// The row of `account` and `region` in `gen status --format json`.
fn place<'a>(rows: &'a [Value], account: &str, region: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["account"] == account && r["region"] == region)
        .unwrap_or_else(|| panic!("no row for {account} {region}"))
}

/// The entry of `rule` in a row's `rules`.
fn rule_of<'a>(row: &'a Value, rule: &str) -> &'a Value {
    row["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {row}"))
}

fn problems(row: &Value) -> Vec<String> {
    row["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert!(!p["fix"].as_str().unwrap().is_empty(), "{p}");
            p["problem"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn gen_status_exits_0_where_everything_is_healthy() {
    let emulator = Emulator::start();
    let org = SeededOrg::seed(&emulator, "organization-8");
    let dir = fresh_dir("status-healthy");
    binaries(&dir, "v1");
    exits(
        0,
        org.deploy(&emulator, &dir, &["--regions", &org.regions.join(",")]),
    );
    // The seeded stopped recorder's region left out; the rule Lambdas ran without an error.
    let quiet: Vec<&String> = org
        .regions
        .iter()
        .filter(|r| **r != org.stopped.1)
        .collect();
    for account in &org.accounts {
        for region in &quiet {
            emulator.record_lambda_invocations((account, region), LAMBDA_RULE, 3, 0);
        }
    }
    let quiet = quiet
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let text = exits(0, status(&emulator, &["--regions", &quiet]));
    assert!(
        text.contains(&format!(
            "{} account-region(s), 0 unhealthy",
            org.accounts.len() * 2
        )),
        "{text}"
    );
    assert!(!text.contains("fix:"), "{text}");
}

#[test]
fn gen_status_names_what_is_unhealthy_with_its_fix() {
    // One account refuses every stack update during the deploy; another joins the OU after
    // it (the emulator does not model a StackSet's automatic deployment, so it has no
    // instance); one rule Lambda fails; one managed rule's last run failed.
    let emulator = Emulator::start();
    let org = SeededOrg::seed(&emulator, "organization-8");
    let (accounts, regions) = (&org.accounts, &org.regions);
    let (stopped_account, stopped_region) = &org.stopped;
    let failing = accounts[2].clone();
    let dir = fresh_dir("status-unhealthy");
    binaries(&dir, "v1");
    emulator.fail_stack_updates_in(&[&failing]);
    exits(
        2,
        org.deploy(&emulator, &dir, &["--regions", &regions.join(",")]),
    );
    emulator.fail_stack_updates_in(&[]);
    let call = |op: &str, params: Value| emulator.call(HOME, None, "organizations", op, params);
    let root = call("list_roots", json!({}))["Roots"][0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let joined = call(
        "create_account",
        json!({"Email": "late@example.com", "AccountName": "late"}),
    )["CreateAccountStatus"]["AccountId"]
        .as_str()
        .unwrap()
        .to_string();
    call(
        "move_account",
        json!({"AccountId": joined, "SourceParentId": root, "DestinationParentId": org.ou}),
    );
    let erring = &accounts[0];
    emulator.record_lambda_invocations((erring, HOME), LAMBDA_RULE, 6, 2);
    emulator.record_lambda_invocations((&accounts[1], HOME), LAMBDA_RULE, 4, 0);
    let managed_failed = &accounts[3];
    emulator.record_rule_evaluation(
        (managed_failed, HOME),
        MANAGED_RULE,
        Some((
            "InternalError",
            "an internal error occurred while evaluating",
        )),
    );
    emulator.record_rule_evaluation((&accounts[5], HOME), MANAGED_RULE, None);

    let (out, text) = status(&emulator, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON rows");
    assert_eq!(rows.len(), (accounts.len() + 1) * regions.len());
    let mut unhealthy = Vec::new();
    for region in regions {
        let row = place(&rows, &failing, region);
        assert!(
            problems(row).iter().any(|p| p.contains("stack instance")
                && p.contains("FAILED")
                && p.contains("injected fault")),
            "{row}"
        );
        unhealthy.push((failing.clone(), region.clone()));
        let row = place(&rows, &joined, region);
        assert_eq!(row["stack_instance"], Value::Null);
        assert!(
            problems(row)
                .iter()
                .any(|p| p == "no stack instance of the StackSet"),
            "{row}"
        );
        unhealthy.push((joined.clone(), region.clone()));
    }
    let row = place(&rows, stopped_account, stopped_region);
    assert_eq!(row["recorder"]["recording"], false, "{row}");
    assert!(
        problems(row)
            .iter()
            .any(|p| p.contains("recorder is stopped")),
        "{row}"
    );
    unhealthy.push((stopped_account.clone(), stopped_region.clone()));
    let row = place(&rows, erring, HOME);
    assert_eq!(
        rule_of(row, LAMBDA_RULE)["lambda"],
        json!({"function": LAMBDA_RULE, "invocations": 6, "errors": 2}),
        "{row}"
    );
    assert!(
        problems(row).contains(&format!(
            "the Lambda of {LAMBDA_RULE} failed 2 of 6 invocation(s)"
        )),
        "{row}"
    );
    unhealthy.push((erring.clone(), HOME.to_string()));
    let row = place(&rows, managed_failed, HOME);
    assert!(
        problems(row).iter().any(|p| p
            .starts_with(&format!("the rule {MANAGED_RULE} last failed at "))
            && p.ends_with("InternalError: an internal error occurred while evaluating")),
        "{row}"
    );
    unhealthy.push((managed_failed.clone(), HOME.to_string()));

    // Everything else is healthy: every expected rule is there and was read, a Lambda that
    // ran cleanly included.
    let clean = place(&rows, &accounts[1], HOME);
    assert_eq!(
        rule_of(clean, LAMBDA_RULE)["lambda"],
        json!({"function": LAMBDA_RULE, "invocations": 4, "errors": 0}),
        "{clean}"
    );
    let ok = place(&rows, &accounts[5], HOME);
    assert!(
        rule_of(ok, MANAGED_RULE)["last_success"].is_string(),
        "{ok}"
    );
    for row in &rows {
        let at = (
            row["account"].as_str().unwrap().to_string(),
            row["region"].as_str().unwrap().to_string(),
        );
        assert_eq!(row["healthy"], !unhealthy.contains(&at), "{row}");
        if row["healthy"] == true {
            assert!(
                !row["rules"].as_array().unwrap().is_empty()
                    && row["rules"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|r| r["config_rule"].is_string()),
                "{row}"
            );
        }
    }

    // The contract's key table names exactly the keys of a row.
    let documented = contract_keys("## `gen status`");
    let mut real: Vec<String> = rows[0].as_object().unwrap().keys().cloned().collect();
    real.sort();
    assert_eq!(documented, real);

    // The table says the same, each problem with its fix; the page is self-contained.
    let text = exits(1, status(&emulator, &[]));
    assert!(
        text.contains(&format!("{erring}  {HOME}"))
            && text.contains("UNHEALTHY")
            && text.contains(&format!(
                "fix: read its log group /aws/lambda/{LAMBDA_RULE}"
            )),
        "{text}"
    );
    let (out, _) = status(&emulator, &["--format", "html"]);
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("default-src 'none'"));
    assert!(page.contains(&format!("the Lambda of {LAMBDA_RULE} failed 2 of 6")));
}
