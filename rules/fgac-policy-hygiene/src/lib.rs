//! Rule `neptune-fgac-policy-hygiene`: IAM policies that grant `neptune-db:` data access do
//! it the fine-grained way (engine 1.2.0.0+). Customer managed policies are evaluated on
//! their default version; roles, users and groups on their inline policies, in the light of
//! everything else they hold (attached managed policies, a user's groups, the permissions
//! boundary), which also decides the principal-level codes (AWS managed Neptune access,
//! ResetDatabase reachable through another policy).
//!
//! The analysis is `guardrails_policy`'s; this crate finds the documents (configuration
//! item, or IAM when the item lacks them and on periodic runs) and turns findings into one
//! verdict per resource.

mod holdings;
mod runbook;
mod subjects;
mod template;

use std::collections::BTreeMap;

use futures_util::StreamExt;
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::exemption::{self, Exemption, Tagged};
use guardrails_core::frameworks::{Framework, Mapping};
use guardrails_core::registry::{
    ParamKind, ParamSpec, Remediation, ResourceType, RuleSpec, Severity, Trigger,
};
use guardrails_core::rule::described;
use guardrails_core::{Assessed, Compliance, ConfigurationItem, Params, Rule, RuleError};
use guardrails_policy::{analyze_text, Code, Context};
use holdings::is_aws_managed;
use subjects::view_of;
pub use subjects::{subject_from_item, subjects_from_details, Subject};

pub use guardrails_aws::iam::{tag_map, AccountDetails, IamAccount, NamedDocument, RoleFacts};

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-fgac-policy-hygiene",
    title: "IAM policies grant Neptune data access with fine-grained neptune-db actions",
    resource_types: &[
        ResourceType::IamPolicy,
        ResourceType::IamRole,
        ResourceType::IamUser,
        ResourceType::IamGroup,
    ],
    triggers: &[
        Trigger::ConfigurationChange,
        Trigger::Periodic("TwentyFour_Hours"),
    ],
    parameters: &[
        ParamSpec {
            name: "includeAdminPolicies",
            kind: ParamKind::Bool,
            default: "false",
            description: "also evaluate policies that reach neptune-db only through Action \"*\" \
                          or a service-wide NotAction (NOT_APPLICABLE by default)",
        },
        exemption::PARAMETER,
    ],
    severity: Severity::High,
    delivery: guardrails_core::registry::Delivery::Lambda,
    remediation: Remediation {
        runbook: "NeptuneGuardrails-ReviewFgacPolicy",
        automatic: false,
        rationale:
            "a policy change can cut off a working application: the runbook waits for an approver \
                    and applies the replacement document a reviewer supplies",
    },
    permissions: &[
        "iam:GetAccountAuthorizationDetails",
        "iam:GetGroupPolicy",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:GetRolePolicy",
        "iam:GetUserPolicy",
        "iam:ListAttachedGroupPolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListAttachedUserPolicies",
        "iam:ListEntitiesForPolicy",
        "iam:ListGroupPolicies",
        "iam:ListGroupsForUser",
        "iam:ListPolicyTags",
        "iam:ListRolePolicies",
        "iam:ListUserPolicies",
    ],
    frameworks: &[
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &["AC-3", "AC-6", "AC-6(10)"],
            source: "our mapping (no Security Hub control checks neptune-db: policies): \
                     AC-6 least privilege, AC-6(10) privileged functions such as ResetDatabase",
        },
        Mapping {
            framework: Framework::PciDss4,
            requirements: &["7.2.1", "7.2.2"],
            source: "our mapping: requirement 7.2 (access granted by least privilege)",
        },
        Mapping {
            framework: Framework::CisControlsV8,
            requirements: &["3.3", "6.8"],
            source: "our mapping: safeguards 3.3 (Configure Data Access Control Lists) and \
                     6.8 (Define and Maintain Role-Based Access Control)",
        },
    ],
    docs: "NON_COMPLIANT when a customer managed policy's default version, or an inline policy \
           of a role, user or group, grants neptune-db: data access the unsafe or outdated way: \
           deprecated neptune-db:connect, wildcards reaching ResetDatabase without an explicit \
           Deny, Resource \"*\", NotResource/NotAction, resources that are not \
           arn:aws:neptune-db:REGION:ACCOUNT:cluster-RESOURCEID/*, unknown actions, unconditional \
           writes by IAM users, conditions on keys Neptune's data requests never carry, misspelt \
           query languages, and what a role, user or group can do on the union of the policies it \
           holds: AWS managed Neptune access, ResetDatabase through another policy (finding codes \
           FGAC001-FGAC019, listed in the annotation). \
           Policies that touch no neptune-db: action are NOT_APPLICABLE.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::lambda(&SPEC, runbook::runbook, |scope, params| {
    Box::pin(async move {
        FgacPolicyHygiene::new(&scope.sdk)
            .evaluate_all(params)
            .await
    })
})
.judging_templates(template::judge);

/// The rule's parameters, read once per invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub include_admin: bool,
    pub exemption: Option<Exemption>,
    /// The UTC date an exemption tag's `until` is compared with.
    pub today: String,
}

impl Settings {
    pub fn from_params(params: &Params) -> Self {
        Settings {
            include_admin: params.flag("includeAdminPolicies"),
            exemption: Exemption::from_params(params),
            today: exemption::today(),
        }
    }

    /// What the subject's tags say (any verdict of this rule is exempted, as before the tag
    /// could expire).
    fn tagged(&self, tags: &BTreeMap<String, String>) -> Tagged {
        self.exemption
            .as_ref()
            .map_or(Tagged::NotTagged, |e| e.check(tags, &self.today))
    }
}

/// The verdict for one subject: NON_COMPLIANT when any of its own documents has a finding
/// (judged with the Denies and boundary of everything it holds) or the union of what it holds
/// raises a principal-level code (all codes listed); COMPLIANT when it holds neptune-db access
/// with no finding; otherwise NOT_APPLICABLE with the reason.
pub fn evaluate(subject: &Subject, settings: &Settings) -> Verdict {
    match settings.tagged(&subject.tags) {
        Tagged::Exempt(reason) => Verdict::new(Compliance::NotApplicable, reason),
        Tagged::Lapsed(why) => exemption::lapsed(&why, judge(subject, settings)),
        Tagged::NotTagged => judge(subject, settings),
    }
}

fn judge(subject: &Subject, settings: &Settings) -> Verdict {
    if let Some(unread) = subject.holdings.as_ref().filter(|h| !h.unread.is_empty()) {
        return Verdict::not_evaluated(format!(
            "could not read policies {} holds: {}",
            subject.name,
            unread.unread.join("; ")
        ));
    }
    let holds_more = subject
        .holdings
        .as_ref()
        .is_some_and(|h| !h.others.is_empty() || h.boundary.is_some());
    if subject.documents.is_empty() && !holds_more {
        let why = if subject.resource_type == ResourceType::IamPolicy {
            "has no default version document"
        } else {
            "holds no policy"
        };
        return Verdict::new(Compliance::NotApplicable, format!("{} {why}", subject.name));
    }
    let context = Context {
        include_admin: settings.include_admin,
        attached_to_user: subject.reaches_users.unwrap_or(false),
    };
    let (view, mut out_of_scope) = view_of(subject);
    let analysis = view.analyze(context);
    let mut failing = Vec::new();
    let mut clean = 0;
    for (label, own) in &analysis.own {
        match own.verdict {
            guardrails_policy::Verdict::NonCompliant => {
                failing.push(format!("{} in {label}", own.reason))
            }
            guardrails_policy::Verdict::Compliant => clean += 1,
            guardrails_policy::Verdict::NotApplicable => {
                out_of_scope.push(format!("{label}: {}", own.reason))
            }
        }
    }
    for finding in &analysis.findings {
        failing.push(format!(
            "{} via {} ({})",
            finding.code, finding.through, finding.value
        ));
    }
    match analysis.verdict {
        guardrails_policy::Verdict::NonCompliant => {
            Verdict::new(Compliance::NonCompliant, failing.join("; "))
        }
        guardrails_policy::Verdict::Compliant if clean > 0 => Verdict::new(
            Compliance::Compliant,
            format!("{clean} document(s) use neptune-db actions the fine-grained way, no finding"),
        ),
        guardrails_policy::Verdict::Compliant => Verdict::new(
            Compliance::Compliant,
            "holds neptune-db access through attached or group policies, none a finding for it",
        ),
        guardrails_policy::Verdict::NotApplicable if out_of_scope.is_empty() => Verdict::new(
            Compliance::NotApplicable,
            format!(
                "{} holds no policy that grants neptune-db access",
                subject.name
            ),
        ),
        guardrails_policy::Verdict::NotApplicable => {
            Verdict::new(Compliance::NotApplicable, out_of_scope.join("; "))
        }
    }
}

/// Whether any document could raise FGAC012 once IAM users are known to hold it: only then
/// is the attachment worth an IAM call.
fn user_attachment_matters(subject: &Subject, settings: &Settings) -> bool {
    let context = Context {
        include_admin: settings.include_admin,
        attached_to_user: true,
    };
    subject.documents.iter().any(|d| {
        analyze_text(&d.text, context).is_ok_and(|a| {
            a.findings
                .iter()
                .any(|f| f.code == Code::UnconditionalMutationByUser)
        })
    })
}

pub struct FgacPolicyHygiene {
    iam: IamAccount,
}

impl FgacPolicyHygiene {
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        FgacPolicyHygiene {
            iam: IamAccount::new(sdk),
        }
    }

    /// AWS Config names an IAM entity by its id, and PutEvaluations refuses an empty one. A
    /// listing may lack a managed policy's id (moto's does): it is read with GetPolicy. An
    /// entity whose id stays unknown is reported under its ARN as not evaluated, with the
    /// reason, never with an empty id. After a read has failed (its retries spent), the
    /// others are not tried: they would fail alike and hold the run for minutes.
    async fn fill_missing_ids(&self, subjects: &mut [Subject], verdicts: &mut [Verdict]) {
        let mut failed: Option<String> = None;
        for (subject, verdict) in subjects.iter_mut().zip(verdicts.iter_mut()) {
            if !subject.resource_id.is_empty() {
                continue;
            }
            let read = match (&failed, subject.resource_type) {
                (Some(earlier), _) => Err(earlier.clone()),
                (None, ResourceType::IamPolicy) if !subject.arn.is_empty() => self
                    .iam
                    .policy_id(&subject.arn)
                    .await
                    .map_err(|e| e.to_string()),
                _ => Ok(None),
            };
            let why = match read {
                Ok(Some(id)) => {
                    subject.resource_id = id;
                    continue;
                }
                Ok(None) => "IAM returned none".to_string(),
                Err(err) => failed.insert(err).clone(),
            };
            subject.resource_id = if subject.arn.is_empty() {
                subject.name.clone()
            } else {
                subject.arn.clone()
            };
            *verdict = Verdict::not_evaluated(format!(
                "the id of {} could not be read ({why}); reported under its ARN",
                subject.resource_id
            ));
        }
    }

    /// The default documents of the AWS managed policies the account's principals hold (the
    /// details carry customer managed ones only), and why the others are unknown. After a
    /// read has failed (its retries spent), the others are not tried: they would fail alike
    /// and hold the run for minutes; the principals holding them are not evaluated.
    async fn read_aws_managed(
        &self,
        arns: impl IntoIterator<Item = String>,
    ) -> (holdings::ManagedDocuments, holdings::Unread) {
        let mut documents = holdings::ManagedDocuments::new();
        let mut unread = holdings::Unread::new();
        let mut failed: Option<String> = None;
        for arn in arns {
            let read = match &failed {
                Some(earlier) => Err(earlier.clone()),
                None => self
                    .iam
                    .default_version(&arn)
                    .await
                    .map_err(|e| e.to_string()),
            };
            match read {
                Ok(Some(document)) => {
                    documents.insert(arn, document);
                }
                Ok(None) => {
                    unread.insert(arn, "IAM has no such policy".into());
                }
                Err(err) => {
                    unread.insert(arn, failed.insert(err).clone());
                }
            }
        }
        (documents, unread)
    }

    /// Settle FGAC012 for a managed policy: ask IAM who holds it, only when it matters.
    async fn settle_user_attachment(&self, subject: &mut Subject, settings: &Settings) {
        if subject.reaches_users.is_none() && user_attachment_matters(subject, settings) {
            let arn = subject.arn.clone();
            match self.iam.reaches_users(&arn).await {
                Ok(reaches) => subject.reaches_users = Some(reaches),
                Err(err) => {
                    tracing::warn!(%arn, error = %err, "attachments unknown; FGAC012 not evaluated")
                }
            }
        }
    }

    /// Every resource in scope, judged: the rule's scan, which `gen scan` and the Lambda's
    /// scheduled run both are.
    pub async fn evaluate_all(&self, params: &Params) -> Result<Vec<Assessed>, RuleError> {
        let settings = Settings::from_params(params);
        let details = self.iam.details().await?;
        // The details carry customer managed documents only: each AWS managed policy a
        // principal holds is read once, whatever the number of principals holding it.
        let (aws_managed, unread) = self
            .read_aws_managed(holdings::aws_managed_arns(&details))
            .await;
        let mut subjects = subjects_from_details(&details, aws_managed, &unread);
        let mut verdicts: Vec<Verdict> = subjects.iter().map(|s| evaluate(s, &settings)).collect();
        // Managed policy tags are not in the details: read them only for a policy that would
        // otherwise fail, so exemptions cost one call per failing policy, a few at a time.
        let wanted: Vec<usize> = (0..subjects.len())
            .filter(|&i| {
                subjects[i].resource_type == ResourceType::IamPolicy
                    && verdicts[i].compliance == Compliance::NonCompliant
                    && settings.exemption.is_some()
                    && !subjects[i].arn.is_empty()
            })
            .collect();
        let tag_reads: Vec<(usize, Result<Tags, RuleError>)> = futures_util::stream::iter(wanted)
            .map(|i| {
                let arn = subjects[i].arn.as_str();
                async move { (i, self.iam.policy_tags(arn).await) }
            })
            .buffer_unordered(TAG_READS_AT_ONCE)
            .collect()
            .await;
        for (i, tags) in tag_reads {
            match tags {
                Ok(tags) => {
                    subjects[i].tags = tags;
                    verdicts[i] = evaluate(&subjects[i], &settings);
                }
                Err(err) => verdicts[i] = exemption::not_checked(&verdicts[i], &err),
            }
        }
        self.fill_missing_ids(&mut subjects, &mut verdicts).await;
        Ok(subjects
            .into_iter()
            .zip(verdicts)
            .map(|(subject, verdict)| Assessed {
                resource_type: subject.resource_type,
                resource_id: subject.resource_id,
                name: subject.name,
                arn: (!subject.arn.is_empty()).then_some(subject.arn),
                verdict,
            })
            .collect())
    }
}

impl Rule for FgacPolicyHygiene {
    fn entry(&self) -> &'static RuleEntry {
        &RULE
    }

    async fn evaluate_item(&self, item: &ConfigurationItem, params: &Params) -> Verdict {
        let settings = Settings::from_params(params);
        let Some(resource_type) = ResourceType::parse(&item.resource_type) else {
            return Verdict::new(Compliance::NotApplicable, "unknown resource type");
        };
        let (mut subject, documents) = subject_from_item(resource_type, item);
        if let Tagged::Exempt(reason) = settings.tagged(&subject.tags) {
            return Verdict::new(Compliance::NotApplicable, reason);
        }
        if resource_type == ResourceType::IamPolicy && is_aws_managed(&subject.arn) {
            return Verdict::new(
                Compliance::NotApplicable,
                "AWS managed policy: the account cannot change it",
            );
        }
        subject.documents = match documents {
            Some(documents) => documents,
            None => {
                let fetched = match resource_type {
                    ResourceType::IamPolicy => self
                        .iam
                        .default_version(&subject.arn)
                        .await
                        .map(|d| d.map(|d| vec![d])),
                    _ => self.iam.inline_policies(resource_type, &subject.name).await,
                };
                match described(&format!("{} {}", resource_type, subject.name), fetched) {
                    Ok(documents) => documents,
                    Err(verdict) => return verdict,
                }
            }
        };
        if resource_type == ResourceType::IamPolicy {
            self.settle_user_attachment(&mut subject, &settings).await;
        } else {
            match holdings::from_item(&self.iam, resource_type, &subject.name, item).await {
                Ok(holdings) => subject.holdings = Some(holdings),
                Err(err) => {
                    return Verdict::not_evaluated(format!(
                        "could not read what {} {} holds: {err}",
                        resource_type, subject.name
                    ))
                }
            }
        }
        evaluate(&subject, &settings)
    }
}

type Tags = BTreeMap<String, String>;

/// ListPolicyTags calls in flight at once on a periodic run: enough to hide IAM's latency,
/// few enough to stay clear of its throttling.
const TAG_READS_AT_ONCE: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CLEAN: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"neptune-db:ReadDataViaQuery","Resource":"arn:aws:neptune-db:us-east-1:111122223333:cluster-ABC/*"}}"#;
    const CONNECT: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"neptune-db:connect","Resource":"*"}}"#;
    const WRITE: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"neptune-db:WriteDataViaQuery","Resource":"arn:aws:neptune-db:us-east-1:111122223333:cluster-ABC/*"}}"#;
    const S3: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#;

    use guardrails_testkit::url_encode as encode;

    fn subject(docs: &[(&str, &str)], reaches_users: Option<bool>) -> Subject {
        Subject {
            resource_type: ResourceType::IamRole,
            resource_id: "AROA1".into(),
            name: "app".into(),
            arn: "arn:aws:iam::111122223333:role/app".into(),
            tags: BTreeMap::new(),
            documents: docs
                .iter()
                .map(|(label, text)| NamedDocument {
                    label: label.to_string(),
                    text: text.to_string(),
                })
                .collect(),
            reaches_users,
            holdings: None,
        }
    }

    fn defaults() -> Settings {
        Settings::from_params(&Params::defaults(&SPEC))
    }

    #[test]
    fn one_verdict_from_all_documents_naming_the_failing_ones() {
        use Compliance::*;
        let cases = [
            (
                vec![("inline policy a", CLEAN)],
                None,
                Compliant,
                "1 document(s) use neptune-db actions the fine-grained way",
            ),
            (
                vec![("inline policy a", CLEAN), ("inline policy b", CONNECT)],
                None,
                NonCompliant,
                "FGAC001,FGAC004 in inline policy b",
            ),
            (
                vec![("inline policy s3", S3)],
                None,
                NotApplicable,
                "inline policy s3: no neptune-db: action",
            ),
            (
                vec![("inline policy w", WRITE)],
                Some(false),
                Compliant,
                "1 document(s)",
            ),
            (
                vec![("inline policy w", WRITE)],
                Some(true),
                NonCompliant,
                "FGAC012 in inline policy w",
            ),
            (
                vec![("inline policy bad", "{")],
                None,
                NotApplicable,
                "inline policy bad unreadable: not a policy document",
            ),
            (vec![], None, NotApplicable, "app holds no policy"),
        ];
        for (docs, users, compliance, annotation) in cases {
            let encoded: Vec<(&str, String)> = docs.iter().map(|(l, t)| (*l, encode(t))).collect();
            let encoded: Vec<(&str, &str)> =
                encoded.iter().map(|(l, t)| (*l, t.as_str())).collect();
            for docs in [&docs, &encoded] {
                let v = evaluate(&subject(docs, users), &defaults());
                assert_eq!(v.compliance, compliance, "{docs:?}");
                assert!(
                    v.annotation.starts_with(annotation),
                    "{docs:?}: {}",
                    v.annotation
                );
            }
        }
    }

    #[test]
    fn exemption_tags_and_parameters() {
        let mut s = subject(&[("inline policy b", CONNECT)], None);
        s.tags
            .insert("neptune-guardrails:exempt".into(), "true".into());
        let v = evaluate(&s, &defaults());
        assert_eq!(v.compliance, Compliance::NotApplicable);
        assert_eq!(v.annotation, "exempt by tag neptune-guardrails:exempt=true");
        s.tags.insert(
            "neptune-guardrails:exempt".into(),
            "true until 2020-01-31".into(),
        );
        let lapsed = evaluate(&s, &defaults());
        assert_eq!(lapsed.compliance, Compliance::NonCompliant);
        assert!(
            lapsed.annotation.starts_with(
                "exemption tag neptune-guardrails:exempt=true until 2020-01-31 expired on \
                 2020-01-31: "
            ),
            "{}",
            lapsed.annotation
        );
        s.tags.insert(
            "neptune-guardrails:exempt".into(),
            "true until 2999-01-31".into(),
        );
        assert_eq!(
            evaluate(&s, &defaults()).compliance,
            Compliance::NotApplicable
        );
        s.tags
            .insert("neptune-guardrails:exempt".into(), "false".into());
        assert_eq!(
            evaluate(&s, &defaults()).compliance,
            Compliance::NonCompliant
        );
        let params = Params::parse(
            &SPEC,
            Some(r#"{"exemptionTag":"owner","includeAdminPolicies":"TRUE"}"#),
        )
        .unwrap();
        let settings = Settings::from_params(&params);
        assert_eq!(
            settings.exemption,
            Some(Exemption {
                key: "owner".into(),
                value: None
            })
        );
        assert!(settings.include_admin);
        s.tags.insert("owner".into(), "graph-team".into());
        assert_eq!(
            evaluate(&s, &settings).annotation,
            "exempt by tag owner=graph-team"
        );
        let off = Params::parse(&SPEC, Some(r#"{"exemptionTag":""}"#)).unwrap();
        assert_eq!(
            Settings::from_params(&off)
                .exemption
                .as_ref()
                .map(|e| e.key.as_str()),
            Some("neptune-guardrails:exempt")
        );
        let admin = subject(
            &[(
                "inline policy admin",
                r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
            )],
            None,
        );
        assert_eq!(
            evaluate(&admin, &defaults()).compliance,
            Compliance::NotApplicable
        );
        assert_eq!(
            evaluate(&admin, &settings).annotation,
            "FGAC003,FGAC004 in inline policy admin"
        );
    }

    #[test]
    fn documents_come_from_config_items_as_config_records_them() {
        let policy = ConfigurationItem::from_json(&json!({
            "resourceType": "AWS::IAM::Policy",
            "resourceId": "ANPA1",
            "resourceName": "graph-access",
            "ARN": "arn:aws:iam::111122223333:policy/graph-access",
            "configuration": {
                "policyName": "graph-access",
                "defaultVersionId": "v2",
                "policyVersionList": [
                    {"document": encode(CLEAN), "versionId": "v1", "isDefaultVersion": false},
                    {"document": encode(CONNECT), "versionId": "v2", "isDefaultVersion": true}
                ]
            }
        }))
        .unwrap();
        let (subject, docs) = subject_from_item(ResourceType::IamPolicy, &policy);
        let docs = docs.unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].label, "default version v2");
        assert_eq!(subject.name, "graph-access");
        assert_eq!(subject.reaches_users, None);

        let role = ConfigurationItem::from_json(&json!({
            "resourceType": "AWS::IAM::Role",
            "resourceId": "AROA1",
            "configuration": {"roleName": "app", "rolePolicyList": [
                {"policyName": "read", "policyDocument": encode(CLEAN)},
                {"policyName": "legacy", "policyDocument": encode(CONNECT)}
            ]},
            "tags": {"team": "graph"}
        }))
        .unwrap();
        let (subject, docs) = subject_from_item(ResourceType::IamRole, &role);
        let labels: Vec<_> = docs.unwrap().into_iter().map(|d| d.label).collect();
        assert_eq!(labels, ["inline policy read", "inline policy legacy"]);
        assert_eq!(subject.tags.get("team").map(String::as_str), Some("graph"));
        assert_eq!(subject.reaches_users, Some(false));

        let user = ConfigurationItem::from_json(&json!({
            "resourceType": "AWS::IAM::User", "resourceId": "AIDA1",
            "configuration": {"userName": "alice"}
        }))
        .unwrap();
        let (subject, docs) = subject_from_item(ResourceType::IamUser, &user);
        assert_eq!(docs, None, "absent list: read IAM instead");
        assert_eq!(subject.reaches_users, Some(true));
        assert!(is_aws_managed("arn:aws:iam::aws:policy/NeptuneFullAccess"));
        assert!(!is_aws_managed("arn:aws:iam::111122223333:policy/x"));
    }
}
