"""Bridge 24: AWS Config remediation configurations, which moto does not model.

moto 5.2 has no remediation API and its CloudFormation skips
``AWS::Config::RemediationConfiguration``, so a template's remediations were never seen. This
bridge keeps them in-process and answers, from the botocore ``config`` model (2014-11-12):

* ``PutRemediationConfigurations`` ("Adds or updates the remediation configuration with a
  specific Config rule with the selected target or action"): the rule must exist in the
  account and region (``NoSuchConfigRuleException`` is the error AWS Config gives for a rule
  it does not know in the neighbouring calls; the model lists ``InvalidParameterValueException``
  and ``InsufficientPermissionsException`` for this one, and the emulator uses the latter's
  shape for the two refusals below).
* A conformance pack's rules are service-linked rules of ``config-conforms.amazonaws.com``
  (bridge 15); only the pack may give them a remediation: ``ConfigConformsServiceRolePolicy``
  reaches only them, and the account's own calls are refused
  ("InsufficientPermissionsException ... the Config rule is service-linked").
* Remediation is offered in the regions AWS Config's "Remediation Actions | Region Support"
  page lists, which the stored copies reachable here give only in part. Under the strictest
  reading any region may lack it: a test withdraws it in a region
  (``GET /_guardrails/withdraw-remediation?region=R``, empty to restore), where every put is
  refused, so the product must not let such a refusal roll back anything else. How AWS
  answers there is not documented; the refusal uses ``InvalidParameterValueException``.
* ``DescribeRemediationConfigurations`` (by ``ConfigRuleNames``) and
  ``DeleteRemediationConfiguration``; deleting a rule deletes its remediation (CloudFormation
  deletes a remediation before the rule it names; a pack deletes both).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from moto.config.exceptions import InvalidParameterValueException, NoSuchConfigRuleException
from moto.config.models import ConfigBackend, config_backends
from moto.config.responses import ConfigResponse
from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import JsonRESTError

WITHDRAW_PATH = "/_guardrails/withdraw-remediation"
PACK_SERVICE = "config-conforms.amazonaws.com"

_lock = threading.Lock()
# (account, region) -> {rule name: RemediationConfiguration}
_configs: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
_withdrawn_regions: set[str] = set()


class InsufficientPermissionsException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InsufficientPermissionsException", message)


def put(account: str, region: str, configuration: dict[str, Any], by_pack: bool = False) -> None:
    """One remediation configuration, with AWS's refusals."""
    if region in _withdrawn_regions:
        raise InvalidParameterValueException(
            f"Remediation actions are not supported in the region {region}."
        )
    backend = config_backends[account][region]
    name = configuration.get("ConfigRuleName", "")
    rule = backend.config_rules.get(name)
    if rule is None:
        raise NoSuchConfigRuleException(name)
    if getattr(rule, "created_by", None) == PACK_SERVICE and not by_pack:
        raise InsufficientPermissionsException(
            f"The Config rule {name} is service-linked (created by {PACK_SERVICE}); "
            "only its conformance pack may change its remediation."
        )
    with _lock:
        _configs.setdefault((account, region), {})[name] = dict(configuration)


def delete(account: str, region: str, rule: str) -> None:
    with _lock:
        _configs.get((account, region), {}).pop(rule, None)


def withdraw(region: str) -> list[str]:
    """The test aid: remediation refused in `region` (empty: offered everywhere again)."""
    if region:
        _withdrawn_regions.add(region)
    else:
        _withdrawn_regions.clear()
    return sorted(_withdrawn_regions)


def put_remediation_configurations(self: ConfigResponse) -> str:
    for configuration in self._get_param("RemediationConfigurations") or []:
        put(self.current_account, self.region, configuration)
    return json.dumps({"FailedBatches": []})


def describe_remediation_configurations(self: ConfigResponse) -> str:
    names = self._get_param("ConfigRuleNames") or []
    with _lock:
        held = _configs.get((self.current_account, self.region), {})
        found = [held[n] for n in names if n in held]
    return json.dumps({"RemediationConfigurations": found})


def delete_remediation_configuration(self: ConfigResponse) -> str:
    delete(self.current_account, self.region, self._get_param("ConfigRuleName"))
    return "{}"


class _Named:
    """Known by its name (a mixin: moto finds resource types among the direct subclasses of
    ``CloudFormationModel``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        return self.name


class RemediationFromTemplate(_Named, CloudFormationModel):
    """``AWS::Config::RemediationConfiguration`` in moto's CloudFormation, through `put`."""

    __module__ = "moto.config.guardrails_bridge_remediations"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Config::RemediationConfiguration"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        configuration = dict(cloudformation_json.get("Properties", {}))
        put(account_id, region_name, configuration)
        return cls(configuration["ConfigRuleName"])

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name
    ):
        delete(account_id, region_name, resource_name)


def patch() -> None:
    ConfigResponse.put_remediation_configurations = put_remediation_configurations
    ConfigResponse.describe_remediation_configurations = describe_remediation_configurations
    ConfigResponse.delete_remediation_configuration = delete_remediation_configuration
    original_delete_rule = ConfigBackend.delete_config_rule

    def delete_config_rule(self, rule_name):
        delete(self.account_id, self.region_name, rule_name)
        return original_delete_rule(self, rule_name)

    ConfigBackend.delete_config_rule = delete_config_rule
