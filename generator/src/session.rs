//! Where AWS calls go, for every command: the caller's account, regional configurations,
//! partitions, assuming a role in another account, S3 clients, and which accounts and
//! regions `gen scan` covers (the caller's account and region by default, more regions with
//! `--regions`, other accounts through a role with `--assume-role` and `--accounts` or
//! `--org`, every active account of the organization).

use aws_config::sts::AssumeRoleProvider;
use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use guardrails_core::aws::error_text;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct TargetArgs {
    /// Regions to scan (comma-separated); the --region one by default. Rules on global
    /// resources (IAM) run once per account, in the first region.
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Accounts to scan (comma-separated) through the role of --assume-role; the caller's own
    /// account is scanned with the caller's credentials.
    #[arg(
        long,
        value_delimiter = ',',
        requires = "assume_role",
        conflicts_with = "org"
    )]
    pub accounts: Vec<String>,
    /// Scan every ACTIVE account of the organization (Organizations ListAccounts, from the
    /// management or a delegated administrator account) through --assume-role.
    #[arg(long, requires = "assume_role")]
    pub org: bool,
    /// Name of the role to assume in each scanned account other than the caller's own
    /// (for example OrganizationAccountAccessRole or a read-only audit role).
    #[arg(long, value_name = "ROLE_NAME")]
    pub assume_role: Option<String>,
}

/// One account × region to scan, with the credentials that reach it.
#[derive(Clone, Debug)]
pub struct Target {
    pub account: String,
    pub region: String,
    pub sdk: SdkConfig,
    /// The first region scanned in this account: where rules on global resources run.
    pub home: bool,
}

/// An account that cannot be scanned, and why (its role could not be assumed).
#[derive(Debug, PartialEq, Eq)]
pub struct Unreachable {
    pub account: String,
    pub reason: String,
}

/// The caller's account, from STS GetCallerIdentity.
pub async fn caller_account(sdk: &SdkConfig) -> Result<String, String> {
    let identity = guardrails_core::client!(aws_sdk_sts, sdk)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            format!(
                "cannot tell which account the credentials belong to (STS GetCallerIdentity failed: {})",
                error_text(&e)
            )
        })?;
    identity
        .account()
        .map(str::to_string)
        .ok_or_else(|| "STS GetCallerIdentity returned no account".to_string())
}

/// Every account × region the arguments name, in a stable order (accounts as listed or as
/// Organizations returns them, regions as listed), and the accounts whose role could not be
/// assumed.
pub async fn resolve(
    base: &SdkConfig,
    args: &TargetArgs,
) -> Result<(Vec<Target>, Vec<Unreachable>), String> {
    let regions: Vec<String> = if args.regions.is_empty() {
        vec![base
            .region()
            .map(|r| r.to_string())
            .ok_or("no region: give --region, --regions or set AWS_REGION")?]
    } else {
        dedup(args.regions.iter().map(|r| r.trim().to_string()))
    };
    if let Some(bad) = regions.iter().find(|r| !is_region_name(r)) {
        return Err(format!("`{bad}` is not a region name (like eu-west-1)"));
    }
    // Check what was typed before any AWS call.
    let listed = dedup(args.accounts.iter().map(|a| a.trim().to_string()));
    if let Some(bad) = listed
        .iter()
        .find(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("`{bad}` is not an AWS account id (12 digits)"));
    }
    let caller = caller_account(base).await?;
    let accounts = if args.org {
        organization_accounts(base).await?
    } else if listed.is_empty() {
        vec![caller.clone()]
    } else {
        listed
    };
    let mut targets = Vec::new();
    let mut unreachable = Vec::new();
    for account in accounts {
        let credentials = if account == caller {
            None
        } else {
            let role = args
                .assume_role
                .as_deref()
                .ok_or("scanning other accounts needs --assume-role")?;
            match assume(base, &regions[0], &account, role).await {
                Ok(provider) => Some(provider),
                Err(reason) => {
                    unreachable.push(Unreachable { account, reason });
                    continue;
                }
            }
        };
        for (i, region) in regions.iter().enumerate() {
            let mut sdk = regional(base, region);
            if let Some(provider) = &credentials {
                sdk = sdk
                    .into_builder()
                    .credentials_provider(provider.clone())
                    .build();
            }
            targets.push(Target {
                account: account.clone(),
                region: region.clone(),
                sdk,
                home: i == 0,
            });
        }
    }
    Ok((targets, unreachable))
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items.filter(|i| !i.is_empty()) {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// `eu-west-1`, `us-gov-west-1`, `cn-north-1`: lowercase words and a number, dash-joined.
fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts.last().is_some_and(|n| n.parse::<u8>().is_ok())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
}

/// `sdk` pointed at another region.
pub fn regional(sdk: &SdkConfig, region: &str) -> SdkConfig {
    sdk.to_builder()
        .region(Region::new(region.to_string()))
        .build()
}

/// The partition of a region, for ARNs.
pub fn partition(region: &str) -> &'static str {
    guardrails_core::regions::partition_of(region).name
}

/// Credentials of `role` in `account`, fetched once now so a role that cannot be assumed is
/// reported per account instead of failing every call later.
pub(crate) async fn assume(
    base: &SdkConfig,
    region: &str,
    account: &str,
    role: &str,
) -> Result<SharedCredentialsProvider, String> {
    let arn = format!("arn:{}:iam::{account}:role/{role}", partition(region));
    let provider = AssumeRoleProvider::builder(&arn)
        .session_name("neptune-guardrails-scan")
        .region(Region::new(region.to_string()))
        .configure(base)
        .build()
        .await;
    provider
        .provide_credentials()
        .await
        .map_err(|e| format!("cannot assume {arn}: {}", error_text(&e)))?;
    Ok(SharedCredentialsProvider::new(provider))
}

/// ACTIVE accounts of the organization, in ListAccounts order.
async fn organization_accounts(base: &SdkConfig) -> Result<Vec<String>, String> {
    let client = guardrails_core::client!(aws_sdk_organizations, base);
    let mut pages = client.list_accounts().into_paginator().send();
    let mut accounts = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            format!(
                "--org needs Organizations ListAccounts from the management or a delegated \
                 administrator account, and it failed: {}",
                error_text(&e)
            )
        })?;
        for account in page.accounts() {
            let active = account
                .state()
                .map(|s| s.as_str() == "ACTIVE")
                .unwrap_or_else(|| account.status().is_some_and(|s| s.as_str() == "ACTIVE"));
            if let (true, Some(id)) = (active, account.id()) {
                accounts.push(id.to_string());
            }
        }
    }
    Ok(accounts)
}

/// S3 as AWS wants it; with an endpoint URL (an emulator such as moto), path-style addresses
/// and request checksums only where S3 requires them (moto refuses the SDK's default
/// streaming checksum trailer on uploads).
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let mut config = aws_sdk_s3::config::Builder::from(sdk)
        .retry_partition(guardrails_core::retry_quota::own_retry_quota("aws_sdk_s3"));
    if sdk.endpoint_url().is_some() {
        config = config.force_path_style(true).request_checksum_calculation(
            aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
        );
    }
    aws_sdk_s3::Client::from_conf(config.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_are_checked() {
        for ok in ["eu-west-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5"] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in [
            "",
            "eu-west",
            "EU-WEST-1",
            "eu_west_1",
            "eu--1",
            "eu-west-x",
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn repeated_names_are_scanned_once_in_order() {
        let items = ["b", "a", "b", "", "c", "a"].map(String::from);
        assert_eq!(dedup(items.into_iter()), ["b", "a", "c"]);
    }

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-east-1"), "aws-us-gov");
        assert_eq!(partition("eu-west-1"), "aws");
    }
}
