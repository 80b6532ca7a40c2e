//! `gen check-template`: the rules' own verdicts on CloudFormation templates and Terraform
//! plans before deploy, from the same functions `gen scan` and the rules' Lambdas judge
//! deployed resources with.
//!
//! Exit status (docs/contract.md): 0 when nothing is NON_COMPLIANT, 1 when something is, 2
//! when a file cannot be read or parsed — the other files are still checked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use guardrails_core::registry::Severity;
use guardrails_core::{Compliance, Params};
use serde::Serialize;

use crate::catalog;
use crate::exit::{write_stdout, Exit, GenError};
use crate::report;

mod cfn;
#[cfg(test)]
mod no_panic;
mod output;
mod terraform;

#[derive(clap::Args, Debug)]
pub struct CheckTemplateArgs {
    /// CloudFormation templates (YAML or JSON) and Terraform plans (`terraform show -json`),
    /// or directories searched recursively for `*.yaml`, `*.yml`, `*.json` and `*.template`.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// A rule parameter, as `RULE.NAME=VALUE` (repeatable), e.g.
    /// `neptune-cluster-backup-retention.minimumBackupRetentionPeriod=14`.
    #[arg(long = "param", value_name = "RULE.NAME=VALUE")]
    params: Vec<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Table,
    Json,
    Sarif,
}

/// One verdict on one template resource; the `--format json` shape is a contract.
#[derive(Debug, Serialize, PartialEq)]
struct Row {
    rule: &'static str,
    resource_type: String,
    resource_id: String,
    compliance: Compliance,
    annotation: String,
    /// The finding's severity: its rule's, or graver where the finding says so.
    severity: Severity,
    file: String,
    line: Option<usize>,
}

pub fn run(args: CheckTemplateArgs) -> Result<Exit, GenError> {
    let params = rule_params(&args.params)?;
    let mut rows = Vec::new();
    let mut unreadable = false;
    for file in files(&args.paths)? {
        match check_file(&file, &params) {
            Ok(found) => rows.extend(found),
            Err(why) => {
                eprintln!("gen check-template: {}: {why}", file.display());
                unreadable = true;
            }
        }
    }
    write_stdout(&match args.format {
        Format::Json => report::pretty_json(&rows),
        Format::Table => output::table(&rows),
        Format::Sarif => report::pretty_json(&output::sarif(&rows)),
    })?;
    Ok(if unreadable {
        Exit::Failed
    } else if rows
        .iter()
        .any(|r| r.compliance == Compliance::NonCompliant)
    {
        Exit::NonCompliant
    } else {
        Exit::Clean
    })
}

/// Every rule's verdict on every resource of one file it judges.
fn check_file(file: &Path, params: &BTreeMap<&str, Params>) -> Result<Vec<Row>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let resources = match terraform::resources(&text)? {
        Some(planned) => planned,
        None => match cfn::resources(&text)? {
            Some(declared) => declared,
            None => return Ok(Vec::new()),
        },
    };
    let template: Vec<_> = resources
        .iter()
        .map(|(resource, _)| resource.clone())
        .collect();
    let mut rows = Vec::new();
    for (resource, line) in &resources {
        for rule in catalog::RULES.iter() {
            let Some(check) = rule.template else { continue };
            let Some(verdict) = check(resource, &template, &params[rule.spec.id]) else {
                continue;
            };
            rows.push(Row {
                rule: rule.spec.id,
                resource_type: resource.declared_type.clone(),
                resource_id: resource.id.clone(),
                compliance: verdict.compliance,
                annotation: verdict.annotation,
                severity: verdict.severity.unwrap_or(rule.spec.severity),
                file: file.display().to_string(),
                line: *line,
            });
        }
    }
    Ok(rows)
}

/// Each rule's parameters: its defaults, with `--param RULE.NAME=VALUE` over them.
fn rule_params(given: &[String]) -> Result<BTreeMap<&'static str, Params>, GenError> {
    let mut overrides: BTreeMap<&str, serde_json::Map<String, serde_json::Value>> = BTreeMap::new();
    for param in given {
        let bad = || GenError::Input(format!("--param {param}: expected RULE.NAME=VALUE"));
        let (key, value) = param.split_once('=').ok_or_else(bad)?;
        let (rule, name) = key.rsplit_once('.').ok_or_else(bad)?;
        let spec = catalog::rule(rule)
            .ok_or_else(|| GenError::Input(format!("--param {param}: unknown rule {rule}")))?
            .spec;
        overrides
            .entry(spec.id)
            .or_default()
            .insert(name.to_string(), value.into());
    }
    catalog::SPECS
        .iter()
        .map(|spec| {
            let json = overrides
                .get(spec.id)
                .map(|o| serde_json::Value::Object(o.clone()).to_string());
            Params::parse(spec, json.as_deref())
                .map(|params| (spec.id, params))
                .map_err(|e| GenError::Input(format!("--param for {}: {e}", spec.id)))
        })
        .collect()
}

/// The files named, directories searched recursively, in a stable order.
fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, GenError> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found).map_err(|source| GenError::Read {
                what: "directory",
                path: path.clone(),
                source,
            })?;
        } else {
            found.push(path.clone());
        }
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, found)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json" | "template"))
        {
            found.push(path);
        }
    }
    Ok(())
}
