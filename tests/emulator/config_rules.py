"""Bridges of AWS Config rules: PutEvaluations recorded, managed rules and the regions that
offer them, rules that need a recorder, and conformance packs (account and organization)
with their service-linked rules. Each is listed, with its source, in ``launcher.py``'s
docstring and in tests/README.md."""

from __future__ import annotations

import json
import random
import re
import threading
import time
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.config.models import ConfigBackend
from moto.config.models import config_backends
from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import JsonRESTError
from moto.organizations.models import organizations_backends
from moto.s3.models import s3_backends
import yaml

import config_results
import remediations
from templates import _Named, _conditions, _resolve


_recorded: list[dict[str, Any]] = []


_recorded_lock = threading.Lock()


def _patch_put_evaluations() -> None:
    original = ConfigBackend.put_evaluations

    def put_evaluations(self, evaluations=None, result_token=None, test_mode=False):
        # Keep moto's own validation (no list, missing token) by calling it in test mode; an
        # empty list is valid (bridge 18, config_results.py).
        if evaluations == []:
            if not result_token:
                return original(self, evaluations, result_token, True)
            if not test_mode:
                config_results.record(self, result_token, [])
            return {"FailedEvaluations": []}
        result = original(self, evaluations, result_token, True)
        if not test_mode:
            config_results.record(self, result_token, evaluations)
        with _recorded_lock:
            for evaluation in evaluations or []:
                _recorded.append(
                    {
                        "ResultToken": result_token,
                        "TestMode": bool(test_mode),
                        "Evaluation": evaluation,
                    }
                )
        return result

    ConfigBackend.put_evaluations = put_evaluations


_REGION_NAMES = {
    "ap-east-2": "Asia Pacific (Taipei)", "ap-south-2": "Asia Pacific (Hyderabad)",
    "ap-southeast-3": "Asia Pacific (Jakarta)", "ap-southeast-4": "Asia Pacific (Melbourne)",
    "ap-southeast-5": "Asia Pacific (Malaysia)", "ap-southeast-6": "Asia Pacific (New Zealand)",
    "ap-southeast-7": "Asia Pacific (Thailand)", "ca-west-1": "Canada West (Calgary)",
    "cn-north-1": "China (Beijing)", "cn-northwest-1": "China (Ningxia)",
    "eu-central-2": "Europe (Zurich)", "eu-south-1": "Europe (Milan)",
    "eu-south-2": "Europe (Spain)", "il-central-1": "Israel (Tel Aviv)",
    "mx-central-1": "Mexico (Central)", "us-gov-east-1": "AWS GovCloud (US-East)",
    "us-gov-west-1": "AWS GovCloud (US-West)", "af-south-1": "Africa (Cape Town)",
    "me-central-1": "Middle East (UAE)", "ap-northeast-3": "Asia Pacific (Osaka)",
}


def managed_rule_offered(identifier: str, region: str) -> bool:
    """Whether AWS offers managed rule ``identifier`` in ``region``: its page lists the
    regions it is not in as "All supported AWS regions except …" (moto's copy of the text)."""
    from moto.config.models import MANAGED_RULES_CONSTRAINTS

    text = MANAGED_RULES_CONSTRAINTS.get(identifier, {}).get("AWS Region", "")
    name = _REGION_NAMES.get(region)
    return not (text.startswith("All supported AWS regions except") and name and name in text)


# (identifier, region) pairs a test says AWS no longer offers (the pages AWS keeps of a managed
# rule disagree on its regions): ``GET /_guardrails/withdraw-managed-rule?identifier=X&region=R``.
_withdrawn_managed_rules: set[tuple[str, str]] = set()


def _patch_managed_rule_refusals() -> None:
    """Gap 21: managed rules only where AWS offers them, and never with a blank parameter."""
    from moto.config.exceptions import InvalidParameterValueException

    original = ConfigBackend.put_config_rule

    def put_config_rule(self, config_rule, tags=None):
        source = config_rule.get("Source") or {}
        if source.get("Owner") == "AWS":
            identifier = source.get("SourceIdentifier", "")
            withdrawn = (identifier, self.region_name) in _withdrawn_managed_rules
            if withdrawn or not managed_rule_offered(identifier, self.region_name):
                raise InvalidParameterValueException(
                    f"The sourceIdentifier {identifier} is invalid.  Please refer to the "
                    "documentation for a list of valid sourceIdentifiers that can be used when "
                    "AWS is the Owner"
                )
            raw = config_rule.get("InputParameters") or "{}"
            for name, value in json.loads(raw).items():
                if str(value).strip() == "":
                    raise InvalidParameterValueException(
                        f"Blank spaces are not acceptable for input parameter: {name}."
                    )
        return original(self, config_rule, tags)

    ConfigBackend.put_config_rule = put_config_rule


class _OrganizationConformancePackFromTemplate(_Named, CloudFormationModel):
    """Gap 9: ``AWS::Config::OrganizationConformancePack`` through moto's own API."""

    __module__ = "moto.config.guardrails_bridge_packs"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "OrganizationConformancePackName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Config::OrganizationConformancePack"

    @staticmethod
    def _put(properties, account_id, region_name) -> str:
        config_backends[account_id][region_name].put_organization_conformance_pack(
            name=properties["OrganizationConformancePackName"],
            template_s3_uri=properties.get("TemplateS3Uri", ""),
            template_body=properties.get("TemplateBody", ""),
            delivery_s3_bucket=properties.get("DeliveryS3Bucket", ""),
            delivery_s3_key_prefix=properties.get("DeliveryS3KeyPrefix", ""),
            input_parameters=properties.get("ConformancePackInputParameters", []),
            excluded_accounts=properties.get("ExcludedAccounts", []),
        )
        return properties["OrganizationConformancePackName"]

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        return cls(cls._put(cloudformation_json["Properties"], account_id, region_name))

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        return cls(cls._put(cloudformation_json["Properties"], account_id, region_name))

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name
    ):
        config_backends[account_id][region_name].delete_organization_conformance_pack(
            resource_name
        )


class _NoRecorder(JsonRESTError):
    """PutConfigRule's refusal without a recorder, in AWS's words (moto's exception of that
    name speaks of delivery channels)."""

    code = 400

    def __init__(self) -> None:
        super().__init__(
            "NoAvailableConfigurationRecorderException",
            "There are no configuration recorders available to provide the role needed to "
            "describe your resources. Create a configuration recorder.",
        )


def _patch_rules_need_a_recorder() -> None:
    """Gap 13: PutConfigRule needs a configuration recorder in the account and region."""
    original = ConfigBackend.put_config_rule

    def put_config_rule(self, config_rule, tags=None):
        if not self.recorders:
            raise _NoRecorder()
        return original(self, config_rule, tags)

    ConfigBackend.put_config_rule = put_config_rule


def _pack_id(account_id: str, region: str, pack: str) -> str:
    """The id AWS gives a conformance pack in an account and region, kept while it exists
    (its rules' names end in it)."""
    return _pack_ids.setdefault(
        (account_id, region, pack),
        "".join(random.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=8)),
    )


_pack_ids: dict[tuple[str, str, str], str] = {}


def _put_pack_rules(body: str, inputs: list, account_id: str, region: str, suffix: str) -> list[str]:
    """Put every ``AWS::Config::ConfigRule`` of a conformance pack template whose condition
    holds in one account and region through PutConfigRule (with its refusals), named for the
    pack's id ``suffix``; the names put. A failure removes the rules this call already put
    (the pack's stack rolls back) and raises."""
    template = yaml.safe_load(body)
    parameters = {
        name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()
    }
    parameters.update({p["ParameterName"]: p["ParameterValue"] for p in inputs or []})
    conditions = _conditions(template, parameters, account_id, region)
    backend = config_backends[account_id][region]
    put: list[str] = []
    try:
        for logical_id, resource in template.get("Resources", {}).items():
            if resource.get("Type") != "AWS::Config::ConfigRule":
                continue
            if "Condition" in resource and not conditions[resource["Condition"]]:
                continue
            rule = _resolve(dict(resource["Properties"]), parameters, account_id, region, conditions)
            rule.setdefault("ConfigRuleName", logical_id)
            # A pack's rules are service-linked rules of config-conforms.amazonaws.com, named
            # NAME-conformance-pack-ID (one ID per pack and account), not NAME.
            rule["ConfigRuleName"] = f"{rule['ConfigRuleName']}-conformance-pack-{suffix}"
            if isinstance(rule.get("InputParameters"), dict):
                rule["InputParameters"] = json.dumps(rule["InputParameters"], sort_keys=True)
            backend.put_config_rule(rule)
            backend.config_rules[rule["ConfigRuleName"]].created_by = remediations.PACK_SERVICE
            put.append(rule["ConfigRuleName"])
        # The pack's remediations, each on its rule (the template names the rule as given).
        for logical_id, resource in template.get("Resources", {}).items():
            if resource.get("Type") != "AWS::Config::RemediationConfiguration":
                continue
            if "Condition" in resource and not conditions[resource["Condition"]]:
                continue
            configuration = _resolve(
                dict(resource["Properties"]), parameters, account_id, region, conditions
            )
            given = configuration["ConfigRuleName"]
            configuration["ConfigRuleName"] = next(
                (n for n in put if n.startswith(f"{given}-conformance-pack-")), given
            )
            remediations.put(account_id, region, configuration, by_pack=True)
    except Exception:
        for name in put:
            backend.delete_config_rule(name)
        raise
    return put


def _patch_organization_packs() -> None:
    """Gap 14: an organization conformance pack is deployed to every account not excluded."""
    original_put = ConfigBackend.put_organization_conformance_pack
    original_delete = ConfigBackend.delete_organization_conformance_pack
    original_statuses = ConfigBackend.describe_organization_conformance_pack_statuses

    def put(self, name, template_s3_uri, template_body, delivery_s3_bucket,
            delivery_s3_key_prefix, input_parameters, excluded_accounts):
        previous = getattr(self.organization_conformance_packs.get(name), "guardrails_accounts", {})
        result = original_put(self, name, template_s3_uri, template_body, delivery_s3_bucket,
                              delivery_s3_key_prefix, input_parameters, excluded_accounts)
        pack = self.organization_conformance_packs[name]
        if template_s3_uri:  # AWS: "If you provide both Config uses the TemplateS3Uri"
            bucket, key = re.match(r"s3://([^/]+)/(.+)", template_s3_uri).groups()
            template_body = s3_backends[self.account_id]["aws"].get_object(bucket, key).value.decode()
        organization = organizations_backends[self.account_id]["aws"]
        verb = "UPDATE" if previous else "CREATE"
        statuses = {}
        for account in organization.accounts:
            # An update replaces the account's rules; an account now excluded loses them.
            for rule in previous.get(account.id, {}).get("Rules", []):
                config_backends[account.id][self.region_name].delete_config_rule(rule)
            if account.id in (excluded_accounts or []):
                _pack_ids.pop((account.id, self.region_name, f"OrgConformsPack-{name}"), None)
                continue
            try:
                pack_id = _pack_id(account.id, self.region_name, f"OrgConformsPack-{name}")
                rules = _put_pack_rules(
                    template_body, input_parameters, account.id, self.region_name, pack_id
                )
                statuses[account.id] = {"Status": f"{verb}_SUCCESSFUL", "Rules": rules}
            except Exception as error:  # the account's own refusal, reported per account
                statuses[account.id] = {
                    "Status": f"{verb}_FAILED", "ErrorMessage": str(error), "Rules": []
                }
        pack.guardrails_accounts = statuses
        failed = any(s["Status"].endswith("_FAILED") for s in statuses.values())
        pack._status = f"{verb}_FAILED" if failed else f"{verb}_SUCCESSFUL"
        return result

    def detailed_status(self, name):
        pack = self.organization_conformance_packs.get(name)
        if pack is None or not hasattr(pack, "guardrails_accounts"):
            return original_detailed(self, name)
        rows = []
        for account, status in sorted(pack.guardrails_accounts.items()):
            row = {
                "AccountId": account,
                "ConformancePackName": f"OrgConformsPack-{pack._unique_pack_name}",
                "Status": status["Status"],
                "LastUpdateTime": time.time(),
            }
            if "ErrorMessage" in status:
                row["ErrorCode"], row["ErrorMessage"] = status["Status"], status["ErrorMessage"]
            rows.append(row)
        return {"OrganizationConformancePackDetailedStatuses": rows}

    def delete(self, name):
        pack = self.organization_conformance_packs.get(name)
        for account, status in getattr(pack, "guardrails_accounts", {}).items():
            for rule in status["Rules"]:
                config_backends[account][self.region_name].delete_config_rule(rule)
        return original_delete(self, name)

    original_detailed = ConfigBackend.get_organization_conformance_pack_detailed_status
    ConfigBackend.put_organization_conformance_pack = put
    ConfigBackend.get_organization_conformance_pack_detailed_status = detailed_status
    ConfigBackend.delete_organization_conformance_pack = delete
    ConfigBackend.describe_organization_conformance_pack_statuses = original_statuses


class _ConformancePackFromTemplate(_Named, CloudFormationModel):
    """Gap 15: ``AWS::Config::ConformancePack`` in moto's CloudFormation, its rules through
    PutConfigRule in the stack's own account and region."""

    __module__ = "moto.config.guardrails_bridge_account_packs"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "ConformancePackName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Config::ConformancePack"

    def __init__(self, name: str, rules: list[str]):
        super().__init__(name)
        self.rules = rules

    @classmethod
    def _put(cls, properties, account_id, region_name):
        body = properties["TemplateBody"]
        if len(body) > 51200:
            # botocore ``config`` model, shape ``TemplateBody``: "max": 51200.
            raise ValidationError(
                message=f"1 validation error detected: Value at 'templateBody' failed to satisfy "
                f"constraint: Member must have length less than or equal to 51200 ({len(body)})"
            )
        name = properties["ConformancePackName"]
        rules = _put_pack_rules(
            properties["TemplateBody"],
            properties.get("ConformancePackInputParameters", []),
            account_id,
            region_name,
            _pack_id(account_id, region_name, name),
        )
        _account_packs[(account_id, region_name, properties["ConformancePackName"])] = rules
        return cls(properties["ConformancePackName"], rules)

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        return cls._put(cloudformation_json["Properties"], account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        """The pack keeps its id; its rules are those of the new template and inputs."""
        cls._remove_rules(original_resource.name, account_id, region_name)
        return cls._put(cloudformation_json["Properties"], account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name
    ):
        cls._remove_rules(resource_name, account_id, region_name)
        _pack_ids.pop((account_id, region_name, resource_name), None)

    @staticmethod
    def _remove_rules(name, account_id, region_name):
        backend = config_backends[account_id][region_name]
        for rule in _account_packs.pop((account_id, region_name, name), []):
            backend.delete_config_rule(rule)


_account_packs: dict[tuple[str, str, str], list[str]] = {}
