//! `gen lint-policy --principal NAME`: several files as the policies of one role, user or
//! group, for pipelines that keep a principal's policies in separate files.

use std::path::PathBuf;

use guardrails_policy::{Context, Document, Held, Origin, View};

use super::{line_of, read_all, FileReport, FindingReport, LintArgs};

/// One report per own file, judged within everything the principal holds, then the
/// principal's own report: what the union grants.
pub(super) fn reports(
    name: &str,
    args: &LintArgs,
    context: Context,
    own: Vec<(String, String)>,
    failed: &mut bool,
) -> Vec<FileReport> {
    let mut view = View::default();
    let mut texts = Vec::new();
    let mut hold = |files: Vec<(String, String)>, origin: Origin, failed: &mut bool| {
        for (file, text) in files {
            match Document::parse(&text) {
                Ok(document) => {
                    view.held.push(Held {
                        label: file.clone(),
                        origin: origin.clone(),
                        document,
                    });
                    texts.push((file, text));
                }
                Err(err) => {
                    eprintln!("gen lint-policy: {file}: {err}");
                    *failed = true;
                }
            }
        }
    };
    let read = |paths: &[PathBuf], failed: &mut bool| read_all(paths, failed);
    hold(own, Origin::Own, failed);
    hold(
        read(&args.attached, failed),
        Origin::CustomerManaged,
        failed,
    );
    hold(read(&args.aws_managed, failed), Origin::AwsManaged, failed);
    hold(read(&args.group_policy, failed), Origin::Group, failed);
    if let Some(path) = &args.boundary {
        for (file, text) in read(std::slice::from_ref(path), failed) {
            match Document::parse(&text) {
                Ok(document) => view.boundary = Some(document),
                Err(err) => {
                    eprintln!("gen lint-policy: {file}: {err}");
                    *failed = true;
                }
            }
        }
    }
    let text_of = |file: &str| {
        texts
            .iter()
            .find(|(f, _)| f == file)
            .map_or("", |(_, t)| t.as_str())
    };
    let analysis = view.analyze(context);
    let mut reports: Vec<FileReport> = analysis
        .own
        .into_iter()
        .map(|(file, own)| super::report(file.to_string(), text_of(file), own))
        .collect();
    reports.push(FileReport {
        file: format!("principal {name}"),
        compliance: analysis.verdict,
        findings: analysis
            .findings
            .iter()
            .map(|f| FindingReport {
                code: f.code,
                message: format!(
                    "through {}: {} ({}) — {}",
                    f.through,
                    f.code.summary(),
                    f.value,
                    f.code.fix()
                ),
                statement: 0,
                line: line_of(text_of(&f.through), 0, &f.value),
                located_in: Some(f.through.clone()),
            })
            .collect(),
    });
    reports
}
