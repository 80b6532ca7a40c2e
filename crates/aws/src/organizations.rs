//! AWS Organizations: which accounts belong to the organization of the account a rule runs
//! in. A member account may call DescribeOrganization but not ListAccounts (only the
//! management account and delegated administrators may), so a member reads the list through
//! the reader role `gen deploy` creates in the admin account (see [`READER_ROLE`]).

use std::collections::BTreeSet;

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use guardrails_core::RuleError;

pub use guardrails_core::organization::{READER_ROLE, READER_ROLE_VARIABLE, READER_TAG};

/// Which accounts are inside, as seen from one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Membership {
    /// The account belongs to no organization: every other account is outside.
    Alone,
    /// The organization `id` and every account in it.
    Organization {
        id: String,
        accounts: BTreeSet<String>,
    },
}

impl Membership {
    /// Whether `account` is outside what `own` belongs to.
    pub fn is_outside(&self, own: &str, account: &str) -> bool {
        match self {
            Membership::Alone => account != own,
            Membership::Organization { accounts, .. } => !accounts.contains(account),
        }
    }
}

/// Reads the membership of an account with its own credentials (and the reader role's).
pub struct Organizations {
    sdk: SdkConfig,
}

impl Organizations {
    pub fn new(sdk: &SdkConfig) -> Self {
        Organizations { sdk: sdk.clone() }
    }

    /// The membership as seen from `own` (the account the credentials belong to): one
    /// DescribeOrganization, then ListAccounts, directly in the management account or the
    /// reader role's account, else through the reader role (`reader_role`, or the one in the
    /// management account).
    pub async fn membership(
        &self,
        own: &str,
        reader_role: Option<&str>,
    ) -> Result<Membership, RuleError> {
        let organizations = guardrails_core::client!(aws_sdk_organizations, &self.sdk);
        let described = match organizations.describe_organization().send().await {
            Ok(described) => described,
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_aws_organizations_not_in_use_exception()) =>
            {
                return Ok(Membership::Alone)
            }
            Err(err) => return Err(RuleError::aws("DescribeOrganization", &err)),
        };
        let organization = described.organization();
        let id = organization.and_then(|o| o.id()).unwrap_or_default();
        let management = organization
            .and_then(|o| o.master_account_id())
            .unwrap_or_default();
        let partition = organization
            .and_then(|o| o.arn())
            .and_then(|arn| arn.split(':').nth(1))
            .unwrap_or("aws");
        let role = reader_role
            .map(str::to_string)
            .unwrap_or_else(|| format!("arn:{partition}:iam::{management}:role/{READER_ROLE}"));
        let role_account = role.split(':').nth(4).unwrap_or_default();
        let lister = if own == management || own == role_account {
            organizations
        } else {
            guardrails_core::client!(aws_sdk_organizations, &self.as_reader(&role).await?)
        };
        let mut accounts = BTreeSet::new();
        let mut pages = lister.list_accounts().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| RuleError::aws("ListAccounts", &e))?;
            accounts.extend(
                page.accounts()
                    .iter()
                    .filter_map(|a| a.id())
                    .map(str::to_string),
            );
        }
        Ok(Membership::Organization {
            id: id.to_string(),
            accounts,
        })
    }

    /// This SDK configuration with the reader role's credentials (sts:AssumeRole).
    async fn as_reader(&self, role: &str) -> Result<SdkConfig, RuleError> {
        let sts = guardrails_core::client!(aws_sdk_sts, &self.sdk);
        let assumed = sts
            .assume_role()
            .role_arn(role)
            .role_session_name("neptune-guardrails")
            .send()
            .await
            .map_err(|e| RuleError::aws("AssumeRole", &e))?;
        let Some(credentials) = assumed.credentials() else {
            return Err(RuleError::Aws {
                operation: "AssumeRole",
                message: format!("{role} gave no credentials"),
            });
        };
        let credentials = Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_string()),
            None,
            "neptune-guardrails-organization-reader",
        );
        Ok(self
            .sdk
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_is_every_other_account_when_alone_and_the_non_members_otherwise() {
        let alone = Membership::Alone;
        assert!(!alone.is_outside("111111111111", "111111111111"));
        assert!(alone.is_outside("111111111111", "222222222222"));
        let organization = Membership::Organization {
            id: "o-example".into(),
            accounts: ["111111111111", "222222222222"].map(str::to_string).into(),
        };
        assert!(!organization.is_outside("111111111111", "222222222222"));
        assert!(organization.is_outside("111111111111", "333333333333"));
    }
}
