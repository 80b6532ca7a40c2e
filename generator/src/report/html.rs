//! `--format html`: one self-contained page (inline CSS, SVG charts and script; its content
//! security policy refuses every fetch) for people who read a scan without a terminal.

mod findings;

use std::collections::BTreeMap;

use guardrails_core::registry::RuleSpec;
use guardrails_core::Compliance;

use crate::row::Row;

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");
const VERDICTS: [Compliance; 3] = [
    Compliance::NonCompliant,
    Compliance::Compliant,
    Compliance::NotApplicable,
];

/// Text safe inside HTML elements and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Counts per verdict, in `VERDICTS` order.
type Counts = [usize; 3];

fn slot(compliance: Compliance) -> usize {
    VERDICTS.iter().position(|v| *v == compliance).unwrap_or(2)
}

fn css_class(compliance: Compliance) -> &'static str {
    match compliance {
        Compliance::NonCompliant => "fail",
        Compliance::Compliant => "pass",
        Compliance::NotApplicable => "na",
    }
}

/// A horizontal stacked bar chart (SVG), one bar per label, segments per verdict; each bar
/// carries its counts as `data-counts="non-compliant,compliant,not-applicable"`.
fn chart(title: &str, key: &str, bars: &BTreeMap<String, Counts>) -> String {
    const ROW: usize = 26;
    const LABEL: usize = 230;
    const WIDTH: usize = 300;
    let most = bars
        .values()
        .map(|c| c.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let height = bars.len().max(1) * ROW;
    let mut svg = format!(
        "<figure class=\"chart\" data-chart=\"{key}\"><figcaption>{}</figcaption>\
         <svg role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {} {height}\" width=\"{}\" height=\"{height}\">",
        escape(title),
        escape(title),
        LABEL + WIDTH + 60,
        LABEL + WIDTH + 60,
    );
    for (i, (label, counts)) in bars.iter().enumerate() {
        let y = i * ROW;
        svg.push_str(&format!(
            "<g class=\"bar\" data-label=\"{}\" data-counts=\"{},{},{}\">\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            escape(label),
            counts[0],
            counts[1],
            counts[2],
            LABEL - 8,
            y + 17,
            escape(label)
        ));
        let mut x = LABEL;
        for (verdict, &count) in VERDICTS.iter().zip(counts).filter(|(_, &count)| count > 0) {
            // At least 2 px, so a small count stays visible beside a large one.
            let width = (count * WIDTH / most).max(2);
            svg.push_str(&format!(
                "<rect class=\"{}\" x=\"{x}\" y=\"{}\" width=\"{width}\" height=\"18\"><title>{count} {}</title></rect>",
                css_class(*verdict),
                y + 4,
                verdict.as_str()
            ));
            x += width;
        }
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\">{}</text></g>",
            x + 6,
            y + 17,
            counts.iter().sum::<usize>()
        ));
    }
    svg + "</svg></figure>"
}

/// Counts of the rows grouped by `key`.
fn grouped(rows: &[Row], key: impl Fn(&Row) -> String) -> BTreeMap<String, Counts> {
    let mut groups: BTreeMap<String, Counts> = BTreeMap::new();
    for row in rows {
        groups.entry(key(row)).or_default()[slot(row.compliance)] += 1;
    }
    groups
}

fn card(id: &str, label: &str, count: usize, class: &str) -> String {
    format!(
        "<div class=\"card {class}\" id=\"count-{id}\" data-count=\"{count}\"><b>{count}</b><span>{label}</span></div>"
    )
}

/// The page for a scan's rows; `scanned_at` is the RFC 3339 time of the scan.
pub fn report(specs: &[&RuleSpec], rows: &[Row], scanned_at: &str) -> String {
    let count = |c: Compliance| rows.iter().filter(|r| r.compliance == c).count();
    let not_evaluated = rows.iter().filter(|r| !r.evaluated).count();
    let cards = [
        card("total", "evaluations", rows.len(), ""),
        card(
            "non-compliant",
            "NON_COMPLIANT",
            count(Compliance::NonCompliant),
            "fail",
        ),
        card(
            "compliant",
            "COMPLIANT",
            count(Compliance::Compliant),
            "pass",
        ),
        card(
            "not-applicable",
            "NOT_APPLICABLE",
            count(Compliance::NotApplicable),
            "na",
        ),
        card(
            "not-evaluated",
            "not evaluated (AWS errors)",
            not_evaluated,
            "error",
        ),
    ]
    .concat();
    let charts = [
        chart(
            "By verdict",
            "verdict",
            &grouped(rows, |r| r.compliance.as_str().to_string()),
        ),
        chart("By rule", "rule", &grouped(rows, |r| r.rule.to_string())),
        chart(
            "By severity",
            "severity",
            &grouped(rows, |r| r.severity.label().to_string()),
        ),
        chart(
            "By account",
            "account",
            &grouped(rows, |r| r.account.clone()),
        ),
        chart("By region", "region", &grouped(rows, |r| r.region.clone())),
    ]
    .concat();
    let groups = findings::groups(specs, rows);
    let code_reference = findings::code_reference(rows);
    let options: String = VERDICTS
        .iter()
        .map(|v| format!("<option value=\"{0}\">{0}</option>", v.as_str()))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
         <title>Neptune Guardrails scan {time}</title><style>{STYLE}</style></head><body>\
         <h1>Neptune Guardrails scan</h1><p class=\"meta\">{time} · version {version}</p>\
         <section class=\"cards\">{cards}</section>\
         <p class=\"legend\"><i class=\"fail\"></i>NON_COMPLIANT <i class=\"pass\"></i>COMPLIANT \
         <i class=\"na\"></i>NOT_APPLICABLE</p><section class=\"charts\">{charts}</section>\
         <section><h2>Findings</h2><div class=\"filters\">\
         <input id=\"filter\" type=\"search\" placeholder=\"Filter: rule, name, id, account, region, text…\">\
         <select id=\"verdict\"><option value=\"\">every verdict</option>{options}</select>\
         <span id=\"shown\" data-count=\"{total}\">{total}</span> of {total} shown\
         <label><input id=\"details\" type=\"checkbox\"> ARNs, types and frameworks</label>\
         <button id=\"expand\" type=\"button\">expand all</button>\
         <button id=\"collapse\" type=\"button\">collapse all</button></div>\
         <div id=\"findings\">{groups}</div></section>{code_reference}\
         <script>{SCRIPT}</script></body></html>\n",
        time = escape(scanned_at),
        version = env!("CARGO_PKG_VERSION"),
        total = rows.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::test_row as row;

    #[test]
    fn the_page_is_self_contained_escaped_and_counted() {
        let spec = &neptune_cluster_iam_auth::SPEC;
        let fgac = &neptune_fgac_policy_hygiene::SPEC;
        let rows = [
            row(spec.id, "a", Compliance::Compliant, "on"),
            row(
                spec.id,
                "b",
                Compliance::NonCompliant,
                "<script>alert(1)</script>",
            ),
            row(spec.id, "c", Compliance::NotApplicable, "other engine"),
            row(
                fgac.id,
                "p",
                Compliance::NonCompliant,
                "FGAC004 in default version v1",
            ),
            row(
                fgac.id,
                "q",
                Compliance::NonCompliant,
                "FGAC004,FGAC001 in inline policy x",
            ),
        ];
        let page = report(&[spec, fgac], &rows, "2026-11-30T10:00:00Z");
        assert!(!page.contains("<script>alert"), "annotations are escaped");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        for url in ["http://", "https://", "src="] {
            assert!(!page.contains(url), "{url} would reach outside the file");
        }
        for (at, _) in page.match_indices("href=\"") {
            assert!(page[at + 6..].starts_with('#'), "a link outside the page");
        }
        assert!(page.contains("id=\"count-non-compliant\" data-count=\"3\""));
        assert!(page.contains("data-label=\"neptune-cluster-iam-auth\" data-counts=\"1,1,1\""));
        assert_eq!(page.matches("<tr class=\"finding\"").count(), 5);
        assert!(page.contains("NeptuneGuardrails-EnableClusterIamAuth"));
        assert!(page.contains("AWS FSBP Neptune.7"));
        // The rule with more failures comes first and open; worst rows first in a group.
        let fgac_at = page
            .find("data-rule=\"neptune-fgac-policy-hygiene\"")
            .unwrap();
        let iam_at = page.find("data-rule=\"neptune-cluster-iam-auth\"").unwrap();
        assert!(fgac_at < iam_at);
        assert!(page[fgac_at..]
            .starts_with("data-rule=\"neptune-fgac-policy-hygiene\" data-counts=\"2,0,0\" open>"));
        let group = &page[iam_at..];
        assert!(
            group.find(">name-of-b</strong>").unwrap() < group.find(">name-of-c</strong>").unwrap()
        );
        assert!(
            group.find(">name-of-c</strong>").unwrap() < group.find(">name-of-a</strong>").unwrap()
        );
        // Each code links to its entry, which gives its title.
        assert!(page.contains("<a class=\"code\" href=\"#fgac004\">FGAC004</a> resource-star"));
        assert!(page.contains("<dt id=\"fgac004\">FGAC004 <span>resource-star</span></dt>"));
        assert!(page.contains("<dt id=\"fgac001\">"));
        assert_eq!(page.matches("<dt id=").count(), 2);
    }
}
