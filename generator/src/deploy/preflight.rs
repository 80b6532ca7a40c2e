//! What must hold before a deploy changes anything, each with how to fix it: an organization
//! with all features, trusted access for StackSets when deploying as the management account,
//! and otherwise the delegated-admin registration for StackSets and a member role a delegated
//! administrator can assume. (Member accounts' Config recorders are checked per account by
//! `recorders`.) Config's own organization access (`config-multiaccountsetup`) is needed only
//! in organization-conformance-pack mode, and there only the delegated-admin registration:
//! PutOrganizationConformancePack enables the trusted access itself when the management
//! account calls it (botocore `config` model: "This API enables organization service access
//! for config-multiaccountsetup.amazonaws.com through the EnableAWSServiceAccess action").
//! The other modes create account-level rules and conformance packs (PutConfigRule,
//! PutConformancePack) with each account's own service-linked role.

use aws_config::SdkConfig;
use guardrails_core::aws::error_text;

use super::CallAs;

const STACKSETS: &str = "member.org.stacksets.cloudformation.amazonaws.com";
const CONFIG_MULTIACCOUNT: &str = "config-multiaccountsetup.amazonaws.com";
/// The role Organizations creates in the accounts it creates, trusting the management
/// account only ("Accessing member accounts in your organization", AWS Organizations User
/// Guide): a delegated administrator cannot assume it.
pub const ORGANIZATION_ROLE: &str = "OrganizationAccountAccessRole";

/// The organization a deploy targets.
#[derive(Debug, Clone)]
pub struct Organization {
    pub id: String,
    pub management: String,
}

/// Problems that stop the deploy, and warnings that do not.
#[derive(Debug, Default)]
pub struct Findings {
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
}

pub async fn check(
    admin: &SdkConfig,
    caller: &str,
    call_as: CallAs,
    member_role: &str,
    organization_packs: bool,
) -> (Option<Organization>, Findings) {
    let mut findings = Findings::default();
    let organizations = guardrails_core::client!(aws_sdk_organizations, admin);
    let organization = match organizations.describe_organization().send().await {
        Ok(out) => out.organization().cloned(),
        Err(err) => {
            findings.problems.push(format!(
                "this account is not in an organization, or may not read it \
                 (Organizations DescribeOrganization: {}); run gen deploy from the \
                 management account or a delegated administrator",
                error_text(&err)
            ));
            return (None, findings);
        }
    };
    let Some(organization) = organization else {
        findings
            .problems
            .push("Organizations DescribeOrganization returned no organization".into());
        return (None, findings);
    };
    if organization.feature_set().map(|f| f.as_str()) != Some("ALL") {
        findings.problems.push(
            "the organization does not have all features enabled, which service-managed \
             StackSets need: enable all features in the Organizations console"
                .into(),
        );
    }
    let management = organization.master_account_id().unwrap_or_default();
    match call_as {
        CallAs::SelfAccount => {
            if management != caller {
                findings.problems.push(format!(
                    "account {caller} is not the management account ({management}); deploy from \
                     the management account, or from a delegated administrator with \
                     --call-as DELEGATED_ADMIN"
                ));
            } else {
                trusted_access(&organizations, &[STACKSETS], &mut findings).await;
            }
        }
        CallAs::DelegatedAdmin => {
            if member_role == ORGANIZATION_ROLE {
                findings.problems.push(format!(
                    "from a delegated administrator, {ORGANIZATION_ROLE} cannot be assumed in \
                     the member accounts (Organizations makes it trust the management account \
                     only), so their Config recorders could not be read; give --member-role \
                     NAME, a role in every target account that trusts account {caller} and \
                     allows config:DescribeConfigurationRecorders and \
                     config:DescribeConfigurationRecorderStatus"
                ));
            }
            delegated(&organizations, STACKSETS, caller, &mut findings).await;
            if organization_packs {
                delegated(&organizations, CONFIG_MULTIACCOUNT, caller, &mut findings).await;
            }
        }
    }
    let id = organization.id().unwrap_or_default().to_string();
    let management = management.to_string();
    (Some(Organization { id, management }), findings)
}

async fn trusted_access(
    organizations: &aws_sdk_organizations::Client,
    principals: &[&str],
    findings: &mut Findings,
) {
    match organizations
        .list_aws_service_access_for_organization()
        .send()
        .await
    {
        Ok(out) => {
            for principal in principals {
                let enabled = out
                    .enabled_service_principals()
                    .iter()
                    .any(|p| p.service_principal() == Some(*principal));
                if !enabled {
                    let fix = if *principal == STACKSETS {
                        "aws cloudformation activate-organizations-access".to_string()
                    } else {
                        format!(
                            "aws organizations enable-aws-service-access --service-principal {principal}"
                        )
                    };
                    findings.problems.push(format!(
                        "trusted access for {principal} is not enabled in the organization; \
                         enable it from the management account: `{fix}`"
                    ));
                }
            }
        }
        Err(err) => findings.problems.push(format!(
            "cannot list the organization's trusted services \
             (ListAWSServiceAccessForOrganization: {})",
            error_text(&err)
        )),
    }
}

async fn delegated(
    organizations: &aws_sdk_organizations::Client,
    principal: &str,
    caller: &str,
    findings: &mut Findings,
) {
    match organizations
        .list_delegated_administrators()
        .service_principal(principal)
        .send()
        .await
    {
        Ok(out) => {
            if !out
                .delegated_administrators()
                .iter()
                .any(|a| a.id() == Some(caller))
            {
                findings.problems.push(format!(
                    "account {caller} is not a delegated administrator for {principal}; from the \
                     management account: `aws organizations register-delegated-administrator \
                     --account-id {caller} --service-principal {principal}`"
                ));
            }
        }
        Err(err) => findings.warnings.push(format!(
            "cannot confirm that {caller} is a delegated administrator for {principal} \
             (ListDelegatedAdministrators: {}); CloudFormation will refuse if it is not",
            error_text(&err)
        )),
    }
}
