//! `neptune-fgac-policy-hygiene` through the real Lambda Runtime API protocol, against moto's
//! IAM: managed policies with several versions, inline policies of roles, users and groups,
//! configuration items as AWS Config records them (documents URL-encoded) and IAM reads
//! when an item lacks the documents.

use guardrails_testkit::*;
use serde_json::{json, Value};

const RULE: &str = "neptune-fgac-policy-hygiene";
const REGION: &str = "sa-east-1";
const ACCOUNT: &str = "123456789012";

const READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["neptune-db:ReadDataViaQuery","neptune-db:GetQueryStatus"],"Resource":"arn:aws:neptune-db:us-east-1:123456789012:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/*"}]}"#;
const CONNECT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"neptune-db:connect","Resource":"*"}]}"#;
const WRITE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"neptune-db:WriteDataViaQuery","Resource":"arn:aws:neptune-db:us-east-1:123456789012:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/*"}]}"#;
const EVERYTHING_ON_GRAPH: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"neptune-db:*","Resource":"arn:aws:neptune-db:us-east-1:123456789012:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/*"}]}"#;
const ADMIN: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

fn item(world: &World, resource_type: &str, name: &str, configuration: Value) -> Value {
    let facts = &world.0["iam"][name];
    configuration_item(
        resource_type,
        facts["resource_id"].as_str().unwrap_or("AIDAGONE"),
        name,
        facts["arn"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("arn:aws:iam::{ACCOUNT}:user/{name}"))
            .as_str(),
        "OK",
        configuration,
    )
}

fn policy_item(world: &World, name: &str, versions: &[(&str, &str)], default: &str) -> Value {
    let list: Vec<Value> = versions
        .iter()
        .map(|(id, doc)| json!({"versionId": id, "document": url_encode(doc), "isDefaultVersion": *id == default}))
        .collect();
    item(
        world,
        "AWS::IAM::Policy",
        name,
        json!({"policyName": name, "defaultVersionId": default, "policyVersionList": list}),
    )
}

fn inline(list: &[(&str, &str)]) -> Value {
    list.iter()
        .map(|(name, doc)| json!({"policyName": name, "policyDocument": url_encode(doc)}))
        .collect()
}

#[test]
fn items_iam_reads_and_scheduled_runs_give_the_design_verdicts() {
    // Its own emulator, so that every call it sees is this rule's.
    let emulator = &Emulator::start();
    let world = emulator.seed(REGION, "iam");
    let before = emulator.calls();
    let id = |name: &str| world.iam_id(name);
    let mut exempt_item = policy_item(&world, "graph-exempt", &[("v1", CONNECT)], "v1");
    exempt_item["tags"] = json!({"neptune-guardrails:exempt": "true"});
    let mut aws_managed = policy_item(&world, "graph-read", &[("v1", ADMIN)], "v1");
    aws_managed["ARN"] = json!("arn:aws:iam::aws:policy/NeptuneFullAccess");
    let mut deleted = item(&world, "AWS::IAM::Role", "app-legacy", Value::Null);
    deleted["configurationItemStatus"] = json!("ResourceDeleted");

    let events = vec![
        // Managed policy, several versions: the default one (v2) is evaluated.
        (
            "t-policy",
            change_event(
                RULE,
                policy_item(
                    &world,
                    "graph-legacy",
                    &[("v1", READ), ("v2", CONNECT)],
                    "v2",
                ),
                "t-policy",
                None,
            ),
        ),
        // Role with inline policies in the item.
        (
            "t-role",
            change_event(
                RULE,
                item(
                    &world,
                    "AWS::IAM::Role",
                    "app-legacy",
                    json!({"roleName": "app-legacy", "rolePolicyList": inline(&[("read", READ), ("legacy", CONNECT)])}),
                ),
                "t-role",
                None,
            ),
        ),
        // User whose item lacks userPolicyList: read from IAM.
        (
            "t-user",
            change_event(
                RULE,
                item(
                    &world,
                    "AWS::IAM::User",
                    "alice",
                    json!({"userName": "alice"}),
                ),
                "t-user",
                None,
            ),
        ),
        // Group.
        (
            "t-group",
            change_event(
                RULE,
                item(
                    &world,
                    "AWS::IAM::Group",
                    "graph-readers",
                    json!({"groupName": "graph-readers", "groupPolicyList": inline(&[("read", READ)])}),
                ),
                "t-group",
                None,
            ),
        ),
        // Managed write policy: IAM says it is attached to a user (bob).
        (
            "t-attached",
            change_event(
                RULE,
                policy_item(&world, "graph-writer", &[("v1", WRITE)], "v1"),
                "t-attached",
                None,
            ),
        ),
        // Exemption tag in the item.
        (
            "t-exempt",
            change_event(RULE, exempt_item, "t-exempt", None),
        ),
        // AWS managed policy.
        (
            "t-aws-managed",
            change_event(RULE, aws_managed, "t-aws-managed", None),
        ),
        // Oversized: history or IAM's default version.
        (
            "t-oversized",
            oversized_event(
                RULE,
                item(&world, "AWS::IAM::Policy", "graph-wildcard", Value::Null),
                "t-oversized",
            ),
        ),
        // Admin policy with includeAdminPolicies.
        (
            "t-admin",
            change_event(
                RULE,
                policy_item(&world, "account-admin", &[("v1", ADMIN)], "v1"),
                "t-admin",
                Some(json!({"includeAdminPolicies": "true"})),
            ),
        ),
        // Deleted role.
        ("t-deleted", change_event(RULE, deleted, "t-deleted", None)),
        // A user that no longer exists in IAM.
        (
            "t-ghost",
            change_event(
                RULE,
                item(
                    &world,
                    "AWS::IAM::User",
                    "ghost",
                    json!({"userName": "ghost"}),
                ),
                "t-ghost",
                None,
            ),
        ),
        // The principal's whole view on change events: an AWS managed policy from the item's
        // attachments, a group read from IAM (the item lacks groupList), a Deny attached.
        (
            "t-carol",
            change_event(
                RULE,
                item(
                    &world,
                    "AWS::IAM::User",
                    "carol",
                    json!({"userName": "carol", "userPolicyList": [], "groupList": [],
                           "attachedManagedPolicies": [{"policyName": "NeptuneFullAccess",
                               "policyArn": "arn:aws:iam::aws:policy/NeptuneFullAccess"}]}),
                ),
                "t-carol",
                None,
            ),
        ),
        (
            "t-dave",
            change_event(
                RULE,
                item(
                    &world,
                    "AWS::IAM::User",
                    "dave",
                    json!({"userName": "dave", "userPolicyList": []}),
                ),
                "t-dave",
                None,
            ),
        ),
        (
            "t-denied",
            change_event(
                RULE,
                item(
                    &world,
                    "AWS::IAM::Role",
                    "app-full-denied",
                    json!({"roleName": "app-full-denied",
                           "rolePolicyList": inline(&[("all", EVERYTHING_ON_GRAPH)]),
                           "attachedManagedPolicies": [{"policyName": "graph-deny-reset",
                               "policyArn": world.0["iam"]["graph-deny-reset"]["arn"]}]}),
                ),
                "t-denied",
                None,
            ),
        ),
        // Scheduled: every policy, role, user and group of the account.
        ("t-scheduled", scheduled_event(RULE, "t-scheduled")),
        // A bad parameter value.
        (
            "t-params",
            config_event(
                RULE,
                json!({"messageType": "ScheduledNotification"}),
                "t-params",
                Some(json!({"includeAdminPolicies": "maybe"})),
            ),
        ),
    ];
    let binary = env!("CARGO_BIN_EXE_neptune-fgac-policy-hygiene");
    let run = run_lambda(binary.as_ref(), emulator, REGION, events);
    assert_calls_declared(
        &emulator.calls_since(&before),
        &neptune_fgac_policy_hygiene::SPEC.all_permissions(),
    );
    assert_eq!(run.outcomes.len(), 16, "{:#?}", run.outcomes);

    let one = |token: &str, name: &str, compliance: &str, annotation: &str| {
        let got = emulator.verdicts(token);
        assert_eq!(got.len(), 1, "{token}: {got:?}");
        assert_eq!(
            (got[0].0.as_str(), got[0].1.as_str()),
            (id(name).as_str(), compliance),
            "{token}: {got:?}"
        );
        assert!(got[0].2.starts_with(annotation), "{token}: {}", got[0].2);
    };
    one(
        "t-policy",
        "graph-legacy",
        "NON_COMPLIANT",
        "FGAC001,FGAC004 in default version v2",
    );
    one(
        "t-role",
        "app-legacy",
        "NON_COMPLIANT",
        "FGAC001,FGAC004 in inline policy legacy",
    );
    one(
        "t-user",
        "alice",
        "NON_COMPLIANT",
        "FGAC012 in inline policy write",
    );
    one(
        "t-group",
        "graph-readers",
        "COMPLIANT",
        "1 document(s) use neptune-db actions the fine-grained way",
    );
    one(
        "t-attached",
        "graph-writer",
        "NON_COMPLIANT",
        "FGAC012 in default version v1",
    );
    one(
        "t-exempt",
        "graph-exempt",
        "NOT_APPLICABLE",
        "exempt by tag neptune-guardrails:exempt=true",
    );
    one(
        "t-aws-managed",
        "graph-read",
        "NOT_APPLICABLE",
        "AWS managed policy",
    );
    one(
        "t-oversized",
        "graph-wildcard",
        "NON_COMPLIANT",
        "FGAC003,FGAC004 in default version v1",
    );
    one(
        "t-admin",
        "account-admin",
        "NON_COMPLIANT",
        "FGAC003,FGAC004 in default version v1",
    );
    one(
        "t-deleted",
        "app-legacy",
        "NOT_APPLICABLE",
        "resource deleted",
    );
    one(
        "t-carol",
        "carol",
        "NON_COMPLIANT",
        "FGAC018 via AWS managed policy NeptuneFullAccess (neptune-db:* on *)",
    );
    one(
        "t-dave",
        "dave",
        "NON_COMPLIANT",
        "FGAC019 via group graph-operators inline policy all",
    );
    one(
        "t-denied",
        "app-full-denied",
        "COMPLIANT",
        "1 document(s) use neptune-db actions the fine-grained way",
    );
    let ghost = emulator.verdicts("t-ghost");
    assert_eq!(ghost.len(), 1);
    assert_eq!(ghost[0].1, "NOT_APPLICABLE");
    assert_eq!(ghost[0].2, "AWS::IAM::User ghost no longer exists");

    // The scheduled run judges every IAM entity and sends what the change events above did
    // not already record; afterwards Config holds every entity's verdict.
    let scheduled = emulator.verdict_pairs("t-scheduled");
    let expected = world.expected_for(RULE);
    assert!(
        scheduled.iter().all(|v| expected.contains(v)),
        "{scheduled:?}"
    );
    // Conditions Neptune never sees and a misspelt query language, through the Lambda.
    let sent = emulator.verdicts("t-scheduled");
    for (name, code) in [
        ("graph-mfa-gated", "FGAC014 in default version v1"),
        ("graph-language-typo", "FGAC016 in default version v1"),
        // The principal's whole view (carol and dave came as change events above).
        (
            "app-neptune-read-only",
            "FGAC018 via AWS managed policy NeptuneReadOnlyAccess (neptune-db:Read*,neptune-db:Get*,neptune-db:List* on *)",
        ),
        ("app-full-open", "FGAC003 in inline policy all"),
    ] {
        let verdict = sent
            .iter()
            .find(|v| v.0 == id(name))
            .unwrap_or_else(|| panic!("{name} judged: {sent:?}"));
        assert_eq!(
            (verdict.1.as_str(), verdict.2.as_str()),
            ("NON_COMPLIANT", code)
        );
    }
    // NOT_APPLICABLE is the absence of a result: Config holds the others.
    let recorded = emulator.recorded_results(REGION, RULE);
    let missing: Vec<_> = world
        .expected_sent_for(RULE)
        .into_iter()
        .filter(|v| !recorded.contains(v))
        .collect();
    assert!(
        missing.is_empty(),
        "exactly one verdict per IAM entity, not recorded: {missing:?}"
    );
    assert!(recorded.iter().all(|(_, c)| c != "NOT_APPLICABLE"));
    match outcome(&run.outcomes, "t-scheduled") {
        Outcome::Response { body, .. } => {
            assert_eq!(body["evaluations"], expected.len(), "{body}");
            assert_eq!(body["sent"], scheduled.len(), "{body}");
        }
        other => panic!("{other:?}"),
    }
    let types: std::collections::BTreeSet<String> = emulator
        .evaluations("t-scheduled")
        .iter()
        .map(|e| e["ComplianceResourceType"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        [
            "AWS::IAM::Group",
            "AWS::IAM::Policy",
            "AWS::IAM::Role",
            "AWS::IAM::User"
        ]
    );
    assert_error_outcome(
        &run.outcomes,
        "t-params",
        "InvalidRuleParameters",
        "parameter `includeAdminPolicies` must be true or false, not `maybe`",
    );
    assert_eq!(run.evaluation_logs().len(), 14 + expected.len());
}

#[test]
fn a_listing_without_policy_ids_never_gives_an_empty_id() {
    // moto's own GetAccountAuthorizationDetails leaves PolicyId out of managed policies (the
    // emulator's bridge 3 is left out here): the rule reads each id with GetPolicy.
    let emulator = &Emulator::start_with(&["--iam-details-without-policy-ids"]);
    let world = emulator.seed(REGION, "iam");
    let binary = env!("CARGO_BIN_EXE_neptune-fgac-policy-hygiene");
    let before = emulator.calls();
    let run = run_lambda(
        binary.as_ref(),
        emulator,
        REGION,
        vec![("t-ids", scheduled_event(RULE, "t-ids"))],
    );
    assert!(matches!(
        outcome(&run.outcomes, "t-ids"),
        Outcome::Response { .. }
    ));
    let policies = world.0["iam"]
        .as_object()
        .unwrap()
        .values()
        .filter(|facts| facts["type"] == "AWS::IAM::Policy")
        .count() as u64;
    let calls = emulator.calls_since(&before);
    // One GetPolicy per customer managed policy for its id, and one GetPolicy and
    // GetPolicyVersion per AWS managed policy a principal holds (NeptuneFullAccess,
    // NeptuneReadOnlyAccess), whatever the number of principals holding them.
    assert_eq!(
        calls.get("iam:GetPolicy"),
        Some(&(policies + 2)),
        "{calls:?}"
    );
    assert_eq!(calls.get("iam:GetPolicyVersion"), Some(&2), "{calls:?}");
    assert_eq!(
        run.logged_pairs(),
        world.expected_for(RULE),
        "every entity under the id AWS Config uses, with its verdict"
    );
    assert_eq!(
        emulator.verdict_pairs("t-ids"),
        world.expected_sent_for(RULE),
        "NOT_APPLICABLE is absence: not sent where no result stands"
    );

    // GetPolicy failing too: the policies are reported under their ARNs, not evaluated, and
    // every result Config holds stands (no "not evaluated" over a recorded verdict, no
    // policy removed as gone because its id could not be read).
    let recorded = emulator.recorded_results(REGION, RULE);
    emulator.inject_faults_where(1.0, 2, "actions=GetPolicy&kinds=internal-failure");
    let failing = run_lambda(
        binary.as_ref(),
        emulator,
        REGION,
        vec![("t-no-ids", scheduled_event(RULE, "t-no-ids"))],
    );
    emulator.inject_faults(0.0, 0);
    let recorded_policies = recorded
        .iter()
        .filter(|(id, _)| {
            world.0["iam"]
                .as_object()
                .unwrap()
                .values()
                .any(|f| f["type"] == "AWS::IAM::Policy" && f["resource_id"] == id.as_str())
        })
        .count() as u64;
    match outcome(&failing.outcomes, "t-no-ids") {
        // The policies, and the two principals holding an AWS managed policy it could not read.
        Outcome::Response { body, .. } => {
            assert_eq!(body["not_evaluated"], policies + 2, "{body}");
            assert_eq!(body["kept"], recorded_policies + 2, "{body}");
            assert_eq!(body["gone"], 0, "{body}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emulator.recorded_results(REGION, RULE), recorded);
    let logged = failing.evaluation_logs();
    for name in ["carol", "app-neptune-read-only"] {
        let id = world.iam_id(name);
        assert!(
            !emulator.verdicts("t-no-ids").iter().any(|v| v.0 == id),
            "{name}'s recorded verdict stands"
        );
        let verdict = logged
            .iter()
            .find(|l| l["resource_id"] == id.as_str())
            .expect("logged");
        assert_eq!(verdict["compliance"], "NOT_APPLICABLE");
        assert!(
            verdict["annotation"]
                .as_str()
                .unwrap_or_default()
                .starts_with(&format!(
                    "could not read policies {name} holds: arn:aws:iam::aws:policy/Neptune"
                )),
            "{verdict:?}"
        );
    }
    let unreadable: Vec<_> = emulator
        .verdicts("t-no-ids")
        .into_iter()
        .filter(|(id, _, _)| id.starts_with("arn:aws:iam::"))
        .collect();
    assert_eq!(unreadable.len() as u64, policies, "{unreadable:?}");
    for (id, compliance, annotation) in &unreadable {
        assert_eq!(compliance, "NOT_APPLICABLE");
        assert!(
            annotation.starts_with(&format!(
                "the id of {id} could not be read (GetPolicy failed"
            )),
            "{annotation}"
        );
    }
}
