//! AWS Security Finding Format (SchemaVersion 2018-10-08) of `gen scan` results: one typed
//! finding that prints as the `--format asff` JSON and converts to the SDK shape
//! `--security-hub` imports, so both always carry the same fields.

use std::collections::BTreeMap;

use aws_sdk_securityhub::types as hub;
use guardrails_core::frameworks;
use guardrails_core::registry::{ResourceType, RuleSpec};
use guardrails_core::Compliance;
use serde_json::{json, Value};

use crate::report;
use crate::row::Row;
use crate::session::partition;

const SCHEMA_VERSION: &str = "2018-10-08";
const FINDING_TYPE: &str =
    "Software and Configuration Checks/AWS Security Best Practices/Neptune Guardrails";

/// The ASFF resource type of an AWS Config resource type (each has a details type).
fn asff_type(resource_type: ResourceType) -> &'static str {
    match resource_type {
        ResourceType::RdsDbCluster => "AwsRdsDbCluster",
        ResourceType::RdsDbClusterSnapshot => "AwsRdsDbClusterSnapshot",
        ResourceType::IamPolicy => "AwsIamPolicy",
        ResourceType::IamRole => "AwsIamRole",
        ResourceType::IamUser => "AwsIamUser",
        ResourceType::IamGroup => "AwsIamGroup",
        ResourceType::DmsEndpoint => "AwsDmsEndpoint",
    }
}

/// One finding about one resource under one rule in one account.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub id: String,
    product_arn: String,
    generator_id: &'static str,
    pub account: String,
    pub region: String,
    partition: &'static str,
    time: String,
    severity: &'static str,
    title: String,
    description: String,
    remediation_text: String,
    remediation_url: String,
    product_fields: BTreeMap<&'static str, String>,
    resource: ResourceType,
    resource_id: String,
    resource_name: String,
    /// `Resources[].Id`: the ARN, so our findings correlate with Security Hub's own controls'
    /// (Neptune.7, DMS.10) on the same resource; the Config id when no ARN is known.
    resource_key: String,
    /// The rule's framework requirements (`Compliance.RelatedRequirements`).
    related_requirements: Vec<String>,
    pub status: Status,
}

/// What a finding says of its resource, and so its compliance, record state and severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// NON_COMPLIANT: an active FAILED finding.
    Failed,
    /// COMPLIANT: the archived PASSED update of an earlier FAILED finding.
    Passed,
    /// No longer applicable (exempted, another engine): the archived update of an earlier
    /// finding.
    NotAvailable,
}

/// Cut to a character limit of the format.
fn cut(text: &str, limit: usize) -> String {
    text.chars().take(limit).collect()
}

/// Findings of scan rows (`--format asff`): a NON_COMPLIANT result is an active FAILED
/// finding, a COMPLIANT one the archived PASSED update that resolves an earlier finding of the
/// same id; NOT_APPLICABLE gives none. (`--security-hub` sends the PASSED ones only where a
/// finding is active, see `security_hub::plan`.) `now` is the RFC 3339 time of the scan.
pub fn findings(specs: &[&RuleSpec], rows: &[Row], now: &str) -> Vec<Finding> {
    rows.iter()
        .filter_map(|row| {
            let status = match row.compliance {
                Compliance::NonCompliant => Status::Failed,
                Compliance::Compliant => Status::Passed,
                Compliance::NotApplicable => return None,
            };
            finding(specs, row, now, status)
        })
        .collect()
}

/// The finding id of a row: stable per account, region (`global` for IAM), rule and
/// resource, so a re-scan updates instead of duplicating.
pub fn finding_id(spec: &RuleSpec, row: &Row) -> String {
    let place = if spec.is_global() {
        "global"
    } else {
        row.region.as_str()
    };
    format!(
        "neptune-guardrails/{}/{place}/{}/{}",
        row.account, row.rule, row.resource_id
    )
}

/// The product ARN of an account's own findings in a region (the account's default product).
pub fn product_arn(account: &str, region: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{account}:product/{account}/default",
        partition(region)
    )
}

/// The finding of one row with the given status.
pub fn finding(specs: &[&RuleSpec], row: &Row, now: &str, status: Status) -> Option<Finding> {
    let spec = specs.iter().find(|s| s.id == row.rule)?;
    let failed = status == Status::Failed;
    let partition = partition(&row.region);
    Some(Finding {
        id: finding_id(spec, row),
        product_arn: product_arn(&row.account, &row.region),
        generator_id: spec.id,
        account: row.account.clone(),
        region: row.region.clone(),
        partition,
        time: now.to_string(),
        severity: if failed {
            row.severity.label()
        } else {
            "INFORMATIONAL"
        },
        title: cut(spec.title, 256),
        description: cut(&row.annotation, 1024),
        remediation_text: cut(&report::remediation_advice(spec), 512),
        remediation_url: report::runbook_url(spec, &row.region),
        product_fields: BTreeMap::from([
            ("neptune-guardrails/RuleId", row.rule.to_string()),
            (
                "neptune-guardrails/Runbook",
                spec.remediation.runbook.to_string(),
            ),
            (
                "neptune-guardrails/ConfigResourceType",
                row.resource_type.to_string(),
            ),
            (
                "neptune-guardrails/ConfigResourceId",
                row.resource_id.clone(),
            ),
            ("neptune-guardrails/ResourceName", row.resource_name.clone()),
        ])
        .into_iter()
        .chain(row.waiver.iter().flat_map(|waiver| {
            [
                ("neptune-guardrails/WaiverReason", waiver.reason.clone()),
                (
                    "neptune-guardrails/WaiverApprovedBy",
                    waiver.approved_by.clone(),
                ),
                ("neptune-guardrails/WaiverExpires", waiver.expires.clone()),
            ]
        }))
        .collect(),
        resource: row.resource_type,
        resource_id: row.resource_id.clone(),
        resource_name: row.resource_name.clone(),
        resource_key: row
            .resource_arn
            .clone()
            .unwrap_or_else(|| row.resource_id.clone()),
        related_requirements: frameworks::labels(spec.frameworks),
        status,
    })
}

impl Finding {
    fn compliance(&self) -> &'static str {
        match self.status {
            Status::Failed => "FAILED",
            Status::Passed => "PASSED",
            Status::NotAvailable => "NOT_AVAILABLE",
        }
    }

    /// NEW for a FAILED finding; none otherwise: Security Hub ignores `Workflow` when a
    /// provider updates a finding (BatchImportFindings), and resets it to NEW itself when a
    /// finding fails again or is unarchived.
    fn workflow(&self) -> Option<&'static str> {
        (self.status == Status::Failed).then_some("NEW")
    }

    fn record_state(&self) -> &'static str {
        match self.status {
            Status::Failed => "ACTIVE",
            Status::Passed | Status::NotAvailable => "ARCHIVED",
        }
    }

    /// The `--format asff` JSON object.
    pub fn to_json(&self) -> Value {
        let (id, name) = (&self.resource_id, &self.resource_name);
        let details = match self.resource {
            ResourceType::RdsDbCluster => {
                json!({"AwsRdsDbCluster": {"DbClusterResourceId": id, "DbClusterIdentifier": name}})
            }
            // AWS Config's id of a cluster snapshot is its identifier.
            ResourceType::RdsDbClusterSnapshot => {
                json!({"AwsRdsDbClusterSnapshot": {"DbClusterSnapshotIdentifier": name}})
            }
            ResourceType::IamPolicy => {
                json!({"AwsIamPolicy": {"PolicyId": id, "PolicyName": name}})
            }
            ResourceType::IamRole => json!({"AwsIamRole": {"RoleId": id, "RoleName": name}}),
            ResourceType::IamUser => json!({"AwsIamUser": {"UserId": id, "UserName": name}}),
            ResourceType::IamGroup => json!({"AwsIamGroup": {"GroupId": id, "GroupName": name}}),
            // AWS Config's id of a DMS endpoint is its ARN.
            ResourceType::DmsEndpoint => {
                json!({"AwsDmsEndpoint": {"EndpointArn": id, "EndpointIdentifier": name}})
            }
        };
        let mut finding = json!({
            "SchemaVersion": SCHEMA_VERSION,
            "Id": self.id,
            "ProductArn": self.product_arn,
            "GeneratorId": self.generator_id,
            "AwsAccountId": self.account,
            "Types": [FINDING_TYPE],
            "CreatedAt": self.time,
            "UpdatedAt": self.time,
            "Severity": {"Label": self.severity},
            "Title": self.title,
            "Description": self.description,
            "Remediation": {"Recommendation": {"Text": self.remediation_text, "Url": self.remediation_url}},
            "ProductFields": self.product_fields,
            "Resources": [{
                "Type": asff_type(self.resource),
                "Id": self.resource_key,
                "Partition": self.partition,
                "Region": self.region,
                "Details": details,
            }],
            "Compliance": {"Status": self.compliance(), "RelatedRequirements": self.related_requirements},
            "RecordState": self.record_state(),
            // How a provider sets (and later changes) Severity and Types.
            "FindingProviderFields": {
                "Severity": {"Label": self.severity, "Original": self.severity},
                "Types": [FINDING_TYPE],
            },
        });
        if let Some(status) = self.workflow() {
            finding["Workflow"] = json!({"Status": status});
        }
        finding
    }

    /// The same finding as BatchImportFindings takes it.
    pub fn to_sdk(&self) -> hub::AwsSecurityFinding {
        let (id, name) = (self.resource_id.clone(), self.resource_name.clone());
        let details = match self.resource {
            ResourceType::RdsDbCluster => hub::ResourceDetails::builder().aws_rds_db_cluster(
                hub::AwsRdsDbClusterDetails::builder()
                    .db_cluster_resource_id(id.clone())
                    .db_cluster_identifier(name)
                    .build(),
            ),
            ResourceType::RdsDbClusterSnapshot => hub::ResourceDetails::builder()
                .aws_rds_db_cluster_snapshot(
                    hub::AwsRdsDbClusterSnapshotDetails::builder()
                        .db_cluster_snapshot_identifier(name)
                        .build(),
                ),
            ResourceType::IamPolicy => hub::ResourceDetails::builder().aws_iam_policy(
                hub::AwsIamPolicyDetails::builder()
                    .policy_id(id.clone())
                    .policy_name(name)
                    .build(),
            ),
            ResourceType::IamRole => hub::ResourceDetails::builder().aws_iam_role(
                hub::AwsIamRoleDetails::builder()
                    .role_id(id.clone())
                    .role_name(name)
                    .build(),
            ),
            ResourceType::IamUser => hub::ResourceDetails::builder().aws_iam_user(
                hub::AwsIamUserDetails::builder()
                    .user_id(id.clone())
                    .user_name(name)
                    .build(),
            ),
            ResourceType::IamGroup => hub::ResourceDetails::builder().aws_iam_group(
                hub::AwsIamGroupDetails::builder()
                    .group_id(id.clone())
                    .group_name(name)
                    .build(),
            ),
            ResourceType::DmsEndpoint => hub::ResourceDetails::builder().aws_dms_endpoint(
                hub::AwsDmsEndpointDetails::builder()
                    .endpoint_arn(id.clone())
                    .endpoint_identifier(name)
                    .build(),
            ),
        };
        let mut finding = hub::AwsSecurityFinding::builder()
            .schema_version(SCHEMA_VERSION)
            .id(&self.id)
            .product_arn(&self.product_arn)
            .generator_id(self.generator_id)
            .aws_account_id(&self.account)
            .types(FINDING_TYPE)
            .created_at(&self.time)
            .updated_at(&self.time)
            .severity(
                hub::Severity::builder()
                    .label(hub::SeverityLabel::from(self.severity))
                    .build(),
            )
            .title(&self.title)
            .description(&self.description)
            .remediation(
                hub::Remediation::builder()
                    .recommendation(
                        hub::Recommendation::builder()
                            .text(&self.remediation_text)
                            .url(&self.remediation_url)
                            .build(),
                    )
                    .build(),
            )
            .resources(
                hub::Resource::builder()
                    .r#type(asff_type(self.resource))
                    .id(&self.resource_key)
                    .partition(hub::Partition::from(self.partition))
                    .region(&self.region)
                    .details(details.build())
                    .build(),
            )
            .compliance(
                hub::Compliance::builder()
                    .status(hub::ComplianceStatus::from(self.compliance()))
                    .set_related_requirements(Some(self.related_requirements.clone()))
                    .build(),
            )
            .finding_provider_fields(
                hub::FindingProviderFields::builder()
                    .severity(
                        hub::FindingProviderSeverity::builder()
                            .label(hub::SeverityLabel::from(self.severity))
                            .original(self.severity)
                            .build(),
                    )
                    .types(FINDING_TYPE)
                    .build(),
            )
            .set_workflow(self.workflow().map(|status| {
                hub::Workflow::builder()
                    .status(hub::WorkflowStatus::from(status))
                    .build()
            }))
            .record_state(hub::RecordState::from(self.record_state()));
        for (key, value) in &self.product_fields {
            finding = finding.product_fields(*key, value);
        }
        finding.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::row::test_row as row;

    fn sample() -> Vec<Row> {
        let cluster = &neptune_cluster_iam_auth::SPEC;
        let fgac = &neptune_fgac_policy_hygiene::SPEC;
        let dms = &neptune_dms_endpoint_iam_auth::SPEC;
        let mut policy = row(fgac.id, "ANPAEXAMPLE", Compliance::NonCompliant, "FGAC001");
        policy.resource_type = ResourceType::IamPolicy;
        policy.resource_name = "graph-readers".into();
        policy.resource_arn = Some("arn:aws:iam::123456789012:policy/graph-readers".into());
        let mut endpoint = row(
            dms.id,
            "arn:aws:dms:eu-west-1:123456789012:endpoint:E",
            Compliance::NonCompliant,
            "IAM auth off",
        );
        endpoint.resource_type = ResourceType::DmsEndpoint;
        endpoint.resource_name = "E".into();
        endpoint.resource_arn = Some(endpoint.resource_id.clone());
        vec![
            row(cluster.id, "cluster-A", Compliance::NonCompliant, "IAM off"),
            row(cluster.id, "cluster-B", Compliance::Compliant, "on"),
            row(
                cluster.id,
                "cluster-C",
                Compliance::NotApplicable,
                "not neptune",
            ),
            policy,
            endpoint,
        ]
    }

    fn specs() -> Vec<&'static RuleSpec> {
        crate::catalog::SPECS.to_vec()
    }

    #[test]
    fn findings_have_the_required_fields_and_stable_ids() {
        let rows = sample();
        let findings: Vec<Value> = findings(&specs(), &rows, "2026-11-24T10:00:00Z")
            .iter()
            .map(Finding::to_json)
            .collect();
        assert_eq!(findings.len(), 4, "NOT_APPLICABLE gives no finding");
        let required = [
            "SchemaVersion",
            "Id",
            "ProductArn",
            "GeneratorId",
            "AwsAccountId",
            "Types",
            "CreatedAt",
            "UpdatedAt",
            "Severity",
            "Title",
            "Description",
            "Resources",
        ];
        for finding in &findings {
            for field in required {
                assert!(!finding[field].is_null(), "{field} missing in {finding}");
            }
            assert!(finding["Types"].as_array().unwrap().iter().all(|t| t
                .as_str()
                .unwrap()
                .split('/')
                .count()
                == 3));
            assert_eq!(finding["Resources"][0]["Partition"], "aws");
        }
        let (failed, passed, iam, other) = (&findings[0], &findings[1], &findings[2], &findings[3]);
        assert_eq!(failed["Compliance"]["Status"], "FAILED");
        assert_eq!(failed["Severity"]["Label"], "MEDIUM");
        assert_eq!(failed["RecordState"], "ACTIVE");
        assert_eq!(failed["Resources"][0]["Type"], "AwsRdsDbCluster");
        assert_eq!(
            failed["Resources"][0]["Details"]["AwsRdsDbCluster"]["DbClusterResourceId"],
            "cluster-A"
        );
        assert_eq!(
            failed["Resources"][0]["Details"]["AwsRdsDbCluster"]["DbClusterIdentifier"],
            "name-of-cluster-A"
        );
        assert_eq!(
            failed["Resources"][0]["Id"],
            "arn:aws:rds:eu-west-1:123456789012:cluster:name-of-cluster-A",
            "the ARN, as Security Hub's own Neptune.7 findings name it"
        );
        assert_eq!(
            failed["ProductArn"],
            "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
        );
        assert_eq!(failed["Workflow"]["Status"], "NEW");
        assert_eq!(
            failed["Compliance"]["RelatedRequirements"],
            json!([
                "AWS FSBP Neptune.7",
                "NIST.800-53.r5 AC-2(1)",
                "NIST.800-53.r5 AC-3",
                "NIST.800-53.r5 AC-3(15)",
                "NIST.800-53.r5 AC-3(7)",
                "NIST.800-53.r5 AC-6",
                "CIS Controls v8/6.7"
            ])
        );
        // Security Hub ignores Workflow on updates: a PASSED update resolves by archiving.
        assert!(passed.get("Workflow").is_none(), "{passed}");
        assert_eq!(passed["Compliance"]["Status"], "PASSED");
        assert_eq!(passed["RecordState"], "ARCHIVED");
        // Severity and Types also as a provider changes them on updates.
        assert_eq!(
            failed["FindingProviderFields"]["Severity"]["Label"],
            "MEDIUM"
        );
        assert_eq!(
            passed["FindingProviderFields"]["Severity"]["Label"],
            "INFORMATIONAL"
        );
        assert_eq!(failed["FindingProviderFields"]["Types"], failed["Types"]);
        assert_eq!(iam["Resources"][0]["Type"], "AwsIamPolicy");
        assert_eq!(
            iam["Resources"][0]["Id"],
            "arn:aws:iam::123456789012:policy/graph-readers"
        );
        assert_eq!(
            iam["Resources"][0]["Details"]["AwsIamPolicy"],
            json!({"PolicyId": "ANPAEXAMPLE", "PolicyName": "graph-readers"})
        );
        assert!(
            iam["Id"].as_str().unwrap().contains("/global/"),
            "IAM findings are region-free"
        );
        assert_eq!(other["Resources"][0]["Type"], "AwsDmsEndpoint");
        assert_eq!(
            other["Resources"][0]["Details"]["AwsDmsEndpoint"]["EndpointArn"],
            "arn:aws:dms:eu-west-1:123456789012:endpoint:E"
        );
        assert_eq!(
            other["Resources"][0]["Id"],
            other["Resources"][0]["Details"]["AwsDmsEndpoint"]["EndpointArn"],
            "the ARN, as Security Hub's own DMS findings name it"
        );
        // A later scan updates the same findings.
        let later = super::findings(&specs(), &rows, "2026-11-25T10:00:00Z");
        let ids: Vec<Value> = later.iter().map(|f| json!(f.id)).collect();
        let earlier: Vec<Value> = findings.iter().map(|f| f["Id"].clone()).collect();
        assert_eq!(ids, earlier);
    }

    #[test]
    fn json_and_sdk_shapes_carry_the_same_values() {
        for finding in findings(&specs(), &sample(), "2026-11-24T10:00:00Z") {
            let json = finding.to_json();
            let sdk = finding.to_sdk();
            assert_eq!(sdk.id(), json["Id"].as_str());
            assert_eq!(sdk.schema_version(), json["SchemaVersion"].as_str());
            assert_eq!(sdk.product_arn(), json["ProductArn"].as_str());
            assert_eq!(sdk.generator_id(), json["GeneratorId"].as_str());
            assert_eq!(sdk.aws_account_id(), json["AwsAccountId"].as_str());
            assert_eq!(sdk.types(), [json["Types"][0].as_str().unwrap()]);
            assert_eq!(sdk.created_at(), json["CreatedAt"].as_str());
            assert_eq!(sdk.updated_at(), json["UpdatedAt"].as_str());
            assert_eq!(sdk.title(), json["Title"].as_str());
            assert_eq!(sdk.description(), json["Description"].as_str());
            assert_eq!(
                sdk.severity().and_then(|s| s.label()).map(|l| l.as_str()),
                json["Severity"]["Label"].as_str()
            );
            assert_eq!(
                sdk.compliance()
                    .and_then(|c| c.status())
                    .map(|s| s.as_str()),
                json["Compliance"]["Status"].as_str()
            );
            assert_eq!(
                sdk.workflow().and_then(|w| w.status()).map(|s| s.as_str()),
                json["Workflow"]["Status"].as_str()
            );
            let provider = sdk.finding_provider_fields().unwrap();
            assert_eq!(
                provider
                    .severity()
                    .and_then(|s| s.label())
                    .map(|l| l.as_str()),
                json["FindingProviderFields"]["Severity"]["Label"].as_str()
            );
            assert_eq!(provider.types(), sdk.types());
            assert_eq!(
                json!(sdk.compliance().unwrap().related_requirements()),
                json["Compliance"]["RelatedRequirements"]
            );
            assert_eq!(
                sdk.record_state().map(|s| s.as_str()),
                json["RecordState"].as_str()
            );
            let recommendation = sdk.remediation().and_then(|r| r.recommendation()).unwrap();
            assert_eq!(
                recommendation.text(),
                json["Remediation"]["Recommendation"]["Text"].as_str()
            );
            assert_eq!(
                recommendation.url(),
                json["Remediation"]["Recommendation"]["Url"].as_str()
            );
            let fields = sdk.product_fields().unwrap();
            for (key, value) in json["ProductFields"].as_object().unwrap() {
                assert_eq!(fields.get(key).map(String::as_str), value.as_str());
            }
            let resource = &sdk.resources()[0];
            let expected = &json["Resources"][0];
            assert_eq!(resource.r#type(), expected["Type"].as_str());
            assert_eq!(resource.id(), expected["Id"].as_str());
            assert_eq!(resource.region(), expected["Region"].as_str());
            assert_eq!(
                resource.partition().map(|p| p.as_str()),
                expected["Partition"].as_str()
            );
            let details = resource.details().unwrap();
            let named = details
                .aws_rds_db_cluster()
                .and_then(|d| d.db_cluster_resource_id())
                .or_else(|| details.aws_iam_policy().and_then(|d| d.policy_id()))
                .or_else(|| details.aws_iam_role().and_then(|d| d.role_id()))
                .or_else(|| details.aws_iam_user().and_then(|d| d.user_id()))
                .or_else(|| details.aws_iam_group().and_then(|d| d.group_id()))
                .or_else(|| details.aws_dms_endpoint().and_then(|d| d.endpoint_arn()))
                .or_else(|| {
                    details
                        .other()
                        .and_then(|o| o.get("ConfigResourceId"))
                        .map(String::as_str)
                });
            assert_eq!(
                named,
                sdk.product_fields()
                    .unwrap()
                    .get("neptune-guardrails/ConfigResourceId")
                    .map(String::as_str)
            );
            // Every enum value is one the SDK knows, not an `Unknown` variant.
            let workflow = sdk.workflow().and_then(|w| w.status());
            for text in [
                sdk.severity().unwrap().label().unwrap().as_str(),
                sdk.compliance().unwrap().status().unwrap().as_str(),
                workflow.map_or("NEW", |w| w.as_str()),
                sdk.record_state().unwrap().as_str(),
                resource.partition().unwrap().as_str(),
            ] {
                assert!(
                    hub::SeverityLabel::values().contains(&text)
                        || hub::ComplianceStatus::values().contains(&text)
                        || hub::WorkflowStatus::values().contains(&text)
                        || hub::RecordState::values().contains(&text)
                        || hub::Partition::values().contains(&text),
                    "{text}"
                );
            }
        }
    }
}
