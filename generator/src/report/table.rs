//! The table format: aligned columns for people.

use guardrails_core::Compliance;

use crate::row::Row;

/// Aligned columns for people; verdicts coloured when writing to a terminal. A scan of more
/// than one account or region leads with ACCOUNT and REGION columns; with a baseline, a new
/// failure reads `NON_COMPLIANT (new)`; with waivers, a waived one `NON_COMPLIANT (waived)`.
/// The finding codes the annotations name follow, each once with its title and meaning.
pub fn table(rows: &[Row], many_targets: bool, colour: bool) -> String {
    let verdicts: Vec<String> = rows
        .iter()
        .map(|r| match (r.new, &r.waiver) {
            (_, Some(_)) => format!("{} (waived)", r.compliance.as_str()),
            (Some(true), None) => format!("{} (new)", r.compliance.as_str()),
            _ => r.compliance.as_str().to_string(),
        })
        .collect();
    let mut headers = vec![
        "RULE",
        "RESOURCE TYPE",
        "RESOURCE ID",
        "NAME",
        "COMPLIANCE",
        "ANNOTATION",
    ];
    if many_targets {
        headers.splice(0..0, ["ACCOUNT", "REGION"]);
    }
    let verdict_column = headers.len() - 2;
    let cells: Vec<Vec<&str>> = rows
        .iter()
        .zip(&verdicts)
        .map(|(r, verdict)| {
            let mut cells = vec![
                r.rule,
                r.resource_type.as_str(),
                r.resource_id.as_str(),
                r.resource_name.as_str(),
                verdict.as_str(),
                r.annotation.as_str(),
            ];
            if many_targets {
                cells.splice(0..0, [r.account.as_str(), r.region.as_str()]);
            }
            cells
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, row: &[&str], compliance: Option<Compliance>| {
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            let text = match (compliance, colour) {
                (Some(c), true) if i == verdict_column => format!("{}{cell}\x1b[0m", ansi(c)),
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
    line(&mut out, &headers, None);
    for (row, r) in cells.iter().zip(rows) {
        line(&mut out, row, Some(r.compliance));
    }
    let legend = super::codes::legend(rows);
    if !legend.is_empty() {
        out.push_str(&format!("\nCODES\n{legend}"));
    }
    out.push_str(&format!("\n{}\n", super::summary(rows)));
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
    use crate::row::test_row;

    fn row(id: &str, c: Compliance) -> Row {
        test_row("neptune-cluster-iam-auth", id, c, "why")
    }

    #[test]
    fn table_columns_align_and_colour_only_on_terminals() {
        let rows = [
            row("cluster-1", Compliance::Compliant),
            row("cluster-22", Compliance::NonCompliant),
        ];
        let plain = table(&rows, false, false);
        let lines: Vec<_> = plain.lines().collect();
        let column = |l: &str| l.find("COMPLIANT").or_else(|| l.find("NON_COMPLIANT"));
        assert_eq!(lines[0].find("COMPLIANCE"), column(lines[1]));
        assert_eq!(lines[1].find("COMPLIANT"), lines[2].find("NON_COMPLIANT"));
        assert!(!plain.contains('\x1b'));
        assert!(plain.ends_with(&format!("\n{}\n", super::super::summary(&rows))));
        assert!(plain.contains("2 evaluations: 1 COMPLIANT, 1 NON_COMPLIANT, 0 NOT_APPLICABLE;"));
        assert!(table(&rows, false, true).contains("\x1b[31;1mNON_COMPLIANT\x1b[0m"));
        let wide = table(&rows, true, true);
        assert!(wide.starts_with("ACCOUNT       REGION     RULE "), "{wide}");
        assert!(wide.contains("123456789012  eu-west-1  neptune-cluster-iam-auth"));
        assert!(
            wide.contains("\x1b[31;1mNON_COMPLIANT\x1b[0m"),
            "the verdict column moves along"
        );
    }
}
