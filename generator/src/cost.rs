//! `gen cost`: what the pack would cost each account and region, from a `gen scan` of them.
//! The model and its assumptions are in docs/cost.md; every price and rate is a flag.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use guardrails_core::registry::{RuleSpec, Trigger};
use serde::{Deserialize, Serialize};

use crate::catalog;
use crate::exit::{Exit, GenError};
use crate::synth::{check_frequencies, chosen_frequency, parse_frequency, Frequency};

/// Hours in an average month (365 × 24 / 12), as AWS's price examples count them.
const HOURS_PER_MONTH: f64 = 730.0;

#[derive(clap::Args, Debug)]
pub struct CostArgs {
    /// A `gen scan --format json` of the accounts and regions to price ("-": stdin).
    #[arg(long, default_value = "-")]
    scan: PathBuf,
    /// Scheduled-run frequency, as for `gen deploy` ([RULE=]FREQ, repeatable).
    #[arg(long = "frequency", value_name = "[RULE=]FREQ", value_parser = parse_frequency)]
    frequencies: Vec<Frequency>,
    /// Percent of resources whose configuration changes in a month (each change is one
    /// change-triggered evaluation).
    #[arg(long, default_value_t = 5.0)]
    change_rate: f64,
    /// Percent of resources whose verdict changes in a month without a change of their own
    /// configuration (an endpoint or policy they depend on changed): found by the scheduled run.
    #[arg(long, default_value_t = 1.0)]
    drift_rate: f64,
    /// USD per rule evaluation AWS Config records (its first price tier; check your region's).
    #[arg(long, default_value_t = 0.001)]
    evaluation_price: f64,
    /// USD per configuration item AWS Config records (continuous recording; check your
    /// region's). Each change of a resource's compliance records one of type
    /// `AWS::Config::ResourceCompliance`.
    #[arg(long, default_value_t = 0.003)]
    configuration_item_price: f64,
    /// Security Hub's AWS Foundational Security Best Practices standard is on in these
    /// accounts: its controls already evaluate what the AWS managed rules of the pack
    /// evaluate (Neptune.1–9), so price the pack without those managed rules, as `gen deploy
    /// --leave-to-security-hub` deploys it.
    #[arg(long)]
    leave_to_security_hub: bool,
    /// USD per Lambda GB-second (arm64).
    #[arg(long, default_value_t = 0.000_013_333_4)]
    gb_second_price: f64,
    /// USD per Lambda request.
    #[arg(long, default_value_t = 0.000_000_2)]
    request_price: f64,
    /// Memory of the rule Lambdas (member.yaml's MemorySize).
    #[arg(long, default_value_t = 128.0)]
    memory_mb: f64,
    /// Billed milliseconds of an invocation before any resource (start, event, report).
    #[arg(long, default_value_t = 30.0)]
    invocation_ms: f64,
    /// Billed milliseconds per resource of a scheduled run (scripts/bench: 0.56 s for 1 000).
    #[arg(long, default_value_t = 0.6)]
    ms_per_resource: f64,
    /// `table` or `json`.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    format: String,
}

/// The scan row fields the model reads.
#[derive(Deserialize)]
struct ScannedResource {
    rule: String,
    account: String,
    region: String,
    /// Absent in hand-written scans: then every resource counts as applicable.
    #[serde(default)]
    compliance: Option<String>,
}

/// Resources of one rule in one account and region.
#[derive(Default)]
struct Counted {
    resources: u64,
    /// COMPLIANT or NON_COMPLIANT: what a first report sends (NOT_APPLICABLE is absence).
    applicable: u64,
}

/// One rule in one account and region, per month.
#[derive(Debug, Serialize, PartialEq)]
pub struct Estimate {
    pub rule: String,
    pub account: String,
    pub region: String,
    pub resources: u64,
    /// Resources with a COMPLIANT or NON_COMPLIANT verdict.
    pub applicable: u64,
    pub frequency: &'static str,
    /// Every scheduled run sending every verdict (before change-only reports).
    pub evaluations_sending_everything: f64,
    /// The first month: one full report, then changes.
    pub evaluations_first_month: f64,
    pub evaluations_steady_state: f64,
    /// `AWS::Config::ResourceCompliance` configuration items: one per change of a
    /// resource's compliance, whichever way the rule reports.
    pub compliance_items_first_month: f64,
    pub compliance_items_steady_state: f64,
    pub lambda_gb_seconds: f64,
    pub usd_sending_everything: f64,
    pub usd_steady_state: f64,
}

struct Model<'a> {
    args: &'a CostArgs,
}

impl Model<'_> {
    fn estimate(
        &self,
        spec: &RuleSpec,
        account: &str,
        region: &str,
        counted: &Counted,
    ) -> Estimate {
        let n = counted.resources as f64;
        let change_triggered = spec.triggers.contains(&Trigger::ConfigurationChange);
        let frequency = chosen_frequency(&self.args.frequencies, spec);
        let runs = frequency.map_or(0.0, |f| HOURS_PER_MONTH / hours(f));
        let changes = if change_triggered {
            n * self.args.change_rate / 100.0
        } else {
            0.0
        };
        // Verdict changes the scheduled run is the first to see: drift, and for a rule
        // without a change trigger every configuration change too.
        let found_by_schedule = if runs > 0.0 {
            let missed_changes = if change_triggered {
                0.0
            } else {
                self.args.change_rate
            };
            n * (self.args.drift_rate + missed_changes) / 100.0
        } else {
            0.0
        };
        let everything = changes + runs * n;
        let steady = changes + found_by_schedule;
        // A new rule judges every resource once: a change-triggered rule through Config's
        // first evaluation of each resource in scope (every verdict sent), a periodic-only one
        // in its first scheduled run (COMPLIANT and NON_COMPLIANT verdicts only).
        let applicable = counted.applicable as f64;
        let first = steady + if change_triggered { n } else { applicable };
        // Each evaluation that changes a compliance records a configuration item (at most
        // one per evaluation; sending an unchanged verdict again records none), and the
        // first results of the applicable resources record one each.
        let items_steady = steady;
        let items_first = steady + applicable;
        let milliseconds = runs * (self.args.invocation_ms + self.args.ms_per_resource * n)
            + changes * self.args.invocation_ms;
        // An AWS managed rule runs no Lambda of ours: only its evaluations are billed.
        let (gb_seconds, lambda_usd) = if spec.is_lambda() {
            let gb_seconds = milliseconds / 1000.0 * self.args.memory_mb / 1024.0;
            let requests = (runs + changes) * self.args.request_price;
            (
                gb_seconds,
                gb_seconds * self.args.gb_second_price + requests,
            )
        } else {
            (0.0, 0.0)
        };
        Estimate {
            rule: spec.id.to_string(),
            account: account.to_string(),
            region: region.to_string(),
            resources: counted.resources,
            applicable: counted.applicable,
            frequency: frequency.unwrap_or("-"),
            evaluations_sending_everything: everything,
            evaluations_first_month: first,
            evaluations_steady_state: steady,
            compliance_items_first_month: items_first,
            compliance_items_steady_state: items_steady,
            lambda_gb_seconds: gb_seconds,
            usd_sending_everything: everything * self.args.evaluation_price
                + items_steady * self.args.configuration_item_price
                + lambda_usd,
            usd_steady_state: steady * self.args.evaluation_price
                + items_steady * self.args.configuration_item_price
                + lambda_usd,
        }
    }
}

fn hours(frequency: &str) -> f64 {
    match frequency {
        "One_Hour" => 1.0,
        "Three_Hours" => 3.0,
        "Six_Hours" => 6.0,
        "Twelve_Hours" => 12.0,
        _ => 24.0,
    }
}

/// The estimates of every rule in every account and region of the scan.
pub fn estimates(args: &CostArgs, scan: &str) -> Result<Vec<Estimate>, GenError> {
    check_frequencies(&args.frequencies).map_err(GenError::Input)?;
    let rows: Vec<ScannedResource> =
        serde_json::from_str(scan).map_err(|source| GenError::NotJson {
            what: "the scan is not `gen scan --format json` output".into(),
            source,
        })?;
    let mut resources: BTreeMap<(String, String, String), Counted> = BTreeMap::new();
    for row in rows {
        let counted = resources
            .entry((row.rule, row.account, row.region))
            .or_default();
        counted.resources += 1;
        if row.compliance.as_deref() != Some("NOT_APPLICABLE") {
            counted.applicable += 1;
        }
    }
    let model = Model { args };
    let mut out = Vec::new();
    for ((rule, account, region), counted) in resources {
        let spec = catalog::SPECS
            .iter()
            .find(|s| s.id == rule)
            .ok_or_else(|| GenError::Input(format!("the scan names an unknown rule `{rule}`")))?;
        if !(args.leave_to_security_hub && spec.security_hub_runs_it()) {
            out.push(model.estimate(spec, &account, &region, &counted));
        }
    }
    Ok(out)
}

pub fn run(args: CostArgs) -> Result<Exit, GenError> {
    let mut scan = String::new();
    let read = if args.scan.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut scan).map(|_| ())
    } else {
        std::fs::read_to_string(&args.scan).map(|text| scan = text)
    };
    read.map_err(|source| GenError::Read {
        what: "the scan",
        path: args.scan.clone(),
        source,
    })?;
    let estimates = estimates(&args, &scan)?;
    let text = match args.format.as_str() {
        "json" => crate::report::pretty_json(&estimates),
        _ => table(&estimates),
    };
    crate::exit::write_stdout(&text)?;
    Ok(Exit::Clean)
}

fn table(estimates: &[Estimate]) -> String {
    let mut out = String::from(
        "| rule | account | region | resources | frequency | evaluations/month sending everything | first month | steady state | compliance items/month (first, steady) | Lambda GB-s/month | USD/month sending everything | steady state |\n|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for e in estimates {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0}, {:.0} | {:.1} | {:.2} | {:.2} |\n",
            e.rule,
            e.account,
            e.region,
            e.resources,
            e.frequency,
            e.evaluations_sending_everything,
            e.evaluations_first_month,
            e.evaluations_steady_state,
            e.compliance_items_first_month,
            e.compliance_items_steady_state,
            e.lambda_gb_seconds,
            e.usd_sending_everything,
            e.usd_steady_state
        ));
    }
    let sum = |f: fn(&Estimate) -> f64| estimates.iter().map(f).sum::<f64>();
    out.push_str(&format!(
        "| total | | | {} | | {:.0} | {:.0} | {:.0} | {:.0}, {:.0} | {:.1} | {:.2} | {:.2} |\n",
        estimates.iter().map(|e| e.resources).sum::<u64>(),
        sum(|e| e.evaluations_sending_everything),
        sum(|e| e.evaluations_first_month),
        sum(|e| e.evaluations_steady_state),
        sum(|e| e.compliance_items_first_month),
        sum(|e| e.compliance_items_steady_state),
        sum(|e| e.lambda_gb_seconds),
        sum(|e| e.usd_sending_everything),
        sum(|e| e.usd_steady_state),
    ));
    out
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use serde_json::json;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: CostArgs,
    }

    fn args(flags: &[&str]) -> CostArgs {
        Cli::parse_from(std::iter::once("gen-cost").chain(flags.iter().copied())).args
    }

    /// An account with `iam` IAM entities and `clusters` Neptune clusters, as `gen scan` rows.
    fn scan(iam: usize, clusters: usize) -> String {
        let row =
            |rule: &str| json!({"rule": rule, "account": "111122223333", "region": "us-east-1"});
        let mut rows = vec![row("neptune-fgac-policy-hygiene"); iam];
        for rule in ["neptune-cluster-iam-auth", "neptune-sts-vpc-endpoint"] {
            rows.extend(std::iter::repeat_n(row(rule), clusters));
        }
        json!(rows).to_string()
    }

    #[test]
    fn steady_state_pays_for_changes_not_for_time() {
        let estimates = estimates(&args(&[]), &scan(1000, 50)).unwrap();
        let fgac = estimates
            .iter()
            .find(|e| e.rule == "neptune-fgac-policy-hygiene")
            .unwrap();
        assert_eq!(fgac.resources, 1000);
        // 730/24 runs a month × 1 000 entities, plus 5 % of them changing.
        let runs = 730.0 / 24.0;
        assert!((fgac.evaluations_sending_everything - (runs * 1000.0 + 50.0)).abs() < 1e-6);
        // Steady state: the 50 changes and 1 % drift; the first month adds one full report.
        assert!((fgac.evaluations_steady_state - 60.0).abs() < 1e-6);
        assert!((fgac.evaluations_first_month - 1060.0).abs() < 1e-6);
        let total = |f: fn(&Estimate) -> f64| estimates.iter().map(f).sum::<f64>();
        assert!(total(|e| e.evaluations_sending_everything) > 30_000.0);
        assert!(total(|e| e.evaluations_steady_state) < 100.0);
    }

    /// Thousands separated by a space, as docs/cost.md writes them.
    fn grouped(value: f64) -> String {
        let digits = format!("{value:.0}");
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }

    #[test]
    fn the_documented_example_is_what_gen_cost_says() {
        let row = |rule: &str| json!({"rule": rule, "account": "111122223333", "region": "us-east-1", "compliance": "NON_COMPLIANT"});
        let mut rows = vec![row("neptune-fgac-policy-hygiene"); 1000];
        for spec in catalog::SPECS.iter() {
            if spec.resource_types == [guardrails_core::ResourceType::RdsDbCluster] {
                rows.extend(std::iter::repeat_n(row(spec.id), 50));
            }
        }
        assert_eq!(
            rows.len(),
            1500,
            "1 000 IAM entities and 50 clusters × 10 rules"
        );
        let estimates = estimates(&args(&[]), &json!(rows).to_string()).unwrap();
        let total = |f: fn(&Estimate) -> f64| estimates.iter().map(f).sum::<f64>();
        let doc = include_str!("../../docs/cost.md");
        for line in [
            format!(
                "| sending everything (this pack before change-only reports) | {} (",
                grouped(total(|e| e.evaluations_sending_everything))
            ),
            format!(
                "| {} | {:.2} |",
                grouped(total(|e| e.compliance_items_steady_state)),
                total(|e| e.usd_sending_everything)
            ),
            format!(
                "| first month | {} | {} | — |",
                grouped(total(|e| e.evaluations_first_month)),
                grouped(total(|e| e.compliance_items_first_month))
            ),
            format!(
                "| steady state | {} | {} | {:.2} |",
                grouped(total(|e| e.evaluations_steady_state)),
                grouped(total(|e| e.compliance_items_steady_state)),
                total(|e| e.usd_steady_state)
            ),
        ] {
            assert!(doc.contains(&line), "docs/cost.md lacks `{line}`");
        }
        // With --leave-to-security-hub only the Lambda rules of the scan remain.
        let left = super::estimates(
            &args(&["--leave-to-security-hub"]),
            &json!(rows).to_string(),
        )
        .unwrap()
        .len();
        let lambdas = catalog::SPECS
            .iter()
            .filter(|s| s.delivery == guardrails_core::registry::Delivery::Lambda)
            .filter(|s| rows.iter().any(|r| r["rule"] == s.id))
            .count();
        assert_eq!(left, lambdas, "the Lambda rules stay");
    }

    #[test]
    fn an_hourly_frequency_multiplies_only_the_full_reports() {
        let daily = estimates(&args(&[]), &scan(0, 50)).unwrap();
        let hourly = estimates(
            &args(&["--frequency", "neptune-sts-vpc-endpoint=One_Hour"]),
            &scan(0, 50),
        )
        .unwrap();
        let sts = |e: &[Estimate]| {
            e.iter()
                .find(|e| e.rule == "neptune-sts-vpc-endpoint")
                .map(|e| {
                    (
                        e.frequency,
                        e.evaluations_sending_everything,
                        e.evaluations_steady_state,
                    )
                })
                .unwrap()
        };
        let (_, daily_all, daily_steady) = sts(&daily);
        let (frequency, hourly_all, hourly_steady) = sts(&hourly);
        assert_eq!(frequency, "One_Hour");
        assert!((hourly_all - 2.5 - 24.0 * (daily_all - 2.5)).abs() < 1e-6);
        assert_eq!(hourly_steady, daily_steady);
        assert_eq!(
            hourly[0].frequency, "TwentyFour_Hours",
            "the other rule keeps its own"
        );
    }

    #[test]
    fn bad_input_is_named() {
        let err = |a: CostArgs, scan: &str| estimates(&a, scan).unwrap_err().to_string();
        assert!(err(args(&[]), "{").contains("not `gen scan --format json` output"));
        assert!(err(
            args(&[]),
            r#"[{"rule": "nope", "account": "1", "region": "r"}]"#
        )
        .contains("unknown rule `nope`"));
        assert!(
            err(args(&["--frequency", "nope=One_Hour"]), "[]").contains("no rule has the id nope")
        );
        assert!(Cli::try_parse_from(["gen-cost", "--frequency", "Hourly"]).is_err());
    }
}
