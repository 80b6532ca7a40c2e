//! The rule declarations' vocabulary. Each rule crate declares one `RuleSpec`; binaries,
//! templates, runbooks and the README rule table derive from it.

/// AWS Config resource types the rules evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    DmsEndpoint,
    RdsDbCluster,
    IamPolicy,
    IamRole,
    IamUser,
    IamGroup,
}

impl ResourceType {
    /// The type name AWS Config uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResourceType::DmsEndpoint => "AWS::DMS::Endpoint",
            ResourceType::RdsDbCluster => "AWS::RDS::DBCluster",
            ResourceType::IamPolicy => "AWS::IAM::Policy",
            ResourceType::IamRole => "AWS::IAM::Role",
            ResourceType::IamUser => "AWS::IAM::User",
            ResourceType::IamGroup => "AWS::IAM::Group",
        }
    }

    pub const ALL: [ResourceType; 6] = [
        ResourceType::DmsEndpoint,
        ResourceType::RdsDbCluster,
        ResourceType::IamPolicy,
        ResourceType::IamRole,
        ResourceType::IamUser,
        ResourceType::IamGroup,
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

impl std::fmt::Display for ResourceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What makes AWS Config invoke a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    ConfigurationChange,
    /// Periodic, with the default frequency used when deploying.
    Periodic(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The Security Hub severity label.
    pub const fn label(self) -> &'static str {
        match self {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

/// The kind of a rule parameter's value; `ruleParameters` carries every value as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Bool,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub default: &'static str,
    pub description: &'static str,
}

/// One rule, declared once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSpec {
    /// Stable id: rule name in Config, binary name, finding generator id.
    pub id: &'static str,
    pub title: &'static str,
    pub resource_types: &'static [ResourceType],
    pub triggers: &'static [Trigger],
    pub parameters: &'static [ParamSpec],
    pub severity: Severity,
    /// Name of the SSM Automation runbook that remediates a NON_COMPLIANT resource.
    pub remediation_runbook: &'static str,
    /// What the rule checks and why, one paragraph.
    pub docs: &'static str,
}

impl RuleSpec {
    pub fn evaluates(&self, resource_type: &str) -> bool {
        self.resource_types
            .iter()
            .any(|t| t.as_str() == resource_type)
    }

    pub fn parameter(&self, name: &str) -> Option<&ParamSpec> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

/// The README rule table (Markdown), derived from the declarations.
pub fn markdown_table(specs: &[&RuleSpec]) -> String {
    let mut out = String::from(
        "| id | title | resource types | trigger | severity | parameters (default) | remediation runbook |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for spec in specs {
        let types: Vec<_> = spec
            .resource_types
            .iter()
            .map(|t| format!("`{t}`"))
            .collect();
        let triggers: Vec<_> = spec
            .triggers
            .iter()
            .map(|t| match t {
                Trigger::ConfigurationChange => "configuration change".to_string(),
                Trigger::Periodic(freq) => format!("periodic ({freq})"),
            })
            .collect();
        let params: Vec<_> = spec
            .parameters
            .iter()
            .map(|p| format!("`{}` (`{}`)", p.name, p.default))
            .collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | `{}` |\n",
            spec.id,
            spec.title,
            types.join(", "),
            triggers.join(" + "),
            spec.severity.label(),
            if params.is_empty() {
                "—".to_string()
            } else {
                params.join(", ")
            },
            spec.remediation_runbook,
        ));
    }
    out
}

/// Per-rule reference (Markdown) under the table: the rule's docs and its parameters.
pub fn markdown_details(specs: &[&RuleSpec]) -> String {
    let mut out = String::new();
    for spec in specs {
        out.push_str(&format!("\n**`{}`** — {}\n", spec.id, spec.docs));
        for p in spec.parameters {
            out.push_str(&format!(
                "- parameter `{}` (default `{}`): {}\n",
                p.name, p.default, p.description
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: RuleSpec = RuleSpec {
        id: "x-rule",
        title: "X",
        resource_types: &[ResourceType::RdsDbCluster],
        triggers: &[
            Trigger::ConfigurationChange,
            Trigger::Periodic("TwentyFour_Hours"),
        ],
        parameters: &[ParamSpec {
            name: "flag",
            kind: ParamKind::Bool,
            default: "true",
            description: "d",
        }],
        severity: Severity::High,
        remediation_runbook: "X-Runbook",
        docs: "docs",
    };

    #[test]
    fn resource_types_round_trip_through_their_config_names() {
        for t in ResourceType::ALL {
            assert_eq!(ResourceType::parse(t.as_str()), Some(t));
        }
        assert_eq!(ResourceType::parse("AWS::S3::Bucket"), None);
    }

    #[test]
    fn table_row_lists_every_declared_field() {
        let table = markdown_table(&[&SPEC]);
        assert!(table.contains(
            "| `x-rule` | X | `AWS::RDS::DBCluster` | configuration change + periodic (TwentyFour_Hours) | HIGH | `flag` (`true`) | `X-Runbook` |"
        ), "{table}");
        assert_eq!(
            markdown_details(&[&SPEC]),
            "\n**`x-rule`** — docs\n- parameter `flag` (default `true`): d\n"
        );
        assert!(SPEC.evaluates("AWS::RDS::DBCluster"));
        assert!(!SPEC.evaluates("AWS::DMS::Endpoint"));
    }
}
