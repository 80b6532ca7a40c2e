//! The rule on a CloudFormation template's IAM resources, through the same `evaluate` as
//! Config and `gen scan`: each `AWS::IAM::ManagedPolicy`, and each role, user and group with
//! the principal's whole view as far as the template declares it (inline `Policies`,
//! `AWS::IAM::Policy` resources naming it, managed policies of the template attached either
//! way, a user's groups, the permissions boundary). An `AWS::IAM::Policy` whose principals are
//! all outside the template is judged on its own document. What the template leaves to the
//! account (an AWS managed policy, a policy of another stack) is decided at deploy time.

use std::collections::BTreeMap;

use guardrails_aws::iam::NamedDocument;
use guardrails_core::evaluation::Verdict;
use guardrails_core::template::{as_written, decided_at_deploy, TemplateResource};
use guardrails_core::{Compliance, Params, ResourceType};
use guardrails_policy::Origin;
use serde_json::Value;

use crate::holdings::{is_aws_managed, HeldText, Holdings};
use crate::{evaluate, Settings, Subject};

mod documents;
use documents::document_text;

const MANAGED_POLICY: &str = "AWS::IAM::ManagedPolicy";
const INLINE_POLICY: &str = "AWS::IAM::Policy";
const ROLE: &str = "AWS::IAM::Role";
const USER: &str = "AWS::IAM::User";
const GROUP: &str = "AWS::IAM::Group";
const USER_TO_GROUP: &str = "AWS::IAM::UserToGroupAddition";

/// Terraform's attachment resources: type, the principal type it attaches to, and the
/// attribute naming the principal.
const ATTACHMENTS: [(&str, &str, &str); 3] = [
    ("aws_iam_role_policy_attachment", ROLE, "role"),
    ("aws_iam_user_policy_attachment", USER, "user"),
    ("aws_iam_group_policy_attachment", GROUP, "group"),
];

/// The verdict for a managed policy `arn` the principal holds that the file does not
/// declare: its document is read in the account.
fn held_elsewhere(property: &str, arn: &Value) -> Verdict {
    let arn = as_written(arn);
    let what = if is_aws_managed(&arn) {
        "an AWS managed policy, read in the account"
    } else {
        "a policy outside this file"
    };
    decided_at_deploy(property, &format!("{arn} ({what})"))
}

/// The property naming a resource of each type, and the property of a policy that lists
/// principals of that type.
fn name_property(resource_type: &str) -> &'static str {
    match resource_type {
        ROLE => "RoleName",
        USER => "UserName",
        GROUP => "GroupName",
        _ => "ManagedPolicyName",
    }
}

fn principals_property(resource_type: &str) -> &'static str {
    match resource_type {
        ROLE => "Roles",
        USER => "Users",
        _ => "Groups",
    }
}

pub fn judge(
    resource: &TemplateResource,
    template: &[TemplateResource],
    params: &Params,
) -> Option<Verdict> {
    let settings = Settings::from_params(params);
    let subject = match resource.resource_type.as_str() {
        MANAGED_POLICY => managed_policy(resource, template),
        ROLE | USER | GROUP => principal(resource, template),
        INLINE_POLICY => return lone_inline_policy(resource, template, &settings),
        _ => return None,
    };
    Some(subject.map_or_else(|unknown| unknown, |s| evaluate(&s, &settings)))
}

/// Whether `list` (a policy's `Roles`, `Users` or `Groups`) names `principal`.
fn lists(list: Option<&Value>, principal: &TemplateResource) -> bool {
    let property = name_property(&principal.resource_type);
    match list {
        Some(Value::Array(items)) => items
            .iter()
            .any(|item| principal.is_named_by(item, property)),
        // Terraform's aws_iam_role_policy names one role.
        Some(one) => principal.is_named_by(one, property),
        None => false,
    }
}

fn name_of(resource: &TemplateResource) -> String {
    resource
        .property(name_property(&resource.resource_type))
        .and_then(Value::as_str)
        .unwrap_or(&resource.id)
        .to_string()
}

/// CloudFormation's `Tags` (`[{Key, Value}]`) or Terraform's `tags` (a map).
fn tags_of(resource: &TemplateResource) -> BTreeMap<String, String> {
    let text = |v: &Value| v.as_str().map(str::to_string);
    match resource
        .property("Tags")
        .or_else(|| resource.property("tags"))
    {
        Some(Value::Array(tags)) => tags
            .iter()
            .filter_map(|tag| Some((text(tag.get("Key")?)?, text(tag.get("Value")?)?)))
            .collect(),
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), text(v)?)))
            .collect(),
        _ => BTreeMap::new(),
    }
}

fn managed_policy(
    policy: &TemplateResource,
    template: &[TemplateResource],
) -> Result<Subject, Verdict> {
    let text = document_text(
        "PolicyDocument",
        policy.property("PolicyDocument"),
        template,
    )?;
    let users = ["Users", "Groups"].iter().any(|p| {
        policy
            .property(p)
            .and_then(Value::as_array)
            .is_some_and(|l| !l.is_empty())
    });
    let attached_to_users = template
        .iter()
        .filter(|r| r.resource_type == USER || r.resource_type == GROUP)
        .any(|p| attaches(p, policy));
    Ok(Subject {
        resource_type: ResourceType::IamPolicy,
        resource_id: policy.id.clone(),
        name: name_of(policy),
        arn: policy.id.clone(),
        tags: BTreeMap::new(),
        documents: vec![NamedDocument {
            label: "default version".into(),
            text,
        }],
        reaches_users: Some(users || attached_to_users),
        holdings: None,
    })
}

/// Whether a principal's `ManagedPolicyArns` names the template's managed `policy`.
fn attaches(principal: &TemplateResource, policy: &TemplateResource) -> bool {
    principal
        .property("ManagedPolicyArns")
        .and_then(Value::as_array)
        .is_some_and(|arns| arns.iter().any(|arn| policy.is_named_by(arn, "")))
}

/// A role's, user's or group's own documents: its `Policies` and the template's
/// `AWS::IAM::Policy` resources that name it.
fn own_documents(
    principal: &TemplateResource,
    template: &[TemplateResource],
) -> Result<Vec<NamedDocument>, Verdict> {
    let mut documents = Vec::new();
    for inline in principal
        .property("Policies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = inline
            .get("PolicyName")
            .and_then(Value::as_str)
            .unwrap_or("unnamed");
        let label = format!("inline policy {name}");
        documents.push(NamedDocument {
            text: document_text(&label, inline.get("PolicyDocument"), template)?,
            label,
        });
    }
    let listing = principals_property(&principal.resource_type);
    for policy in template.iter().filter(|r| r.resource_type == INLINE_POLICY) {
        if lists(policy.property(listing), principal) {
            let name = policy
                .property("PolicyName")
                .and_then(Value::as_str)
                .unwrap_or(&policy.id);
            let label = format!("inline policy {name}");
            documents.push(NamedDocument {
                text: document_text(&label, policy.property("PolicyDocument"), template)?,
                label,
            });
        }
    }
    Ok(documents)
}

/// The managed policies a principal holds (`through` a group of a user), as held texts;
/// one the template does not declare is decided at deploy.
fn managed_held(
    principal: &TemplateResource,
    template: &[TemplateResource],
    through: Option<&str>,
) -> Result<Vec<HeldText>, Verdict> {
    let via = through.map_or(String::new(), |g| format!(" of group {g}"));
    let mut held = Vec::new();
    for arn in principal
        .property("ManagedPolicyArns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if template
            .iter()
            .any(|p| p.resource_type == MANAGED_POLICY && p.is_named_by(arn, ""))
        {
            continue; // taken below with the policies that list it
        }
        return Err(held_elsewhere(
            &format!("ManagedPolicyArns of {}", principal.id),
            arn,
        ));
    }
    // Terraform attaches a managed policy with a resource of its own.
    let mut attached = Vec::new();
    for (terraform, _, field) in ATTACHMENTS
        .iter()
        .filter(|(_, kind, _)| *kind == principal.resource_type)
    {
        for link in template.iter().filter(|r| r.resource_type == *terraform) {
            if !lists(link.property(field), principal) {
                continue;
            }
            let arn = link.property("policy_arn").cloned().unwrap_or(Value::Null);
            match template
                .iter()
                .find(|p| p.resource_type == MANAGED_POLICY && p.is_named_by(&arn, ""))
            {
                Some(policy) => attached.push(policy.id.clone()),
                None => return Err(held_elsewhere(&format!("policy_arn of {}", link.id), &arn)),
            }
        }
    }
    let listing = principals_property(&principal.resource_type);
    for policy in template
        .iter()
        .filter(|r| r.resource_type == MANAGED_POLICY)
    {
        if attaches(principal, policy)
            || lists(policy.property(listing), principal)
            || attached.contains(&policy.id)
        {
            let label = format!("managed policy {}{via}", name_of(policy));
            let text = document_text(&label, policy.property("PolicyDocument"), template)?;
            held.push(HeldText {
                label,
                origin: Origin::CustomerManaged,
                text,
            });
        }
    }
    Ok(held)
}

fn principal(
    principal: &TemplateResource,
    template: &[TemplateResource],
) -> Result<Subject, Verdict> {
    let documents = own_documents(principal, template)?;
    let mut others = managed_held(principal, template, None)?;
    if principal.resource_type == USER {
        for group in groups_of(principal, template)? {
            let name = name_of(group);
            for document in own_documents(group, template)? {
                others.push(HeldText {
                    label: format!("group {name} {}", document.label),
                    origin: Origin::Group,
                    text: document.text,
                });
            }
            others.extend(managed_held(group, template, Some(&name))?);
        }
    }
    let boundary = match principal.property("PermissionsBoundary") {
        None => None,
        Some(arn) => {
            let Some(policy) = template
                .iter()
                .find(|p| p.resource_type == MANAGED_POLICY && p.is_named_by(arn, ""))
            else {
                let shown = as_written(arn);
                return Err(decided_at_deploy(
                    "PermissionsBoundary",
                    &format!("{shown} (a policy outside this template)"),
                ));
            };
            let label = format!("permissions boundary {}", name_of(policy));
            Some(NamedDocument {
                text: document_text(&label, policy.property("PolicyDocument"), template)?,
                label,
            })
        }
    };
    let resource_type = match principal.resource_type.as_str() {
        ROLE => ResourceType::IamRole,
        USER => ResourceType::IamUser,
        _ => ResourceType::IamGroup,
    };
    Ok(Subject {
        resource_type,
        resource_id: principal.id.clone(),
        name: name_of(principal),
        arn: principal.id.clone(),
        tags: tags_of(principal),
        documents,
        reaches_users: Some(resource_type != ResourceType::IamRole),
        holdings: Some(Holdings {
            others,
            boundary,
            unread: Vec::new(),
        }),
    })
}

/// A user's groups: its `Groups`, and `AWS::IAM::UserToGroupAddition`s naming it; a group
/// the template does not declare is decided at deploy.
fn groups_of<'a>(
    user: &TemplateResource,
    template: &'a [TemplateResource],
) -> Result<Vec<&'a TemplateResource>, Verdict> {
    let mut named: Vec<&Value> = user
        .property("Groups")
        .and_then(Value::as_array)
        .map(|g| g.iter().collect())
        .unwrap_or_default();
    for addition in template.iter().filter(|r| r.resource_type == USER_TO_GROUP) {
        if lists(addition.property("Users"), user) {
            named.extend(addition.property("GroupName"));
        }
    }
    named
        .into_iter()
        .map(|value| {
            template
                .iter()
                .find(|g| g.resource_type == GROUP && g.is_named_by(value, "GroupName"))
                .ok_or_else(|| {
                    let shown = as_written(value);
                    decided_at_deploy(
                        &format!("group {shown} of user {}", user.id),
                        "a group outside this template",
                    )
                })
        })
        .collect()
}

/// An `AWS::IAM::Policy` whose principals the template does not declare: its document alone
/// (their other policies are read in the account), said so in the finding.
fn lone_inline_policy(
    policy: &TemplateResource,
    template: &[TemplateResource],
    settings: &Settings,
) -> Option<Verdict> {
    let principals = [ROLE, USER, GROUP];
    let in_template = principals.iter().any(|kind| {
        template
            .iter()
            .filter(|r| r.resource_type == *kind)
            .any(|p| lists(policy.property(principals_property(kind)), p))
    });
    if in_template {
        return None; // judged with its principal
    }
    let label = format!(
        "inline policy {}",
        policy
            .property("PolicyName")
            .and_then(Value::as_str)
            .unwrap_or(&policy.id)
    );
    let text = match document_text(&label, policy.property("PolicyDocument"), template) {
        Ok(text) => text,
        Err(unknown) => return Some(unknown),
    };
    let reaches_users = ["Users", "Groups"].iter().any(|p| {
        policy
            .property(p)
            .and_then(Value::as_array)
            .is_some_and(|l| !l.is_empty())
    });
    let subject = Subject {
        resource_type: ResourceType::IamPolicy,
        resource_id: policy.id.clone(),
        name: policy.id.clone(),
        arn: policy.id.clone(),
        tags: BTreeMap::new(),
        documents: vec![NamedDocument { label, text }],
        reaches_users: Some(reaches_users),
        holdings: None,
    };
    let mut verdict = evaluate(&subject, settings);
    if verdict.compliance != Compliance::NotApplicable {
        verdict
            .annotation
            .push_str(" (judged alone: its principals are outside this template)");
    }
    Some(verdict)
}
