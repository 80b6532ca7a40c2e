//! The Neptune FGAC analyzer: one policy document in, findings with stable codes and a
//! verdict out. Semantics: the `neptune-fgac-policy-hygiene` rule reference; every code is listed
//! in [`Code`] with its one-line fix.

use serde::Serialize;

use crate::catalogue::{self, Access, DEPRECATED_CONNECT, RESET_DATABASE, SERVICE};
use crate::document::{Actions, Document, Effect, PolicyError, Resources, Statement};
use crate::pattern::{self, Case};

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
}

const CODES: [CodeInfo; 13] = [
    CodeInfo {
        id: "FGAC001",
        name: "deprecated-connect",
        summary: "Allow of neptune-db:connect, the pre-1.2.0.0 all-or-nothing action that engine 1.2.0.0+ ignores",
        fix: "grant the fine-grained actions needed instead, e.g. neptune-db:ReadDataViaQuery",
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC002",
        name: "connect-in-deny",
        summary: "Deny of neptune-db:connect, which denies nothing on engine 1.2.0.0+",
        fix: "deny the fine-grained actions, e.g. neptune-db:* or neptune-db:WriteDataViaQuery",
        level: Level::Warning,
    },
    CodeInfo {
        id: "FGAC003",
        name: "reset-without-deny",
        summary: "a wildcard Allow reaches neptune-db:ResetDatabase and no unconditional Deny of it covers the same resources",
        fix: "list the actions needed, or add an unconditional Deny of neptune-db:ResetDatabase on the same resources",
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC004",
        name: "resource-star",
        summary: "neptune-db actions allowed on Resource \"*\": every cluster of every account the principal can reach",
        fix: "scope Resource to arn:aws:neptune-db:REGION:ACCOUNT:cluster-RESOURCEID/*",
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC005",
        name: "resource-any-cluster",
        summary: "neptune-db resource ARN with a wildcard cluster resource id: every cluster in that account/region",
        fix: "name each cluster's resource id: arn:aws:neptune-db:REGION:ACCOUNT:cluster-RESOURCEID/*",
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC006",
        name: "not-resource",
        summary: "Allow with NotResource grants neptune-db actions on everything not listed",
        fix: "use Resource with the clusters' neptune-db ARNs",
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC007",
        name: "not-action",
        summary: "Allow with NotAction grants every neptune-db action not listed, including ones added later",
        fix: "use Action with the neptune-db actions needed",
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC008",
        name: "resource-cluster-name",
        summary: "neptune-db resource names a cluster by name or ARN id, not by its cluster-XXXX resource id, so it matches nothing",
        fix: "use the DbClusterResourceId (cluster-XXXX) from DescribeDBClusters",
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC009",
        name: "resource-path",
        summary: "neptune-db resource lacks the trailing /* (or has another path), so it matches no data",
        fix: "end the resource with /*: arn:aws:neptune-db:REGION:ACCOUNT:cluster-RESOURCEID/*",
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC010",
        name: "resource-not-neptune-db",
        summary: "neptune-db actions are allowed only on resources that are not neptune-db ARNs, so they grant nothing",
        fix: "add arn:aws:neptune-db:REGION:ACCOUNT:cluster-RESOURCEID/* (not the rds: cluster ARN)",
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC011",
        name: "unknown-action",
        summary: "neptune-db action (or pattern) that names no known action: a typo grants or denies nothing",
        fix: "use an action from the Neptune data-access action list",
        level: Level::Error,
    },
    CodeInfo {
        id: "FGAC012",
        name: "unconditional-mutation-by-user",
        summary: "an IAM user (long-lived keys) may write, delete or reset Neptune data with no Condition",
        fix: "grant it to a role instead, or add a Condition (e.g. aws:SourceIp, aws:MultiFactorAuthPresent)",
        level: Level::Warning,
    },
    CodeInfo {
        id: "FGAC013",
        name: "policy-variable-without-version",
        summary: "policy variable ${...} in a resource without Version 2012-10-17: IAM treats it as literal text",
        fix: "set \"Version\": \"2012-10-17\"",
        level: Level::Warning,
    },
];

impl Code {
    pub const ALL: [Code; 13] = [
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
}

/// The finding code reference (Markdown), derived from [`Code`].
pub fn markdown_codes() -> String {
    let mut out =
        String::from("| code | name | level | what it means | fix |\n|---|---|---|---|---|\n");
    for code in Code::ALL {
        let level = match code.level() {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        out.push_str(&format!(
            "| `{code}` | {} | {level} | {} | {} |\n",
            code.name(),
            code.summary().replace('|', "\\|"),
            code.fix().replace('|', "\\|")
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    /// Index in the document's `Statement` list.
    pub statement: usize,
    pub sid: Option<String>,
    /// The action or resource that raised it, as written.
    pub value: String,
}

impl Finding {
    /// "statement 1 (Sid X): what is wrong (value) — fix"; built on demand, as most
    /// callers only need the code.
    pub fn message(&self) -> String {
        let label = match &self.sid {
            Some(sid) if !sid.is_empty() => format!("statement {} (Sid {sid})", self.statement),
            _ => format!("statement {}", self.statement),
        };
        format!(
            "{label}: {} ({}) — {}",
            self.code.summary(),
            self.value,
            self.code.fix()
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Compliant,
    NonCompliant,
    NotApplicable,
}

impl Verdict {
    /// The AWS Config spelling, as serialised.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Compliant => "COMPLIANT",
            Verdict::NonCompliant => "NON_COMPLIANT",
            Verdict::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    /// Why, in one line: the codes found, or why the document is out of scope.
    pub reason: String,
}

/// What the analyzer knows beyond the document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context {
    /// Analyze `Action: "*"` (and service-wide `NotAction`) statements too; otherwise a
    /// document that reaches Neptune only that way is NOT_APPLICABLE.
    pub include_admin: bool,
    /// The document is attached to an IAM user (enables FGAC012).
    pub attached_to_user: bool,
}

pub fn analyze_text(text: &str, context: Context) -> Result<Analysis, PolicyError> {
    Ok(analyze(&Document::parse(text)?, context))
}

/// How a statement's actions reach `neptune-db:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Names `neptune-db:` actions (or a pattern over the service name).
    Neptune,
    /// Only through `*`, `*:…` or a `NotAction` that leaves `neptune-db:` in.
    Admin,
    None,
}

/// The service-level class of one action entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntryClass {
    Neptune,
    Admin,
    Other,
}

fn classify(entry: &str) -> EntryClass {
    match entry.split_once(':') {
        None if entry == "*" => EntryClass::Admin,
        None => EntryClass::Other,
        Some(("*", _)) => EntryClass::Admin,
        Some((service, _)) if pattern::matches(service, SERVICE, Case::Insensitive) => {
            EntryClass::Neptune
        }
        Some(_) => EntryClass::Other,
    }
}

/// Whether an action entry (pattern) matches a qualified action name.
fn action_matches(entry: &str, name: &str) -> bool {
    if pattern::has_wildcard(entry) {
        pattern::matches(entry, name, Case::Insensitive)
    } else {
        entry.eq_ignore_ascii_case(name)
    }
}

fn reach(statement: &Statement) -> Reach {
    match &statement.actions {
        Actions::Action(entries) => {
            if entries.iter().any(|e| classify(e) == EntryClass::Neptune) {
                Reach::Neptune
            } else if entries.iter().any(|e| classify(e) == EntryClass::Admin) {
                Reach::Admin
            } else {
                Reach::None
            }
        }
        Actions::NotAction(entries) => {
            if entries
                .iter()
                .any(|e| pattern::covers(e, "neptune-db:*", Case::Insensitive))
            {
                Reach::None
            } else if entries.iter().any(|e| classify(e) == EntryClass::Neptune) {
                Reach::Neptune
            } else {
                Reach::Admin
            }
        }
    }
}

/// Whether the statement's actions include `name` (a catalogue name).
fn grants(statement: &Statement, name: &str) -> bool {
    match &statement.actions {
        Actions::Action(entries) => entries.iter().any(|e| action_matches(e, name)),
        Actions::NotAction(entries) => !entries.iter().any(|e| action_matches(e, name)),
    }
}

/// The statement's resource patterns; `NotResource` and no `Resource` stand for everything.
fn resource_patterns(statement: &Statement) -> Vec<&str> {
    match &statement.resources {
        Resources::Resource(list) => list.iter().map(String::as_str).collect(),
        Resources::NotResource(_) | Resources::Absent => vec!["*"],
    }
}

struct Findings<'a> {
    document: &'a Document,
    list: Vec<Finding>,
}

impl Findings<'_> {
    fn add(&mut self, code: Code, statement: &Statement, value: &str) {
        if self
            .list
            .iter()
            .any(|f| f.code == code && f.statement == statement.index && f.value == value)
        {
            return;
        }
        self.list.push(Finding {
            code,
            statement: statement.index,
            sid: statement.sid.clone(),
            value: value.to_string(),
        });
    }
}

pub fn analyze(document: &Document, context: Context) -> Analysis {
    let reaches: Vec<Reach> = document.statements.iter().map(reach).collect();
    let in_scope = |r: Reach| r == Reach::Neptune || (r == Reach::Admin && context.include_admin);
    let analyzed = reaches.iter().filter(|r| in_scope(**r)).count();
    if analyzed == 0 {
        let reason = if reaches.contains(&Reach::Admin) {
            "reaches neptune-db only through Action \"*\" or NotAction (an admin policy); \
             set includeAdminPolicies=true to evaluate it"
        } else {
            "no neptune-db: action"
        };
        return Analysis {
            verdict: Verdict::NotApplicable,
            findings: Vec::new(),
            reason: reason.into(),
        };
    }
    let mut findings = Findings {
        document,
        list: Vec::new(),
    };
    for (statement, reach) in document.statements.iter().zip(&reaches) {
        if in_scope(*reach) {
            check_actions(statement, &mut findings);
            if statement.effect == Effect::Allow {
                check_allow(statement, context, &mut findings);
            }
        }
    }
    let list = findings.list;
    if list.is_empty() {
        Analysis {
            verdict: Verdict::Compliant,
            findings: list,
            reason: format!("{analyzed} neptune-db statement(s), no finding"),
        }
    } else {
        let mut codes: Vec<&str> = list.iter().map(|f| f.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        Analysis {
            verdict: Verdict::NonCompliant,
            reason: codes.join(","),
            findings: list,
        }
    }
}

/// Action names: deprecated `connect`, unknown actions and patterns that match nothing.
fn check_actions(statement: &Statement, findings: &mut Findings) {
    let entries = match &statement.actions {
        Actions::Action(entries) | Actions::NotAction(entries) => entries,
    };
    for entry in entries
        .iter()
        .filter(|e| classify(e) == EntryClass::Neptune)
    {
        let known = catalogue::ACTIONS
            .iter()
            .any(|a| action_matches(entry, a.name));
        let connect = action_matches(entry, DEPRECATED_CONNECT);
        if connect && (!known || !pattern::has_wildcard(entry)) {
            let in_action_list = matches!(statement.actions, Actions::Action(_));
            match statement.effect {
                Effect::Allow if in_action_list => {
                    findings.add(Code::DeprecatedConnect, statement, entry)
                }
                Effect::Deny if in_action_list => {
                    findings.add(Code::ConnectInDeny, statement, entry)
                }
                _ => {}
            }
        } else if !known && !connect {
            findings.add(Code::UnknownAction, statement, entry);
        }
    }
}

fn check_allow(statement: &Statement, context: Context, findings: &mut Findings) {
    match &statement.actions {
        Actions::NotAction(entries) => {
            findings.add(Code::NotAction, statement, &entries.join(","));
        }
        Actions::Action(_) => {}
    }
    check_reset(statement, findings);
    check_resources(statement, findings);
    if context.attached_to_user && !statement.conditional {
        if let Some(action) = catalogue::ACTIONS
            .iter()
            .find(|a| a.access == Access::Mutate && grants(statement, a.name))
        {
            findings.add(Code::UnconditionalMutationByUser, statement, action.name);
        }
    }
}

/// FGAC003: a wildcard (or NotAction) Allow that reaches ResetDatabase needs an
/// unconditional Deny of ResetDatabase, in the same document, on every resource it allows.
fn check_reset(statement: &Statement, findings: &mut Findings) {
    let through = match &statement.actions {
        Actions::Action(entries) => entries
            .iter()
            .find(|e| pattern::has_wildcard(e) && action_matches(e, RESET_DATABASE))
            .cloned(),
        Actions::NotAction(entries) => (!entries.iter().any(|e| action_matches(e, RESET_DATABASE)))
            .then(|| format!("NotAction {}", entries.join(","))),
    };
    let Some(through) = through else { return };
    let denies: Vec<&Statement> = findings
        .document
        .statements
        .iter()
        .filter(|d| {
            d.effect == Effect::Deny
                && !d.conditional
                && !matches!(d.resources, Resources::NotResource(_))
                && grants(d, RESET_DATABASE)
        })
        .collect();
    let uncovered = resource_patterns(statement).into_iter().any(|allowed| {
        !denies.iter().any(|d| {
            resource_patterns(d)
                .iter()
                .any(|denied| pattern::covers(denied, allowed, Case::Sensitive))
        })
    });
    if uncovered {
        findings.add(Code::ResetWithoutDeny, statement, &through);
    }
}

/// Resource shape: `arn:PARTITION:neptune-db:REGION:ACCOUNT:cluster-RESOURCEID/*`.
fn check_resources(statement: &Statement, findings: &mut Findings) {
    let list = match &statement.resources {
        Resources::Resource(list) => list,
        Resources::NotResource(list) => {
            findings.add(Code::NotResource, statement, &list.join(","));
            return;
        }
        Resources::Absent => {
            findings.add(Code::ResourceNotNeptuneDb, statement, "no Resource");
            return;
        }
    };
    let only_neptune = match &statement.actions {
        Actions::Action(entries) => entries.iter().all(|e| classify(e) != EntryClass::Other),
        Actions::NotAction(_) => true,
    };
    for resource in list {
        if let Some(problem) = resource_problem(resource, only_neptune) {
            findings.add(problem, statement, resource);
        }
    }
    // (When every resource already got FGAC010 above, this repeats the first and is dropped.)
    if !list.iter().any(|r| is_neptune_relevant(r)) {
        let value = list.first().map(String::as_str).unwrap_or("[]");
        findings.add(Code::ResourceNotNeptuneDb, statement, value);
    }
    if findings.document.version.as_deref() != Some("2012-10-17") {
        if let Some(resource) = list.iter().find(|r| r.contains("${")) {
            findings.add(Code::PolicyVariableWithoutVersion, statement, resource);
        }
    }
}

/// Whether a resource can be meant for `neptune-db:` actions: `*`, or an ARN whose service
/// is (a pattern over) neptune-db, or an `rds:` ARN (the usual mistake).
fn is_neptune_relevant(resource: &str) -> bool {
    resource == "*"
        || resource.split(':').nth(2).is_some_and(|service| {
            service == "rds" || pattern::matches(service, SERVICE, Case::Insensitive)
        })
}

/// `${aws:username}`-style policy variables stand for one opaque value in shape checks.
fn without_variables(resource: &str) -> std::borrow::Cow<'_, str> {
    if !resource.contains("${") {
        return resource.into();
    }
    let mut out = String::with_capacity(resource.len());
    let mut rest = resource;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push_str("VAR");
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out.into()
}

fn resource_problem(resource: &str, only_neptune: bool) -> Option<Code> {
    let resource = &*without_variables(resource);
    if resource == "*" {
        return Some(Code::ResourceStar);
    }
    if !is_neptune_relevant(resource) {
        // In a statement that also grants other services, this resource is theirs.
        return only_neptune.then_some(Code::ResourceNotNeptuneDb);
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return Some(Code::ResourceNotNeptuneDb);
    }
    if parts[2] == "rds" {
        return Some(Code::ResourceNotNeptuneDb);
    }
    if parts[2] != SERVICE {
        // A wildcard service (arn:aws:*:…) reaches every cluster.
        return Some(Code::ResourceAnyCluster);
    }
    let (id, path) = match parts[5].split_once('/') {
        Some((id, path)) => (id, Some(path)),
        None => (parts[5], None),
    };
    if pattern::has_wildcard(id) {
        Some(Code::ResourceAnyCluster)
    } else if !id.starts_with("cluster-") {
        Some(Code::ResourceClusterName)
    } else if path != Some("*") {
        Some(Code::ResourcePath)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str =
        "arn:aws:neptune-db:us-east-1:111122223333:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/*";

    fn statement(effect: &str, action: &str, resource: &str) -> String {
        format!(r#"{{"Effect":"{effect}","Action":{action},"Resource":{resource}}}"#)
    }

    fn codes(statements: &[String], context: Context) -> (Verdict, Vec<&'static str>) {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            statements.join(",")
        );
        let analysis = analyze_text(&text, context).unwrap();
        (
            analysis.verdict,
            analysis.findings.iter().map(|f| f.code.as_str()).collect(),
        )
    }

    fn allow(action: &str, resource: &str) -> String {
        statement("Allow", action, resource)
    }

    #[test]
    fn every_code_has_a_distinct_id_and_text() {
        let mut ids: Vec<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        ids.dedup();
        assert_eq!(ids.len(), Code::ALL.len());
        for (i, code) in Code::ALL.iter().enumerate() {
            assert_eq!(*code as usize, i, "ALL is in declaration order");
            assert_eq!(
                code.as_str(),
                format!("FGAC{:03}", i + 1),
                "CODES is in Code order"
            );
        }
        for code in Code::ALL {
            assert!(
                !code.summary().is_empty() && !code.fix().is_empty() && !code.name().is_empty()
            );
        }
    }

    #[test]
    fn wildcards_reaching_reset_need_a_covering_unconditional_deny() {
        use Verdict::*;
        let arn = format!("\"{ARN}\"");
        let deny_reset = statement("Deny", "\"neptune-db:ResetDatabase\"", &arn);
        let cases: Vec<(Vec<String>, Verdict, Vec<&str>)> = vec![
            (vec![allow("\"neptune-db:*\"", &arn)], NonCompliant, vec!["FGAC003"]),
            (vec![allow("\"neptune-db:*\"", &arn), deny_reset.clone()], Compliant, vec![]),
            (vec![allow("\"neptune-db:Reset*\"", &arn), deny_reset.clone()], Compliant, vec![]),
            (vec![allow("\"neptune-db:*\"", &arn), statement("Deny", "\"neptune-db:Reset*\"", "\"*\"")], Compliant, vec![]),
            (
                vec![allow("\"neptune-db:*\"", &arn), statement("Deny", "\"neptune-db:ResetDatabase\"", "\"arn:aws:neptune-db:us-east-1:111122223333:cluster-OTHER/*\"")],
                NonCompliant,
                vec!["FGAC003"],
            ),
            (
                vec![allow("\"neptune-db:*\"", &arn), r#"{"Effect":"Deny","Action":"neptune-db:ResetDatabase","Resource":"*","Condition":{"Bool":{"aws:ViaAWSService":"false"}}}"#.to_string()],
                NonCompliant,
                vec!["FGAC003"],
            ),
            (vec![allow("\"neptune-db:ResetDatabase\"", &arn)], Compliant, vec![]),
            (vec![allow("\"neptune-db:Read*\"", &arn)], Compliant, vec![]),
        ];
        for (statements, verdict, expected) in cases {
            assert_eq!(
                codes(&statements, Context::default()),
                (verdict, expected),
                "{statements:?}"
            );
        }
    }

    #[test]
    fn resources_must_be_cluster_resource_ids_with_a_path() {
        let cases = [
            ("*", Some(Code::ResourceStar)),
            (ARN, None),
            ("arn:aws:neptune-db:*:*:cluster-ABC/*", None),
            (
                "arn:aws:neptune-db:us-east-1:111122223333:*",
                Some(Code::ResourceAnyCluster),
            ),
            (
                "arn:aws:neptune-db:us-east-1:111122223333:cluster-*/*",
                Some(Code::ResourceAnyCluster),
            ),
            (
                "arn:aws:*:us-east-1:111122223333:*",
                Some(Code::ResourceAnyCluster),
            ),
            (
                "arn:aws:neptune-db:us-east-1:111122223333:my-graph/*",
                Some(Code::ResourceClusterName),
            ),
            (
                "arn:aws:neptune-db:us-east-1:111122223333:cluster-ABC",
                Some(Code::ResourcePath),
            ),
            (
                "arn:aws:neptune-db:us-east-1:111122223333:cluster-ABC/database",
                Some(Code::ResourcePath),
            ),
            (
                "arn:aws:rds:us-east-1:111122223333:cluster:my-graph",
                Some(Code::ResourceNotNeptuneDb),
            ),
            ("arn:aws:s3:::bucket/*", Some(Code::ResourceNotNeptuneDb)),
            ("arn:aws:neptune-db", Some(Code::ResourceNotNeptuneDb)),
        ];
        for (resource, expected) in cases {
            assert_eq!(resource_problem(resource, true), expected, "{resource}");
        }
        // In a statement that also grants S3, the S3 ARN belongs to S3.
        assert_eq!(resource_problem("arn:aws:s3:::bucket/*", false), None);
        let mixed = allow(
            r#"["s3:GetObject","neptune-db:ReadDataViaQuery"]"#,
            r#"["arn:aws:s3:::bucket/*"]"#,
        );
        assert_eq!(
            codes(&[mixed], Context::default()).1,
            ["FGAC010"],
            "neptune-db actions with only an S3 resource grant nothing"
        );
    }

    #[test]
    fn scope_admin_policies_and_not_action() {
        let admin = allow("\"*\"", "\"*\"");
        assert_eq!(
            codes(std::slice::from_ref(&admin), Context::default()),
            (Verdict::NotApplicable, vec![])
        );
        assert_eq!(
            codes(
                &[admin],
                Context {
                    include_admin: true,
                    ..Context::default()
                }
            ),
            (Verdict::NonCompliant, vec!["FGAC003", "FGAC004"])
        );
        let s3 = allow("\"s3:*\"", "\"*\"");
        assert_eq!(codes(&[s3], Context::default()).0, Verdict::NotApplicable);
        let power_user = r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#.to_string();
        assert_eq!(
            codes(std::slice::from_ref(&power_user), Context::default()).0,
            Verdict::NotApplicable
        );
        assert_eq!(
            codes(
                &[power_user],
                Context {
                    include_admin: true,
                    ..Context::default()
                }
            )
            .1,
            ["FGAC007", "FGAC003", "FGAC004"]
        );
        let except_neptune =
            r#"{"Effect":"Allow","NotAction":["neptune-db:*","iam:*"],"Resource":"*"}"#.to_string();
        assert_eq!(
            codes(
                &[except_neptune],
                Context {
                    include_admin: true,
                    ..Context::default()
                }
            )
            .0,
            Verdict::NotApplicable
        );
        let not_reset = format!(
            r#"{{"Effect":"Allow","NotAction":"neptune-db:ResetDatabase","Resource":"{ARN}"}}"#
        );
        assert_eq!(codes(&[not_reset], Context::default()).1, ["FGAC007"]);
    }

    #[test]
    fn connect_unknown_actions_and_case() {
        let arn = format!("\"{ARN}\"");
        let cases: Vec<(String, Vec<&str>)> = vec![
            (allow("\"neptune-db:connect\"", &arn), vec!["FGAC001"]),
            (allow("\"NEPTUNE-DB:Connect\"", &arn), vec!["FGAC001"]),
            (allow("\"neptune-db:conn*\"", &arn), vec!["FGAC001"]),
            (
                statement("Deny", "\"neptune-db:connect\"", "\"*\""),
                vec!["FGAC002"],
            ),
            (allow("\"neptune-db:readdataviaquery\"", &arn), vec![]),
            (
                allow("\"neptune-db:ReadDataViaQuerry\"", &arn),
                vec!["FGAC011"],
            ),
            (allow("\"neptune-db:Reed*\"", &arn), vec!["FGAC011"]),
            (
                statement("Deny", "\"neptune-db:ResetDatbase\"", "\"*\""),
                vec!["FGAC011"],
            ),
            (allow("\"neptune-db:Get*Status\"", &arn), vec![]),
        ];
        for (s, expected) in cases {
            assert_eq!(
                codes(std::slice::from_ref(&s), Context::default()).1,
                expected,
                "{s}"
            );
        }
    }

    #[test]
    fn users_need_a_condition_for_mutating_actions() {
        let user = Context {
            attached_to_user: true,
            ..Context::default()
        };
        let arn = format!("\"{ARN}\"");
        assert_eq!(
            codes(&[allow("\"neptune-db:WriteDataViaQuery\"", &arn)], user).1,
            ["FGAC012"]
        );
        assert_eq!(
            codes(&[allow("\"neptune-db:ReadDataViaQuery\"", &arn)], user).1,
            Vec::<&str>::new()
        );
        let conditional = format!(
            r#"{{"Effect":"Allow","Action":"neptune-db:WriteDataViaQuery","Resource":{arn},"Condition":{{"Bool":{{"aws:MultiFactorAuthPresent":"true"}}}}}}"#
        );
        assert_eq!(codes(&[conditional], user).1, Vec::<&str>::new());
        assert_eq!(
            codes(
                &[allow("\"neptune-db:WriteDataViaQuery\"", &arn)],
                Context::default()
            )
            .1,
            Vec::<&str>::new()
        );
    }

    #[test]
    fn findings_name_statement_sid_value_and_fix() {
        let text = r#"{"Statement":[{"Sid":"Reads","Effect":"Allow","Action":"neptune-db:ReadDataViaQuery","Resource":"arn:aws:neptune-db:us-east-1:111122223333:cluster-ABC/*"},{"Sid":"Legacy","Effect":"Allow","Action":"neptune-db:connect","Resource":"arn:aws:neptune-db:us-east-1:111122223333:cluster-ABC/*"}]}"#;
        let analysis = analyze_text(text, Context::default()).unwrap();
        assert_eq!(analysis.reason, "FGAC001");
        let f = &analysis.findings[0];
        assert_eq!(
            (f.statement, f.sid.as_deref(), f.value.as_str()),
            (1, Some("Legacy"), "neptune-db:connect")
        );
        assert_eq!(
            f.message(),
            "statement 1 (Sid Legacy): Allow of neptune-db:connect, the pre-1.2.0.0 all-or-nothing action that engine 1.2.0.0+ ignores (neptune-db:connect) — grant the fine-grained actions needed instead, e.g. neptune-db:ReadDataViaQuery"
        );
    }

    #[test]
    fn policy_variables_need_the_2012_version() {
        let text = r#"{"Statement":{"Effect":"Allow","Action":"neptune-db:ReadDataViaQuery","Resource":"arn:aws:neptune-db:us-east-1:111122223333:cluster-${aws:PrincipalTag/cluster}/*"}}"#;
        let analysis = analyze_text(text, Context::default()).unwrap();
        assert_eq!(analysis.reason, "FGAC013");
    }
}
