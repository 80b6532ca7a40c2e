//! `gen deploy` and `gen destroy`: the rule pack rolled out from the admin (management or
//! delegated-admin) account with the templates `gen synth` writes, as CloudFormation stacks
//! there: per target region the artifact bucket stack, then content-addressed uploads, then
//! in the admin region the StackSet stack (its StackSet deploys `member.yaml` to the OUs ×
//! regions and to accounts that join them), then the `ConfigRecorderReady` override of each
//! stack instance whose account and region has an AWS Config recorder (only there does the
//! member stack create its rules or conformance packs). Every stack is planned with a change
//! set first, so a re-run with nothing changed changes nothing and says so, and `--dry-run`
//! shows the plan.

mod execute;
mod instances;
mod organization_packs;
mod package;
mod plan;
mod preflight;
mod recorders;
mod stack;

use std::path::PathBuf;
use std::time::Duration;

use aws_config::SdkConfig;

use crate::exit::{Exit, GenError};
use crate::session::{self, regional};
use crate::synth::{SynthOptions, EXCLUDED_ACCOUNTS, PACK_NAME, SELECTED_RULES};
use crate::AwsTarget;

pub(crate) use instances::{stack_instances, StackInstance};
pub(crate) use preflight::ORGANIZATION_ROLE;
pub(crate) use recorders::{target_accounts, unrecorded};

const ARTIFACTS_STACK: &str = "neptune-guardrails-artifacts";
pub(crate) const STACKSET_STACK: &str = "neptune-guardrails-stackset";
/// The organization conformance packs of earlier versions: deleted by deploy and destroy.
const PACKS_STACK: &str = "neptune-guardrails-conformance-packs";

/// The parameters of the StackSet stack in the admin region (`admin`): the last deploy's
/// targets and choices; none without the stack.
pub(crate) async fn stackset_parameters(
    admin: &SdkConfig,
) -> Result<std::collections::BTreeMap<String, String>, String> {
    stack::parameters_of(
        &guardrails_core::client!(aws_sdk_cloudformation, admin),
        STACKSET_STACK,
    )
    .await
}

/// Who the StackSet calls act as.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallAs {
    /// The management account.
    #[value(name = "SELF")]
    SelfAccount,
    /// A delegated administrator of StackSets.
    #[value(name = "DELEGATED_ADMIN")]
    DelegatedAdmin,
}

impl CallAs {
    fn as_str(self) -> &'static str {
        match self {
            CallAs::SelfAccount => "SELF",
            CallAs::DelegatedAdmin => "DELEGATED_ADMIN",
        }
    }
}

/// What deploy and destroy share: where, how, and whether to ask.
#[derive(clap::Args, Debug)]
pub struct Common {
    /// The admin region: home of the StackSet (and its artifact bucket).
    #[command(flatten)]
    aws: AwsTarget,
    /// Print what would be created, updated or deleted, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Change without asking (needed when stdin is not a terminal).
    #[arg(long)]
    yes: bool,
    /// Longest wait for one stack operation, StackSet roll-outs included, in minutes.
    #[arg(long, default_value_t = 60)]
    timeout_minutes: u64,
}

#[derive(clap::Args, Debug)]
pub struct DeployArgs {
    #[command(flatten)]
    common: Common,
    /// Regions, OUs, mode, IAM home region and architecture (as for `gen synth`).
    #[command(flatten)]
    options: SynthOptions,
    #[arg(long, value_enum, default_value = "SELF")]
    call_as: CallAs,
    /// Rule binaries already built, in cargo-lambda layout (DIR/RULE-ID/bootstrap); without
    /// it, deploy first runs `gen package` for --architecture into target/lambda.
    #[arg(long)]
    binaries: Option<PathBuf>,
    /// Role assumed in each target account to read its AWS Config recorders (rules go only
    /// where one exists); Organizations creates OrganizationAccountAccessRole in the accounts
    /// it creates, trusting the management account only (from a delegated administrator,
    /// name one that trusts it).
    #[arg(long, default_value = preflight::ORGANIZATION_ROLE)]
    member_role: String,
    /// Accounts of the target OUs that get neither Lambdas nor rules (`none` for none);
    /// without the flag, a re-run keeps the last deploy's choice.
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    exclude_accounts: Option<Vec<String>>,
}

impl DeployArgs {
    /// The accounts `--exclude-accounts` names (none for `none`).
    fn excluded(&self) -> Vec<String> {
        self.exclude_accounts
            .iter()
            .flatten()
            .filter(|a| a.as_str() != "none" && !a.is_empty())
            .cloned()
            .collect()
    }
}

#[derive(clap::Args, Debug)]
pub struct DestroyArgs {
    #[command(flatten)]
    common: Common,
    /// Regions deploy targeted (where the artifact and conformance pack stacks are).
    #[arg(long, value_delimiter = ',', required = true)]
    regions: Vec<String>,
    /// Also empty and delete the artifact buckets (kept by default: they hold every version
    /// of the code the member accounts ran).
    #[arg(long)]
    purge: bool,
}

impl Common {
    fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_minutes * 60)
    }

    /// The SDK configuration of the admin region, that region, and the caller's account.
    async fn connect(&self) -> Result<(SdkConfig, String, String), GenError> {
        let base =
            guardrails_core::aws::load(self.aws.region.clone(), self.aws.endpoint_url.clone())
                .await;
        let region = base.region().map(|r| r.to_string()).ok_or_else(|| {
            GenError::Input("no admin region: give --region or set AWS_REGION".into())
        })?;
        let caller = session::caller_account(&base)
            .await
            .map_err(GenError::Aws)?;
        Ok((base, region, caller))
    }
}

pub async fn deploy(mut args: DeployArgs) -> Result<Exit, GenError> {
    let options = &args.options;
    if options.ous.is_empty() {
        return Err(GenError::Input(
            "--ous is required: the OUs (ou-…) or root (r-…) to deploy to".into(),
        ));
    }
    if let Some(bad) = options
        .ous
        .iter()
        .find(|ou| !(ou.starts_with("ou-") || ou.starts_with("r-")))
    {
        return Err(GenError::Input(format!(
            "`{bad}` is not an OU id (ou-…) or root id (r-…)"
        )));
    }
    if let Some(bad) = args
        .excluded()
        .iter()
        .find(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(GenError::Input(format!(
            "--exclude-accounts: `{bad}` is not a 12-digit account id"
        )));
    }
    options.check().map_err(GenError::Input)?;
    // Artifacts first (local, no AWS call): the rule zips, content-addressed.
    let binaries = match &args.binaries {
        Some(dir) => dir.clone(),
        None => {
            let dir = PathBuf::from("target/lambda");
            crate::packaging::build(&options.architecture, &dir).map_err(GenError::Build)?;
            dir
        }
    };
    // The rules the flags select (every rule without --rules), before the last deploy's
    // choice is read: a narrower one only leaves zips unused.
    let rule_artifacts = options
        .selected()
        .into_iter()
        .filter(|spec| spec.is_lambda())
        .map(|spec| package::rule_artifact(&binaries, spec).map(|a| (spec, a)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(GenError::Precondition)?;
    let (base, admin_region, caller) = args.common.connect().await?;
    keep_last_selection(&mut args, &base, &admin_region).await?;
    let options = &args.options;
    options.check().map_err(GenError::Input)?;
    let rule_artifacts: Vec<_> = rule_artifacts
        .into_iter()
        .filter(|(spec, _)| options.selects(spec))
        .collect();
    let organization_packs = options.mode == crate::synth::Mode::OrganizationConformancePack;
    let (organization, findings) = preflight::check(
        &base,
        &caller,
        args.call_as,
        &args.member_role,
        organization_packs,
    )
    .await;
    for warning in &findings.warnings {
        eprintln!("gen deploy: warning: {warning}");
    }
    if !findings.problems.is_empty() {
        for problem in &findings.problems {
            eprintln!("gen deploy: {problem}");
        }
        return Err(GenError::Precondition(
            "preconditions not met; nothing was changed".into(),
        ));
    }
    let organization = organization.expect("no problems means the organization was read");
    let target = plan::Target {
        base: &base,
        admin_region: &admin_region,
        caller: &caller,
        organization: &organization,
    };
    let (steps, readiness) = plan::deploy(&args, &target, &rule_artifacts)
        .await
        .map_err(GenError::Aws)?;

    crate::say!(
        "gen deploy: organization {}, OUs {}, regions {}, mode {}, admin region {admin_region}{}",
        organization.id,
        options.ous.join(","),
        options.regions.join(","),
        options.mode.as_str(),
        if args.common.dry_run {
            " (dry run)"
        } else {
            ""
        }
    );
    let excluded = args.excluded();
    crate::say!(
        "gen deploy: rules {}; excluded accounts {}",
        if options.rules.is_empty() {
            "all".to_string()
        } else {
            options.rules.join(",")
        },
        if excluded.is_empty() {
            "none".to_string()
        } else {
            excluded.join(",")
        }
    );
    for step in &steps {
        crate::say!("  {}", step.describe());
    }
    for note in &readiness.notes {
        crate::say!("gen deploy: attention: {note}");
    }
    let exit = execute::execute("deploy", &base, &args.common, steps).await?;
    if !args.common.dry_run {
        let cf = guardrails_core::client!(aws_sdk_cloudformation, &regional(&base, &admin_region));
        instances::report_instances(&cf, args.call_as)
            .await
            .map_err(GenError::Aws)?;
    }
    Ok(exit)
}

/// Without `--rules` or `--exclude-accounts`, the choice the last deploy kept in the StackSet
/// stack's parameters; `all` and `none` reset them.
async fn keep_last_selection(
    args: &mut DeployArgs,
    base: &SdkConfig,
    admin_region: &str,
) -> Result<(), GenError> {
    let cf = guardrails_core::client!(aws_sdk_cloudformation, &regional(base, admin_region));
    let kept = stack::parameters_of(&cf, STACKSET_STACK)
        .await
        .map_err(GenError::Aws)?;
    let listed = |name: &str| -> Vec<String> {
        kept.get(name)
            .map(|v| {
                v.split(',')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    if args.options.rules.is_empty() {
        args.options.rules = listed(SELECTED_RULES);
    }
    if args.options.rules.iter().any(|r| r == "all") {
        args.options.rules.clear();
    }
    if args.exclude_accounts.is_none() {
        args.exclude_accounts = Some(listed(EXCLUDED_ACCOUNTS));
    }
    Ok(())
}

pub async fn destroy(args: DestroyArgs) -> Result<Exit, GenError> {
    let (base, admin_region, caller) = args.common.connect().await?;
    let steps = plan::destroy(&base, &admin_region, &caller, &args)
        .await
        .map_err(GenError::Aws)?;
    crate::say!(
        "gen destroy: {PACK_NAME} in regions {}, admin region {admin_region}{}",
        args.regions.join(","),
        if args.common.dry_run {
            " (dry run)"
        } else {
            ""
        }
    );
    for step in &steps {
        crate::say!("  {}", step.describe());
    }
    execute::execute("destroy", &base, &args.common, steps).await
}
