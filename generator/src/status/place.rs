//! One account × region: what is there, and each problem with its fix.

use std::time::SystemTime;

use aws_config::SdkConfig;
use guardrails_core::registry::{Delivery, RuleSpec};
use serde::Serialize;

pub use super::reads::Recorder;

use super::reads;
use super::{Instances, Targets};
use crate::deploy::StackInstance as Instance;
use crate::session::regional;

/// DescribeConfigRuleEvaluationStatus takes at most 25 names (botocore `config` model,
/// ConfigRuleNames).
const NAMES_PER_CALL: usize = 25;

#[derive(Debug, Serialize)]
pub struct LastError {
    pub at: Option<String>,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct LambdaHealth {
    pub function: String,
    pub invocations: u64,
    pub errors: u64,
}

#[derive(Debug, Serialize)]
pub struct RuleHealth {
    pub rule: &'static str,
    /// The Config rule's name (`null`: the rule is not there).
    pub config_rule: Option<String>,
    pub last_success: Option<String>,
    pub last_error: Option<LastError>,
    pub lambda: Option<LambdaHealth>,
}

#[derive(Debug, Serialize)]
pub struct Problem {
    pub problem: String,
    pub fix: String,
    /// Something could not be read (exit status 2), rather than read and found wrong.
    #[serde(skip)]
    pub unread: bool,
}

/// The health of one account × region.
#[derive(Debug, Serialize)]
pub struct Place {
    pub account: String,
    pub region: String,
    pub healthy: bool,
    pub excluded: bool,
    pub stack_instance: Option<Instance>,
    pub recorder: Option<Recorder>,
    pub rules: Vec<RuleHealth>,
    pub problems: Vec<Problem>,
}

impl Place {
    pub fn unreadable(&self) -> bool {
        self.problems.iter().any(|p| p.unread)
    }

    fn problem(&mut self, problem: String, fix: String) {
        self.problems.push(Problem {
            problem,
            fix,
            unread: false,
        });
    }

    fn unread(&mut self, what: &str, error: String, fix: String) {
        self.problems.push(Problem {
            problem: format!("{what} could not be read ({error})"),
            fix,
            unread: true,
        });
    }
}

/// What every account's reads share.
pub(super) struct Reader<'a> {
    pub base: &'a SdkConfig,
    pub caller: &'a str,
    pub role: &'a str,
    pub targets: &'a Targets,
    pub instances: &'a Instances,
    pub window: (SystemTime, SystemTime),
}

impl Reader<'_> {
    /// Every region of one account.
    pub async fn account(&self, account: &String) -> Vec<Place> {
        let t = self.targets;
        let excluded = t.excluded.contains(account);
        let mut places: Vec<Place> = t
            .regions
            .iter()
            .map(|region| Place {
                account: account.clone(),
                region: region.clone(),
                healthy: true,
                excluded,
                stack_instance: self
                    .instances
                    .get(&(account.clone(), region.clone()))
                    .cloned(),
                recorder: None,
                rules: Vec::new(),
                problems: Vec::new(),
            })
            .collect();
        if excluded {
            return places;
        }
        let sdk = if account == self.caller {
            Ok(self.base.clone())
        } else {
            crate::session::assume(self.base, &t.iam_region, account, self.role)
                .await
                .map(|c| self.base.to_builder().credentials_provider(c).build())
        };
        for place in &mut places {
            self.instance_problems(place);
            match &sdk {
                Ok(sdk) => self.read(place, &regional(sdk, &place.region)).await,
                Err(reason) => place.unread(
                    "the account",
                    reason.clone(),
                    format!(
                        "create the role {} in {account}, trusted by this account and allowed \
                         config:Describe* and cloudwatch:GetMetricData, or name another with \
                         --member-role",
                        self.role
                    ),
                ),
            }
            place.healthy = place.problems.is_empty();
        }
        places
    }

    fn instance_problems(&self, place: &mut Place) {
        let Some(instance) = place.stack_instance.clone() else {
            place.problem(
                "no stack instance of the StackSet".into(),
                "run gen deploy (an account that joins a target OU gets one by automatic \
                 deployment; if it did not, the deploy names why)"
                    .into(),
            );
            return;
        };
        let done = instance.status == "CURRENT"
            && instance
                .detailed_status
                .as_deref()
                .is_none_or(|d| d == "SUCCEEDED");
        if !done {
            place.problem(
                format!(
                    "stack instance {}{}: {}",
                    instance.status,
                    instance
                        .detailed_status
                        .as_ref()
                        .map_or(String::new(), |d| format!(" ({d})")),
                    instance.reason.as_deref().unwrap_or("no reason given")
                ),
                "remove the cause named in that account and region, then run gen deploy again"
                    .into(),
            );
        }
    }

    /// The recorder, the rules and the Lambdas of one place.
    async fn read(&self, place: &mut Place, sdk: &SdkConfig) {
        let config = guardrails_core::client!(aws_sdk_config, sdk);
        let role = self.role;
        let home = place.region == self.targets.iam_region;
        let expected = expected_rules(&self.targets.rules, &place.region, home);
        match reads::recorder_state(&config, &expected, home).await {
            Ok(recorder) => {
                if !recorder.present {
                    place.problem(
                        "no AWS Config recorder: no rule runs here".into(),
                        "turn AWS Config on in this account and region (a recorder and \
                         delivery channel), then run gen deploy again"
                            .into(),
                    );
                } else if recorder.recording == Some(false) {
                    place.problem(
                        "the AWS Config recorder is stopped: nothing is evaluated on a change"
                            .into(),
                        "aws configservice start-configuration-recorder \
                         --configuration-recorder-name NAME, in this account and region"
                            .into(),
                    );
                }
                if !recorder.unrecorded_types.is_empty() {
                    place.problem(
                        format!(
                            "the recorder does not record {}",
                            recorder.unrecorded_types.join(", ")
                        ),
                        "add them to the recorder's recording group (or record all supported \
                         types)"
                            .into(),
                    );
                }
                let present = recorder.present;
                place.recorder = Some(recorder);
                if !present {
                    return;
                }
            }
            Err(error) => {
                return place.unread(
                    "the recorder",
                    error,
                    format!("allow config:DescribeConfigurationRecorders and config:DescribeConfigurationRecorderStatus to {role}"),
                )
            }
        }
        let Some(instance) = &place.stack_instance else {
            return;
        };
        if instance.detailed_status.as_deref() != Some("SUCCEEDED") {
            return;
        }
        if let Err(error) = self.rules(place, &config, sdk, &expected).await {
            place.unread(
                "the rules",
                error,
                format!(
                    "allow config:DescribeConfigRules, \
                     config:DescribeConfigRuleEvaluationStatus and cloudwatch:GetMetricData \
                     to {role}"
                ),
            );
        }
    }

    async fn rules(
        &self,
        place: &mut Place,
        config: &aws_sdk_config::Client,
        sdk: &SdkConfig,
        expected: &[&'static RuleSpec],
    ) -> Result<(), String> {
        let names = reads::config_rule_names(config).await?;
        let mut rules: Vec<RuleHealth> = expected
            .iter()
            .map(|spec| RuleHealth {
                rule: spec.id,
                config_rule: names.iter().find(|n| is_rule_of(n, spec.id)).cloned(),
                last_success: None,
                last_error: None,
                lambda: None,
            })
            .collect();
        let present: Vec<String> = rules.iter().filter_map(|r| r.config_rule.clone()).collect();
        for chunk in present.chunks(NAMES_PER_CALL) {
            for status in reads::evaluation_status(config, chunk).await? {
                let Some(rule) = rules
                    .iter_mut()
                    .find(|r| r.config_rule.as_deref() == status.config_rule_name())
                else {
                    continue;
                };
                let time = |t: Option<&aws_smithy_types::DateTime>| t.map(|t| t.to_string());
                rule.last_success = time(status.last_successful_evaluation_time())
                    .or_else(|| time(status.last_successful_invocation_time()));
                let failed = status
                    .last_failed_evaluation_time()
                    .or(status.last_failed_invocation_time());
                let success = status
                    .last_successful_evaluation_time()
                    .or(status.last_successful_invocation_time());
                if let Some(code) = status.last_error_code().filter(|_| failed > success) {
                    rule.last_error = Some(LastError {
                        at: time(failed),
                        code: code.to_string(),
                        message: status.last_error_message().unwrap_or_default().to_string(),
                    });
                }
            }
        }
        let functions: Vec<&str> = expected
            .iter()
            .filter(|s| s.is_lambda())
            .map(|s| s.id)
            .collect();
        let counted =
            guardrails_aws::lambda_metrics::invocations(sdk, &functions, self.window).await?;
        for rule in &mut rules {
            if let Some(count) = counted.get(rule.rule) {
                rule.lambda = Some(LambdaHealth {
                    function: rule.rule.to_string(),
                    invocations: count.total,
                    errors: count.errors,
                });
            }
        }
        for rule in &rules {
            rule_problems(place, rule);
        }
        place.rules = rules;
        Ok(())
    }
}

fn rule_problems(place: &mut Place, rule: &RuleHealth) {
    let id = rule.rule;
    if rule.config_rule.is_none() {
        place.problem(
            format!("the rule {id} is missing"),
            "run gen deploy again (it puts back what the member stack holds)".into(),
        );
    }
    if let Some(error) = &rule.last_error {
        place.problem(
            format!(
                "the rule {id} last failed{}: {}: {}",
                error.at.as_ref().map_or(String::new(), |at| format!(" at {at}")),
                error.code,
                error.message
            ),
            format!("see the error above; re-evaluate with aws configservice start-config-rules-evaluation --config-rule-names {id} once it is fixed"),
        );
    }
    if let Some(lambda) = rule.lambda.as_ref().filter(|l| l.errors > 0) {
        place.problem(
            format!(
                "the Lambda of {id} failed {} of {} invocation(s)",
                lambda.errors, lambda.invocations
            ),
            format!(
                "read its log group /aws/lambda/{} in this account and region; its evaluations \
                 are not recorded until it runs cleanly",
                lambda.function
            ),
        );
    }
}

/// Whether a Config rule's name is the rule's: its id in stackset mode, `ID-conformance-pack-…`
/// in a conformance pack (docs/contract.md).
fn is_rule_of(name: &str, id: &str) -> bool {
    name == id
        || name
            .strip_prefix(id)
            .is_some_and(|rest| rest.starts_with("-conformance-pack-"))
}

/// The rules the member stack puts in `region`: the global ones only in the IAM home region,
/// an AWS managed rule only where AWS offers it.
fn expected_rules(
    rules: &[&'static RuleSpec],
    region: &str,
    iam_home: bool,
) -> Vec<&'static RuleSpec> {
    rules
        .iter()
        .copied()
        .filter(|s| iam_home || !s.is_global())
        .filter(|s| match s.delivery {
            Delivery::Managed { unavailable_in, .. } => !unavailable_in.contains(&region),
            Delivery::Lambda => true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rules_name_is_its_id_or_its_id_in_a_conformance_pack() {
        assert!(is_rule_of(
            "neptune-cluster-encrypted",
            "neptune-cluster-encrypted"
        ));
        assert!(is_rule_of(
            "neptune-cluster-encrypted-conformance-pack-x1y2",
            "neptune-cluster-encrypted"
        ));
        assert!(!is_rule_of(
            "neptune-cluster-encrypted2",
            "neptune-cluster-encrypted"
        ));
        assert!(!is_rule_of(
            "neptune-cluster-encrypted-copy",
            "neptune-cluster-encrypted"
        ));
    }
}
