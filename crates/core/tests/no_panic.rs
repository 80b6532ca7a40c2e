//! Property tests: whatever Lambda hands a rule (arbitrary bytes, JSON of any shape, events
//! that look almost right) the event, item and parameter parsers return a value or a clear
//! error, never panic. `PROPTEST_CASES` raises the case count (the bench command does).

use guardrails_core::registry::{
    ParamKind, ParamSpec, Remediation, ResourceType, Severity, Trigger,
};
use guardrails_core::{ConfigurationItem, Invocation, Params, RuleError, RuleSpec};
use proptest::prelude::*;
use serde_json::{json, Value};

const SPEC: RuleSpec = RuleSpec {
    id: "property-test-rule",
    title: "a rule for property tests",
    resource_types: &[ResourceType::RdsDbCluster],
    triggers: &[Trigger::ConfigurationChange],
    parameters: &[
        ParamSpec {
            name: "flag",
            kind: ParamKind::Bool,
            default: "true",
            description: "a boolean",
        },
        ParamSpec {
            name: "tag",
            kind: ParamKind::Text,
            default: "x",
            description: "a text",
        },
    ],
    severity: Severity::Medium,
    delivery: guardrails_core::registry::Delivery::Lambda,
    remediation: Remediation {
        runbook: "none",
        automatic: false,
        rationale: "none",
    },
    permissions: &[],
    frameworks: &[],
    docs: "none",
    reference: "",
};

/// Strings Config events use, and noise.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("ConfigurationItemChangeNotification".to_string()),
        Just("OversizedConfigurationItemChangeNotification".to_string()),
        Just("ScheduledNotification".to_string()),
        Just("AWS::RDS::DBCluster".to_string()),
        Just("ResourceDeleted".to_string()),
        Just("OK".to_string()),
        Just("2026-11-01T10:00:00.000Z".to_string()),
        Just(String::new()),
        "[ -~]{0,20}",
        any::<String>(),
    ]
}

/// JSON shaped like Config events and items: their keys, strings, nesting, wrong types.
fn event_like() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        text().prop_map(Value::String),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        Just(Value::Null),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let key = prop_oneof![
            Just("invokingEvent"),
            Just("ruleParameters"),
            Just("resultToken"),
            Just("eventLeftScope"),
            Just("configRuleName"),
            Just("messageType"),
            Just("configurationItem"),
            Just("configurationItemSummary"),
            Just("notificationCreationTime"),
            Just("resourceType"),
            Just("resourceId"),
            Just("resourceName"),
            Just("ARN"),
            Just("awsRegion"),
            Just("configurationItemStatus"),
            Just("configurationItemCaptureTime"),
            Just("configuration"),
            Just("supplementaryConfiguration"),
            Just("tags"),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key.prop_map(str::to_string), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An event whose `invokingEvent` is a JSON *string* of an event-like value, as Config sends.
fn nested_event() -> impl Strategy<Value = Value> {
    (event_like(), event_like(), text(), any::<bool>()).prop_map(
        |(invoking, parameters, token, left)| {
            json!({
                "invokingEvent": invoking.to_string(),
                "ruleParameters": parameters.to_string(),
                "resultToken": token,
                "eventLeftScope": left,
            })
        },
    )
}

fn check_invocation(result: Result<Invocation, RuleError>) {
    match result {
        Ok(invocation) => assert!(!invocation.result_token.is_empty()),
        Err(err) => {
            assert_eq!(err.error_type(), "MalformedConfigEvent", "{err}");
            assert!(!err.to_string().is_empty());
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            check_invocation(Invocation::parse(value));
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = Params::parse(&SPEC, Some(text));
        }
    }

    #[test]
    fn event_shaped_json_never_panics(event in event_like()) {
        check_invocation(Invocation::parse(event.clone()));
        let _ = ConfigurationItem::from_json(&event);
    }

    #[test]
    fn events_with_nested_strings_never_panic(event in nested_event()) {
        let parsed = Invocation::parse(event);
        if let Ok(invocation) = &parsed {
            let _ = Params::parse(&SPEC, invocation.rule_parameters.as_deref());
        }
        check_invocation(parsed);
    }

    #[test]
    fn parameters_parse_or_say_why(parameters in event_like()) {
        match Params::parse(&SPEC, Some(&parameters.to_string())) {
            Ok(params) => {
                // Values are always usable: booleans decided, texts present.
                let _ = params.flag("flag");
                prop_assert!(params.text("tag").is_some());
            }
            Err(err) => prop_assert_eq!(err.error_type(), "InvalidRuleParameters"),
        }
    }
}
