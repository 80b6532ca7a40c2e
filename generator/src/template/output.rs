//! How `gen check-template` prints its rows: a table for people, SARIF for code scanning.

use serde_json::{json, Value};

use super::Row;
use crate::catalog;
use crate::report::{level, sarif_log, sarif_rules, security_severity};
use guardrails_core::Compliance;

/// One line per verdict: compliance, rule, resource, where it is declared, and why.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    for row in rows {
        let place = match row.line {
            Some(line) => format!("{}:{line}", row.file),
            None => row.file.clone(),
        };
        out.push_str(&format!(
            "{:<15} {:<42} {} ({}) at {place}: {}\n",
            row.compliance.as_str(),
            row.rule,
            row.resource_id,
            row.resource_type,
            row.annotation
        ));
    }
    out
}

/// SARIF 2.1.0: the rules that judged the files, one result per NON_COMPLIANT resource at
/// the file and line that declares it, so code scanning annotates the pull request.
pub fn sarif(rows: &[Row]) -> Value {
    let specs: Vec<_> = catalog::SPECS
        .iter()
        .copied()
        .filter(|spec| rows.iter().any(|row| row.rule == spec.id))
        .collect();
    let results = rows
        .iter()
        .filter(|row| row.compliance == Compliance::NonCompliant)
        .map(|row| {
            let mut location = json!({"artifactLocation": {"uri": uri(&row.file)}});
            if let Some(line) = row.line {
                location["region"] = json!({"startLine": line});
            }
            json!({
                "ruleId": row.rule,
                "ruleIndex": specs.iter().position(|s| s.id == row.rule).unwrap_or(0),
                "level": level(row.severity),
                "message": {"text": format!("{} ({}): {}", row.resource_id, row.resource_type, row.annotation)},
                "locations": [{
                    "physicalLocation": location,
                    "logicalLocations": [{
                        "name": row.resource_id,
                        "fullyQualifiedName": format!("{}/{}", row.resource_type, row.resource_id),
                        "kind": "resource",
                    }],
                }],
                "partialFingerprints": {"templateResource/v1": format!("{}|{}|{}", row.rule, uri(&row.file), row.resource_id)},
                "properties": {
                    "security-severity": security_severity(row.severity),
                    "severity": row.severity,
                    "resourceType": row.resource_type,
                },
            })
        })
        .collect();
    sarif_log(sarif_rules(&specs), results)
}

/// A file as a SARIF URI: a relative path stays relative (code scanning resolves it from the
/// repository's root), an absolute one becomes a `file://` URI; forward slashes, spaces
/// escaped (RFC 3986).
fn uri(file: &str) -> String {
    let path = file.replace('\\', "/").replace(' ', "%20");
    if path.starts_with('/') {
        format!("file://{path}")
    } else {
        path
    }
}
