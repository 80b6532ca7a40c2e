//! The exemption tag's lifecycle through a rule's Lambda (docs/contract.md, "Exemption tag"):
//! one test body for every Lambda rule that honours the tag, so none of them can honour it
//! differently.

use std::path::Path;

use serde_json::{json, Value};

use crate::checks::assert_calls_declared;
use crate::emulator::Emulator;
use crate::lambda::{change_event, run_lambda, scheduled_event, LambdaRun};

/// Where a resource's tags live, for tagging it in the emulator.
pub enum TagTarget {
    /// A Neptune/RDS resource by ARN (AddTagsToResource `ResourceName`).
    Neptune(String),
    /// A DMS resource by ARN (AddTagsToResource `ResourceArn`).
    Dms(String),
}

/// A resource that fails its rule in a seeded world, with what the lifecycle needs of it.
pub struct ExemptionCase<'a> {
    pub binary: &'a Path,
    pub rule: &'a str,
    pub region: &'a str,
    /// The resource's id in evaluations.
    pub resource_id: String,
    pub target: TagTarget,
    /// A change item of the resource as it is (its `tags` are set here).
    pub item: Value,
    /// The rule's declared permissions: every call of the runs must be one of them.
    pub permissions: Vec<&'static str>,
    /// The action that reads tags, and how many calls of it a scheduled run makes (one per
    /// failing resource, or per batch of them).
    pub tag_reads: (&'a str, u64),
}

const KEY: &str = "neptune-guardrails:exempt";

/// A failing resource tagged `true until` a future day is NOT_APPLICABLE on a scheduled run
/// (its tags read because it fails) and on a change whose item carries the tag; once the day
/// has passed it is NON_COMPLIANT again, and the annotation opens with the expiry.
pub fn assert_exemption_lifecycle(emulator: &Emulator, case: ExemptionCase) {
    let verdict_of = |run: &LambdaRun| {
        run.evaluation_logs()
            .iter()
            .find(|log| log["resource_id"] == case.resource_id.as_str())
            .map(|log| {
                (
                    log["compliance"].as_str().unwrap_or_default().to_string(),
                    log["annotation"].as_str().unwrap_or_default().to_string(),
                )
            })
            .unwrap_or_else(|| panic!("no evaluation of {}", case.resource_id))
    };
    let run = |name: &str, event: Value| {
        run_lambda(case.binary, emulator, case.region, vec![(name, event)])
    };

    let future = "true until 2099-12-31";
    tag(emulator, case.region, &case.target, future);
    let before = emulator.calls();
    let scheduled = run("t-exempt", scheduled_event(case.rule, "t-exempt"));
    assert_eq!(
        verdict_of(&scheduled),
        (
            "NOT_APPLICABLE".into(),
            format!("exempt by tag {KEY}={future}")
        ),
        "{}",
        case.rule
    );
    let calls = emulator.calls_since(&before);
    assert_calls_declared(&calls, &case.permissions);
    let (action, expected) = case.tag_reads;
    assert_eq!(
        calls.get(action).copied().unwrap_or(0),
        expected,
        "{}: tags are read for failing resources only: {calls:?}",
        case.rule
    );

    let mut item = case.item.clone();
    item["tags"] = json!({ KEY: future });
    let changed = run(
        "t-exempt-change",
        change_event(case.rule, item, "t-exempt-change", None),
    );
    assert_eq!(verdict_of(&changed).0, "NOT_APPLICABLE", "{}", case.rule);

    tag(emulator, case.region, &case.target, "true until 2020-01-31");
    let expired = run("t-expired", scheduled_event(case.rule, "t-expired"));
    let (compliance, annotation) = verdict_of(&expired);
    assert_eq!(compliance, "NON_COMPLIANT", "{}: {annotation}", case.rule);
    assert!(
        annotation.starts_with(&format!(
            "exemption tag {KEY}=true until 2020-01-31 expired on 2020-01-31: "
        )),
        "{annotation}"
    );
}

fn tag(emulator: &Emulator, region: &str, target: &TagTarget, value: &str) {
    let tags = json!([{ "Key": KEY, "Value": value }]);
    match target {
        TagTarget::Neptune(arn) => emulator.call(
            region,
            None,
            "neptune",
            "add_tags_to_resource",
            json!({ "ResourceName": arn, "Tags": tags }),
        ),
        TagTarget::Dms(arn) => emulator.call(
            region,
            None,
            "dms",
            "add_tags_to_resource",
            json!({ "ResourceArn": arn, "Tags": tags }),
        ),
    };
}
