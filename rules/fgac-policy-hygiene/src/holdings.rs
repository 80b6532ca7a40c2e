//! What a role, user or group holds beyond its own inline policies: the managed policies
//! attached to it, a user's groups' policies, and its permissions boundary; from
//! GetAccountAuthorizationDetails on periodic runs, from the configuration item (or IAM when
//! the item lacks them) on change events.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use guardrails_aws::iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, ManagedPolicyDetail, PolicyDetail,
};
use guardrails_aws::iam::{AccountDetails, IamAccount, NamedDocument};
use guardrails_core::{ConfigurationItem, ResourceType, RuleError};
use guardrails_policy::Origin;
use serde_json::Value;

/// One document a principal holds besides its own inline ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldText {
    pub label: String,
    pub origin: Origin,
    /// As IAM returns it (URL-encoded or not).
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holdings {
    pub others: Vec<HeldText>,
    pub boundary: Option<NamedDocument>,
    /// Managed policies it holds whose documents could not be read, with the reason: the
    /// principal is then not evaluated rather than judged on part of what it holds.
    pub unread: Vec<String>,
}

/// AWS managed policies (`arn:aws:iam::aws:policy/…`) cannot be changed by the account.
pub fn is_aws_managed(arn: &str) -> bool {
    arn.split(':').nth(4) == Some("aws")
}

/// The policy name of a managed policy ARN (`…:policy/path/Name` → `Name`).
fn policy_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Default-version documents of managed policies, by ARN.
pub type ManagedDocuments = HashMap<String, NamedDocument>;

/// Why a managed policy's document is unknown, by ARN.
pub type Unread = BTreeMap<String, String>;

/// The reasons for the ARNs among `arns` whose documents are unknown.
fn unread_of<'a>(
    arns: impl IntoIterator<Item = &'a String>,
    documents: &ManagedDocuments,
    unread: &Unread,
) -> Vec<String> {
    arns.into_iter()
        .filter(|arn| !documents.contains_key(*arn))
        .map(|arn| {
            let why = unread
                .get(arn)
                .map_or("not in IAM's answer", String::as_str);
            format!("{arn}: {why}")
        })
        .collect()
}

/// A managed policy as a held document (`None` when its document is unknown).
fn managed(arn: &str, documents: &ManagedDocuments, through: Option<&str>) -> Option<HeldText> {
    let document = documents.get(arn)?;
    let (kind, origin) = if is_aws_managed(arn) {
        ("AWS managed policy", Origin::AwsManaged)
    } else {
        ("managed policy", Origin::CustomerManaged)
    };
    let via = through.map_or(String::new(), |g| format!(" of group {g}"));
    Some(HeldText {
        label: format!("{kind} {}{via}", policy_name(arn)),
        origin,
        text: document.text.clone(),
    })
}

fn group_inline(group: &str, inline: &[NamedDocument]) -> Vec<HeldText> {
    inline
        .iter()
        .map(|d| HeldText {
            label: format!("group {group} {}", d.label),
            origin: Origin::Group,
            text: d.text.clone(),
        })
        .collect()
}

/// Every AWS managed policy the account's principals hold or are bounded by: the only
/// documents the details lack (read with GetPolicy and GetPolicyVersion, once each).
pub fn aws_managed_arns(details: &AccountDetails) -> BTreeSet<String> {
    let attached = details
        .roles
        .iter()
        .flat_map(|r| r.attached_managed_policies())
        .chain(
            details
                .users
                .iter()
                .flat_map(|u| u.attached_managed_policies()),
        )
        .chain(
            details
                .groups
                .iter()
                .flat_map(|g| g.attached_managed_policies()),
        )
        .filter_map(AttachedPolicy::policy_arn);
    let bounds = details
        .roles
        .iter()
        .filter_map(|r| r.permissions_boundary())
        .chain(
            details
                .users
                .iter()
                .filter_map(|u| u.permissions_boundary()),
        )
        .filter_map(AttachedPermissionsBoundary::permissions_boundary_arn);
    attached
        .chain(bounds)
        .filter(|arn| is_aws_managed(arn))
        .map(str::to_string)
        .collect()
}

/// Default-version documents of the account's customer managed policies, from the details.
pub fn customer_documents(details: &AccountDetails) -> ManagedDocuments {
    details
        .policies
        .iter()
        .filter_map(|p| Some((p.arn()?.to_string(), default_document(p)?)))
        .collect()
}

/// A managed policy's default version as the details list it.
pub fn default_document(policy: &ManagedPolicyDetail) -> Option<NamedDocument> {
    let version = policy
        .policy_version_list()
        .iter()
        .find(|v| v.is_default_version() || v.version_id() == policy.default_version_id())?;
    Some(NamedDocument {
        label: format!("default version {}", version.version_id().unwrap_or("?")),
        text: version.document()?.to_string(),
    })
}

/// Inline policies as the details list them.
pub fn inline_documents(list: &[PolicyDetail]) -> Vec<NamedDocument> {
    list.iter()
        .filter_map(|p| {
            Some(NamedDocument {
                label: format!("inline policy {}", p.policy_name().unwrap_or("?")),
                text: p.policy_document()?.to_string(),
            })
        })
        .collect()
}

/// Holdings of every role, user and group in the details, keyed by (type, name).
pub fn from_details(
    details: &AccountDetails,
    documents: &ManagedDocuments,
    unread: &Unread,
) -> BTreeMap<(ResourceType, String), Holdings> {
    let arns = |list: &[AttachedPolicy]| -> Vec<String> {
        list.iter()
            .filter_map(|a| a.policy_arn().map(str::to_string))
            .collect()
    };
    let boundary_arn = |b: Option<&AttachedPermissionsBoundary>| {
        b.and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string)
    };
    let holdings = |others: Vec<HeldText>, arns: Vec<&String>, boundary: Option<String>| Holdings {
        others,
        unread: unread_of(arns.into_iter().chain(&boundary), documents, unread),
        boundary: boundary.and_then(|arn| documents.get(&arn)).cloned(),
    };
    let groups: HashMap<&str, (Vec<NamedDocument>, Vec<String>)> = details
        .groups
        .iter()
        .filter_map(|g| {
            Some((
                g.group_name()?,
                (
                    inline_documents(g.group_policy_list()),
                    arns(g.attached_managed_policies()),
                ),
            ))
        })
        .collect();
    let name = |n: Option<&str>| n.unwrap_or_default().to_string();
    let mut all = BTreeMap::new();
    for role in &details.roles {
        let own = arns(role.attached_managed_policies());
        let held = holdings(
            attached(&own, documents, None),
            own.iter().collect(),
            boundary_arn(role.permissions_boundary()),
        );
        all.insert((ResourceType::IamRole, name(role.role_name())), held);
    }
    for user in &details.users {
        let own = arns(user.attached_managed_policies());
        let mut others = attached(&own, documents, None);
        let mut held_arns: Vec<&String> = own.iter().collect();
        for group in user.group_list() {
            if let Some((inline, group_arns)) = groups.get(group.as_str()) {
                others.extend(group_inline(group, inline));
                others.extend(attached(group_arns, documents, Some(group)));
                held_arns.extend(group_arns);
            }
        }
        let held = holdings(others, held_arns, boundary_arn(user.permissions_boundary()));
        all.insert((ResourceType::IamUser, name(user.user_name())), held);
    }
    for group in &details.groups {
        let own = arns(group.attached_managed_policies());
        let held = holdings(attached(&own, documents, None), own.iter().collect(), None);
        all.insert((ResourceType::IamGroup, name(group.group_name())), held);
    }
    all
}

fn attached(arns: &[String], documents: &ManagedDocuments, through: Option<&str>) -> Vec<HeldText> {
    arns.iter()
        .filter_map(|arn| managed(arn, documents, through))
        .collect()
}

/// A principal's holdings on a change event: attachments, groups and boundary from the
/// configuration item as Config records them (`attachedManagedPolicies`, `groupList`,
/// `permissionsBoundary`), listed with IAM when the item lacks them; documents read from IAM.
pub async fn from_item(
    iam: &IamAccount,
    resource_type: ResourceType,
    name: &str,
    item: &ConfigurationItem,
) -> Result<Holdings, RuleError> {
    let attached_arns = match item
        .field(&["attachedManagedPolicies"])
        .and_then(Value::as_array)
    {
        Some(list) => list
            .iter()
            .filter_map(|a| guardrails_core::item::get(a, "policyArn").and_then(Value::as_str))
            .map(str::to_string)
            .collect(),
        None => iam.attached_policies(resource_type, name).await?,
    };
    let boundary_arn = item
        .field(&["permissionsBoundary", "permissionsBoundaryArn"])
        .and_then(Value::as_str)
        .map(str::to_string);
    let group_names: Vec<String> = match (
        resource_type,
        item.field(&["groupList"]).and_then(Value::as_array),
    ) {
        (ResourceType::IamUser, Some(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        (ResourceType::IamUser, None) => iam.groups_for_user(name).await?,
        _ => Vec::new(),
    };
    let mut group_attached = Vec::new();
    let mut others = Vec::new();
    for group in &group_names {
        let inline = iam
            .inline_policies(ResourceType::IamGroup, group)
            .await?
            .unwrap_or_default();
        others.extend(group_inline(group, &inline));
        group_attached.push((
            group.clone(),
            iam.attached_policies(ResourceType::IamGroup, group).await?,
        ));
    }
    let wanted: BTreeSet<&String> = attached_arns
        .iter()
        .chain(group_attached.iter().flat_map(|(_, arns)| arns))
        .chain(&boundary_arn)
        .collect();
    let mut documents = ManagedDocuments::new();
    for arn in wanted {
        if let Some(document) = iam.default_version(arn).await? {
            documents.insert(arn.clone(), document);
        }
    }
    others.splice(0..0, attached(&attached_arns, &documents, None));
    for (group, arns) in &group_attached {
        others.extend(attached(arns, &documents, Some(group)));
    }
    Ok(Holdings {
        others,
        boundary: boundary_arn.and_then(|arn| documents.remove(&arn)),
        unread: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_policies_are_named_by_kind_and_group() {
        let mut documents = ManagedDocuments::new();
        let doc = |text: &str| NamedDocument {
            label: "default version v1".into(),
            text: text.into(),
        };
        documents.insert(
            "arn:aws:iam::aws:policy/NeptuneFullAccess".into(),
            doc("{}"),
        );
        documents.insert(
            "arn:aws:iam::111122223333:policy/team/graph-read".into(),
            doc("{}"),
        );
        let held = attached(
            &[
                "arn:aws:iam::aws:policy/NeptuneFullAccess".into(),
                "arn:aws:iam::111122223333:policy/team/graph-read".into(),
                "arn:aws:iam::111122223333:policy/unknown".into(),
            ],
            &documents,
            Some("ops"),
        );
        let labels: Vec<(&str, &Origin)> =
            held.iter().map(|h| (h.label.as_str(), &h.origin)).collect();
        assert_eq!(
            labels,
            [
                (
                    "AWS managed policy NeptuneFullAccess of group ops",
                    &Origin::AwsManaged
                ),
                (
                    "managed policy graph-read of group ops",
                    &Origin::CustomerManaged
                ),
            ]
        );
    }
}
