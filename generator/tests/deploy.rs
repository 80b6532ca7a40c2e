//! `gen deploy` / `gen destroy` against an emulated organization: deploy, re-deploy (no
//! change), a changed rule (only its zip and the StackSet change), dry runs (no change),
//! destroy, purge; and the preconditions that stop a deploy before it changes anything.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use guardrails_testkit::*;
use serde_json::{json, Value};

const ADMIN: &str = "123456789012";
const HOME: &str = "eu-west-1";
const OTHER: &str = "us-west-2";
const STACKSETS: &str = "member.org.stacksets.cloudformation.amazonaws.com";
const RULES: [&str; 4] = [
    "neptune-dms-endpoint-iam-auth",
    "neptune-cluster-iam-auth",
    "neptune-fgac-policy-hygiene",
    "neptune-sts-vpc-endpoint",
];

struct Org {
    ou: String,
    member: String,
}

/// An organization with one OU holding one member account; trusted access for StackSets
/// when `trusted`.
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
    let member = call(
        "create_account",
        json!({"Email": "graph@example.com", "AccountName": "graph"}),
    )["CreateAccountStatus"]["AccountId"]
        .as_str()
        .unwrap()
        .to_string();
    call(
        "move_account",
        json!({"AccountId": member, "SourceParentId": root, "DestinationParentId": ou}),
    );
    if trusted {
        call(
            "enable_aws_service_access",
            json!({"ServicePrincipal": STACKSETS}),
        );
    }
    Org { ou, member }
}

/// A fresh emulated organization (StackSets trusted) and stand-in rule binaries for it.
fn rollout(name: &str) -> (Emulator, Org, PathBuf) {
    let emulator = Emulator::start();
    let org = organization(&emulator, true);
    let dir = tempdir(name);
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
fn binaries(dir: &Path, version: &str) {
    for rule in RULES {
        std::fs::create_dir_all(dir.join(rule)).unwrap();
        std::fs::write(
            dir.join(rule).join("bootstrap"),
            format!("bootstrap of {rule} {version}"),
        )
        .unwrap();
    }
}

fn gen(emulator: &Emulator, args: &[&str]) -> (Output, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gen"))
        .envs(emulator.env(HOME))
        .args(args)
        .output()
        .expect("gen runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

/// The combined output of a `gen` run that must end with `code`.
fn exits(code: i32, (out, text): (Output, String)) -> String {
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

    // A dry run on a fresh organization plans everything and makes nothing.
    let text = exits(0, deploy(&["--dry-run"]));
    assert!(
        text.contains("stack neptune-guardrails-artifacts (eu-west-1): create (2 resources)"),
        "{text}"
    );
    assert!(
        text.contains("stack neptune-guardrails-stackset (eu-west-1): create (1 resources)"),
        "{text}"
    );
    assert!(text.contains("upload 5 ("), "{text}");
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
        assert_eq!(keys.len(), 5, "{keys:?}");
        for rule in RULES {
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
    for rule in RULES {
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
    assert_eq!(
        placed,
        [
            (org.member.clone(), HOME.to_string()),
            (org.member.clone(), OTHER.to_string())
        ],
        "one member stack per region of the OU's account"
    );
    assert!(
        text.contains("StackSet neptune-guardrails: 2 stack instance(s), 0 not CURRENT"),
        "{text}"
    );
    // The member stacks made the rules in the member account: all four in the IAM home
    // region, the regional three elsewhere.
    let rules_in = |region: &str| {
        let found = emulator.call(
            region,
            Some(&org.member),
            "config",
            "describe_config_rules",
            json!({}),
        );
        found["ConfigRules"].as_array().unwrap().len()
    };
    assert_eq!((rules_in(HOME), rules_in(OTHER)), (4, 3));

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
    for rule in RULES {
        let changed = code_key(&after, rule) != code_key(&parameters, rule);
        assert_eq!(changed, rule == "neptune-cluster-iam-auth", "{rule}");
    }
    assert_eq!(
        objects(&emulator, OTHER).len(),
        6,
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
        assert_eq!(objects(&emulator, region).len(), 6, "buckets are retained");
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
    let dir = tempdir("preconditions");
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
    assert!(
        text.contains("AWS Config has no configuration recorder in eu-west-1"),
        "{text}"
    );
    // (moto knows no delegated administrators for StackSets, only for Config: a warning for
    // the first, the problem for the second.)
    let (out, text) = deploy(
        &org.ou,
        &["--call-as", "DELEGATED_ADMIN", "--mode", "conformance-pack"],
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
    let empty = tempdir("no-binaries");
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
        text.contains("cargo lambda build --release --arm64"),
        "{text}"
    );
    assert_eq!(
        stack_status(&emulator, HOME, "neptune-guardrails-artifacts"),
        None
    );
}

/// A fresh directory under the target dir for this test's files.
fn tempdir(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn conformance_pack_mode_puts_the_organization_packs_per_region() {
    let (emulator, org, dir) = rollout("packs");
    emulator.call(
        HOME,
        None,
        "organizations",
        "enable_aws_service_access",
        json!({"ServicePrincipal": "config-multiaccountsetup.amazonaws.com"}),
    );
    let deploy = |extra: &[&str]| {
        let mut args = vec![
            "--regions",
            "eu-west-1,us-west-2",
            "--mode",
            "conformance-pack",
            "--yes",
        ];
        args.extend(extra);
        deploy_to(&emulator, &org, &dir, &args)
    };
    exits(0, deploy(&[]));
    let packs = |region: &str| {
        let found = emulator.call(
            region,
            None,
            "config",
            // (moto's DescribeOrganizationConformancePacks fails without names; the
            // statuses call lists them all.)
            "describe_organization_conformance_pack_statuses",
            json!({}),
        );
        let mut names: Vec<String> = found["OrganizationConformancePackStatuses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                p["OrganizationConformancePackName"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        packs(HOME),
        ["neptune-guardrails", "neptune-guardrails-iam"]
    );
    assert_eq!(
        packs(OTHER),
        ["neptune-guardrails"],
        "IAM rules only in the IAM home region"
    );
    assert_eq!(
        objects(&emulator, OTHER).len(),
        7,
        "zips, member and both pack templates"
    );
    // Member stacks carry the Lambdas and runbooks, not the rules (the packs make those).
    let rules = emulator.call(
        HOME,
        Some(&org.member),
        "config",
        "describe_config_rules",
        json!({}),
    );
    assert!(
        rules["ConfigRules"].as_array().unwrap().is_empty(),
        "{rules}"
    );
    let functions = emulator.call(
        HOME,
        Some(&org.member),
        "lambda",
        "list_functions",
        json!({}),
    );
    assert_eq!(functions["Functions"].as_array().unwrap().len(), 4);

    let text = exits(0, deploy(&[]));
    assert!(text.contains("gen deploy: nothing to change"), "{text}");

    let (out, text) = gen(
        &emulator,
        &["destroy", "--regions", "eu-west-1,us-west-2", "--yes"],
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(packs(HOME).is_empty() && packs(OTHER).is_empty());
}

#[test]
fn a_failed_deploy_says_why_and_a_rerun_after_the_fix_completes() {
    let (emulator, org, dir) = rollout("rerun");
    let deploy = || deploy_to(&emulator, &org, &dir, &["--regions", HOME, "--yes"]);
    // Someone else's bucket holds the artifact bucket's name.
    let bucket = format!("neptune-guardrails-{ADMIN}-{HOME}");
    emulator.call(
        HOME,
        None,
        "s3",
        "create_bucket",
        json!({"Bucket": bucket, "CreateBucketConfiguration": {"LocationConstraint": HOME}}),
    );
    let text = exits(2, deploy());
    assert!(
        text.contains("CreateStack neptune-guardrails-artifacts failed")
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
    emulator.call(HOME, None, "s3", "delete_bucket", json!({"Bucket": bucket}));
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
    assert_eq!(objects(&emulator, HOME).len(), 5);
}
