//! Rule `neptune-cluster-multi-az` (Security Hub Neptune.9; AWS managed rule `NEPTUNE_CLUSTER_MULTI_AZ_ENABLED`):
//! Neptune DB clusters have instances in more than one availability zone.
//! Deployed as the managed rule; `gen scan` judges each cluster the way its page does.

mod runbook;

use std::collections::BTreeSet;

use guardrails_aws::neptune::types::DbCluster;
use guardrails_aws::posture::scan_clusters;
use guardrails_aws::template_cluster::{cluster_of, instances_of};
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::frameworks::{Framework, Mapping, SECURITY_HUB_NEPTUNE};
use guardrails_core::registry::{Delivery, Remediation, ResourceType, RuleSpec, Severity, Trigger};
use guardrails_core::template::{decided_at_deploy, expression_of, TemplateResource};
use guardrails_core::verdicts::required_setting;

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-multi-az",
    title: "Neptune DB clusters have instances in more than one Availability Zone",
    resource_types: &[ResourceType::RdsDbCluster],
    triggers: &[Trigger::ConfigurationChange],
    parameters: &[],
    severity: Severity::Medium,
    delivery: Delivery::managed("NEPTUNE_CLUSTER_MULTI_AZ_ENABLED"),
    remediation: Remediation {
        runbook: "NeptuneGuardrails-AddReaderInAnotherAz",
        automatic: false,
        rationale: "it creates and bills a new DB instance, whose class and Availability Zone an owner chooses",
    },
    permissions: &["rds:DescribeDBClusters"],
    frameworks: &[
        Mapping {
            framework: Framework::AwsFsbp,
            requirements: &["Neptune.9"],
            source: SECURITY_HUB_NEPTUNE,
        },
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &["CP-10", "CP-6(2)", "SC-36", "SC-5(2)", "SI-13(5)"],
            source: "Neptune.9's related requirements, Security Hub's Neptune controls page",
        },
    ],
    docs: "NON_COMPLIANT when a Neptune cluster's MultiAZ is false or absent: all its instances sit in one Availability Zone, so an outage there stops the graph until a new instance is created elsewhere. Other RDS engines and deleted clusters are NOT_APPLICABLE.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::managed(&SPEC, runbook::runbook, |scope, _| {
    Box::pin(scan_clusters(scope, evaluate))
})
.judging_templates(|resource, template, _| {
    let mut cluster = match cluster_of(resource, &[])? {
        Ok(cluster) => cluster,
        Err(unknown) => return Some(unknown),
    };
    Some(match multi_az_in(resource, template) {
        Ok(multi_az) => {
            cluster.multi_az = Some(multi_az);
            evaluate(&cluster)
        }
        Err(unknown) => unknown,
    })
});

/// Whether a cluster of a template has instances in more than one Availability Zone, from
/// its instances in the same template: an instance without an `AvailabilityZone` gets "a
/// random, system-chosen Availability Zone" (Neptune API Reference, CreateDBInstance), so
/// two instances of which one leaves it out are decided at deploy.
fn multi_az_in(cluster: &TemplateResource, template: &[TemplateResource]) -> Result<bool, Verdict> {
    let (instances, undecided) = instances_of(cluster, template);
    if let Some((instance, expression)) = undecided.first() {
        let property = format!("DBClusterIdentifier of instance {}", instance.id);
        return Err(decided_at_deploy(&property, expression));
    }
    if instances.is_empty() {
        return Err(decided_at_deploy(
            "the instance count",
            "0 in this template (instances created elsewhere count)",
        ));
    }
    let zones: BTreeSet<&str> = instances
        .iter()
        .filter_map(|i| i.property("AvailabilityZone")?.as_str())
        .collect();
    if zones.len() > 1 || instances.len() == 1 {
        return Ok(zones.len() > 1);
    }
    let chosen_by_aws = instances.iter().find(|i| {
        i.property("AvailabilityZone")
            .is_none_or(|zone| zone.as_str().is_none())
    });
    match chosen_by_aws {
        Some(instance) => {
            let expression = instance
                .property("AvailabilityZone")
                .and_then(expression_of)
                .unwrap_or("left out: a random zone AWS chooses");
            let property = format!("AvailabilityZone of instance {}", instance.id);
            Err(decided_at_deploy(&property, expression))
        }
        None => Ok(false),
    }
}

/// The verdict for one Neptune cluster.
pub fn evaluate(cluster: &DbCluster) -> Verdict {
    required_setting(
        cluster.db_cluster_identifier().unwrap_or_default(),
        "MultiAZ",
        cluster.multi_az(),
        SPEC.remediation.runbook,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_core::Compliance;

    #[test]
    fn the_setting_decides() {
        let cluster = |value| DbCluster::builder().set_multi_az(value).build();
        assert_eq!(
            evaluate(&cluster(Some(true))).compliance,
            Compliance::Compliant
        );
        let off = evaluate(&cluster(Some(false))).annotation;
        assert!(off.starts_with("MultiAZ is false"), "{off}");
        assert!(off.contains(SPEC.remediation.runbook), "{off}");
    }
}
