//! Configuration items as AWS Config records them.
//!
//! Config's key casing differs from the SDK's (`iAMDatabaseAuthenticationEnabled`,
//! `dBClusterIdentifier`, `ARN`), so every lookup here is case-insensitive.

use std::collections::BTreeMap;

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use serde_json::Value;

use crate::error::RuleError;

#[derive(Debug, Clone, PartialEq)]
pub struct ConfigurationItem {
    pub resource_type: String,
    pub resource_id: String,
    pub resource_name: Option<String>,
    pub arn: Option<String>,
    /// `OK`, `ResourceDiscovered`, `ResourceNotRecorded`, `ResourceDeleted`,
    /// `ResourceDeletedNotRecorded`.
    pub status: Option<String>,
    pub capture_time: Option<DateTime>,
    /// The resource's describe output; `Null` when the event carried only a summary.
    pub configuration: Value,
    pub tags: BTreeMap<String, String>,
}

impl ConfigurationItem {
    /// From the `configurationItem` (or `configurationItemSummary`) of an invoking event.
    pub fn from_json(value: &Value) -> Result<Self, RuleError> {
        if !value.is_object() {
            return Err(RuleError::MalformedEvent(
                "the configuration item is not a JSON object".into(),
            ));
        }
        let text = |key: &str| get(value, key).and_then(Value::as_str).map(str::to_string);
        let required = |key: &str| match get(value, key) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            None | Some(Value::Null) | Some(Value::String(_)) => Err(RuleError::MalformedEvent(
                format!("the configuration item has no `{key}`"),
            )),
            Some(_) => Err(RuleError::MalformedEvent(format!(
                "the configuration item's `{key}` is not a string"
            ))),
        };
        let configuration = match get(value, "configuration") {
            // Some items carry the configuration as an embedded JSON string.
            Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
            Some(v) => v.clone(),
            None => Value::Null,
        };
        let tags = get(value, "tags")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(ConfigurationItem {
            resource_type: required("resourceType")?,
            resource_id: required("resourceId")?,
            resource_name: text("resourceName"),
            arn: text("ARN").or_else(|| text("resourceArn")),
            status: text("configurationItemStatus"),
            capture_time: text("configurationItemCaptureTime").and_then(|t| parse_time(&t)),
            configuration,
            tags,
        })
    }

    /// From an item returned by `GetResourceConfigHistory`.
    pub(crate) fn from_history(item: &aws_sdk_config::types::ConfigurationItem) -> Self {
        ConfigurationItem {
            resource_type: item
                .resource_type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            resource_id: item.resource_id().unwrap_or_default().to_string(),
            resource_name: item.resource_name().map(str::to_string),
            arn: item.arn().map(str::to_string),
            status: item
                .configuration_item_status()
                .map(|s| s.as_str().to_string()),
            capture_time: item.configuration_item_capture_time().copied(),
            configuration: item
                .configuration()
                .and_then(|c| serde_json::from_str(c).ok())
                .unwrap_or(Value::Null),
            tags: item
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }
    }

    /// Config reports deletions with these statuses; a deleted resource is NOT_APPLICABLE.
    pub(crate) fn is_deleted(&self) -> bool {
        matches!(
            self.status.as_deref(),
            Some("ResourceDeleted" | "ResourceDeletedNotRecorded")
        )
    }

    /// A value of the recorded configuration, by a case-insensitive key path.
    pub fn field(&self, path: &[&str]) -> Option<&Value> {
        path.iter()
            .try_fold(&self.configuration, |v, key| get(v, key))
            .filter(|v| !v.is_null())
    }

    pub fn text(&self, path: &[&str]) -> Option<String> {
        self.field(path).and_then(as_text)
    }

    pub fn flag(&self, path: &[&str]) -> Option<bool> {
        self.field(path).and_then(as_flag)
    }
}

/// Case-insensitive object lookup (an exact match wins).
pub fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A string value; Config sometimes records scalars of other types.
pub fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A boolean value; Config records some booleans as the strings "true"/"false".
pub fn as_flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// An ISO 8601 time as Config writes it (`2024-05-01T12:00:00.123Z`).
pub(crate) fn parse_time(text: &str) -> Option<DateTime> {
    DateTime::from_str(text, Format::DateTime).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cluster_item() -> Value {
        json!({
            "configurationItemCaptureTime": "2026-11-01T10:00:00.000Z",
            "configurationItemStatus": "OK",
            "resourceType": "AWS::RDS::DBCluster",
            "resourceId": "cluster-ABC",
            "resourceName": "graph",
            "ARN": "arn:aws:rds:us-east-1:123456789012:cluster:graph",
            "tags": {"team": "data"},
            "configuration": {
                "engine": "neptune",
                "iAMDatabaseAuthenticationEnabled": "false",
                "vpcSecurityGroups": [{"vpcSecurityGroupId": "sg-1"}]
            }
        })
    }

    #[test]
    fn reads_config_keys_whatever_their_casing() {
        let item = ConfigurationItem::from_json(&cluster_item()).unwrap();
        assert_eq!(item.resource_id, "cluster-ABC");
        assert_eq!(item.resource_name.as_deref(), Some("graph"));
        assert_eq!(
            item.arn.as_deref(),
            Some("arn:aws:rds:us-east-1:123456789012:cluster:graph")
        );
        assert_eq!(item.text(&["Engine"]).as_deref(), Some("neptune"));
        assert_eq!(
            item.flag(&["IAMDatabaseAuthenticationEnabled"]),
            Some(false)
        );
        assert_eq!(item.tags.get("team").map(String::as_str), Some("data"));
        assert_eq!(item.capture_time, parse_time("2026-11-01T10:00:00Z"));
        assert!(!item.is_deleted());
    }

    #[test]
    fn embedded_json_configuration_is_parsed_and_absent_fields_are_none() {
        let mut raw = cluster_item();
        raw["configuration"] = json!("{\"engine\":\"neptune\"}");
        let item = ConfigurationItem::from_json(&raw).unwrap();
        assert_eq!(item.text(&["engine"]).as_deref(), Some("neptune"));
        assert_eq!(item.field(&["nope", "deeper"]), None);
        assert_eq!(item.flag(&["engine"]), None);
    }

    #[test]
    fn items_without_type_or_id_are_rejected_with_the_missing_key() {
        for key in ["resourceType", "resourceId"] {
            let mut raw = cluster_item();
            raw.as_object_mut().unwrap().remove(key);
            let err = ConfigurationItem::from_json(&raw).unwrap_err().to_string();
            assert!(err.contains(key), "{err}");
        }
        assert!(ConfigurationItem::from_json(&json!([1])).is_err());
    }

    #[test]
    fn deleted_statuses_are_recognised() {
        for (status, deleted) in [
            ("ResourceDeleted", true),
            ("ResourceDeletedNotRecorded", true),
            ("OK", false),
            ("ResourceDiscovered", false),
        ] {
            let mut raw = cluster_item();
            raw["configurationItemStatus"] = json!(status);
            assert_eq!(
                ConfigurationItem::from_json(&raw).unwrap().is_deleted(),
                deleted
            );
        }
    }

    #[test]
    fn history_items_convert_with_their_embedded_configuration() {
        use aws_sdk_config::types::{ConfigurationItem as Sdk, ResourceType};
        let sdk = Sdk::builder()
            .resource_type(ResourceType::from("AWS::RDS::DBCluster"))
            .resource_id("cluster-ABC")
            .resource_name("graph")
            .configuration("{\"engine\":\"neptune\",\"iamDatabaseAuthenticationEnabled\":true}")
            .build();
        let item = ConfigurationItem::from_history(&sdk);
        assert_eq!(item.resource_type, "AWS::RDS::DBCluster");
        assert_eq!(item.flag(&["IAMDatabaseAuthenticationEnabled"]), Some(true));
    }
}
