#!/usr/bin/env python3
"""Start moto in server mode on 127.0.0.1 with the few patches Neptune Guardrails needs.

moto is the real AWS API emulator of our tests; this launcher only bridges gaps in it, each
one patched in-process and listed here (and in README.md, "Test world"):

1. Config ``PutEvaluations`` is refused by moto unless ``TestMode`` is true. Here it is
   accepted and every evaluation is *recorded* with its ResultToken, so tests read back
   exactly what a rule reported: ``GET /_guardrails/evaluations[?token=T]`` returns a JSON
   list of ``{"ResultToken", "TestMode", "Evaluation"}`` objects. Nothing else changes:
   validation of an empty list or a missing token stays moto's.
2. Neptune clusters cannot have IAM database authentication in moto 5.2: ``CreateDBCluster``
   with ``EnableIAMDatabaseAuthentication=True`` fails ("not supported by Multi-AZ DB
   clusters") and ``ModifyDBCluster`` ignores it. Here both work for engine ``neptune``, as
   in AWS.
3. IAM ``GetAccountAuthorizationDetails`` leaves ``PolicyName`` and ``PolicyId`` out of each
   managed policy (moto's serializer finds no attribute of those names on its
   ``ManagedPolicy``); AWS Config identifies a policy by its ``PolicyId``, so both are
   served here from the policy's own name and id. moto also ignores ``MaxItems`` there and
   returns one page.
4. EC2 VPC endpoints are always ``available`` in moto (``pending`` cannot be reached through
   the API). An endpoint created with the tag ``guardrails:emulated-state=STATE`` reports that
   state instead, so tests can show a rule a pending endpoint.
5. EC2 ``DescribeVpcEndpoints`` ignores ``MaxResults``/``NextToken`` and answers in one page.
   With ``--ec2-page-size N`` it pages (at most N items, ``NextToken`` = offset), as AWS may
   return fewer items than asked for; tests use it to exercise pagination cheaply.
6. moto's CloudFormation has no ``AWS::Config::ConfigRule`` (it skips the resource with a
   warning). Here a template's ConfigRule is created through moto's own ``PutConfigRule``
   (which checks that the rule's Lambda exists) and deleted with the stack, so a deployed
   member template shows its rules in ``DescribeConfigRules``. ``AWS::Config::
   RemediationConfiguration`` stays unsupported: moto has no remediation API to bridge to.

Not a patch but an observation aid: every API request is counted by service and action
(from the SigV4 credential scope and the ``Action`` parameter or ``X-Amz-Target``);
``GET /_guardrails/calls`` returns ``{"service:Action": count}`` so tests can assert how
many calls a rule makes.

Usage: ``launcher.py [--port N] [--exit-on-stdin-eof] [--ec2-page-size N]``. Port 0 (the default) picks a free
port; the chosen one is printed as ``GUARDRAILS_EMULATOR_PORT=N`` on the first stdout line.
With ``--exit-on-stdin-eof`` the process exits when its stdin closes, so a test process
that dies never leaves an emulator behind.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import threading
from collections import Counter
from typing import Any
from urllib.parse import parse_qs

from moto.config.models import ConfigBackend
from moto.config.models import config_backends
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult
from moto.ec2.models.vpcs import VPCEndPoint
from moto.ec2.responses.vpcs import VPCs
from moto.iam.models import ManagedPolicy
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.rds.models import DBCluster, RDSBackend
from werkzeug.serving import make_server

EVALUATIONS_PATH = "/_guardrails/evaluations"
CALLS_PATH = "/_guardrails/calls"
EMULATED_STATE_TAG = "guardrails:emulated-state"

_calls: Counter = Counter()
_calls_lock = threading.Lock()

_recorded: list[dict[str, Any]] = []
_recorded_lock = threading.Lock()


def _patch_put_evaluations() -> None:
    original = ConfigBackend.put_evaluations

    def put_evaluations(self, evaluations=None, result_token=None, test_mode=False):
        # Keep moto's own validation (empty list, missing token) by calling it in test mode.
        result = original(self, evaluations, result_token, True)
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


def _patch_neptune_iam_auth() -> None:
    original_init = DBCluster.__init__

    def init(self, *args, **kwargs):
        wants_iam = kwargs.get("enable_iam_database_authentication")
        if kwargs.get("engine") == "neptune" and wants_iam:
            kwargs = dict(kwargs, enable_iam_database_authentication=False)
        original_init(self, *args, **kwargs)
        if kwargs.get("engine") == "neptune":
            self.iam_auth = bool(wants_iam)

    original_modify = RDSBackend.modify_db_cluster

    def modify_db_cluster(self, kwargs):
        wants_iam = kwargs.get("enable_iam_database_authentication")
        cluster = original_modify(self, kwargs)
        if wants_iam is not None:
            stored = self.clusters[cluster.db_cluster_identifier]
            if stored.engine == "neptune":
                stored.iam_auth = bool(wants_iam)
                cluster.iam_auth = bool(wants_iam)
        return cluster

    DBCluster.__init__ = init
    RDSBackend.modify_db_cluster = modify_db_cluster


def _patch_iam_policy_details() -> None:
    ManagedPolicy.policy_name = property(lambda self: self.name)
    ManagedPolicy.policy_id = property(lambda self: self.id)


def _patch_vpc_endpoint_state() -> None:
    def state(self):
        tags = {t["key"]: t["value"] for t in self.get_tags()}
        return tags.get(EMULATED_STATE_TAG, self.__dict__.get("_state"))

    def set_state(self, value):
        self.__dict__["_state"] = value

    VPCEndPoint.state = property(state, set_state)


def _patch_vpc_endpoint_pages(page_size: int) -> None:
    original = VPCs.describe_vpc_endpoints

    def describe_vpc_endpoints(self):
        result = original(self).result
        endpoints = list(result["VpcEndpoints"])
        start = int(self._get_param("NextToken") or 0)
        asked = self._get_int_param("MaxResults") or len(endpoints) or 1
        size = min(asked, page_size)
        page = {"VpcEndpoints": endpoints[start : start + size]}
        if start + size < len(endpoints):
            page["NextToken"] = str(start + size)
        return ActionResult(page)

    VPCs.describe_vpc_endpoints = describe_vpc_endpoints


class _ConfigRuleFromTemplate(CloudFormationModel):
    """Gap 6: ``AWS::Config::ConfigRule`` in moto's CloudFormation, through PutConfigRule.

    Defined at import, before moto first builds its CloudFormation model map (from
    ``CloudFormationModel.__subclasses__()``)."""

    # moto's model metaclass files each model under the service its module is named after.
    __module__ = "moto.config.guardrails_bridge"

    def __init__(self, name: str):
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "ConfigRuleName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Config::ConfigRule"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "ConfigRuleId", "Compliance.Type")

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        rule = dict(cloudformation_json.get("Properties", {}))
        rule.setdefault("ConfigRuleName", resource_name)
        if isinstance(rule.get("InputParameters"), dict):
            # CloudFormation takes an object; the API a JSON string.
            rule["InputParameters"] = json.dumps(rule["InputParameters"], sort_keys=True)
        config_backends[account_id][region_name].put_config_rule(rule)
        return cls(rule["ConfigRuleName"])

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name
    ):
        config_backends[account_id][region_name].delete_config_rule(resource_name)


_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


def _count(environ) -> None:
    """Count one request by service and action; the body is buffered and put back."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope.group(1) if scope else "?"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        action = target.rsplit(".", 1)[-1]
    else:
        params = parse_qs(environ.get("QUERY_STRING", ""))
        if not params.get("Action") and body:
            params = parse_qs(body.decode("utf-8", "replace"))
        action = params.get("Action", ["?"])[0]
    with _calls_lock:
        _calls[f"{service}:{action}"] += 1


def _with_guardrails_routes(app):
    """Serve the recorded evaluations and call counts beside moto's own routes."""

    def wsgi(environ, start_response):
        path = environ.get("PATH_INFO")
        if path == CALLS_PATH:
            with _calls_lock:
                body = json.dumps(dict(sorted(_calls.items()))).encode()
        elif path == EVALUATIONS_PATH:
            token = parse_qs(environ.get("QUERY_STRING", "")).get("token", [None])[0]
            with _recorded_lock:
                rows = [r for r in _recorded if token is None or r["ResultToken"] == token]
                body = json.dumps(rows, default=str).encode()
        else:
            _count(environ)
            return app(environ, start_response)
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return wsgi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    parser.add_argument("--ec2-page-size", type=int, default=0)
    args = parser.parse_args()

    _patch_put_evaluations()
    _patch_neptune_iam_auth()
    _patch_iam_policy_details()
    _patch_vpc_endpoint_state()
    if args.ec2_page_size > 0:
        _patch_vpc_endpoint_pages(args.ec2_page_size)

    app = _with_guardrails_routes(DomainDispatcherApplication(create_backend_app))
    server = make_server(
        "127.0.0.1", args.port, app, threaded=True, request_handler=MotoRequestHandler
    )
    print(f"GUARDRAILS_EMULATOR_PORT={server.server_port}", flush=True)

    if args.exit_on_stdin_eof:

        def exit_when_parent_goes() -> None:
            sys.stdin.read()
            os._exit(0)

        threading.Thread(target=exit_when_parent_goes, daemon=True).start()

    server.serve_forever()


if __name__ == "__main__":
    main()
