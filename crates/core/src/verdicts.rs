//! The sentences many rules judge with, so the same fact reads the same in every rule.

use crate::evaluation::{Compliance, Verdict};

/// COMPLIANT or NON_COMPLIANT with the sentence that says why.
pub fn verdict(compliant: bool, why: String) -> Verdict {
    let compliance = if compliant {
        Compliance::Compliant
    } else {
        Compliance::NonCompliant
    };
    Verdict::new(compliance, why)
}

/// The verdict on a cluster setting that must be on: COMPLIANT when true; NON_COMPLIANT when
/// false, naming the runbook, or absent (treated as off).
pub fn required_setting(
    cluster: &str,
    setting: &str,
    value: Option<bool>,
    runbook: &str,
) -> Verdict {
    match value {
        Some(true) => verdict(true, format!("{setting} is true on cluster {cluster}")),
        Some(false) => verdict(
            false,
            format!("{setting} is false on cluster {cluster} (runbook {runbook})"),
        ),
        None => verdict(
            false,
            format!("{setting} is absent on cluster {cluster} (treated as off)"),
        ),
    }
}

/// A resource of another engine (or one whose engine is unknown): NOT_APPLICABLE.
pub fn not_neptune(engine: Option<&str>) -> Verdict {
    Verdict::new(
        Compliance::NotApplicable,
        match engine {
            Some(engine) => format!("engine {engine} is not Neptune"),
            None => "engine could not be determined".to_string(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_required_setting_is_on_off_or_absent() {
        let judge = |value| required_setting("graph", "DeletionProtection", value, "R");
        let on = judge(Some(true));
        assert_eq!(on.compliance, Compliance::Compliant);
        assert_eq!(on.annotation, "DeletionProtection is true on cluster graph");
        let off = judge(Some(false));
        assert_eq!(off.compliance, Compliance::NonCompliant);
        assert_eq!(
            off.annotation,
            "DeletionProtection is false on cluster graph (runbook R)"
        );
        let absent = judge(None);
        assert_eq!(absent.compliance, Compliance::NonCompliant);
        assert!(absent.annotation.ends_with("(treated as off)"));
    }
}
