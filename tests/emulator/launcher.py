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
7. moto's CloudFormation skips ``AWS::S3::BucketPolicy`` (the stack says CREATE_COMPLETE, the
   bucket has no policy). Here it is put with moto's own ``PutBucketPolicy`` and removed with
   the stack. moto also enforces bucket policies *without their conditions*, so the
   template's ``Deny`` on ``aws:SecureTransport=false`` would deny every request (and the
   emulator speaks plain HTTP); here statements with a ``Condition`` are left out of moto's
   enforcement (GetBucketPolicy still returns the whole policy).
8. moto's CloudFormation has no ``AWS::CloudFormation::StackSet``. Here it is created with
   moto's own CreateStackSet (template read from ``TemplateURL`` in moto's S3) and
   CreateStackInstances for each ``StackInstancesGroup`` (moto makes the member stacks in the
   OUs' accounts), updated with UpdateStackSet plus instances for new OUs × regions, and
   deleted with DeleteStackInstances and DeleteStackSet. moto's StackSet ignores
   ``AutoDeployment``, ``CallAs``, ``ManagedExecution`` and ``OperationPreferences``, and an
   update changes the StackSet's template and parameters but not the member stacks' resources.
9. moto's CloudFormation has no ``AWS::Config::OrganizationConformancePack``. Here it is put
   with moto's own PutOrganizationConformancePack and deleted with the stack.
10. ``DescribeStacks`` echoes a ``CommaDelimitedList`` parameter as a Python list repr
    (``['a', 'b']``); here as AWS does, the comma-joined value (``a,b``).
11. A stack whose resource fails to create stays ``CREATE_IN_PROGRESS`` forever in moto (the
    error goes back to the CreateStack caller). Here it ends ``ROLLBACK_COMPLETE`` with a
    ``CREATE_FAILED`` event carrying the error, as in AWS; the caller still gets the error.
    Describing or deleting such a stack makes none of its resources (moto would, while
    resolving references in its outputs and on delete): it has no outputs, and its delete
    touches nothing.

12. RDS/Neptune ``DescribeDBClusters`` ignores ``MaxRecords``/``Marker`` and answers every
    cluster in one page. Here it pages as AWS does: at most ``MaxRecords`` (20–100, default
    100) clusters a page, ``Marker`` = offset of the next page.

Not a patch but a test aid: ``GET /_guardrails/faults?rate=R&seed=N`` makes a share R of the
API requests that follow fail before moto sees them (``rate=0`` stops it), the way AWS fails under load: throttling in each
protocol's own error shape (query XML ``Throttling``, EC2 ``RequestLimitExceeded``, JSON
``ThrottlingException``, S3 ``SlowDown``), ``500 InternalFailure`` and
``503 ServiceUnavailable``; and pages of ``DescribeDBClusters`` cut short at random (with a
``Marker`` for the rest, as AWS may). Opt-in, ``kinds=stall`` holds requests until the
client's attempt timeout gives up on them and ``kinds=cut-body`` cuts answers off
half-way; ``actions=A,B`` aims the faults at chosen API actions (see ``_Faults``). ``GET /_guardrails/faults`` returns the faults injected since then
by kind, so tests seed a world first, then turn faults on and report faults injected against
evaluations delivered.

Not a patch but an observation aid: every API request is counted by service and action
(from the SigV4 credential scope and the ``Action`` parameter or ``X-Amz-Target``);
``GET /_guardrails/calls`` returns ``{"service:Action": count}`` so tests can assert how
many calls a rule makes. ``GET /_guardrails/service-time`` returns ``{"seconds": S}``, the
wall time moto has spent serving API requests so far (overlapping requests counted once),
so the benchmark can tell a runtime's own time from the emulator's.

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
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter
from typing import Any
from urllib.parse import parse_qs

from moto.config.models import ConfigBackend
from moto.cloudformation.models import Stack, cloudformation_backends
from moto.config.models import config_backends
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket, s3_backends
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult
from moto.ec2.models.vpcs import VPCEndPoint
from moto.ec2.responses.vpcs import VPCs
from moto.iam.models import ManagedPolicy
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.rds.models import DBCluster, RDSBackend
from moto.rds.responses import RDSResponse
from werkzeug.serving import make_server

EVALUATIONS_PATH = "/_guardrails/evaluations"
CALLS_PATH = "/_guardrails/calls"
SERVICE_TIME_PATH = "/_guardrails/service-time"
FAULTS_PATH = "/_guardrails/faults"
EMULATED_STATE_TAG = "guardrails:emulated-state"

_calls: Counter = Counter()
_calls_lock = threading.Lock()
_service_seconds = 0.0
_in_flight = 0
_busy_since = 0.0

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


def _page(items: list, start: int, size: int, items_key: str, token_key: str) -> dict:
    """One page of ``items`` from offset ``start``; the token of the next page is its offset."""
    page = {items_key: items[start : start + size]}
    if start + size < len(items):
        page[token_key] = str(start + size)
    return page


def _patch_db_cluster_pages() -> None:
    original = RDSResponse.describe_db_clusters

    def describe_db_clusters(self):
        result = original(self)
        clusters = result.result["DBClusters"]
        size = max(20, min(100, int(self.params.get("MaxRecords") or 100)))
        if _faults and _faults.truncate():
            # AWS may return fewer items than asked for, with a marker for the rest.
            size = _faults.random.randint(1, size)
        start = int(self.params.get("Marker") or 0)
        return ActionResult(_page(clusters, start, size, "DBClusters", "Marker"))

    RDSResponse.describe_db_clusters = describe_db_clusters


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
        page = _page(endpoints, start, min(asked, page_size), "VpcEndpoints", "NextToken")
        return ActionResult(page)

    VPCs.describe_vpc_endpoints = describe_vpc_endpoints


def _patch_list_parameter_echo() -> None:
    def parameter_list(self):
        return [
            {
                "ParameterKey": parameter["ParameterKey"],
                "ParameterValue": ",".join(parameter["ParameterValue"])
                if isinstance(parameter["ParameterValue"], list)
                else parameter["ParameterValue"],
            }
            for parameter in original(self)
        ]

    original = Stack.parameter_list.fget
    Stack.parameter_list = property(parameter_list)


def _patch_failed_stack_creation() -> None:
    create = Stack.create_resources
    delete = Stack.delete
    outputs = Stack.outputs.fget

    def create_resources(self):
        try:
            create(self)
        except Exception as error:
            self.guardrails_rolled_back = True
            self._add_stack_event("CREATE_FAILED", resource_status_reason=str(error))
            self.status = "ROLLBACK_COMPLETE"
            self._add_stack_event("ROLLBACK_COMPLETE")
            raise

    def delete_stack(self):
        if not getattr(self, "guardrails_rolled_back", False):
            return delete(self)
        # Rolled back: nothing of it is left to delete (moto would make its resources while
        # resolving their references).
        self._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
        self._add_stack_event("DELETE_COMPLETE")
        self.status = "DELETE_COMPLETE"

    def stack_outputs(self):
        # A rolled-back stack has no outputs (resolving them would make resources).
        return None if getattr(self, "guardrails_rolled_back", False) else outputs(self)

    Stack.create_resources = create_resources
    Stack.delete = delete_stack
    Stack.outputs = property(stack_outputs)


def _patch_bucket_policy_conditions() -> None:
    original = FakeBucket.get_permission

    def get_permission(self, action, resource):
        if self.policy is None:
            return original(self, action, resource)
        document = json.loads(self.policy)
        statements = document.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        unconditional = [s for s in statements if "Condition" not in s]
        if len(unconditional) == len(statements):
            return original(self, action, resource)
        if not unconditional:
            return PermissionResult.NEUTRAL
        policy = json.dumps({**document, "Statement": unconditional})
        return IAMPolicy(policy).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission


class _Named:
    """A bridged resource known by its name (its physical id). A mixin, because moto finds
    resource types among the *direct* subclasses of ``CloudFormationModel``."""

    def __init__(self, name: str):
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        return self.name


class _ConfigRuleFromTemplate(_Named, CloudFormationModel):
    """Gap 6: ``AWS::Config::ConfigRule`` in moto's CloudFormation, through PutConfigRule.

    Defined at import, before moto first builds its CloudFormation model map (from
    ``CloudFormationModel.__subclasses__()``)."""

    # moto's model metaclass files each model under the service its module is named after.
    __module__ = "moto.config.guardrails_bridge"

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


class _BucketPolicyFromTemplate(_Named, CloudFormationModel):
    """Gap 7: ``AWS::S3::BucketPolicy`` through PutBucketPolicy (known by its bucket)."""

    __module__ = "moto.s3.guardrails_bridge"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @staticmethod
    def _put(properties, account_id) -> str:
        bucket = properties["Bucket"]
        policy = json.dumps(properties["PolicyDocument"]).encode()
        s3_backends[account_id]["aws"].put_bucket_policy(bucket, policy)
        return bucket

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        return cls(cls._put(cloudformation_json["Properties"], account_id))

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        return cls(cls._put(cloudformation_json["Properties"], account_id))

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name
    ):
        bucket = cloudformation_json["Properties"]["Bucket"]
        s3_backends[account_id]["aws"].delete_bucket_policy(bucket)


def _template_from_s3(url: str, account_id: str) -> str:
    """The body of ``https://BUCKET.s3.REGION.amazonaws.com/KEY`` (or path-style) in moto."""
    match = re.match(r"https://([^./]+)\.s3[.-][^/]*/(.+)", url) or re.match(
        r"https://s3[.-][^/]*/([^/]+)/(.+)", url
    )
    if not match:
        raise ValueError(f"unsupported TemplateURL {url}")
    bucket, key = match.groups()
    return s3_backends[account_id]["aws"].get_object(bucket, key).value.decode()


class _StackSetFromTemplate(_Named, CloudFormationModel):
    """Gap 8: ``AWS::CloudFormation::StackSet`` through moto's own StackSet API."""

    __module__ = "moto.cloudformation.guardrails_bridge"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "StackSetName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFormation::StackSet"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "StackSetId"

    @staticmethod
    def _template(properties, account_id) -> str:
        return properties.get("TemplateBody") or _template_from_s3(
            properties["TemplateURL"], account_id
        )

    @staticmethod
    def _add_instances(backend, name, properties) -> None:
        for group in properties.get("StackInstancesGroup", []):
            backend.create_stack_instances(
                name,
                accounts=group["DeploymentTargets"].get("Accounts", []),
                regions=group["Regions"],
                parameters=[],
                deployment_targets=group["DeploymentTargets"],
            )

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = cloudformation_json["Properties"]
        name = properties.get("StackSetName", resource_name)
        backend = cloudformation_backends[account_id][region_name]
        backend.create_stack_set(
            name=name,
            template=cls._template(properties, account_id),
            parameters={
                p["ParameterKey"]: p["ParameterValue"] for p in properties.get("Parameters", [])
            },
            tags={t["Key"]: t["Value"] for t in properties.get("Tags", [])},
            permission_model=properties.get("PermissionModel"),
            admin_role=properties.get("AdministrationRoleARN"),
            exec_role=properties.get("ExecutionRoleName"),
            description=properties.get("Description"),
        )
        cls._add_instances(backend, name, properties)
        return cls(name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = cloudformation_json["Properties"]
        name = original_resource.name
        backend = cloudformation_backends[account_id][region_name]
        backend.update_stack_set(
            stackset_name=name,
            template=cls._template(properties, account_id),
            description=properties.get("Description"),
            parameters=properties.get("Parameters", []),
            tags={t["Key"]: t["Value"] for t in properties.get("Tags", [])},
            admin_role=properties.get("AdministrationRoleARN"),
            execution_role=properties.get("ExecutionRoleName"),
            accounts=[],
            regions=[],
            operation_id=str(uuid.uuid4()),
        )
        cls._add_instances(backend, name, properties)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name
    ):
        backend = cloudformation_backends[account_id][region_name]
        stackset = backend.describe_stack_set(resource_name)
        targets = {(i.account_id, i.region_name) for i in stackset.stack_instances}
        for account, region in sorted(targets):
            backend.delete_stack_instances(resource_name, [account], [region])
        backend.delete_stack_set(resource_name)


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


_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


def _service(environ) -> str:
    """The service a request is for, from its SigV4 credential scope."""
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return scope.group(1) if scope else "?"


def _count(environ) -> str:
    """Count one request by service and action, and return the action; the body is buffered
    and put back."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    service = _service(environ)
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
    return action


class _Faults:
    """AWS-style failures in front of moto (``GET /_guardrails/faults?rate=R&seed=N``).

    Optional query parameters: ``kinds=K,...`` draws only those kinds (of ``KINDS``,
    ``truncated-page``, ``stall`` and ``cut-body``; default ``KINDS`` plus
    ``truncated-page``),
    ``actions=A,...`` fails only requests for those API actions (others draw nothing), and
    ``stall=S`` holds a ``stall`` request S seconds (default 2) before answering it
    ``503`` unseen by moto: a connection that hangs and dies, which a client sees as a
    timeout when its attempt timeout is shorter; a ``cut-body`` request is served by moto but
    its answer stops half-way through the body and the connection closes."""

    KINDS = ("throttling", "internal-failure", "service-unavailable")

    def __init__(self, query: dict[str, list[str]]):
        self.rate = float(query["rate"][0])
        self.random = random.Random(int(query.get("seed", ["1"])[0]))

        def listed(key: str) -> list[str]:
            return [v for v in query.get(key, [""])[0].split(",") if v]

        self.kinds = tuple(listed("kinds")) or self.KINDS + ("truncated-page",)
        unknown = set(self.kinds) - set(self.KINDS + ("truncated-page", "stall", "cut-body"))
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}")
        self.actions = set(listed("actions"))
        self.stall_seconds = float(query.get("stall", ["2"])[0])
        self.injected: Counter = Counter()
        self.lock = threading.Lock()

    def _hit(self, action: str, kinds: tuple[str, ...]) -> str | None:
        """With probability ``rate`` a fault (a random one of ``kinds``) for a request for
        ``action``, counted as injected; else None."""
        if not kinds or (self.actions and action not in self.actions):
            return None
        with self.lock:
            if self.random.random() >= self.rate:
                return None
            kind = kinds[0] if len(kinds) == 1 else self.random.choice(kinds)
            self.injected[kind] += 1
            return kind

    def truncate(self) -> bool:
        """Whether to cut the next ``DescribeDBClusters`` page short."""
        allowed = ("truncated-page",) if "truncated-page" in self.kinds else ()
        return self._hit("DescribeDBClusters", allowed) is not None

    def pick(self, action: str) -> str | None:
        """The failure to answer the next request (for ``action``) with, if any."""
        return self._hit(action, tuple(k for k in self.kinds if k != "truncated-page"))

    @staticmethod
    def response(kind: str, environ) -> tuple[str, list[tuple[str, str]], bytes]:
        service = _service(environ)
        status, code, message = {
            "throttling": ("400 Bad Request", "Throttling", "Rate exceeded"),
            "internal-failure": ("500 Internal Server Error", "InternalFailure", "Internal failure"),
            "service-unavailable": ("503 Service Unavailable", "ServiceUnavailable", "Service unavailable"),
            "stall": ("503 Service Unavailable", "ServiceUnavailable", "Request stalled"),
        }[kind]
        if environ.get("HTTP_X_AMZ_TARGET") or service in ("securityhub", "lambda"):
            if kind == "throttling":
                code = "ThrottlingException"
            body = json.dumps({"__type": code, "message": message}).encode()
            return status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)], body
        if service == "ec2":
            if kind == "throttling":
                code = "RequestLimitExceeded"
            body = (
                f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
                "</Error></Errors><RequestID>fault</RequestID></Response>"
            ).encode()
        elif service == "s3":
            if kind == "throttling":
                status, code = "503 Slow Down", "SlowDown"
            body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        else:
            body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
            ).encode()
        return status, [("Content-Type", "text/xml")], body


_faults: _Faults | None = None


def _timed(app, environ, start_response):
    """Serve a request with moto, keeping the busy-time total: wall time during which at
    least one request was being served (concurrent requests count once)."""
    global _service_seconds, _in_flight, _busy_since
    with _calls_lock:
        if _in_flight == 0:
            _busy_since = time.perf_counter()
        _in_flight += 1
    try:
        result = app(environ, start_response)
        try:
            return list(result)
        finally:
            if hasattr(result, "close"):
                result.close()
    finally:
        with _calls_lock:
            _in_flight -= 1
            if _in_flight == 0:
                _service_seconds += time.perf_counter() - _busy_since


def _cut_body(app, environ, start_response):
    """Serve a request with moto, then send only the first half of its body under the full
    ``Content-Length`` and close the connection: a response cut off in transit."""
    answer = {}

    def keep(status, headers, exc_info=None):
        answer.update(status=status, headers=headers)

    body = b"".join(_timed(app, environ, keep))
    headers = [(k, v) for k, v in answer["headers"] if k.lower() not in ("content-length", "connection")]
    start_response(answer["status"], headers + [("Content-Length", str(len(body))), ("Connection", "close")])
    return [body[: len(body) // 2]]


def _with_guardrails_routes(app):
    """Serve the recorded evaluations and call counts beside moto's own routes."""

    def wsgi(environ, start_response):
        path = environ.get("PATH_INFO")
        if path == CALLS_PATH:
            with _calls_lock:
                body = json.dumps(dict(sorted(_calls.items()))).encode()
        elif path == SERVICE_TIME_PATH:
            with _calls_lock:
                body = json.dumps({"seconds": _service_seconds}).encode()
        elif path == FAULTS_PATH:
            global _faults
            query = parse_qs(environ.get("QUERY_STRING", ""))
            try:
                if "rate" in query:
                    _faults = _Faults(query) if float(query["rate"][0]) > 0 else None
            except ValueError as error:
                body = str(error).encode()
                start_response("400 Bad Request", [("Content-Length", str(len(body)))])
                return [body]
            injected = dict(sorted(_faults.injected.items())) if _faults else {}
            body = json.dumps(injected).encode()
        elif path == EVALUATIONS_PATH:
            token = parse_qs(environ.get("QUERY_STRING", "")).get("token", [None])[0]
            with _recorded_lock:
                rows = [r for r in _recorded if token is None or r["ResultToken"] == token]
                body = json.dumps(rows, default=str).encode()
        else:
            action = _count(environ)
            faults = _faults
            kind = faults.pick(action) if faults else None
            if kind is None:
                return _timed(app, environ, start_response)
            if kind == "cut-body":
                return _cut_body(app, environ, start_response)
            if kind == "stall":
                time.sleep(faults.stall_seconds)
            status, headers, body = _Faults.response(kind, environ)
            start_response(status, headers + [("Content-Length", str(len(body)))])
            return [body]
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
    _patch_db_cluster_pages()
    _patch_bucket_policy_conditions()
    _patch_list_parameter_echo()
    _patch_failed_stack_creation()
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
