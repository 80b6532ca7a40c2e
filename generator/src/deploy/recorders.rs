//! Where the rules may go. PutConfigRule and PutConformancePack fail with
//! NoAvailableConfigurationRecorderException where AWS Config has no recorder, so the member
//! stack creates its rules only where `gen deploy` found one (its `ConfigRecorderReady`
//! override). The recorders are read in each target account through an assumable role: an
//! organization aggregator shows only what accounts already deliver (it cannot tell "no
//! recorder" from "not authorized yet") and not which resource types a recorder records,
//! while DescribeConfigurationRecorders in the account answers both.

use std::collections::{BTreeMap, BTreeSet};

use aws_config::SdkConfig;
use aws_sdk_config::types::{ConfigurationRecorder, RecordingStrategyType, ResourceType};
use guardrails_core::aws::error_text;
use guardrails_core::registry::{ResourceType as RuleResourceType, RuleSpec};

use crate::session::{assume, regional};

/// The resource types the pack's rules evaluate in a region: the regional ones everywhere,
/// the global (IAM) ones in the IAM home region only. Each must be recorded there for the
/// rules' change-triggered evaluations (the AWS managed rules have no other trigger).
fn needed_types(rules: &[&RuleSpec], iam_home: bool) -> BTreeSet<RuleResourceType> {
    rules
        .iter()
        .flat_map(|spec| spec.resource_types.iter().copied())
        .filter(|t| iam_home || !t.is_global())
        .collect()
}

/// The rules that evaluate one of `types`, for a note.
fn rules_on(rules: &[&'static RuleSpec], types: &[RuleResourceType]) -> Vec<&'static str> {
    rules
        .iter()
        .filter(|spec| spec.resource_types.iter().any(|t| types.contains(t)))
        .map(|spec| spec.id)
        .collect()
}

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
    rules: &[&'static RuleSpec],
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
            let answer = guardrails_core::client!(aws_sdk_config, &regional(&sdk, region))
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
                    let recorders = out.configuration_recorders();
                    let place = format!("account {account} {region}");
                    unrecorded_types(
                        &mut readiness.notes,
                        &place,
                        (rules, recorders),
                        region == iam_region,
                    );
                    stopped_recorders(&mut readiness.notes, &place, &sdk, region, role).await;
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

/// The resource types `rules` need (in the IAM home region or not) that none of `recorders`
/// records.
pub(crate) fn unrecorded(
    rules: &[&RuleSpec],
    recorders: &[ConfigurationRecorder],
    iam_home: bool,
) -> Vec<RuleResourceType> {
    needed_types(rules, iam_home)
        .into_iter()
        .filter(|t| !recorders.iter().any(|r| records(r, t.as_str())))
        .collect()
}

/// Name the types the rules need that no recorder records (the rules are still created:
/// they work on their schedule, and on changes once the type is recorded).
fn unrecorded_types(
    notes: &mut Vec<String>,
    place: &str,
    (rules, recorders): (&[&'static RuleSpec], &[ConfigurationRecorder]),
    iam_home: bool,
) {
    let missing = unrecorded(rules, recorders, iam_home);
    if missing.is_empty() {
        return;
    }
    let names: Vec<&str> = missing.iter().map(|t| t.as_str()).collect();
    notes.push(format!(
        "{place}{}: the recorder does not record {}, so {} get no change-triggered \
         evaluation of them (the AWS managed rules among them, which have no schedule, none at \
         all); fix: add {} to the recorder's recording group (or record all supported types{})",
        if iam_home { " (IAM home region)" } else { "" },
        names.join(", "),
        rules_on(rules, &missing).join(", "),
        names.join(", "),
        if iam_home {
            " with includeGlobalResourceTypes"
        } else {
            ""
        }
    ));
}

/// Name each recorder that exists but does not record (DescribeConfigurationRecorderStatus).
async fn stopped_recorders(
    notes: &mut Vec<String>,
    place: &str,
    sdk: &SdkConfig,
    region: &str,
    role: &str,
) {
    let answer = guardrails_core::client!(aws_sdk_config, &regional(sdk, region))
        .describe_configuration_recorder_status()
        .send()
        .await;
    match answer {
        Ok(out) => {
            for status in out
                .configuration_recorders_status()
                .iter()
                .filter(|s| !s.recording())
            {
                let name = status.name().unwrap_or("default");
                notes.push(format!(
                    "{place}: the recorder {name} is stopped (recording: false), so no rule \
                     there is evaluated on a change and AWS Config records nothing new; fix: \
                     `aws configservice start-configuration-recorder \
                     --configuration-recorder-name {name}` in that account and region"
                ));
            }
        }
        Err(err) => notes.push(format!(
            "{place}: whether its recorder is recording could not be read \
             (DescribeConfigurationRecorderStatus: {}); fix: allow \
             config:DescribeConfigurationRecorderStatus to {role}",
            error_text(&err)
        )),
    }
}

/// Whether a recorder records `resource_type`, as the botocore model's RecordingGroup text
/// defines it: with the EXCLUSION_BY_RESOURCE_TYPES strategy every type not excluded (the
/// global IAM types included: `includeGlobalResourceTypes` "has no impact" on it); with
/// `allSupported` every type, the global IAM ones only with `includeGlobalResourceTypes`;
/// otherwise the types listed. No recording group is the default: all supported types
/// without the global ones.
fn records(recorder: &ConfigurationRecorder, resource_type: &str) -> bool {
    let global = resource_type.starts_with("AWS::IAM::");
    let Some(group) = recorder.recording_group() else {
        return !global;
    };
    let listed = |types: &[ResourceType]| types.iter().any(|t| t.as_str() == resource_type);
    let strategy = group.recording_strategy().and_then(|s| s.use_only());
    if strategy == Some(&RecordingStrategyType::ExclusionByResourceTypes) {
        return !group
            .exclusion_by_resource_types()
            .is_some_and(|e| listed(e.resource_types()));
    }
    if group.all_supported() {
        return !global || group.include_global_resource_types();
    }
    listed(group.resource_types())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;
    use aws_sdk_config::types::{ExclusionByResourceTypes, RecordingGroup, RecordingStrategy};

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
        let role = "AWS::IAM::Role";
        assert!(records(&recorder(Some(all(true))), role));
        assert!(!records(&recorder(Some(all(false))), role));
        assert!(records(&recorder(Some(all(false))), "AWS::RDS::DBCluster"));
        assert!(!records(&recorder(None), role));
        let listed = |types: &[&str]| {
            RecordingGroup::builder()
                .set_resource_types(Some(types.iter().map(|t| ResourceType::from(*t)).collect()))
                .build()
        };
        assert!(records(&recorder(Some(listed(&[role]))), role));
        assert!(!records(
            &recorder(Some(listed(&["AWS::RDS::DBCluster"]))),
            "AWS::DMS::Endpoint"
        ));
    }

    #[test]
    fn the_exclusion_strategy_records_everything_it_does_not_exclude() {
        let excluding = |types: &[&str]| {
            RecordingGroup::builder()
                .all_supported(false)
                .include_global_resource_types(false)
                .exclusion_by_resource_types(
                    ExclusionByResourceTypes::builder()
                        .set_resource_types(Some(
                            types.iter().map(|t| ResourceType::from(*t)).collect(),
                        ))
                        .build(),
                )
                .recording_strategy(
                    RecordingStrategy::builder()
                        .use_only(RecordingStrategyType::ExclusionByResourceTypes)
                        .build(),
                )
                .build()
        };
        let excluded = recorder(Some(excluding(&["AWS::EC2::Volume", "AWS::DMS::Endpoint"])));
        // The global IAM types are recorded whatever includeGlobalResourceTypes says.
        assert!(records(&excluded, "AWS::IAM::Role"));
        assert!(records(&excluded, "AWS::RDS::DBClusterSnapshot"));
        assert!(!records(&excluded, "AWS::DMS::Endpoint"));
        let mut notes = Vec::new();
        let every_rule: Vec<&'static RuleSpec> = catalog::SPECS.to_vec();
        unrecorded_types(&mut notes, "account 1 r", (&every_rule, &[excluded]), true);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].contains(
                "does not record AWS::DMS::Endpoint, so neptune-dms-endpoint-iam-auth get"
            ),
            "{notes:?}"
        );
        let mut none = Vec::new();
        unrecorded_types(
            &mut none,
            "account 1 r",
            (&every_rule, &[recorder(Some(excluding(&[])))]),
            true,
        );
        assert!(
            none.is_empty(),
            "no false 'records no IAM types' note: {none:?}"
        );
    }
}
