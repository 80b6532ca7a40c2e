"""Bridge 18: AWS Config's recorded evaluation results, which moto does not keep.

On AWS, an evaluation a rule sends with ``PutEvaluations`` becomes the rule's *result* for
that resource, and ``GetComplianceDetailsByConfigRule`` returns the results ("Returns the
evaluation results for the specified Config rule. The results indicate which Amazon Web
Services resources were evaluated by the rule, when each resource was last evaluated, and
whether each resource complies with the rule", AWS Config API Reference). moto 5.2 has no
such operation and stores no evaluation. What this bridge models, each from the botocore
``config`` model (2014-11-12) and that page:

* A ``ResultToken`` "associates an evaluation with an Config rule" (``EvaluationResult``
  shape). Config hands it to the rule's Lambda with the event; here the testkit registers
  each event's token and ``configRuleName`` when it serves the event
  (``POST /_guardrails/invocations?token=T&rule=R``), as Config would have issued it.
  ``PutEvaluations`` outside test mode with a token nobody issued is refused with
  ``InvalidResultTokenException`` (listed in the operation's errors).
* Each accepted evaluation becomes the resource's result (the API reference does not say how
  Config orders evaluations of one resource beyond their ``OrderingTimestamp`` "of the event
  that triggered the evaluation"; here the one recorded last wins). ``TestMode`` evaluations
  are validated, not stored ("No updates occur to your existing evaluations, and evaluation
  results are not sent to AWS Config").
* NOT_APPLICABLE is absence, the strictest reading AWS's documentation allows: a
  NOT_APPLICABLE evaluation removes the resource's result instead of being stored, so no
  NOT_APPLICABLE result ever comes back. AWS documents only that a rule whose Lambda
  "has returned NOT_APPLICABLE for all evaluation results" has no current evaluation results
  (DescribeComplianceByConfigRule, DescribeComplianceByResource), not that such results are
  returned; rdklib reads COMPLIANT and NON_COMPLIANT only. A product that relies on getting
  NOT_APPLICABLE results back (to avoid sending them again) fails here.
* ``PutEvaluations`` with an empty ``Evaluations`` list is accepted and records nothing
  (botocore model, shape ``Evaluations``: ``"min": 0``; API Reference: "Array Members:
  Minimum number of 0 items"); moto refuses it ("cannot be null"), which stays the answer
  for a request without the list. The token must still have been issued.
* ``GetComplianceDetailsByConfigRule``: ``ConfigRuleName`` must name a rule (one issued a
  token, or one moto knows) or the answer is ``NoSuchConfigRuleException``; ``Limit`` "The
  default is 10. You cannot specify a number greater than 100. If you specify 0, Config
  uses the default" (a larger one is a ``ValidationException``, as the shape's max of 100
  is enforced by AWS); ``ComplianceTypes`` filters, and ``INSUFFICIENT_DATA`` "cannot be
  used as a ComplianceType for filtering results" (``InvalidParameterValueException``);
  ``NextToken`` pages, and one that was not issued is ``InvalidNextTokenException``.
* ``GetComplianceDetailsByResource`` ("Returns the evaluation results for the specified
  Amazon Web Services resource. The results indicate which Config rules were used to
  evaluate the resource"), which moto lacks: the results of every rule of the account and
  region for ``ResourceType`` and ``ResourceId`` (both needed without a
  ``ResourceEvaluationId``), with the same ``ComplianceTypes`` filter and refusal; the
  model gives no page size, so 100 a page with ``NextToken`` as above.
"""

from __future__ import annotations

import datetime
import json
import threading
from typing import Any

from moto.config.exceptions import (
    InvalidNextTokenException,
    InvalidParameterValueException,
    NoSuchConfigRuleException,
    ValidationException,
)
from moto.config.models import ConfigBackend, config_backends
from moto.config.responses import ConfigResponse
from moto.core.exceptions import JsonRESTError

INVOCATIONS_PATH = "/_guardrails/invocations"
COMPLIANCE_TYPES = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")

_lock = threading.Lock()
_rule_of_token: dict[str, str] = {}
# (account, region, rule) -> {(resource type, resource id): EvaluationResult}
_results: dict[tuple[str, str, str], dict[tuple[str, str], dict[str, Any]]] = {}


class InvalidResultTokenException(JsonRESTError):
    code = 400

    def __init__(self) -> None:
        super().__init__("InvalidResultTokenException", "The specified ResultToken is not valid.")


def register_invocation(token: str, rule: str) -> None:
    """What Config does when it invokes a rule's Lambda: issue the event's result token."""
    with _lock:
        _rule_of_token[token] = rule


def _epoch(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def record(backend: ConfigBackend, token: str, evaluations: list[dict[str, Any]]) -> None:
    """Store accepted (non-test-mode) evaluations as the results of the token's rule."""
    with _lock:
        rule = _rule_of_token.get(token)
        if rule is None:
            raise InvalidResultTokenException()
        results = _results.setdefault((backend.account_id, backend.region_name, rule), {})
        now = datetime.datetime.now(datetime.timezone.utc).timestamp()
        for evaluation in evaluations:
            key = (evaluation["ComplianceResourceType"], evaluation["ComplianceResourceId"])
            if evaluation["ComplianceType"] == "NOT_APPLICABLE":
                results.pop(key, None)
                continue
            ordering = _epoch(evaluation["OrderingTimestamp"])
            result = {
                "EvaluationResultIdentifier": {
                    "EvaluationResultQualifier": {
                        "ConfigRuleName": rule,
                        "ResourceType": key[0],
                        "ResourceId": key[1],
                        "EvaluationMode": "DETECTIVE",
                    },
                    "OrderingTimestamp": ordering,
                },
                "ComplianceType": evaluation["ComplianceType"],
                "ResultRecordedTime": now,
                "ConfigRuleInvokedTime": now,
            }
            if evaluation.get("Annotation"):
                result["Annotation"] = evaluation["Annotation"]
            results[key] = result


def _known_rule(backend: ConfigBackend, rule: str) -> bool:
    with _lock:
        issued = rule in _rule_of_token.values()
    return issued or rule in backend.config_rules


def _compliance_filter(self: ConfigResponse) -> list[str]:
    wanted = self._get_param("ComplianceTypes") or list(COMPLIANCE_TYPES)
    if any(c not in COMPLIANCE_TYPES for c in wanted):
        raise InvalidParameterValueException(
            f"ComplianceTypes {wanted} may hold only {', '.join(COMPLIANCE_TYPES)}"
        )
    return wanted


def paged(self: ConfigResponse, matching: list, limit: int, key: str = "EvaluationResults") -> str:
    """One page of `matching` under `key`, from the request's NextToken (one this emulator
    issued, else InvalidNextTokenException), with the next page's token when there is one."""
    token = self._get_param("NextToken")
    start = 0
    if token:
        if not token.isdigit() or int(token) >= len(matching):
            raise InvalidNextTokenException()
        start = int(token)
    page = matching[start : start + limit]
    answer: dict[str, Any] = {key: page}
    if start + limit < len(matching):
        answer["NextToken"] = str(start + limit)
    return json.dumps(answer)


def get_compliance_details_by_resource(self: ConfigResponse) -> str:
    backend = config_backends[self.current_account][self.region]
    resource = (self._get_param("ResourceType"), self._get_param("ResourceId"))
    if not all(resource):
        raise InvalidParameterValueException(
            "You need to provide either a ResourceEvaluationId or a ResourceId and ResourceType."
        )
    wanted = _compliance_filter(self)
    with _lock:
        matching = [
            held[resource]
            for (account, region, _), held in sorted(_results.items())
            if (account, region) == (backend.account_id, backend.region_name)
            and resource in held
            and held[resource]["ComplianceType"] in wanted
        ]
    return paged(self, matching, 100)


def get_compliance_details_by_config_rule(self: ConfigResponse) -> str:
    backend = config_backends[self.current_account][self.region]
    rule = self._get_param("ConfigRuleName")
    if not rule or not _known_rule(backend, rule):
        raise NoSuchConfigRuleException(rule)
    wanted = _compliance_filter(self)
    limit = self._get_param("Limit") or 10
    if limit > 100:
        raise ValidationException(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
            "constraint: Member must have value less than or equal to 100"
        )
    with _lock:
        held = _results.get((backend.account_id, backend.region_name, rule), {})
        matching = [r for _, r in sorted(held.items()) if r["ComplianceType"] in wanted]
    return paged(self, matching, limit)


def patch() -> None:
    ConfigResponse.get_compliance_details_by_config_rule = get_compliance_details_by_config_rule
    ConfigResponse.get_compliance_details_by_resource = get_compliance_details_by_resource
