//! The finding codes an annotation names (`FGAC012 in default version v1`), with their titles:
//! the annotation stays as Config holds it, and a reader learns what a code means without the
//! rule reference open beside it.

use guardrails_policy::Code;
use serde::Serialize;

use crate::row::Row;

/// A finding code and its title, as JSON rows carry them (`codes`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct NamedCode {
    pub code: &'static str,
    pub title: &'static str,
}

/// The codes `annotation` names, each once, in the order they first appear.
pub fn named_in(annotation: &str) -> Vec<NamedCode> {
    let mut named: Vec<NamedCode> = Vec::new();
    for word in annotation.split(|c: char| !c.is_ascii_alphanumeric()) {
        let Some(code) = Code::ALL.into_iter().find(|c| c.as_str() == word) else {
            continue;
        };
        let code = NamedCode {
            code: code.as_str(),
            title: code.name(),
        };
        if !named.contains(&code) {
            named.push(code);
        }
    }
    named
}

/// The rows as `--format json` prints them: each row's keys plus `codes`.
pub fn json_rows(rows: &[Row]) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|row| {
            let mut value = serde_json::to_value(row).expect("a row serialises to JSON");
            value["codes"] =
                serde_json::to_value(named_in(&row.annotation)).expect("codes serialise to JSON");
            value
        })
        .collect()
}

/// The codes the rows name, each once, sorted, as the lines that follow a table
/// (`FGAC001  title — what it means (docs/rules.md#fgac001)`); empty when none is named.
pub fn legend(rows: &[Row]) -> String {
    let mut named: Vec<NamedCode> = rows.iter().flat_map(|r| named_in(&r.annotation)).collect();
    named.sort();
    named.dedup();
    named
        .iter()
        .map(|named| {
            let summary = Code::ALL
                .into_iter()
                .find(|c| c.as_str() == named.code)
                .map(Code::summary)
                .unwrap_or_default();
            format!(
                "{}  {} — {summary} (docs/rules.md#{})\n",
                named.code,
                named.title,
                named.code.to_ascii_lowercase()
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::test_row;
    use guardrails_core::Compliance;

    #[test]
    fn codes_are_read_from_the_annotation_once_each_with_their_titles() {
        let named = named_in("FGAC001,FGAC004 in default version v2; FGAC001 in inline policy x");
        let ids: Vec<&str> = named.iter().map(|n| n.code).collect();
        assert_eq!(ids, ["FGAC001", "FGAC004"]);
        assert_eq!(named[0].title, Code::DeprecatedConnect.name());
        assert!(named_in("IAMDatabaseAuthenticationEnabled is false").is_empty());
        assert!(
            named_in("FGAC0011 and XFGAC001").is_empty(),
            "whole words only"
        );

        let rows = [
            test_row(
                "neptune-fgac-policy-hygiene",
                "p1",
                Compliance::NonCompliant,
                "FGAC004 in v1",
            ),
            test_row(
                "neptune-cluster-iam-auth",
                "c1",
                Compliance::Compliant,
                "on",
            ),
        ];
        let json = json_rows(&rows);
        assert_eq!(json[0]["codes"][0]["code"], "FGAC004");
        assert_eq!(json[1]["codes"], serde_json::json!([]));
        assert_eq!(
            json[0]["annotation"], "FGAC004 in v1",
            "the annotation is kept"
        );
        let legend = legend(&rows);
        assert!(
            legend.starts_with(&format!("FGAC004  {} — ", Code::ALL[3].name())),
            "{legend}"
        );
        assert_eq!(legend.lines().count(), 1);
        assert!(legend.ends_with("(docs/rules.md#fgac004)\n"), "{legend}");
    }
}
