//! The member template: what the StackSet creates in every account and region of the target
//! OUs — the rule Lambdas with their roles, the remediation runbooks with theirs, and, where
//! `gen deploy` found an AWS Config recorder, the Config rules and remediation configurations
//! (`stackset` delivery) or the account conformance packs that make them (`conformance-pack`).
//!
//! Rules and packs are conditioned on `ConfigRecorderReady` (default `false`; `gen deploy`
//! overrides it per stack instance) because PutConfigRule and PutConformancePack fail with
//! NoAvailableConfigurationRecorderException in an account and region without a recorder,
//! which would roll back the whole member stack, Lambdas and runbooks included.

use guardrails_core::organization::{READER_ROLE, READER_ROLE_VARIABLE, READER_TAG};
use guardrails_core::registry::{Delivery, ParamKind, RuleSpec};
use guardrails_core::runbook::{Bound, Document, Owner, READER_ROLE_PARAMETER};
use serde_json::{json, Map, Value};

use super::cfn::{
    checkov_skips, config_rule, config_rule_parameter_names, frequency_parameter, get_att,
    managed_config_rule, optional_parameters, parameter_given_condition, pascal, policy, r#ref,
    rule_parameters, service_trust, sub,
};
use super::runbooks::Runbook;
use super::{artifact_bucket, conformance_pack, to_yaml, Mode, SynthOptions, PACK_NAME};

pub const ARTIFACT_ACCOUNT: &str = "ArtifactAccountId";
pub const RULES_DELIVERY: &str = "RulesDelivery";
pub const IAM_HOME_REGION: &str = "IamHomeRegion";
/// Set to `true` by `gen deploy`, per stack instance, where the account and region has an
/// AWS Config recorder; the StackSet itself passes `false`.
pub const RECORDER_READY: &str = "ConfigRecorderReady";
/// Set to `true` by `gen deploy` in an update after [`RECORDER_READY`]'s: what AWS may refuse
/// in a region (the AWS managed rules; remediation configurations, which AWS Config offers in
/// the regions its Region Support page lists), in the stack or added to its conformance
/// pack, so a refusal rolls back only that update, nothing of ours.
pub const MANAGED_RULES_READY: &str = "ManagedRulesReady";
/// The condition that [`MANAGED_RULES_READY`] is `true`.
pub(super) const SECOND_UPDATE: &str = "SecondUpdateApplied";
const MANAGED_RULES_IN_STACK: &str = "ManagedRulesInStack";

/// "true" leaves the posture controls Security Hub runs to it (`--leave-to-security-hub`).
pub(super) const LEAVE_TO_SECURITY_HUB: &str = "LeaveToSecurityHub";
const IN_IAM_HOME_REGION: &str = "InIamHomeRegion";
const RULES_IN_STACK: &str = "RulesInStack";
const RULES_IN_STACK_IN_IAM_HOME_REGION: &str = "RulesInStackInIamHomeRegion";
const PACKS_IN_STACK: &str = "PacksInStack";
const IAM_PACK_IN_STACK: &str = "IamPackInStack";

/// The condition `IN_IAM_HOME_REGION`: this region is the one where IAM is evaluated.
fn in_iam_home_region() -> Value {
    json!({"Fn::Equals": [r#ref("AWS::Region"), r#ref(IAM_HOME_REGION)]})
}

pub fn code_key_parameter(spec: &RuleSpec) -> String {
    format!("{}CodeKey", pascal(spec.id))
}

pub fn automatic_parameter(spec: &RuleSpec) -> String {
    format!("{}AutomaticRemediation", pascal(spec.id))
}

/// The role name a runbook's remediation configuration refers to; fixed so that the
/// conformance pack can name it, regional because IAM names are account-wide.
pub fn remediation_role_name(runbook: &Runbook) -> String {
    format!("{}-${{AWS::Region}}", runbook.name())
}

/// Parameters of the member template; the StackSet template forwards each of them.
pub fn parameters(options: &SynthOptions, runbooks: &[Runbook]) -> Map<String, Value> {
    let mut parameters = Map::new();
    parameters.insert(
        ARTIFACT_ACCOUNT.into(),
        json!({
            "Type": "String",
            "AllowedPattern": "^[0-9]{12}$",
            "Description": "Account holding the artifact buckets (neptune-guardrails-ACCOUNT-REGION) with the rule Lambda code."
        }),
    );
    parameters.insert(
        RULES_DELIVERY.into(),
        json!({
            "Type": "String",
            "AllowedValues": [Mode::Stackset.as_str(), Mode::ConformancePack.as_str(), Mode::OrganizationConformancePack.as_str()],
            "Default": options.mode.as_str(),
            "Description": "stackset: this stack creates the Config rules and remediation configurations; conformance-pack: this stack creates account conformance packs that make them; organization-conformance-pack: gen deploy's organization conformance packs make them, over this stack's Lambdas and runbooks."
        }),
    );
    parameters.insert(
        RECORDER_READY.into(),
        json!({
            "Type": "String",
            "AllowedValues": ["true", "false"],
            "Default": "false",
            "Description": "true where this account and region has an AWS Config recorder (gen deploy checks and overrides it per stack instance): only then are the Config rules or conformance packs created, since without a recorder they fail and would roll back the Lambdas and runbooks too."
        }),
    );
    parameters.insert(
        MANAGED_RULES_READY.into(),
        json!({
            "Type": "String",
            "AllowedValues": ["true", "false"],
            "Default": "false",
            "Description": "true once gen deploy has created this stack's own rules: the AWS managed rules and the remediation configurations come in a later update of their own (in the stack, or added to its conformance pack), so what AWS refuses here rolls back only that update, never the Lambdas, runbooks or rules of ours."
        }),
    );
    parameters.insert(
        IAM_HOME_REGION.into(),
        json!({
            "Type": "String",
            "Default": options.iam_region,
            "Description": "The one region per account where Config records IAM resources: the IAM policy rule and its runbook live there only."
        }),
    );
    let (name, parameter) = leave_to_security_hub_parameter(options.leave_to_security_hub);
    parameters.insert(name, parameter);
    parameters.insert(
        "Architecture".into(),
        json!({"Type": "String", "AllowedValues": ["arm64", "x86_64"], "Default": options.architecture, "Description": "CPU architecture of the rule Lambdas' bootstrap binaries."}),
    );
    parameters.insert(
        "LogRetentionInDays".into(),
        json!({"Type": "Number", "Default": 365, "AllowedValues": [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], "Description": "Retention of the rule Lambdas' log groups."}),
    );
    for spec in options.selected() {
        if !spec.is_lambda() {
            parameters.extend(rule_parameters(spec));
            continue;
        }
        parameters.insert(
            code_key_parameter(spec),
            json!({
                "Type": "String",
                "AllowedPattern": "^[A-Za-z0-9/._-]+\\.zip$",
                "Description": format!("S3 key of the {} Lambda zip in the artifact bucket (content-addressed; gen deploy sets it).", spec.id),
            }),
        );
        parameters.extend(rule_parameters(spec));
        if let Some(frequency) = options.frequency_for(spec) {
            parameters.extend(frequency_parameter(spec, frequency));
        }
    }
    for runbook in runbooks.iter().filter(|r| r.resource_parameter.is_some()) {
        parameters.insert(
            automatic_parameter(runbook.rule),
            json!({
                "Type": "String",
                "AllowedValues": ["true", "false"],
                "Default": runbook.rule.remediation.automatic.to_string(),
                "Description": format!("Let AWS Config run {} on its own for NON_COMPLIANT resources of {} ({}).", runbook.name(), runbook.rule.id, runbook.rule.remediation.rationale),
            }),
        );
    }
    parameters
}

pub fn template(options: &SynthOptions, runbooks: &[Runbook]) -> Value {
    let mut conditions = Map::new();
    conditions.insert(IN_IAM_HOME_REGION.into(), in_iam_home_region());
    let delivered = |mode: Mode| {
        json!({"Fn::And": [
            {"Fn::Equals": [r#ref(RECORDER_READY), "true"]},
            {"Fn::Equals": [r#ref(RULES_DELIVERY), mode.as_str()]},
        ]})
    };
    conditions.insert(RULES_IN_STACK.into(), delivered(Mode::Stackset));
    conditions.insert(
        SECOND_UPDATE.into(),
        json!({"Fn::Equals": [r#ref(MANAGED_RULES_READY), "true"]}),
    );
    conditions.insert(
        MANAGED_RULES_IN_STACK.into(),
        json!({"Fn::And": [{"Condition": RULES_IN_STACK}, {"Condition": SECOND_UPDATE}]}),
    );
    conditions.insert(
        RULES_IN_STACK_IN_IAM_HOME_REGION.into(),
        json!({"Fn::And": [{"Condition": RULES_IN_STACK}, {"Condition": IN_IAM_HOME_REGION}]}),
    );
    conditions.insert(PACKS_IN_STACK.into(), delivered(Mode::ConformancePack));
    conditions.insert(
        IAM_PACK_IN_STACK.into(),
        json!({"Fn::And": [{"Condition": PACKS_IN_STACK}, {"Condition": IN_IAM_HOME_REGION}]}),
    );
    let mut resources = Map::new();
    let mut outputs = Map::new();
    for runbook in runbooks {
        let spec = runbook.rule;
        let id = pascal(spec.id);
        let (placed, rule_placed) = if spec.is_global() {
            (Some(IN_IAM_HOME_REGION), RULES_IN_STACK_IN_IAM_HOME_REGION)
        } else {
            (None, RULES_IN_STACK)
        };
        let mut add = |name: String, mut resource: Value, condition: Option<&str>| {
            if let Some(condition) = condition {
                resource["Condition"] = json!(condition);
            }
            resources.insert(name, resource);
        };
        let rule_placed = match spec.delivery {
            Delivery::Lambda => {
                add(format!("{id}LogGroup"), log_group(spec), placed);
                add(format!("{id}Role"), rule_role(spec, &id), placed);
                add(format!("{id}Function"), function(spec, &id), placed);
                add(
                    format!("{id}InvokePermission"),
                    invoke_permission(&id),
                    placed,
                );
                let mut rule = config_rule(spec, get_att(&format!("{id}Function"), "Arn"));
                rule["DependsOn"] = json!(format!("{id}InvokePermission"));
                add(format!("{id}ConfigRule"), rule, Some(rule_placed));
                let mut output = json!({"Description": format!("{} rule Lambda", spec.id), "Value": get_att(&format!("{id}Function"), "Arn")});
                if let Some(condition) = placed {
                    output["Condition"] = json!(condition);
                }
                outputs.insert(format!("{id}FunctionArn"), output);
                rule_placed.to_string()
            }
            Delivery::Managed {
                identifier,
                unavailable_in,
            } => {
                // Stackset mode: the stack creates it; conformance-pack mode: the pack does,
                // under the same conditions (`managed_rule_conditions`).
                conditions.extend(managed_rule_conditions(spec, unavailable_in));
                let rule_placed = format!("{id}RuleInStack");
                conditions.insert(
                    rule_placed.clone(),
                    json!({"Fn::And": [{"Condition": MANAGED_RULES_IN_STACK}, {"Condition": wanted(spec)}]}),
                );
                add(
                    format!("{id}ConfigRule"),
                    managed_config_rule(spec, identifier),
                    Some(&rule_placed),
                );
                rule_placed
            }
        };
        if runbook.owner == Owner::Ours {
            add(format!("{id}Runbook"), runbook_document(runbook), placed);
        }
        add(
            format!("{id}RemediationRole"),
            remediation_role(runbook),
            placed,
        );
        if runbook.resource_parameter.is_some() {
            let automatic = format!("{id}Automatic");
            conditions.insert(
                automatic.clone(),
                json!({"Fn::Equals": [r#ref(&automatic_parameter(spec)), "true"]}),
            );
            let document = match runbook.owner {
                Owner::Ours => r#ref(&format!("{id}Runbook")),
                Owner::Aws { .. } => json!(runbook.name()),
            };
            let mut remediation = remediation_configuration(
                runbook,
                r#ref(&format!("{id}ConfigRule")),
                document,
                get_att(&format!("{id}RemediationRole"), "Arn"),
                json!({"Fn::If": [automatic, true, false]}),
                reader_role_arn(),
            );
            for (name, condition) in floor_conditions(runbook) {
                conditions.insert(name, condition);
            }
            // With the AWS managed rules, in the update AWS may refuse by region.
            let placed_later = format!("{id}RemediationInStack");
            conditions.insert(
                placed_later.clone(),
                json!({"Fn::And": [{"Condition": rule_placed}, {"Condition": SECOND_UPDATE}]}),
            );
            remediation["Condition"] = json!(placed_later);
            resources.insert(format!("{id}Remediation"), remediation);
        }
    }
    for pack in super::used_packs(runbooks) {
        resources.insert(pack.logical_id.into(), account_pack(pack, runbooks));
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Neptune Guardrails member stack (one per account and region, from the StackSet): rule Lambdas, remediation runbooks and roles, and in stackset delivery the Config rules and remediation configurations.",
        "Parameters": parameters(options, runbooks),
        "Conditions": conditions,
        "Resources": resources,
        "Outputs": outputs,
    })
}

/// The condition that this region is none of `regions` (Fn::Or takes at most 10 conditions,
/// so longer lists are split).
fn outside(regions: &[&str]) -> Value {
    let equals: Vec<Value> = regions
        .iter()
        .map(|region| json!({"Fn::Equals": [r#ref("AWS::Region"), region]}))
        .collect();
    let any: Vec<Value> = equals
        .chunks(9)
        .map(|chunk| match chunk {
            [only] => only.clone(),
            _ => json!({"Fn::Or": chunk}),
        })
        .collect();
    match any.as_slice() {
        [] => json!({"Fn::Equals": ["true", "true"]}),
        [only] => json!({"Fn::Not": [only]}),
        _ => json!({"Fn::Not": [{"Fn::Or": any}]}),
    }
}

/// The condition that an AWS managed rule is wanted in this region: AWS offers it here, and,
/// for one Security Hub runs, it is not left to Security Hub.
pub(super) fn wanted(spec: &RuleSpec) -> String {
    format!("{}Wanted", pascal(spec.id))
}

/// The conditions an AWS managed rule is created under, in the member stack and in a
/// conformance pack alike: [`wanted`] (the region is none its page excludes, which
/// PutConfigRule would refuse, rolling everything beside it back — `{Id}Offered` — and, for a
/// control Security Hub runs, not left to Security Hub), and per optional
/// parameter whether it was given (a blank value is left out: AWS Config refuses blanks).
pub(super) fn managed_rule_conditions(
    spec: &RuleSpec,
    unavailable_in: &[&str],
) -> Vec<(String, Value)> {
    // A condition is defined by an intrinsic function, never by a bare `Condition` reference
    // (moto's CloudFormation cannot parse one): a rule Security Hub does not run is wanted
    // wherever it is offered, with no `{Id}Offered` of its own.
    let mut conditions = if spec.security_hub_runs_it() {
        let offered = format!("{}Offered", pascal(spec.id));
        let wanted_condition = json!({"Fn::And": [
            {"Condition": offered},
            {"Fn::Equals": [r#ref(LEAVE_TO_SECURITY_HUB), "false"]},
        ]});
        vec![
            (offered, outside(unavailable_in)),
            (wanted(spec), wanted_condition),
        ]
    } else {
        vec![(wanted(spec), outside(unavailable_in))]
    };
    for parameter in optional_parameters(spec) {
        let name = super::cfn::rule_parameter_name(spec, parameter);
        conditions.push((
            parameter_given_condition(spec, parameter),
            json!({"Fn::Not": [{"Fn::Equals": [r#ref(&name), ""]}]}),
        ));
    }
    conditions
}

/// The member template's parameter leaving Security Hub's controls to it, for a pack too.
pub(super) fn leave_to_security_hub_parameter(default: bool) -> (String, Value) {
    (
        LEAVE_TO_SECURITY_HUB.to_string(),
        json!({
            "Type": "String",
            "AllowedValues": ["true", "false"],
            "Default": default.to_string(),
            "Description": "true where Security Hub's AWS Foundational Security Best Practices standard is on: its controls (Neptune.1-9) already run the AWS managed rules of the pack, so they are not created twice (their runbooks stay, for use by hand)."
        }),
    )
}

/// The name of the condition that a bound rule parameter is below the runbook's floor.
fn below_floor(runbook: &Runbook, bound: &Bound) -> String {
    format!(
        "{}{}BelowRunbookFloor",
        pascal(runbook.rule.id),
        pascal(bound.rule_parameter)
    )
}

/// One condition per bound parameter with a floor: the rule parameter's value is one of the
/// whole numbers from its declared minimum up to the floor (at most ten of them).
pub(super) fn floor_conditions(runbook: &Runbook) -> Vec<(String, Value)> {
    runbook
        .bound_parameters
        .iter()
        .filter_map(|bound| {
            let floor = bound.at_least?;
            let spec = runbook.rule.parameter(bound.rule_parameter)?;
            let ParamKind::Int { min, .. } = spec.kind else {
                return None;
            };
            let name = super::cfn::rule_parameter_name(runbook.rule, spec);
            let equals: Vec<Value> = (min..floor)
                .map(|n| json!({"Fn::Equals": [r#ref(&name), n.to_string()]}))
                .collect();
            let condition = match equals.as_slice() {
                [] => json!({"Fn::Equals": ["true", "false"]}),
                [only] => only.clone(),
                _ => json!({"Fn::Or": equals}),
            };
            Some((below_floor(runbook, bound), condition))
        })
        .collect()
}

/// An account-level conformance pack with its template inline (no S3 read across accounts),
/// created after the Lambdas, runbooks and roles its rules name.
fn account_pack(pack: &super::Pack, runbooks: &[Runbook]) -> Value {
    let members: Vec<&Runbook> = super::pack_runbooks(runbooks, pack.global).collect();
    let mut depends = Vec::new();
    let mut inputs = Vec::new();
    for runbook in &members {
        let id = pascal(runbook.rule.id);
        if runbook.rule.is_lambda() {
            depends.push(format!("{id}InvokePermission"));
        }
        if runbook.owner == Owner::Ours {
            depends.push(format!("{id}Runbook"));
        }
        depends.push(format!("{id}RemediationRole"));
        for name in config_rule_parameter_names(runbook.rule) {
            inputs.push(json!({"ParameterName": name, "ParameterValue": r#ref(&name)}));
        }
    }
    if members.iter().any(|r| r.rule.reads_organization()) {
        inputs.push(
            json!({"ParameterName": READER_ROLE_PARAMETER, "ParameterValue": reader_role_arn()}),
        );
    }
    if members.iter().any(|r| !r.rule.is_lambda()) {
        inputs.push(json!({"ParameterName": LEAVE_TO_SECURITY_HUB, "ParameterValue": r#ref(LEAVE_TO_SECURITY_HUB)}));
    }
    if super::holds_second_update(&members) {
        inputs.push(json!({"ParameterName": MANAGED_RULES_READY, "ParameterValue": r#ref(MANAGED_RULES_READY)}));
    }
    let mut properties = json!({
        "ConformancePackName": format!("{PACK_NAME}{}", pack.name_suffix),
        "TemplateBody": to_yaml(&conformance_pack(runbooks, pack.global)),
    });
    if !inputs.is_empty() {
        properties["ConformancePackInputParameters"] = json!(inputs);
    }
    json!({
        "Type": "AWS::Config::ConformancePack",
        "Condition": if pack.global { IAM_PACK_IN_STACK } else { PACKS_IN_STACK },
        "DependsOn": depends,
        "Properties": properties,
    })
}

fn log_group(spec: &RuleSpec) -> Value {
    json!({
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Metadata": checkov_skips(&[("CKV_AWS_158", "Evaluation logs hold resource ids and verdicts, no secrets; the account's default CloudWatch Logs encryption applies.")]),
        "Properties": {"LogGroupName": format!("/aws/lambda/{}", spec.id), "RetentionInDays": r#ref("LogRetentionInDays")},
    })
}

/// The organization reader role in the admin account (`gen deploy` creates it beside the
/// StackSet), for the rules that read the organization.
pub fn reader_role_arn() -> Value {
    sub(&format!(
        "arn:${{AWS::Partition}}:iam::${{{ARTIFACT_ACCOUNT}}}:role/{READER_ROLE}"
    ))
}

/// The tag the reader role trusts, on the roles of a rule that reads the organization.
fn reader_tags(spec: &RuleSpec) -> Value {
    match spec.reads_organization() {
        true => json!([{"Key": READER_TAG, "Value": "true"}]),
        false => json!([]),
    }
}

fn rule_role(spec: &RuleSpec, id: &str) -> Value {
    // sts:AssumeRole only ever names the organization reader.
    let (assumes, reads): (Vec<&str>, Vec<&str>) = spec
        .all_permissions()
        .into_iter()
        .partition(|action| *action == "sts:AssumeRole");
    let mut statements = vec![
        json!({"Sid": "ReadWhatTheRuleEvaluates", "Effect": "Allow", "Action": reads, "Resource": "*"}),
        json!({"Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": get_att(&format!("{id}LogGroup"), "Arn")}),
    ];
    if !assumes.is_empty() {
        statements.push(json!({"Sid": "ListOrganizationAccounts", "Effect": "Allow", "Action": assumes, "Resource": reader_role_arn()}));
    }
    let mut role = json!({
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": format!("Read-only role of the {} Config rule Lambda", spec.id),
            "AssumeRolePolicyDocument": service_trust("lambda.amazonaws.com"),
            "Policies": [{
                "PolicyName": "evaluate",
                "PolicyDocument": policy(statements),
            }],
        },
    });
    if spec.reads_organization() {
        role["Properties"]["Tags"] = reader_tags(spec);
    }
    role
}

fn function(spec: &RuleSpec, id: &str) -> Value {
    let mut skips = vec![
        ("CKV_AWS_115", "No reserved concurrency: new accounts have a concurrency limit of 10, and reserving it would fail the stack; AWS Config retries throttled invocations."),
        ("CKV_AWS_116", "No DLQ: AWS Config invokes the rule again on the next change or period, and a failed run is logged as an error."),
        ("CKV_AWS_117", "Not in a VPC: the rule only calls AWS APIs."),
    ];
    if spec.reads_organization() {
        skips.push(("CKV_AWS_173", "The one environment variable is the organization reader role's ARN, no secret; Lambda encrypts environment variables at rest with its AWS managed key."));
    }
    let mut function = json!({
        "Type": "AWS::Lambda::Function",
        "Metadata": checkov_skips(&skips),
        "Properties": {
            "FunctionName": spec.id,
            "Description": spec.title,
            "Runtime": "provided.al2023",
            "Handler": "bootstrap",
            "Architectures": [r#ref("Architecture")],
            "MemorySize": 128,
            "Timeout": 300,
            "Code": {"S3Bucket": sub(&artifact_bucket(ARTIFACT_ACCOUNT)), "S3Key": r#ref(&code_key_parameter(spec))},
            "Role": get_att(&format!("{id}Role"), "Arn"),
            "LoggingConfig": {"LogGroup": r#ref(&format!("{id}LogGroup"))},
        },
    });
    if spec.reads_organization() {
        function["Properties"]["Environment"] =
            json!({"Variables": {READER_ROLE_VARIABLE: reader_role_arn()}});
    }
    function
}

/// Only AWS Config of this account may invoke the rule.
fn invoke_permission(id: &str) -> Value {
    json!({
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": get_att(&format!("{id}Function"), "Arn"),
            "Principal": "config.amazonaws.com",
            "SourceAccount": r#ref("AWS::AccountId"),
        },
    })
}

fn runbook_document(runbook: &Runbook) -> Value {
    json!({
        "Type": "AWS::SSM::Document",
        "Properties": {
            "Name": runbook.name(),
            "DocumentType": "Automation",
            "DocumentFormat": "YAML",
            "UpdateMethod": "NewVersion",
            "Content": runbook.document.as_ref().map(Document::to_json),
        },
    })
}

fn is_read(action: &str) -> bool {
    let api = action.split_once(':').map_or("", |(_, api)| api);
    ["Describe", "Get", "List"]
        .iter()
        .any(|p| api.starts_with(p))
}

/// The ARNs an action may touch, narrowed where the action supports it.
fn resource_of(action: &str) -> Value {
    let service = action
        .split_once(':')
        .map_or(action, |(service, _)| service);
    match service {
        _ if is_read(action) && service != "iam" => json!("*"),
        "iam" => sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/*"),
        "dms" => sub("arn:${AWS::Partition}:dms:${AWS::Region}:${AWS::AccountId}:endpoint:*"),
        // Clusters, their snapshots, instances and subnet groups: every RDS resource of this
        // account and region (the remediations of a cluster touch several of those kinds).
        "rds" => sub("arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:*"),
        "ec2" => sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:*"),
        // A runbook assumes only the organization reader.
        "sts" => reader_role_arn(),
        // Grants on this account's keys, for the encrypted copies a runbook restores.
        "kms" => sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"),
        _ => json!("*"),
    }
}

fn actions_need_aws_grant(statement: &Value) -> bool {
    statement["Action"]
        .as_array()
        .is_some_and(|actions| actions.iter().any(|a| a == "kms:CreateGrant"))
}

fn remediation_role(runbook: &Runbook) -> Value {
    let mut by_resource: Vec<(Value, Vec<String>)> = Vec::new();
    for action in runbook.actions() {
        let resource = resource_of(&action);
        match by_resource.iter_mut().find(|(r, _)| *r == resource) {
            Some((_, actions)) => actions.push(action),
            None => by_resource.push((resource, vec![action])),
        }
    }
    let unscoped_writes: Vec<String> = by_resource
        .iter()
        .filter(|(resource, _)| resource == "*")
        .flat_map(|(_, actions)| actions.iter().filter(|a| !is_read(a)).cloned())
        .collect();
    let statements = by_resource
        .into_iter()
        .map(|(resource, actions)| {
            let mut statement = json!({"Effect": "Allow", "Action": actions, "Resource": resource});
            if actions_need_aws_grant(&statement) {
                // Only grants RDS makes for the cluster it restores, never one to a person.
                statement["Condition"] = json!({"Bool": {"kms:GrantIsForAWSResource": "true"}});
            }
            statement
        })
        .collect();
    let mut role = json!({
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": sub(&remediation_role_name(runbook)),
            "Description": format!("Runs the {} remediation runbook", runbook.name()),
            "AssumeRolePolicyDocument": service_trust("ssm.amazonaws.com"),
            "Policies": [{"PolicyName": "remediate", "PolicyDocument": policy(statements)}],
        },
    });
    if !unscoped_writes.is_empty() {
        let reason = format!(
            "{} acts on an AWS-owned resource (the endpoint service's private hosted zone) that no ARN of this account can name; every other write is scoped to this account and region.",
            unscoped_writes.join(", ")
        );
        role["Metadata"] = checkov_skips(&[("CKV_AWS_111", &reason)]);
    }
    if runbook.rule.reads_organization() {
        role["Properties"]["Tags"] = reader_tags(runbook.rule);
    }
    role
}

/// A remediation configuration binding the NON_COMPLIANT resource's id to the runbook (and,
/// for a rule that reads the organization, `reader_role` to its reader role parameter).
pub fn remediation_configuration(
    runbook: &Runbook,
    rule_name: Value,
    document_name: Value,
    role_arn: Value,
    automatic: Value,
    reader_role: Value,
) -> Value {
    let mut parameters = Map::new();
    parameters.insert(
        "AutomationAssumeRole".into(),
        json!({"StaticValue": {"Values": [role_arn]}}),
    );
    if let Some(resource) = runbook.resource_parameter {
        parameters.insert(
            resource.into(),
            json!({"ResourceValue": {"Value": "RESOURCE_ID"}}),
        );
    }
    if runbook.rule.reads_organization() {
        parameters.insert(
            READER_ROLE_PARAMETER.into(),
            json!({"StaticValue": {"Values": [reader_role]}}),
        );
    }
    for bound in runbook.bound_parameters {
        let Some(spec) = runbook.rule.parameter(bound.rule_parameter) else {
            continue;
        };
        let value = r#ref(&super::cfn::rule_parameter_name(runbook.rule, spec));
        let value = match bound.at_least {
            Some(floor) => {
                json!({"Fn::If": [below_floor(runbook, bound), floor.to_string(), value]})
            }
            None => value,
        };
        parameters.insert(
            bound.runbook_parameter.into(),
            json!({"StaticValue": {"Values": [value]}}),
        );
    }
    let mut properties = json!({
        "ConfigRuleName": rule_name,
        "TargetType": "SSM_DOCUMENT",
        "TargetId": document_name,
        "Parameters": parameters,
        "Automatic": automatic,
        "MaximumAutomaticAttempts": 3,
        "RetryAttemptSeconds": 60,
        "ExecutionControls": {"SsmControls": {"ConcurrentExecutionRatePercentage": 10, "ErrorPercentage": 10}},
    });
    if let [only] = runbook.rule.resource_types {
        properties["ResourceType"] = json!(only.as_str());
    }
    json!({"Type": "AWS::Config::RemediationConfiguration", "Properties": properties})
}
