//! Property tests: whatever the input, the parser and analyzer return a result, never panic.

use guardrails_policy::{analyze_text, pattern, Context};
use proptest::prelude::*;

/// JSON values shaped like policy documents: the keys IAM uses, strings full of wildcards.
fn policy_like() -> impl Strategy<Value = serde_json::Value> {
    let text = prop_oneof![
        Just("*".to_string()),
        Just("neptune-db:*".to_string()),
        Just("Allow".to_string()),
        Just("Deny".to_string()),
        "[a-zA-Z*?:/${}%-]{0,24}",
        "arn:aws:neptune-db:[a-z0-9*-]{0,12}:[0-9*]{0,12}:[a-zA-Z0-9*?/${}-]{0,30}",
    ];
    let leaf = prop_oneof![
        text.prop_map(serde_json::Value::String),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        Just(serde_json::Value::Null),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("Version"),
            Just("Statement"),
            Just("Sid"),
            Just("Effect"),
            Just("Action"),
            Just("NotAction"),
            Just("Resource"),
            Just("NotResource"),
            Just("Principal"),
            Just("AWS"),
            Just("Condition"),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(key.prop_map(str::to_string), inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn contexts() -> impl Strategy<Value = Context> {
    (any::<bool>(), any::<bool>()).prop_map(|(include_admin, attached_to_user)| Context {
        include_admin,
        attached_to_user,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000)
    ))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>(), context in contexts()) {
        let _ = analyze_text(&text, context);
    }

    #[test]
    fn policy_shaped_json_never_panics(value in policy_like(), context in contexts(), encode in any::<bool>()) {
        let text = value.to_string();
        let text = if encode {
            guardrails_testkit::url_encode(&text)
        } else {
            text
        };
        if let Ok(analysis) = analyze_text(&text, context) {
            // Findings always explain a NON_COMPLIANT verdict and only it.
            let non_compliant = analysis.verdict == guardrails_policy::Verdict::NonCompliant;
            prop_assert_eq!(non_compliant, !analysis.findings.is_empty());
        }
    }

    #[test]
    fn patterns_never_panic_and_cover_agrees_with_matches(
        general in "[a-c*?]{0,8}", specific in "[a-c]{0,8}"
    ) {
        // For a literal `specific`, covering is matching.
        prop_assert_eq!(
            pattern::covers(&general, &specific, pattern::Case::Sensitive),
            pattern::matches(&general, &specific, pattern::Case::Sensitive)
        );
    }
}
