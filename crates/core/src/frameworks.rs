//! Compliance frameworks a rule serves: each rule declares the requirements it checks and
//! where that mapping comes from, and every report (ASFF `RelatedRequirements`, SARIF, docs,
//! `gen scan --framework`) derives from the declaration.

/// A framework, by the name `gen scan --framework` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Framework {
    /// AWS Foundational Security Best Practices: Security Hub control ids.
    AwsFsbp,
    Nist80053R5,
    PciDss4,
    CisControlsV8,
}

impl Framework {
    pub const ALL: [Framework; 4] = [
        Framework::AwsFsbp,
        Framework::Nist80053R5,
        Framework::PciDss4,
        Framework::CisControlsV8,
    ];

    /// The `--framework` name.
    pub const fn id(self) -> &'static str {
        match self {
            Framework::AwsFsbp => "aws-fsbp",
            Framework::Nist80053R5 => "nist-800-53-r5",
            Framework::PciDss4 => "pci-dss-v4",
            Framework::CisControlsV8 => "cis-controls-v8",
        }
    }

    pub const fn title(self) -> &'static str {
        match self {
            Framework::AwsFsbp => "AWS Foundational Security Best Practices v1.0.0",
            Framework::Nist80053R5 => "NIST SP 800-53 Rev. 5",
            Framework::PciDss4 => "PCI DSS v4.0.1",
            Framework::CisControlsV8 => "CIS Critical Security Controls v8",
        }
    }

    pub fn parse(id: &str) -> Option<Framework> {
        Self::ALL.into_iter().find(|f| f.id() == id)
    }

    /// A requirement as ASFF `Compliance.RelatedRequirements` spells it; NIST and PCI follow
    /// Security Hub's own control pages (`NIST.800-53.r5 AC-3`, `PCI DSS v4.0.1/7.3.1`).
    pub fn label(self, requirement: &str) -> String {
        match self {
            Framework::AwsFsbp => format!("AWS FSBP {requirement}"),
            Framework::Nist80053R5 => format!("NIST.800-53.r5 {requirement}"),
            Framework::PciDss4 => format!("PCI DSS v4.0.1/{requirement}"),
            Framework::CisControlsV8 => format!("CIS Controls v8/{requirement}"),
        }
    }
}

/// The requirements of one framework a rule checks, and the source of that mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    pub framework: Framework,
    pub requirements: &'static [&'static str],
    /// A page that states the mapping, or why we map it (for the safeguards no AWS page
    /// lists for the check).
    pub source: &'static str,
}

/// Security Hub's page of Neptune controls: each control's "Related requirements".
pub const SECURITY_HUB_NEPTUNE: &str =
    "https://docs.aws.amazon.com/securityhub/latest/userguide/neptune-controls.html";
/// Security Hub's page of DMS controls.
pub const SECURITY_HUB_DMS: &str =
    "https://docs.aws.amazon.com/securityhub/latest/userguide/dms-controls.html";

/// Every requirement label of the mappings, in declaration order (ASFF, SARIF).
pub fn labels(mappings: &[Mapping]) -> Vec<String> {
    mappings
        .iter()
        .flat_map(|m| m.requirements.iter().map(|r| m.framework.label(r)))
        .collect()
}

/// The requirements of one framework in the mappings.
pub fn requirements(mappings: &[Mapping], framework: Framework) -> &'static [&'static str] {
    mappings
        .iter()
        .find(|m| m.framework == framework)
        .map_or(&[], |m| m.requirements)
}

/// The docs' mapping table of one rule.
pub fn markdown(mappings: &[Mapping]) -> String {
    let mut out = String::from("| framework | requirements | source |\n|---|---|---|\n");
    for m in mappings {
        out.push_str(&format!(
            "| {} (`{}`) | {} | {} |\n",
            m.framework.title(),
            m.framework.id(),
            m.requirements.join(", "),
            m.source
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPPINGS: [Mapping; 2] = [
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &["AC-3", "AC-6"],
            source: "page",
        },
        Mapping {
            framework: Framework::PciDss4,
            requirements: &["7.3.1"],
            source: "page",
        },
    ];

    #[test]
    fn labels_follow_security_hubs_spelling() {
        assert_eq!(
            labels(&MAPPINGS),
            [
                "NIST.800-53.r5 AC-3",
                "NIST.800-53.r5 AC-6",
                "PCI DSS v4.0.1/7.3.1"
            ]
        );
        assert_eq!(requirements(&MAPPINGS, Framework::PciDss4), ["7.3.1"]);
        assert!(requirements(&MAPPINGS, Framework::AwsFsbp).is_empty());
        for f in Framework::ALL {
            assert_eq!(Framework::parse(f.id()), Some(f));
        }
        assert!(markdown(&MAPPINGS)
            .contains("| NIST SP 800-53 Rev. 5 (`nist-800-53-r5`) | AC-3, AC-6 | page |"));
    }
}
