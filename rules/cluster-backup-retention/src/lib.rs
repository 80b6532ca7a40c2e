//! Rule `neptune-cluster-backup-retention` (Security Hub Neptune.5; AWS managed rule
//! `NEPTUNE_CLUSTER_BACKUP_RETENTION_CHECK`): Neptune DB clusters keep automated backups for at
//! least `minimumBackupRetentionPeriod` days. Deployed as the managed rule; `gen scan` judges
//! each cluster the way its page does.

use guardrails_aws::neptune::types::DbCluster;
use guardrails_aws::posture::scan_clusters;
use guardrails_aws::template_cluster::judged;
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::frameworks::{Framework, Mapping, SECURITY_HUB_NEPTUNE};
use guardrails_core::registry::{
    Delivery, ParamKind, ParamSpec, Remediation, ResourceType, RuleSpec, Severity, Trigger,
};
use guardrails_core::runbook::{aws_neptune_cluster_runbook, Bound, Runbook};
use guardrails_core::verdicts::verdict;
use guardrails_core::Params;

const MINIMUM: &str = "minimumBackupRetentionPeriod";

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-backup-retention",
    title: "Neptune DB clusters keep automated backups long enough",
    resource_types: &[ResourceType::RdsDbCluster],
    triggers: &[Trigger::ConfigurationChange],
    parameters: &[ParamSpec {
        name: MINIMUM,
        kind: ParamKind::Int { min: 1, max: 35 },
        default: "7",
        description: "fewest days automated backups must be kept, 1 to 35 (the managed rule's \
                      parameter of the same name and default); the runbook sets it, at least 7",
    }],
    severity: Severity::Medium,
    delivery: Delivery::managed("NEPTUNE_CLUSTER_BACKUP_RETENTION_CHECK"),
    remediation: Remediation {
        runbook: "AWS-EnableNeptuneDbBackupRetentionPeriod",
        automatic: false,
        rationale: "a longer retention only keeps backups longer (storage cost), no client of \
                    the graph notices it; manual by default all the same: the cluster is \
                    usually owned by CloudFormation or Terraform, which would undo the change \
                    at its next update (fix it in the template), and AWS Config cannot tell \
                    owned clusters from others",
    },
    permissions: &["rds:DescribeDBClusters"],
    frameworks: &[
        Mapping {
            framework: Framework::AwsFsbp,
            requirements: &["Neptune.5"],
            source: SECURITY_HUB_NEPTUNE,
        },
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &["SI-12"],
            source: "Neptune.5's related requirements, Security Hub's Neptune controls page",
        },
    ],
    docs: "NON_COMPLIANT when a Neptune cluster's BackupRetentionPeriod is below \
           minimumBackupRetentionPeriod (default 7 days) or absent: a deletion, corruption or \
           ransomware found later than that cannot be rolled back. Other RDS engines and \
           deleted clusters are NOT_APPLICABLE.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::managed(&SPEC, runbook, |scope, params| {
    Box::pin(scan_clusters(scope, |c| evaluate(c, params)))
})
.judging_templates(|resource, _, params| {
    judged(resource, &["BackupRetentionPeriod"], |c| {
        evaluate(c, params)
    })
});

/// The AWS runbook sets `BackupRetentionPeriod` to the rule's minimum (the runbook takes 7 to
/// 35, so the templates pass at least 7).
fn runbook() -> Runbook {
    aws_neptune_cluster_runbook(
        &SPEC,
        "https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/AWS-EnableNeptuneDbBackupRetentionPeriod.html",
        &[Bound {
            runbook_parameter: "BackupRetentionPeriod",
            rule_parameter: MINIMUM,
            at_least: Some(7),
        }],
    )
}

/// The verdict for one Neptune cluster.
pub fn evaluate(cluster: &DbCluster, params: &Params) -> Verdict {
    let name = cluster.db_cluster_identifier().unwrap_or_default();
    let minimum = params.number(MINIMUM).unwrap_or(7);
    match cluster.backup_retention_period() {
        Some(days) if i64::from(days) >= minimum => verdict(
            true,
            format!("cluster {name} keeps backups {days} days (at least {minimum})"),
        ),
        Some(days) => verdict(
            false,
            format!(
                "cluster {name} keeps backups {days} days, fewer than {minimum} (runbook {})",
                SPEC.remediation.runbook
            ),
        ),
        None => verdict(
            false,
            format!("cluster {name} has no BackupRetentionPeriod (treated as 0 days)"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_core::Compliance::*;

    #[test]
    fn retention_is_compared_with_the_minimum() {
        let cluster = |days: Option<i32>| {
            DbCluster::builder()
                .db_cluster_identifier("graph")
                .engine("neptune")
                .set_backup_retention_period(days)
                .build()
        };
        let defaults = Params::defaults(&SPEC);
        let strict =
            Params::parse(&SPEC, Some("{\"minimumBackupRetentionPeriod\": \"14\"}")).unwrap();
        for (days, params, expected) in [
            (Some(7), &defaults, Compliant),
            (Some(6), &defaults, NonCompliant),
            (Some(1), &defaults, NonCompliant),
            (Some(10), &strict, NonCompliant),
            (Some(35), &strict, Compliant),
            (None, &defaults, NonCompliant),
        ] {
            let v = evaluate(&cluster(days), params);
            assert_eq!(v.compliance, expected, "{days:?}: {}", v.annotation);
        }
    }
}
