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
use guardrails_core::template::{
    decided_at_deploy, expression_of, referenced, TemplateResource, DEPLOY_TIME,
};
use guardrails_core::{Compliance, Params, ResourceType};
use guardrails_policy::Origin;
use serde_json::Value;

use crate::holdings::{is_aws_managed, HeldText, Holdings};
use crate::{evaluate, Settings, Subject};

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

fn text_of(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
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

/// A policy document as text for the analyzer, or the verdict that only deploy can read it:
/// a value that could be a wildcard (a parameter without a default, an import, a condition)
/// decides nothing before deploy. A `!Sub` whose unknowns are pseudo parameters or other
/// resources' names and attributes is kept as written: none of them is ever `*`.
fn document_text(
    label: &str,
    document: Option<&Value>,
    template: &[TemplateResource],
) -> Result<String, Verdict> {
    let Some(document) = document else {
        return Err(decided_at_deploy(label, "left out"));
    };
    if let Some(expression) = expression_of(document) {
        return Err(decided_at_deploy(label, expression));
    }
    // Terraform's `policy` is the document's JSON text already.
    if let Some(text) = document.as_str() {
        return Ok(text.to_string());
    }
    let mut undecided = None;
    let resolved = settle(document, template, &mut undecided);
    match undecided {
        Some(expression) => Err(decided_at_deploy(label, &expression)),
        None => Ok(resolved.to_string()),
    }
}

fn settle(value: &Value, template: &[TemplateResource], undecided: &mut Option<String>) -> Value {
    if let Some(expression) = expression_of(value) {
        let never_wildcard = expression.strip_prefix("!Sub ").filter(|text| {
            placeholders(text).all(|name| {
                name.contains("::") || name.contains('.') || template.iter().any(|r| r.id == name)
            })
        });
        if let Some(text) = never_wildcard {
            return Value::String(stand_ins(text));
        }
        if referenced(value).is_some() {
            // A resource's name or ARN (`!Ref Table`, `!GetAtt Role.Arn`) is never `*`.
            return Value::String(expression.to_string());
        }
        undecided.get_or_insert_with(|| expression.to_string());
        return Value::Null;
    }
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| settle(v, template, undecided))
                .collect(),
        ),
        Value::Object(map) if !map.contains_key(DEPLOY_TIME) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), settle(v, template, undecided)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A `!Sub` string with a stand-in for each `${Name}` the analyzer can read as part of an ARN
/// (no `:`, no braces, which would read as an IAM policy variable): `${AWS::Region}` →
/// `AWS-Region`, `${Graph.ClusterResourceId}` → `cluster-Graph-ClusterResourceId` (a cluster
/// resource id is `cluster-…`), `${Bucket}` → `Bucket`.
fn stand_ins(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 2..start + end];
        if let Some(literal) = name.strip_prefix('!') {
            out.push_str(&format!("${{{literal}}}"));
        } else if name.ends_with(".ClusterResourceId") {
            out.push_str(&format!("cluster-{}", name.replace('.', "-")));
        } else {
            out.push_str(&name.replace("::", "-").replace('.', "-"));
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// The `${Name}`s of a `!Sub` string (`${!Literal}` is text).
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .filter(|name| !name.starts_with('!'))
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
        let shown = expression_of(arn).map_or_else(
            || arn.as_str().unwrap_or_default().to_string(),
            str::to_string,
        );
        let what = if is_aws_managed(&shown) {
            "an AWS managed policy, read in the account"
        } else {
            "a policy outside this template"
        };
        return Err(decided_at_deploy(
            &format!("ManagedPolicyArns of {}", principal.id),
            &format!("{shown} ({what})"),
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
                None => {
                    let shown = expression_of(&arn).map_or_else(|| text_of(&arn), str::to_string);
                    let what = if is_aws_managed(&shown) {
                        "an AWS managed policy, read in the account"
                    } else {
                        "a policy outside this plan"
                    };
                    return Err(decided_at_deploy(
                        &format!("policy_arn of {}", link.id),
                        &format!("{shown} ({what})"),
                    ));
                }
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
                let shown = expression_of(arn).map_or_else(
                    || arn.as_str().unwrap_or_default().to_string(),
                    str::to_string,
                );
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
                    let shown = expression_of(value).map_or_else(
                        || value.as_str().unwrap_or_default().to_string(),
                        str::to_string,
                    );
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
