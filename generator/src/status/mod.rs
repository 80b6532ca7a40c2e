//! `gen status`: whether the rollout is healthy, per account × region of the target OUs, read
//! from the admin account: the StackSet's instance there, the AWS Config recorder, each
//! rule's last run (DescribeConfigRuleEvaluationStatus) and, for our Lambda rules, the
//! function's own errors (Lambda's CloudWatch metrics: Config reports no status for custom
//! Lambda rules), and accounts of the OUs with no stack instance. Every problem comes with
//! its fix; the exit status is 1 when anything is unhealthy.

mod place;
mod reads;
mod render;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use futures_util::StreamExt;
use guardrails_core::aws::error_text;
use guardrails_core::registry::RuleSpec;

use crate::deploy::{self, CallAs, STACKSET_STACK};
use crate::exit::{Exit, GenError};
use crate::session::regional;
use crate::synth::{EXCLUDED_ACCOUNTS, PACK_NAME, SELECTED_RULES};
use crate::{catalog, AwsTarget};
pub use place::Place;

/// Accounts read at once: each is a role to assume and a few reads per region.
const CONCURRENT_ACCOUNTS: usize = 8;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFormat {
    Table,
    Json,
    Html,
}

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// The admin region: home of the StackSet.
    #[command(flatten)]
    aws: AwsTarget,
    /// OUs (ou-… or r-…) to check; the last deploy's by default.
    #[arg(long, value_delimiter = ',')]
    ous: Vec<String>,
    /// Regions to check; the last deploy's by default.
    #[arg(long, value_delimiter = ',')]
    regions: Vec<String>,
    /// The region where the global (IAM) rules run; the first region by default, as for
    /// `gen deploy`.
    #[arg(long)]
    iam_region: Option<String>,
    /// Who the StackSet calls act as; the last deploy's by default.
    #[arg(long, value_enum)]
    call_as: Option<CallAs>,
    /// Role assumed in each target account to read its recorder, rules and metrics.
    #[arg(long, default_value = deploy::ORGANIZATION_ROLE)]
    member_role: String,
    /// How far back a rule Lambda's errors count, in hours.
    #[arg(long, default_value_t = 24)]
    hours: u64,
    #[arg(long, value_enum, default_value = "table")]
    format: StatusFormat,
}

/// What the last deploy chose (the StackSet stack's parameters) and what the flags change.
struct Targets {
    ous: Vec<String>,
    regions: Vec<String>,
    iam_region: String,
    call_as: CallAs,
    rules: Vec<&'static RuleSpec>,
    excluded: Vec<String>,
}

async fn targets(args: &StatusArgs, admin: &SdkConfig) -> Result<Targets, GenError> {
    let kept = deploy::stackset_parameters(admin)
        .await
        .map_err(GenError::Aws)?;
    let listed = |name: &str| -> Vec<String> {
        kept.get(name)
            .into_iter()
            .flat_map(|v| v.split(','))
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    let or_kept = |given: &[String], name: &str| {
        if given.is_empty() {
            listed(name)
        } else {
            given.to_vec()
        }
    };
    let ous = or_kept(&args.ous, "TargetOrganizationalUnitIds");
    let regions = or_kept(&args.regions, "TargetRegions");
    if ous.is_empty() || regions.is_empty() {
        return Err(GenError::Input(format!(
            "no {STACKSET_STACK} stack to take the targets from: give --ous and --regions"
        )));
    }
    let selected = listed(SELECTED_RULES);
    let call_as = match (args.call_as, kept.get("CallAs").map(String::as_str)) {
        (Some(given), _) => given,
        (None, Some("DELEGATED_ADMIN")) => CallAs::DelegatedAdmin,
        (None, _) => CallAs::SelfAccount,
    };
    Ok(Targets {
        iam_region: args
            .iam_region
            .clone()
            .unwrap_or_else(|| regions[0].clone()),
        ous,
        regions,
        call_as,
        rules: catalog::SPECS
            .iter()
            .copied()
            .filter(|s| selected.is_empty() || selected.iter().any(|r| r == s.id))
            .collect(),
        excluded: listed(EXCLUDED_ACCOUNTS),
    })
}

pub async fn run(args: StatusArgs) -> Result<Exit, GenError> {
    let base =
        guardrails_core::aws::load(args.aws.region.clone(), args.aws.endpoint_url.clone()).await;
    let admin_region = base.region().map(|r| r.to_string()).ok_or_else(|| {
        GenError::Input("no admin region: give --region or set AWS_REGION".into())
    })?;
    let admin = regional(&base, &admin_region);
    let caller = crate::session::caller_account(&base)
        .await
        .map_err(GenError::Aws)?;
    let targets = targets(&args, &admin).await?;
    let organizations = guardrails_core::client!(aws_sdk_organizations, &admin);
    let management = organizations
        .describe_organization()
        .send()
        .await
        .map_err(|e| GenError::Aws(format!("DescribeOrganization: {}", error_text(&e))))?
        .organization()
        .and_then(|o| o.master_account_id())
        .unwrap_or_default()
        .to_string();
    let accounts = deploy::target_accounts(&organizations, &targets.ous, &management)
        .await
        .map_err(GenError::Aws)?;
    let cf = guardrails_core::client!(aws_sdk_cloudformation, &admin);
    let instances: Instances = deploy::stack_instances(&cf, targets.call_as)
        .await
        .map_err(GenError::Aws)?
        .into_iter()
        // An empty reason is no reason (`null` in the JSON).
        .map(|mut i| {
            i.reason = i.reason.filter(|r| !r.is_empty());
            ((i.account.clone(), i.region.clone()), i)
        })
        .collect();
    let until = SystemTime::now();
    let window = (until - Duration::from_secs(args.hours * 3600), until);
    let reader = place::Reader {
        base: &base,
        caller: &caller,
        role: &args.member_role,
        targets: &targets,
        instances: &instances,
        window,
    };
    let mut places: Vec<Place> = futures_util::stream::iter(&accounts)
        .map(|account| reader.account(account))
        .buffer_unordered(CONCURRENT_ACCOUNTS)
        .collect::<Vec<Vec<Place>>>()
        .await
        .into_iter()
        .flatten()
        .collect();
    places.sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
    let text = match args.format {
        StatusFormat::Table => render::table(&places),
        StatusFormat::Json => crate::report::pretty_json(&places),
        StatusFormat::Html => render::html(&places, PACK_NAME),
    };
    crate::exit::write_stdout(&text)?;
    let unhealthy = places.iter().filter(|p| !p.healthy).count();
    let unread = places.iter().filter(|p| p.unreadable()).count();
    eprintln!(
        "gen status: {} account-region(s) of {} account(s), {unhealthy} unhealthy",
        places.len(),
        accounts.len()
    );
    Ok(if unread > 0 {
        Exit::Failed
    } else if unhealthy > 0 {
        Exit::NonCompliant
    } else {
        Exit::Clean
    })
}

/// Each stack instance of the StackSet by account and region.
pub type Instances = BTreeMap<(String, String), deploy::StackInstance>;
