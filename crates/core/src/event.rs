//! AWS Config rule events. `invokingEvent` and `ruleParameters` arrive as JSON *strings*.

use aws_lambda_events::event::config::ConfigEvent;
use aws_smithy_types::DateTime;
use serde_json::Value;

use crate::error::RuleError;
use crate::item::{self, ConfigurationItem};

/// What Config asks the rule to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// One changed resource, with its full configuration item.
    Change(ConfigurationItem),
    /// One changed resource whose item was too large for the event: only the summary came
    /// (its `configuration` is `Null`); the item is fetched with `GetResourceConfigHistory`.
    Oversized(ConfigurationItem),
    /// Periodic: evaluate every resource in scope.
    Scheduled { notification_time: Option<DateTime> },
}

/// A parsed Config rule event.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub message: Message,
    pub result_token: String,
    pub rule_parameters: Option<String>,
    pub event_left_scope: bool,
    pub config_rule_name: Option<String>,
}

impl Invocation {
    /// Parse the Lambda payload of a Config rule event; every problem is a clear error.
    pub fn parse(payload: Value) -> Result<Self, RuleError> {
        let malformed = |why: String| RuleError::MalformedEvent(why);
        let mut payload = payload;
        let object = payload
            .as_object_mut()
            .ok_or_else(|| malformed("the event is not a JSON object".into()))?;
        // Real events always carry it; a hand-made test event may not.
        object.entry("eventLeftScope").or_insert(Value::Bool(false));
        let event: ConfigEvent = serde_json::from_value(payload)
            .map_err(|e| malformed(format!("not an AWS Config rule event: {e}")))?;

        let result_token = event
            .result_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| malformed("no `resultToken`".into()))?;
        let invoking_text = event
            .invoking_event
            .ok_or_else(|| malformed("no `invokingEvent`".into()))?;
        let invoking: Value = serde_json::from_str(&invoking_text)
            .map_err(|e| malformed(format!("`invokingEvent` is not a JSON string: {e}")))?;
        let message_type = item::get(&invoking, "messageType")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("`invokingEvent` has no `messageType`".into()))?;

        let message = match message_type {
            "ConfigurationItemChangeNotification" => {
                let raw = item::get(&invoking, "configurationItem")
                    .filter(|v| !v.is_null())
                    .ok_or_else(|| {
                        malformed("no `configurationItem` in the change notification".into())
                    })?;
                Message::Change(ConfigurationItem::from_json(raw)?)
            }
            "OversizedConfigurationItemChangeNotification" => {
                let raw = item::get(&invoking, "configurationItemSummary")
                    .filter(|v| !v.is_null())
                    .ok_or_else(|| {
                        malformed(
                            "no `configurationItemSummary` in the oversized notification".into(),
                        )
                    })?;
                let mut summary = ConfigurationItem::from_json(raw)?;
                summary.configuration = Value::Null;
                Message::Oversized(summary)
            }
            "ScheduledNotification" => Message::Scheduled {
                notification_time: item::get(&invoking, "notificationCreationTime")
                    .and_then(Value::as_str)
                    .and_then(item::parse_time),
            },
            other => return Err(malformed(format!("unsupported messageType `{other}`"))),
        };

        Ok(Invocation {
            message,
            result_token,
            rule_parameters: event.rule_parameters.filter(|p| !p.trim().is_empty()),
            event_left_scope: event.event_left_scope,
            config_rule_name: event.config_rule_name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(invoking: Value) -> Value {
        json!({
            "invokingEvent": invoking.to_string(),
            "ruleParameters": "{\"checkTargetCluster\":\"false\"}",
            "resultToken": "token-1",
            "eventLeftScope": false,
            "executionRoleArn": "arn:aws:iam::123456789012:role/config-role",
            "configRuleArn": "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-1",
            "configRuleName": "neptune-cluster-iam-auth",
            "configRuleId": "config-rule-1",
            "accountId": "123456789012",
            "version": "1.0"
        })
    }

    fn item() -> Value {
        json!({
            "resourceType": "AWS::RDS::DBCluster",
            "resourceId": "cluster-ABC",
            "configurationItemStatus": "OK",
            "configurationItemCaptureTime": "2026-11-01T10:00:00.000Z",
            "configuration": {"engine": "neptune"}
        })
    }

    #[test]
    fn change_notification_carries_the_item() {
        let inv = Invocation::parse(event(json!({
            "messageType": "ConfigurationItemChangeNotification",
            "configurationItem": item(),
            "notificationCreationTime": "2026-11-01T10:00:01.000Z"
        })))
        .unwrap();
        assert_eq!(inv.result_token, "token-1");
        assert_eq!(
            inv.rule_parameters.as_deref(),
            Some("{\"checkTargetCluster\":\"false\"}")
        );
        match inv.message {
            Message::Change(item) => assert_eq!(item.text(&["engine"]).as_deref(), Some("neptune")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn oversized_notification_keeps_only_the_summary() {
        let mut summary = item();
        summary.as_object_mut().unwrap().remove("configuration");
        let inv = Invocation::parse(event(json!({
            "messageType": "OversizedConfigurationItemChangeNotification",
            "configurationItemSummary": summary
        })))
        .unwrap();
        match inv.message {
            Message::Oversized(item) => {
                assert_eq!(item.resource_id, "cluster-ABC");
                assert!(item.configuration.is_null());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn scheduled_notification_has_its_time() {
        let inv = Invocation::parse(event(json!({
            "messageType": "ScheduledNotification",
            "notificationCreationTime": "2026-11-01T10:00:01.000Z"
        })))
        .unwrap();
        assert_eq!(
            inv.message,
            Message::Scheduled {
                notification_time: item::parse_time("2026-11-01T10:00:01Z")
            }
        );
    }

    #[test]
    fn malformed_events_are_clear_errors() {
        let mut no_token = event(json!({"messageType": "ScheduledNotification"}));
        no_token.as_object_mut().unwrap().remove("resultToken");
        let mut invoking_not_string = event(json!({}));
        invoking_not_string["invokingEvent"] = json!("{not json");
        let cases: Vec<(Value, &str)> = vec![
            (json!("text"), "not a JSON object"),
            (
                json!({"invokingEvent": 5, "resultToken": "t"}),
                "not an AWS Config rule event",
            ),
            (no_token, "resultToken"),
            (invoking_not_string, "invokingEvent"),
            (event(json!({"x": 1})), "messageType"),
            (
                event(json!({"messageType": "Other"})),
                "unsupported messageType `Other`",
            ),
            (
                event(json!({"messageType": "ConfigurationItemChangeNotification"})),
                "configurationItem",
            ),
            (
                event(
                    json!({"messageType": "ConfigurationItemChangeNotification", "configurationItem": {"resourceType": "AWS::RDS::DBCluster"}}),
                ),
                "resourceId",
            ),
            (
                event(json!({"messageType": "OversizedConfigurationItemChangeNotification"})),
                "configurationItemSummary",
            ),
        ];
        for (payload, expected) in cases {
            let err = Invocation::parse(payload.clone()).unwrap_err();
            assert!(matches!(err, RuleError::MalformedEvent(_)), "{payload}");
            assert!(err.to_string().contains(expected), "{payload} -> {err}");
        }
    }
}
