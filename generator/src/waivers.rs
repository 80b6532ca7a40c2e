//! `gen scan --waivers FILE`: known risks accepted for a while. A waiver names a rule and a
//! resource (id, name or ARN; `*` and `?` match as in IAM), optionally accounts and regions,
//! and says why, who approved it and until when. A waived NON_COMPLIANT row keeps its
//! verdict, carries the waiver, and no longer makes the scan exit 1. An expired waiver has no
//! effect; it, and a waiver that matches nothing, are named on stderr.

use std::path::Path;

use guardrails_core::Compliance;
use guardrails_policy::pattern::{matches, Case};
use serde::{Deserialize, Deserializer};

use crate::catalog;
use crate::exit::GenError;
use crate::row::{AppliedWaiver, Row};

/// The file: `{"waivers": [...]}` in YAML or JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    waivers: Vec<Waiver>,
}

/// One waiver as written.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    #[serde(deserialize_with = "known_rule")]
    pub rule: String,
    /// The resource id, name or ARN; `*` and `?` are wildcards.
    #[serde(deserialize_with = "resource")]
    pub resource: String,
    /// Only in these accounts (all when absent).
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Only in these regions (all when absent).
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(deserialize_with = "reason")]
    pub reason: String,
    #[serde(deserialize_with = "approved_by")]
    pub approved_by: String,
    /// The last day (UTC) the waiver holds.
    #[serde(deserialize_with = "date")]
    pub expires: String,
}

fn not_blank<'de, D: Deserializer<'de>>(d: D, field: &str) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    if text.trim().is_empty() {
        return Err(serde::de::Error::custom(format!(
            "{field} must not be empty"
        )));
    }
    Ok(text)
}

fn resource<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    not_blank(d, "resource")
}

fn reason<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    not_blank(d, "reason")
}

fn approved_by<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    not_blank(d, "approved_by")
}

fn known_rule<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let id = String::deserialize(d)?;
    if catalog::rule(&id).is_none() {
        return Err(serde::de::Error::custom(format!(
            "unknown rule `{id}` (gen rules --ids lists them)"
        )));
    }
    Ok(id)
}

/// A calendar date `YYYY-MM-DD` (a YAML date is read as that text).
fn date<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    let valid = text.len() == 10
        && aws_smithy_types::DateTime::from_str(
            &format!("{text}T00:00:00Z"),
            aws_smithy_types::date_time::Format::DateTime,
        )
        .is_ok();
    if !valid {
        return Err(serde::de::Error::custom(format!(
            "expires `{text}` is not a date YYYY-MM-DD"
        )));
    }
    Ok(text)
}

/// The waivers of a file, read once per scan.
pub struct Waivers {
    waivers: Vec<Waiver>,
}

/// What applying the waivers found worth saying on stderr.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub waived: usize,
    /// `waiver N (rule resource)` of each expired waiver, with its date.
    pub expired: Vec<String>,
    /// `waiver N (rule resource)` of each waiver in force that matched no failure.
    pub unmatched: Vec<String>,
}

impl Waivers {
    /// The waivers in `path`; exit 2 for a file that cannot be read or a waiver that is not
    /// right, naming the line of the waiver at fault.
    pub fn read(path: &Path) -> Result<Waivers, GenError> {
        let text = std::fs::read_to_string(path).map_err(|source| GenError::Read {
            what: "the waivers",
            path: path.to_path_buf(),
            source,
        })?;
        Waivers::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<Waivers, GenError> {
        let file: File = serde_yaml::from_str(text)
            .map_err(|e| GenError::Input(format!("the waivers {}: {e}", path.display())))?;
        Ok(Waivers {
            waivers: file.waivers,
        })
    }

    /// Give each NON_COMPLIANT row the first waiver in force that covers it; `today` is the
    /// UTC date `YYYY-MM-DD` (a waiver holds through its `expires` day).
    pub fn apply(&self, rows: &mut [Row], today: &str) -> Applied {
        let mut applied = Applied::default();
        let mut used = vec![false; self.waivers.len()];
        let in_force: Vec<bool> = self
            .waivers
            .iter()
            .map(|w| w.expires.as_str() >= today)
            .collect();
        for row in rows
            .iter_mut()
            .filter(|r| r.compliance == Compliance::NonCompliant)
        {
            let found = self
                .waivers
                .iter()
                .enumerate()
                .find(|(i, w)| in_force[*i] && w.covers(row));
            if let Some((i, waiver)) = found {
                used[i] = true;
                row.waiver = Some(AppliedWaiver {
                    reason: waiver.reason.clone(),
                    approved_by: waiver.approved_by.clone(),
                    expires: waiver.expires.clone(),
                });
                applied.waived += 1;
            }
        }
        for (i, waiver) in self.waivers.iter().enumerate() {
            let name = format!("waiver {} ({} {})", i + 1, waiver.rule, waiver.resource);
            if !in_force[i] {
                applied
                    .expired
                    .push(format!("{name} expired on {}: not applied", waiver.expires));
            } else if !used[i] {
                applied
                    .unmatched
                    .push(format!("{name} matches no failure of this scan"));
            }
        }
        applied
    }
}

impl Waiver {
    fn covers(&self, row: &Row) -> bool {
        let resource = |text: &str| matches(&self.resource, text, Case::Sensitive);
        self.rule == row.rule
            && (self.accounts.is_empty() || self.accounts.contains(&row.account))
            && (self.regions.is_empty() || self.regions.contains(&row.region))
            && (resource(&row.resource_id)
                || resource(&row.resource_name)
                || row.resource_arn.as_deref().is_some_and(resource))
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    aws_smithy_types::DateTime::from(std::time::SystemTime::now())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .expect("the current time is within RFC 3339's range")[..10]
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::test_row;

    const RULE: &str = "neptune-cluster-iam-auth";

    fn waivers(text: &str) -> Result<Waivers, GenError> {
        Waivers::parse(Path::new("w.yaml"), text)
    }

    #[test]
    fn a_pattern_covers_exactly_its_matches_until_it_expires() {
        let file = waivers(
            "waivers:\n\
             - rule: neptune-cluster-iam-auth\n  resource: 'name-of-legacy-*'\n  reason: migration\n  approved_by: alice\n  expires: 2026-12-31\n\
             - rule: neptune-cluster-iam-auth\n  resource: cluster-old\n  reason: gone soon\n  approved_by: bob\n  expires: 2026-01-01\n\
             - rule: neptune-cluster-iam-auth\n  resource: nothing-here\n  regions: [eu-west-1]\n  reason: r\n  approved_by: c\n  expires: 2027-01-01\n",
        )
        .unwrap();
        let mut rows = vec![
            test_row(RULE, "legacy-1", Compliance::NonCompliant, "off"),
            test_row(RULE, "legacy-2", Compliance::NonCompliant, "off"),
            test_row(RULE, "other", Compliance::NonCompliant, "off"),
            test_row(RULE, "old", Compliance::NonCompliant, "off"),
            test_row(RULE, "legacy-3", Compliance::Compliant, "on"),
        ];
        let applied = file.apply(&mut rows, "2026-12-04");
        let waived: Vec<bool> = rows.iter().map(|r| r.waiver.is_some()).collect();
        assert_eq!(waived, [true, true, false, false, false]);
        assert_eq!(rows[0].waiver.as_ref().unwrap().approved_by, "alice");
        assert_eq!(applied.waived, 2);
        assert_eq!(
            applied.expired,
            ["waiver 2 (neptune-cluster-iam-auth cluster-old) expired on 2026-01-01: not applied"]
        );
        assert_eq!(
            applied.unmatched,
            ["waiver 3 (neptune-cluster-iam-auth nothing-here) matches no failure of this scan"]
        );
        // The last day still holds; the day after does not.
        let mut again = vec![test_row(RULE, "legacy-1", Compliance::NonCompliant, "off")];
        assert_eq!(file.apply(&mut again, "2026-12-31").waived, 1);
        let mut later = vec![test_row(RULE, "legacy-1", Compliance::NonCompliant, "off")];
        assert_eq!(file.apply(&mut later, "2027-01-01").waived, 0);
    }

    #[test]
    fn a_malformed_waiver_names_its_line() {
        let cases = [
            ("waivers:\n- rule: neptune-cluster-iam-auth\n  resource: x\n  reason: r\n  approved_by: a\n  expires: soon\n", "expires `soon` is not a date", "line 2"),
            ("waivers:\n- rule: no-such-rule\n  resource: x\n  reason: r\n  approved_by: a\n  expires: 2027-01-01\n", "unknown rule `no-such-rule`", "line 2"),
            ("waivers:\n- rule: neptune-cluster-iam-auth\n  resource: x\n  approved_by: a\n  expires: 2027-01-01\n", "missing field `reason`", "line 2"),
            ("waivers:\n- rule: neptune-cluster-iam-auth\n  resource: x\n  reason: ' '\n  approved_by: a\n  expires: 2027-01-01\n", "reason must not be empty", "line 2"),
            ("{\"waivers\": [{\"rule\": \"neptune-cluster-iam-auth\", \"resource\": \"x\", \"reason\": \"r\", \"approved_by\": \"a\", \"expires\": \"2027-01-01\", \"owner\": \"z\"}]}", "unknown field `owner`", "line 1"),
        ];
        for (text, what, line) in cases {
            let Err(err) = waivers(text) else {
                panic!("accepted: {text}")
            };
            let message = err.to_string();
            assert!(message.starts_with("the waivers w.yaml: "), "{message}");
            assert!(message.contains(what), "{message}");
            assert!(message.contains(line), "{message}");
        }
    }
}
