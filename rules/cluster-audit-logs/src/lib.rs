//! Rule `neptune-cluster-audit-logs` (Security Hub Neptune.2; AWS managed rule
//! `NEPTUNE_CLUSTER_CLOUDWATCH_LOG_EXPORT_ENABLED`): Neptune DB clusters export audit logs to
//! CloudWatch Logs. Deployed as the managed rule; `gen scan` judges each cluster the way its
//! page does.

use guardrails_aws::neptune::types::DbCluster;
use guardrails_aws::posture::scan_clusters;
use guardrails_aws::template_cluster::judged;
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::frameworks::{Framework, Mapping, SECURITY_HUB_NEPTUNE};
use guardrails_core::registry::{Delivery, Remediation, ResourceType, RuleSpec, Severity, Trigger};
use guardrails_core::runbook::{aws_neptune_cluster_runbook, Runbook};
use guardrails_core::verdicts::verdict;

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-audit-logs",
    title: "Neptune DB clusters export audit logs to CloudWatch Logs",
    resource_types: &[ResourceType::RdsDbCluster],
    triggers: &[Trigger::ConfigurationChange],
    parameters: &[],
    severity: Severity::Medium,
    delivery: Delivery::managed("NEPTUNE_CLUSTER_CLOUDWATCH_LOG_EXPORT_ENABLED"),
    remediation: Remediation {
        runbook: "AWS-EnableNeptuneDbAuditLogsToCloudWatch",
        automatic: false,
        rationale: "exports only what the cluster logs: the neptune_enable_audit_log parameter \
                    of its cluster parameter group must be on too, and turning that on needs a \
                    reboot an owner schedules",
    },
    permissions: &["rds:DescribeDBClusters"],
    frameworks: &[
        Mapping {
            framework: Framework::AwsFsbp,
            requirements: &["Neptune.2"],
            source: SECURITY_HUB_NEPTUNE,
        },
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &[
                "AC-2(4)", "AC-4(26)", "AC-6(9)", "AU-10", "AU-12", "AU-2", "AU-3", "AU-6(1)",
                "AU-6(3)", "AU-6(4)", "AU-6(5)", "AU-7(1)", "AU-9(7)", "CA-7", "SC-7(9)", "SI-20",
                "SI-3(8)", "SI-4(20)", "SI-4(5)", "SI-7(8)",
            ],
            source: "Neptune.2's related requirements, Security Hub's Neptune controls page",
        },
        Mapping {
            framework: Framework::PciDss4,
            requirements: &["10.3.3"],
            source: "Neptune.2's related requirements, Security Hub's Neptune controls page",
        },
    ],
    docs: "NON_COMPLIANT when a Neptune cluster's EnabledCloudwatchLogsExports lacks `audit`: \
           without it the queries and connections the cluster audits stay on the instances, \
           out of reach of CloudWatch alarms, retention and incident response. Other RDS \
           engines and deleted clusters are NOT_APPLICABLE.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::managed(&SPEC, runbook, |scope, _| {
    Box::pin(scan_clusters(scope, evaluate))
})
.judging_templates(|resource, _, _| {
    // A known `audit` decides, whatever else the list gains at deploy.
    let exports = resource
        .property("EnableCloudwatchLogsExports")
        .and_then(|v| v.as_array());
    let audit_known = exports.is_some_and(|logs| logs.iter().any(|log| log == "audit"));
    let reads: &[&str] = if audit_known {
        &[]
    } else {
        &["EnableCloudwatchLogsExports"]
    };
    judged(resource, reads, evaluate)
});

fn runbook() -> Runbook {
    aws_neptune_cluster_runbook(
        &SPEC,
        "https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/AWS-EnableNeptuneDbAuditLogsToCloudWatch.html",
        &[],
    )
}

/// The verdict for one Neptune cluster.
pub fn evaluate(cluster: &DbCluster) -> Verdict {
    let name = cluster.db_cluster_identifier().unwrap_or_default();
    let exports = cluster.enabled_cloudwatch_logs_exports();
    if exports.iter().any(|log| log.eq_ignore_ascii_case("audit")) {
        return verdict(
            true,
            format!("cluster {name} exports audit logs to CloudWatch Logs"),
        );
    }
    let what = if exports.is_empty() {
        "no logs".to_string()
    } else {
        exports.join(", ")
    };
    verdict(
        false,
        format!(
            "cluster {name} exports {what} to CloudWatch Logs, not audit (runbook {})",
            SPEC.remediation.runbook
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_core::Compliance;

    #[test]
    fn only_the_audit_log_counts() {
        let cluster = |logs: &[&str]| {
            DbCluster::builder()
                .db_cluster_identifier("graph")
                .engine("neptune")
                .set_enabled_cloudwatch_logs_exports(Some(
                    logs.iter().map(|l| l.to_string()).collect(),
                ))
                .build()
        };
        assert_eq!(
            evaluate(&cluster(&["slowquery", "audit"])).compliance,
            Compliance::Compliant
        );
        let slow = evaluate(&cluster(&["slowquery"]));
        assert_eq!(slow.compliance, Compliance::NonCompliant);
        assert!(slow
            .annotation
            .contains("exports slowquery to CloudWatch Logs, not audit"));
        let none = evaluate(&DbCluster::builder().db_cluster_identifier("graph").build());
        assert!(
            none.annotation.contains("exports no logs"),
            "{}",
            none.annotation
        );
    }
}
