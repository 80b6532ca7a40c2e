//! The findings of the HTML page: one collapsible group per rule (failing rules first and
//! open), sortable columns, the finding codes an annotation names shown with their titles and
//! linked to their meaning at the foot of the page, and ARNs and framework requirements
//! behind the "details" switch so that a row stays one line tall.

use std::collections::BTreeMap;

use guardrails_core::frameworks;
use guardrails_core::registry::RuleSpec;
use guardrails_core::Compliance;
use guardrails_policy::Code;

use super::{css_class, escape, slot, Counts};
use crate::report::codes;
use crate::row::Row;

/// Rows first by how bad: failures, then not evaluated, not applicable, compliant.
fn rank(row: &Row) -> u8 {
    match (row.evaluated, row.compliance) {
        (true, Compliance::NonCompliant) => 0,
        (false, _) => 1,
        (true, Compliance::NotApplicable) => 2,
        (true, Compliance::Compliant) => 3,
    }
}

/// The page anchor of a finding code's entry; docs/rules.md uses the same lower-case id.
pub fn code_anchor(code: &str) -> String {
    code.to_ascii_lowercase()
}

/// The annotation, and below it each code it names as a link to the code's entry with its
/// title.
fn annotation_cell(annotation: &str) -> String {
    let chips: String = codes::named_in(annotation)
        .iter()
        .map(|named| {
            format!(
                "<a class=\"code\" href=\"#{}\">{}</a> {} ",
                code_anchor(named.code),
                named.code,
                escape(named.title)
            )
        })
        .collect();
    if chips.is_empty() {
        escape(annotation)
    } else {
        format!("{}<div class=\"codes\">{chips}</div>", escape(annotation))
    }
}

fn verdict_text(row: &Row) -> String {
    match (row.evaluated, row.new, &row.waiver) {
        (false, _, _) => "NOT EVALUATED".to_string(),
        (true, _, Some(waiver)) => format!(
            "{} (waived: {})",
            row.compliance.as_str(),
            crate::report::waiver_text(waiver)
        ),
        (true, Some(true), None) => format!("{} (new)", row.compliance.as_str()),
        (true, _, None) => row.compliance.as_str().to_string(),
    }
}

fn finding_row(row: &Row) -> String {
    format!(
        "<tr class=\"finding\" data-compliance=\"{}\" data-rank=\"{}\"{}>\
         <td><span class=\"badge {}\">{}</span></td>\
         <td><strong>{}</strong><div class=\"details\"><small>{}</small> <small>{}</small></div></td>\
         <td>{}</td><td>{}</td><td>{}</td></tr>",
        row.compliance.as_str(),
        rank(row),
        if row.new == Some(true) {
            " data-new=\"true\""
        } else {
            ""
        },
        if row.evaluated {
            css_class(row.compliance)
        } else {
            "error"
        },
        escape(&verdict_text(row)),
        escape(&row.resource_name),
        escape(row.resource_arn.as_deref().unwrap_or(&row.resource_id)),
        escape(row.resource_type.as_str()),
        escape(&row.account),
        escape(&row.region),
        annotation_cell(&row.annotation),
    )
}

/// One rule's group: its summary line (id, title, severity, counts), what fixes it and the
/// framework requirements (behind "details"), and its findings worst first.
fn group(spec: Option<&RuleSpec>, rule: &str, rows: &[&Row]) -> String {
    let mut counts: Counts = [0; 3];
    for row in rows {
        counts[slot(row.compliance)] += 1;
    }
    let (title, severity) = spec.map_or(("", ""), |s| (s.title, s.severity.label()));
    let remediation = spec.map_or(String::new(), |s| {
        format!(
            "<p class=\"remedy\">Fix: <code>{}</code> ({}) — {}</p>",
            escape(s.remediation.runbook),
            if s.remediation.automatic {
                "automatic"
            } else {
                "started by hand"
            },
            escape(s.remediation.rationale)
        )
    });
    let requirements = spec
        .map(|s| frameworks::labels(s.frameworks))
        .unwrap_or_default()
        .iter()
        .map(|r| format!("<li>{}</li>", escape(r)))
        .collect::<String>();
    let mut ordered = rows.to_vec();
    ordered.sort_by_key(|r| rank(r));
    let body: String = ordered.iter().map(|r| finding_row(r)).collect();
    format!(
        "<details class=\"rule-group\" data-rule=\"{rule}\" data-counts=\"{},{},{}\"{}>\
         <summary><span class=\"rule-id\">{rule}</span> <span class=\"title\">{}</span> \
         <span class=\"severity\">{severity}</span> <span class=\"badge fail\">{}</span>\
         <span class=\"badge pass\">{}</span><span class=\"badge na\">{}</span></summary>\
         {remediation}<ul class=\"details frameworks\">{requirements}</ul>\
         <table class=\"findings\"><thead><tr><th data-key=\"rank\">verdict</th>\
         <th>resource</th><th>account</th><th>region</th><th>annotation</th></tr></thead>\
         <tbody>{body}</tbody></table></details>",
        counts[0],
        counts[1],
        counts[2],
        if counts[0] > 0 { " open" } else { "" },
        escape(title),
        counts[0],
        counts[1],
        counts[2],
        rule = escape(rule),
    )
}

/// Every rule's group, the rules with the most failures first.
pub fn groups(specs: &[&RuleSpec], rows: &[Row]) -> String {
    let mut by_rule: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in rows {
        by_rule.entry(row.rule).or_default().push(row);
    }
    let mut ordered: Vec<(&str, Vec<&Row>)> = by_rule.into_iter().collect();
    ordered.sort_by_key(|(rule, rows)| {
        let failing = rows
            .iter()
            .filter(|r| r.compliance == Compliance::NonCompliant)
            .count();
        (std::cmp::Reverse(failing), *rule)
    });
    ordered
        .iter()
        .map(|(rule, rows)| {
            let spec = specs.iter().find(|s| s.id == *rule).copied();
            group(spec, rule, rows)
        })
        .collect()
}

/// The finding codes the rows name, each with its title, meaning and fix, under the anchor
/// the code links point to; the same entry is in docs/rules.md under the same anchor.
pub fn code_reference(rows: &[Row]) -> String {
    let mut named: Vec<codes::NamedCode> = rows
        .iter()
        .flat_map(|r| codes::named_in(&r.annotation))
        .collect();
    named.sort();
    named.dedup();
    if named.is_empty() {
        return String::new();
    }
    let entries: String = named
        .iter()
        .filter_map(|n| Code::ALL.into_iter().find(|c| c.as_str() == n.code))
        .map(|code| {
            let anchor = code_anchor(code.as_str());
            format!(
                "<dt id=\"{anchor}\">{} <span>{}</span></dt><dd>{} Fix: {}. \
                 <small>docs/rules.md#{anchor}</small></dd>",
                code.as_str(),
                escape(code.name()),
                escape(code.summary()),
                escape(code.fix()),
            )
        })
        .collect();
    format!("<section id=\"code-reference\"><h2>Finding codes</h2><dl>{entries}</dl></section>")
}
