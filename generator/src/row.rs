//! One evaluated resource of a scan: what every report format (`report`, `asff`) renders.

use guardrails_core::registry::{ResourceType, Severity};
use guardrails_core::Compliance;
use serde::Serialize;

/// One result; the `--format json` shape is a contract (docs/contract.md).
#[derive(Debug, Serialize, PartialEq, Eq, Clone)]
pub struct Row {
    pub rule: &'static str,
    pub resource_type: ResourceType,
    pub resource_id: String,
    /// What people call it: cluster or endpoint identifier, IAM policy/role/user/group name.
    pub resource_name: String,
    /// Its ARN when known (`null` otherwise): the id Security Hub and the console use.
    pub resource_arn: Option<String>,
    pub compliance: Compliance,
    pub annotation: String,
    pub account: String,
    pub region: String,
    /// False when an AWS error kept the rule from judging this resource (its compliance is
    /// then NOT_APPLICABLE and the annotation holds the error); such a scan exits 2.
    pub evaluated: bool,
    /// The finding's severity: its rule's, or graver where the finding says so (a network
    /// path open now); what ASFF, SARIF and OCSF grade it by.
    pub severity: Severity,
    /// With `gen scan --baseline`: whether the row is a failure the baseline did not hold
    /// (false for every other row); absent without a baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<bool>,
    /// With `gen scan --waivers`: the waiver a NON_COMPLIANT row is accepted under; absent
    /// otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<AppliedWaiver>,
}

/// What a waived row carries (`gen scan --waivers`): why, who approved it, and the last day
/// it holds (UTC).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AppliedWaiver {
    pub reason: String,
    pub approved_by: String,
    pub expires: String,
}

/// A cluster row of account 123456789012 in eu-west-1, for the report tests.
#[cfg(test)]
pub fn test_row(rule: &'static str, id: &str, compliance: Compliance, annotation: &str) -> Row {
    Row {
        rule,
        resource_type: ResourceType::RdsDbCluster,
        resource_id: id.into(),
        resource_name: format!("name-of-{id}"),
        resource_arn: Some(format!(
            "arn:aws:rds:eu-west-1:123456789012:cluster:name-of-{id}"
        )),
        compliance,
        annotation: annotation.into(),
        account: "123456789012".into(),
        region: "eu-west-1".into(),
        evaluated: true,
        severity: crate::catalog::SPECS
            .iter()
            .find(|s| s.id == rule)
            .map_or(Severity::Medium, |s| s.severity),
        new: None,
        waiver: None,
    }
}
