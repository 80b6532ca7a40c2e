//! The report formats of `gen scan` ([`Format`], [`render`]): the table (`table.rs`), the
//! contract's JSON (docs/contract.md), CSV and SARIF 2.1.0 here, ASFF (`asff.rs`), OCSF
//! (`ocsf.rs`) and HTML (`html.rs`); and the one-line and per-requirement summaries.

pub mod asff;
mod codes;
mod html;
mod ocsf;
mod table;

use std::collections::BTreeMap;

use guardrails_core::frameworks::{self, Framework};
use guardrails_core::registry::{RuleSpec, Severity};
use guardrails_core::Compliance;
use serde::Serialize;
use serde_json::{json, Value};

use crate::row::Row;
pub use html::escape;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    /// The array (docs/contract.md) of {rule, resource_type, resource_id, resource_name,
    /// resource_arn, compliance, annotation, account, region, evaluated, severity}.
    Json,
    /// The same columns, RFC 4180.
    Csv,
    /// SARIF 2.1.0: one result per NON_COMPLIANT resource.
    Sarif,
    /// AWS Security Finding Format array, for Security Hub BatchImportFindings.
    Asff,
    /// OCSF 1.5.0 Compliance Finding events (class 2003), one per evaluated resource, as a
    /// JSON array, for OCSF consumers (not Security Lake's custom-source Parquet layout).
    Ocsf,
    /// One self-contained HTML page: summary, charts, a filterable findings table.
    Html,
}

/// `rows` of a scan at `scanned_at` of `specs` in `format`; the table leads with ACCOUNT and
/// REGION over `many_targets`, and is coloured on a terminal.
pub fn render(
    format: Format,
    specs: &[&RuleSpec],
    rows: &[Row],
    scanned_at: aws_smithy_types::DateTime,
    many_targets: bool,
) -> String {
    let now = scanned_at
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .expect("the current time is within RFC 3339's range");
    match format {
        Format::Json => pretty_json(&codes::json_rows(rows)),
        Format::Csv => csv(rows),
        Format::Sarif => pretty_json(&sarif(specs, rows)),
        Format::Asff => pretty_json(
            &asff::findings(specs, rows, &now)
                .iter()
                .map(asff::Finding::to_json)
                .collect::<Vec<_>>(),
        ),
        Format::Ocsf => pretty_json(&ocsf::events(
            specs,
            rows,
            scanned_at
                .to_millis()
                .expect("the current time fits in milliseconds"),
        )),
        Format::Html => html::report(specs, rows, &now),
        Format::Table => {
            use std::io::IsTerminal;
            table::table(rows, many_targets, std::io::stdout().is_terminal())
        }
    }
}

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

/// How to put a NON_COMPLIANT resource right, one sentence (ASFF, OCSF).
pub fn remediation_advice(spec: &RuleSpec) -> String {
    format!(
        "Run the SSM Automation runbook {} that Neptune Guardrails deploys ({}).",
        spec.remediation.runbook, spec.remediation.rationale
    )
}

/// The console page of a rule's runbook in a region (ASFF, OCSF), on the console of the
/// region's partition: `REGION.console.aws.amazon.com` ("AWS Management Console endpoints
/// and quotas", AWS General Reference), `console.amazonaws.cn` (Amazon Web Services in China)
/// and `console.amazonaws-us-gov.com` (AWS GovCloud (US) User Guide), the region in the query.
pub fn runbook_url(spec: &RuleSpec, region: &str) -> String {
    let console = guardrails_core::regions::partition_of(region)
        .console
        .map_or_else(
            || format!("{region}.console.aws.amazon.com"),
            str::to_string,
        );
    format!(
        "https://{console}/systems-manager/documents/{}/description?region={region}",
        spec.remediation.runbook
    )
}

/// RFC 4180 CSV with a header row; fields quoted when they hold a comma, quote or newline.
/// Columns added after the first release come last, so positional readers keep working;
/// `new` only with a baseline.
pub fn csv(rows: &[Row]) -> String {
    fn field(text: &str) -> String {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    }
    let with_baseline = rows.iter().any(|row| row.new.is_some());
    let with_waivers = rows.iter().any(|row| row.waiver.is_some());
    let mut out = String::from(
        "rule,resource_type,resource_id,compliance,annotation,account,region,evaluated,resource_name,resource_arn",
    );
    if with_baseline {
        out.push_str(",new");
    }
    if with_waivers {
        out.push_str(",waiver");
    }
    out.push_str(",severity\r\n");
    for row in rows {
        let fields = [
            row.rule,
            row.resource_type.as_str(),
            &row.resource_id,
            row.compliance.as_str(),
            &row.annotation,
            &row.account,
            &row.region,
            if row.evaluated { "true" } else { "false" },
            &row.resource_name,
            row.resource_arn.as_deref().unwrap_or(""),
        ];
        out.push_str(&fields.map(field).join(","));
        match row.new {
            Some(new) if with_baseline => out.push_str(if new { ",true" } else { ",false" }),
            _ if with_baseline => out.push(','),
            _ => {}
        }
        if with_waivers {
            out.push(',');
            if let Some(waiver) = &row.waiver {
                out.push_str(&field(&waiver_text(waiver)));
            }
        }
        out.push(',');
        out.push_str(row.severity.label());
        out.push_str("\r\n");
    }
    out
}

/// A waiver in one line: `REASON (approved by WHO, until DATE)`.
pub fn waiver_text(waiver: &crate::row::AppliedWaiver) -> String {
    format!(
        "{} (approved by {}, until {})",
        waiver.reason, waiver.approved_by, waiver.expires
    )
}

/// SARIF level of a rule severity: what code-scanning tools colour as error/warning/note.
pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity` score (0-10) of a rule severity.
pub(crate) fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// SARIF reporting descriptors, one per rule: its title, docs, runbook, severity and
/// framework requirements (`gen scan`, `gen check-template`).
pub fn sarif_rules(specs: &[&RuleSpec]) -> Vec<Value> {
    specs
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
                "properties": {
                    "security-severity": security_severity(spec.severity),
                    "tags": ["security", "aws-config", "neptune"],
                    "relatedRequirements": frameworks::labels(spec.frameworks),
                    "frameworks": spec.frameworks.iter().map(|m| (m.framework.id(), m.requirements)).collect::<BTreeMap<_, _>>(),
                },
            })
        })
        .collect()
}

/// SARIF 2.1.0: one reporting rule per scanned rule, one result per NON_COMPLIANT resource,
/// located by a logical location (the cloud resource) rather than a file; with a baseline,
/// each result's `baselineState` is `new` or `unchanged`; a waived one has an accepted
/// external suppression.
pub fn sarif(specs: &[&RuleSpec], rows: &[Row]) -> Value {
    let rules = sarif_rules(specs);
    let results: Vec<Value> = rows
        .iter()
        .filter(|row| row.compliance == Compliance::NonCompliant)
        .map(|row| {
            let index = specs.iter().position(|s| s.id == row.rule).unwrap_or(0);
            let mut result = json!({
                "ruleId": row.rule,
                "ruleIndex": index,
                "level": level(row.severity),
                "message": {"text": row.annotation},
                "locations": [{"logicalLocations": [{
                    "name": row.resource_id,
                    "fullyQualifiedName": format!("{}/{}", row.resource_type, row.resource_id),
                    "kind": "resource",
                }]}],
                "partialFingerprints": {"resource/v2": format!("{}|{}|{}|{}|{}", row.rule, row.account, row.region, row.resource_type, row.resource_id)},
                "properties": {
                    "security-severity": security_severity(row.severity),
                    "severity": row.severity,
                    "account": row.account,
                    "region": row.region,
                    "resourceType": row.resource_type,
                    "resourceName": row.resource_name,
                    "resourceArn": row.resource_arn,
                },
            });
            if let Some(new) = row.new {
                result["baselineState"] = json!(if new { "new" } else { "unchanged" });
            }
            if let Some(waiver) = &row.waiver {
                result["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": waiver.reason,
                    "properties": {"approvedBy": waiver.approved_by, "expires": waiver.expires},
                }]);
            }
            result
        })
        .collect();
    sarif_log(rules, results)
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
    let not_evaluated = rows.iter().filter(|r| !r.evaluated).count();
    format!(
        "{} evaluations: {} COMPLIANT, {} NON_COMPLIANT, {} NOT_APPLICABLE{}; by rule (compliant/non-compliant/not applicable): {}",
        rows.len(),
        count(Compliance::Compliant),
        count(Compliance::NonCompliant),
        count(Compliance::NotApplicable),
        if not_evaluated > 0 {
            format!(" ({not_evaluated} of them not evaluated: AWS errors)")
        } else {
            String::new()
        },
        if rules.is_empty() { "none".to_string() } else { rules.join(", ") }
    )
}

/// Verdict counts of one framework requirement over the rules that check it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RequirementCounts {
    pub requirement: &'static str,
    pub rules: Vec<&'static str>,
    pub pass: usize,
    pub fail: usize,
    pub not_applicable: usize,
}

/// `gen scan --framework`: per requirement of the framework (in the order the rules declare
/// them), how many evaluated resources passed, failed or were not applicable.
pub fn framework_counts(
    specs: &[&RuleSpec],
    rows: &[Row],
    framework: Framework,
) -> Vec<RequirementCounts> {
    let mut counts: Vec<RequirementCounts> = Vec::new();
    for spec in specs {
        for &requirement in frameworks::requirements(spec.frameworks, framework) {
            let at = match counts.iter().position(|c| c.requirement == requirement) {
                Some(at) => at,
                None => {
                    counts.push(RequirementCounts {
                        requirement,
                        ..RequirementCounts::default()
                    });
                    counts.len() - 1
                }
            };
            let entry = &mut counts[at];
            entry.rules.push(spec.id);
            for row in rows.iter().filter(|r| r.rule == spec.id) {
                match row.compliance {
                    Compliance::Compliant => entry.pass += 1,
                    Compliance::NonCompliant => entry.fail += 1,
                    Compliance::NotApplicable => entry.not_applicable += 1,
                }
            }
        }
    }
    counts
}

/// The framework summary as aligned text: a heading and one line per requirement.
pub fn framework_summary(counts: &[RequirementCounts], framework: Framework) -> String {
    let mut out = format!(
        "{} ({}): per requirement\n",
        framework.title(),
        framework.id()
    );
    if counts.is_empty() {
        out.push_str("  no selected rule maps to this framework\n");
    }
    let width = counts
        .iter()
        .map(|c| c.requirement.len())
        .max()
        .unwrap_or(0);
    for c in counts {
        out.push_str(&format!(
            "  {:width$}  {} pass, {} fail, {} not applicable  ({})\n",
            c.requirement,
            c.pass,
            c.fail,
            c.not_applicable,
            c.rules.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::row::test_row as row;

    #[test]
    fn runbook_urls_open_the_console_of_the_region_partition() {
        let spec = &neptune_cluster_iam_auth::SPEC;
        let page = "systems-manager/documents/NeptuneGuardrails-EnableClusterIamAuth/description";
        for (region, console) in [
            ("eu-west-1", "eu-west-1.console.aws.amazon.com"),
            ("cn-northwest-1", "console.amazonaws.cn"),
            ("us-gov-west-1", "console.amazonaws-us-gov.com"),
        ] {
            assert_eq!(
                runbook_url(spec, region),
                format!("https://{console}/{page}?region={region}")
            );
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
            "rule,resource_type,resource_id,compliance,annotation,account,region,evaluated,resource_name,resource_arn,severity\r\n\
             r,AWS::RDS::DBCluster,cluster-A,NON_COMPLIANT,\"off, \"\"really\"\"\nyes\",123456789012,eu-west-1,true,\
             name-of-cluster-A,arn:aws:rds:eu-west-1:123456789012:cluster:name-of-cluster-A,MEDIUM\r\n"
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
        let properties = &log["runs"][0]["tool"]["driver"]["rules"][0]["properties"];
        assert_eq!(properties["security-severity"], "5.5");
        assert_eq!(properties["frameworks"]["aws-fsbp"], json!(["Neptune.7"]));
        assert_eq!(properties["relatedRequirements"][0], "AWS FSBP Neptune.7");
        assert_eq!(
            results[0]["properties"]["resourceName"],
            "name-of-cluster-A"
        );
    }

    #[test]
    fn framework_counts_add_up_per_requirement_across_rules() {
        let cluster = &neptune_cluster_iam_auth::SPEC;
        let dms = &neptune_dms_endpoint_iam_auth::SPEC;
        let rows = [
            row(cluster.id, "a", Compliance::NonCompliant, ""),
            row(cluster.id, "b", Compliance::Compliant, ""),
            row(dms.id, "e", Compliance::NotApplicable, ""),
            row(dms.id, "f", Compliance::Compliant, ""),
        ];
        let counts = framework_counts(&[cluster, dms], &rows, Framework::Nist80053R5);
        let ac3 = counts.iter().find(|c| c.requirement == "AC-3").unwrap();
        assert_eq!((ac3.pass, ac3.fail, ac3.not_applicable), (2, 1, 1));
        assert_eq!(ac3.rules, [cluster.id, dms.id]);
        let ia2 = counts.iter().find(|c| c.requirement == "IA-2").unwrap();
        assert_eq!((ia2.pass, ia2.fail, ia2.not_applicable), (1, 0, 1));
        let text = framework_summary(&counts, Framework::Nist80053R5);
        assert!(text.starts_with("NIST SP 800-53 Rev. 5 (nist-800-53-r5): per requirement\n"));
        assert!(text.contains("  AC-3      2 pass, 1 fail, 1 not applicable  (neptune-cluster-iam-auth, neptune-dms-endpoint-iam-auth)\n"), "{text}");
        let fsbp = framework_counts(&[cluster], &rows, Framework::AwsFsbp);
        assert_eq!(fsbp.len(), 1);
        assert_eq!((fsbp[0].requirement, fsbp[0].fail), ("Neptune.7", 1));
        assert!(framework_summary(&[], Framework::PciDss4).contains("no selected rule maps"));
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
