"""Bridges 26 and 27: how AWS reports the health of a rule, which moto does not.

Bridge 26, ``DescribeConfigRuleEvaluationStatus`` (moto 5.2 lacks it). From the botocore
``config`` model (2014-11-12): the request takes ``ConfigRuleNames`` (at most 25), ``Limit``
(0 to 50) and ``NextToken``; the answer lists ``ConfigRulesEvaluationStatus`` with
``ConfigRuleName``, ``ConfigRuleArn``, ``ConfigRuleId``, ``FirstActivatedTime``,
``FirstEvaluationStarted``, the last successful and failed invocation and evaluation times,
``LastErrorCode`` and ``LastErrorMessage``; errors ``NoSuchConfigRuleException``,
``InvalidParameterValueException``, ``InvalidNextTokenException``. The model's text on
``ConfigRuleEvaluationStatus`` says "This operation does not return status information
about Config Custom Lambda rules" while AWS's console shows invocation times for them: the
strictest reading is modelled, so a ``CUSTOM_LAMBDA`` rule is never in the answer (named or
not), and a product must learn of a failing rule Lambda elsewhere (bridge 27). A page holds
10 rules when ``Limit`` is 0 or absent (the model gives no default; a small page makes a
client that ignores ``NextToken`` miss rules). A rule's evaluation history is set through the
test aid ``GET /_guardrails/rule-evaluation?account=A&region=R&rule=NAME[&error=CODE&message=M]``
(a success, or a failure with its code and message), standing in for Config running it.

Bridge 27, Lambda's metrics. Lambda sends each function's ``Invocations`` and ``Errors`` to
CloudWatch, namespace ``AWS/Lambda``, dimension ``FunctionName`` (AWS Lambda Developer Guide,
"Types of metrics for Lambda functions"); moto runs no deployed function.
``GET /_guardrails/lambda-invocations?account=A&region=R&function=F&invocations=N&errors=E``
records N invocations of F, E of them failed, now, in moto's CloudWatch of that account and
region, as Lambda would have: ``GetMetricData`` and ``GetMetricStatistics`` then answer them.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any
from urllib.parse import parse_qs

from moto.cloudwatch.models import cloudwatch_backends
from moto.core.utils import utcnow
from moto.config.exceptions import (
    NoSuchConfigRuleException,
    ValidationException,
)
from moto.config.models import ConfigBackend, config_backends
from moto.config.responses import ConfigResponse

import config_results

RULE_EVALUATION_PATH = "/_guardrails/rule-evaluation"
LAMBDA_INVOCATIONS_PATH = "/_guardrails/lambda-invocations"
DEFAULT_PAGE = 10

_lock = threading.Lock()
# (account, region, rule name) -> the status fields beyond the rule's identity
_status: dict[tuple[str, str, str], dict[str, Any]] = {}


def _now() -> float:
    return datetime.datetime.now(datetime.timezone.utc).timestamp()


def _patch_activation() -> None:
    """Keep the time each rule was first put (``FirstActivatedTime``)."""
    original = ConfigBackend.put_config_rule

    def put_config_rule(self, config_rule, tags=None):
        answer = original(self, config_rule, tags)
        name = config_rule.get("ConfigRuleName")
        with _lock:
            _status.setdefault((self.account_id, self.region_name, name), {"FirstActivatedTime": _now()})
        return answer

    ConfigBackend.put_config_rule = put_config_rule


def _too_many(value: Any, member: str, most: int) -> ValidationException:
    return ValidationException(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: Member must have {'length' if member == 'configRuleNames' else 'value'} "
        f"less than or equal to {most}"
    )


def describe_config_rule_evaluation_status(self: ConfigResponse) -> str:
    backend = config_backends[self.current_account][self.region]
    names = self._get_param("ConfigRuleNames") or []
    if len(names) > 25:
        raise _too_many(names, "configRuleNames", 25)
    limit = self._get_param("Limit") or DEFAULT_PAGE
    if limit > 50:
        raise _too_many(limit, "limit", 50)
    for name in names:
        if name not in backend.config_rules:
            raise NoSuchConfigRuleException(name)
    chosen = sorted(names or backend.config_rules)
    reported = [n for n in chosen if backend.config_rules[n].source.owner != "CUSTOM_LAMBDA"]

    def status(name: str) -> dict[str, Any]:
        rule = backend.config_rules[name]
        with _lock:
            held = dict(_status.get((backend.account_id, backend.region_name, name), {}))
        held.setdefault("FirstActivatedTime", _now())
        held.setdefault("FirstEvaluationStarted", False)
        return {
            "ConfigRuleName": name,
            "ConfigRuleArn": rule.config_rule_arn,
            "ConfigRuleId": rule.config_rule_id,
            **held,
        }

    return config_results.paged(self, [status(n) for n in reported], limit, "ConfigRulesEvaluationStatus")


def record_evaluation(query: str) -> dict[str, Any]:
    """The test aid of bridge 26: one run of a rule, succeeded or failed."""
    params = {k: v[0] for k, v in parse_qs(query).items()}
    key = (params["account"], params["region"], params["rule"])
    now = _now()
    with _lock:
        held = _status.setdefault(key, {"FirstActivatedTime": now})
        held["FirstEvaluationStarted"] = True
        if params.get("error"):
            held.update(
                LastFailedInvocationTime=now,
                LastFailedEvaluationTime=now,
                LastErrorCode=params["error"],
                LastErrorMessage=params.get("message", ""),
            )
        else:
            held.update(LastSuccessfulInvocationTime=now, LastSuccessfulEvaluationTime=now)
        return dict(held)


def record_invocations(query: str) -> dict[str, Any]:
    """The test aid of bridge 27: invocations of a function, as Lambda reports them."""
    params = {k: v[0] for k, v in parse_qs(query).items()}
    backend = cloudwatch_backends[params["account"]][params["region"]]
    now = utcnow()
    dimensions = [{"Name": "FunctionName", "Value": params["function"]}]
    counts = {"Invocations": int(params.get("invocations", 1)), "Errors": int(params.get("errors", 0))}
    backend.put_metric_data(
        "AWS/Lambda",
        [
            {"MetricName": metric, "Value": float(count), "Unit": "Count", "Dimensions": dimensions, "Timestamp": now}
            for metric, count in counts.items()
        ],
    )
    return counts


def patch() -> None:
    _patch_activation()
    ConfigResponse.describe_config_rule_evaluation_status = describe_config_rule_evaluation_status
