//! DMS: endpoints.

use std::collections::BTreeMap;

use aws_sdk_databasemigration::types::Endpoint;
use guardrails_core::{ConfigurationItem, RuleError};

use crate::neptune::is_neptune_engine;

/// `NeptuneSettings` of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NeptuneSettingsFacts {
    pub iam_auth_enabled: Option<bool>,
    pub service_access_role_arn: Option<String>,
    pub s3_bucket_name: Option<String>,
}

/// What rules know about one DMS endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EndpointFacts {
    /// The endpoint ARN, used as the Config resource id.
    pub arn: String,
    pub identifier: String,
    pub engine: Option<String>,
    pub server_name: Option<String>,
    pub neptune: Option<NeptuneSettingsFacts>,
}

impl EndpointFacts {
    pub fn from_sdk(endpoint: &Endpoint) -> Self {
        EndpointFacts {
            arn: endpoint.endpoint_arn().unwrap_or_default().to_string(),
            identifier: endpoint
                .endpoint_identifier()
                .unwrap_or_default()
                .to_string(),
            engine: endpoint.engine_name().map(str::to_string),
            server_name: endpoint.server_name().map(str::to_string),
            neptune: endpoint.neptune_settings().map(|s| NeptuneSettingsFacts {
                iam_auth_enabled: s.iam_auth_enabled(),
                service_access_role_arn: non_empty(s.service_access_role_arn()),
                s3_bucket_name: non_empty(Some(s.s3_bucket_name())),
            }),
        }
    }

    pub fn from_item(item: &ConfigurationItem) -> Self {
        let settings = ["neptuneSettings"];
        EndpointFacts {
            arn: item.arn.clone().unwrap_or_else(|| item.resource_id.clone()),
            identifier: item
                .text(&["endpointIdentifier"])
                .or_else(|| item.resource_name.clone())
                .unwrap_or_default(),
            engine: item.text(&["engineName"]),
            server_name: item.text(&["serverName"]),
            neptune: item.field(&settings).filter(|v| v.is_object()).map(|_| {
                NeptuneSettingsFacts {
                    iam_auth_enabled: item.flag(&["neptuneSettings", "iamAuthEnabled"]),
                    service_access_role_arn: non_empty(
                        item.text(&["neptuneSettings", "serviceAccessRoleArn"])
                            .as_deref(),
                    ),
                    s3_bucket_name: non_empty(
                        item.text(&["neptuneSettings", "s3BucketName"]).as_deref(),
                    ),
                }
            }),
        }
    }

    pub fn is_neptune(&self) -> bool {
        is_neptune_engine(self.engine.as_deref())
    }
}

fn non_empty(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The DMS seam: DescribeEndpoints and ListTagsForResource.
#[derive(Clone)]
pub struct DmsEndpoints {
    client: aws_sdk_databasemigration::Client,
}

impl DmsEndpoints {
    /// DescribeEndpoints accepts at most 100 records a page.
    pub(crate) const PAGE_SIZE: i32 = 100;
    /// Endpoints whose tags one ListTagsForResource call reads.
    pub const TAG_BATCH: usize = 20;

    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        DmsEndpoints {
            client: guardrails_core::client!(aws_sdk_databasemigration, sdk),
        }
    }

    pub async fn list_all(&self) -> Result<Vec<EndpointFacts>, RuleError> {
        let pages: Vec<_> = self
            .client
            .describe_endpoints()
            .max_records(Self::PAGE_SIZE)
            .into_paginator()
            .send()
            .collect::<Result<_, _>>()
            .await
            .map_err(|e| RuleError::aws("DescribeEndpoints", &e))?;
        Ok(pages
            .iter()
            .flat_map(|page| page.endpoints())
            .map(EndpointFacts::from_sdk)
            .collect())
    }

    /// The tags of endpoints by ARN, a batch of ARNs a call (ListTagsForResource with
    /// `ResourceArnList`, whose tags each name their `ResourceArn`). An endpoint without
    /// tags has an empty map. The model states no limit on the list; batches of
    /// [`Self::TAG_BATCH`] keep a request small whatever AWS enforces.
    pub async fn tags(
        &self,
        arns: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, RuleError> {
        let mut tags: BTreeMap<String, BTreeMap<String, String>> = arns
            .iter()
            .map(|arn| (arn.clone(), BTreeMap::new()))
            .collect();
        for batch in arns.chunks(Self::TAG_BATCH) {
            let out = self
                .client
                .list_tags_for_resource()
                .set_resource_arn_list(Some(batch.to_vec()))
                .send()
                .await
                .map_err(|e| RuleError::aws("ListTagsForResource", &e))?;
            for tag in out.tag_list() {
                if let (Some(arn), Some(key)) = (tag.resource_arn(), tag.key()) {
                    tags.entry(arn.to_string())
                        .or_default()
                        .insert(key.to_string(), tag.value().unwrap_or_default().to_string());
                }
            }
        }
        Ok(tags)
    }

    /// One endpoint by ARN; `None` when it does not exist.
    pub async fn describe(&self, arn: &str) -> Result<Option<EndpointFacts>, RuleError> {
        let filter = aws_sdk_databasemigration::types::Filter::builder()
            .name("endpoint-arn")
            .values(arn)
            .build()
            .map_err(|e| RuleError::aws("DescribeEndpoints", &e))?;
        match self
            .client
            .describe_endpoints()
            .filters(filter)
            .send()
            .await
        {
            Ok(out) => Ok(out.endpoints().first().map(EndpointFacts::from_sdk)),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_fault()) =>
            {
                Ok(None)
            }
            Err(err) => Err(RuleError::aws("DescribeEndpoints", &err)),
        }
    }
}
