//! The exemption tag the Lambda rules honour (parameter `exemptionTag`, docs/contract.md): a
//! resource tagged `KEY=VALUE`, or `KEY=VALUE until YYYY-MM-DD`, is exempt through that day
//! (UTC). From the next day the tag no longer exempts, and the verdict says so, so an
//! exemption cannot outlive the decision behind it unnoticed.

use std::collections::BTreeMap;

use std::future::Future;

use crate::evaluation::{Compliance, Verdict};
use crate::params::Params;
use crate::registry::{ParamKind, ParamSpec};
use crate::rule::Assessed;

/// The parameter each rule that honours the tag declares.
pub const PARAMETER: ParamSpec = ParamSpec {
    name: "exemptionTag",
    kind: ParamKind::Text,
    default: "neptune-guardrails:exempt=true",
    description: "KEY=VALUE (or KEY for any value) of a tag that exempts a resource \
                  (NOT_APPLICABLE); a tag value ending in ` until YYYY-MM-DD` exempts through \
                  that day (UTC) only; empty turns exemptions off",
};

/// The tag a rule's parameters name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exemption {
    pub key: String,
    /// The value the tag must have (`None`: any value).
    pub value: Option<String>,
}

/// What a resource's tags say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tagged {
    /// Exempt: the reason, for the annotation.
    Exempt(String),
    /// Tagged, but the exemption no longer holds (expired, or an unreadable date): why.
    Lapsed(String),
    NotTagged,
}

impl Exemption {
    /// The exemption of `exemptionTag` (`None` when empty).
    pub fn from_params(params: &Params) -> Option<Exemption> {
        let text = params.text(PARAMETER.name)?.trim();
        if text.is_empty() {
            return None;
        }
        Some(match text.split_once('=') {
            Some((key, value)) => Exemption {
                key: key.trim().to_string(),
                value: Some(value.trim().to_string()),
            },
            None => Exemption {
                key: text.to_string(),
                value: None,
            },
        })
    }

    /// What `tags` say on `today` (`YYYY-MM-DD`, UTC).
    pub fn check(&self, tags: &BTreeMap<String, String>, today: &str) -> Tagged {
        let Some(tagged) = tags.get(&self.key) else {
            return Tagged::NotTagged;
        };
        let (value, until) = match tagged.split_once(" until ") {
            Some((value, until)) => (value.trim(), Some(until.trim())),
            None => (tagged.trim(), None),
        };
        if self.value.as_deref().is_some_and(|wanted| wanted != value) {
            return Tagged::NotTagged;
        }
        let tag = format!("{}={tagged}", self.key);
        match until {
            None => Tagged::Exempt(format!("exempt by tag {tag}")),
            Some(day) if !is_date(day) => Tagged::Lapsed(format!(
                "exemption tag {tag} not applied: `{day}` is not a date YYYY-MM-DD"
            )),
            Some(day) if day < today => {
                Tagged::Lapsed(format!("exemption tag {tag} expired on {day}"))
            }
            Some(_) => Tagged::Exempt(format!("exempt by tag {tag}")),
        }
    }

    /// A NON_COMPLIANT verdict under the tags: NOT_APPLICABLE when exempt, why the exemption
    /// lapsed before its own annotation when it did. Other verdicts need no exemption and stand.
    pub fn apply(&self, tags: &BTreeMap<String, String>, verdict: Verdict, today: &str) -> Verdict {
        if verdict.compliance != Compliance::NonCompliant {
            return verdict;
        }
        match self.check(tags, today) {
            Tagged::Exempt(reason) => Verdict::new(Compliance::NotApplicable, reason),
            Tagged::Lapsed(why) => lapsed(&why, verdict),
            Tagged::NotTagged => verdict,
        }
    }
}

/// A verdict whose exemption lapsed: why, first, so that Config's 256-character limit on an
/// annotation never cuts it off, then the verdict's own annotation.
pub fn lapsed(why: &str, verdict: Verdict) -> Verdict {
    Verdict {
        annotation: format!("{why}: {}", verdict.annotation),
        ..verdict
    }
}

/// The verdict of a change-triggered evaluation under the exemption of `params` and the
/// configuration item's tags (Config records them with the item).
pub fn apply_to_item(
    params: &Params,
    tags: &BTreeMap<String, String>,
    verdict: Verdict,
) -> Verdict {
    match Exemption::from_params(params) {
        Some(exemption) => exemption.apply(tags, verdict, &today()),
        None => verdict,
    }
}

/// The ARNs whose tags [`apply_to_failing`] will ask for: those of the NON_COMPLIANT verdicts,
/// none when exemptions are off. For services that read many resources' tags in one call.
pub fn failing_arns(params: &Params, assessed: &[Assessed]) -> Vec<String> {
    if Exemption::from_params(params).is_none() {
        return Vec::new();
    }
    assessed
        .iter()
        .filter(|a| a.verdict.compliance == Compliance::NonCompliant)
        .filter_map(|a| a.arn.clone())
        .collect()
}

/// Apply the exemption of `params` to the NON_COMPLIANT verdicts of a scan, reading a
/// resource's tags (by ARN, with `read_tags`) only when it fails: tags cost a call per
/// resource where the listing carries none. A resource whose tags cannot be read keeps its
/// verdict, and the annotation says the exemption was not checked.
pub async fn apply_to_failing<F, Fut, E>(params: &Params, assessed: &mut [Assessed], read_tags: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<BTreeMap<String, String>, E>>,
    E: std::fmt::Display,
{
    let Some(exemption) = Exemption::from_params(params) else {
        return;
    };
    let today = today();
    for a in assessed
        .iter_mut()
        .filter(|a| a.verdict.compliance == Compliance::NonCompliant)
    {
        let Some(arn) = a.arn.clone() else { continue };
        a.verdict = match read_tags(arn).await {
            Ok(tags) => exemption.apply(&tags, a.verdict.clone(), &today),
            Err(err) => not_checked(&a.verdict, &err),
        };
    }
}

/// A failing verdict whose exemption tags could not be read: it stands, and says so.
pub fn not_checked(verdict: &Verdict, err: &dyn std::fmt::Display) -> Verdict {
    Verdict::new(
        verdict.compliance,
        format!("{} (exemption not checked: {err})", verdict.annotation),
    )
}

fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
        && matches!(
            &text[5..7],
            "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12"
        )
        && ("01"..="31").contains(&&text[8..10])
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    aws_smithy_types::DateTime::from(std::time::SystemTime::now())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .map(|text| text[..10].to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(value: &str) -> BTreeMap<String, String> {
        BTreeMap::from([("neptune-guardrails:exempt".to_string(), value.to_string())])
    }

    #[test]
    fn a_tag_exempts_through_its_day_and_says_when_it_lapsed() {
        let exemption = Exemption {
            key: "neptune-guardrails:exempt".into(),
            value: Some("true".into()),
        };
        let failing = || Verdict::new(Compliance::NonCompliant, "IAM auth off");
        let on = |value: &str, today: &str| exemption.apply(&tags(value), failing(), today);
        assert_eq!(
            on("true", "2026-12-04"),
            Verdict::new(
                Compliance::NotApplicable,
                "exempt by tag neptune-guardrails:exempt=true"
            )
        );
        let until = on("true until 2026-12-31", "2026-12-31");
        assert_eq!(until.compliance, Compliance::NotApplicable);
        assert_eq!(
            on("true until 2026-12-31", "2027-01-01"),
            Verdict::new(
                Compliance::NonCompliant,
                "exemption tag neptune-guardrails:exempt=true until 2026-12-31 expired on \
                 2026-12-31: IAM auth off"
            )
        );
        let unreadable = on("true until soon", "2026-12-04");
        assert_eq!(unreadable.compliance, Compliance::NonCompliant);
        assert!(unreadable
            .annotation
            .ends_with("`soon` is not a date YYYY-MM-DD: IAM auth off"));
        assert_eq!(on("false", "2026-12-04"), failing());
        let compliant = Verdict::new(Compliance::Compliant, "on");
        assert_eq!(
            exemption.apply(&tags("true"), compliant.clone(), "2026-12-04"),
            compliant
        );
        assert!(is_date("2027-02-28") && !is_date("2027-13-01") && !is_date("27-01-01"));
    }
}
