//! Neptune IAM role chaining for the bulk loader: an associated role (RoleA) whose policies
//! allow `sts:AssumeRole` on another role (RoleB) only works when RoleB's trust policy lets
//! RoleA in. Pure checks over policy documents, plus the IAM reads behind them (cached per
//! role, so a role shared by many clusters is read once a run).

use std::collections::HashMap;

use guardrails_aws::iam::{IamAccount, RoleFacts};
use guardrails_policy::document::{Actions, Document, Effect, Resources};
use guardrails_policy::pattern::{self, Case};
use tokio::sync::Mutex;

const ASSUME_ROLE: &str = "sts:AssumeRole";

fn allows_assume_role(actions: &Actions) -> bool {
    match actions {
        Actions::Action(entries) => entries
            .iter()
            .any(|e| pattern::matches(e, ASSUME_ROLE, Case::Insensitive)),
        Actions::NotAction(entries) => !entries
            .iter()
            .any(|e| pattern::matches(e, ASSUME_ROLE, Case::Insensitive)),
    }
}

/// Roles a set of permission policies lets the holder assume: literal role ARNs, and the
/// wildcard patterns that cannot be followed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AssumeTargets {
    pub roles: Vec<String>,
    pub patterns: Vec<String>,
}

pub fn assume_targets(documents: &[String]) -> AssumeTargets {
    let mut targets = AssumeTargets::default();
    for text in documents {
        let Ok(document) = Document::parse(text) else {
            continue;
        };
        for statement in document
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow && allows_assume_role(&s.actions))
        {
            let resources = match &statement.resources {
                Resources::Resource(list) => list.clone(),
                Resources::NotResource(_) | Resources::Absent => vec!["*".to_string()],
            };
            for resource in resources {
                let list = if pattern::has_wildcard(&resource) {
                    &mut targets.patterns
                } else if resource.contains(":role/") {
                    &mut targets.roles
                } else {
                    continue;
                };
                if !list.contains(&resource) {
                    list.push(resource);
                }
            }
        }
    }
    targets
}

/// The account of an ARN (`arn:aws:iam::111122223333:role/x` → `111122223333`).
pub fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The role name of a role ARN (the last path segment).
pub fn role_name(arn: &str) -> Option<&str> {
    arn.split_once(":role/")
        .map(|(_, path)| path.rsplit('/').next().unwrap_or(path))
}

/// Whether a trust policy lets `source` (a role ARN) call `sts:AssumeRole`: named directly,
/// through its account (`arn:…:root` or the bare account id, which delegates to IAM
/// policies) or through `*`.
pub fn trusts(trust_policy: &str, source: &str) -> bool {
    let Ok(document) = Document::parse(trust_policy) else {
        return false;
    };
    let account = account_of(source).unwrap_or_default();
    let partition = source.split(':').nth(1).unwrap_or("aws");
    let root = format!("arn:{partition}:iam::{account}:root");
    document.statements.iter().any(|s| {
        s.effect == Effect::Allow
            && allows_assume_role(&s.actions)
            && s.principals.as_ref().is_some_and(|p| {
                p.anyone
                    || p.aws
                        .iter()
                        .any(|id| id == source || id == &root || id == account)
            })
    }) && !document.statements.iter().any(|s| {
        s.effect == Effect::Deny
            && allows_assume_role(&s.actions)
            && s.principals
                .as_ref()
                .is_some_and(|p| p.anyone || p.aws.iter().any(|id| id == source))
    })
}

/// What the chain check found for one associated role.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Links that cannot work, e.g. "RoleB does not trust RoleA".
    pub broken: Vec<String>,
    /// Links that cannot be checked from here, e.g. a cross-account target.
    pub unverified: Vec<String>,
    /// Links an AWS error kept from being read: the chain is not judged on a guess.
    pub unread: Vec<String>,
    /// Links that were checked and work.
    pub trusted: Vec<String>,
}

/// The IAM side, with a per-run cache.
pub struct RoleChains {
    iam: IamAccount,
    roles: Mutex<HashMap<String, Result<Option<RoleFacts>, String>>>,
    reports: Mutex<HashMap<String, ChainReport>>,
}

impl RoleChains {
    pub fn new(iam: IamAccount) -> Self {
        RoleChains {
            iam,
            roles: Mutex::new(HashMap::new()),
            reports: Mutex::new(HashMap::new()),
        }
    }

    async fn role(&self, name: &str) -> Result<Option<RoleFacts>, String> {
        if let Some(cached) = self.roles.lock().await.get(name) {
            return cached.clone();
        }
        let fetched = self.iam.role(name).await.map_err(|e| e.to_string());
        self.roles
            .lock()
            .await
            .insert(name.to_string(), fetched.clone());
        fetched
    }

    /// The permission documents of a role: inline policies and the default versions of the
    /// managed policies attached to it.
    async fn permissions(&self, name: &str) -> Result<Vec<String>, String> {
        let mut documents: Vec<String> = self
            .iam
            .inline_policies(guardrails_core::ResourceType::IamRole, name)
            .await
            .map_err(|e| e.to_string())?
            .unwrap_or_default()
            .into_iter()
            .map(|d| d.text)
            .collect();
        let attached = self
            .iam
            .attached_role_policies(name)
            .await
            .map_err(|e| e.to_string())?;
        for arn in &attached {
            if let Some(document) = self
                .iam
                .default_version(arn)
                .await
                .map_err(|e| e.to_string())?
            {
                documents.push(document.text);
            }
        }
        Ok(documents)
    }

    /// Check every role `associated` (a role ARN) may assume.
    pub async fn check(&self, associated: &str) -> ChainReport {
        if let Some(report) = self.reports.lock().await.get(associated) {
            return report.clone();
        }
        let report = self.check_uncached(associated).await;
        self.reports
            .lock()
            .await
            .insert(associated.to_string(), report.clone());
        report
    }

    async fn check_uncached(&self, associated: &str) -> ChainReport {
        let mut report = ChainReport::default();
        let short = |arn: &str| role_name(arn).unwrap_or(arn).to_string();
        let Some(name) = role_name(associated) else {
            report
                .unverified
                .push(format!("{associated} is not a role ARN"));
            return report;
        };
        let facts = match self.role(name).await {
            Ok(Some(facts)) => facts,
            Ok(None) => {
                report
                    .broken
                    .push(format!("associated role {name} does not exist"));
                return report;
            }
            Err(err) => {
                report.unread.push(format!("{name} unreadable: {err}"));
                return report;
            }
        };
        let documents = match self.permissions(name).await {
            Ok(documents) => documents,
            Err(err) => {
                report
                    .unread
                    .push(format!("{name} policies unreadable: {err}"));
                return report;
            }
        };
        let targets = assume_targets(&documents);
        for pattern in targets.patterns {
            report
                .unverified
                .push(format!("{name} may assume roles matching {pattern}"));
        }
        for target in targets.roles {
            if account_of(&target) != account_of(associated) {
                report.unverified.push(format!(
                    "{name}→{} is cross-account (not readable from here)",
                    short(&target)
                ));
                continue;
            }
            let target_name = short(&target);
            match self.role(&target_name).await {
                Ok(Some(target_facts)) => {
                    let trust = target_facts.trust_policy.unwrap_or_default();
                    if trusts(&trust, &facts.arn) {
                        report.trusted.push(format!("{name}→{target_name}"));
                    } else {
                        report
                            .broken
                            .push(format!("{target_name} does not trust {name}"));
                    }
                }
                Ok(None) => report.broken.push(format!(
                    "{name} may assume {target_name}, which does not exist"
                )),
                Err(err) => report
                    .unread
                    .push(format!("{target_name} unreadable: {err}")),
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE_A: &str = "arn:aws:iam::111122223333:role/RoleA";

    #[test]
    fn assume_role_targets_are_literal_roles_or_unfollowable_patterns() {
        let policy = r#"{"Statement":[
            {"Effect":"Allow","Action":"sts:AssumeRole","Resource":["arn:aws:iam::111122223333:role/RoleB","arn:aws:iam::444455556666:role/Loader"]},
            {"Effect":"Allow","Action":"STS:assume*","Resource":"arn:aws:iam::111122223333:role/team-*"},
            {"Effect":"Deny","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/RoleC"},
            {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}
        ]}"#;
        let encoded = guardrails_testkit::url_encode(policy);
        let targets = assume_targets(&[encoded]);
        assert_eq!(
            targets.roles,
            [
                "arn:aws:iam::111122223333:role/RoleB",
                "arn:aws:iam::444455556666:role/Loader"
            ]
        );
        assert_eq!(targets.patterns, ["arn:aws:iam::111122223333:role/team-*"]);
        assert_eq!(
            role_name("arn:aws:iam::1:role/path/to/RoleB"),
            Some("RoleB")
        );
        assert_eq!(account_of(ROLE_A), Some("111122223333"));
    }

    #[test]
    fn trust_policies_name_the_role_its_account_or_anyone() {
        let trust = |principal: &str| {
            format!(
                r#"{{"Statement":{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}}}"#
            )
        };
        assert!(trusts(&trust(&format!(r#"{{"AWS":"{ROLE_A}"}}"#)), ROLE_A));
        assert!(trusts(
            &trust(r#"{"AWS":["arn:aws:iam::111122223333:root"]}"#),
            ROLE_A
        ));
        assert!(trusts(&trust(r#"{"AWS":"111122223333"}"#), ROLE_A));
        assert!(trusts(&trust(r#""*""#), ROLE_A));
        let china = "arn:aws-cn:iam::111122223333:role/RoleA";
        assert!(trusts(
            &trust(r#"{"AWS":"arn:aws-cn:iam::111122223333:root"}"#),
            china
        ));
        assert!(!trusts(
            &trust(r#"{"AWS":"arn:aws:iam::111122223333:root"}"#),
            china
        ));
        assert!(!trusts(
            &trust(r#"{"AWS":"arn:aws:iam::111122223333:role/RoleX"}"#),
            ROLE_A
        ));
        assert!(!trusts(
            &trust(r#"{"Service":"rds.amazonaws.com"}"#),
            ROLE_A
        ));
        assert!(!trusts("not json", ROLE_A));
        let denied = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:root"}},"Action":"sts:AssumeRole"}},{{"Effect":"Deny","Principal":{{"AWS":"{ROLE_A}"}},"Action":"sts:*"}}]}}"#
        );
        assert!(!trusts(&denied, ROLE_A));
    }
}
