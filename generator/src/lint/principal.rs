//! `gen lint-policy --principal NAME`: several files as the policies of one role, user or
//! group, for pipelines that keep a principal's policies in separate files.

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
    let sets = [
        (own, Origin::Own),
        (read_all(&args.attached, failed), Origin::CustomerManaged),
        (read_all(&args.aws_managed, failed), Origin::AwsManaged),
        (read_all(&args.group_policy, failed), Origin::Group),
    ];
    for (files, origin) in sets {
        for (file, text) in files {
            if let Some(document) = parse(&file, &text, failed) {
                view.held.push(Held {
                    label: file.clone(),
                    origin: origin.clone(),
                    document,
                });
                texts.push((file, text));
            }
        }
    }
    let boundary = read_all(args.boundary.as_slice(), failed);
    view.boundary = boundary
        .iter()
        .find_map(|(file, text)| parse(file, text, failed));
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

/// A file's policy document; an unparseable one is named on stderr and sets `failed`.
fn parse(file: &str, text: &str, failed: &mut bool) -> Option<Document> {
    Document::parse(text)
        .map_err(|err| {
            eprintln!("gen lint-policy: {file}: {err}");
            *failed = true;
        })
        .ok()
}
