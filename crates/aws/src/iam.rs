//! IAM: the account's authorization details, policy documents, roles and tags.

use std::collections::BTreeMap;

use aws_sdk_iam::types::{EntityType, ManagedPolicyDetail, Tag};
use guardrails_core::{ResourceType, RuleError};

/// The SDK's IAM types, for rules that read the details.
pub use aws_sdk_iam::types;

/// One policy document of a resource, with how the annotation names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedDocument {
    /// "inline policy app-read" or "default version v3".
    pub label: String,
    /// As IAM returns it (URL-encoded or not).
    pub text: String,
}

/// What one paginated GetAccountAuthorizationDetails returns.
#[derive(Debug, Default)]
pub struct AccountDetails {
    pub policies: Vec<ManagedPolicyDetail>,
    pub roles: Vec<aws_sdk_iam::types::RoleDetail>,
    pub users: Vec<aws_sdk_iam::types::UserDetail>,
    pub groups: Vec<aws_sdk_iam::types::GroupDetail>,
}

/// The IAM seam.
#[derive(Clone)]
pub struct IamAccount {
    client: aws_sdk_iam::Client,
}

impl IamAccount {
    /// GetAccountAuthorizationDetails returns at most 1000 items a page.
    pub(crate) const PAGE_SIZE: i32 = 1000;

    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        IamAccount {
            client: guardrails_core::client!(aws_sdk_iam, sdk),
        }
    }

    /// Customer managed policies (every version), roles, users and groups with their inline
    /// policies and attachments, in as few calls as IAM allows.
    pub async fn details(&self) -> Result<AccountDetails, RuleError> {
        let mut pages = self
            .client
            .get_account_authorization_details()
            .filter(EntityType::LocalManagedPolicy)
            .filter(EntityType::Role)
            .filter(EntityType::User)
            .filter(EntityType::Group)
            .max_items(Self::PAGE_SIZE)
            .into_paginator()
            .send();
        let mut details = AccountDetails::default();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| RuleError::aws("GetAccountAuthorizationDetails", &e))?;
            details.policies.extend(page.policies().iter().cloned());
            details
                .roles
                .extend(page.role_detail_list().iter().cloned());
            details
                .users
                .extend(page.user_detail_list().iter().cloned());
            details
                .groups
                .extend(page.group_detail_list().iter().cloned());
        }
        Ok(details)
    }

    /// The default version of a managed policy; `None` when the policy no longer exists.
    pub async fn default_version(&self, arn: &str) -> Result<Option<NamedDocument>, RuleError> {
        let policy = match self.client.get_policy().policy_arn(arn).send().await {
            Ok(out) => out.policy,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_no_such_entity_exception()) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(RuleError::aws("GetPolicy", &e)),
        };
        let Some(version_id) = policy.and_then(|p| p.default_version_id) else {
            return Ok(None);
        };
        let out = self
            .client
            .get_policy_version()
            .policy_arn(arn)
            .version_id(&version_id)
            .send()
            .await
            .map_err(|e| RuleError::aws("GetPolicyVersion", &e))?;
        Ok(out
            .policy_version
            .and_then(|v| v.document)
            .map(|text| NamedDocument {
                label: format!("default version {version_id}"),
                text,
            }))
    }

    /// Inline policies of a role, user or group; `None` when the principal no longer exists.
    pub async fn inline_policies(
        &self,
        resource_type: ResourceType,
        name: &str,
    ) -> Result<Option<Vec<NamedDocument>>, RuleError> {
        let names = match self.inline_policy_names(resource_type, name).await {
            Ok(names) => names,
            Err(Missing::Gone) => return Ok(None),
            Err(Missing::Failed(err)) => return Err(err),
        };
        let mut documents = Vec::with_capacity(names.len());
        for policy in names {
            let text = match resource_type {
                ResourceType::IamRole => self
                    .client
                    .get_role_policy()
                    .role_name(name)
                    .policy_name(&policy)
                    .send()
                    .await
                    .map(|o| o.policy_document)
                    .map_err(|e| RuleError::aws("GetRolePolicy", &e))?,
                ResourceType::IamUser => self
                    .client
                    .get_user_policy()
                    .user_name(name)
                    .policy_name(&policy)
                    .send()
                    .await
                    .map(|o| o.policy_document)
                    .map_err(|e| RuleError::aws("GetUserPolicy", &e))?,
                _ => self
                    .client
                    .get_group_policy()
                    .group_name(name)
                    .policy_name(&policy)
                    .send()
                    .await
                    .map(|o| o.policy_document)
                    .map_err(|e| RuleError::aws("GetGroupPolicy", &e))?,
            };
            documents.push(NamedDocument {
                label: format!("inline policy {policy}"),
                text,
            });
        }
        Ok(Some(documents))
    }

    async fn inline_policy_names(
        &self,
        resource_type: ResourceType,
        name: &str,
    ) -> Result<Vec<String>, Missing> {
        fn gone<E, R>(operation: &'static str, err: aws_sdk_iam::error::SdkError<E, R>) -> Missing
        where
            E: std::error::Error + NoSuchEntity + Send + Sync + 'static,
            R: std::fmt::Debug + Send + Sync + 'static,
        {
            if err
                .as_service_error()
                .is_some_and(NoSuchEntity::no_such_entity)
            {
                Missing::Gone
            } else {
                Missing::Failed(RuleError::aws(operation, &err))
            }
        }
        match resource_type {
            ResourceType::IamRole => self
                .client
                .list_role_policies()
                .role_name(name)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(|e| gone("ListRolePolicies", e)),
            ResourceType::IamUser => self
                .client
                .list_user_policies()
                .user_name(name)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(|e| gone("ListUserPolicies", e)),
            _ => self
                .client
                .list_group_policies()
                .group_name(name)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(|e| gone("ListGroupPolicies", e)),
        }
    }

    /// A role's ARN and trust policy; `None` when the role does not exist.
    pub async fn role(&self, name: &str) -> Result<Option<RoleFacts>, RuleError> {
        let role = match self.client.get_role().role_name(name).send().await {
            Ok(out) => out.role,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_no_such_entity_exception()) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(RuleError::aws("GetRole", &e)),
        };
        Ok(role.map(|role| RoleFacts {
            arn: role.arn,
            trust_policy: role.assume_role_policy_document,
        }))
    }

    /// ARNs of the managed policies attached to a role.
    pub async fn attached_role_policies(&self, name: &str) -> Result<Vec<String>, RuleError> {
        self.attached_policies(ResourceType::IamRole, name).await
    }

    /// ARNs of the managed policies attached to a role, user or group.
    pub async fn attached_policies(
        &self,
        resource_type: ResourceType,
        name: &str,
    ) -> Result<Vec<String>, RuleError> {
        let attached: Vec<aws_sdk_iam::types::AttachedPolicy> = match resource_type {
            ResourceType::IamRole => all_items!(
                self.client.list_attached_role_policies().role_name(name),
                "ListAttachedRolePolicies"
            )?,
            ResourceType::IamUser => all_items!(
                self.client.list_attached_user_policies().user_name(name),
                "ListAttachedUserPolicies"
            )?,
            _ => all_items!(
                self.client.list_attached_group_policies().group_name(name),
                "ListAttachedGroupPolicies"
            )?,
        };
        Ok(attached.into_iter().filter_map(|a| a.policy_arn).collect())
    }

    /// Names of the groups a user belongs to.
    pub async fn groups_for_user(&self, name: &str) -> Result<Vec<String>, RuleError> {
        let groups: Vec<aws_sdk_iam::types::Group> = all_items!(
            self.client.list_groups_for_user().user_name(name),
            "ListGroupsForUser"
        )?;
        Ok(groups.into_iter().map(|g| g.group_name).collect())
    }

    /// Whether a managed policy is attached to any IAM user or group.
    pub async fn reaches_users(&self, arn: &str) -> Result<bool, RuleError> {
        for filter in [EntityType::User, EntityType::Group] {
            let out = self
                .client
                .list_entities_for_policy()
                .policy_arn(arn)
                .entity_filter(filter)
                .max_items(1)
                .send()
                .await
                .map_err(|e| RuleError::aws("ListEntitiesForPolicy", &e))?;
            if !out.policy_users().is_empty() || !out.policy_groups().is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A managed policy's id (what AWS Config names it by), from GetPolicy.
    pub async fn policy_id(&self, arn: &str) -> Result<Option<String>, RuleError> {
        let out = self
            .client
            .get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| RuleError::aws("GetPolicy", &e))?;
        Ok(out
            .policy()
            .and_then(|p| p.policy_id())
            .filter(|id| !id.is_empty())
            .map(str::to_string))
    }

    pub async fn policy_tags(&self, arn: &str) -> Result<BTreeMap<String, String>, RuleError> {
        let tags: Vec<Tag> = all_items!(
            self.client.list_policy_tags().policy_arn(arn),
            "ListPolicyTags"
        )?;
        Ok(tag_map(&tags))
    }
}

/// What role-chain checks need of a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFacts {
    pub arn: String,
    /// As IAM returns it (URL-encoded).
    pub trust_policy: Option<String>,
}

/// Why inline policy names could not be listed.
enum Missing {
    Gone,
    Failed(RuleError),
}

/// The `NoSuchEntity` error of IAM's List*Policies operations, as one question.
trait NoSuchEntity {
    fn no_such_entity(&self) -> bool;
}

impl NoSuchEntity for aws_sdk_iam::operation::list_role_policies::ListRolePoliciesError {
    fn no_such_entity(&self) -> bool {
        self.is_no_such_entity_exception()
    }
}

impl NoSuchEntity for aws_sdk_iam::operation::list_user_policies::ListUserPoliciesError {
    fn no_such_entity(&self) -> bool {
        self.is_no_such_entity_exception()
    }
}

impl NoSuchEntity for aws_sdk_iam::operation::list_group_policies::ListGroupPoliciesError {
    fn no_such_entity(&self) -> bool {
        self.is_no_such_entity_exception()
    }
}

/// IAM tags as a map.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}
