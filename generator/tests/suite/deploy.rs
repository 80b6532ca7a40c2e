//! `gen deploy` / `gen destroy` against an emulated organization: deploy, re-deploy (no
//! change), a changed rule (only its zip and the StackSet change), dry runs (no change),
//! destroy, purge; rules only where their Lambdas and a Config recorder are, in both delivery
//! modes; and the preconditions that stop a deploy before it changes anything.

use std::path::{Path, PathBuf};
use std::process::Output;

use guardrails_testkit::*;
use serde_json::{json, Value};

const ADMIN: &str = "123456789012";
pub(crate) const HOME: &str = "eu-west-1";
const OTHER: &str = "us-west-2";
const STACKSETS: &str = "member.org.stacksets.cloudformation.amazonaws.com";

/// The ids of the rules with a Lambda (a binary, a zip and a code key), from the catalog.
fn rule_ids() -> Vec<String> {
    guardrails_testkit::lambda_ids(env!("CARGO_BIN_EXE_gen").as_ref())
}

/// Rule ids, sorted: every rule, or only those on regional resources.
fn sorted_ids(regional_only: bool) -> Vec<String> {
    sorted_rule_ids(regional_only, false)
}

/// Rule ids, sorted: of every rule or only those with a Lambda; all or only regional ones.
fn sorted_rule_ids(regional_only: bool, lambdas_only: bool) -> Vec<String> {
    let mut ids: Vec<String> = guardrails_testkit::rules(env!("CARGO_BIN_EXE_gen").as_ref())
        .iter()
        .filter(|r| !(regional_only && r["global"] == true))
        .filter(|r| !(lambdas_only && r["delivery"]["lambda"].is_null()))
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

struct Org {
    ou: String,
    /// In the OU, with an AWS Config recorder in HOME and OTHER.
    member: String,
    /// In the OU, without a recorder.
    unrecorded: String,
    /// Outside the OU (in the root), with a recorder.
    outside: String,
}

/// An AWS Config recorder (recording IAM too) in `account` and `region`, with its delivery
/// channel, started.
fn add_recorder(emulator: &Emulator, account: &str, region: &str) {
    let config = |op: &str, params: Value| {
        emulator.call(region, Some(account), "config", op, params);
    };
    config(
        "put_configuration_recorder",
        json!({"ConfigurationRecorder": {
            "name": "default",
            "roleARN": format!("arn:aws:iam::{account}:role/config-recorder"),
            "recordingGroup": {"allSupported": true, "includeGlobalResourceTypes": true},
        }}),
    );
    config(
        "put_delivery_channel",
        json!({"DeliveryChannel": {"name": "default", "s3BucketName": format!("config-{account}")}}),
    );
    config(
        "start_configuration_recorder",
        json!({"ConfigurationRecorderName": "default"}),
    );
}

/// An organization with one OU holding two member accounts (one without a Config
/// recorder) and one account outside it; trusted access for StackSets when `trusted`. The
/// management account has a recorder too.
fn organization(emulator: &Emulator, trusted: bool) -> Org {
    let call = |op: &str, params: Value| emulator.call(HOME, None, "organizations", op, params);
    call("create_organization", json!({"FeatureSet": "ALL"}));
    let root = call("list_roots", json!({}))["Roots"][0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let ou = call(
        "create_organizational_unit",
        json!({"ParentId": root, "Name": "graph-teams"}),
    )["OrganizationalUnit"]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let account = |name: &str| {
        call(
            "create_account",
            json!({"Email": format!("{name}@example.com"), "AccountName": name}),
        )["CreateAccountStatus"]["AccountId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (member, unrecorded, outside) = (account("graph"), account("sandbox"), account("web"));
    for moved in [&member, &unrecorded] {
        call(
            "move_account",
            json!({"AccountId": moved, "SourceParentId": root, "DestinationParentId": ou}),
        );
    }
    for region in [HOME, OTHER] {
        for recorded in [&member, &outside, &ADMIN.to_string()] {
            add_recorder(emulator, recorded, region);
        }
    }
    if trusted {
        call(
            "enable_aws_service_access",
            json!({"ServicePrincipal": STACKSETS}),
        );
    }
    Org {
        ou,
        member,
        unrecorded,
        outside,
    }
}

/// A fresh emulated organization (StackSets trusted) and stand-in rule binaries for it.
fn rollout(name: &str) -> (Emulator, Org, PathBuf) {
    let emulator = Emulator::start();
    let org = organization(&emulator, true);
    let dir = fresh_dir(name);
    binaries(&dir, "v1");
    (emulator, org, dir)
}

/// `gen deploy --ous OU --binaries DIR` and `args`.
fn deploy_to(emulator: &Emulator, org: &Org, dir: &Path, args: &[&str]) -> (Output, String) {
    let mut all = vec![
        "deploy",
        "--ous",
        &org.ou,
        "--binaries",
        dir.to_str().expect("UTF-8 path"),
    ];
    all.extend(args);
    gen(emulator, &all)
}

/// Stand-in rule binaries in cargo-lambda layout (deploy zips them; the emulator's Lambda
/// never runs them).
pub(crate) fn binaries(dir: &Path, version: &str) {
    for rule in &rule_ids() {
        std::fs::create_dir_all(dir.join(rule)).unwrap();
        std::fs::write(
            dir.join(rule).join("bootstrap"),
            format!("bootstrap of {rule} {version}"),
        )
        .unwrap();
    }
}

pub(crate) fn gen(emulator: &Emulator, args: &[&str]) -> (Output, String) {
    let out = run_gen(
        env!("CARGO_BIN_EXE_gen").as_ref(),
        Some((emulator, HOME)),
        args,
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

/// The combined output of a `gen` run that must end with `code`.
pub(crate) fn exits(code: i32, (out, text): (Output, String)) -> String {
    assert_eq!(out.status.code(), Some(code), "{text}");
    text
}

fn stack_status(emulator: &Emulator, region: &str, name: &str) -> Option<String> {
    let stacks = emulator.call(region, None, "cloudformation", "list_stacks", json!({}));
    stacks["StackSummaries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["StackName"] == name && s["StackStatus"] != "DELETE_COMPLETE")
        .map(|s| s["StackStatus"].as_str().unwrap().to_string())
        .next()
}

/// Keys in the artifact bucket of `region`; none when there is no bucket.
fn objects(emulator: &Emulator, region: &str) -> Vec<String> {
    let bucket = format!("neptune-guardrails-{ADMIN}-{region}");
    let buckets = emulator.call(region, None, "s3", "list_buckets", json!({}));
    if !buckets["Buckets"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["Name"] == bucket.as_str())
    {
        return Vec::new();
    }
    let listed = emulator.call(
        region,
        None,
        "s3",
        "list_objects_v2",
        json!({"Bucket": bucket}),
    );
    let mut keys: Vec<String> = listed["Contents"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|o| o["Key"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    keys.sort();
    keys
}

/// Names of the Config rules in `account` and `region`, as AWS Config gives them.
fn config_rule_names(emulator: &Emulator, account: &str, region: &str) -> Vec<String> {
    let found = emulator.call(
        region,
        Some(account),
        "config",
        "describe_config_rules",
        json!({}),
    );
    let mut names: Vec<String> = found["ConfigRules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ConfigRuleName"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// The rule ids of the Config rules in `account` and `region`: a conformance pack's rules are
/// named `ID-conformance-pack-PACKID` by AWS (emulator gap 15), the others `ID`.
fn rules(emulator: &Emulator, account: &str, region: &str) -> Vec<String> {
    let mut ids: Vec<String> = config_rule_names(emulator, account, region)
        .into_iter()
        .map(|name| match name.find("-conformance-pack-") {
            Some(at) => name[..at].to_string(),
            None => name,
        })
        .collect();
    ids.sort();
    ids
}

/// Names of the Lambda functions in `account` and `region`.
fn functions(emulator: &Emulator, account: &str, region: &str) -> Vec<String> {
    let found = emulator.call(region, Some(account), "lambda", "list_functions", json!({}));
    let mut names: Vec<String> = found["Functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["FunctionName"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn stack_set_parameters(emulator: &Emulator) -> std::collections::BTreeMap<String, String> {
    let set = emulator.call(
        HOME,
        None,
        "cloudformation",
        "describe_stack_set",
        json!({"StackSetName": "neptune-guardrails"}),
    );
    set["StackSet"]["Parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["ParameterKey"].as_str().unwrap().to_string(),
                p["ParameterValue"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn deploy_redeploy_change_dry_run_and_destroy() {
    let (emulator, org, dir) = rollout("deploy");
    let deploy = |extra: &[&str]| {
        let mut args = vec![
            "--regions",
            "eu-west-1,us-west-2",
            "--architecture",
            "x86_64",
        ];
        args.extend(extra);
        deploy_to(&emulator, &org, &dir, &args)
    };

    // A reader that is gone (`gen deploy --dry-run … | head -1`) ends the output, not the run.
    let mut args = vec![
        "deploy",
        "--ous",
        &org.ou,
        "--binaries",
        dir.to_str().unwrap(),
    ];
    args.extend(["--regions", "eu-west-1,us-west-2", "--dry-run"]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gen"))
        .envs(emulator.env(HOME))
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("gen runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("gen ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // A dry run on a fresh organization plans everything and makes nothing.
    let text = exits(0, deploy(&["--dry-run"]));
    assert!(
        text.contains("stack neptune-guardrails-artifacts (eu-west-1): create (2 resources)"),
        "{text}"
    );
    assert!(
        text.contains("stack neptune-guardrails-stackset (eu-west-1): create (2 resources)"),
        "{text}"
    );
    // A zip per rule and the member template.
    let uploads = rule_ids().len() + 1;
    assert!(text.contains(&format!("upload {uploads} (")), "{text}");
    assert!(text.contains("nothing was changed"), "{text}");
    assert_eq!(
        stack_status(&emulator, HOME, "neptune-guardrails-artifacts"),
        None
    );
    assert!(objects(&emulator, HOME).is_empty());

    // Without --yes and no terminal to ask on, nothing happens.
    let text = exits(2, deploy(&[]));
    assert!(text.contains("stdin is not a terminal"), "{text}");
    assert_eq!(
        stack_status(&emulator, HOME, "neptune-guardrails-artifacts"),
        None
    );

    // Deploy.
    let text = exits(0, deploy(&["--yes"]));
    for region in [HOME, OTHER] {
        assert_eq!(
            stack_status(&emulator, region, "neptune-guardrails-artifacts").as_deref(),
            Some("CREATE_COMPLETE"),
            "{region}"
        );
        let keys = objects(&emulator, region);
        assert_eq!(keys.len(), uploads, "{keys:?}");
        for rule in &rule_ids() {
            assert!(keys
                .iter()
                .any(|k| k.starts_with(&format!("lambda/{rule}/"))));
        }
        let bucket = format!("neptune-guardrails-{ADMIN}-{region}");
        let policy = emulator.call(
            region,
            None,
            "s3",
            "get_bucket_policy",
            json!({"Bucket": bucket}),
        );
        assert!(policy["Policy"]
            .as_str()
            .unwrap()
            .contains("aws:PrincipalOrgID"));
        // (moto's CloudFormation applies a bucket's encryption but not its versioning,
        // public access block, ownership or lifecycle; checkov checks those in the template.)
        let encryption = emulator.call(
            region,
            None,
            "s3",
            "get_bucket_encryption",
            json!({"Bucket": bucket}),
        );
        assert_eq!(
            encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
                ["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
            "AES256"
        );
    }
    let parameters = stack_set_parameters(&emulator);
    let code_key = |p: &std::collections::BTreeMap<String, String>, rule: &str| {
        let name: String = rule
            .split('-')
            .map(|w| w[..1].to_uppercase() + &w[1..])
            .collect();
        p[&format!("{name}CodeKey")].clone()
    };
    for rule in &rule_ids() {
        assert!(objects(&emulator, HOME).contains(&code_key(&parameters, rule)));
    }
    let instances = emulator.call(
        HOME,
        None,
        "cloudformation",
        "list_stack_instances",
        json!({"StackSetName": "neptune-guardrails"}),
    );
    let mut placed: Vec<(String, String)> = instances["Summaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["Account"].as_str().unwrap().to_string(),
                i["Region"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    placed.sort();
    let mut expected = Vec::new();
    for account in [&org.member, &org.unrecorded] {
        for region in [HOME, OTHER] {
            expected.push((account.clone(), region.to_string()));
        }
    }
    expected.sort();
    assert_eq!(
        placed, expected,
        "one member stack per region of each OU account"
    );
    assert!(
        text.contains("StackSet neptune-guardrails: 4 stack instance(s), 0 not CURRENT"),
        "{text}"
    );
    // The member stacks made the rules in the recorded member account: all four in the IAM
    // home region, the regional three elsewhere.
    let rules_in = |region: &str| rules(&emulator, &org.member, region).len();
    let everywhere = (sorted_ids(false).len(), sorted_ids(true).len());
    assert_eq!((rules_in(HOME), rules_in(OTHER)), everywhere);

    // Re-deploy: nothing changes.
    let before = objects(&emulator, HOME);
    let text = exits(0, deploy(&["--yes"]));
    assert!(text.contains("gen deploy: nothing to change"), "{text}");
    assert!(text.contains("(eu-west-1): unchanged"), "{text}");
    assert_eq!(objects(&emulator, HOME), before);

    // One rule changed: the dry run names its new zip and the StackSet update, and changes
    // nothing; the deploy then changes exactly that.
    std::fs::write(
        dir.join("neptune-cluster-iam-auth/bootstrap"),
        "bootstrap of neptune-cluster-iam-auth v2",
    )
    .unwrap();
    let text = exits(0, deploy(&["--dry-run"]));
    assert!(
        text.contains("upload 1 (lambda/neptune-cluster-iam-auth/"),
        "{text}"
    );
    assert!(
        text.contains("stack neptune-guardrails-stackset (eu-west-1): update: ")
            && text.contains("parameters NeptuneClusterIamAuthCodeKey\n"),
        "only the changed rule's code key: {text}"
    );
    assert!(
        text.contains("stack neptune-guardrails-artifacts (eu-west-1): unchanged"),
        "{text}"
    );
    assert_eq!(stack_set_parameters(&emulator), parameters);
    assert_eq!(objects(&emulator, HOME), before);

    exits(0, deploy(&["--yes"]));
    let after = stack_set_parameters(&emulator);
    for rule in &rule_ids() {
        let changed = code_key(&after, rule) != code_key(&parameters, rule);
        assert_eq!(changed, rule == "neptune-cluster-iam-auth", "{rule}");
    }
    assert_eq!(
        objects(&emulator, OTHER).len(),
        uploads + 1,
        "the old zip stays for rollback"
    );

    // Destroy: a dry run first, then the stacks; buckets stay until --purge.
    let destroy = |extra: &[&str]| {
        let mut args = vec!["destroy", "--regions", "eu-west-1,us-west-2"];
        args.extend(extra);
        gen(&emulator, &args)
    };
    let text = exits(0, destroy(&["--dry-run"]));
    assert!(
        text.contains("stack neptune-guardrails-stackset (eu-west-1): delete"),
        "{text}"
    );
    assert!(stack_status(&emulator, HOME, "neptune-guardrails-stackset").is_some());

    exits(0, destroy(&["--yes"]));
    for region in [HOME, OTHER] {
        assert_eq!(
            stack_status(&emulator, region, "neptune-guardrails-artifacts"),
            None
        );
        assert_eq!(
            objects(&emulator, region).len(),
            uploads + 1,
            "buckets are retained"
        );
    }
    assert_eq!(
        stack_status(&emulator, HOME, "neptune-guardrails-stackset"),
        None
    );
    let sets = emulator.call(HOME, None, "cloudformation", "list_stack_sets", json!({}));
    assert!(
        sets["Summaries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["Status"] == "DELETED"),
        "{sets}"
    );
    assert_eq!(
        (rules_in(HOME), rules_in(OTHER)),
        (0, 0),
        "member stacks are gone"
    );

    // Deploy again over the retained buckets: imported, not re-created (CloudFormation
    // cannot create a bucket that exists), every earlier object version kept.
    let text = exits(0, deploy(&["--yes"]));
    assert!(
        text.contains(&format!(
            "importing the retained bucket neptune-guardrails-{ADMIN}-{HOME} as ArtifactBucket"
        )),
        "{text}"
    );
    for region in [HOME, OTHER] {
        assert_eq!(
            stack_status(&emulator, region, "neptune-guardrails-artifacts").as_deref(),
            Some("UPDATE_COMPLETE"),
            "imported, then updated with the bucket policy: {text}"
        );
        assert_eq!(
            objects(&emulator, region).len(),
            uploads + 1,
            "old objects are kept"
        );
        let policy = emulator.call(
            region,
            None,
            "s3",
            "get_bucket_policy",
            json!({"Bucket": format!("neptune-guardrails-{ADMIN}-{region}")}),
        );
        assert!(policy["Policy"]
            .as_str()
            .unwrap()
            .contains("aws:PrincipalOrgID"));
    }
    assert_eq!((rules_in(HOME), rules_in(OTHER)), everywhere, "{text}");
    exits(0, destroy(&["--yes"]));

    exits(0, destroy(&["--yes", "--purge"]));
    let buckets = emulator.call(HOME, None, "s3", "list_buckets", json!({}));
    assert!(
        buckets["Buckets"].as_array().unwrap().is_empty(),
        "{buckets}"
    );
    let text = exits(0, destroy(&["--yes", "--purge"]));
    assert!(text.contains("gen destroy: nothing to change"), "{text}");
}

#[test]
fn preconditions_stop_a_deploy_before_it_changes_anything() {
    let emulator = Emulator::start();
    let dir = fresh_dir("preconditions");
    binaries(&dir, "v1");
    let deploy = |ous: &str, extra: &[&str]| {
        let mut args = vec![
            "deploy",
            "--ous",
            ous,
            "--regions",
            HOME,
            "--binaries",
            dir.to_str().unwrap(),
            "--yes",
        ];
        args.extend(extra);
        gen(&emulator, &args)
    };
    let text = exits(2, deploy("ou-abcd-12345678", &[]));
    assert!(text.contains("not in an organization"), "{text}");

    let org = organization(&emulator, false);
    let text = exits(2, deploy(&org.ou, &[]));
    assert!(
        text.contains(&format!("trusted access for {STACKSETS} is not enabled"))
            && text.contains("`aws cloudformation activate-organizations-access`"),
        "{text}"
    );
    let text = exits(2, deploy(&org.ou, &["--iam-region", OTHER]));
    assert!(
        text.contains("--iam-region us-west-2 is not one of --regions eu-west-1"),
        "{text}"
    );
    // From a delegated administrator the default member role cannot be assumed: refused up
    // front with the flag that fixes it. Config's organization access is never asked for.
    let (out, text) = deploy(
        &org.ou,
        &["--call-as", "DELEGATED_ADMIN", "--mode", "conformance-pack"],
    );
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("OrganizationAccountAccessRole cannot be assumed")
            && text.contains("give --member-role NAME"),
        "{text}"
    );
    assert!(!text.contains("config-multiaccountsetup"), "{text}");
    // An organization conformance pack from a delegated administrator needs its
    // registration for Config's organization access too.
    let (out, text) = deploy(
        &org.ou,
        &[
            "--call-as",
            "DELEGATED_ADMIN",
            "--mode",
            "organization-conformance-pack",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(
            "is not a delegated administrator for config-multiaccountsetup.amazonaws.com"
        ),
        "{text}"
    );
    let text = exits(2, deploy("sales", &[]));
    assert!(text.contains("`sales` is not an OU id"), "{text}");
    let empty = fresh_dir("no-binaries");
    let (out, text) = gen(
        &emulator,
        &[
            "deploy",
            "--ous",
            &org.ou,
            "--regions",
            HOME,
            "--binaries",
            empty.to_str().unwrap(),
            "--yes",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("gen package --architecture ARCH --out DIR"),
        "{text}"
    );
    assert_eq!(
        stack_status(&emulator, HOME, "neptune-guardrails-artifacts"),
        None
    );
}

/// Rules exactly where their Lambdas and a Config recorder are: in the OU account with a
/// recorder; not in the OU account without one (which keeps its Lambdas and runbooks and is
/// named with the fix), not outside the OU, not in the management account; and the
/// recorder-less account gets its rules on the next deploy once it has a recorder.
fn rules_follow_lambdas_and_recorders(mode: &str) {
    // Only StackSets have trusted access: conformance-pack mode needs no more.
    let (emulator, org, dir) = rollout(&format!("rules-{mode}"));
    let deploy = || {
        deploy_to(
            &emulator,
            &org,
            &dir,
            &["--regions", "eu-west-1,us-west-2", "--mode", mode, "--yes"],
        )
    };
    let text = exits(0, deploy());
    for region in [HOME, OTHER] {
        assert!(
            text.contains(&format!(
                "attention: account {} {region}: no AWS Config recorder, so no rules there",
                org.unrecorded
            )),
            "{text}"
        );
    }
    assert!(
        text.contains("StackSet neptune-guardrails: 4 stack instance(s), 0 not CURRENT"),
        "no stack instance failed: {text}"
    );
    let (all, regional) = (sorted_ids(false), sorted_ids(true));
    let (all_lambdas, regional_lambdas) =
        (sorted_rule_ids(false, true), sorted_rule_ids(true, true));
    let everywhere = |org: &Org| {
        let mut found = Vec::new();
        for account in [ADMIN, &org.member, &org.unrecorded, &org.outside] {
            for region in [HOME, OTHER] {
                let here = rules(&emulator, account, region);
                // Every rule of ours names a Lambda that exists beside it (the others are AWS
                // managed rules).
                let lambdas = functions(&emulator, account, region);
                for rule in here.iter().filter(|r| all_lambdas.contains(r)) {
                    assert!(
                        lambdas.contains(rule),
                        "{rule} in {account} {region} has no Lambda"
                    );
                }
                found.push((account.to_string(), region, here.len()));
            }
        }
        found
    };
    let expect = |unrecorded_home: usize, unrecorded_other: usize| {
        vec![
            (ADMIN.to_string(), HOME, 0),
            (ADMIN.to_string(), OTHER, 0),
            (org.member.clone(), HOME, all.len()),
            (org.member.clone(), OTHER, regional.len()),
            (org.unrecorded.clone(), HOME, unrecorded_home),
            (org.unrecorded.clone(), OTHER, unrecorded_other),
            (org.outside.clone(), HOME, 0),
            (org.outside.clone(), OTHER, 0),
        ]
    };
    assert_eq!(everywhere(&org), expect(0, 0), "{text}");
    assert_eq!(rules(&emulator, &org.member, HOME), all);
    // A pack's rules carry the suffix AWS gives them; the stack's own keep their ids.
    let suffixed = config_rule_names(&emulator, &org.member, HOME)
        .iter()
        .filter(|name| name.contains("-conformance-pack-"))
        .count();
    assert_eq!(suffixed, if mode == "stackset" { 0 } else { all.len() });
    // The recorder-less account keeps its Lambdas and runbooks.
    assert_eq!(functions(&emulator, &org.unrecorded, HOME), all_lambdas);
    assert_eq!(
        functions(&emulator, &org.unrecorded, OTHER),
        regional_lambdas
    );
    // An organization conformance pack goes to every account not excluded: only in its own
    // mode, and then excluding every account without Lambdas or a recorder.
    let excluded = |region: &str, name: &str| -> Vec<String> {
        let packs = emulator.call(
            region,
            None,
            "config",
            "describe_organization_conformance_packs",
            json!({"OrganizationConformancePackNames": [name]}),
        );
        let mut accounts: Vec<String> = packs["OrganizationConformancePacks"][0]
            ["ExcludedAccounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        accounts.sort();
        accounts
    };
    let sorted = |mut accounts: Vec<String>| {
        accounts.sort();
        accounts
    };
    let organization_packs = mode == "organization-conformance-pack";
    if organization_packs {
        let none_there = sorted(vec![
            ADMIN.into(),
            org.outside.clone(),
            org.unrecorded.clone(),
        ]);
        assert_eq!(excluded(HOME, "neptune-guardrails"), none_there);
        assert_eq!(excluded(HOME, "neptune-guardrails-iam"), none_there);
        assert_eq!(excluded(OTHER, "neptune-guardrails"), none_there);
    } else {
        let org_packs = emulator.call(
            HOME,
            None,
            "config",
            "describe_organization_conformance_pack_statuses",
            json!({}),
        );
        assert_eq!(
            org_packs["OrganizationConformancePackStatuses"],
            json!([]),
            "{org_packs}"
        );
    }

    // A recorder in one region: the next deploy creates the rules there, only there.
    add_recorder(&emulator, &org.unrecorded, HOME);
    let text = exits(0, deploy());
    assert!(
        text.contains(&format!(
            "rules (eu-west-1): create in 1 account(s) with a Config recorder: {}",
            org.unrecorded
        )),
        "{text}"
    );
    assert!(text.contains("rules (us-west-2): unchanged"), "{text}");
    assert_eq!(everywhere(&org), expect(all.len(), 0), "{text}");
    if organization_packs {
        // The drift is printed, and the packs of the other region stay as they were.
        assert!(
            text.contains(&format!(
                "organization conformance pack neptune-guardrails (eu-west-1): update in 2 account(s), 2 excluded; excluded accounts -{}",
                org.unrecorded
            )),
            "{text}"
        );
        assert!(!text.contains("neptune-guardrails (us-west-2)"), "{text}");
        let outside = sorted(vec![ADMIN.into(), org.outside.clone()]);
        assert_eq!(excluded(HOME, "neptune-guardrails-iam"), outside);
    }

    let text = exits(0, deploy());
    assert!(text.contains("gen deploy: nothing to change"), "{text}");
    assert!(
        !text.contains("is stopped"),
        "every recorder records: {text}"
    );

    // A recorder that stops, and one that leaves out types the rules need, are named with
    // their fix (the rules stay: they work again once the recorder records).
    emulator.call(
        OTHER,
        Some(&org.member),
        "config",
        "stop_configuration_recorder",
        json!({"ConfigurationRecorderName": "default"}),
    );
    emulator.call(
        HOME,
        Some(&org.unrecorded),
        "config",
        "put_configuration_recorder",
        json!({"ConfigurationRecorder": {
            "name": "default",
            "roleARN": format!("arn:aws:iam::{}:role/config-recorder", org.unrecorded),
            "recordingGroup": {
                "allSupported": false,
                "exclusionByResourceTypes": {"resourceTypes": ["AWS::DMS::Endpoint"]},
                "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"},
            },
        }}),
    );
    let text = exits(0, deploy());
    assert!(text.contains("gen deploy: nothing to change"), "{text}");
    assert!(
        text.contains(&format!(
            "attention: account {} {OTHER}: the recorder default is stopped",
            org.member
        )) && text.contains(
            "aws configservice start-configuration-recorder --configuration-recorder-name default"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "attention: account {} {HOME} (IAM home region): the recorder does not record AWS::DMS::Endpoint, so neptune-dms-endpoint-iam-auth get",
            org.unrecorded
        )),
        "the exclusion strategy records IAM types: only DMS endpoints are missing: {text}"
    );

    // Destroy takes the organization packs (and their rules in every account) first.
    let text = exits(
        0,
        gen(
            &emulator,
            &["destroy", "--regions", "eu-west-1,us-west-2", "--yes"],
        ),
    );
    if organization_packs {
        assert!(
            text.contains(
                "organization conformance pack neptune-guardrails-iam (eu-west-1): delete"
            ),
            "{text}"
        );
    }
    for region in [HOME, OTHER] {
        let packs = emulator.call(
            region,
            None,
            "config",
            "describe_organization_conformance_pack_statuses",
            json!({}),
        );
        assert_eq!(packs["OrganizationConformancePackStatuses"], json!([]));
        assert!(rules(&emulator, &org.member, region).is_empty(), "{region}");
    }
}

#[test]
fn stackset_mode_puts_rules_only_where_lambdas_and_recorders_are() {
    rules_follow_lambdas_and_recorders("stackset");
}

#[test]
fn conformance_pack_mode_puts_rules_only_where_lambdas_and_recorders_are() {
    rules_follow_lambdas_and_recorders("conformance-pack");
}

#[test]
fn organization_conformance_pack_mode_puts_rules_only_where_lambdas_and_recorders_are() {
    rules_follow_lambdas_and_recorders("organization-conformance-pack");
}

/// The emulator deploys an organization conformance pack as AWS does: to every account not
/// excluded, the management account included, each with its own refusals.
#[test]
fn an_organization_pack_reaches_every_account_not_excluded() {
    let emulator = Emulator::start();
    let org = organization(&emulator, true);
    let template = std::fs::read_to_string(workspace_root().join("cfn/conformance-pack.yaml"))
        .expect("golden pack template");
    emulator.call(
        HOME,
        None,
        "s3",
        "create_bucket",
        json!({"Bucket": "packs", "CreateBucketConfiguration": {"LocationConstraint": HOME}}),
    );
    emulator.call(
        HOME,
        None,
        "s3",
        "put_object",
        json!({"Bucket": "packs", "Key": "pack.yaml", "Body": template}),
    );
    emulator.call(
        HOME,
        None,
        "config",
        "put_organization_conformance_pack",
        json!({"OrganizationConformancePackName": "probe",
               "TemplateS3Uri": "s3://packs/pack.yaml",
               "ExcludedAccounts": [org.outside]}),
    );
    let status = emulator.call(
        HOME,
        None,
        "config",
        "get_organization_conformance_pack_detailed_status",
        json!({"OrganizationConformancePackName": "probe"}),
    );
    let rows = status["OrganizationConformancePackDetailedStatuses"]
        .as_array()
        .unwrap();
    let of = |account: &str| rows.iter().find(|r| r["AccountId"] == account).cloned();
    assert!(of(&org.outside).is_none(), "excluded: {status}");
    // No account has the rules' Lambdas, so every other account fails: the management
    // account on the missing Lambda, the recorder-less one on the missing recorder.
    let admin = of(ADMIN).expect("the management account is a target");
    assert_eq!(admin["Status"], "CREATE_FAILED");
    assert!(
        admin["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("cannot be invoked"),
        "{admin}"
    );
    let unrecorded = of(&org.unrecorded).unwrap();
    assert!(
        unrecorded["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("NoAvailableConfigurationRecorder")
            || unrecorded["ErrorMessage"]
                .as_str()
                .unwrap()
                .contains("no configuration recorders"),
        "{unrecorded}"
    );
    let statuses = emulator.call(
        HOME,
        None,
        "config",
        "describe_organization_conformance_pack_statuses",
        json!({}),
    );
    assert_eq!(
        statuses["OrganizationConformancePackStatuses"][0]["Status"],
        "CREATE_FAILED"
    );
}

#[test]
fn a_failed_deploy_says_why_and_a_rerun_after_the_fix_completes() {
    let (emulator, org, dir) = rollout("rerun");
    let deploy = || deploy_to(&emulator, &org, &dir, &["--regions", HOME, "--yes"]);
    // Another account's bucket holds the artifact bucket's name.
    let bucket = format!("neptune-guardrails-{ADMIN}-{HOME}");
    emulator.call(
        HOME,
        Some(&org.outside),
        "s3",
        "create_bucket",
        json!({"Bucket": bucket, "CreateBucketConfiguration": {"LocationConstraint": HOME}}),
    );
    let text = exits(2, deploy());
    assert!(
        text.contains("stack neptune-guardrails-artifacts ended ROLLBACK_COMPLETE")
            && text.contains("BucketAlreadyExists")
            && text.contains("fix the cause and run gen deploy again"),
        "{text}"
    );
    assert_eq!(
        stack_status(&emulator, HOME, "neptune-guardrails-stackset"),
        None,
        "it stopped there"
    );

    // The fix, then the same command under throttling and 5xx on a fifth of the calls.
    emulator.call(
        HOME,
        Some(&org.outside),
        "s3",
        "delete_bucket",
        json!({"Bucket": bucket}),
    );
    emulator.inject_faults(0.2, 5);
    let (out, text) = deploy();
    let faults = emulator.faults();
    emulator.inject_faults(0.0, 0);
    assert_eq!(out.status.code(), Some(0), "{faults:?} {text}");
    assert!(
        text.contains("stack neptune-guardrails-artifacts (eu-west-1): replace: delete the stack its failed create left"),
        "{text}"
    );
    assert!(faults.values().sum::<u64>() > 0, "faults were injected");
    assert_eq!(
        stack_status(&emulator, HOME, "neptune-guardrails-stackset").as_deref(),
        Some("CREATE_COMPLETE")
    );
    assert_eq!(objects(&emulator, HOME).len(), rule_ids().len() + 1);
}

/// An organization `seed.py` made (`organization-N`): its OU, member accounts, regions, and
/// the account and region whose recorder is stopped.
pub(crate) struct SeededOrg {
    pub ou: String,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub stopped: (String, String),
}

impl SeededOrg {
    pub fn seed(emulator: &Emulator, world: &str) -> SeededOrg {
        let org = emulator.seed(HOME, world).0;
        let text = |v: &Value| v.as_str().unwrap().to_string();
        let list = |v: &Value| v.as_array().unwrap().iter().map(text).collect();
        SeededOrg {
            ou: text(&org["ou"]),
            accounts: list(&org["accounts"]),
            regions: list(&org["regions"]),
            stopped: (
                text(&org["stopped"]["account"]),
                text(&org["stopped"]["region"]),
            ),
        }
    }

    /// `gen deploy --ous OU --binaries DIR --yes` and `args`. The emulator makes a StackSet's
    /// instances inside CreateStack (AWS answers at once and makes them after), which outlasts
    /// an SDK attempt's 20 s for a hundred accounts: the attempt timeout is raised.
    pub fn deploy(&self, emulator: &Emulator, dir: &Path, args: &[&str]) -> (Output, String) {
        let mut all = vec![
            "deploy",
            "--ous",
            &self.ou,
            "--binaries",
            dir.to_str().unwrap(),
            "--yes",
        ];
        all.extend(args);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gen"))
            .envs(emulator.env(HOME))
            .env("NEPTUNE_GUARDRAILS_ATTEMPT_TIMEOUT_MS", "900000")
            .args(&all)
            .output()
            .expect("gen runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out, text)
    }
}

/// An organization of `world`'s member accounts in 3 regions (Milan offers no Neptune managed
/// rule; one account's recorder is stopped in one region; in the second region AWS refuses
/// one managed rule its list says it offers), one of whose accounts refuses every stack
/// update: every other account gets its rules in every region in one pass (the StackSet
/// operations run with concurrency and a failure tolerance, regions in parallel), keeping
/// its Lambdas and our rules where the managed rule is refused; the failures and the stopped
/// recorder are named, and a re-run after the faults are removed finishes the rest, then
/// says `nothing to change`. Prints the AWS calls and wall time of the first deploy
/// (docs/benchmarks.md).
fn organization_rollout(world: &str, mode: &str) {
    let emulator = Emulator::start();
    let org = SeededOrg::seed(&emulator, world);
    let (accounts, regions) = (&org.accounts, &org.regions);
    let (stopped_account, stopped_region) = &org.stopped;
    let failing = accounts[2].clone();
    let dir = fresh_dir(&format!("{world}-{mode}"));
    binaries(&dir, "v1");
    let regions_flag = regions.join(",");
    let deploy = || {
        org.deploy(
            &emulator,
            &dir,
            &["--regions", &regions_flag, "--mode", mode],
        )
    };

    // An organization conformance pack is one object per region: a managed rule AWS refuses
    // fails every account's pack there, ours included (docs/rollout.md), so that fault is
    // for the other modes.
    let organization_packs = mode == "organization-conformance-pack";
    let refusing = (!organization_packs).then(|| regions[1].clone());
    emulator.fail_stack_updates_in(&[&failing]);
    if let Some(region) = &refusing {
        emulator.withdraw_managed_rule(Some(("NEPTUNE_CLUSTER_ENCRYPTED", region)));
    }
    let (before, started) = (emulator.calls(), std::time::Instant::now());
    let text = exits(2, deploy());
    let (elapsed, calls) = (started.elapsed(), emulator.calls_since(&before));
    println!(
        "{world} {mode}: first deploy {:.1} s, {} AWS calls: {calls:?}",
        elapsed.as_secs_f64(),
        calls.values().sum::<u64>()
    );
    for region in regions {
        assert!(
            text.contains(&format!(
                "{failing} {region} FAILED: ValidationError: injected fault"
            )),
            "{region}: {text}"
        );
    }
    assert!(
        text.contains(&format!(
            "attention: account {stopped_account} {stopped_region}: the recorder default is stopped"
        )),
        "{text}"
    );
    if let Some(region) = &refusing {
        assert!(
            text.contains(&format!("{region} FAILED in "))
                && text.contains("NEPTUNE_CLUSTER_ENCRYPTED")
                && text.contains("the AWS managed rules and remediation configurations only"),
            "{text}"
        );
    } else {
        assert!(
            text.contains(&format!("+{failing} (its stack instance did not succeed)")),
            "{text}"
        );
    }
    // Every other instance succeeded, the failing account's failed, none was left undone.
    let instances = emulator.call(
        HOME,
        None,
        "cloudformation",
        "list_stack_instances",
        json!({"StackSetName": "neptune-guardrails"}),
    );
    let summaries = instances["Summaries"].as_array().unwrap();
    assert_eq!(summaries.len(), accounts.len() * regions.len());
    // The managed rules' update failed in the refusing region (or was cancelled once the
    // failure tolerance was spent), nowhere else.
    for instance in summaries {
        let detailed = instance["StackInstanceStatus"]["DetailedStatus"].as_str();
        let expected: &[&str] = if instance["Account"] == failing.as_str() {
            &["FAILED"]
        } else if refusing.as_deref() == instance["Region"].as_str() {
            &["FAILED", "CANCELLED"]
        } else {
            &["SUCCEEDED"]
        };
        assert!(expected.contains(&detailed.unwrap()), "{instance}");
    }
    // Rules where they belong: every rule in the IAM home region, the regional ones in
    // Oregon (ours only while the managed rule is refused), our Lambda rules only in Milan;
    // none in the failing account.
    let (all, regional, lambdas) = (
        sorted_ids(false),
        sorted_ids(true),
        sorted_rule_ids(true, true),
    );
    let expected = |region: &str| match region {
        HOME => all.len(),
        "eu-south-1" => lambdas.len(),
        _ => regional.len(),
    };
    let ours_in_region = sorted_rule_ids(true, true).len();
    let last = accounts.last().unwrap();
    for account in [&accounts[0], stopped_account, last] {
        for region in regions {
            let count = if refusing.as_ref() == Some(region) {
                ours_in_region
            } else {
                expected(region)
            };
            assert_eq!(
                rules(&emulator, account, region).len(),
                count,
                "{account} {region}"
            );
        }
        if let Some(region) = &refusing {
            assert_eq!(functions(&emulator, account, region).len(), ours_in_region);
        }
    }
    assert!(rules(&emulator, &failing, HOME).is_empty());

    // The faults are removed: the re-run finishes the failing account and the managed rules
    // where they were refused, then nothing.
    emulator.fail_stack_updates_in(&[]);
    emulator.withdraw_managed_rule(None);
    let text = exits(0, deploy());
    assert!(
        text.contains(&format!(
            "create in 1 account(s) with a Config recorder: {failing}"
        )) && text.contains(&format!(
            "{failing} {HOME} FAILED: ValidationError: injected fault"
        )),
        "{text}"
    );
    if organization_packs {
        assert!(
            text.contains(&format!("excluded accounts -{failing}")),
            "{text}"
        );
    }
    for account in [&failing, &accounts[0], last] {
        for region in regions {
            assert_eq!(
                rules(&emulator, account, region).len(),
                expected(region),
                "{account} {region}"
            );
        }
    }
    let text = exits(0, deploy());
    assert!(text.contains("gen deploy: nothing to change"), "{text}");
}

#[test]
fn an_organization_rolls_out_past_a_failing_account_in_stackset_mode() {
    organization_rollout("organization-100", "stackset");
}

#[test]
fn an_organization_rolls_out_past_a_failing_account_in_conformance_pack_mode() {
    organization_rollout("organization-100", "conformance-pack");
}

#[test]
fn an_organization_rolls_out_past_a_failing_account_in_organization_conformance_pack_mode() {
    organization_rollout("organization-100", "organization-conformance-pack");
}

/// `--exclude-accounts` and `--rules` choose what goes where: an excluded account gets no
/// stack instance (no Lambdas, no rules) and the others only the chosen rules; a re-run
/// without the flags keeps the choice (kept in the StackSet stack's parameters, shown in
/// the plan) and changes nothing; `none` and `all` reset it.
#[test]
fn a_deploy_chooses_its_rules_and_accounts_and_keeps_the_choice() {
    let emulator = Emulator::start();
    let org = SeededOrg::seed(&emulator, "organization-8");
    let (excluded, kept) = (&org.accounts[1], &org.accounts[3]);
    let dir = fresh_dir("choose");
    binaries(&dir, "v1");
    let deploy = |extra: &[&str]| {
        let mut args = vec!["--regions", HOME];
        args.extend(extra);
        org.deploy(&emulator, &dir, &args)
    };
    let chosen = [
        "neptune-cluster-encrypted",
        "neptune-cluster-iam-auth",
        "neptune-fgac-policy-hygiene",
    ];
    let text = exits(
        0,
        deploy(&["--exclude-accounts", excluded, "--rules", &chosen.join(",")]),
    );
    assert!(
        text.contains(&format!(
            "gen deploy: rules {}; excluded accounts {excluded}",
            chosen.join(",")
        )),
        "{text}"
    );
    assert_eq!(rules(&emulator, kept, HOME), chosen);
    assert_eq!(
        functions(&emulator, kept, HOME),
        ["neptune-cluster-iam-auth", "neptune-fgac-policy-hygiene"]
    );
    assert!(functions(&emulator, excluded, HOME).is_empty());
    assert!(rules(&emulator, excluded, HOME).is_empty());

    // Kept without the flags.
    let text = exits(0, deploy(&[]));
    assert!(text.contains("gen deploy: nothing to change"), "{text}");
    assert!(
        text.contains(&format!(
            "gen deploy: rules {}; excluded accounts {excluded}",
            chosen.join(",")
        )),
        "{text}"
    );

    // Reset: every account, every rule: the account no longer excluded gets an instance with
    // every rule, and the StackSet's update reaches the accounts it had (bridge 8).
    let text = exits(0, deploy(&["--exclude-accounts", "none", "--rules", "all"]));
    assert!(
        text.contains("gen deploy: rules all; excluded accounts none"),
        "{text}"
    );
    for account in [excluded, kept] {
        assert_eq!(rules(&emulator, account, HOME), sorted_ids(false));
        assert_eq!(
            functions(&emulator, account, HOME),
            sorted_rule_ids(false, true)
        );
    }

    // Narrowing again takes the others away everywhere.
    let text = exits(0, deploy(&["--rules", "neptune-cluster-iam-auth"]));
    assert!(
        text.contains("gen deploy: rules neptune-cluster-iam-auth;"),
        "{text}"
    );
    for account in [excluded, kept] {
        assert_eq!(
            rules(&emulator, account, HOME),
            ["neptune-cluster-iam-auth"]
        );
        assert_eq!(
            functions(&emulator, account, HOME),
            ["neptune-cluster-iam-auth"]
        );
    }

    let text = exits(2, deploy(&["--rules", "neptune-nope"]));
    assert!(
        text.contains("--rules neptune-nope: no rule has that id"),
        "{text}"
    );
}

/// An AWS managed rule AWS refuses in one region (its region list was wrong) fails only the
/// managed rules' own update there: every account keeps its Lambdas, runbooks and rules of
/// ours in that region, the other regions get everything, the failure is named with its fix,
/// and once AWS takes the rule the next deploy adds the managed rules, then changes nothing.
/// In conformance-pack mode the managed rules are added to the pack by that update: the
/// pack keeps our rules. A region without remediation (`remediation_refused`) is the same
/// fault for the remediation configurations, which ride that update too.
fn managed_rule_refused(mode: &str, remediation_refused: bool) {
    let emulator = Emulator::start();
    let org = SeededOrg::seed(&emulator, "organization-8");
    let dir = fresh_dir(&format!("refused-{mode}-{remediation_refused}"));
    binaries(&dir, "v1");
    let regions = format!("{HOME},{OTHER}");
    let deploy = || org.deploy(&emulator, &dir, &["--regions", &regions, "--mode", mode]);
    let remediated = |account: &str, region: &str| {
        let names = config_rule_names(&emulator, account, region);
        let found = emulator.call(
            region,
            Some(account),
            "config",
            "describe_remediation_configurations",
            json!({"ConfigRuleNames": names}),
        );
        found["RemediationConfigurations"].as_array().unwrap().len()
    };
    if remediation_refused {
        emulator.withdraw_remediation(Some(OTHER));
    } else {
        emulator.withdraw_managed_rule(Some(("NEPTUNE_CLUSTER_ENCRYPTED", OTHER)));
    }
    let text = exits(2, deploy());
    let refusal = if remediation_refused {
        "Remediation actions are not supported"
    } else {
        "NEPTUNE_CLUSTER_ENCRYPTED"
    };
    assert!(
        text.contains("the AWS managed rules and remediation configurations only")
            && text.contains(refusal)
            && text.contains("--leave-to-security-hub"),
        "{text}"
    );
    let account = &org.accounts[0];
    assert_eq!(rules(&emulator, account, HOME), sorted_ids(false));
    assert_eq!(
        rules(&emulator, account, OTHER),
        sorted_rule_ids(true, true)
    );
    assert_eq!(
        functions(&emulator, account, OTHER),
        sorted_rule_ids(true, true)
    );

    assert_eq!(remediated(account, OTHER), 0);
    let everywhere = remediated(account, HOME);
    assert!(everywhere > 0, "remediations in the IAM home region");
    let ours = config_rule_names(&emulator, account, OTHER);
    emulator.withdraw_managed_rule(None);
    emulator.withdraw_remediation(None);
    exits(0, deploy());
    assert_eq!(rules(&emulator, account, OTHER), sorted_ids(true));
    assert!(remediated(account, OTHER) > 0);
    // Our rules stay the rules they were (a pack keeps its id, so their names and results).
    let now = config_rule_names(&emulator, account, OTHER);
    assert!(
        ours.iter().all(|name| now.contains(name)),
        "{ours:?} {now:?}"
    );
    let text = exits(0, deploy());
    assert!(text.contains("gen deploy: nothing to change"), "{text}");
}

#[test]
fn a_refused_managed_rule_never_rolls_back_our_rules() {
    managed_rule_refused("stackset", false);
}

#[test]
fn a_refused_managed_rule_never_rolls_back_our_rules_in_a_conformance_pack() {
    managed_rule_refused("conformance-pack", false);
}

#[test]
fn a_region_without_remediation_never_rolls_back_our_rules() {
    managed_rule_refused("stackset", true);
}

#[test]
fn a_region_without_remediation_never_rolls_back_our_rules_in_a_conformance_pack() {
    managed_rule_refused("conformance-pack", true);
}
