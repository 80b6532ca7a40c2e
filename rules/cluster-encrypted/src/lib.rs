//! Rule `neptune-cluster-encrypted` (Security Hub Neptune.1; AWS managed rule
//! `NEPTUNE_CLUSTER_ENCRYPTED`): Neptune DB clusters are encrypted at rest, optionally with one
//! of the KMS keys named. Deployed as the managed rule; `gen scan` judges each cluster the way
//! its page does.

mod runbook;

use guardrails_aws::neptune::types::DbCluster;
use guardrails_aws::posture::scan_clusters;
use guardrails_aws::template_cluster::cluster_of;
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::frameworks::{Framework, Mapping, SECURITY_HUB_NEPTUNE};
use guardrails_core::registry::{
    Delivery, ParamKind, ParamSpec, Remediation, ResourceType, RuleSpec, Severity, Trigger,
};
use guardrails_core::template::decided_at_deploy;
use guardrails_core::verdicts::verdict;
use guardrails_core::Params;

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-cluster-encrypted",
    title: "Neptune DB clusters are encrypted at rest",
    resource_types: &[ResourceType::RdsDbCluster],
    triggers: &[Trigger::ConfigurationChange],
    parameters: &[ParamSpec {
        name: "KmsKeyArns",
        kind: ParamKind::Text,
        default: "",
        description: "comma-separated KMS key ARNs; when given, an encrypted cluster must use one \
                      of them (the managed rule's parameter of the same name)",
    }],
    severity: Severity::Medium,
    delivery: Delivery::managed("NEPTUNE_CLUSTER_ENCRYPTED"),
    remediation: Remediation {
        runbook: "NeptuneGuardrails-RestoreEncryptedCluster",
        automatic: false,
        rationale: "encryption cannot be turned on in place: the runbook restores an encrypted \
                    copy under a new name, and clients move to it when its owner says so",
    },
    permissions: &["rds:DescribeDBClusters"],
    frameworks: &[
        Mapping {
            framework: Framework::AwsFsbp,
            requirements: &["Neptune.1"],
            source: SECURITY_HUB_NEPTUNE,
        },
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &[
                "CA-9(1)", "CM-3(6)", "SC-13", "SC-28", "SC-28(1)", "SC-7(10)", "SI-7(6)",
            ],
            source: "Neptune.1's related requirements, Security Hub's Neptune controls page",
        },
    ],
    docs: "NON_COMPLIANT when a Neptune cluster's StorageEncrypted is false or absent, or, with \
           KmsKeyArns given, when its KmsKeyId is none of them: an unencrypted cluster volume, \
           its backups and snapshots are readable by whoever gets hold of the storage. Other \
           RDS engines and deleted clusters are NOT_APPLICABLE.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::managed(&SPEC, runbook::runbook, |scope, params| {
    Box::pin(scan_clusters(scope, |c| evaluate(c, params)))
})
.judging_templates(|resource, _, params| {
    let keys_named = !params.list("KmsKeyArns").is_empty();
    let reads: &[&str] = if keys_named {
        &["StorageEncrypted", "KmsKeyId"]
    } else {
        &["StorageEncrypted"]
    };
    let cluster = match cluster_of(resource, reads)? {
        Ok(cluster) => cluster,
        Err(unknown) => return Some(unknown),
    };
    // Left out, KmsKeyId is the account's default key (Neptune API Reference, CreateDBCluster,
    // KmsKeyId: "If the StorageEncrypted parameter is true …, then Amazon Neptune will use
    // your default encryption key"), whose ARN exists only in the account.
    if keys_named && cluster.storage_encrypted() == Some(true) && cluster.kms_key_id().is_none() {
        return Some(decided_at_deploy(
            "KmsKeyId",
            "left out: the account's default key alias/aws/rds",
        ));
    }
    Some(evaluate(&cluster, params))
});

/// The verdict for one Neptune cluster.
pub fn evaluate(cluster: &DbCluster, params: &Params) -> Verdict {
    let name = cluster.db_cluster_identifier().unwrap_or_default();
    if cluster.storage_encrypted() != Some(true) {
        return verdict(
            false,
            format!(
                "cluster {name} is not encrypted at rest (StorageEncrypted {}; runbook {})",
                match cluster.storage_encrypted() {
                    Some(_) => "false",
                    None => "absent",
                },
                SPEC.remediation.runbook
            ),
        );
    }
    let key = cluster
        .kms_key_id()
        .unwrap_or("the default key alias/aws/rds");
    let allowed = params.list("KmsKeyArns");
    if allowed.is_empty() || allowed.contains(&key) {
        return verdict(
            true,
            format!("cluster {name} is encrypted at rest with {key}"),
        );
    }
    verdict(
        false,
        format!("cluster {name} is encrypted with {key}, which is not one of KmsKeyArns"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardrails_core::Compliance::*;

    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/a";

    #[test]
    fn encryption_and_the_key_decide() {
        let cluster = |encrypted: Option<bool>| {
            DbCluster::builder()
                .db_cluster_identifier("graph")
                .engine("neptune")
                .set_storage_encrypted(encrypted)
                .kms_key_id(KEY)
                .build()
        };
        let params = |keys: &str| {
            Params::parse(&SPEC, Some(&format!("{{\"KmsKeyArns\": \"{keys}\"}}"))).unwrap()
        };
        let cases = [
            (Some(true), "", Compliant),
            (Some(true), "arn:aws:kms:us-east-1:123456789012:key/b, arn:aws:kms:us-east-1:123456789012:key/a", Compliant),
            (Some(true), "arn:aws:kms:us-east-1:123456789012:key/b", NonCompliant),
            (Some(false), "", NonCompliant),
            (None, "", NonCompliant),
        ];
        for (encrypted, keys, expected) in cases {
            let v = evaluate(&cluster(encrypted), &params(keys));
            assert_eq!(
                v.compliance, expected,
                "{encrypted:?} {keys}: {}",
                v.annotation
            );
        }
    }
}
