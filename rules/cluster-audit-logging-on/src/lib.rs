//! Rule `neptune-cluster-audit-logging-on`: a Neptune cluster really writes audit logs — its
//! cluster parameter group sets `neptune_enable_audit_log` to 1, it exports `audit` to
//! CloudWatch Logs, and no instance waits for the reboot that applies the parameter. Security
//! Hub's Neptune.2 checks the export alone.

mod runbook;

use std::collections::BTreeMap;

use guardrails_aws::neptune::types::DbCluster;
use guardrails_aws::neptune::{is_neptune_engine, NeptuneClusters};
use guardrails_aws::posture::{scan_clusters, ClusterParameters, ClusterTags, Clusters};
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::exemption;
use guardrails_core::frameworks::{Framework, Mapping};
use guardrails_core::item::{as_text, get};
use guardrails_core::registry::{Remediation, ResourceType, RuleSpec, Severity, Trigger};
use guardrails_core::verdicts::{not_neptune, verdict};
use guardrails_core::{ConfigurationItem, Params, Rule};

/// The cluster parameter that turns Neptune's audit log on ("Amazon Neptune parameters").
pub const AUDIT_PARAMETER: &str = "neptune_enable_audit_log";
/// What a member reports while its cluster parameter group's static changes wait for a reboot.
const PENDING_REBOOT: &str = "pending-reboot";

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-audit-logging-on",
    title: "Neptune DB clusters really write audit logs: parameter, export and no pending reboot",
    resource_types: &[ResourceType::RdsDbCluster],
    triggers: &[
        Trigger::ConfigurationChange,
        Trigger::Periodic("TwentyFour_Hours"),
    ],
    parameters: &[exemption::PARAMETER],
    severity: Severity::Medium,
    delivery: guardrails_core::registry::Delivery::Lambda,
    remediation: Remediation {
        runbook: "NeptuneGuardrails-EnableClusterAuditLog",
        automatic: false,
        rationale: "the parameter is static: it takes effect when each instance reboots, an \
                    outage its owner schedules; moving a cluster off a default parameter group \
                    changes every setting that group holds",
    },
    permissions: &[
        "rds:DescribeDBClusters",
        "rds:DescribeDBClusterParameters",
        "rds:ListTagsForResource",
    ],
    frameworks: &[
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &["AU-2", "AU-3", "AU-12"],
            source: "our mapping: the audit-event requirements Security Hub lists for Neptune.2, \
                     which checks only the export this rule also requires",
        },
        Mapping {
            framework: Framework::PciDss4,
            requirements: &["10.2.1"],
            source: "our mapping: requirement 10.2.1 (audit logs are enabled and active)",
        },
        Mapping {
            framework: Framework::CisControlsV8,
            requirements: &["8.2"],
            source: "our mapping: safeguard 8.2 (Collect Audit Logs)",
        },
    ],
    docs: "NON_COMPLIANT when a Neptune cluster writes no audit log: its cluster parameter \
           group does not set neptune_enable_audit_log to 1, it does not export `audit` to \
           CloudWatch Logs, or an instance has a pending reboot for its cluster parameter group \
           (the parameter is static), naming each that is missing. Exporting alone — what \
           Neptune.2 checks — ships an empty log. Other RDS engines and deleted clusters are \
           NOT_APPLICABLE, as is a failing cluster carrying the exemption tag through its \
           `until` date.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::lambda(
    &SPEC,
    runbook::runbook,
    // The shared cluster listing, then each parameter group once, however many clusters use it.
    |scope, params| {
        Box::pin(async move {
            let clusters = Clusters::of(scope).await?;
            let mut groups: BTreeMap<String, Result<BTreeMap<String, String>, String>> =
                BTreeMap::new();
            for cluster in clusters.0.iter().filter(|c| is_neptune_engine(c.engine())) {
                let Some(group) = cluster.db_cluster_parameter_group() else {
                    continue;
                };
                if !groups.contains_key(group) {
                    let read = ClusterParameters::of(scope, group).await;
                    let values = read.map(|p| p.0.clone()).map_err(|e| e.to_string());
                    groups.insert(group.to_string(), values);
                }
            }
            let mut assessed = scan_clusters(scope, |cluster| {
                let facts = AuditFacts::from_sdk(cluster);
                let group = facts.parameter_group.as_ref().and_then(|g| groups.get(g));
                evaluate(&facts, group)
            })
            .await?;
            ClusterTags::exempt_failing(scope, params, &mut assessed).await;
            Ok(assessed)
        })
    },
);

/// What the verdict needs of one cluster, from a configuration item or the describe output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditFacts {
    pub identifier: String,
    pub engine: Option<String>,
    pub exports: Vec<String>,
    pub parameter_group: Option<String>,
    /// Each instance with its `DBClusterParameterGroupStatus`.
    pub members: Vec<(String, String)>,
}

impl AuditFacts {
    pub fn from_sdk(cluster: &DbCluster) -> Self {
        AuditFacts {
            identifier: cluster
                .db_cluster_identifier()
                .unwrap_or_default()
                .to_string(),
            engine: cluster.engine().map(str::to_string),
            exports: cluster.enabled_cloudwatch_logs_exports().to_vec(),
            parameter_group: cluster.db_cluster_parameter_group().map(str::to_string),
            members: cluster
                .db_cluster_members()
                .iter()
                .map(|m| {
                    (
                        m.db_instance_identifier().unwrap_or_default().to_string(),
                        m.db_cluster_parameter_group_status()
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect(),
        }
    }

    /// The facts a configuration item carries (Config's casing); `None` when it lacks the
    /// engine, the parameter group or the member list, which a describe call then supplies.
    pub fn from_item(item: &ConfigurationItem) -> Option<Self> {
        let members = item.field(&["dBClusterMembers"])?.as_array()?;
        let texts = |v: Option<&serde_json::Value>| -> Vec<String> {
            v.and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(as_text).collect())
                .unwrap_or_default()
        };
        Some(AuditFacts {
            identifier: item
                .text(&["dBClusterIdentifier"])
                .or_else(|| item.resource_name.clone())
                .unwrap_or_default(),
            engine: Some(item.text(&["engine"])?),
            exports: texts(item.field(&["enabledCloudwatchLogsExports"])),
            parameter_group: Some(item.text(&["dBClusterParameterGroup"])?),
            members: members
                .iter()
                .map(|m| {
                    let text = |key| get(m, key).and_then(as_text).unwrap_or_default();
                    (
                        text("dBInstanceIdentifier"),
                        text("dBClusterParameterGroupStatus"),
                    )
                })
                .collect(),
        })
    }
}

/// The verdict for one cluster, given the values of its parameter group (or why they could
/// not be read; `None` when the cluster names no group).
pub fn evaluate(
    cluster: &AuditFacts,
    group_values: Option<&Result<BTreeMap<String, String>, String>>,
) -> Verdict {
    if !is_neptune_engine(cluster.engine.as_deref()) {
        return not_neptune(cluster.engine.as_deref());
    }
    let name = &cluster.identifier;
    let Some(group) = &cluster.parameter_group else {
        return Verdict::not_evaluated(format!(
            "the cluster parameter group of cluster {name} is unknown"
        ));
    };
    let values = match group_values {
        Some(Ok(values)) => values,
        Some(Err(err)) => {
            return Verdict::not_evaluated(format!(
                "could not read parameter group {group} of cluster {name}: {err}"
            ))
        }
        None => {
            return Verdict::not_evaluated(format!(
                "parameter group {group} of cluster {name} was not read"
            ))
        }
    };
    let mut missing = Vec::new();
    match values.get(AUDIT_PARAMETER).map(|v| v.trim()) {
        Some("1") => {
            let waiting: Vec<&str> = cluster
                .members
                .iter()
                .filter(|(_, status)| status == PENDING_REBOOT)
                .map(|(instance, _)| instance.as_str())
                .collect();
            if !waiting.is_empty() {
                missing.push(format!(
                    "instance(s) {} have a pending reboot for parameter group {group}, so \
                     {AUDIT_PARAMETER}=1 is not in effect there until they reboot",
                    waiting.join(", ")
                ));
            }
        }
        Some(value) => missing.push(format!(
            "parameter group {group} sets {AUDIT_PARAMETER} to {value:?} (not 1)"
        )),
        None => missing.push(format!(
            "parameter group {group} does not set {AUDIT_PARAMETER} (Neptune's default is 0)"
        )),
    }
    if !cluster
        .exports
        .iter()
        .any(|log| log.eq_ignore_ascii_case("audit"))
    {
        missing.push("audit is not exported to CloudWatch Logs".to_string());
    }
    if missing.is_empty() {
        return verdict(
            true,
            format!(
                "audit logging is on for cluster {name}: parameter group {group} sets \
                 {AUDIT_PARAMETER} to 1, audit is exported to CloudWatch Logs and no instance \
                 waits for a reboot"
            ),
        );
    }
    verdict(
        false,
        format!(
            "cluster {name} writes no audit log: {} (runbook {}; the reboot is yours to schedule)",
            missing.join("; "),
            SPEC.remediation.runbook
        ),
    )
}

pub struct ClusterAuditLoggingOn {
    clusters: NeptuneClusters,
}

impl ClusterAuditLoggingOn {
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        ClusterAuditLoggingOn {
            clusters: NeptuneClusters::new(sdk),
        }
    }
}

impl Rule for ClusterAuditLoggingOn {
    fn entry(&self) -> &'static RuleEntry {
        &RULE
    }

    async fn evaluate_item(&self, item: &ConfigurationItem, params: &Params) -> Verdict {
        let facts = match AuditFacts::from_item(item) {
            Some(facts) => facts,
            None => match self.clusters.cluster_of_item(item).await {
                Ok(cluster) => AuditFacts::from_sdk(&cluster),
                Err(verdict) => return verdict,
            },
        };
        let values = match (&facts.parameter_group, facts.engine.as_deref()) {
            (Some(group), engine) if is_neptune_engine(engine) => {
                Some((self.clusters.cluster_parameters(group).await).map_err(|e| e.to_string()))
            }
            _ => None,
        };
        let verdict = evaluate(&facts, values.as_ref());
        exemption::apply_to_item(params, &item.tags, verdict)
    }
}

#[cfg(test)]
mod tests;
