//! `gen scan`: the rules' scheduled evaluation run locally over one or many accounts and
//! regions, reported in one of the [`Format`]s, optionally imported into Security Hub. Exit status 0 when nothing is NON_COMPLIANT, 1 when something is, 2 when something
//! could not be evaluated or imported.

use std::io::IsTerminal;

use futures_util::StreamExt;
use guardrails_core::entry::{RuleEntry, ScanScope};
use guardrails_core::frameworks::Framework;
use guardrails_core::registry::RuleSpec;
use guardrails_core::{Compliance, Params};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::baseline::Baseline;
use crate::exit::{write_stdout, Exit, GenError};
use crate::report::{self, asff, Format};
use crate::row::Row;
use crate::security_hub::workflow;
use crate::session::{self, Target, TargetArgs};
use crate::waivers::Waivers;
use crate::{catalog, security_hub, AwsTarget};

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    aws: AwsTarget,
    #[command(flatten)]
    targets: TargetArgs,
    /// Rule ids to run (comma-separated); all by default.
    #[arg(long, value_delimiter = ',')]
    rules: Vec<String>,
    /// Output format; only this decides the shape of stdout (piping changes nothing but
    /// colour). The summary line goes to stderr for the machine formats.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also bring Security Hub of each scanned account and region up to date: FAILED findings
    /// for non-compliant resources, our active findings resolved or archived where the scan
    /// shows them fixed or gone (GetFindings, then BatchImportFindings).
    #[arg(long)]
    security_hub: bool,
    /// Also summarise the results per requirement of a compliance framework (aws-fsbp,
    /// nist-800-53-r5, pci-dss-v4, cis-controls-v8): pass / fail / not applicable counts,
    /// after the table, or on stderr for the machine formats.
    #[arg(long, value_parser = parse_framework)]
    framework: Option<Framework>,
    /// Most rule evaluations (account × region × rule) running at once; each makes one AWS
    /// call at a time, so this bounds the calls in flight.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    max_concurrency: u16,
    /// An earlier `gen scan --format json` output (`-`: standard input): rows gain `new`,
    /// stderr gives the new, fixed and still failing counts, and the exit status is 1 only
    /// when a NON_COMPLIANT row is new (matched by rule, account, region and resource id).
    #[arg(long, value_name = "PREVIOUS.json")]
    baseline: Option<std::path::PathBuf>,
    /// Accepted risks (YAML or JSON, docs/scanning.md): a waived NON_COMPLIANT row keeps its
    /// verdict, carries the waiver, and does not make the exit status 1. Expired waivers and
    /// waivers that match nothing are named on stderr.
    #[arg(long, value_name = "FILE")]
    waivers: Option<std::path::PathBuf>,
}

pub async fn run(args: ScanArgs) -> Result<Exit, GenError> {
    let rules = select(&args.rules).map_err(GenError::Input)?;
    let baseline = args.baseline.as_deref().map(Baseline::read).transpose()?;
    let waivers = args.waivers.as_deref().map(Waivers::read).transpose()?;
    let specs: Vec<&'static RuleSpec> = rules.iter().map(|rule| rule.spec).collect();
    let base = guardrails_core::aws::load(args.aws.region, args.aws.endpoint_url).await;
    let (targets, unreachable) = session::resolve(&base, &args.targets)
        .await
        .map_err(GenError::Aws)?;
    let mut failed = !unreachable.is_empty();
    for account in &unreachable {
        eprintln!(
            "gen scan: account {} not scanned: {}",
            account.account, account.reason
        );
    }
    let (mut rows, errors, covered) =
        evaluate(&rules, &targets, usize::from(args.max_concurrency)).await;
    if let Some(waivers) = &waivers {
        let applied = waivers.apply(&mut rows, &crate::waivers::today());
        for line in applied.expired.iter().chain(&applied.unmatched) {
            eprintln!("gen scan: {line}");
        }
    }
    let comparison = baseline
        .as_ref()
        .map(|baseline| (baseline, baseline.mark(&mut rows, &covered)));
    for error in &errors {
        eprintln!("gen scan: {error}");
    }
    failed |= !errors.is_empty();
    for row in rows.iter().filter(|r| !r.evaluated) {
        eprintln!(
            "gen scan: not evaluated: {} {} by rule {} in account {} region {}: {}",
            row.resource_type, row.resource_id, row.rule, row.account, row.region, row.annotation
        );
        failed = true;
    }

    let scanned_at = aws_smithy_types::DateTime::from(std::time::SystemTime::now());
    let now = scanned_at
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .expect("the current time is within RFC 3339's range");
    let text = report::render(args.format, &specs, &rows, scanned_at, targets.len() > 1);
    let by_requirement = args.framework.map(|framework| {
        report::framework_summary(
            &report::framework_counts(&specs, &rows, framework),
            framework,
        )
    });
    match (&by_requirement, args.format) {
        (Some(summary), Format::Table) => write_stdout(&format!("{text}\n{summary}"))?,
        _ => write_stdout(&text)?,
    }
    if args.security_hub {
        failed |= !import(&specs, &targets, &rows, &covered, &now).await;
    }
    if args.format != Format::Table {
        eprintln!("gen scan: {}", report::summary(&rows));
        if let Some(summary) = &by_requirement {
            eprint!("{summary}");
        }
    }
    if let Some((baseline, comparison)) = &comparison {
        eprintln!("gen scan: {}", baseline.summary(comparison));
    }
    Ok(exit_status(failed, &rows))
}

/// Which rule evaluated completely in which account and region: the scope whose Security Hub
/// findings a scan may resolve or archive.
type Covered = Vec<(String, String, &'static str)>;

/// Every selected rule in every target, at most `concurrency` at once, rows in target and
/// rule order whatever order they finish in; rules on global resources (IAM) run once per
/// account. Returns the rows, one message per evaluation that failed, and what was covered.
async fn evaluate(
    rules: &[&'static RuleEntry],
    targets: &[Target],
    concurrency: usize,
) -> (Vec<Row>, Vec<String>, Covered) {
    // One scope per target: the rules of an account and region share its listings.
    let scopes: Vec<ScanScope> = targets
        .iter()
        .map(|target| ScanScope::new(target.sdk.clone()))
        .collect();
    let tasks: Vec<(&Target, &ScanScope, &'static RuleEntry)> = targets
        .iter()
        .zip(&scopes)
        .flat_map(|(target, scope)| rules.iter().map(move |&rule| (target, scope, rule)))
        .filter(|(target, _, rule)| target.home || !rule.spec.is_global())
        .collect();
    let progress = progress_bar(tasks.len() as u64);
    let outcomes: Vec<_> = futures_util::stream::iter(tasks)
        .map(|(target, scope, rule)| {
            let progress = &progress;
            async move {
                let spec = rule.spec;
                let outcome = (rule.scan)(scope, &Params::defaults(spec)).await;
                progress.set_message(format!("{} {} {}", target.account, target.region, spec.id));
                progress.inc(1);
                (target, spec, outcome)
            }
        })
        .buffered(concurrency)
        .collect()
        .await;
    progress.finish_and_clear();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut covered = Vec::new();
    for (target, spec, outcome) in outcomes {
        if outcome.is_ok() {
            covered.push((target.account.clone(), target.region.clone(), spec.id));
        }
        match outcome {
            Ok(assessed) => rows.extend(assessed.into_iter().map(|a| Row {
                rule: spec.id,
                resource_type: a.resource_type,
                resource_id: a.resource_id,
                resource_name: a.name,
                resource_arn: a.arn,
                compliance: a.verdict.compliance,
                annotation: a.verdict.annotation,
                account: target.account.clone(),
                region: target.region.clone(),
                evaluated: a.verdict.evaluated,
                severity: a.verdict.severity.unwrap_or(spec.severity),
                new: None,
                waiver: None,
            })),
            Err(err) => errors.push(format!(
                "rule {} could not evaluate in account {} region {}: {err}",
                spec.id, target.account, target.region
            )),
        }
    }
    (rows, errors, covered)
}

/// A bar on stderr when stderr is a terminal; nothing otherwise (logs and pipes stay clean).
fn progress_bar(tasks: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(tasks), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} evaluations {wide_msg}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar
}

/// Bring the Security Hub of each account and region up to date with the scan, and say how
/// it went on stderr: FAILED findings for non-compliant resources, and, within what the scan
/// covered, active findings resolved or archived (`security_hub::plan`). False when our
/// findings could not be read or a finding could not be imported.
async fn import(
    specs: &[&'static RuleSpec],
    targets: &[Target],
    rows: &[Row],
    covered: &Covered,
    now: &str,
) -> bool {
    let mut all_imported = true;
    for target in targets {
        let rules: Vec<&str> = covered
            .iter()
            .filter(|(account, region, _)| *account == target.account && *region == target.region)
            .map(|(_, _, rule)| *rule)
            .collect();
        if rules.is_empty() {
            continue;
        }
        let here = |r: &&Row| r.account == target.account && r.region == target.region;
        let rows_here: Vec<&Row> = rows.iter().filter(here).collect();
        let place = format!("Security Hub {} {}", target.account, target.region);
        let client = guardrails_core::client!(aws_sdk_securityhub, &target.sdk);
        let product = asff::product_arn(&target.account, &target.region);
        let active = match security_hub::active_findings(&client, &product, &target.account, &rules)
            .await
        {
            Ok(active) => active,
            Err(reason) => {
                eprintln!("gen scan: {place}: our findings could not be read, nothing imported there: {reason}");
                all_imported = false;
                continue;
            }
        };
        // Our suppressions that no waiver stands behind are lifted first: a SUPPRESSED finding
        // takes no update.
        let lift = workflow::unsuppress(&rows_here, specs, &active);
        let suppress = workflow::suppress(&rows_here, specs, &active);
        let mut not_updated = Vec::new();
        if let Some(change) = &lift {
            not_updated.extend(workflow::apply(&client, &product, change).await);
        }
        let plan = security_hub::plan(specs, &rows_here, active, now);
        let (failed, resolved, archived) =
            (plan.failed.len(), plan.resolved.len(), plan.archived.len());
        let imported = security_hub::import(&client, plan.into_findings()).await;
        for change in &suppress {
            not_updated.extend(workflow::apply(&client, &product, change).await);
        }
        let (suppressed, lifted) = (
            suppress.iter().map(|c| c.finding_ids.len()).sum::<usize>(),
            lift.as_ref().map_or(0, |c| c.finding_ids.len()),
        );
        if suppressed + lifted > 0 {
            eprintln!(
                "gen scan: {place}: {suppressed} waived findings suppressed, {lifted} no longer waived back to NEW, {} not updated",
                not_updated.len()
            );
        }
        for (id, reason) in &not_updated {
            eprintln!("gen scan:   not updated {id}: {reason}");
        }
        all_imported &= not_updated.is_empty();
        eprintln!(
            "gen scan: {place}: {} findings imported ({failed} failed, {resolved} resolved, {archived} archived), {} not imported",
            imported.succeeded,
            imported.failed.len()
        );
        for (id, reason) in &imported.failed {
            eprintln!("gen scan:   not imported {id}: {reason}");
        }
        all_imported &= imported.failed.is_empty();
    }
    all_imported
}

/// 2 when something failed, else 1 when a row is NON_COMPLIANT and not waived (with a
/// baseline: a new failure), else 0.
fn exit_status(failed: bool, rows: &[Row]) -> Exit {
    if failed {
        Exit::Failed
    } else if rows.iter().any(|r| {
        r.compliance == Compliance::NonCompliant && r.new != Some(false) && r.waiver.is_none()
    }) {
        Exit::NonCompliant
    } else {
        Exit::Clean
    }
}

fn parse_framework(name: &str) -> Result<Framework, String> {
    Framework::parse(name).ok_or_else(|| {
        let known: Vec<_> = Framework::ALL.iter().map(|f| f.id()).collect();
        format!("unknown framework (known: {})", known.join(", "))
    })
}

/// The rules to run, in catalog order when none are named; the rules run with their default
/// parameters, as deployed.
fn select(ids: &[String]) -> Result<Vec<&'static RuleEntry>, String> {
    if ids.is_empty() {
        return Ok(catalog::RULES.to_vec());
    }
    ids.iter()
        .map(|id| {
            let id = id.trim();
            catalog::rule(id).ok_or_else(|| {
                let known: Vec<_> = catalog::SPECS.iter().map(|s| s.id).collect();
                format!("unknown rule `{id}` (known: {})", known.join(", "))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::test_row;

    fn row(id: &str, c: Compliance) -> Row {
        test_row("neptune-cluster-iam-auth", id, c, "why")
    }

    #[test]
    fn json_rows_have_the_contract_shape() {
        let value = serde_json::to_value(row("cluster-1", Compliance::NonCompliant)).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "rule": "neptune-cluster-iam-auth",
                "resource_type": "AWS::RDS::DBCluster",
                "resource_id": "cluster-1",
                "resource_name": "name-of-cluster-1",
                "resource_arn": "arn:aws:rds:eu-west-1:123456789012:cluster:name-of-cluster-1",
                "compliance": "NON_COMPLIANT",
                "annotation": "why",
                "account": "123456789012",
                "region": "eu-west-1",
                "evaluated": true,
                "severity": "MEDIUM"
            })
        );
    }

    #[test]
    fn rule_selection_rejects_unknown_ids() {
        assert_eq!(select(&[]).unwrap().len(), catalog::SPECS.len());
        assert_eq!(
            select(&["neptune-cluster-iam-auth".into()]).unwrap()[0]
                .spec
                .id,
            "neptune-cluster-iam-auth"
        );
        let Err(err) = select(&["nope".into()]) else {
            panic!("an unknown id is refused")
        };
        assert!(err.starts_with("unknown rule `nope` (known: neptune-dms-endpoint-iam-auth, neptune-cluster-iam-auth, neptune-fgac-policy-hygiene, neptune-sts-vpc-endpoint, neptune-cluster-encrypted,"), "{err}");
    }
}
