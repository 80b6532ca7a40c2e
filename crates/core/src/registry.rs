//! The rule declarations' vocabulary. Each rule crate declares one `RuleSpec`; binaries,
//! templates, runbooks and the README rule table derive from it.

use crate::frameworks::{self, Framework, Mapping};

/// AWS Config resource types the rules evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    DmsEndpoint,
    RdsDbCluster,
    RdsDbClusterSnapshot,
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
            ResourceType::RdsDbClusterSnapshot => "AWS::RDS::DBClusterSnapshot",
            ResourceType::IamPolicy => "AWS::IAM::Policy",
            ResourceType::IamRole => "AWS::IAM::Role",
            ResourceType::IamUser => "AWS::IAM::User",
            ResourceType::IamGroup => "AWS::IAM::Group",
        }
    }

    pub const ALL: [ResourceType; 7] = [
        ResourceType::DmsEndpoint,
        ResourceType::RdsDbCluster,
        ResourceType::RdsDbClusterSnapshot,
        ResourceType::IamPolicy,
        ResourceType::IamRole,
        ResourceType::IamUser,
        ResourceType::IamGroup,
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// IAM resources are global: Config records them in one region per account, so a rule
    /// over them is deployed in that region only.
    pub const fn is_global(self) -> bool {
        matches!(
            self,
            ResourceType::IamPolicy
                | ResourceType::IamRole
                | ResourceType::IamUser
                | ResourceType::IamGroup
        )
    }
}

/// Serialised as the type name AWS Config uses (the `resource_type` of `gen scan`'s rows).
impl serde::Serialize for ResourceType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for ResourceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The values AWS Config takes for a periodic rule's `MaximumExecutionFrequency`.
pub const FREQUENCIES: [&str; 5] = [
    "One_Hour",
    "Three_Hours",
    "Six_Hours",
    "Twelve_Hours",
    "TwentyFour_Hours",
];

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

/// Serialized as its Security Hub label (`"HIGH"`), the one spelling of a severity.
impl serde::Serialize for Severity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.label())
    }
}

/// The kind of a rule parameter's value; `ruleParameters` carries every value as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Bool,
    Text,
    /// A whole number within bounds (inclusive).
    Int {
        min: i64,
        max: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub default: &'static str,
    pub description: &'static str,
}

/// Who evaluates the rule in a member account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// A rule Lambda of ours: the rule crate's binary.
    Lambda,
    /// The AWS Config managed rule `identifier` (no Lambda to run or pay for); the rule's
    /// parameters carry the managed rule's names. `unavailable_in` lists the regions where
    /// AWS does not offer it (the rule's page in the AWS Config Developer Guide), where the
    /// rollout leaves it out rather than fail the member stack.
    Managed {
        identifier: &'static str,
        unavailable_in: &'static [&'static str],
    },
}

impl Delivery {
    /// The AWS managed rule `identifier`, with the regions [`crate::regions`] lists for it.
    pub const fn managed(identifier: &'static str) -> Self {
        Delivery::Managed {
            identifier,
            unavailable_in: crate::regions::unavailable_in(identifier),
        }
    }
}

/// How a NON_COMPLIANT resource is put right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remediation {
    /// Name of the SSM Automation runbook: ours (`NeptuneGuardrails-…`) or an AWS-owned one
    /// (`AWS-…`).
    pub runbook: &'static str,
    /// Whether Config starts the runbook on its own (the deployed default; a template
    /// parameter overrides it). Only where the change cannot break a working client.
    pub automatic: bool,
    /// Why it is (not) automatic, for the README.
    pub rationale: &'static str,
}

/// IAM actions every rule Lambda needs: report evaluations, read the recorded results (of
/// the rule, and of one resource), read oversized items.
pub(crate) const COMMON_PERMISSIONS: [&str; 4] = [
    "config:GetComplianceDetailsByConfigRule",
    "config:GetComplianceDetailsByResource",
    "config:GetResourceConfigHistory",
    "config:PutEvaluations",
];

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
    pub delivery: Delivery,
    pub remediation: Remediation,
    /// The read-only IAM actions of the AWS calls the rule makes, besides
    /// `COMMON_PERMISSIONS`: its Lambda role grants exactly these (tests compare them with the
    /// calls the emulator sees).
    pub permissions: &'static [&'static str],
    /// The framework requirements the rule checks, each with its source.
    pub frameworks: &'static [Mapping],
    /// What the rule checks and why, one paragraph.
    pub docs: &'static str,
    /// The verdicts in detail (Markdown): the `README.md` in the rule's folder.
    pub reference: &'static str,
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

    /// The declared frequency of the rule's scheduled runs, if it has any.
    pub fn periodic_frequency(&self) -> Option<&'static str> {
        self.triggers.iter().find_map(|t| match t {
            Trigger::Periodic(frequency) => Some(*frequency),
            Trigger::ConfigurationChange => None,
        })
    }

    /// Evaluates only global (IAM) resources, so runs in one region per account.
    pub fn is_global(&self) -> bool {
        self.resource_types.iter().all(|t| t.is_global())
    }

    /// Reads which accounts are in the organization (it calls DescribeOrganization, then
    /// lists the accounts through the reader role the admin account holds): its Lambda and
    /// remediation roles carry the reader role's tag and may assume only that role.
    pub fn reads_organization(&self) -> bool {
        self.permissions
            .contains(&"organizations:DescribeOrganization")
    }

    /// Delivered as a Lambda of ours (not as an AWS managed rule).
    pub fn is_lambda(&self) -> bool {
        self.delivery == Delivery::Lambda
    }

    /// An AWS managed rule that a Security Hub control of the AWS Foundational Security Best
    /// Practices standard already runs (as Security Hub's own service-linked Config rule,
    /// when the standard is on): deploying it too evaluates, and bills, the same thing twice.
    pub fn security_hub_runs_it(&self) -> bool {
        !self.is_lambda()
            && !crate::frameworks::requirements(
                self.frameworks,
                crate::frameworks::Framework::AwsFsbp,
            )
            .is_empty()
    }

    /// What the rule reads where it runs: its Lambda role's actions, or for a managed rule the
    /// calls `gen scan` makes for it.
    pub fn reads(&self) -> Vec<&'static str> {
        if self.is_lambda() {
            self.all_permissions()
        } else {
            let mut reads = self.permissions.to_vec();
            reads.sort_unstable();
            reads
        }
    }

    /// Every IAM action the rule's Lambda role needs, sorted.
    pub fn all_permissions(&self) -> Vec<&'static str> {
        let mut all: Vec<_> = COMMON_PERMISSIONS
            .iter()
            .chain(self.permissions)
            .copied()
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// The README rule table (Markdown), derived from the declarations.
pub fn markdown_table(specs: &[&RuleSpec]) -> String {
    let mut out = String::from(
        "| id | title | resource types | trigger | evaluated by | severity | Security Hub control | parameters (default) | remediation runbook |\n\
         |---|---|---|---|---|---|---|---|---|\n",
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
            .map(|p| format!("`{}` ({})", p.name, default_text(p)))
            .collect();
        let controls = frameworks::requirements(spec.frameworks, Framework::AwsFsbp);
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | `{}` |\n",
            spec.id,
            spec.title,
            types.join(", "),
            triggers.join(" + "),
            match spec.delivery {
                Delivery::Lambda => "our Lambda".to_string(),
                Delivery::Managed { identifier, .. } => format!("AWS managed rule `{identifier}`"),
            },
            spec.severity.label(),
            if controls.is_empty() {
                "— (ours)".to_string()
            } else {
                controls.join(", ")
            },
            if params.is_empty() {
                "—".to_string()
            } else {
                params.join(", ")
            },
            spec.remediation.runbook,
        ));
    }
    out
}

/// A parameter's default as the docs show it: in code, or "none" when blank.
fn default_text(parameter: &ParamSpec) -> String {
    match parameter.default {
        "" => "none".to_string(),
        default => format!("`{default}`"),
    }
}

/// Per-rule reference (Markdown) under the table: the rule's docs, its parameters,
/// remediation and permissions, and its verdicts in detail.
pub fn markdown_details(specs: &[&RuleSpec]) -> String {
    let mut out = String::new();
    for spec in specs {
        out.push_str(&format!("\n## `{}`\n\n{}\n\n", spec.id, spec.docs));
        for p in spec.parameters {
            out.push_str(&format!(
                "- parameter `{}` (default {}): {}\n",
                p.name,
                default_text(p),
                p.description
            ));
        }
        if let Delivery::Managed {
            identifier,
            unavailable_in,
        } = spec.delivery
        {
            out.push_str(&format!(
                "- deployed as the AWS Config managed rule `{identifier}` (no Lambda of ours); \
                 `gen scan` evaluates it locally with the same semantics; left out of the \
                 rollout where AWS does not offer it: {}\n",
                unavailable_in.join(", ")
            ));
        }
        let reader = if spec.is_lambda() {
            "Lambda role"
        } else {
            "`gen scan`"
        };
        out.push_str(&format!(
            "- remediation `{}`, {}: {}\n- reads ({reader}): {}\n",
            spec.remediation.runbook,
            if spec.remediation.automatic {
                "automatic"
            } else {
                "manual"
            },
            spec.remediation.rationale,
            spec.reads()
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if !spec.frameworks.is_empty() {
            out.push_str(&format!(
                "\nFramework mappings:\n\n{}",
                frameworks::markdown(spec.frameworks)
            ));
        }
        out.push_str(&format!("\n{}", spec.reference));
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
        delivery: Delivery::Lambda,
        remediation: Remediation {
            runbook: "X-Runbook",
            automatic: false,
            rationale: "r",
        },
        permissions: &["rds:DescribeDBClusters"],
        frameworks: &[],
        docs: "docs",
        reference: "Verdicts in detail.\n",
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
            "| `x-rule` | X | `AWS::RDS::DBCluster` | configuration change + periodic (TwentyFour_Hours) | our Lambda | HIGH | — (ours) | `flag` (`true`) | `X-Runbook` |"
        ), "{table}");
        assert_eq!(
            markdown_details(&[&SPEC]),
            "\n## `x-rule`\n\ndocs\n\n- parameter `flag` (default `true`): d\n\
             - remediation `X-Runbook`, manual: r\n\
             - reads (Lambda role): `config:GetComplianceDetailsByConfigRule`, \
             `config:GetComplianceDetailsByResource`, `config:GetResourceConfigHistory`, `config:PutEvaluations`, `rds:DescribeDBClusters`\n\nVerdicts in detail.\n"
        );
        assert!(!SPEC.is_global());
        assert!(SPEC.evaluates("AWS::RDS::DBCluster"));
        assert!(!SPEC.evaluates("AWS::DMS::Endpoint"));
    }
}
