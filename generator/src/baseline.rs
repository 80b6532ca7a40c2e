//! `gen scan --baseline PREVIOUS.json`: which failures are new since an earlier scan, so CI
//! can fail on what a change broke rather than on what was already known.
//!
//! A failure is matched by rule, account, region and resource id. A row is new when it is
//! NON_COMPLIANT and the baseline held no NON_COMPLIANT row with its key. A baseline failure
//! is fixed when this scan covered its rule, account and region completely and found the
//! resource not NON_COMPLIANT (or gone); one outside this scan's scope is neither.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use guardrails_core::Compliance;
use serde::Deserialize;

use crate::exit::GenError;
use crate::row::Row;

/// The key a failure is matched by.
type Key = (String, String, String, String);

/// The failures of an earlier `gen scan --format json`.
pub struct Baseline {
    path: PathBuf,
    failing: BTreeSet<Key>,
}

/// What a scan's rows are compared on: the contract's JSON row, of which only these keys
/// matter (the rest may be anything a later version adds).
#[derive(Deserialize)]
struct PreviousRow {
    rule: String,
    account: String,
    region: String,
    resource_id: String,
    compliance: String,
}

/// This scan against the baseline: counts, and the rows that are new.
#[derive(Debug, PartialEq, Eq)]
pub struct Comparison {
    pub new: Vec<Key>,
    pub fixed: usize,
    pub still_failing: usize,
}

impl Baseline {
    /// The baseline in `path` (`-` is standard input); exit 2 on a file that cannot be read
    /// or is not `gen scan --format json` output.
    pub fn read(path: &Path) -> Result<Baseline, GenError> {
        let text = if path.as_os_str() == "-" {
            std::io::read_to_string(std::io::stdin())
        } else {
            std::fs::read_to_string(path)
        }
        .map_err(|source| GenError::Read {
            what: "the baseline",
            path: path.to_path_buf(),
            source,
        })?;
        Baseline::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<Baseline, GenError> {
        let rows: Vec<PreviousRow> =
            serde_json::from_str(text).map_err(|source| GenError::NotJson {
                what: format!(
                    "the baseline {} is not `gen scan --format json` output",
                    path.display()
                ),
                source,
            })?;
        let failing = rows
            .into_iter()
            .filter(|row| row.compliance == Compliance::NonCompliant.as_str())
            .map(|row| (row.rule, row.account, row.region, row.resource_id))
            .collect();
        Ok(Baseline {
            path: path.to_path_buf(),
            failing,
        })
    }

    /// Mark each row `new` (true or false), and compare. `covered` is the (account, region,
    /// rule) of every rule that evaluated completely in this scan.
    pub fn mark(&self, rows: &mut [Row], covered: &[(String, String, &'static str)]) -> Comparison {
        let mut failing_now = BTreeSet::new();
        let mut new = Vec::new();
        for row in rows.iter_mut() {
            let key = key_of(row);
            let failing = row.compliance == Compliance::NonCompliant;
            let is_new = failing && !self.failing.contains(&key);
            row.new = Some(is_new);
            if is_new {
                new.push(key.clone());
            }
            if failing {
                failing_now.insert(key);
            }
        }
        let in_scope = |(rule, account, region, _): &&Key| {
            covered
                .iter()
                .any(|(a, r, id)| a == account && r == region && id == rule)
        };
        let fixed = self
            .failing
            .iter()
            .filter(in_scope)
            .filter(|key| !failing_now.contains(*key))
            .count();
        let still_failing = failing_now.intersection(&self.failing).count();
        Comparison {
            new,
            fixed,
            still_failing,
        }
    }

    /// The stderr summary: `baseline B: 1 new, 2 fixed, 5 still failing; new: RULE ACCOUNT
    /// REGION RESOURCE, …`.
    pub fn summary(&self, comparison: &Comparison) -> String {
        let mut text = format!(
            "baseline {}: {} new, {} fixed, {} still failing",
            self.path.display(),
            comparison.new.len(),
            comparison.fixed,
            comparison.still_failing
        );
        if !comparison.new.is_empty() {
            let named: Vec<String> = comparison
                .new
                .iter()
                .map(|(rule, account, region, id)| format!("{rule} {account} {region} {id}"))
                .collect();
            text.push_str(&format!("; new: {}", named.join(", ")));
        }
        text
    }
}

fn key_of(row: &Row) -> Key {
    (
        row.rule.to_string(),
        row.account.clone(),
        row.region.clone(),
        row.resource_id.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::test_row;

    const RULE: &str = "neptune-cluster-iam-auth";

    fn baseline(rows: &[Row]) -> Baseline {
        let text = serde_json::to_string(rows).unwrap();
        Baseline::parse(Path::new("b.json"), &text).unwrap()
    }

    #[test]
    fn new_fixed_and_still_failing_are_told_apart_within_the_scope() {
        let before = [
            test_row(RULE, "cluster-a", Compliance::NonCompliant, "off"),
            test_row(RULE, "cluster-b", Compliance::NonCompliant, "off"),
            test_row(RULE, "cluster-c", Compliance::Compliant, "on"),
        ];
        let mut other_region = test_row(RULE, "cluster-z", Compliance::NonCompliant, "off");
        other_region.region = "us-east-1".into();
        let mut before = before.to_vec();
        before.push(other_region);
        let mut now = vec![
            test_row(RULE, "cluster-a", Compliance::NonCompliant, "off"),
            test_row(RULE, "cluster-b", Compliance::Compliant, "on"),
            test_row(RULE, "cluster-c", Compliance::NonCompliant, "off"),
        ];
        let covered = [("123456789012".to_string(), "eu-west-1".to_string(), RULE)];
        let comparison = baseline(&before).mark(&mut now, &covered);
        let marks: Vec<_> = now.iter().map(|r| r.new).collect();
        assert_eq!(marks, [Some(false), Some(false), Some(true)]);
        assert_eq!(
            comparison.fixed, 1,
            "cluster-z was not in this scan's scope"
        );
        assert_eq!(comparison.still_failing, 1);
        let text = baseline(&before).summary(&comparison);
        assert_eq!(
            text,
            "baseline b.json: 1 new, 1 fixed, 1 still failing; new: \
             neptune-cluster-iam-auth 123456789012 eu-west-1 cluster-c"
        );
    }

    #[test]
    fn a_baseline_that_is_not_a_scan_is_refused_with_the_reason() {
        let Err(err) = Baseline::parse(Path::new("b.json"), r#"{"rule": 1}"#) else {
            panic!("an object is no scan")
        };
        assert!(
            err.to_string()
                .starts_with("the baseline b.json is not `gen scan --format json` output: "),
            "{err}"
        );
        let Err(err) = Baseline::parse(Path::new("b.json"), r#"[{"rule": "r"}]"#) else {
            panic!("a row without its keys is no scan row")
        };
        assert!(err.to_string().contains("missing field"), "{err}");
    }
}
