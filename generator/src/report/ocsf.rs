//! `--format ocsf`: one OCSF Compliance Finding event (class 2003, OCSF 1.5.0, with the
//! `cloud` profile) per evaluated resource, as a JSON array. Not what Amazon Security Lake
//! ingests from a custom source as it stands: that is Parquet objects partitioned by region,
//! account and day, in the OCSF version Security Lake validates (docs/scanning.md).

use guardrails_core::frameworks::{self, Framework};
use guardrails_core::registry::{RuleSpec, Severity};
use guardrails_core::Compliance;
use serde_json::{json, Value};

use crate::report;
use crate::report::asff::finding_id;
use crate::row::Row;
use crate::session::partition;

/// The OCSF version the events follow.
pub const OCSF_VERSION: &str = "1.5.0";
const COMPLIANCE_FINDING: u32 = 2003;
const FINDINGS_CATEGORY: u32 = 2;
/// Activity "Create": a scan reports the state it found.
const CREATE: u32 = 1;
/// `cloud.account.type_id` of an AWS account.
const AWS_ACCOUNT: u32 = 10;

/// OCSF `severity_id` and caption: the finding's severity for a failure, Informational
/// otherwise.
fn severity(row: &Row) -> (u32, &'static str) {
    if row.compliance != Compliance::NonCompliant {
        return (1, "Informational");
    }
    match row.severity {
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// `compliance.status_id`: Pass, Fail, Warning for a resource an AWS error kept the rule from
/// judging ("did not yield a result due to missing information"), Other for NOT_APPLICABLE,
/// which OCSF has no value of its own for (Config's verdict is in `unmapped.compliance`).
fn status_id(row: &Row) -> u32 {
    match (row.compliance, row.evaluated) {
        (Compliance::Compliant, _) => 1,
        (Compliance::NonCompliant, _) => 3,
        (Compliance::NotApplicable, false) => 2,
        (Compliance::NotApplicable, true) => 99,
    }
}

/// The events of a scan's rows; `time_ms` is the scan's time in milliseconds since the epoch.
pub fn events(specs: &[&RuleSpec], rows: &[Row], time_ms: i64) -> Vec<Value> {
    rows.iter()
        .filter_map(|row| {
            let spec = specs.iter().find(|s| s.id == row.rule)?;
            Some(event(spec, row, time_ms))
        })
        .collect()
}

fn event(spec: &RuleSpec, row: &Row, time_ms: i64) -> Value {
    let (severity_id, severity) = severity(row);
    let standards: Vec<&str> = spec
        .frameworks
        .iter()
        .map(|m| m.framework.title())
        .collect();
    let mut event = json!({
        "metadata": {
            "version": OCSF_VERSION,
            "product": {
                "name": "Neptune Guardrails",
                "vendor_name": "Neptune Guardrails",
                "version": env!("CARGO_PKG_VERSION"),
            },
            "profiles": ["cloud"],
            "event_code": spec.id,
        },
        "time": time_ms,
        "category_uid": FINDINGS_CATEGORY,
        "category_name": "Findings",
        "class_uid": COMPLIANCE_FINDING,
        "class_name": "Compliance Finding",
        "activity_id": CREATE,
        "activity_name": "Create",
        "type_uid": COMPLIANCE_FINDING * 100 + CREATE,
        "type_name": "Compliance Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        "message": row.annotation,
        "finding_info": {
            "uid": finding_id(spec, row),
            "title": spec.title,
            "desc": row.annotation,
            "created_time": time_ms,
        },
        "compliance": {
            "control": spec.id,
            "desc": spec.docs,
            "standards": standards,
            "requirements": frameworks::labels(spec.frameworks),
            "status_id": status_id(row),
        },
        "remediation": {
            "desc": report::remediation_advice(spec),
            "references": [report::runbook_url(spec, &row.region)],
        },
        "resources": [{
            "uid": row.resource_arn.as_deref().unwrap_or(&row.resource_id),
            "name": row.resource_name,
            "type": row.resource_type,
            "region": row.region,
            "cloud_partition": partition(&row.region),
            "data": {"config_resource_id": row.resource_id},
        }],
        "cloud": {
            "provider": "AWS",
            "region": row.region,
            "account": {"uid": row.account, "name": row.account, "type_id": AWS_ACCOUNT, "type": "AWS Account"},
        },
        "unmapped": {"compliance": row.compliance, "evaluated": row.evaluated},
    });
    if let Some(waiver) = &row.waiver {
        // A finding whose risk is accepted: OCSF's finding status Suppressed.
        event["status_id"] = json!(3);
        event["status"] = json!("Suppressed");
        event["unmapped"]["waiver"] = json!(waiver);
    }
    if let Some(fsbp) = frameworks::requirements(spec.frameworks, Framework::AwsFsbp).first() {
        event["finding_info"]["types"] = json!([format!("Security Hub control {fsbp}")]);
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::test_row as row;

    #[test]
    fn events_map_verdicts_to_ocsf_status_and_severity() {
        let spec = &neptune_cluster_iam_auth::SPEC;
        let mut broken = row(spec.id, "d", Compliance::NotApplicable, "AccessDenied");
        broken.evaluated = false;
        let rows = [
            row(spec.id, "a", Compliance::NonCompliant, "IAM off"),
            row(spec.id, "b", Compliance::Compliant, "on"),
            row(spec.id, "c", Compliance::NotApplicable, "not neptune"),
            broken,
        ];
        let events = events(&[spec], &rows, 1_764_500_000_000);
        let pick =
            |i: usize, path: &[&str]| path.iter().fold(&events[i], |v, key| &v[*key]).clone();
        assert_eq!(pick(0, &["type_uid"]), 200301);
        assert_eq!(pick(0, &["severity_id"]), 3);
        assert_eq!(pick(1, &["severity_id"]), 1);
        let statuses: Vec<Value> = (0..4)
            .map(|i| pick(i, &["compliance", "status_id"]))
            .collect();
        assert_eq!(statuses, [json!(3), json!(1), json!(99), json!(2)]);
        assert_eq!(pick(2, &["unmapped", "compliance"]), "NOT_APPLICABLE");
        assert_eq!(
            pick(0, &["resources"])[0]["uid"],
            "arn:aws:rds:eu-west-1:123456789012:cluster:name-of-a"
        );
        assert_eq!(
            pick(0, &["finding_info", "types"]),
            json!(["Security Hub control Neptune.7"])
        );
        assert_eq!(
            pick(0, &["compliance", "requirements"])[0],
            "AWS FSBP Neptune.7"
        );
        assert_eq!(pick(3, &["unmapped", "evaluated"]), false);
    }
}
