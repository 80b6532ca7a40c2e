//! `--mode organization-conformance-pack`: one organization conformance pack per region (and
//! the IAM one in the IAM home region), put from the admin account over the Lambdas and
//! runbooks the StackSet made. AWS deploys such a pack to every account of the organization
//! but `ExcludedAccounts` (the management account and accounts that join later included), so
//! every run computes that list afresh: each account without a stack instance that succeeded
//! or without a recorder in the region is excluded, and the change is printed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_config::types::ConformancePackInputParameter;
use guardrails_core::aws::error_text;

use super::instances::{grouped, InstanceIssue};
use super::package::Artifact;
use super::CallAs;
use crate::synth::{self, PACK_NAME};

/// One organization conformance pack as a deploy wants it.
#[derive(Clone)]
pub(super) struct OrganizationPack {
    pub region: String,
    pub name: String,
    /// The template, uploaded to the region's artifact bucket.
    pub template_uri: String,
    pub inputs: BTreeMap<String, String>,
    /// Every account of the organization with why it is left out, if it is.
    pub accounts: BTreeMap<String, Option<String>>,
    /// The pack's `ExcludedAccounts` now (`None`: no pack yet).
    pub deployed: Option<BTreeSet<String>>,
}

impl OrganizationPack {
    fn excluded(&self) -> BTreeSet<String> {
        self.accounts
            .iter()
            .filter(|(_, why)| why.is_some())
            .map(|(account, _)| account.clone())
            .collect()
    }

    /// `+A (why), −B`: how the excluded accounts change.
    pub fn drift(&self) -> String {
        let excluded = self.excluded();
        let before = self.deployed.clone().unwrap_or_default();
        let mut changes: Vec<String> = excluded
            .difference(&before)
            .map(|a| format!("+{a} ({})", self.accounts[a].as_deref().unwrap_or("")))
            .collect();
        changes.extend(before.difference(&excluded).map(|a| format!("-{a}")));
        if changes.is_empty() {
            "excluded accounts unchanged".into()
        } else {
            format!("excluded accounts {}", changes.join(", "))
        }
    }

    pub fn describe(&self) -> String {
        let included = self.accounts.values().filter(|w| w.is_none()).count();
        format!(
            "organization conformance pack {} ({}): {} in {included} account(s), {} excluded; {}",
            self.name,
            self.region,
            if self.deployed.is_some() {
                "update"
            } else {
                "create"
            },
            self.accounts.len() - included,
            self.drift()
        )
    }
}

/// The packs a deploy puts: per target region the regional pack, and in the IAM home region
/// the IAM one, each with its inputs and the accounts it reaches (`ready`: per region the
/// target accounts with a recorder; `targets`: every target account), leaving out a pack
/// already as wanted. AWS Config does not return a pack's template: `template_changed` (a
/// new member template, which embeds the pack templates) puts them all again.
#[allow(clippy::too_many_arguments)]
pub(super) async fn plan(
    base: &aws_config::SdkConfig,
    options: &synth::SynthOptions,
    templates: &[(&'static synth::Pack, Artifact)],
    buckets: &BTreeMap<String, String>,
    organization_accounts: &[String],
    targets: &[String],
    ready: &BTreeMap<String, Vec<String>>,
    template_changed: bool,
) -> Result<Vec<OrganizationPack>, String> {
    let mut packs = Vec::new();
    for region in &options.regions {
        let config =
            guardrails_core::client!(aws_sdk_config, &crate::session::regional(base, region));
        for (pack, template) in templates {
            if pack.global && region != options.iam_region() {
                continue;
            }
            let name = format!("{PACK_NAME}{}", pack.name_suffix);
            let inputs = synth::pack_inputs(options, pack);
            let accounts = organization_accounts
                .iter()
                .map(|account| {
                    let why = if !targets.contains(account) {
                        Some("not a target account")
                    } else if !ready.get(region).is_some_and(|r| r.contains(account)) {
                        Some("no Config recorder there")
                    } else {
                        None
                    };
                    (account.clone(), why.map(str::to_string))
                })
                .collect();
            let deployed = deployed(&config, &name).await?;
            let wanted = OrganizationPack {
                region: region.clone(),
                name,
                template_uri: format!("s3://{}/{}", buckets[region], template.key),
                inputs,
                accounts,
                deployed: deployed.as_ref().map(|(excluded, _)| excluded.clone()),
            };
            let unchanged = !template_changed
                && deployed.is_some_and(|(excluded, inputs)| {
                    excluded == wanted.excluded() && inputs == wanted.inputs
                });
            if !unchanged {
                packs.push(wanted);
            }
        }
    }
    Ok(packs)
}

/// The pack's excluded accounts and input parameters, if it exists.
async fn deployed(
    config: &aws_sdk_config::Client,
    name: &str,
) -> Result<Option<(BTreeSet<String>, BTreeMap<String, String>)>, String> {
    match config
        .describe_organization_conformance_packs()
        .organization_conformance_pack_names(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.organization_conformance_packs().first().map(|pack| {
            let excluded = pack.excluded_accounts().iter().cloned().collect();
            let inputs = pack
                .conformance_pack_input_parameters()
                .iter()
                .map(|p| {
                    (
                        p.parameter_name().to_string(),
                        p.parameter_value().to_string(),
                    )
                })
                .collect();
            (excluded, inputs)
        })),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_no_such_organization_conformance_pack_exception()) =>
        {
            Ok(None)
        }
        Err(err) => Err(format!(
            "DescribeOrganizationConformancePacks {name}: {}",
            error_text(&err)
        )),
    }
}

/// Put a pack, leaving out besides what the plan left out every account whose stack
/// instance in the region did not succeed (its Lambdas may be missing), wait for it, and name
/// every account it failed in.
pub(super) async fn put(
    base: &aws_config::SdkConfig,
    call_as: CallAs,
    pack: &OrganizationPack,
    timeout: Duration,
) -> Result<(), String> {
    // The StackSet lives in the admin region, the one `base` calls.
    let cf = guardrails_core::client!(aws_sdk_cloudformation, base);
    let mut pack = pack.clone();
    let succeeded = succeeded_instances(&cf, call_as, &pack.region).await?;
    for (account, why) in pack.accounts.iter_mut() {
        if why.is_none() && !succeeded.contains(account) {
            *why = Some("its stack instance did not succeed".into());
        }
    }
    let excluded: Vec<String> = pack.excluded().into_iter().collect();
    if excluded.len() > 1000 {
        return Err(format!(
            "{}: {} accounts to exclude, more than the 1000 ExcludedAccounts takes; use \
             --mode stackset or conformance-pack",
            pack.name,
            excluded.len()
        ));
    }
    crate::say!("gen deploy: {}", pack.describe());
    let config = guardrails_core::client!(
        aws_sdk_config,
        &crate::session::regional(base, &pack.region)
    );
    let inputs = pack.inputs.iter().map(|(name, value)| {
        ConformancePackInputParameter::builder()
            .parameter_name(name)
            .parameter_value(value)
            .build()
            .expect("name and value are set")
    });
    config
        .put_organization_conformance_pack()
        .organization_conformance_pack_name(&pack.name)
        .template_s3_uri(&pack.template_uri)
        .set_conformance_pack_input_parameters(Some(inputs.collect()))
        .set_excluded_accounts(Some(excluded))
        .send()
        .await
        .map_err(|e| {
            format!(
                "PutOrganizationConformancePack {} ({}): {}",
                pack.name,
                pack.region,
                error_text(&e)
            )
        })?;
    wait(&config, &pack.name, timeout).await?;
    let failed = failed_accounts(&config, &pack).await?;
    if failed.is_empty() {
        return Ok(());
    }
    Err(format!(
        "organization conformance pack {} ({}) failed in {} account(s), retried by the next \
         gen deploy:\n  {}",
        pack.name,
        pack.region,
        failed.len(),
        grouped(&failed).join("\n  ")
    ))
}

/// The accounts whose stack instance in `region` last succeeded.
async fn succeeded_instances(
    cf: &aws_sdk_cloudformation::Client,
    call_as: CallAs,
    region: &str,
) -> Result<BTreeSet<String>, String> {
    let mut pages = cf
        .list_stack_instances()
        .stack_set_name(PACK_NAME)
        .stack_instance_region(region)
        .call_as(aws_sdk_cloudformation::types::CallAs::from(
            call_as.as_str(),
        ))
        .into_paginator()
        .send();
    let mut accounts = BTreeSet::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("ListStackInstances: {}", error_text(&e)))?;
        for instance in page.summaries() {
            let detailed = instance
                .stack_instance_status()
                .and_then(|s| s.detailed_status())
                .map(|d| d.as_str());
            if instance.region() == Some(region) && matches!(detailed, Some("SUCCEEDED") | None) {
                accounts.extend(instance.account().map(str::to_string));
            }
        }
    }
    Ok(accounts)
}

/// Until the pack is no longer `…_IN_PROGRESS` (it cannot be updated meanwhile).
async fn wait(
    config: &aws_sdk_config::Client,
    name: &str,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let out = config
            .describe_organization_conformance_pack_statuses()
            .organization_conformance_pack_names(name)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "DescribeOrganizationConformancePackStatuses {name}: {}",
                    error_text(&e)
                )
            })?;
        let status = out
            .organization_conformance_pack_statuses()
            .first()
            .map(|s| s.status().as_str().to_string())
            .unwrap_or_default();
        if !status.ends_with("_IN_PROGRESS") {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(format!(
                "organization conformance pack {name} still {status} after {} minutes",
                timeout.as_secs() / 60
            ));
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// Every account the pack did not reach, with AWS Config's status and message.
async fn failed_accounts(
    config: &aws_sdk_config::Client,
    pack: &OrganizationPack,
) -> Result<Vec<InstanceIssue>, String> {
    let mut pages = config
        .get_organization_conformance_pack_detailed_status()
        .organization_conformance_pack_name(&pack.name)
        .into_paginator()
        .send();
    let mut failed = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            format!(
                "GetOrganizationConformancePackDetailedStatus {}: {}",
                pack.name,
                error_text(&e)
            )
        })?;
        for row in page.organization_conformance_pack_detailed_statuses() {
            let status = row.status().as_str();
            if status.ends_with("_SUCCESSFUL") {
                continue;
            }
            failed.push(InstanceIssue {
                account: row.account_id().to_string(),
                region: pack.region.clone(),
                status: status.to_string(),
                reason: row.error_message().unwrap_or("no reason given").to_string(),
            });
        }
    }
    Ok(failed)
}

/// Delete the pack (its rules go from every account), waiting until it is gone.
pub(super) async fn delete(
    base: &aws_config::SdkConfig,
    region: &str,
    name: &str,
) -> Result<(), String> {
    let config = guardrails_core::client!(aws_sdk_config, &crate::session::regional(base, region));
    config
        .delete_organization_conformance_pack()
        .organization_conformance_pack_name(name)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            format!(
                "DeleteOrganizationConformancePack {name} ({region}): {}",
                error_text(&e)
            )
        })
}

/// Whether the pack exists in `region`.
pub(super) async fn exists(
    base: &aws_config::SdkConfig,
    region: &str,
    name: &str,
) -> Result<bool, String> {
    let config = guardrails_core::client!(aws_sdk_config, &crate::session::regional(base, region));
    Ok(deployed(&config, name).await?.is_some())
}
