//! Where the rules may go. PutConfigRule and PutConformancePack fail with
//! NoAvailableConfigurationRecorderException where AWS Config has no recorder, so the member
//! stack creates its rules only where `gen deploy` found one (its `ConfigRecorderReady`
//! override). The recorders are read in each target account through an assumable role: an
//! organization aggregator shows only what accounts already deliver (it cannot tell "no
//! recorder" from "not authorized yet") and not which resource types a recorder records,
//! while DescribeConfigurationRecorders in the account answers both.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_config::types::ConfigurationRecorder;
use guardrails_core::aws::error_text;

use crate::targets::{assume, regional};

/// The IAM types the policy rule evaluates; the IAM home region's recorder must record them
/// for change-triggered evaluations.
const IAM_TYPES: [&str; 4] = [
    "AWS::IAM::Policy",
    "AWS::IAM::Role",
    "AWS::IAM::User",
    "AWS::IAM::Group",
];

/// What the recorder check found.
#[derive(Debug, Default)]
pub struct Readiness {
    /// Per region, the target accounts with a recorder there.
    pub ready: BTreeMap<String, Vec<String>>,
    /// Each account × region that gets no rules, or weaker ones, with its fix.
    pub notes: Vec<String>,
}

/// The accounts of `ous` and of every OU below them, without the management account:
/// service-managed StackSets never deploy there.
pub async fn target_accounts(
    organizations: &aws_sdk_organizations::Client,
    ous: &[String],
    management: &str,
) -> Result<Vec<String>, String> {
    let mut pending: Vec<String> = ous.to_vec();
    let mut accounts = Vec::new();
    while let Some(parent) = pending.pop() {
        let mut pages = organizations
            .list_accounts_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| format!("ListAccountsForParent {parent}: {}", error_text(&e)))?;
            accounts.extend(
                page.accounts()
                    .iter()
                    .filter(|a| a.state().is_none_or(|s| s.as_str() == "ACTIVE"))
                    .filter_map(|a| a.id())
                    .filter(|id| *id != management)
                    .map(str::to_string),
            );
        }
        let mut pages = organizations
            .list_organizational_units_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                format!(
                    "ListOrganizationalUnitsForParent {parent}: {}",
                    error_text(&e)
                )
            })?;
            pending.extend(
                page.organizational_units()
                    .iter()
                    .filter_map(|ou| ou.id())
                    .map(str::to_string),
            );
        }
    }
    accounts.sort();
    accounts.dedup();
    Ok(accounts)
}

/// Read the recorder of every account × region; the caller's own account with its own
/// credentials, the others through `role`.
pub async fn check(
    base: &SdkConfig,
    accounts: &[String],
    regions: &[String],
    iam_region: &str,
    caller: &str,
    role: &str,
) -> Readiness {
    let mut readiness = Readiness::default();
    for region in regions {
        readiness.ready.entry(region.clone()).or_default();
    }
    for account in accounts {
        let sdk = if account == caller {
            base.clone()
        } else {
            match assume(base, iam_region, account, role).await {
                Ok(credentials) => base.to_builder().credentials_provider(credentials).build(),
                Err(reason) => {
                    readiness.notes.push(format!(
                        "account {account}: rules withheld in every region, its recorders could \
                         not be read ({reason}); fix: create the role {role} there, trusted by \
                         this account and allowed config:DescribeConfigurationRecorders, or name \
                         another with --member-role, then run gen deploy again"
                    ));
                    continue;
                }
            }
        };
        for region in regions {
            let answer = aws_sdk_config::Client::new(&regional(&sdk, region))
                .describe_configuration_recorders()
                .send()
                .await;
            match answer {
                Ok(out) if out.configuration_recorders().is_empty() => {
                    readiness.notes.push(format!(
                        "account {account} {region}: no AWS Config recorder, so no rules there \
                         (its Lambdas and runbooks are deployed); fix: turn AWS Config on in that \
                         account and region (a configuration recorder and delivery channel, e.g. \
                         with the AWS Config quick setup or an organization-wide Config \
                         StackSet), then run gen deploy again"
                    ));
                }
                Ok(out) => {
                    if region == iam_region && !records_iam(out.configuration_recorders()) {
                        readiness.notes.push(format!(
                            "account {account} {region} (IAM home region): the recorder records \
                             no IAM resource types, so neptune-fgac-policy-hygiene runs only on \
                             its schedule; fix: record {} there (or allSupported with \
                             includeGlobalResourceTypes)",
                            IAM_TYPES.join(", ")
                        ));
                    }
                    readiness
                        .ready
                        .entry(region.clone())
                        .or_default()
                        .push(account.clone());
                }
                Err(err) => readiness.notes.push(format!(
                    "account {account} {region}: rules withheld, its recorders could not be read \
                     (DescribeConfigurationRecorders: {}); fix: allow \
                     config:DescribeConfigurationRecorders to {role}, then run gen deploy again",
                    error_text(&err)
                )),
            }
        }
    }
    readiness
}

/// Whether a recorder records the IAM types (all supported types with the global ones, or
/// each IAM type named).
fn records_iam(recorders: &[ConfigurationRecorder]) -> bool {
    recorders.iter().any(|recorder| {
        let Some(group) = recorder.recording_group() else {
            // No recording group: the default, all supported types but not the global IAM ones.
            return false;
        };
        if group.all_supported() {
            return group.include_global_resource_types();
        }
        IAM_TYPES
            .iter()
            .all(|wanted| group.resource_types().iter().any(|t| t.as_str() == *wanted))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_config::types::{RecordingGroup, ResourceType};

    fn recorder(group: Option<RecordingGroup>) -> ConfigurationRecorder {
        ConfigurationRecorder::builder()
            .name("default")
            .set_recording_group(group)
            .build()
    }

    #[test]
    fn iam_is_recorded_only_with_global_types_or_each_iam_type() {
        let all = |global| {
            RecordingGroup::builder()
                .all_supported(true)
                .include_global_resource_types(global)
                .build()
        };
        assert!(records_iam(&[recorder(Some(all(true)))]));
        assert!(!records_iam(&[recorder(Some(all(false)))]));
        assert!(!records_iam(&[recorder(None)]));
        let listed = |types: &[&str]| {
            RecordingGroup::builder()
                .set_resource_types(Some(types.iter().map(|t| ResourceType::from(*t)).collect()))
                .build()
        };
        assert!(records_iam(&[recorder(Some(listed(&IAM_TYPES)))]));
        assert!(!records_iam(&[recorder(Some(listed(&[
            "AWS::IAM::Role",
            "AWS::RDS::DBCluster"
        ])))]));
    }
}
