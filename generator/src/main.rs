//! `gen`: evaluate the Neptune Guardrails rules against accounts (`scan`, `lint-policy`),
//! roll the rule pack out across an AWS Organization (`synth`, `package`, `deploy`,
//! `destroy`), and describe it (`rules`, `cost`).

mod baseline;
mod catalog;
mod cost;
mod deploy;
mod exit;
mod lint;
mod packaging;
mod report;
mod row;
mod scan;
mod security_hub;
mod session;
mod status;
mod synth;
mod template;
mod waivers;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use exit::{Exit, GenError};

#[derive(Parser)]
#[command(
    name = "gen",
    version,
    about = "Neptune Guardrails: scan accounts and roll the AWS Config rule pack out org-wide"
)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Only errors in the log output on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// Log lines (warnings by default) on stderr, so that a rule's warning during a scan is seen.
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .with_env_filter(filter)
        .init();
}

/// Where AWS calls go; also read from the usual `AWS_*` environment variables.
#[derive(clap::Args, Debug, Clone)]
pub struct AwsTarget {
    /// AWS region to call.
    #[arg(long, env = "AWS_REGION")]
    region: Option<String>,
    /// Endpoint URL for every AWS service (an emulator such as moto).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    endpoint_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate the rules locally against an account, without AWS Config.
    Scan(scan::ScanArgs),
    /// Lint IAM policy files for Neptune fine-grained access control (offline).
    LintPolicy(lint::LintArgs),
    /// Judge CloudFormation templates before deploy with the rules' own verdicts (offline).
    CheckTemplate(template::CheckTemplateArgs),
    /// Write the CloudFormation that rolls the rule pack out across an organization.
    Synth(synth::SynthArgs),
    /// Build the rule Lambdas (bootstrap and zip per rule) for an architecture.
    Package(packaging::PackageArgs),
    /// Roll the rule pack out to the organization's OUs and regions from the admin account.
    Deploy(deploy::DeployArgs),
    /// Remove what `gen deploy` made (artifact buckets only with --purge).
    Destroy(deploy::DestroyArgs),
    /// Whether the rollout is healthy in every account × region of the target OUs: stack
    /// instances, AWS Config recorders, the rules' last runs and their Lambdas' errors, each
    /// problem with its fix (exit 1 when anything is unhealthy).
    Status(status::StatusArgs),
    /// Estimate what the pack costs each account and region per month, from a `gen scan`
    /// (docs/cost.md): evaluations recorded and Lambda time, before and after change-only
    /// reports.
    Cost(cost::CostArgs),
    /// Print the rule reference (Markdown, docs/rules.md) derived from the rule declarations.
    Rules {
        /// Only the rule table (the README's).
        #[arg(long, group = "shape")]
        table: bool,
        /// Only the rule ids, one a line: the list scripts and tests derive theirs from.
        #[arg(long, group = "shape")]
        ids: bool,
        /// Only the ids of the rules delivered as Lambdas of ours (the binaries to build),
        /// one a line.
        #[arg(long, group = "shape")]
        lambdas: bool,
        /// The declarations as JSON (id, resource types, parameters, runbook, permissions).
        #[arg(long, group = "shape")]
        json: bool,
    },
}

/// Stack of the thread commands run on. Security Hub's finding type nests hundreds of
/// resource shapes, and the SDK's deserializer of a GetFindings page needs more than a main
/// thread's 8 MiB in a debug build; untouched stack pages cost nothing.
const STACK_BYTES: usize = 64 << 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    std::thread::Builder::new()
        .name("gen".into())
        .stack_size(STACK_BYTES)
        .spawn(move || run(cli.command))
        .expect("the command thread starts")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn run(command: Command) -> ExitCode {
    let (name, result) = match command {
        Command::Rules {
            table,
            ids,
            lambdas,
            json,
        } => ("rules", rules(table, ids, lambdas, json)),
        Command::LintPolicy(args) => ("lint-policy", lint::run(args)),
        Command::CheckTemplate(args) => ("check-template", template::run(args)),
        Command::Synth(args) => ("synth", synth::run(args)),
        Command::Cost(args) => ("cost", cost::run(args)),
        Command::Package(args) => ("package", packaging::run(args)),
        Command::Scan(args) => ("scan", runtime().block_on(scan::run(args))),
        Command::Deploy(args) => ("deploy", runtime().block_on(deploy::deploy(args))),
        Command::Destroy(args) => ("destroy", runtime().block_on(deploy::destroy(args))),
        Command::Status(args) => ("status", runtime().block_on(status::run(args))),
    };
    exit::finish(name, result)
}

/// `gen rules`: the whole reference (docs/rules.md), the table, the ids or the JSON.
fn rules(table_only: bool, ids: bool, lambdas: bool, json: bool) -> Result<Exit, GenError> {
    let table = guardrails_core::registry::markdown_table(&catalog::SPECS);
    let list = |specs: &[&guardrails_core::RuleSpec]| -> String {
        specs.iter().map(|s| format!("{}\n", s.id)).collect()
    };
    let text = if table_only {
        table
    } else if ids {
        list(&catalog::SPECS)
    } else if lambdas {
        list(&catalog::LAMBDA_SPECS)
    } else if json {
        report::pretty_json(
            &catalog::SPECS
                .iter()
                .map(|s| spec_json(s))
                .collect::<Vec<_>>(),
        )
    } else {
        format!(
            "# Rules\n\nGenerated from the rule declarations by `gen rules` (`scripts/regen`); \
             do not edit. Ids, verdicts and output shapes that stay stable: \
             [contract.md](contract.md).\n\n{table}{}\n## Finding codes of \
             `neptune-fgac-policy-hygiene` and `gen lint-policy`\n\n{}\n## How a rule runs\n\n{}",
            guardrails_core::registry::markdown_details(&catalog::SPECS),
            guardrails_policy::analyzer::markdown_codes(),
            guardrails_core::HOW_A_RULE_RUNS
        )
    };
    exit::write_stdout(&text)?;
    Ok(Exit::Clean)
}

/// A declaration as the tests and scripts read it.
fn spec_json(spec: &guardrails_core::RuleSpec) -> serde_json::Value {
    serde_json::json!({
        "id": spec.id,
        "title": spec.title,
        "resource_types": spec.resource_types.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "global": spec.is_global(),
        "parameters": spec.parameters.iter().map(|p| serde_json::json!({"name": p.name, "default": p.default, "kind": match p.kind {
            guardrails_core::registry::ParamKind::Bool => "bool",
            guardrails_core::registry::ParamKind::Text => "text",
            guardrails_core::registry::ParamKind::Int { .. } => "int",
        }})).collect::<Vec<_>>(),
        "severity": spec.severity.label(),
        "runbook": spec.remediation.runbook,
        "automatic_remediation": spec.remediation.automatic,
        "permissions": spec.reads(),
        "security_hub_runs_it": spec.security_hub_runs_it(),
        "judges_templates": catalog::rule(spec.id).is_some_and(|rule| rule.template.is_some()),
        "delivery": match spec.delivery {
            guardrails_core::registry::Delivery::Lambda => serde_json::json!({"lambda": spec.id}),
            guardrails_core::registry::Delivery::Managed { identifier, unavailable_in } => {
                serde_json::json!({"managed_rule": identifier, "unavailable_in": unavailable_in})
            }
        },
        "trigger": spec.triggers.iter().map(|t| match t {
            guardrails_core::Trigger::ConfigurationChange => "configuration-change".to_string(),
            guardrails_core::Trigger::Periodic(f) => format!("periodic:{f}"),
        }).collect::<Vec<_>>(),
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread Tokio runtime always builds")
}
