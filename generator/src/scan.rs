//! `gen scan`: the rules' scheduled evaluation run locally, reported as a table, JSON, CSV or
//! SARIF. Exit status 0 when nothing is NON_COMPLIANT, 1 when something is, 2 when a rule
//! could not evaluate.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use guardrails_core::registry::RuleSpec;
use guardrails_core::Compliance;
use serde::Serialize;

use crate::{catalog, report, AwsTarget};

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    aws: AwsTarget,
    /// Rule ids to run (comma-separated); all by default.
    #[arg(long, value_delimiter = ',')]
    rules: Vec<String>,
    /// Output format; only this decides the shape of stdout (piping changes nothing but
    /// colour). The summary line goes to stderr for the machine formats.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Table,
    /// The DESIGN.md array of {rule, resource_type, resource_id, compliance, annotation}.
    Json,
    /// The same columns, RFC 4180.
    Csv,
    /// SARIF 2.1.0: one result per NON_COMPLIANT resource.
    Sarif,
    /// AWS Security Finding Format array, for Security Hub BatchImportFindings.
    Asff,
}

/// One result; the `--format json` shape is a contract (DESIGN.md §3).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Row {
    pub rule: &'static str,
    pub resource_type: &'static str,
    pub resource_id: String,
    pub compliance: Compliance,
    pub annotation: String,
}

pub async fn run(args: ScanArgs) -> ExitCode {
    let specs = match select(&args.rules) {
        Ok(specs) => specs,
        Err(message) => {
            eprintln!("gen scan: {message}");
            return ExitCode::from(2);
        }
    };
    let sdk = guardrails_core::aws::load(args.aws.region, args.aws.endpoint_url).await;
    let mut rows = Vec::new();
    let mut failed = false;
    for &spec in &specs {
        match catalog::evaluate_all(spec, &sdk).await {
            Ok(assessed) => rows.extend(assessed.into_iter().map(|a| Row {
                rule: spec.id,
                resource_type: a.resource_type.as_str(),
                resource_id: a.resource_id,
                compliance: a.verdict.compliance,
                annotation: a.verdict.annotation,
            })),
            Err(err) => {
                eprintln!("gen scan: rule {} could not evaluate: {err}", spec.id);
                failed = true;
            }
        }
    }
    let text = match args.format {
        Format::Json => report::pretty_json(&rows),
        Format::Csv => report::csv(&rows),
        Format::Sarif => report::pretty_json(&report::sarif(&specs, &rows)),
        Format::Asff => match asff_scope(&sdk).await {
            Ok(scope) => report::pretty_json(&report::asff(&specs, &rows, &scope)),
            Err(message) => {
                eprintln!("gen scan: {message}");
                return ExitCode::from(2);
            }
        },
        Format::Table => table(&rows, std::io::stdout().is_terminal()),
    };
    if std::io::stdout().write_all(text.as_bytes()).is_err() {
        return ExitCode::from(2);
    }
    if args.format != Format::Table {
        eprintln!("gen scan: {}", report::summary(&rows));
    }
    exit_status(failed, &rows)
}

/// The account (from STS GetCallerIdentity), region and time the findings are about.
async fn asff_scope(sdk: &aws_config::SdkConfig) -> Result<report::Scope, String> {
    let identity = aws_sdk_sts::Client::new(sdk)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            format!(
                "ASFF needs the account id, and STS GetCallerIdentity failed: {}",
                aws_smithy_types::error::display::DisplayErrorContext(&e)
            )
        })?;
    Ok(report::Scope {
        account: identity.account().unwrap_or_default().to_string(),
        region: sdk
            .region()
            .map(|r| r.to_string())
            .ok_or("ASFF needs a region (--region or AWS_REGION)")?,
        now: aws_smithy_types::DateTime::from(std::time::SystemTime::now())
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .map_err(|e| format!("cannot format the scan time: {e}"))?,
    })
}

/// 2 when a rule could not evaluate, else 1 when something is NON_COMPLIANT, else 0.
fn exit_status(failed: bool, rows: &[Row]) -> ExitCode {
    if failed {
        ExitCode::from(2)
    } else if rows
        .iter()
        .any(|r| r.compliance == Compliance::NonCompliant)
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn select(ids: &[String]) -> Result<Vec<&'static RuleSpec>, String> {
    if ids.is_empty() {
        return Ok(catalog::SPECS.to_vec());
    }
    ids.iter()
        .map(|id| {
            catalog::find(id.trim()).ok_or_else(|| {
                let known: Vec<_> = catalog::SPECS.iter().map(|s| s.id).collect();
                format!("unknown rule `{id}` (known: {})", known.join(", "))
            })
        })
        .collect()
}

/// Aligned columns for people; verdicts coloured when writing to a terminal.
fn table(rows: &[Row], colour: bool) -> String {
    let headers = [
        "RULE",
        "RESOURCE TYPE",
        "RESOURCE ID",
        "COMPLIANCE",
        "ANNOTATION",
    ];
    let cells: Vec<[&str; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.rule,
                r.resource_type,
                r.resource_id.as_str(),
                r.compliance.as_str(),
                r.annotation.as_str(),
            ]
        })
        .collect();
    let mut widths = headers.map(str::len);
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, row: [&str; 5], compliance: Option<Compliance>| {
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            let text = match (i, compliance, colour) {
                (3, Some(c), true) => format!("{}{cell}\x1b[0m", ansi(c)),
                _ => cell.to_string(),
            };
            if i == row.len() - 1 {
                out.push_str(&text);
            } else {
                out.push_str(&format!("{text}{}  ", " ".repeat(pad)));
            }
        }
        out.push('\n');
    };
    line(&mut out, headers, None);
    for (row, r) in cells.iter().zip(rows) {
        line(&mut out, *row, Some(r.compliance));
    }
    out.push_str(&format!("\n{}\n", report::summary(rows)));
    out
}

fn ansi(c: Compliance) -> &'static str {
    match c {
        Compliance::Compliant => "\x1b[32m",
        Compliance::NonCompliant => "\x1b[31;1m",
        Compliance::NotApplicable => "\x1b[2m",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, c: Compliance) -> Row {
        Row {
            rule: "neptune-cluster-iam-auth",
            resource_type: "AWS::RDS::DBCluster",
            resource_id: id.into(),
            compliance: c,
            annotation: "why".into(),
        }
    }

    #[test]
    fn json_rows_have_the_contract_shape() {
        let value = serde_json::to_value(row("cluster-1", Compliance::NonCompliant)).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "rule": "neptune-cluster-iam-auth",
                "resource_type": "AWS::RDS::DBCluster",
                "resource_id": "cluster-1",
                "compliance": "NON_COMPLIANT",
                "annotation": "why"
            })
        );
    }

    #[test]
    fn table_columns_align_and_colour_only_on_terminals() {
        let rows = [
            row("cluster-1", Compliance::Compliant),
            row("cluster-22", Compliance::NonCompliant),
        ];
        let plain = table(&rows, false);
        let lines: Vec<_> = plain.lines().collect();
        let column = |l: &str| l.find("COMPLIANT").or_else(|| l.find("NON_COMPLIANT"));
        assert_eq!(lines[0].find("COMPLIANCE"), column(lines[1]));
        assert_eq!(lines[1].find("COMPLIANT"), lines[2].find("NON_COMPLIANT"));
        assert!(!plain.contains('\x1b'));
        assert!(plain.ends_with(&format!("\n{}\n", report::summary(&rows))));
        assert!(plain.contains("2 evaluations: 1 COMPLIANT, 1 NON_COMPLIANT, 0 NOT_APPLICABLE;"));
        assert!(table(&rows, true).contains("\x1b[31;1mNON_COMPLIANT\x1b[0m"));
    }

    #[test]
    fn rule_selection_rejects_unknown_ids() {
        assert_eq!(select(&[]).unwrap().len(), catalog::SPECS.len());
        assert_eq!(
            select(&["neptune-cluster-iam-auth".into()]).unwrap()[0].id,
            "neptune-cluster-iam-auth"
        );
        let err = select(&["nope".into()]).unwrap_err();
        assert!(err.starts_with("unknown rule `nope` (known: neptune-dms-endpoint-iam-auth, neptune-cluster-iam-auth, neptune-fgac-policy-hygiene, neptune-sts-vpc-endpoint)"), "{err}");
    }
}
