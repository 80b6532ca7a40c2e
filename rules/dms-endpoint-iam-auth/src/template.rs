//! The rule on a template's DMS endpoint (`AWS::DMS::Endpoint`, a plan's `aws_dms_endpoint`),
//! through the same `evaluate` as Config and `gen scan`: the target cluster is the template's
//! own when `ServerName` is its `!GetAtt X.Endpoint` (or `ReadEndpoint`; Terraform's
//! `aws_neptune_cluster.x.endpoint`), judged from the template's IAM auth setting.

use guardrails_aws::neptune::ClusterFacts;
use guardrails_aws::template_cluster::{cluster_of, NEPTUNE_CLUSTER};
use guardrails_core::evaluation::Verdict;
use guardrails_core::template::{
    as_flag, decided_at_deploy, expression_of, referenced, TemplateResource,
};
use guardrails_core::{Compliance, Params};
use serde_json::Value;

use crate::{evaluate, EndpointFacts, NeptuneSettingsFacts, TargetCluster, CHECK_TARGET_CLUSTER};

/// The template type of a DMS endpoint.
pub const DMS_ENDPOINT: &str = "AWS::DMS::Endpoint";

/// Cluster attributes whose value is a host the endpoint can name.
const HOST_ATTRIBUTES: &[&str] = &["Endpoint", "ReadEndpoint", "endpoint", "reader_endpoint"];

pub fn judge(
    resource: &TemplateResource,
    template: &[TemplateResource],
    params: &Params,
) -> Option<Verdict> {
    if resource.resource_type != DMS_ENDPOINT {
        return None;
    }
    let settings = resource.property("NeptuneSettings");
    let setting = |name: &str| settings.and_then(|s| s.get(name)).filter(|v| !v.is_null());
    if let Some((property, expression)) = resource.decided_at_deploy(&["EngineName"]) {
        return Some(decided_at_deploy(&property, &expression));
    }
    if let Some(expression) = setting("IamAuthEnabled").and_then(expression_of) {
        return Some(decided_at_deploy(
            "NeptuneSettings.IamAuthEnabled",
            expression,
        ));
    }
    // A role or bucket given by reference is there once deployed: only its presence counts.
    let present = |name: &str| {
        setting(name).and_then(|v| match v.as_str() {
            Some(text) => Some(text.to_string()).filter(|t| !t.trim().is_empty()),
            None => expression_of(v).map(str::to_string),
        })
    };
    let endpoint = EndpointFacts {
        arn: resource.id.clone(),
        identifier: text(resource.property("EndpointIdentifier"))
            .unwrap_or_else(|| resource.id.clone()),
        engine: text(resource.property("EngineName")),
        server_name: resource
            .property("ServerName")
            .and_then(|v| text(Some(v)).or_else(|| expression_of(v).map(str::to_string))),
        neptune: settings.map(|_| NeptuneSettingsFacts {
            // Left out, IamAuthEnabled is false (DMS API Reference, NeptuneSettings: "The
            // default is false").
            iam_auth_enabled: Some(setting("IamAuthEnabled").and_then(as_flag).unwrap_or(false)),
            service_access_role_arn: present("ServiceAccessRoleArn"),
            s3_bucket_name: present("S3BucketName"),
        }),
    };
    let target = if params.flag(CHECK_TARGET_CLUSTER) && endpoint.is_neptune() {
        target_in(resource.property("ServerName"), template)
    } else {
        Ok(TargetCluster::NotChecked)
    };
    let verdict = evaluate(
        &endpoint,
        target.as_ref().unwrap_or(&TargetCluster::NotChecked),
    );
    match target {
        // The endpoint fails on its own settings whatever its target turns out to be.
        Err(_) if verdict.compliance == Compliance::NonCompliant => Some(verdict),
        Err(unknown) => Some(unknown),
        Ok(_) => Some(verdict),
    }
}

/// The cluster `server_name` names in the template, or why only deploy can tell.
fn target_in(
    server_name: Option<&Value>,
    template: &[TemplateResource],
) -> Result<TargetCluster, Verdict> {
    let Some(server_name) = server_name else {
        return Ok(TargetCluster::NoServerName);
    };
    if let Some(host) = server_name.as_str() {
        return Ok(TargetCluster::OutsideTemplate {
            server_name: host.to_string(),
        });
    }
    let expression = expression_of(server_name).unwrap_or_default();
    let cluster = referenced(server_name)
        .filter(|(_, attribute)| HOST_ATTRIBUTES.contains(attribute))
        .and_then(|(id, _)| {
            template
                .iter()
                .find(|r| r.id == id && r.resource_type == NEPTUNE_CLUSTER)
        });
    let Some(cluster) = cluster else {
        return Err(decided_at_deploy("ServerName", expression));
    };
    match cluster_of(cluster, &["IamAuthEnabled"]).expect("a Neptune cluster") {
        Ok(declared) => Ok(TargetCluster::Found(ClusterFacts::from_sdk(&declared))),
        Err(_) => {
            let expression = cluster
                .property("IamAuthEnabled")
                .and_then(expression_of)
                .unwrap_or_default();
            Err(decided_at_deploy(
                &format!("IamAuthEnabled of target cluster {}", cluster.id),
                expression,
            ))
        }
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    value?.as_str().map(str::to_string)
}
