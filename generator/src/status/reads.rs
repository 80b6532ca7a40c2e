//! The reads of one member account and region: its recorder, its rules' names and their
//! evaluation status.

use aws_sdk_config::types::ConfigRuleEvaluationStatus;
use guardrails_core::aws::error_text;
use guardrails_core::registry::RuleSpec;
use serde::Serialize;

use crate::deploy;

#[derive(Debug, Serialize)]
pub struct Recorder {
    pub present: bool,
    pub recording: Option<bool>,
    /// Resource types the rules here need that no recorder records.
    pub unrecorded_types: Vec<String>,
}

/// The recorder (DescribeConfigurationRecorders and …RecorderStatus) and the types `rules`
/// need that it does not record.
pub async fn recorder_state(
    config: &aws_sdk_config::Client,
    rules: &[&'static RuleSpec],
    iam_home: bool,
) -> Result<Recorder, String> {
    let recorders = config
        .describe_configuration_recorders()
        .send()
        .await
        .map_err(|e| format!("DescribeConfigurationRecorders: {}", error_text(&e)))?;
    let recorders = recorders.configuration_recorders();
    if recorders.is_empty() {
        return Ok(Recorder {
            present: false,
            recording: None,
            unrecorded_types: Vec::new(),
        });
    }
    let statuses = config
        .describe_configuration_recorder_status()
        .send()
        .await
        .map_err(|e| format!("DescribeConfigurationRecorderStatus: {}", error_text(&e)))?;
    let recording = statuses
        .configuration_recorders_status()
        .iter()
        .any(|s| s.recording());
    let unrecorded_types = deploy::unrecorded(rules, recorders, iam_home)
        .iter()
        .map(|t| t.as_str().to_string())
        .collect();
    Ok(Recorder {
        present: true,
        recording: Some(recording),
        unrecorded_types,
    })
}

/// Every Config rule's name in the account and region (DescribeConfigRules, all pages).
pub async fn config_rule_names(config: &aws_sdk_config::Client) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = config
            .describe_config_rules()
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| format!("DescribeConfigRules: {}", error_text(&e)))?;
        names.extend(
            page.config_rules()
                .iter()
                .filter_map(|r| r.config_rule_name())
                .map(str::to_string),
        );
        match page.next_token() {
            Some(token) if !token.is_empty() => next = Some(token.to_string()),
            _ => return Ok(names),
        }
    }
}

/// The evaluation status of the rules `names` (at most 25), every page. AWS leaves custom
/// Lambda rules out (botocore `config` model); those get none.
pub async fn evaluation_status(
    config: &aws_sdk_config::Client,
    names: &[String],
) -> Result<Vec<ConfigRuleEvaluationStatus>, String> {
    let mut statuses = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = config
            .describe_config_rule_evaluation_status()
            .set_config_rule_names(Some(names.to_vec()))
            .limit(50)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| format!("DescribeConfigRuleEvaluationStatus: {}", error_text(&e)))?;
        statuses.extend(page.config_rules_evaluation_status().iter().cloned());
        match page.next_token() {
            Some(token) if !token.is_empty() => next = Some(token.to_string()),
            _ => return Ok(statuses),
        }
    }
}
