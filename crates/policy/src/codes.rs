//! The analyzer's finding codes, declared once each with its meaning, fix, level and the
//! page it rests on; the docs' code table derives from them.

use serde::Serialize;

use crate::condition::CONDITION_KEYS_PAGE;

/// Stable finding codes. Never renumber: users' suppressions and dashboards key on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    DeprecatedConnect,
    ConnectInDeny,
    ResetWithoutDeny,
    ResourceStar,
    ResourceAnyCluster,
    NotResource,
    NotAction,
    ResourceClusterName,
    ResourcePath,
    ResourceNotNeptuneDb,
    UnknownAction,
    UnconditionalMutationByUser,
    PolicyVariableWithoutVersion,
    ConditionKeyNeverPresent,
    ConditionKeyAlwaysHolds,
    UnknownQueryLanguage,
    QueryLanguageOnOtherAction,
    AwsManagedNeptuneAccess,
    PrincipalCanReset,
}

/// How loudly a finding should be shown (SARIF `level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

/// Everything said about one code, declared once; [`CODES`] lists them in [`Code`] order.
struct CodeInfo {
    id: &'static str,
    name: &'static str,
    summary: &'static str,
    fix: &'static str,
    level: Level,
    /// The page the finding rests on.
    source: &'static str,
}

const DATA_ACTIONS: &str =
    "https://docs.aws.amazon.com/neptune/latest/userguide/iam-dp-actions.html";
const DATA_RESOURCES: &str =
    "https://docs.aws.amazon.com/neptune/latest/userguide/iam-data-resources.html";
const NOT_RESOURCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html";
const NOT_ACTION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html";
const TEMPORARY_CREDENTIALS: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-users-federation-idp";
const POLICY_VARIABLES: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html";

const MANAGED_POLICIES: &str =
    "https://docs.aws.amazon.com/neptune/latest/userguide/security-iam-access-managed-policies.html";
const EVALUATION_LOGIC: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html";

const CODES: [CodeInfo; 19] = [
    CodeInfo {
        id: "FGAC001",
        name: "deprecated-connect",
        summary: "Allow of neptune-db:connect, the pre-1.2.0.0 all-or-nothing action that engine 1.2.0.0+ ignores",
        fix: "grant the fine-grained actions needed instead, e.g. neptune-db:ReadDataViaQuery",
        source: DATA_ACTIONS,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC002",
        name: "connect-in-deny",
        summary: "Deny of neptune-db:connect, which denies nothing on engine 1.2.0.0+",
        fix: "deny the fine-grained actions, e.g. neptune-db:* or neptune-db:WriteDataViaQuery",
        source: DATA_ACTIONS,
        level: Level::Warning,
    },
    CodeInfo {
        id: "FGAC003",
        name: "reset-without-deny",
        summary: "a wildcard Allow reaches neptune-db:ResetDatabase and no unconditional Deny of it covers the same resources",
        fix: "list the actions needed, or add an unconditional Deny of neptune-db:ResetDatabase on the same resources",
        source: DATA_ACTIONS,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC004",
        name: "resource-star",
        summary: "neptune-db actions allowed on Resource \"*\": every cluster of every account the principal can reach",
        fix: "scope Resource to arn:aws:neptune-db:REGION:ACCOUNT:cluster-RESOURCEID/*",
        source: DATA_RESOURCES,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC005",
        name: "resource-any-cluster",
        summary: "neptune-db resource ARN with a wildcard cluster resource id: every cluster in that account/region",
        fix: "name each cluster's resource id: arn:aws:neptune-db:REGION:ACCOUNT:cluster-RESOURCEID/*",
        source: DATA_RESOURCES,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC006",
        name: "not-resource",
        summary: "Allow with NotResource grants neptune-db actions on everything not listed",
        fix: "use Resource with the clusters' neptune-db ARNs",
        source: NOT_RESOURCE,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC007",
        name: "not-action",
        summary: "Allow with NotAction grants every neptune-db action not listed, including ones added later",
        fix: "use Action with the neptune-db actions needed",
        source: NOT_ACTION,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC008",
        name: "resource-cluster-name",
        summary: "neptune-db resource names a cluster by name or ARN id, not by its cluster-XXXX resource id, so it matches nothing",
        fix: "use the DbClusterResourceId (cluster-XXXX) from DescribeDBClusters",
        source: DATA_RESOURCES,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC009",
        name: "resource-path",
        summary: "neptune-db resource lacks the trailing /* (or has another path), so it matches no data",
        fix: "end the resource with /*: arn:aws:neptune-db:REGION:ACCOUNT:cluster-RESOURCEID/*",
        source: DATA_RESOURCES,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC010",
        name: "resource-not-neptune-db",
        summary: "neptune-db actions are allowed only on resources that are not neptune-db ARNs, so they grant nothing",
        fix: "add arn:aws:neptune-db:REGION:ACCOUNT:cluster-RESOURCEID/* (not the rds: cluster ARN)",
        source: DATA_RESOURCES,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC011",
        name: "unknown-action",
        summary: "neptune-db action (or pattern) that names no known action: a typo grants or denies nothing",
        fix: "use an action from the Neptune data-access action list",
        source: DATA_ACTIONS,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC012",
        name: "unconditional-mutation-by-user",
        summary: "an IAM user (long-lived keys) may write, delete or reset Neptune data with no Condition on a key Neptune supports",
        fix: "grant it to a role instead, or add a Condition on a key Neptune data requests carry (e.g. aws:SourceIp, aws:PrincipalOrgID; not aws:MultiFactorAuthPresent, which they never carry)",
        source: TEMPORARY_CREDENTIALS,
        level: Level::Warning,
    },
    CodeInfo {
        id: "FGAC013",
        name: "policy-variable-without-version",
        summary: "policy variable ${...} in a resource without Version 2012-10-17: IAM treats it as literal text",
        fix: "set \"Version\": \"2012-10-17\"",
        source: POLICY_VARIABLES,
        level: Level::Warning,
    },
    CodeInfo {
        id: "FGAC014",
        name: "condition-key-never-present",
        summary: "Condition on a key Neptune data requests never carry, with an operator that then never holds: an Allow so conditioned grants nothing, a Deny never applies",
        fix: "condition on a key Neptune supports (aws:SourceIp, aws:PrincipalTag/..., aws:PrincipalOrgID, aws:SecureTransport, ...) or neptune-db:QueryLanguage",
        source: CONDITION_KEYS_PAGE,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC015",
        name: "condition-key-always-holds",
        summary: "Condition on a key Neptune data requests never carry, with an operator that then always holds (...IfExists, a negated operator, Null true, ForAllValues): it protects nothing",
        fix: "condition on a key Neptune supports (aws:SourceIp, aws:PrincipalTag/..., aws:PrincipalOrgID, aws:SecureTransport, ...)",
        source: CONDITION_KEYS_PAGE,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC016",
        name: "unknown-query-language",
        summary: "neptune-db:QueryLanguage value that names none of Gremlin, OpenCypher, Sparql as the operator compares (StringEquals is case-sensitive): it matches no query",
        fix: "use Gremlin, OpenCypher or Sparql as spelt, or StringEqualsIgnoreCase",
        source: CONDITION_KEYS_PAGE,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC017",
        name: "query-language-on-other-action",
        summary: "neptune-db:QueryLanguage condition on an action whose requests carry no query language (only the query actions do): there StringEquals never holds and ...IfExists or a negated operator always does",
        fix: "give the other actions a statement of their own, without the QueryLanguage condition",
        source: CONDITION_KEYS_PAGE,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC018",
        name: "aws-managed-neptune-access",
        summary: "the principal holds an AWS managed policy whose document grants neptune-db actions on every cluster (NeptuneFullAccess: ResetDatabase included), and neither its permissions boundary nor a Deny it holds takes that away",
        fix: "detach it and attach a customer managed policy scoped to the named clusters (arn:aws:neptune-db:REGION:ACCOUNT:cluster-RESOURCEID/*) with the actions needed",
        source: MANAGED_POLICIES,
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC019",
        name: "principal-can-reset",
        summary: "a policy the principal holds beyond its own inline ones (an attached customer managed policy, or a group's) reaches neptune-db:ResetDatabase through a wildcard or NotAction, and no Deny in any policy it holds, nor its permissions boundary, stops it",
        fix: "add an unconditional Deny of neptune-db:ResetDatabase to one of the principal's policies, or give it a permissions boundary without ResetDatabase",
        source: EVALUATION_LOGIC,
        level: Level::Error,
    },
];

impl Code {
    pub const ALL: [Code; 19] = [
        Code::DeprecatedConnect,
        Code::ConnectInDeny,
        Code::ResetWithoutDeny,
        Code::ResourceStar,
        Code::ResourceAnyCluster,
        Code::NotResource,
        Code::NotAction,
        Code::ResourceClusterName,
        Code::ResourcePath,
        Code::ResourceNotNeptuneDb,
        Code::UnknownAction,
        Code::UnconditionalMutationByUser,
        Code::PolicyVariableWithoutVersion,
        Code::ConditionKeyNeverPresent,
        Code::ConditionKeyAlwaysHolds,
        Code::UnknownQueryLanguage,
        Code::QueryLanguageOnOtherAction,
        Code::AwsManagedNeptuneAccess,
        Code::PrincipalCanReset,
    ];

    const fn info(self) -> &'static CodeInfo {
        &CODES[self as usize]
    }

    pub const fn as_str(self) -> &'static str {
        self.info().id
    }

    /// A short name, for SARIF rule names and tables.
    pub const fn name(self) -> &'static str {
        self.info().name
    }

    /// What the finding means, one line.
    pub const fn summary(self) -> &'static str {
        self.info().summary
    }

    /// How to fix it, one line.
    pub const fn fix(self) -> &'static str {
        self.info().fix
    }

    pub const fn level(self) -> Level {
        self.info().level
    }

    /// The page the finding rests on.
    pub const fn source(self) -> &'static str {
        self.info().source
    }
}

/// The finding code reference (Markdown), derived from [`Code`].
pub fn markdown_codes() -> String {
    let mut out = String::from(
        "| code | name | level | what it means | fix | source |\n|---|---|---|---|---|---|\n",
    );
    for code in Code::ALL {
        let level = match code.level() {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        // The anchor reports link to (`docs/rules.md#fgac004`).
        out.push_str(&format!(
            "| <a id=\"{}\"></a>`{code}` | {} | {level} | {} | {} | {} |\n",
            code.as_str().to_ascii_lowercase(),
            code.name(),
            code.summary().replace('|', "\\|"),
            code.fix().replace('|', "\\|"),
            code.source()
        ));
    }
    out
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
