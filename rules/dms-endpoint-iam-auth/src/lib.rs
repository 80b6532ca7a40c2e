//! Rule `neptune-dms-endpoint-iam-auth`: every DMS endpoint with engine `neptune` uses IAM
//! authorization (`NeptuneSettings.IamAuthEnabled`), a service access role and an S3
//! staging bucket — and, beyond the peers, the Neptune cluster it targets has IAM DB auth
//! on, without which the endpoint setting cannot work.

mod runbook;
mod template;

use guardrails_aws::neptune::{normalise_host, ClusterFacts, NeptuneClusters};
use guardrails_core::entry::RuleEntry;
use guardrails_core::evaluation::Verdict;
use guardrails_core::exemption;
use guardrails_core::frameworks::{Framework, Mapping, SECURITY_HUB_DMS};
use guardrails_core::registry::{
    ParamKind, ParamSpec, Remediation, ResourceType, RuleSpec, Severity, Trigger,
};
use guardrails_core::rule::described;
use guardrails_core::{Assessed, Compliance, ConfigurationItem, Params, Rule, RuleError};

pub use guardrails_aws::dms::{DmsEndpoints, EndpointFacts, NeptuneSettingsFacts};

const CHECK_TARGET_CLUSTER: &str = "checkTargetCluster";

pub const SPEC: RuleSpec = RuleSpec {
    id: "neptune-dms-endpoint-iam-auth",
    title: "DMS endpoints targeting Neptune use IAM authorization end to end",
    resource_types: &[ResourceType::DmsEndpoint],
    triggers: &[
        Trigger::ConfigurationChange,
        Trigger::Periodic("TwentyFour_Hours"),
    ],
    parameters: &[
        ParamSpec {
            name: CHECK_TARGET_CLUSTER,
            kind: ParamKind::Bool,
            default: "true",
            description: "Resolve the endpoint's ServerName to a Neptune cluster in the same \
                          account and region and require IAM database authentication on that \
                          cluster.",
        },
        exemption::PARAMETER,
    ],
    severity: Severity::Medium,
    delivery: guardrails_core::registry::Delivery::Lambda,
    remediation: Remediation {
        runbook: "NeptuneGuardrails-EnableDmsEndpointIamAuth",
        automatic: true,
        rationale: "cannot break a working endpoint: a cluster with IAM auth on already rejects the unsigned \
                    requests DMS sends without it, and signing is the only change",
    },
    permissions: &[
        "dms:DescribeEndpoints",
        "dms:ListTagsForResource",
        "rds:DescribeDBClusters",
    ],
    frameworks: &[
        Mapping {
            framework: Framework::AwsFsbp,
            requirements: &["DMS.10"],
            source: SECURITY_HUB_DMS,
        },
        Mapping {
            framework: Framework::Nist80053R5,
            requirements: &["AC-2", "AC-3", "AC-6", "AC-17", "IA-2", "IA-5"],
            source: "DMS.10's related requirements, Security Hub's DMS controls page",
        },
        Mapping {
            framework: Framework::PciDss4,
            requirements: &["7.3.1"],
            source: "DMS.10's related requirements, Security Hub's DMS controls page",
        },
        Mapping {
            framework: Framework::CisControlsV8,
            requirements: &["6.7"],
            source: "our mapping: safeguard 6.7 (Centralize Access Control) — the migration \
                     writes to the graph as an IAM role",
        },
    ],
    docs: "NON_COMPLIANT when a DMS endpoint with engine neptune has no NeptuneSettings, \
           IamAuthEnabled false or absent, no ServiceAccessRoleArn or no S3BucketName, or when \
           the Neptune cluster its ServerName resolves to has IAM database authentication off. \
           A target cluster that cannot be found is named in the annotation, not guessed. \
           Endpoints of other engines are NOT_APPLICABLE, as is a failing endpoint carrying \
           the exemption tag (exemptionTag), through its `until` date; an exempt endpoint is \
           not remediated.",
    reference: include_str!("../README.md"),
};

/// The rule's entry in `gen`'s catalog: its declaration, runbook and scan.
pub const RULE: RuleEntry = RuleEntry::lambda(&SPEC, runbook::runbook, |scope, params| {
    Box::pin(async move {
        DmsEndpointIamAuth::new(&scope.sdk)
            .evaluate_all(params)
            .await
    })
})
.judging_templates(template::judge);

/// The outcome of resolving the endpoint's target cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetCluster {
    /// Disabled by the `checkTargetCluster` parameter.
    NotChecked,
    NoServerName,
    Found(ClusterFacts),
    NotFound {
        server_name: String,
    },
    LookupFailed(String),
    /// A template's endpoint whose ServerName is no cluster of the same template: the
    /// Lambda checks that cluster once both are deployed.
    OutsideTemplate {
        server_name: String,
    },
}

/// Find the cluster whose writer or reader endpoint is the DMS endpoint's ServerName.
/// Only an exact host match counts: a near match is not guessed at.
pub fn resolve_target(endpoint: &EndpointFacts, clusters: &[ClusterFacts]) -> TargetCluster {
    let Some(server) = endpoint
        .server_name
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    else {
        return TargetCluster::NoServerName;
    };
    clusters
        .iter()
        .find(|c| c.serves(server))
        .map(|c| TargetCluster::Found(c.clone()))
        .unwrap_or_else(|| TargetCluster::NotFound {
            server_name: normalise_host(server),
        })
}

/// The verdict for one endpoint, given what was learned about its target cluster.
pub fn evaluate(endpoint: &EndpointFacts, target: &TargetCluster) -> Verdict {
    let Some(engine) = endpoint.engine.as_deref() else {
        return Verdict::new(
            Compliance::NotApplicable,
            format!(
                "engine of DMS endpoint {} could not be determined",
                endpoint.identifier
            ),
        );
    };
    if !endpoint.is_neptune() {
        return Verdict::new(
            Compliance::NotApplicable,
            format!("engine {engine} is not neptune"),
        );
    }

    let mut failures = Vec::new();
    match &endpoint.neptune {
        None => failures.push("NeptuneSettings missing".to_string()),
        Some(settings) => {
            match settings.iam_auth_enabled {
                Some(true) => {}
                Some(false) => failures.push("NeptuneSettings.IamAuthEnabled is false".into()),
                None => failures.push("NeptuneSettings.IamAuthEnabled is absent".into()),
            }
            if settings.service_access_role_arn.is_none() {
                failures.push("NeptuneSettings.ServiceAccessRoleArn missing".into());
            }
            if settings.s3_bucket_name.is_none() {
                failures.push("NeptuneSettings.S3BucketName missing".into());
            }
        }
    }

    let target_note = match target {
        TargetCluster::NotChecked => None,
        TargetCluster::NoServerName => Some("no ServerName: target cluster IAM auth unverified".to_string()),
        TargetCluster::Found(cluster) if !cluster.is_neptune() => {
            failures.push(format!(
                "ServerName is RDS cluster {} with engine {}, not Neptune",
                cluster.identifier,
                cluster.engine.as_deref().unwrap_or("unknown")
            ));
            None
        }
        TargetCluster::Found(cluster) => match cluster.iam_auth {
            Some(true) => Some(format!("target cluster {} has IAM DB auth on", cluster.identifier)),
            Some(false) => {
                failures.push(format!(
                    "target cluster {} has IAMDatabaseAuthenticationEnabled=false",
                    cluster.identifier
                ));
                None
            }
            None => {
                failures.push(format!(
                    "target cluster {} has IAMDatabaseAuthenticationEnabled absent",
                    cluster.identifier
                ));
                None
            }
        },
        TargetCluster::NotFound { server_name } => Some(format!(
            "no Neptune cluster in this account/region has endpoint {server_name}: target cluster IAM auth unverified"
        )),
        TargetCluster::LookupFailed(err) => Some(format!("target cluster IAM auth unverified: {err}")),
        TargetCluster::OutsideTemplate { server_name } => Some(format!(
            "target {server_name} is not a cluster of this template: its IAM auth is checked once deployed"
        )),
    };

    // A cluster listing that failed leaves an endpoint whose own settings pass undecided: a
    // COMPLIANT "unverified" would replace a NON_COMPLIANT verdict the target cluster earned.
    if let (true, TargetCluster::LookupFailed(err)) = (failures.is_empty(), target) {
        return Verdict::not_evaluated(format!(
            "IamAuthEnabled with service access role and S3 staging bucket; target cluster IAM auth unknown: {err}"
        ));
    }
    let (compliance, mut annotation) = if failures.is_empty() {
        (
            Compliance::Compliant,
            "IamAuthEnabled with service access role and S3 staging bucket".to_string(),
        )
    } else {
        (Compliance::NonCompliant, failures.join("; "))
    };
    if let Some(note) = target_note {
        annotation = format!("{annotation}; {note}");
    }
    Verdict::new(compliance, annotation)
}

pub struct DmsEndpointIamAuth {
    endpoints: DmsEndpoints,
    clusters: NeptuneClusters,
}

impl DmsEndpointIamAuth {
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        DmsEndpointIamAuth {
            endpoints: DmsEndpoints::new(sdk),
            clusters: NeptuneClusters::new(sdk),
        }
    }

    /// Resolve targets for the Neptune endpoints with one cluster listing for all of them.
    async fn targets(&self, endpoints: &[EndpointFacts], params: &Params) -> Vec<TargetCluster> {
        let wanted =
            params.flag(CHECK_TARGET_CLUSTER) && endpoints.iter().any(EndpointFacts::is_neptune);
        let clusters = if wanted {
            Some(self.clusters.list_all().await)
        } else {
            None
        };
        endpoints
            .iter()
            .map(|endpoint| match &clusters {
                _ if !endpoint.is_neptune() => TargetCluster::NotChecked,
                None => TargetCluster::NotChecked,
                Some(Ok(clusters)) => resolve_target(endpoint, clusters),
                Some(Err(err)) => TargetCluster::LookupFailed(err.to_string()),
            })
            .collect()
    }

    /// Every resource in scope, judged: the rule's scan, which `gen scan` and the Lambda's
    /// scheduled run both are. Tags are read for the failing endpoints only, a batch a call.
    pub async fn evaluate_all(&self, params: &Params) -> Result<Vec<Assessed>, RuleError> {
        let endpoints = self.endpoints.list_all().await?;
        let targets = self.targets(&endpoints, params).await;
        let mut assessed = Self::judged(&endpoints, &targets);
        let failing = exemption::failing_arns(params, &assessed);
        if !failing.is_empty() {
            let tags = self
                .endpoints
                .tags(&failing)
                .await
                .map_err(|e| e.to_string());
            let tags = &tags;
            exemption::apply_to_failing(params, &mut assessed, |arn| async move {
                match tags {
                    Ok(by_arn) => Ok(by_arn.get(&arn).cloned().unwrap_or_default()),
                    Err(err) => Err(err.clone()),
                }
            })
            .await;
        }
        Ok(assessed)
    }

    /// One verdict per endpoint, with its resolved target.
    fn judged(endpoints: &[EndpointFacts], targets: &[TargetCluster]) -> Vec<Assessed> {
        endpoints
            .iter()
            .zip(targets)
            .map(|(endpoint, target)| Assessed {
                resource_type: ResourceType::DmsEndpoint,
                resource_id: endpoint.arn.clone(),
                name: endpoint.identifier.clone(),
                arn: Some(endpoint.arn.clone()),
                verdict: evaluate(endpoint, target),
            })
            .collect()
    }
}

impl Rule for DmsEndpointIamAuth {
    fn entry(&self) -> &'static RuleEntry {
        &RULE
    }

    async fn evaluate_item(&self, item: &ConfigurationItem, params: &Params) -> Verdict {
        let mut endpoint = EndpointFacts::from_item(item);
        if endpoint.engine.is_none() {
            let what = format!("DMS endpoint {}", endpoint.arn);
            match described(&what, self.endpoints.describe(&endpoint.arn).await) {
                Ok(described) => endpoint = described,
                Err(verdict) => return verdict,
            }
        }
        let target = self.targets(std::slice::from_ref(&endpoint), params).await;
        exemption::apply_to_item(params, &item.tags, evaluate(&endpoint, &target[0]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOST: &str = "graph.cluster-x.us-east-1.neptune.amazonaws.com";

    fn endpoint(engine: &str, settings: Option<NeptuneSettingsFacts>) -> EndpointFacts {
        EndpointFacts {
            arn: "arn:aws:dms:us-east-1:123456789012:endpoint:E1".into(),
            identifier: "to-graph".into(),
            engine: Some(engine.into()),
            server_name: Some(HOST.into()),
            neptune: settings,
        }
    }

    fn settings(iam: Option<bool>, role: bool, bucket: bool) -> Option<NeptuneSettingsFacts> {
        Some(NeptuneSettingsFacts {
            iam_auth_enabled: iam,
            service_access_role_arn: role
                .then(|| "arn:aws:iam::123456789012:role/dms-neptune".into()),
            s3_bucket_name: bucket.then(|| "staging".into()),
        })
    }

    fn cluster(engine: &str, iam: Option<bool>) -> ClusterFacts {
        ClusterFacts {
            resource_id: "cluster-ABC".into(),
            identifier: "graph".into(),
            arn: None,
            engine: Some(engine.into()),
            iam_auth: iam,
            endpoints: vec![HOST.into()],
        }
    }

    #[test]
    fn verdicts_follow_the_design() {
        use Compliance::*;
        let good = settings(Some(true), true, true);
        let on = TargetCluster::Found(cluster("neptune", Some(true)));
        let cases: Vec<(EndpointFacts, TargetCluster, Compliance, &str)> = vec![
            (endpoint("neptune", good.clone()), on.clone(),
             Compliant, "IamAuthEnabled with service access role and S3 staging bucket; target cluster graph has IAM DB auth on"),
            (endpoint("Neptune", good.clone()), TargetCluster::NotChecked,
             Compliant, "IamAuthEnabled with service access role and S3 staging bucket"),
            (endpoint("mysql", None), TargetCluster::NotChecked, NotApplicable, "engine mysql is not neptune"),
            (EndpointFacts { engine: None, ..endpoint("x", None) }, TargetCluster::NotChecked,
             NotApplicable, "engine of DMS endpoint to-graph could not be determined"),
            (endpoint("neptune", None), on.clone(), NonCompliant, "NeptuneSettings missing; target cluster graph has IAM DB auth on"),
            (endpoint("neptune", settings(Some(false), true, true)), on.clone(), NonCompliant, "NeptuneSettings.IamAuthEnabled is false; target"),
            (endpoint("neptune", settings(None, true, true)), on.clone(), NonCompliant, "NeptuneSettings.IamAuthEnabled is absent; target"),
            (endpoint("neptune", settings(Some(true), false, true)), on.clone(), NonCompliant, "NeptuneSettings.ServiceAccessRoleArn missing; target"),
            (endpoint("neptune", settings(Some(true), true, false)), on.clone(), NonCompliant, "NeptuneSettings.S3BucketName missing; target"),
            (endpoint("neptune", settings(Some(false), false, false)), on.clone(), NonCompliant,
             "NeptuneSettings.IamAuthEnabled is false; NeptuneSettings.ServiceAccessRoleArn missing; NeptuneSettings.S3BucketName missing"),
            (endpoint("neptune", good.clone()), TargetCluster::Found(cluster("neptune", Some(false))),
             NonCompliant, "target cluster graph has IAMDatabaseAuthenticationEnabled=false"),
            (endpoint("neptune", good.clone()), TargetCluster::Found(cluster("neptune", None)),
             NonCompliant, "target cluster graph has IAMDatabaseAuthenticationEnabled absent"),
            (endpoint("neptune", good.clone()), TargetCluster::Found(cluster("aurora-mysql", Some(true))),
             NonCompliant, "ServerName is RDS cluster graph with engine aurora-mysql, not Neptune"),
            (endpoint("neptune", good.clone()), TargetCluster::NotFound { server_name: "gone.example".into() },
             Compliant, "IamAuthEnabled with service access role and S3 staging bucket; no Neptune cluster in this account/region has endpoint gone.example: target cluster IAM auth unverified"),
            (endpoint("neptune", good.clone()), TargetCluster::LookupFailed("DescribeDBClusters failed: AccessDenied".into()),
             NotApplicable, "IamAuthEnabled with service access role and S3 staging bucket; target cluster IAM auth unknown: DescribeDBClusters failed: AccessDenied"),
            (endpoint("neptune", settings(Some(false), true, true)), TargetCluster::LookupFailed("DescribeDBClusters failed: AccessDenied".into()),
             NonCompliant, "NeptuneSettings.IamAuthEnabled is false; target cluster IAM auth unverified: DescribeDBClusters failed: AccessDenied"),
            (endpoint("neptune", good), TargetCluster::NoServerName,
             Compliant, "IamAuthEnabled with service access role and S3 staging bucket; no ServerName: target cluster IAM auth unverified"),
        ];
        for (endpoint, target, compliance, annotation) in cases {
            let v = evaluate(&endpoint, &target);
            assert_eq!(v.compliance, compliance, "{endpoint:?} {target:?}");
            assert!(
                v.annotation.starts_with(annotation),
                "{annotation}\n  got {}",
                v.annotation
            );
        }
    }

    #[test]
    fn targets_resolve_only_on_an_exact_endpoint_match() {
        let clusters = [cluster("neptune", Some(true))];
        let mut e = endpoint("neptune", None);
        assert_eq!(
            resolve_target(&e, &clusters),
            TargetCluster::Found(clusters[0].clone())
        );
        e.server_name = Some(format!("{}.", HOST.to_uppercase()));
        assert_eq!(
            resolve_target(&e, &clusters),
            TargetCluster::Found(clusters[0].clone())
        );
        e.server_name = Some("graph.cluster-y.us-east-1.neptune.amazonaws.com".into());
        assert_eq!(
            resolve_target(&e, &clusters),
            TargetCluster::NotFound {
                server_name: "graph.cluster-y.us-east-1.neptune.amazonaws.com".into()
            }
        );
        e.server_name = Some("  ".into());
        assert_eq!(resolve_target(&e, &clusters), TargetCluster::NoServerName);
    }

    #[test]
    fn facts_come_from_config_items_with_config_casing() {
        let item = ConfigurationItem::from_json(&json!({
            "resourceType": "AWS::DMS::Endpoint",
            "resourceId": "arn:aws:dms:us-east-1:123456789012:endpoint:E1",
            "ARN": "arn:aws:dms:us-east-1:123456789012:endpoint:E1",
            "configuration": {
                "EndpointIdentifier": "to-graph",
                "engineName": "neptune",
                "ServerName": HOST,
                "NeptuneSettings": {"IamAuthEnabled": "true", "ServiceAccessRoleArn": " ", "S3BucketName": "staging"}
            }
        }))
        .unwrap();
        let facts = EndpointFacts::from_item(&item);
        assert_eq!(facts.identifier, "to-graph");
        assert_eq!(
            facts.neptune,
            Some(NeptuneSettingsFacts {
                iam_auth_enabled: Some(true),
                service_access_role_arn: None,
                s3_bucket_name: Some("staging".into()),
            })
        );
        let mut no_settings = item.clone();
        no_settings.configuration["NeptuneSettings"] = serde_json::Value::Null;
        assert_eq!(EndpointFacts::from_item(&no_settings).neptune, None);
    }
}
