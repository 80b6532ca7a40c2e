//! A principal's whole view: the union of the policies a role, user or group holds (its own
//! inline policies, the managed policies attached to it, and a user's groups' policies),
//! capped by its permissions boundary, as IAM's policy evaluation logic combines them.

use crate::analyzer::{
    analyze_in, reset_reach, standing_grants, Analysis, Context, Scope, Verdict,
};
use crate::codes::Code;
use crate::document::{Document, Effect};

/// Where a held document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An inline policy of the principal itself: its per-document codes are the principal's.
    Own,
    /// A customer managed policy attached to it (or to its group): evaluated as a policy of
    /// its own too.
    CustomerManaged,
    /// An AWS managed policy attached to it (or to its group), which the account cannot
    /// change.
    AwsManaged,
    /// An inline policy of one of a user's groups.
    Group,
}

/// One policy document a principal holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// How the annotation names it: "inline policy read", "AWS managed policy
    /// NeptuneFullAccess", "group graph-operators inline policy all".
    pub label: String,
    pub origin: Origin,
    pub document: Document,
}

/// What the union grants that no single document shows: a finding on the principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalFinding {
    pub code: Code,
    /// The held document it comes through.
    pub through: String,
    /// The grant, e.g. `neptune-db:* on *`.
    pub value: String,
}

/// The verdict on a principal: its own documents' analyses and the union's findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalAnalysis<'a> {
    pub own: Vec<(&'a str, Analysis)>,
    pub findings: Vec<PrincipalFinding>,
    /// NON_COMPLIANT when an own document or the union has a finding, COMPLIANT when it
    /// holds neptune-db access otherwise, NOT_APPLICABLE when it holds none.
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    pub held: Vec<Held>,
    pub boundary: Option<Document>,
}

impl View {
    /// Runs `judge` with the scope every held document is judged in: the Denies of all of
    /// them and the boundary.
    fn in_scope<T>(&self, judge: impl FnOnce(Scope) -> T) -> T {
        let others: Vec<&Document> = self.held.iter().map(|h| &h.document).collect();
        judge(Scope {
            others: &others,
            boundary: self.boundary.as_ref(),
        })
    }

    /// The principal's own inline documents, each analysed with the Denies of everything it
    /// holds and its boundary in scope (so a Deny of ResetDatabase in an attached policy
    /// settles FGAC003 for a wildcard in an inline one).
    pub(crate) fn analyze_own(&self, context: Context) -> Vec<(&str, Analysis)> {
        self.in_scope(|scope| {
            self.held
                .iter()
                .filter(|h| h.origin == Origin::Own)
                .map(|h| (h.label.as_str(), analyze_in(&h.document, context, scope)))
                .collect()
        })
    }

    /// Whether anything the principal holds grants neptune-db access at all (within its
    /// boundary and Denies), for the verdict of a principal without findings.
    pub(crate) fn grants_neptune(&self, context: Context) -> bool {
        self.in_scope(|scope| {
            self.held
                .iter()
                .any(|h| !standing_grants(&h.document, context, scope).is_empty())
        })
    }

    /// Everything said of the principal.
    pub fn analyze(&self, context: Context) -> PrincipalAnalysis<'_> {
        let own = self.analyze_own(context);
        let findings = self.findings(context);
        let verdict = if !findings.is_empty()
            || own.iter().any(|(_, a)| a.verdict == Verdict::NonCompliant)
        {
            Verdict::NonCompliant
        } else if own.iter().any(|(_, a)| a.verdict == Verdict::Compliant)
            || self.grants_neptune(context)
        {
            Verdict::Compliant
        } else {
            Verdict::NotApplicable
        };
        PrincipalAnalysis {
            own,
            findings,
            verdict,
        }
    }

    /// FGAC018 for each AWS managed policy whose neptune-db grant stands, FGAC019 for each
    /// attached or group policy through which ResetDatabase is reachable.
    pub fn findings(&self, context: Context) -> Vec<PrincipalFinding> {
        self.in_scope(|scope| self.findings_in(context, scope))
    }

    fn findings_in(&self, context: Context, scope: Scope) -> Vec<PrincipalFinding> {
        let mut found = Vec::new();
        for held in &self.held {
            match held.origin {
                Origin::Own => {}
                Origin::AwsManaged => {
                    for value in standing_grants(&held.document, context, scope) {
                        found.push(PrincipalFinding {
                            code: Code::AwsManagedNeptuneAccess,
                            through: held.label.clone(),
                            value,
                        });
                    }
                }
                Origin::CustomerManaged | Origin::Group => {
                    for statement in &held.document.statements {
                        if statement.effect != Effect::Allow {
                            continue;
                        }
                        if let Some(through) = reset_reach(statement, &held.document, scope) {
                            found.push(PrincipalFinding {
                                code: Code::PrincipalCanReset,
                                through: held.label.clone(),
                                value: through,
                            });
                        }
                    }
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRAPH: &str =
        "arn:aws:neptune-db:us-east-1:111122223333:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/*";

    fn doc(statements: &str) -> Document {
        Document::parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#
        ))
        .unwrap()
    }

    fn held(label: &str, origin: Origin, statements: &str) -> Held {
        Held {
            label: label.into(),
            origin,
            document: doc(statements),
        }
    }

    fn all(resource: &str) -> String {
        format!(r#"{{"Effect":"Allow","Action":"neptune-db:*","Resource":"{resource}"}}"#)
    }

    fn deny_reset() -> String {
        r#"{"Effect":"Deny","Action":"neptune-db:ResetDatabase","Resource":"*"}"#.into()
    }

    fn own_codes(view: &View) -> Vec<&'static str> {
        view.analyze_own(Context::default())
            .iter()
            .flat_map(|(_, a)| a.findings.iter().map(|f| f.code.as_str()))
            .collect()
    }

    fn principal_codes(view: &View) -> Vec<(&'static str, String)> {
        view.findings(Context::default())
            .into_iter()
            .map(|f| (f.code.as_str(), f.through))
            .collect()
    }

    #[test]
    fn a_deny_in_another_policy_settles_reset_for_the_principal() {
        let mut view = View {
            held: vec![
                held("inline policy all", Origin::Own, &all(GRAPH)),
                held(
                    "managed policy deny-reset",
                    Origin::CustomerManaged,
                    &deny_reset(),
                ),
            ],
            boundary: None,
        };
        assert!(own_codes(&view).is_empty());
        assert!(principal_codes(&view).is_empty());
        assert!(view.grants_neptune(Context::default()));
        view.held.pop();
        assert_eq!(own_codes(&view), ["FGAC003"]);
    }

    #[test]
    fn a_boundary_caps_what_the_identity_policies_grant() {
        let read = doc(&format!(
            r#"{{"Effect":"Allow","Action":"neptune-db:ReadDataViaQuery","Resource":"{GRAPH}"}}"#
        ));
        let view = View {
            held: vec![
                held("inline policy all", Origin::Own, &all(GRAPH)),
                held(
                    "AWS managed policy NeptuneFullAccess",
                    Origin::AwsManaged,
                    &all("*"),
                ),
            ],
            boundary: Some(read),
        };
        assert!(
            own_codes(&view).is_empty(),
            "the boundary leaves no ResetDatabase"
        );
        // The boundary still lets ReadDataViaQuery of the AWS managed grant through.
        assert_eq!(
            principal_codes(&view),
            [(
                "FGAC018",
                "AWS managed policy NeptuneFullAccess".to_string()
            )]
        );
        let nothing = doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#);
        let capped = View {
            boundary: Some(nothing),
            ..view
        };
        assert!(principal_codes(&capped).is_empty());
        assert!(!capped.grants_neptune(Context::default()));
    }

    #[test]
    fn users_inherit_their_groups_policies() {
        let view = View {
            held: vec![held(
                "group ops inline policy all",
                Origin::Group,
                &all(GRAPH),
            )],
            boundary: None,
        };
        assert_eq!(
            principal_codes(&view),
            [("FGAC019", "group ops inline policy all".to_string())]
        );
        let denied = View {
            held: vec![
                view.held[0].clone(),
                held("inline policy guard", Origin::Own, &deny_reset()),
            ],
            boundary: None,
        };
        assert!(principal_codes(&denied).is_empty());
    }

    #[test]
    fn aws_managed_grants_stand_unless_denied_everywhere() {
        let full = held(
            "AWS managed policy NeptuneFullAccess",
            Origin::AwsManaged,
            &all("*"),
        );
        let view = View {
            held: vec![full.clone()],
            boundary: None,
        };
        let found = view.findings(Context::default());
        assert_eq!(found[0].code, Code::AwsManagedNeptuneAccess);
        assert_eq!(found[0].value, "neptune-db:* on *");
        let deny_all = held(
            "inline policy no-neptune",
            Origin::Own,
            r#"{"Effect":"Deny","Action":"neptune-db:*","Resource":"*"}"#,
        );
        let denied = View {
            held: vec![full, deny_all],
            boundary: None,
        };
        assert!(denied.findings(Context::default()).is_empty());
    }
}
