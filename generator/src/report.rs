//! `gen scan` report formats besides the table and the DESIGN.md JSON: CSV, SARIF 2.1.0 and
//! the AWS Security Finding Format, and the one-line summary.

use std::collections::BTreeMap;

use guardrails_core::registry::{ResourceType, RuleSpec, Severity};
use guardrails_core::Compliance;
use serde::Serialize;
use serde_json::{json, Value};

use crate::scan::Row;

/// Pretty JSON with a final newline, how every JSON-shaped format is printed.
pub fn pretty_json(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).expect("report values always serialise to JSON") + "\n"
}

/// A SARIF 2.1.0 log of one run of neptune-guardrails (`gen scan` and `gen lint-policy`).
pub fn sarif_log(rules: Vec<Value>, results: Vec<Value>) -> Value {
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "neptune-guardrails",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

/// RFC 4180 CSV with a header row; fields quoted when they hold a comma, quote or newline.
pub fn csv(rows: &[Row]) -> String {
    fn field(text: &str) -> String {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    }
    let mut out = String::from("rule,resource_type,resource_id,compliance,annotation\r\n");
    for row in rows {
        let fields = [
            row.rule,
            row.resource_type,
            &row.resource_id,
            row.compliance.as_str(),
            &row.annotation,
        ];
        out.push_str(&fields.map(field).join(","));
        out.push_str("\r\n");
    }
    out
}

/// SARIF level of a rule severity: what code-scanning tools colour as error/warning/note.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity` score (0-10) of a rule severity.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// SARIF 2.1.0: one reporting rule per scanned rule, one result per NON_COMPLIANT resource,
/// located by a logical location (the cloud resource) rather than a file.
pub fn sarif(specs: &[&RuleSpec], rows: &[Row]) -> Value {
    let rules: Vec<Value> = specs
        .iter()
        .map(|spec| {
            json!({
                "id": spec.id,
                "name": spec.id,
                "shortDescription": {"text": spec.title},
                "fullDescription": {"text": spec.docs},
                "help": {
                    "text": format!("Remediate with the SSM Automation runbook {} ({}).", spec.remediation.runbook, if spec.remediation.automatic { "automatic by default" } else { "started by hand" }),
                    "markdown": format!("Remediate with the SSM Automation runbook `{}`.\n\n{}", spec.remediation.runbook, spec.docs),
                },
                "defaultConfiguration": {"level": level(spec.severity)},
                "properties": {"security-severity": security_severity(spec.severity), "tags": ["security", "aws-config", "neptune"]},
            })
        })
        .collect();
    let results: Vec<Value> = rows
        .iter()
        .filter(|row| row.compliance == Compliance::NonCompliant)
        .map(|row| {
            let index = specs.iter().position(|s| s.id == row.rule).unwrap_or(0);
            json!({
                "ruleId": row.rule,
                "ruleIndex": index,
                "level": level(specs[index].severity),
                "message": {"text": row.annotation},
                "locations": [{"logicalLocations": [{
                    "name": row.resource_id,
                    "fullyQualifiedName": format!("{}/{}", row.resource_type, row.resource_id),
                    "kind": "resource",
                }]}],
                "partialFingerprints": {"resource/v1": format!("{}|{}|{}", row.rule, row.resource_type, row.resource_id)},
            })
        })
        .collect();
    sarif_log(rules, results)
}

/// Where a scan ran, for the ASFF fields that name the account.
pub struct Scope {
    pub account: String,
    pub region: String,
    /// RFC 3339 time of the scan.
    pub now: String,
}

impl Scope {
    fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }
}

/// The ASFF resource type and details of an evaluated resource.
fn asff_resource(resource_type: &str, id: &str) -> (&'static str, Value) {
    match ResourceType::parse(resource_type) {
        Some(ResourceType::RdsDbCluster) => (
            "AwsRdsDbCluster",
            json!({"AwsRdsDbCluster": {"DbClusterResourceId": id}}),
        ),
        Some(ResourceType::IamPolicy) => {
            ("AwsIamPolicy", json!({"AwsIamPolicy": {"PolicyId": id}}))
        }
        Some(ResourceType::IamRole) => ("AwsIamRole", json!({"AwsIamRole": {"RoleId": id}})),
        Some(ResourceType::IamUser) => ("AwsIamUser", json!({"AwsIamUser": {"UserId": id}})),
        Some(ResourceType::IamGroup) => ("AwsIamGroup", json!({"AwsIamGroup": {"GroupId": id}})),
        Some(ResourceType::DmsEndpoint) | None => (
            "Other",
            json!({"Other": {"ConfigResourceType": resource_type, "ConfigResourceId": id}}),
        ),
    }
}

/// Cut to a character limit of the format.
fn cut(text: &str, limit: usize) -> String {
    text.chars().take(limit).collect()
}

/// ASFF (SchemaVersion 2018-10-08) findings for Security Hub: a NON_COMPLIANT result is an
/// active FAILED finding, a COMPLIANT one the archived PASSED update that resolves an earlier
/// finding of the same id (a no-op when there was none); NOT_APPLICABLE gives none. Ids are
/// stable per account, region (`global` for IAM) rule and resource, so a re-scan updates.
pub fn asff(specs: &[&RuleSpec], rows: &[Row], scope: &Scope) -> Vec<Value> {
    let partition = scope.partition();
    let product = format!(
        "arn:{partition}:securityhub:{}:{}:product/{}/default",
        scope.region, scope.account, scope.account
    );
    rows.iter()
        .filter(|row| row.compliance != Compliance::NotApplicable)
        .filter_map(|row| {
            let spec = specs.iter().find(|s| s.id == row.rule)?;
            let failed = row.compliance == Compliance::NonCompliant;
            let place = if spec.is_global() { "global" } else { scope.region.as_str() };
            let (kind, details) = asff_resource(row.resource_type, &row.resource_id);
            Some(json!({
                "SchemaVersion": "2018-10-08",
                "Id": format!("neptune-guardrails/{}/{place}/{}/{}", scope.account, row.rule, row.resource_id),
                "ProductArn": product,
                "GeneratorId": row.rule,
                "AwsAccountId": scope.account,
                "Types": ["Software and Configuration Checks/AWS Security Best Practices/Neptune Guardrails"],
                "CreatedAt": scope.now,
                "UpdatedAt": scope.now,
                "Severity": {"Label": if failed { spec.severity.label() } else { "INFORMATIONAL" }},
                "Title": cut(spec.title, 256),
                "Description": cut(&row.annotation, 1024),
                "Remediation": {"Recommendation": {
                    "Text": cut(&format!("Run the SSM Automation runbook {} that Neptune Guardrails deploys ({}).", spec.remediation.runbook, spec.remediation.rationale), 512),
                    "Url": format!("https://{0}.console.aws.amazon.com/systems-manager/documents/{1}/description?region={0}", scope.region, spec.remediation.runbook),
                }},
                "ProductFields": {
                    "neptune-guardrails/RuleId": row.rule,
                    "neptune-guardrails/Runbook": spec.remediation.runbook,
                    "neptune-guardrails/ConfigResourceType": row.resource_type,
                },
                "Resources": [{
                    "Type": kind,
                    "Id": row.resource_id,
                    "Partition": partition,
                    "Region": scope.region,
                    "Details": details,
                }],
                "Compliance": {"Status": if failed { "FAILED" } else { "PASSED" }},
                "Workflow": {"Status": if failed { "NEW" } else { "RESOLVED" }},
                "RecordState": if failed { "ACTIVE" } else { "ARCHIVED" },
            }))
        })
        .collect()
}

/// `34 evaluations: 10 COMPLIANT, 16 NON_COMPLIANT, 8 NOT_APPLICABLE; by rule: id 3/1/0, …`
/// (compliant/non-compliant/not applicable).
pub fn summary(rows: &[Row]) -> String {
    let count = |c| rows.iter().filter(|r| r.compliance == c).count();
    let mut by_rule: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for row in rows {
        let slot = match row.compliance {
            Compliance::Compliant => 0,
            Compliance::NonCompliant => 1,
            _ => 2,
        };
        by_rule.entry(row.rule).or_default()[slot] += 1;
    }
    let rules: Vec<String> = by_rule
        .iter()
        .map(|(rule, [c, n, a])| format!("{rule} {c}/{n}/{a}"))
        .collect();
    format!(
        "{} evaluations: {} COMPLIANT, {} NON_COMPLIANT, {} NOT_APPLICABLE; by rule (compliant/non-compliant/not applicable): {}",
        rows.len(),
        count(Compliance::Compliant),
        count(Compliance::NonCompliant),
        count(Compliance::NotApplicable),
        if rules.is_empty() { "none".to_string() } else { rules.join(", ") }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(rule: &'static str, id: &str, compliance: Compliance, annotation: &str) -> Row {
        Row {
            rule,
            resource_type: "AWS::RDS::DBCluster",
            resource_id: id.to_string(),
            compliance,
            annotation: annotation.to_string(),
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let rows = [row(
            "r",
            "cluster-A",
            Compliance::NonCompliant,
            "off, \"really\"\nyes",
        )];
        assert_eq!(
            csv(&rows),
            "rule,resource_type,resource_id,compliance,annotation\r\n\
             r,AWS::RDS::DBCluster,cluster-A,NON_COMPLIANT,\"off, \"\"really\"\"\nyes\"\r\n"
        );
    }

    #[test]
    fn sarif_reports_non_compliant_resources_against_their_rule() {
        let spec = &neptune_cluster_iam_auth::SPEC;
        let rows = [
            row(spec.id, "cluster-A", Compliance::NonCompliant, "IAM off"),
            row(spec.id, "cluster-B", Compliance::Compliant, "on"),
        ];
        let log = sarif(&[spec], &rows);
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0]["ruleId"], spec.id);
        assert_eq!(results[0]["level"], "warning");
        assert_eq!(
            results[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "AWS::RDS::DBCluster/cluster-A"
        );
        assert_eq!(
            log["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"],
            "5.5"
        );
    }

    #[test]
    fn asff_findings_have_the_required_fields_and_stable_ids() {
        let cluster = &neptune_cluster_iam_auth::SPEC;
        let fgac = &neptune_fgac_policy_hygiene::SPEC;
        let mut policy = row(fgac.id, "ANPAEXAMPLE", Compliance::NonCompliant, "FGAC001");
        policy.resource_type = "AWS::IAM::Policy";
        let rows = [
            row(cluster.id, "cluster-A", Compliance::NonCompliant, "IAM off"),
            row(cluster.id, "cluster-B", Compliance::Compliant, "on"),
            row(
                cluster.id,
                "cluster-C",
                Compliance::NotApplicable,
                "not neptune",
            ),
            policy,
        ];
        let scope = |now: &str| Scope {
            account: "123456789012".into(),
            region: "eu-west-1".into(),
            now: now.into(),
        };
        let findings = asff(&[cluster, fgac], &rows, &scope("2026-11-24T10:00:00Z"));
        assert_eq!(findings.len(), 3, "NOT_APPLICABLE gives no finding");
        let required = [
            "SchemaVersion",
            "Id",
            "ProductArn",
            "GeneratorId",
            "AwsAccountId",
            "Types",
            "CreatedAt",
            "UpdatedAt",
            "Severity",
            "Title",
            "Description",
            "Resources",
        ];
        for finding in &findings {
            for field in required {
                assert!(!finding[field].is_null(), "{field} missing in {finding}");
            }
            assert!(finding["Types"].as_array().unwrap().iter().all(|t| t
                .as_str()
                .unwrap()
                .split('/')
                .count()
                == 3));
            assert_eq!(finding["Resources"][0]["Partition"], "aws");
        }
        let (failed, passed, iam) = (&findings[0], &findings[1], &findings[2]);
        assert_eq!(failed["Compliance"]["Status"], "FAILED");
        assert_eq!(failed["Severity"]["Label"], "MEDIUM");
        assert_eq!(failed["RecordState"], "ACTIVE");
        assert_eq!(failed["Resources"][0]["Type"], "AwsRdsDbCluster");
        assert_eq!(
            failed["Resources"][0]["Details"]["AwsRdsDbCluster"]["DbClusterResourceId"],
            "cluster-A"
        );
        assert_eq!(
            failed["ProductArn"],
            "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
        );
        assert_eq!(passed["Workflow"]["Status"], "RESOLVED");
        assert_eq!(passed["RecordState"], "ARCHIVED");
        assert_eq!(iam["Resources"][0]["Type"], "AwsIamPolicy");
        assert!(
            iam["Id"].as_str().unwrap().contains("/global/"),
            "IAM findings are region-free"
        );
        // A later scan updates the same findings.
        let later = asff(&[cluster, fgac], &rows, &scope("2026-11-25T10:00:00Z"));
        let ids = |f: &[Value]| f.iter().map(|x| x["Id"].clone()).collect::<Vec<_>>();
        assert_eq!(ids(&findings), ids(&later));
    }

    #[test]
    fn summary_counts_by_verdict_and_rule() {
        let rows = [
            row("a", "1", Compliance::NonCompliant, ""),
            row("a", "2", Compliance::Compliant, ""),
            row("b", "3", Compliance::NotApplicable, ""),
        ];
        assert_eq!(
            summary(&rows),
            "3 evaluations: 1 COMPLIANT, 1 NON_COMPLIANT, 1 NOT_APPLICABLE; by rule (compliant/non-compliant/not applicable): a 1/1/0, b 0/0/1"
        );
    }
}
