//! What the rule judges: a policy, role, user or group with its documents, built from a
//! configuration item or from the account's authorization details, and the analyzer's view
//! of it.

use std::collections::{BTreeMap, HashSet};

use guardrails_aws::iam::types::ManagedPolicyDetail;
use guardrails_aws::iam::{tag_map, AccountDetails, NamedDocument};
use guardrails_core::{ConfigurationItem, ResourceType};
use guardrails_policy::{Document, Held, Origin, View};
use serde_json::Value;

use crate::holdings::{self, Holdings};

/// A policy, role, user or group with the documents this rule evaluates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub resource_type: ResourceType,
    pub resource_id: String,
    pub name: String,
    pub arn: String,
    pub tags: BTreeMap<String, String>,
    pub documents: Vec<NamedDocument>,
    /// IAM users hold these permissions (a user's policy, a group's, or a managed policy
    /// attached to either); `None` when not known yet.
    pub reaches_users: Option<bool>,
    /// For a role, user or group: what else it holds; `None` for a policy, or when unknown
    /// (its own documents are then judged alone).
    pub holdings: Option<Holdings>,
}

/// The subject's documents as the analyzer's view of a principal, and the ones that could
/// not be read (said in a NOT_APPLICABLE reason; another held one is skipped with a warning).
pub(crate) fn view_of(subject: &Subject) -> (View, Vec<String>) {
    let mut unreadable = Vec::new();
    let mut view = View::default();
    for document in &subject.documents {
        match Document::parse(&document.text) {
            Ok(parsed) => view.held.push(Held {
                label: document.label.clone(),
                origin: Origin::Own,
                document: parsed,
            }),
            Err(err) => unreadable.push(format!("{} unreadable: {err}", document.label)),
        }
    }
    if let Some(holdings) = &subject.holdings {
        for other in &holdings.others {
            match Document::parse(&other.text) {
                Ok(parsed) => view.held.push(Held {
                    label: other.label.clone(),
                    origin: other.origin.clone(),
                    document: parsed,
                }),
                Err(err) => {
                    tracing::warn!(label = %other.label, error = %err, "held policy unreadable; left out")
                }
            }
        }
        view.boundary = holdings
            .boundary
            .as_ref()
            .and_then(|b| match Document::parse(&b.text) {
                Ok(parsed) => Some(parsed),
                Err(err) => {
                    tracing::warn!(error = %err, "permissions boundary unreadable; left out");
                    None
                }
            });
    }
    (view, unreadable)
}

/// The configuration item's view: documents as AWS Config records them (`policyVersionList`,
/// `rolePolicyList`, `userPolicyList`, `groupPolicyList`, documents URL-encoded). `None` for
/// the documents when the item does not carry them.
pub fn subject_from_item(
    resource_type: ResourceType,
    item: &ConfigurationItem,
) -> (Subject, Option<Vec<NamedDocument>>) {
    let name_key = match resource_type {
        ResourceType::IamPolicy => "policyName",
        ResourceType::IamRole => "roleName",
        ResourceType::IamUser => "userName",
        _ => "groupName",
    };
    let documents = match resource_type {
        ResourceType::IamPolicy => item
            .field(&["policyVersionList"])
            .and_then(Value::as_array)
            .map(|versions| {
                let default_id = item.text(&["defaultVersionId"]);
                versions
                    .iter()
                    .filter(|v| {
                        v.get("isDefaultVersion")
                            .and_then(guardrails_core::item::as_flag)
                            == Some(true)
                            || (default_id.is_some()
                                && v.get("versionId").and_then(Value::as_str)
                                    == default_id.as_deref())
                    })
                    .take(1)
                    .filter_map(|v| {
                        Some(NamedDocument {
                            label: format!(
                                "default version {}",
                                v.get("versionId").and_then(Value::as_str).unwrap_or("?")
                            ),
                            text: v.get("document")?.as_str()?.to_string(),
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|docs| !docs.is_empty()),
        _ => {
            let list_key = match resource_type {
                ResourceType::IamRole => "rolePolicyList",
                ResourceType::IamUser => "userPolicyList",
                _ => "groupPolicyList",
            };
            item.field(&[list_key])
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(|p| {
                            let get = |k| guardrails_core::item::get(p, k).and_then(Value::as_str);
                            Some(NamedDocument {
                                label: format!(
                                    "inline policy {}",
                                    get("policyName").unwrap_or("?")
                                ),
                                text: get("policyDocument")?.to_string(),
                            })
                        })
                        .collect()
                })
        }
    };
    let subject = Subject {
        resource_type,
        resource_id: item.resource_id.clone(),
        name: item
            .text(&[name_key])
            .or_else(|| item.resource_name.clone())
            .unwrap_or_else(|| item.resource_id.clone()),
        arn: item
            .arn
            .clone()
            .or_else(|| item.text(&["arn"]))
            .unwrap_or_default(),
        tags: item.tags.clone(),
        documents: Vec::new(),
        reaches_users: users_hold(resource_type),
        holdings: None,
    };
    (subject, documents)
}

/// Every subject of the account, from paginated GetAccountAuthorizationDetails and the
/// documents of the AWS managed policies its principals hold (`aws_managed`, by ARN).
pub fn subjects_from_details(
    details: &AccountDetails,
    aws_managed: holdings::ManagedDocuments,
    unread: &holdings::Unread,
) -> Vec<Subject> {
    let mut documents = holdings::customer_documents(details);
    documents.extend(aws_managed);
    let mut held = holdings::from_details(details, &documents, unread);
    let mut holdings_of = |resource_type: ResourceType, name: Option<&str>| {
        held.remove(&(resource_type, name.unwrap_or_default().to_string()))
    };
    let inline = holdings::inline_documents;
    // Managed policies that IAM users hold, directly or through a group.
    let mut user_policies: HashSet<&str> = HashSet::new();
    for user in &details.users {
        user_policies.extend(
            user.attached_managed_policies()
                .iter()
                .filter_map(|a| a.policy_arn()),
        );
    }
    for group in &details.groups {
        user_policies.extend(
            group
                .attached_managed_policies()
                .iter()
                .filter_map(|a| a.policy_arn()),
        );
    }
    let mut subjects = Vec::new();
    for policy in &details.policies {
        subjects.push(managed_subject(policy, &user_policies));
    }
    for role in &details.roles {
        subjects.push(Subject {
            resource_type: ResourceType::IamRole,
            resource_id: role.role_id().unwrap_or_default().to_string(),
            name: role.role_name().unwrap_or_default().to_string(),
            arn: role.arn().unwrap_or_default().to_string(),
            tags: tag_map(role.tags()),
            documents: inline(role.role_policy_list()),
            reaches_users: users_hold(ResourceType::IamRole),
            holdings: holdings_of(ResourceType::IamRole, role.role_name()),
        });
    }
    for user in &details.users {
        subjects.push(Subject {
            resource_type: ResourceType::IamUser,
            resource_id: user.user_id().unwrap_or_default().to_string(),
            name: user.user_name().unwrap_or_default().to_string(),
            arn: user.arn().unwrap_or_default().to_string(),
            tags: tag_map(user.tags()),
            documents: inline(user.user_policy_list()),
            reaches_users: users_hold(ResourceType::IamUser),
            holdings: holdings_of(ResourceType::IamUser, user.user_name()),
        });
    }
    for group in &details.groups {
        subjects.push(Subject {
            resource_type: ResourceType::IamGroup,
            resource_id: group.group_id().unwrap_or_default().to_string(),
            name: group.group_name().unwrap_or_default().to_string(),
            arn: group.arn().unwrap_or_default().to_string(),
            // IAM groups cannot be tagged.
            tags: BTreeMap::new(),
            documents: inline(group.group_policy_list()),
            reaches_users: users_hold(ResourceType::IamGroup),
            holdings: holdings_of(ResourceType::IamGroup, group.group_name()),
        });
    }
    subjects
}

fn managed_subject(policy: &ManagedPolicyDetail, user_policies: &HashSet<&str>) -> Subject {
    let documents = holdings::default_document(policy).into_iter().collect();
    Subject {
        resource_type: ResourceType::IamPolicy,
        resource_id: policy.policy_id().unwrap_or_default().to_string(),
        name: policy
            .policy_name()
            .or(policy.arn())
            .unwrap_or_default()
            .to_string(),
        arn: policy.arn().unwrap_or_default().to_string(),
        tags: BTreeMap::new(),
        documents,
        reaches_users: Some(policy.arn().is_some_and(|arn| user_policies.contains(arn))),
        holdings: None,
    }
}

/// Whether IAM users hold the permissions of a subject of this type: always for users and
/// groups, never for roles, and for a managed policy only IAM can say (`None`).
fn users_hold(resource_type: ResourceType) -> Option<bool> {
    match resource_type {
        ResourceType::IamUser | ResourceType::IamGroup => Some(true),
        ResourceType::IamRole => Some(false),
        _ => None,
    }
}
