//! The steps of an SSM Automation document (schemaVersion 0.3) as data: what a step calls is
//! a field, not something read back out of the JSON the document becomes.

use serde_json::{json, Value};

/// One step: its name, what it does, and where the run goes after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub name: String,
    pub action: Action,
    /// `nextStep`; `None` runs the next step in order.
    pub next: Option<String>,
    /// `isEnd`: the automation ends after this step.
    pub is_end: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `aws:executeAwsApi`.
    Call {
        api: Api,
        inputs: Value,
        outputs: Vec<Output>,
    },
    /// `aws:assertAwsResourceProperty`, or `aws:waitForAwsResourceProperty` for
    /// `wait_seconds`: the call's `selector` must have one of the `desired` values.
    Verify {
        api: Api,
        inputs: Value,
        selector: String,
        desired: Vec<String>,
        wait_seconds: Option<u32>,
    },
    /// `aws:executeScript` (Python 3.11), which calls no AWS API of its own here.
    Script {
        handler: String,
        script: String,
        payload: Value,
        outputs: Vec<Output>,
    },
    /// `aws:branch`: `choices` as SSM writes them, `default` the step otherwise.
    Branch { choices: Value, default: String },
    /// `aws:approve`: waits up to `timeout_seconds` for the approvers `inputs` name.
    Approve { inputs: Value, timeout_seconds: u32 },
}

/// An AWS API as boto3 names it: `neptune` `ModifyDBCluster`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    pub service: String,
    pub operation: String,
}

/// A step output: `(name, JSONPath selector, type)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub name: String,
    pub selector: String,
    pub kind: String,
}

fn outputs(list: &[(&str, &str, &str)]) -> Vec<Output> {
    list.iter()
        .map(|(name, selector, kind)| Output {
            name: name.to_string(),
            selector: selector.to_string(),
            kind: kind.to_string(),
        })
        .collect()
}

fn api(service: &str, operation: &str) -> Api {
    Api {
        service: service.to_string(),
        operation: operation.to_string(),
    }
}

impl Step {
    fn new(name: &str, action: Action) -> Self {
        Step {
            name: name.to_string(),
            action,
            next: None,
            is_end: false,
        }
    }

    /// Go to `step` after this one.
    pub fn then(mut self, step: &str) -> Self {
        self.next = Some(step.to_string());
        self
    }

    /// End the automation after this step.
    pub fn end(mut self) -> Self {
        self.is_end = true;
        self
    }

    /// The AWS API the step calls, if it calls one.
    pub fn api(&self) -> Option<&Api> {
        match &self.action {
            Action::Call { api, .. } | Action::Verify { api, .. } => Some(api),
            Action::Script { .. } | Action::Branch { .. } | Action::Approve { .. } => None,
        }
    }

    /// The step as the document holds it.
    pub fn to_json(&self) -> Value {
        let with_api = |inputs: &Value, api: &Api| {
            let mut inputs = inputs.clone();
            inputs["Service"] = json!(api.service);
            inputs["Api"] = json!(api.operation);
            inputs
        };
        let outputs_json = |list: &[Output]| -> Value {
            list.iter()
                .map(|o| json!({"Name": o.name, "Selector": o.selector, "Type": o.kind}))
                .collect()
        };
        let mut step = json!({"name": self.name, "onFailure": "Abort"});
        match &self.action {
            Action::Call {
                api,
                inputs,
                outputs,
            } => {
                step["action"] = json!("aws:executeAwsApi");
                step["inputs"] = with_api(inputs, api);
                if !outputs.is_empty() {
                    step["outputs"] = outputs_json(outputs);
                }
            }
            Action::Verify {
                api,
                inputs,
                selector,
                desired,
                wait_seconds,
            } => {
                let mut inputs = with_api(inputs, api);
                inputs["PropertySelector"] = json!(selector);
                inputs["DesiredValues"] = json!(desired);
                step["inputs"] = inputs;
                match wait_seconds {
                    Some(seconds) => {
                        step["action"] = json!("aws:waitForAwsResourceProperty");
                        step["timeoutSeconds"] = json!(seconds);
                    }
                    None => step["action"] = json!("aws:assertAwsResourceProperty"),
                }
            }
            Action::Script {
                handler,
                script,
                payload,
                outputs,
            } => {
                step["action"] = json!("aws:executeScript");
                step["inputs"] = json!({
                    "Runtime": "python3.11",
                    "Handler": handler,
                    "Script": script,
                    "InputPayload": payload,
                });
                step["outputs"] = outputs_json(outputs);
            }
            Action::Branch { choices, default } => {
                step = json!({"name": self.name, "action": "aws:branch"});
                step["inputs"] = json!({"Choices": choices, "Default": default});
            }
            Action::Approve {
                inputs,
                timeout_seconds,
            } => {
                step["action"] = json!("aws:approve");
                step["timeoutSeconds"] = json!(timeout_seconds);
                step["inputs"] = inputs.clone();
            }
        }
        if let Some(next) = &self.next {
            step["nextStep"] = json!(next);
        }
        if self.is_end {
            step["isEnd"] = json!(true);
        }
        step
    }
}

/// An `aws:executeAwsApi` step; `outputs` are `(name, JSONPath selector, type)`.
pub fn call(
    name: &str,
    service: &str,
    operation: &str,
    inputs: Value,
    outputs_of: &[(&str, &str, &str)],
) -> Step {
    Step::new(
        name,
        Action::Call {
            api: api(service, operation),
            inputs,
            outputs: outputs(outputs_of),
        },
    )
}

/// A step that reads a resource back and fails unless a property has the desired value;
/// `wait_seconds` makes it wait (`aws:waitForAwsResourceProperty`) instead of asserting once.
pub fn verify(
    name: &str,
    service: &str,
    operation: &str,
    inputs: Value,
    selector: &str,
    desired: &[&str],
    wait_seconds: Option<u32>,
) -> Step {
    Step::new(
        name,
        Action::Verify {
            api: api(service, operation),
            inputs,
            selector: selector.to_string(),
            desired: desired.iter().map(|d| d.to_string()).collect(),
            wait_seconds,
        },
    )
}

/// An `aws:executeScript` step running `handler` of `script` on `payload`.
pub fn script(
    name: &str,
    handler: &str,
    script: &str,
    payload: Value,
    outputs_of: &[(&str, &str, &str)],
) -> Step {
    Step::new(
        name,
        Action::Script {
            handler: handler.to_string(),
            script: script.to_string(),
            payload,
            outputs: outputs(outputs_of),
        },
    )
}

/// An `aws:branch` step.
pub fn branch(name: &str, choices: Value, default: &str) -> Step {
    Step::new(
        name,
        Action::Branch {
            choices,
            default: default.to_string(),
        },
    )
}

/// An `aws:approve` step.
pub fn approve(name: &str, inputs: Value, timeout_seconds: u32) -> Step {
    Step::new(
        name,
        Action::Approve {
            inputs,
            timeout_seconds,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_become_the_json_ssm_reads() {
        let step = call(
            "Read",
            "rds",
            "DescribeDBClusters",
            json!({"X": 1}),
            &[("S", "$.S", "String")],
        )
        .then("Next");
        assert_eq!(
            step.to_json(),
            json!({
                "name": "Read", "action": "aws:executeAwsApi", "onFailure": "Abort",
                "inputs": {"X": 1, "Service": "rds", "Api": "DescribeDBClusters"},
                "outputs": [{"Name": "S", "Selector": "$.S", "Type": "String"}],
                "nextStep": "Next"
            })
        );
        let wait = verify(
            "Wait",
            "rds",
            "DescribeDBClusters",
            json!({}),
            "$.A",
            &["True"],
            Some(60),
        )
        .end();
        assert_eq!(wait.to_json()["action"], "aws:waitForAwsResourceProperty");
        assert_eq!(wait.to_json()["isEnd"], true);
        assert_eq!(wait.api().unwrap().operation, "DescribeDBClusters");
        assert!(branch("B", json!([]), "Read").api().is_none());
    }
}
