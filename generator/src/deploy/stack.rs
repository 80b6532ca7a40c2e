//! The admin account's stacks: planned with change sets (so a deploy knows, and says, what
//! would change), applied, and waited for with a bound; a failure names the failed resources
//! and their reasons.

use std::time::{Duration, Instant};

use aws_sdk_cloudformation::types::{
    Capability, ChangeSetType, Parameter, ResourceToImport, StackStatus,
};
use aws_sdk_cloudformation::Client;
use guardrails_core::aws::error_text;
use indicatif::ProgressBar;

/// One admin stack as a deploy wants it.
#[derive(Debug, Clone)]
pub struct StackSpec {
    pub name: String,
    pub region: String,
    pub body: String,
    pub parameters: Vec<(String, String)>,
}

/// What applying a [`StackSpec`] would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// No such stack yet: create it (its resource count).
    Create(usize),
    /// The stack differs: the change set's resource changes, the parameters whose values
    /// change, and the change set's name to execute.
    Update {
        changes: Vec<String>,
        parameters: Vec<String>,
        change_set: String,
    },
    /// A previous create failed and left a stack that can only be deleted: replace it.
    Replace(usize),
    /// No such stack, but the bucket it names exists (retained by an earlier destroy): import
    /// it with an IMPORT change set (CloudFormation cannot create a bucket that exists), then
    /// add the other resources with an update. (Logical id, bucket name, resource count.)
    ImportBucket(String, String, usize),
    Unchanged,
}

impl Change {
    pub fn describe(&self) -> String {
        match self {
            Change::Create(n) => format!("create ({n} resources)"),
            Change::Replace(n) => {
                format!("replace: delete the stack its failed create left, create ({n} resources)")
            }
            Change::ImportBucket(logical_id, bucket, n) => format!(
                "create ({n} resources), importing the retained bucket {bucket} as {logical_id}"
            ),
            Change::Update {
                changes,
                parameters,
                ..
            } => {
                let mut parts = changes.clone();
                if !parameters.is_empty() {
                    parts.push(format!("parameters {}", parameters.join(", ")));
                }
                format!("update: {}", parts.join("; "))
            }
            Change::Unchanged => "unchanged".to_string(),
        }
    }
}

fn parameters(spec: &StackSpec) -> Vec<Parameter> {
    spec.parameters
        .iter()
        .map(|(k, v)| {
            Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build()
        })
        .collect()
}

fn resource_count(body: &str) -> usize {
    serde_yaml::from_str::<serde_yaml::Value>(body)
        .ok()
        .and_then(|t| {
            t.get("Resources")
                .and_then(|r| r.as_mapping())
                .map(|m| m.len())
        })
        .unwrap_or(0)
}

/// The stack's parameter values (none when there is no such stack).
pub async fn parameters_of(
    client: &Client,
    name: &str,
) -> Result<std::collections::BTreeMap<String, String>, String> {
    Ok(describe(client, name)
        .await?
        .map(|stack| {
            stack
                .parameters()
                .iter()
                .filter_map(|p| {
                    Some((
                        p.parameter_key()?.to_string(),
                        p.parameter_value()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// The stack's status, or None when there is no such stack.
pub async fn status(client: &Client, name: &str) -> Result<Option<StackStatus>, String> {
    Ok(describe(client, name)
        .await?
        .and_then(|s| s.stack_status().cloned()))
}

/// Names of the parameters whose value in `spec` differs from the stack's.
fn changed_parameters(
    stack: &aws_sdk_cloudformation::types::Stack,
    spec: &StackSpec,
) -> Vec<String> {
    spec.parameters
        .iter()
        .filter(|(key, value)| {
            !stack.parameters().iter().any(|p| {
                p.parameter_key() == Some(key.as_str()) && p.parameter_value() == Some(value)
            })
        })
        .map(|(key, _)| key.clone())
        .collect()
}

/// Whether CloudFormation's refusal of a change set only says there is nothing to change
/// (as the change set's status reason, or as the CreateChangeSet error of implementations
/// that refuse an empty change set outright).
fn says_no_changes(text: &str) -> bool {
    text.contains("didn't contain changes") || text.contains("No updates are to be performed")
}

async fn describe(
    client: &Client,
    name: &str,
) -> Result<Option<aws_sdk_cloudformation::types::Stack>, String> {
    match client.describe_stacks().stack_name(name).send().await {
        Ok(out) => Ok(out.stacks().first().cloned()),
        Err(err) if error_text(&err).contains("does not exist") => Ok(None),
        Err(err) => Err(format!(
            "DescribeStacks {name} failed: {}",
            error_text(&err)
        )),
    }
}

/// Plan `spec`: create when missing; else a change set, kept for [`apply`] when it holds
/// changes and deleted when it does not.
pub async fn plan(client: &Client, spec: &StackSpec, timeout: Duration) -> Result<Change, String> {
    let stack = describe(client, &spec.name).await?;
    let status = stack.as_ref().and_then(|s| s.stack_status().cloned());
    match status {
        None | Some(StackStatus::DeleteComplete) => {
            return Ok(Change::Create(resource_count(&spec.body)))
        }
        Some(StackStatus::RollbackComplete) => {
            return Ok(Change::Replace(resource_count(&spec.body)))
        }
        Some(s) if s.as_str().ends_with("_IN_PROGRESS") && s != StackStatus::ReviewInProgress => {
            return Err(format!(
                "stack {} in {} is busy ({}); wait for it to finish and run again",
                spec.name,
                spec.region,
                s.as_str()
            ))
        }
        Some(s) if s.as_str().ends_with("_FAILED") => {
            return Err(format!(
                "stack {} in {} is {}; fix it in the CloudFormation console (for \
                 UPDATE_ROLLBACK_FAILED: continue the rollback) and run again",
                spec.name,
                spec.region,
                s.as_str()
            ))
        }
        Some(_) => {}
    }
    let change_set = format!("gen-deploy-{}", now_millis());
    let created = client
        .create_change_set()
        .stack_name(&spec.name)
        .change_set_name(&change_set)
        .change_set_type(ChangeSetType::Update)
        .template_body(&spec.body)
        .set_parameters(Some(parameters(spec)))
        .capabilities(Capability::CapabilityNamedIam)
        .send()
        .await;
    if let Err(err) = created {
        let text = error_text(&err);
        if says_no_changes(&text) {
            return Ok(Change::Unchanged);
        }
        return Err(format!("CreateChangeSet for {} failed: {text}", spec.name));
    }
    let described = settled_change_set(client, spec, &change_set, timeout).await?;
    let reason = described.status_reason().unwrap_or_default();
    if described.status().is_some_and(|s| s.as_str() == "FAILED") {
        // Either "no changes" (the common, good case) or a template CloudFormation refused.
        let _ = client
            .delete_change_set()
            .stack_name(&spec.name)
            .change_set_name(&change_set)
            .send()
            .await;
        return if says_no_changes(reason) {
            Ok(Change::Unchanged)
        } else {
            Err(format!(
                "CloudFormation refused the change set for {}: {reason}",
                spec.name
            ))
        };
    }
    let changes = described
        .changes()
        .iter()
        .filter_map(|c| c.resource_change())
        .map(|r| {
            format!(
                "{} {}",
                r.action().map(|a| a.as_str()).unwrap_or("Change"),
                r.logical_resource_id().unwrap_or("?")
            )
        })
        .collect();
    Ok(Change::Update {
        changes,
        parameters: stack
            .map(|stack| changed_parameters(&stack, spec))
            .unwrap_or_default(),
        change_set,
    })
}

/// Drop a change set a dry run made.
pub async fn discard(client: &Client, spec: &StackSpec, change: &Change) {
    if let Change::Update { change_set, .. } = change {
        let _ = client
            .delete_change_set()
            .stack_name(&spec.name)
            .change_set_name(change_set)
            .send()
            .await;
    }
}

/// Carry out a planned change and wait (at most `timeout`) for the stack to settle.
pub async fn apply(
    client: &Client,
    spec: &StackSpec,
    change: &Change,
    timeout: Duration,
    progress: &ProgressBar,
) -> Result<(), String> {
    match change {
        Change::Unchanged => return Ok(()),
        Change::Replace(_) => {
            delete(client, &spec.name, timeout, progress).await?;
            create(client, spec).await?;
        }
        Change::Create(_) => create(client, spec).await?,
        Change::ImportBucket(logical_id, bucket, _) => {
            import_bucket(client, spec, logical_id, bucket, timeout, progress).await?;
            // Then the rest of the template, as any update.
            let rest = plan(client, spec, timeout).await?;
            return Box::pin(apply(client, spec, &rest, timeout, progress)).await;
        }
        Change::Update { change_set, .. } => execute(client, spec, change_set).await?,
    }
    wait(client, &spec.name, timeout, progress).await
}

/// Create the stack from an IMPORT change set that holds only the bucket, adopting the
/// existing one. CloudFormation requires imported resources to have a DeletionPolicy and an
/// import to create nothing else ("Bringing existing resources into CloudFormation
/// management", AWS CloudFormation User Guide).
async fn import_bucket(
    client: &Client,
    spec: &StackSpec,
    logical_id: &str,
    bucket: &str,
    timeout: Duration,
    progress: &ProgressBar,
) -> Result<(), String> {
    let mut template: serde_yaml::Value = serde_yaml::from_str(&spec.body)
        .map_err(|e| format!("the template of {} is not YAML: {e}", spec.name))?;
    if let Some(resources) = template
        .get_mut("Resources")
        .and_then(|r| r.as_mapping_mut())
    {
        resources.retain(|k, _| k.as_str() == Some(logical_id));
    }
    if let Some(map) = template.as_mapping_mut() {
        map.remove("Outputs");
    }
    let body = serde_yaml::to_string(&template).expect("a YAML value serializes");
    let change_set = format!("gen-deploy-import-{}", now_millis());
    client
        .create_change_set()
        .stack_name(&spec.name)
        .change_set_name(&change_set)
        .change_set_type(ChangeSetType::Import)
        .template_body(body)
        .set_parameters(Some(parameters(spec)))
        .resources_to_import(
            ResourceToImport::builder()
                .resource_type("AWS::S3::Bucket")
                .logical_resource_id(logical_id)
                .resource_identifier("BucketName", bucket)
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            format!(
                "CreateChangeSet (IMPORT of {bucket}) for {} failed: {}",
                spec.name,
                error_text(&e)
            )
        })?;
    let described = settled_change_set(client, spec, &change_set, timeout).await?;
    if described.status().is_some_and(|s| s.as_str() == "FAILED") {
        return Err(format!(
            "CloudFormation refused to import {bucket} into {}: {}",
            spec.name,
            described.status_reason().unwrap_or("no reason given")
        ));
    }
    execute(client, spec, &change_set).await?;
    wait(client, &spec.name, timeout, progress).await
}

async fn execute(client: &Client, spec: &StackSpec, change_set: &str) -> Result<(), String> {
    client
        .execute_change_set()
        .stack_name(&spec.name)
        .change_set_name(change_set)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            format!(
                "ExecuteChangeSet {change_set} for {} failed: {}",
                spec.name,
                error_text(&e)
            )
        })
}

fn now_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// Poll a change set until it is no longer pending, for at most `timeout`.
async fn settled_change_set(
    client: &Client,
    spec: &StackSpec,
    change_set: &str,
    timeout: Duration,
) -> Result<aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput, String>
{
    let start = Instant::now();
    loop {
        let out = client
            .describe_change_set()
            .stack_name(&spec.name)
            .change_set_name(change_set)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "DescribeChangeSet for {} failed: {}",
                    spec.name,
                    error_text(&e)
                )
            })?;
        let done = out.status().is_some_and(|s| {
            !s.as_str().ends_with("_PENDING") && !s.as_str().ends_with("_IN_PROGRESS")
        });
        if done {
            return Ok(out);
        }
        if start.elapsed() > timeout {
            return Err(format!(
                "change set {change_set} of {} still not ready after {} minutes",
                spec.name,
                timeout.as_secs() / 60
            ));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

async fn create(client: &Client, spec: &StackSpec) -> Result<(), String> {
    client
        .create_stack()
        .stack_name(&spec.name)
        .template_body(&spec.body)
        .set_parameters(Some(parameters(spec)))
        .capabilities(Capability::CapabilityNamedIam)
        .tags(
            aws_sdk_cloudformation::types::Tag::builder()
                .key("neptune-guardrails:managed-by")
                .value("gen deploy")
                .build(),
        )
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("CreateStack {} failed: {}", spec.name, error_text(&e)))
}

/// Delete a stack (nothing to do when there is none) and wait for it to go.
pub async fn delete(
    client: &Client,
    name: &str,
    timeout: Duration,
    progress: &ProgressBar,
) -> Result<(), String> {
    if status(client, name).await?.is_none() {
        return Ok(());
    }
    client
        .delete_stack()
        .stack_name(name)
        .send()
        .await
        .map_err(|e| format!("DeleteStack {name} failed: {}", error_text(&e)))?;
    wait(client, name, timeout, progress).await
}

/// Poll until the stack leaves its `*_IN_PROGRESS` state: Ok on a completed create, update or
/// delete; otherwise an error naming the failed resources with CloudFormation's reasons.
async fn wait(
    client: &Client,
    name: &str,
    timeout: Duration,
    progress: &ProgressBar,
) -> Result<(), String> {
    let start = Instant::now();
    let mut pause = Duration::from_secs(1);
    loop {
        let status = status(client, name).await?;
        let text = status.as_ref().map_or("DELETE_COMPLETE", |s| s.as_str());
        progress.set_message(format!("{name}: {text}"));
        progress.tick();
        if !text.ends_with("_IN_PROGRESS") {
            return if matches!(
                text,
                "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "DELETE_COMPLETE" | "IMPORT_COMPLETE"
            ) {
                Ok(())
            } else {
                Err(format!(
                    "stack {name} ended {text}: {}",
                    failures(client, name).await
                ))
            };
        }
        if start.elapsed() > timeout {
            return Err(format!(
                "stack {name} still {text} after {} minutes; it goes on in CloudFormation: \
                 watch it there and run the same gen command again when it has finished",
                timeout.as_secs() / 60
            ));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(15));
    }
}

/// The failed resources of a stack's latest events, `LogicalId (STATUS): reason`.
async fn failures(client: &Client, name: &str) -> String {
    let Ok(events) = client.describe_stack_events().stack_name(name).send().await else {
        return "its events could not be read".to_string();
    };
    let failed: Vec<String> = events
        .stack_events()
        .iter()
        .filter(|e| {
            e.resource_status()
                .is_some_and(|s| s.as_str().ends_with("_FAILED"))
        })
        .map(|e| {
            format!(
                "{} ({}): {}",
                e.logical_resource_id().unwrap_or("?"),
                e.resource_status().map(|s| s.as_str()).unwrap_or("?"),
                e.resource_status_reason().unwrap_or("no reason given")
            )
        })
        .collect();
    if failed.is_empty() {
        "no failed resource events".to_string()
    } else {
        failed.join("; ")
    }
}
