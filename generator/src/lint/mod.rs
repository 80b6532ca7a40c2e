//! `gen lint-policy`: the FGAC analyzer offline on policy files, for CI pipelines.
//!
//! Exit status (docs/contract.md): 0 when nothing is NON_COMPLIANT, 1 when something is, 2 when
//! an input cannot be read or parsed — the other files are still reported.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use guardrails_policy::analyzer::Level;
use guardrails_policy::{analyze_text, Analysis, Code, Context, Verdict};
use serde::Serialize;
use serde_json::json;

use crate::exit::{write_stdout, Exit, GenError};
use crate::report;

mod principal;

#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// Policy files, or directories searched recursively for `*.json` (with --principal: its
    /// own inline policies, possibly none).
    #[arg(required_unless_present = "principal")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also analyze admin policies (`Action: "*"`, service-wide `NotAction`), which are
    /// NOT_APPLICABLE by default.
    #[arg(long)]
    include_admin: bool,
    /// The policies are attached to IAM users: flag unconditional write/delete/reset (FGAC012).
    #[arg(long)]
    attached_to_user: bool,
    /// Lint the files as the inline policies of one principal NAME, with what else it holds
    /// (--attached, --aws-managed, --group-policy, --boundary): each file is judged with the
    /// Denies of all of them and within the boundary, and one more report, `principal NAME`,
    /// says what their union grants (FGAC018, FGAC019).
    #[arg(long, value_name = "NAME")]
    principal: Option<String>,
    /// A customer managed policy attached to the principal (repeatable).
    #[arg(long, value_name = "FILE", requires = "principal")]
    attached: Vec<PathBuf>,
    /// An AWS managed policy the principal holds, as IAM serves its document (repeatable).
    #[arg(long, value_name = "FILE", requires = "principal")]
    aws_managed: Vec<PathBuf>,
    /// An inline policy of one of the (user) principal's groups (repeatable).
    #[arg(long, value_name = "FILE", requires = "principal")]
    group_policy: Vec<PathBuf>,
    /// The principal's permissions boundary.
    #[arg(long, value_name = "FILE", requires = "principal")]
    boundary: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Table,
    Json,
    Sarif,
}

/// One file's report; the `--format json` shape is a contract (docs/contract.md).
#[derive(Debug, Serialize)]
struct FileReport {
    file: String,
    compliance: Verdict,
    findings: Vec<FindingReport>,
}

#[derive(Debug, Serialize)]
struct FindingReport {
    code: Code,
    message: String,
    statement: usize,
    /// Where the finding is in the file (table and SARIF; not in the JSON contract).
    #[serde(skip)]
    line: usize,
    /// The file it is located in when not the report's own (a principal's findings sit in the
    /// policy they come through).
    #[serde(skip)]
    located_in: Option<String>,
}

pub fn run(args: LintArgs) -> Result<Exit, GenError> {
    let context = Context {
        include_admin: args.include_admin,
        attached_to_user: args.attached_to_user,
    };
    let mut failed = false;
    let files = read_all(&expand(&args.paths, &mut failed), &mut failed);
    let reports = match &args.principal {
        Some(name) => principal::reports(name, &args, context, files, &mut failed),
        None => files
            .into_iter()
            .filter_map(|(name, text)| match analyze_text(&text, context) {
                Ok(analysis) => Some(report(name, &text, analysis)),
                Err(err) => {
                    eprintln!("gen lint-policy: {name}: {err}");
                    failed = true;
                    None
                }
            })
            .collect(),
    };
    let output = match args.format {
        Format::Json => report::pretty_json(&reports),
        Format::Sarif => report::pretty_json(&sarif(&reports)),
        Format::Table => table(&reports, std::io::stdout().is_terminal()),
    };
    write_stdout(&output)?;
    Ok(if failed {
        Exit::Failed
    } else if reports
        .iter()
        .any(|r| r.compliance == Verdict::NonCompliant)
    {
        Exit::NonCompliant
    } else {
        Exit::Clean
    })
}

/// Each readable file's name (with `/`) and text; the others are named on stderr and set
/// `failed`.
fn read_all(files: &[PathBuf], failed: &mut bool) -> Vec<(String, String)> {
    files
        .iter()
        .filter_map(|file| {
            let name = file.to_string_lossy().replace('\\', "/");
            match std::fs::read_to_string(file) {
                Ok(text) => Some((name, text)),
                Err(err) => {
                    eprintln!("gen lint-policy: {name}: cannot read: {err}");
                    *failed = true;
                    None
                }
            }
        })
        .collect()
}

/// Files as given, directories walked for `*.json` in name order; unreadable paths are
/// reported on stderr and set `failed`.
fn expand(paths: &[PathBuf], failed: &mut bool) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut files, failed);
        } else {
            files.push(path.clone());
        }
    }
    files
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, failed: &mut bool) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            eprintln!("gen lint-policy: {}: cannot read: {err}", dir.display());
            *failed = true;
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(&path, files, failed);
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            files.push(path);
        }
    }
}

fn report(file: String, text: &str, analysis: Analysis) -> FileReport {
    FileReport {
        findings: analysis
            .findings
            .iter()
            .map(|f| FindingReport {
                code: f.code,
                message: f.message(),
                statement: f.statement,
                line: line_of(text, f.statement, &f.value),
                located_in: None,
            })
            .collect(),
        compliance: analysis.verdict,
        file,
    }
}

/// The 1-based line of a finding for inline annotations: the offending value inside the
/// statement (the statement's `"Effect"`, counted in order, marks where it starts); line 1
/// when the text does not show it (for example a URL-encoded file).
fn line_of(text: &str, statement: usize, value: &str) -> usize {
    let start = text
        .match_indices("\"Effect\"")
        .nth(statement)
        .map(|(at, _)| at);
    let quoted = serde_json::to_string(value).unwrap_or_default();
    let at = start.map(|s| {
        text[s..]
            .find(&quoted)
            .map(|v| s + v)
            // The value may sit before `Effect` in its statement object.
            .or_else(|| {
                text[..s]
                    .rfind(&quoted)
                    .filter(|v| !text[*v..s].contains('}'))
            })
            .unwrap_or(s)
    });
    at.map_or(1, |at| text[..at].matches('\n').count() + 1)
}

fn table(reports: &[FileReport], colour: bool) -> String {
    let mut out = String::new();
    for r in reports {
        let verdict = format!("{:<14}", r.compliance.as_str());
        let verdict = match (colour, r.compliance) {
            (true, Verdict::NonCompliant) => format!("\x1b[31;1m{verdict}\x1b[0m"),
            (true, Verdict::Compliant) => format!("\x1b[32m{verdict}\x1b[0m"),
            (true, Verdict::NotApplicable) => format!("\x1b[2m{verdict}\x1b[0m"),
            (false, _) => verdict,
        };
        out.push_str(&format!("{verdict}  {}\n", r.file));
        for f in &r.findings {
            out.push_str(&format!(
                "  {}:{}  {}  {}\n",
                f.located_in.as_deref().unwrap_or(&r.file),
                f.line,
                f.code,
                f.message
            ));
        }
    }
    let count = |v| reports.iter().filter(|r| r.compliance == v).count();
    out.push_str(&format!(
        "\n{} files: {} COMPLIANT, {} NON_COMPLIANT, {} NOT_APPLICABLE; {} findings\n",
        reports.len(),
        count(Verdict::Compliant),
        count(Verdict::NonCompliant),
        count(Verdict::NotApplicable),
        reports.iter().map(|r| r.findings.len()).sum::<usize>()
    ));
    out
}

/// SARIF 2.1.0: one rule per finding code, one result per finding, located at its line.
fn sarif(reports: &[FileReport]) -> serde_json::Value {
    let level = |code: Code| match code.level() {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let rules: Vec<_> = Code::ALL
        .iter()
        .map(|code| {
            json!({
                "id": code.as_str(),
                "name": code.name(),
                "shortDescription": {"text": code.summary()},
                "fullDescription": {"text": format!("{} Fix: {}.", code.summary(), code.fix())},
                "help": {"text": code.fix(), "markdown": format!("**Fix:** {}", code.fix())},
                "helpUri": code.source(),
                "defaultConfiguration": {"level": level(*code)},
                "properties": {"tags": ["security", "iam", "neptune"]}
            })
        })
        .collect();
    let results: Vec<_> = reports
        .iter()
        .flat_map(|r| {
            r.findings.iter().map(move |f| {
                json!({
                    "ruleId": f.code.as_str(),
                    "ruleIndex": Code::ALL.iter().position(|c| *c == f.code),
                    "level": level(f.code),
                    "message": {"text": f.message},
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.located_in.as_deref().unwrap_or(&r.file)},
                            "region": {"startLine": f.line}
                        }
                    }],
                    "partialFingerprints": {
                        "neptuneGuardrails/v1": format!("{}:{}:{}", f.code, r.file, f.statement)
                    }
                })
            })
        })
        .collect();
    report::sarif_log(rules, results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_located_at_the_offending_value_of_their_statement() {
        let text = "{\n \"Statement\": [\n  {\"Effect\": \"Allow\",\n   \"Action\": \"neptune-db:connect\",\n   \"Resource\": \"*\"},\n  {\"Effect\": \"Allow\",\n   \"Action\": \"neptune-db:connect\",\n   \"Resource\": \"*\"}\n ]\n}\n";
        assert_eq!(line_of(text, 0, "neptune-db:connect"), 4);
        assert_eq!(line_of(text, 1, "neptune-db:connect"), 7);
        assert_eq!(line_of(text, 1, "*"), 8);
        assert_eq!(line_of(text, 1, "not there"), 6);
        let before = "{\"Statement\": [\n{\"Action\": \"neptune-db:connect\",\n\"Effect\": \"Allow\", \"Resource\": \"*\"}]}";
        assert_eq!(line_of(before, 0, "neptune-db:connect"), 2);
        assert_eq!(line_of("%7B%22Statement...", 0, "x"), 1);
    }
}
