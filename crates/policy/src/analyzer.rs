//! The Neptune FGAC analyzer: one policy document in, findings with stable codes and a
//! verdict out. Semantics: the `neptune-fgac-policy-hygiene` rule reference; every code is listed
//! in [`Code`] with its one-line fix.

use serde::Serialize;

use crate::catalogue::{self, Access, DEPRECATED_CONNECT, RESET_DATABASE, SERVICE};
pub use crate::codes::{markdown_codes, Code, Level};
use crate::condition::{self, Condition, KeySupport, QUERY_LANGUAGE_ACTIONS};
use crate::document::{Actions, Document, Effect, PolicyError, Resources, Statement};
use crate::pattern::{self, Case};

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

/// Documents beyond the analysed one that bear on it: the other policies its principal holds
/// (their Denies count for FGAC003) and the principal's permissions boundary, which caps
/// what any of them grants.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    pub others: &'a [&'a Document],
    pub boundary: Option<&'a Document>,
}

struct Findings<'a> {
    document: &'a Document,
    scope: Scope<'a>,
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
    analyze_in(document, context, Scope::default())
}

/// The analysis of a document as one of a principal's policies (`scope`).
pub fn analyze_in(document: &Document, context: Context, scope: Scope) -> Analysis {
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
        scope,
        list: Vec::new(),
    };
    for (statement, reach) in document.statements.iter().zip(&reaches) {
        if in_scope(*reach) {
            check_actions(statement, &mut findings);
            check_conditions(statement, &mut findings);
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
    if context.attached_to_user && !safeguarded(statement) {
        if let Some(action) = catalogue::ACTIONS.iter().find(|a| {
            a.access == Access::Mutate
                && grants(statement, a.name)
                && gate(statement, a.name) != Gate::Never
                && findings.scope.boundary.is_none_or(|b| permits(b, a.name))
        }) {
            findings.add(Code::UnconditionalMutationByUser, statement, action.name);
        }
    }
}

/// What a statement's conditions amount to in a Neptune data request for one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    /// A condition on a key the request never carries never holds.
    Never,
    /// Every condition holds whatever the request (none, or only ones on missing keys that
    /// hold without them).
    Always,
    /// A condition on a key the request carries decides.
    Depends,
}

fn gate(statement: &Statement, action: &str) -> Gate {
    let mut gate = Gate::Always;
    for c in &statement.conditions {
        let carried = match condition::support(&c.key) {
            KeySupport::Supported => true,
            KeySupport::QueryLanguage => is_query_action(action),
            KeySupport::Unsupported => false,
        };
        if carried {
            gate = Gate::Depends;
        } else if !c.holds_without_key() {
            return Gate::Never;
        }
    }
    gate
}

fn is_query_action(name: &str) -> bool {
    QUERY_LANGUAGE_ACTIONS
        .iter()
        .any(|a| a.eq_ignore_ascii_case(name))
}

/// A condition on a global key Neptune supports limits who or from where (the query
/// language limits what, not who: it is no safeguard for FGAC012).
fn safeguarded(statement: &Statement) -> bool {
    statement
        .conditions
        .iter()
        .any(|c| condition::support(&c.key) == KeySupport::Supported)
}

/// FGAC014-FGAC017: conditions on keys Neptune's data requests never carry, query languages
/// Neptune does not name, and the query-language key on actions without a query.
fn check_conditions(statement: &Statement, findings: &mut Findings) {
    for c in &statement.conditions {
        match condition::support(&c.key) {
            KeySupport::Supported => {}
            KeySupport::Unsupported => {
                let value = format!("{} on {}", c.operator, c.key);
                match (c.holds_without_key(), statement.effect) {
                    (false, _) => findings.add(Code::ConditionKeyNeverPresent, statement, &value),
                    (true, Effect::Allow) => {
                        findings.add(Code::ConditionKeyAlwaysHolds, statement, &value)
                    }
                    // The Deny then applies to every request: stricter than written, never
                    // weaker.
                    (true, Effect::Deny) => {}
                }
            }
            KeySupport::QueryLanguage => {
                if c.base_operator() != "Null" {
                    for value in c.values.iter().filter(|v| !c.names_a_language(v)) {
                        let value = format!("{} {value}", c.operator);
                        findings.add(Code::UnknownQueryLanguage, statement, &value);
                    }
                }
                for entry in query_language_misses(statement, c) {
                    findings.add(Code::QueryLanguageOnOtherAction, statement, entry);
                }
            }
        }
    }
}

/// The action entries a query-language condition misjudges: every named action without a
/// query, and a wildcard reaching such actions where the condition then lets them through
/// (an Allow whose operator holds without the key). A wildcard under `StringEquals` simply
/// leaves those actions out, as intended.
fn query_language_misses<'a>(statement: &'a Statement, c: &Condition) -> Vec<&'a str> {
    let Actions::Action(entries) = &statement.actions else {
        return Vec::new();
    };
    entries
        .iter()
        .filter(|e| classify(e) == EntryClass::Neptune)
        .filter(|e| {
            let reaches_other = catalogue::ACTIONS
                .iter()
                .any(|a| action_matches(e, a.name) && !is_query_action(a.name));
            reaches_other
                && (!pattern::has_wildcard(e)
                    || (statement.effect == Effect::Allow && c.holds_without_key()))
        })
        .map(String::as_str)
        .collect()
}

/// FGAC003: a wildcard (or NotAction) Allow that reaches ResetDatabase needs an
/// unconditional Deny of ResetDatabase on every resource it allows, in the same document or
/// another the principal holds, unless the principal's boundary keeps ResetDatabase out.
fn check_reset(statement: &Statement, findings: &mut Findings) {
    if let Some(through) = reset_reach(statement, findings.document, findings.scope) {
        findings.add(Code::ResetWithoutDeny, statement, &through);
    }
}

/// How an Allow statement reaches ResetDatabase through a wildcard or NotAction (the entry
/// that does), when nothing in `document` or `scope` stops it.
pub(crate) fn reset_reach(
    statement: &Statement,
    document: &Document,
    scope: Scope,
) -> Option<String> {
    let through = match &statement.actions {
        Actions::Action(entries) => entries
            .iter()
            .find(|e| pattern::has_wildcard(e) && action_matches(e, RESET_DATABASE))
            .cloned(),
        Actions::NotAction(entries) => (!entries.iter().any(|e| action_matches(e, RESET_DATABASE)))
            .then(|| format!("NotAction {}", entries.join(","))),
    }?;
    let stopped = gate(statement, RESET_DATABASE) == Gate::Never
        || scope.boundary.is_some_and(|b| !permits(b, RESET_DATABASE))
        || denied_everywhere(statement, RESET_DATABASE, document, scope);
    (!stopped).then_some(through)
}

/// Whether a Deny in force whatever the request, in `document` or another held one, takes
/// `action` away on every resource the statement allows.
fn denied_everywhere(
    statement: &Statement,
    action: &str,
    document: &Document,
    scope: Scope,
) -> bool {
    let denies: Vec<&Statement> = std::iter::once(document)
        .chain(scope.others.iter().copied())
        .flat_map(|d| &d.statements)
        .filter(|d| {
            d.effect == Effect::Deny
                && gate(d, action) == Gate::Always
                && !matches!(d.resources, Resources::NotResource(_))
                && grants(d, action)
        })
        .collect();
    resource_patterns(statement).into_iter().all(|allowed| {
        denies.iter().any(|d| {
            resource_patterns(d)
                .iter()
                .any(|denied| pattern::covers(denied, allowed, Case::Sensitive))
        })
    })
}

/// Whether a permissions boundary lets `action` through: an Allow of it that can hold, and
/// no Deny of it on every resource in force whatever the request.
fn permits(boundary: &Document, action: &str) -> bool {
    let allowed = boundary
        .statements
        .iter()
        .any(|s| s.effect == Effect::Allow && grants(s, action) && gate(s, action) != Gate::Never);
    let denied = boundary.statements.iter().any(|s| {
        s.effect == Effect::Deny
            && grants(s, action)
            && gate(s, action) == Gate::Always
            && resource_patterns(s).contains(&"*")
    });
    allowed && !denied
}

/// What a document's in-scope Allow statements still grant of neptune-db once `scope`'s
/// boundary and Denies are applied: each statement's action entries with its resources
/// (`neptune-db:* on *`), for those that grant at least one action.
pub(crate) fn standing_grants(document: &Document, context: Context, scope: Scope) -> Vec<String> {
    document
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .filter(|s| match reach(s) {
            Reach::Neptune => true,
            Reach::Admin => context.include_admin,
            Reach::None => false,
        })
        .filter(|s| {
            catalogue::ACTIONS.iter().any(|a| {
                grants(s, a.name)
                    && gate(s, a.name) != Gate::Never
                    && scope.boundary.is_none_or(|b| permits(b, a.name))
                    && !denied_everywhere(s, a.name, document, scope)
            })
        })
        .map(|s| {
            let actions = match &s.actions {
                Actions::Action(entries) => entries.join(","),
                Actions::NotAction(entries) => format!("NotAction {}", entries.join(",")),
            };
            format!("{actions} on {}", resource_patterns(s).join(","))
        })
        .collect()
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
        let conditioned = |condition: &str| {
            format!(
                r#"{{"Effect":"Allow","Action":"neptune-db:WriteDataViaQuery","Resource":{arn},"Condition":{condition}}}"#
            )
        };
        let source_ip = conditioned(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#);
        assert_eq!(codes(&[source_ip], user).1, Vec::<&str>::new());
        // Neptune's data requests never carry MFA: the grant is dead, not safeguarded.
        let mfa = conditioned(r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#);
        assert_eq!(codes(&[mfa], user).1, ["FGAC014"]);
        let if_exists = conditioned(r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}"#);
        assert_eq!(codes(&[if_exists], user).1, ["FGAC015", "FGAC012"]);
        // The query language says what, not who: no safeguard against long-lived keys.
        let language = conditioned(r#"{"StringEquals":{"neptune-db:QueryLanguage":"Gremlin"}}"#);
        assert_eq!(codes(&[language], user).1, ["FGAC012"]);
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
