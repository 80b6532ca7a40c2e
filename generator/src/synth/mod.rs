//! `gen synth`: the CloudFormation that rolls the rule pack out across an organization, all
//! derived from the rule declarations and runbooks. Deterministic: the same options give
//! byte-identical files (golden copies live in `cfn/`).
//!
//! Admin (management or delegated-admin) account, per target region:
//! `admin-artifacts.yaml` (artifact bucket), in the admin region only `admin-stackset.yaml`
//! (the service-managed StackSet). Member accounts, per region: `member.yaml` from the
//! StackSet; in `conformance-pack` mode it holds account-level conformance packs whose
//! templates are `conformance-pack*.yaml` (embedded, so a pack only ever exists in an account
//! that has the pack's Lambdas and runbooks).

mod cfn;
pub(crate) mod member;
pub mod runbooks;

use crate::catalog;
use crate::exit::{Exit, GenError};
use guardrails_core::organization::{READER_ROLE, READER_TAG};
use guardrails_core::registry::{Delivery, RuleSpec};
use guardrails_core::runbook::READER_ROLE_PARAMETER;
use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

use cfn::{checkov_skips, config_rule, pascal, r#ref, sub, to_yaml};
use runbooks::Runbook;

/// Name of the StackSet and prefix of the organization conformance packs.
pub const PACK_NAME: &str = "neptune-guardrails";
/// The StackSet stack's parameters that keep `gen deploy`'s `--rules` and
/// `--exclude-accounts` across runs.
pub const SELECTED_RULES: &str = "SelectedRules";
pub const EXCLUDED_ACCOUNTS: &str = "ExcludedAccountIds";
const EXCLUDES_ACCOUNTS: &str = "ExcludesAccounts";
const SELECTS_RULES: &str = "SelectsRules";
/// The StackSet's operation preferences (its template's defaults), which `gen deploy`'s own
/// StackSet operations use too: AWS's defaults are one account at a time, stopping at the
/// first failure.
pub const FAILURE_TOLERANCE_PERCENT: i32 = 10;
pub const MAX_CONCURRENT_PERCENT: i32 = 25;

/// The per-region artifact bucket of the admin account (Lambda code must be in the region of
/// the function): `neptune-guardrails-ACCOUNT-REGION`.
pub fn artifact_bucket_name(account: &str, region: &str) -> String {
    format!("{PACK_NAME}-{account}-{region}")
}

/// [`artifact_bucket_name`] as a `Fn::Sub` string; `account` names the template value holding
/// the admin account's id.
pub fn artifact_bucket(account: &str) -> String {
    artifact_bucket_name(&format!("${{{account}}}"), "${AWS::Region}")
}

/// One conformance pack: the regional rules, or the global (IAM) ones for the IAM home region.
pub(crate) struct Pack {
    pub(crate) global: bool,
    /// Its template's file name.
    pub(crate) file: &'static str,
    /// Logical id in `member.yaml`.
    pub(crate) logical_id: &'static str,
    pub(crate) name_suffix: &'static str,
}

pub(crate) const PACKS: [Pack; 2] = [
    Pack {
        global: false,
        file: "conformance-pack.yaml",
        logical_id: "RegionalConformancePack",
        name_suffix: "",
    },
    Pack {
        global: true,
        file: "conformance-pack-iam.yaml",
        logical_id: "IamConformancePack",
        name_suffix: "-iam",
    },
];

/// Who creates the Config rules in member accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// The member stack (from the StackSet) creates the rules next to their Lambdas.
    Stackset,
    /// An account-level conformance pack in the member stack creates the rules over the
    /// Lambdas and runbooks beside it.
    ConformancePack,
    /// The member stack holds the Lambdas and runbooks only; `gen deploy` puts an
    /// organization conformance pack per region from the admin account, excluding every
    /// account without them or without a recorder.
    OrganizationConformancePack,
}

impl Mode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Stackset => "stackset",
            Mode::ConformancePack => "conformance-pack",
            Mode::OrganizationConformancePack => "organization-conformance-pack",
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct SynthArgs {
    /// Directory to write the templates to (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    options: SynthOptions,
}

/// What the templates default to; every value stays a template parameter.
#[derive(clap::Args, Debug, Clone)]
pub struct SynthOptions {
    /// Regions the StackSet deploys to (default of TargetRegions).
    #[arg(long, value_delimiter = ',', default_value = "us-east-1")]
    pub regions: Vec<String>,
    /// Organizational units (ou-… or the root r-…) the StackSet targets (default of
    /// TargetOrganizationalUnitIds; without it deploy must name them).
    #[arg(long, value_delimiter = ',')]
    pub ous: Vec<String>,
    /// Who creates the Config rules in member accounts.
    #[arg(long, value_enum, default_value = "stackset")]
    pub mode: Mode,
    /// Region where IAM resources are evaluated (default: the first of --regions).
    #[arg(long)]
    pub iam_region: Option<String>,
    /// CPU architecture of the rule Lambdas.
    #[arg(long, default_value = "arm64", value_parser = ["arm64", "x86_64"])]
    pub architecture: String,
    /// How often periodic rules re-evaluate every resource (MaximumExecutionFrequency;
    /// default of each rule's Frequency template parameter): FREQ for every periodic rule or
    /// RULE=FREQ for one, repeatable; FREQ is One_Hour, Three_Hours, Six_Hours, Twelve_Hours
    /// or TwentyFour_Hours (each rule's declared default).
    #[arg(long = "frequency", value_name = "[RULE=]FREQ", value_parser = parse_frequency)]
    pub frequencies: Vec<Frequency>,
    /// Only these rules (ids, see `gen rules --ids`; `all`, the default, for every rule):
    /// the templates hold no other rule, Lambda or runbook.
    #[arg(long = "rules", value_name = "ID,...", value_delimiter = ',')]
    pub rules: Vec<String>,
    /// Leave the posture controls that Security Hub's AWS Foundational Security Best
    /// Practices standard already runs (Neptune.1–9) to Security Hub: the AWS managed rules
    /// of the pack are not created (default of the member template's LeaveToSecurityHub).
    #[arg(long)]
    pub leave_to_security_hub: bool,
}

/// One `--frequency` choice: for one rule, or for every periodic rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frequency {
    pub rule: Option<String>,
    pub value: &'static str,
}

/// The frequency of a periodic rule's scheduled runs: its own `--frequency RULE=…`, else a
/// `--frequency` for every rule, else its declared one (the last of each kind wins).
pub(crate) fn chosen_frequency(choices: &[Frequency], spec: &RuleSpec) -> Option<&'static str> {
    let declared = spec.periodic_frequency()?;
    let last = |wanted: Option<&str>| {
        choices
            .iter()
            .rev()
            .find(|f| f.rule.as_deref() == wanted)
            .map(|f| f.value)
    };
    Some(last(Some(spec.id)).or(last(None)).unwrap_or(declared))
}

/// A `--frequency RULE=…` must name a periodic rule.
pub(crate) fn check_frequencies(choices: &[Frequency]) -> Result<(), String> {
    for rule in choices.iter().filter_map(|f| f.rule.as_deref()) {
        match catalog::SPECS.iter().find(|s| s.id == rule) {
            Some(spec) if spec.periodic_frequency().is_some() => {}
            Some(_) => {
                return Err(format!(
                    "--frequency {rule}=…: {rule} has no scheduled runs"
                ))
            }
            None => {
                return Err(format!(
                    "--frequency {rule}=…: no rule has the id {rule} (see gen rules --ids)"
                ))
            }
        }
    }
    Ok(())
}

pub(crate) fn parse_frequency(text: &str) -> Result<Frequency, String> {
    let (rule, value) = match text.split_once('=') {
        Some((rule, value)) => (Some(rule.to_string()), value),
        None => (None, text),
    };
    let value = guardrails_core::registry::FREQUENCIES
        .into_iter()
        .find(|f| *f == value)
        .ok_or_else(|| {
            format!(
                "`{value}` is not a Config frequency; use one of {}",
                guardrails_core::registry::FREQUENCIES.join(", ")
            )
        })?;
    Ok(Frequency { rule, value })
}

impl SynthOptions {
    pub(crate) fn iam_region(&self) -> &str {
        self.iam_region
            .as_deref()
            .or(self.regions.first().map(String::as_str))
            .unwrap_or("us-east-1")
    }

    /// Whether `--rules` takes this rule (every rule without it, or with `all`).
    pub(crate) fn selects(&self, spec: &RuleSpec) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|r| r == "all" || r == spec.id)
    }

    /// The rules `--rules` takes, in catalog order.
    pub(crate) fn selected(&self) -> Vec<&'static RuleSpec> {
        catalog::SPECS
            .iter()
            .copied()
            .filter(|s| self.selects(s))
            .collect()
    }

    pub(crate) fn frequency_for(&self, spec: &RuleSpec) -> Option<&'static str> {
        chosen_frequency(&self.frequencies, spec)
    }

    /// The IAM home region must be a target region: elsewhere no member stack exists, so the
    /// IAM rule would be deployed nowhere. A `--frequency RULE=…` must name a periodic rule.
    pub(crate) fn check(&self) -> Result<(), String> {
        check_frequencies(&self.frequencies)?;
        if let Some(unknown) = self
            .rules
            .iter()
            .find(|r| *r != "all" && !catalog::SPECS.iter().any(|s| s.id == r.as_str()))
        {
            return Err(format!(
                "--rules {unknown}: no rule has that id (see gen rules --ids)"
            ));
        }
        if self.selected().is_empty() {
            return Err("--rules selects no rule".into());
        }
        let home = self.iam_region();
        if self.regions.iter().any(|r| r == home) {
            return Ok(());
        }
        Err(format!(
            "--iam-region {home} is not one of --regions {}: the IAM rule is deployed only in \
             the IAM home region of each member account, and member stacks exist only in the \
             target regions; add {home} to --regions or pick one of them",
            self.regions.join(",")
        ))
    }
}

/// The options with the IAM home region made explicit, and the runbooks of the rules they
/// select (every rule's: a rule without its own runbook has an AWS-owned one).
pub(crate) fn resolved(options: &SynthOptions) -> (SynthOptions, Vec<Runbook>) {
    let options = SynthOptions {
        iam_region: Some(options.iam_region().to_string()),
        ..options.clone()
    };
    let runbooks = runbooks::all()
        .into_iter()
        .filter(|r| options.selects(r.rule))
        .collect();
    (options, runbooks)
}

/// Every output file, by path relative to the output directory.
pub fn synthesize(options: &SynthOptions) -> BTreeMap<PathBuf, String> {
    let (options, runbooks) = resolved(options);
    let member_parameters = member::parameters(&options, &runbooks);
    let mut files = BTreeMap::new();
    let mut add = |path: &str, text: String| {
        files.insert(PathBuf::from(path), text);
    };
    add(
        "member.yaml",
        to_yaml(&member::template(&options, &runbooks)),
    );
    add("admin-artifacts.yaml", to_yaml(&artifacts_template()));
    add(
        "admin-stackset.yaml",
        to_yaml(&stackset_template(&options, &member_parameters)),
    );
    for pack in used_packs(&runbooks) {
        add(
            pack.file,
            to_yaml(&conformance_pack(&runbooks, pack.global)),
        );
    }
    for runbook in runbooks.iter() {
        if let Some(document) = &runbook.document {
            add(
                &format!("runbooks/{}.yaml", runbook.name()),
                to_yaml(&document.to_json()),
            );
        }
    }
    add("README.md", index(&options, &runbooks));
    files
}

pub fn run(args: SynthArgs) -> Result<Exit, GenError> {
    args.options.check().map_err(GenError::Input)?;
    let files = synthesize(&args.options);
    for (path, text) in &files {
        let path = args.out.join(path);
        path.parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, text))
            .map_err(|source| GenError::Write { path, source })?;
    }
    eprintln!(
        "gen synth: wrote {} files to {}",
        files.len(),
        args.out.display()
    );
    Ok(Exit::Clean)
}

fn header(description: &str, parameters: Map<String, Value>) -> Map<String, Value> {
    let mut template = Map::new();
    template.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    template.insert("Description".into(), json!(description));
    template.insert("Parameters".into(), Value::Object(parameters));
    template
}

fn organization_id_parameter() -> Value {
    json!({"Type": "String", "AllowedPattern": "^o-[a-z0-9]{10,32}$", "Description": "The AWS Organizations id (o-…) whose accounts may read the artifacts."})
}

/// The admin account's per-region artifact bucket: Lambda zips, member and pack templates.
fn artifacts_template() -> Value {
    let bucket_arn = sub("arn:${AWS::Partition}:s3:::${ArtifactBucket}");
    let objects_arn = sub("arn:${AWS::Partition}:s3:::${ArtifactBucket}/*");
    let mut parameters = Map::new();
    parameters.insert("OrganizationId".into(), organization_id_parameter());
    let mut template = header(
        "Neptune Guardrails artifact bucket (admin account, one per target region): rule Lambda zips and templates, readable by the organization's accounts only.",
        parameters,
    );
    template.insert(
        "Resources".into(),
        json!({
            "ArtifactBucket": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Metadata": checkov_skips(&[
                    ("CKV_AWS_18", "Access logging needs a second bucket per region; object reads are visible in CloudTrail data events where the organization enables them."),
                ]),
                "Properties": {
                    "BucketName": sub(&artifact_bucket("AWS::AccountId")),
                    "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": true}]},
                    "VersioningConfiguration": {"Status": "Enabled"},
                    "PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
                    "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                    "LifecycleConfiguration": {"Rules": [{"Id": "expire-replaced-artifacts", "Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 90}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}]},
                },
            },
            "ArtifactBucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": r#ref("ArtifactBucket"),
                    "PolicyDocument": cfn::policy(vec![
                        json!({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                               "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"],
                               "Resource": [bucket_arn, objects_arn.clone()],
                               "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
                        json!({"Sid": "OrganizationReadsArtifacts", "Effect": "Allow", "Principal": "*",
                               "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                               "Resource": objects_arn,
                               "Condition": {"StringEquals": {"aws:PrincipalOrgID": r#ref("OrganizationId")}}}),
                    ]),
                },
            },
        }),
    );
    template.insert(
        "Outputs".into(),
        json!({"ArtifactBucketName": {"Value": r#ref("ArtifactBucket")}}),
    );
    Value::Object(template)
}

/// The organization reader (admin account): lists the organization's accounts and nothing
/// else, for the roles of the organization's rules that read it (tagged [`READER_TAG`]), since
/// a member account may not call ListAccounts itself.
fn organization_reader() -> Value {
    json!({
        "Type": "AWS::IAM::Role",
        "Metadata": checkov_skips(&[("CKV_AWS_60", "Trusts principals of this organization only (aws:PrincipalOrgID) whose role carries the reader tag; it may only list the organization's accounts.")]),
        "Properties": {
            "RoleName": READER_ROLE,
            "Description": "Lists the organization's accounts for the Neptune Guardrails rules of member accounts",
            "AssumeRolePolicyDocument": cfn::policy(vec![json!({
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {
                    "aws:PrincipalOrgID": r#ref("OrganizationId"),
                    format!("aws:PrincipalTag/{READER_TAG}"): "true",
                }},
            })]),
            "Policies": [{"PolicyName": "list-accounts", "PolicyDocument": cfn::policy(vec![
                json!({"Effect": "Allow", "Action": "organizations:ListAccounts", "Resource": "*"}),
            ])}],
        },
    })
}

/// The service-managed StackSet (admin account, one region): rolls `member.yaml` out to the
/// target OUs and regions, and to accounts that join them later.
fn stackset_template(options: &SynthOptions, member_parameters: &Map<String, Value>) -> Value {
    let mut parameters = Map::new();
    parameters.insert("TargetOrganizationalUnitIds".into(), {
        let mut p = json!({"Type": "CommaDelimitedList", "Description": "OUs (ou-…) or the root (r-…) whose accounts get the rule pack."});
        if !options.ous.is_empty() {
            p["Default"] = json!(options.ous.join(","));
        }
        p
    });
    parameters.insert("TargetRegions".into(), json!({"Type": "CommaDelimitedList", "Default": options.regions.join(","), "Description": "Regions of each target account that get the rule pack; each needs an artifact bucket (admin-artifacts.yaml)."}));
    parameters.insert("CallAs".into(), json!({"Type": "String", "AllowedValues": ["SELF", "DELEGATED_ADMIN"], "Default": "SELF", "Description": "SELF from the management account, DELEGATED_ADMIN from a delegated administrator of StackSets."}));
    parameters.insert("OrganizationId".into(), organization_id_parameter());
    parameters.insert("MemberTemplateKey".into(), json!({"Type": "String", "AllowedPattern": "^[A-Za-z0-9/._-]+\\.yaml$", "Description": "S3 key of member.yaml in this region's artifact bucket (gen deploy sets it)."}));
    parameters.insert(SELECTED_RULES.into(), json!({"Type": "String", "Default": "", "Description": "The rule ids member.yaml holds, comma-separated, empty for every rule (gen deploy --rules; kept here so a later deploy keeps the choice)."}));
    parameters.insert(EXCLUDED_ACCOUNTS.into(), json!({"Type": "String", "Default": "", "AllowedPattern": "^([0-9]{12}(,[0-9]{12})*)?$", "Description": "Accounts of the target OUs that get no stack instance, comma-separated (gen deploy --exclude-accounts)."}));
    parameters.insert("FailureTolerancePercentage".into(), json!({"Type": "Number", "Default": FAILURE_TOLERANCE_PERCENT, "MinValue": 0, "MaxValue": 100, "Description": "Share of accounts per region that may fail before the operation stops."}));
    parameters.insert("MaxConcurrentPercentage".into(), json!({"Type": "Number", "Default": MAX_CONCURRENT_PERCENT, "MinValue": 1, "MaxValue": 100, "Description": "Share of accounts deployed at once per region."}));
    // Every member parameter is forwarded: the artifact account is this one, rules wait for
    // gen deploy's per-instance recorder check, the others become parameters of this template.
    let mut forwarded = Vec::new();
    for (name, parameter) in member_parameters {
        let value = if name == member::ARTIFACT_ACCOUNT {
            r#ref("AWS::AccountId")
        } else if name == member::RECORDER_READY || name == member::MANAGED_RULES_READY {
            json!("false")
        } else {
            parameters.insert(name.clone(), parameter.clone());
            r#ref(name)
        };
        forwarded.push(json!({"ParameterKey": name, "ParameterValue": value}));
    }
    let mut template = header(
        "Neptune Guardrails StackSet (admin account, one region): deploys member.yaml to every account of the target OUs in the target regions, and to accounts that join them.",
        parameters,
    );
    template.insert(
        "Conditions".into(),
        json!({
            EXCLUDES_ACCOUNTS: {"Fn::Not": [{"Fn::Equals": [r#ref(EXCLUDED_ACCOUNTS), ""]}]},
            SELECTS_RULES: {"Fn::Not": [{"Fn::Equals": [r#ref(SELECTED_RULES), ""]}]},
        }),
    );
    template.insert(
        "Resources".into(),
        json!({
            "MemberStackSet": {
                "Type": "AWS::CloudFormation::StackSet",
                "Properties": {
                    "StackSetName": PACK_NAME,
                    "Description": "Neptune Guardrails: AWS Config rules for Amazon Neptune security, with remediation runbooks",
                    "PermissionModel": "SERVICE_MANAGED",
                    "AutoDeployment": {"Enabled": true, "RetainStacksOnAccountRemoval": false},
                    "CallAs": r#ref("CallAs"),
                    "Capabilities": ["CAPABILITY_NAMED_IAM"],
                    "ManagedExecution": {"Active": true},
                    "OperationPreferences": {
                        "FailureTolerancePercentage": r#ref("FailureTolerancePercentage"),
                        "MaxConcurrentPercentage": r#ref("MaxConcurrentPercentage"),
                        "RegionConcurrencyType": "PARALLEL",
                    },
                    "Parameters": forwarded,
                    "StackInstancesGroup": [{
                        "DeploymentTargets": {
                            "OrganizationalUnitIds": r#ref("TargetOrganizationalUnitIds"),
                            "Accounts": {"Fn::If": [EXCLUDES_ACCOUNTS, {"Fn::Split": [",", r#ref(EXCLUDED_ACCOUNTS)]}, r#ref("AWS::NoValue")]},
                            "AccountFilterType": {"Fn::If": [EXCLUDES_ACCOUNTS, "DIFFERENCE", r#ref("AWS::NoValue")]},
                        },
                        "Regions": r#ref("TargetRegions"),
                    }],
                    "TemplateURL": sub(&format!("https://{}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}/${{MemberTemplateKey}}", artifact_bucket("AWS::AccountId"))),
                },
            },
            "OrganizationAccountsReader": organization_reader(),
        }),
    );
    template.insert(
        "Outputs".into(),
        json!({
            "StackSetId": {"Value": r#ref("MemberStackSet")},
            "Rules": {"Description": "The rules member.yaml holds.", "Value": {"Fn::If": [SELECTS_RULES, r#ref(SELECTED_RULES), "all"]}},
        }),
    );
    Value::Object(template)
}

/// The packs that hold at least one of `runbooks`' rules (an empty pack is no template).
pub(crate) fn used_packs(runbooks: &[Runbook]) -> impl Iterator<Item = &'static Pack> + '_ {
    PACKS
        .iter()
        .filter(move |p| pack_runbooks(runbooks, p.global).next().is_some())
}

/// The rules a pack holds: the regional ones (our Lambda rules and the AWS managed rules, so
/// the pack's compliance score covers the whole posture), or the global (IAM) ones for the
/// IAM home region.
pub(crate) fn pack_runbooks(runbooks: &[Runbook], global: bool) -> impl Iterator<Item = &Runbook> {
    runbooks
        .iter()
        .filter(move |r| r.rule.is_global() == global)
}

/// A conformance pack template: Config rules and remediation configurations only, pointing at
/// the Lambdas and runbooks the member stack created in the same account and region.
fn conformance_pack(runbooks: &[Runbook], global: bool) -> Value {
    let mut parameters = Map::new();
    let mut conditions = Map::new();
    let mut resources = Map::new();
    for runbook in pack_runbooks(runbooks, global) {
        let spec = runbook.rule;
        let id = pascal(spec.id);
        parameters.extend(cfn::rule_parameters(spec));
        if spec.reads_organization() {
            parameters.insert(READER_ROLE_PARAMETER.into(), json!({"Type": "String", "Default": "", "Description": "The organization reader role's ARN (the member stack passes the one in the admin account; blank: the one in the management account)."}));
        }
        // The pack's stack passes every value in; the default only documents the declaration.
        parameters.extend(
            spec.periodic_frequency()
                .and_then(|f| cfn::frequency_parameter(spec, f)),
        );
        // Our rules name the Lambda of the same account and region; an AWS managed rule goes
        // where AWS offers it, as in the member stack (Conditions, Fn::If and AWS::NoValue
        // work in a pack's template as in a stack's).
        let (rule, placed) = match spec.delivery {
            Delivery::Lambda => (
                config_rule(
                    spec,
                    sub(&format!(
                        "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{}",
                        spec.id
                    )),
                ),
                None,
            ),
            Delivery::Managed {
                identifier,
                unavailable_in,
            } => {
                conditions.extend(member::managed_rule_conditions(spec, unavailable_in));
                let (name, parameter) = member::leave_to_security_hub_parameter(false);
                parameters.insert(name, parameter);
                let in_pack = format!("{id}InPack");
                conditions.insert(
                    in_pack.clone(),
                    json!({"Fn::And": [
                        {"Condition": member::wanted(spec)},
                        {"Condition": member::SECOND_UPDATE},
                    ]}),
                );
                let mut rule = cfn::managed_config_rule(spec, identifier);
                rule["Condition"] = json!(in_pack);
                (rule, Some(in_pack))
            }
        };
        resources.insert(format!("{id}ConfigRule"), rule);
        if runbook.resource_parameter.is_some() {
            conditions.extend(member::floor_conditions(runbook));
            let mut remediation = member::remediation_configuration(
                runbook,
                json!(spec.id),
                json!(runbook.name()),
                sub(&format!(
                    "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{}",
                    member::remediation_role_name(runbook)
                )),
                json!(spec.remediation.automatic),
                r#ref(READER_ROLE_PARAMETER),
            );
            remediation["DependsOn"] = json!(format!("{id}ConfigRule"));
            // A managed rule's comes with it; ours in the second update too.
            remediation["Condition"] =
                json!(placed.unwrap_or_else(|| member::SECOND_UPDATE.to_string()));
            resources.insert(format!("{id}Remediation"), remediation);
        }
    }
    let scope = if global {
        "the IAM home region"
    } else {
        "every target region"
    };
    if holds_second_update(&pack_runbooks(runbooks, global).collect::<Vec<_>>()) {
        parameters.insert(member::MANAGED_RULES_READY.into(), managed_rules_ready());
        conditions.insert(
            member::SECOND_UPDATE.into(),
            json!({"Fn::Equals": [r#ref(member::MANAGED_RULES_READY), "true"]}),
        );
    }
    let mut template = header(
        &format!("Neptune Guardrails conformance pack for {scope}: Config rules (ours over the member stack's Lambdas, and the AWS managed posture rules where AWS offers them) and remediation configurations over the member stack's runbooks."),
        parameters,
    );
    if !conditions.is_empty() {
        template.insert("Conditions".into(), Value::Object(conditions));
    }
    template.insert("Resources".into(), Value::Object(resources));
    Value::Object(template)
}

/// The input parameters of `pack` outside a member stack (an organization conformance pack):
/// each rule parameter at its member-template default (the flags' values), and the AWS
/// managed rules in at once.
pub(crate) fn pack_inputs(options: &SynthOptions, pack: &Pack) -> BTreeMap<String, String> {
    let (options, runbooks) = resolved(options);
    let defaults = member::parameters(&options, &runbooks);
    let default = |name: &str| match &defaults[name]["Default"] {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let mut inputs = BTreeMap::new();
    for runbook in pack_runbooks(&runbooks, pack.global) {
        for name in cfn::config_rule_parameter_names(runbook.rule) {
            inputs.insert(name.clone(), default(&name));
        }
        if !runbook.rule.is_lambda() {
            inputs.insert(
                member::LEAVE_TO_SECURITY_HUB.into(),
                default(member::LEAVE_TO_SECURITY_HUB),
            );
        }
    }
    if holds_second_update(&pack_runbooks(&runbooks, pack.global).collect::<Vec<_>>()) {
        inputs.insert(member::MANAGED_RULES_READY.into(), "true".into());
    }
    inputs
}

/// A pack's `ManagedRulesReady`: the member stack passes its own (false until `gen deploy`
/// adds the AWS managed rules and remediation configurations in an update of their own); a
/// pack used alone holds them all.
fn managed_rules_ready() -> Value {
    json!({
        "Type": "String",
        "AllowedValues": ["true", "false"],
        "Default": "true",
        "Description": "false leaves the AWS managed rules and the remediation configurations out: the member stack adds them in an update of their own, so what AWS refuses in a region rolls back only that update of the pack.",
    })
}

/// Whether these rules have anything for the second update: an AWS managed rule, or a
/// remediation configuration.
pub(crate) fn holds_second_update(runbooks: &[&Runbook]) -> bool {
    runbooks
        .iter()
        .any(|r| !r.rule.is_lambda() || r.resource_parameter.is_some())
}

/// `cfn/README.md`: what each file is and where it goes.
fn index(options: &SynthOptions, runbooks: &[Runbook]) -> String {
    let mut out = format!(
        "# Generated CloudFormation\n\nWritten by `gen synth` (mode `{}`, regions `{}`, IAM home region `{}`); do not edit — \
         change the rule declarations or `generator/src/synth/` and run `cargo run -p generator -- synth --out cfn`.\n\n\
         | file | deployed to | holds |\n|---|---|---|\n\
         | `admin-artifacts.yaml` | admin account, every target region | artifact bucket (versioned, SSE-S3, public access blocked, TLS only, read by `aws:PrincipalOrgID`) |\n\
         | `admin-stackset.yaml` | admin account, one region | service-managed StackSet of `member.yaml` with auto-deployment to the target OUs and regions |\n\
         | `member.yaml` | every member account and target region (by the StackSet) | rule Lambdas and their read-only roles, remediation runbooks and roles; where `gen deploy` found an AWS Config recorder (`ConfigRecorderReady`), the Config rules and remediation configurations (stackset mode) or the account conformance packs (conformance-pack mode) |\n\
         | `conformance-pack.yaml` | inside `member.yaml` (conformance-pack mode), or the organization conformance pack `gen deploy` puts in every target region (organization-conformance-pack mode) | Config rules and remediation configurations of the regional rules |\n\
         | `conformance-pack-iam.yaml` | same, IAM home region only | the IAM policy rule |\n",
        options.mode.as_str(),
        options.regions.join(","),
        options.iam_region(),
    );
    out.push_str("\nRunbooks (`runbooks/`, also inside `member.yaml`):\n\n| runbook | rule | Config binds | automatic by default | role may call |\n|---|---|---|---|---|\n");
    for runbook in runbooks {
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} |\n",
            runbook.name(),
            runbook.rule.id,
            runbook
                .resource_parameter
                .map_or("— (started by hand)".to_string(), |p| format!(
                    "`{p}` ← resource id"
                )),
            if runbook.rule.remediation.automatic {
                "yes"
            } else {
                "no"
            },
            runbook
                .actions()
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out.push_str(
        "\nDependent actions (Service Authorization Reference) of the runbooks' calls that their \
         roles do not hold, and why:\n\n",
    );
    for runbook in runbooks {
        for (action, why) in runbook.unneeded_dependents {
            out.push_str(&format!("- `{}`: `{action}`: {why}\n", runbook.name()));
        }
    }
    out
}
