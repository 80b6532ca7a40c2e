#!/usr/bin/env python3
"""Start moto in server mode on 127.0.0.1 with the few patches Neptune Guardrails needs.

moto is the real AWS API emulator of our tests; this launcher only bridges gaps in it, each
one patched in-process and listed here (and in README.md, "Test world"):

1. Config ``PutEvaluations`` is refused by moto unless ``TestMode`` is true. Here it is
   accepted and every evaluation is *recorded* with its ResultToken, so tests read back
   exactly what a rule reported: ``GET /_guardrails/evaluations[?token=T]`` returns a JSON
   list of ``{"ResultToken", "TestMode", "Evaluation"}`` objects. Validation of a missing
   list or token stays moto's; an empty list is accepted as AWS's model allows (bridge 18).
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
   RemediationConfiguration`` is bridge 24 (``remediations.py``).
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
   ``AutoDeployment``, ``CallAs``, ``ManagedExecution`` and ``OperationPreferences``, and its
   update changes the StackSet's template and parameters but not the member stacks' resources.
   Here an update of the template reaches the member stacks as on AWS ("UpdateStackSet:
   Updates the stack set and associated stack instances"): new instances get the new
   template (moto makes them from the first one), existing ones are updated to it with their
   own overrides, resources the new template drops or changes deleted (changed ones made
   again) and what its conditions want created (moto's own stack update fails on this
   template's conditional resources); a failure marks the instance FAILED. moto's
   CreateStackInstances also ignores ``AccountFilterType`` (it adds ``Accounts`` to the
   OUs' accounts whatever the filter); here the instances are the groups' targets as the
   botocore model's DeploymentTargets text defines them (INTERSECTION, DIFFERENCE, UNION), and
   an update that narrows them deletes the instances no longer named.
9. moto's CloudFormation has no ``AWS::Config::OrganizationConformancePack``. Here it is put
   with moto's own PutOrganizationConformancePack and deleted with the stack.
10. ``DescribeStacks`` echoes a ``CommaDelimitedList`` parameter as a Python list repr
    (``['a', 'b']``); here as AWS does, the comma-joined value (``a,b``).
11. A stack whose resource fails to create stays ``CREATE_IN_PROGRESS`` forever in moto, and
    the resource's error goes back to the CreateStack caller (in the failing service's error
    shape, which a CloudFormation client may not even parse). On AWS, CreateStack answers
    with the stack id and the failure happens after it ("CreateStack ... returns the stack
    ID"; the stack then reports ``CREATE_FAILED`` events and rolls back). Here it ends
    ``ROLLBACK_COMPLETE`` with a ``CREATE_FAILED`` event carrying the error, the resources
    it had made are deleted again (a rollback), and CreateStack succeeds.
    Describing or deleting such a stack makes none of its resources (moto would, while
    resolving references in its outputs and on delete): it has no outputs, and its delete
    touches nothing.

12. RDS/Neptune ``DescribeDBClusters`` and ``DescribeDBClusterSnapshots`` ignore
    ``MaxRecords``/``Marker`` and answer every item in one page. Here they page as AWS does
    (botocore ``neptune`` model, ``MaxRecords``: "Minimum 20, maximum 100"; default 100),
    ``Marker`` = offset of the next page. (moto already pages ``DescribeDBInstances``.)
13. moto's ``PutConfigRule`` works in an account and region without a configuration
    recorder. AWS refuses it there with ``NoAvailableConfigurationRecorderException`` (AWS
    Config API Reference, PutConfigRule, "Errors"; botocore ``config`` model: the operation's
    errors list that shape, "There are no configuration recorders available to provide the
    role needed to describe your resources"). Here it is refused the same way, so a stack
    that creates rules in such an account fails and rolls back as on AWS.
14. moto's ``PutOrganizationConformancePack`` only records the pack. AWS deploys it to every
    account of the organization, the management account included, except ``ExcludedAccounts``
    (AWS Config API Reference, PutOrganizationConformancePack: "Deploys conformance packs
    across member accounts in an Amazon Web Services Organization", ``ExcludedAccounts``:
    "A list of Amazon Web Services accounts to be excluded from an organization conformance
    pack while deploying a conformance pack"). Here each ``AWS::Config::ConfigRule`` of the
    pack's template (read from ``TemplateS3Uri`` in moto's S3, or ``TemplateBody``) is put in
    each such account of the pack's region, with the account's own checks: a rule naming a
    Lambda that does not exist there fails (PutConfigRule: ``InsufficientPermissionsException``,
    "the AWS Lambda function cannot be invoked"), as does an account without a recorder.
    ``GetOrganizationConformancePackDetailedStatus`` reports each account
    (``CREATE_SUCCESSFUL`` or ``CREATE_FAILED`` with the error, ``UPDATE_…`` after a second
    put: botocore ``OrganizationResourceDetailedStatus`` and its text "When management account
    calls PutOrganizationConformancePack action for the second time, conformance pack status is
    updated in the member account") and the pack's status is ``…_FAILED`` when any account
    failed. A second put replaces each account's rules, and an account it newly excludes loses
    them. With both ``TemplateS3Uri`` and ``TemplateBody`` the URI is read ("If you provide
    both Config uses the TemplateS3Uri parameter and ignores the TemplateBody parameter").
15. moto's CloudFormation has no ``AWS::Config::ConformancePack``. Here its rules are put
    from ``TemplateBody`` with PutConfigRule in the stack's account and region (so the same
    refusals apply and a failed pack fails the stack), and deleted with the stack. The pack's
    template is read as CloudFormation reads a stack's: its ``Conditions`` are evaluated
    (``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``, ``Condition``, with
    ``AWS::Region`` and the pack's input parameters), a rule whose ``Condition`` is false is
    not put, and ``Fn::If`` and ``AWS::NoValue`` are resolved (AWS Config Developer Guide,
    conformance pack templates are CloudFormation templates; AWS's sample packs use
    ``Conditions`` with ``Fn::If`` and ``AWS::NoValue`` to leave blank parameters out). A
    ``TemplateBody`` over 51 200 characters is refused (botocore model, ``TemplateBody``
    ``max``), as PutConformancePack refuses it. A pack's rules (here and in bridge 14) are
    service-linked rules: AWS creates them through the ``AWSServiceRoleForConfigConforms``
    role, whose policy (``ConfigConformsServiceRolePolicy``) reaches only
    ``config-rule/aws-service-rule/config-conforms.amazonaws.com*``, names each
    ``NAME-conformance-pack-ID`` and sets its ``CreatedBy`` (ConfigRule shape: "populated only
    if the service-linked rule is created by a service"); here too, so a tool that looks a
    pack's rule up by its template name fails. The pack's id is kept while the pack exists:
    a stack update that changes the pack's properties (its input parameters) updates the
    pack in place (the resource schema, as cfn-lint packages it, lists only
    ``ConformancePackName`` in ``createOnlyProperties``, so other changes are updates, not
    replacements; moto's update would leave the pack as it was), its rules follow the new conditions under the same names, and a failure
    (a managed rule refused) puts the previous rules back (the pack's and the stack's update
    roll back) before the stack update fails.
16. moto's ``UpdateStackInstances`` stores the parameter overrides but leaves the member
    stacks as they are, and reads only ``Accounts``. AWS updates each stack instance with
    the overrides ("Updates the parameter values for stack instances for the specified
    accounts, within the specified Amazon Web Services Regions"; a given list of
    ``ParameterOverrides`` replaces the instance's overrides) and, for ``SERVICE_MANAGED``
    StackSets, takes ``DeploymentTargets`` (OUs, with ``Accounts`` and
    ``AccountFilterType=INTERSECTION`` to pick accounts of them). Here the member stack is
    updated with the StackSet's parameters plus the overrides; an update that fails leaves
    the stack as it was (rolled back), the instance ``OUTDATED`` (detailed status
    ``FAILED``, with the error as its reason). moto also ignores ``OperationPreferences``;
    here the operation runs as the botocore model's ``StackSetOperationPreferences`` text
    describes: ``MaxConcurrentCount`` (default 1) or ``MaxConcurrentPercentage`` (rounded
    down, at least 1) accounts at a time per region, ``FailureToleranceCount`` (default 0)
    or ``FailureTolerancePercentage`` (rounded down) failures per region before "CloudFormation
    stops the operation in that Region", concurrency capped at the tolerance + 1 under
    ``STRICT_FAILURE_TOLERANCE`` (the default ``ConcurrencyMode``), and with the default
    ``RegionConcurrencyType`` SEQUENTIAL "If the operation is stopped in a Region,
    CloudFormation doesn't attempt the operation in any subsequent Regions" (``RegionOrder``
    first). Instances the stopped operation never reached are ``CANCELLED``
    (``StackInstanceComprehensiveStatus``: "because the failure tolerance of the StackSet
    operation has been exceeded") and keep their stacks; the operation is ``FAILED`` when a
    region was stopped, else ``SUCCEEDED``. Every targeted instance records the overrides,
    reached or not (the strictest reading: only the detailed status says an update
    happened), and ``ListStackSetOperationResults`` reports each account and region with its
    own status and reason (moto repeats the operation's). DescribeStackInstance of an
    account and region without an instance answers ``StackInstanceNotFoundException`` (the
    model's error for it) where moto fails with a 500.
17. moto's CloudFormation treats an ``IMPORT`` change set like a create: it makes the
    resources, so importing an existing bucket fails with ``BucketAlreadyExists`` (which is
    right for a create: "CloudFormation creating a bucket that already exists" fails on AWS
    too, and moto already refuses it). AWS adopts the named physical resources instead
    (CreateChangeSet ``ChangeSetType=IMPORT`` with ``ResourcesToImport``; AWS CloudFormation
    User Guide, "Bringing existing resources into CloudFormation management": each resource
    to import needs a ``DeletionPolicy``, must exist, and an import creates nothing else).
    Here an IMPORT change set is refused when a resource to import lacks a DeletionPolicy,
    does not exist (S3 buckets: in the caller's account) or when the template holds other
    resources; executing it binds the existing bucket to its logical id and ends the stack
    ``IMPORT_COMPLETE``, so later updates keep it and add the rest.

18. Config keeps no evaluation results in moto and has no ``GetComplianceDetailsByConfigRule``.
    Here evaluations sent outside test mode become the rule's results (the token must have
    been issued: the testkit registers each event's token and rule when it serves it), and
    the operation pages them with AWS's limits and refusals: see ``config_results.py``.

21. moto's ``PutConfigRule`` takes an AWS managed rule in any region and with a blank input
    parameter. AWS offers each managed rule only in the regions its page in the AWS Config
    Developer Guide lists (moto packages that text as the rule's "AWS Region" in
    ``aws_managed_rules.json``; its own code says "Verify the rule is allowed for this region
    -- not yet implemented"), and refuses blank values ("Blank spaces are not acceptable for
    input parameter", the AWS error moto's ``validate_managed_rule`` quotes). Here both are
    refused with ``InvalidParameterValueException``, so a member stack that puts an
    unavailable or blank-parameter managed rule fails and rolls back as on AWS.
22. moto's default VPC has no internet gateway, and the ``default`` DB subnet group that
    moto names on every cluster created without one does not exist (DescribeDBSubnetGroups
    answers DBSubnetGroupNotFoundFault). On AWS a default VPC "includes an internet gateway"
    and its main route table "sends all traffic (0.0.0.0/0) to the internet gateway" (Amazon
    VPC User Guide, "Default VPCs"), and a DB cluster created without a DB subnet group is
    placed in the ``default`` DB subnet group of the default VPC (Amazon RDS User Guide,
    "Working with a DB instance in a VPC": RDS creates it when you create a DB instance or
    cluster in the default VPC without one). Here the default VPC gets its internet gateway and
    route, and ``default`` exists, made of the default VPC's subnets, once a cluster names it.
23. moto's CloudFormation takes any parameter value: it ignores a parameter's
    ``AllowedPattern``, ``AllowedValues``, ``MinLength``/``MaxLength`` and
    ``MinValue``/``MaxValue``. AWS validates every value, given or default, before it creates
    or updates anything (AWS CloudFormation User Guide, "Parameters" section syntax:
    ``AllowedPattern`` "A regular expression that represents the patterns to allow for String
    or CommaDelimitedList types", ``AllowedValues`` "An array containing the list of values
    allowed for the parameter", ``MinValue``/``MaxValue`` for Number types,
    ``ConstraintDescription`` "A string that explains a constraint when the constraint is
    violated"). Here a value outside them is refused with ``ValidationError`` ("Parameter 'X'
    failed to satisfy constraint: …", or "must match pattern …" / "must be one of
    AllowedValues" without a description); the pattern must match the whole value.
20. IAM users have no permissions boundary in moto 5.2: ``CreateUser`` ignores its
    ``PermissionsBoundary`` parameter and ``GetUser`` / ``GetAccountAuthorizationDetails``
    never return one (``UserDetail.PermissionsBoundary`` in botocore's IAM model,
    ``AttachedPermissionsBoundary``: ``PermissionsBoundaryType``, ``PermissionsBoundaryArn``).
    AWS applies a user's boundary as it does a role's (IAM User Guide, "Permissions
    boundaries for IAM entities"). Here ``CreateUser`` and ``PutUserPermissionsBoundary``
    store it (an ARN that is not a policy ARN is refused as moto refuses it for roles) and
    both reads return it, as moto already does for roles.
19. Security Hub ``BatchImportFindings`` overwrites a stored finding with whatever is sent
    again, and ``GetFindings`` ignores ``Filters``. Here an update keeps what AWS keeps
    (Workflow, Note, UserDefinedFields, VerificationState; Severity, Types and the other
    provider fields unless sent in ``FindingProviderFields``), Workflow resets as AWS
    resets it, and filters apply: see ``security_hub_findings.py``.

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

Not a patch but a test aid: ``GET /_guardrails/withdraw-managed-rule?identifier=X&region=R``
makes bridge 21 refuse managed rule X in region R too (no ``identifier``: clears it), as AWS
refuses a rule whose region list one of AWS's copies of its page got wrong.

Not a patch but a test aid: ``GET /_guardrails/stack-update-faults?accounts=A,B`` makes every
stack update in those accounts fail (``accounts=`` clears it), the way one member account of
an organization fails (a service control policy, a conflicting resource): the emulated
UpdateStackInstances then reports those instances ``FAILED`` with the injected reason.

Not a patch but an observation aid: every API request is counted by service and action
(from the SigV4 credential scope and the ``Action`` parameter or ``X-Amz-Target``);
``GET /_guardrails/calls`` returns ``{"service:Action": count}`` so tests can assert how
many calls a rule makes. ``GET /_guardrails/service-time`` returns ``{"seconds": S}``, the
wall time moto has spent serving API requests so far (overlapping requests counted once),
so the benchmark can tell a runtime's own time from the emulator's.

Usage: ``launcher.py [--port N] [--exit-on-stdin-eof] [--ec2-page-size N]
[--iam-details-without-policy-ids]`` (the last leaves bridge 3 out). Port 0 (the default) picks a free
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

# AWS managed policies exist in every AWS account; moto loads them only when asked (its
# setting, not a bridge), and a test world attaches NeptuneFullAccess. Set before moto loads.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from moto.config.models import ConfigBackend
import yaml
from moto.cloudformation.exceptions import StackInstanceNotFound, ValidationError
from moto.cloudformation.models import (
    CloudFormationBackend,
    Stack,
    StackInstance,
    cloudformation_backends,
)
from moto.cloudformation.parsing import ResourceMap, clean_json, parse_and_update_resource
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.exceptions import JsonRESTError
from moto.organizations.models import organizations_backends
from moto.config.models import config_backends
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket, s3_backends
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult, EmptyResult
from moto.ec2.models.vpcs import VPCEndPoint
from moto.ec2.responses.vpcs import VPCs
from moto.iam.exceptions import IAMException
from moto.iam.models import ManagedPolicy, Role, User
from moto.iam.responses import IamResponse
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.rds.models import DBCluster, RDSBackend
from moto.rds.responses import RDSResponse
from werkzeug.serving import make_server
import config_results
import remediations
import security_hub_findings

EVALUATIONS_PATH = "/_guardrails/evaluations"
CALLS_PATH = "/_guardrails/calls"
SERVICE_TIME_PATH = "/_guardrails/service-time"
FAULTS_PATH = "/_guardrails/faults"
STACK_UPDATE_FAULTS_PATH = "/_guardrails/stack-update-faults"
WITHDRAW_MANAGED_RULE_PATH = "/_guardrails/withdraw-managed-rule"
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


def _patch_user_permissions_boundaries() -> None:
    User.permissions_boundary_arn = None
    User.permissions_boundary = Role.permissions_boundary
    create_user = IamResponse.create_user

    def valid(response: IamResponse, arn: str) -> str:
        if not response.backend.policy_arn_regex.match(arn):
            raise IAMException(
                "InvalidParameterValue",
                f"Value ({arn}) for parameter PermissionsBoundary is invalid.",
            )
        return arn

    def create_user_with_boundary(self):
        boundary = self._get_param("PermissionsBoundary")
        if boundary:
            valid(self, boundary)
        result = create_user(self)
        if boundary:
            self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = boundary
        return result

    def put_user_permissions_boundary(self):
        arn = valid(self, self._get_param("PermissionsBoundary"))
        self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = arn
        return EmptyResult()

    IamResponse.create_user = create_user_with_boundary
    IamResponse.put_user_permissions_boundary = put_user_permissions_boundary


def _parameter_refusal(name: str, spec: dict, value) -> str | None:
    """Why CloudFormation refuses ``value`` for the parameter ``name`` declared as ``spec``."""
    kind = spec.get("Type", "String")
    values = value if isinstance(value, list) else [value]
    text = [str(v) for v in values]

    def refused(default: str) -> str:
        described = spec.get("ConstraintDescription")
        return f"Parameter '{name}' failed to satisfy constraint: {described}" if described else f"Parameter '{name}' {default}"

    if "AllowedValues" in spec and any(v not in [str(a) for a in spec["AllowedValues"]] for v in text):
        return refused("must be one of AllowedValues")
    if kind in ("String", "CommaDelimitedList") and "AllowedPattern" in spec:
        if any(re.fullmatch(spec["AllowedPattern"], v) is None for v in text):
            return refused(f"must match pattern {spec['AllowedPattern']}")
    if kind == "String":
        if "MinLength" in spec and any(len(v) < int(spec["MinLength"]) for v in text):
            return refused(f"must contain at least {spec['MinLength']} characters")
        if "MaxLength" in spec and any(len(v) > int(spec["MaxLength"]) for v in text):
            return refused(f"must contain at most {spec['MaxLength']} characters")
    if kind == "Number":
        number = float(values[0])
        if "MinValue" in spec and number < float(spec["MinValue"]):
            return refused(f"must be a number not less than {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            return refused(f"must be a number not greater than {spec['MaxValue']}")
    return None


def _patch_parameter_constraints() -> None:
    """Gap 23: parameter values outside their declared constraints are refused."""
    original = ResourceMap.load_parameters

    def load_parameters(self) -> None:
        original(self)
        for name, spec in self._template.get("Parameters", {}).items():
            value = self.resolved_parameters.get(name)
            if value is None or str(spec.get("Type", "")).startswith("AWS::"):
                continue
            reason = _parameter_refusal(name, spec, value)
            if reason:
                raise ValidationError(message=reason)

    ResourceMap.load_parameters = load_parameters


def _page(items: list, start: int, size: int, items_key: str, token_key: str) -> dict:
    """One page of ``items`` from offset ``start``; the token of the next page is its offset."""
    page = {items_key: items[start : start + size]}
    if start + size < len(items):
        page[token_key] = str(start + size)
    return page


def _patch_db_cluster_pages() -> None:
    """Gap 12: DescribeDBClusters and DescribeDBClusterSnapshots page by MaxRecords/Marker."""

    def paged(method: str, items_key: str, cut_short: bool) -> None:
        original = getattr(RDSResponse, method)

        def describe(self):
            items = original(self).result[items_key]
            size = max(20, min(100, int(self.params.get("MaxRecords") or 100)))
            if cut_short and _faults and _faults.truncate():
                # AWS may return fewer items than asked for, with a marker for the rest.
                size = _faults.random.randint(1, size)
            start = int(self.params.get("Marker") or 0)
            return ActionResult(_page(items, start, size, items_key, "Marker"))

        setattr(RDSResponse, method, describe)

    paged("describe_db_clusters", "DBClusters", cut_short=True)
    paged("describe_db_cluster_snapshots", "DBClusterSnapshots", cut_short=False)


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


def _patch_default_network() -> None:
    """Gap 22: the default VPC routes to an internet gateway; the ``default`` DB subnet group."""
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.vpcs import VPCBackend

    original_vpc = VPCBackend.create_default_vpc

    def create_default_vpc(self):
        vpc = original_vpc(self)
        gateway = self.create_internet_gateway()
        self.attach_internet_gateway(gateway.id, vpc.id)
        main = self.describe_route_tables(filters={"vpc-id": [vpc.id], "association.main": ["true"]})
        self.create_route(main[0].id, "0.0.0.0/0", gateway_id=gateway.id)
        return vpc

    VPCBackend.create_default_vpc = create_default_vpc

    original_groups = RDSBackend.describe_db_subnet_groups

    def describe_db_subnet_groups(self, subnet_group_name):
        named = {getattr(c, "db_subnet_group_name", None) for c in self.clusters.values()}
        if "default" in named and "default" not in self.subnet_groups:
            ec2 = ec2_backends[self.account_id][self.region_name]
            vpc = ec2.get_default_vpc()
            subnets = ec2.describe_subnets(filters={"vpc-id": [vpc.id]})
            self.create_subnet_group("default", "default", subnets, [])
        return original_groups(self, subnet_group_name)

    RDSBackend.describe_db_subnet_groups = describe_db_subnet_groups


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
            # Roll back: what was created goes (moto would keep it).
            resources = self.resource_map
            made = [n for n in resources._resource_json_map if n in resources._parsed_resources]
            for name in reversed(made):
                try:
                    resources._delete_resource(
                        resources._parsed_resources.pop(name), resources._resource_json_map[name]
                    )
                except Exception:
                    pass  # a resource moto cannot delete stays, as it would have anyway
            self.guardrails_rolled_back = True
            self._add_stack_event("CREATE_FAILED", resource_status_reason=str(error))
            self.status = "ROLLBACK_COMPLETE"
            self._add_stack_event("ROLLBACK_COMPLETE")

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
            # CloudFormation takes an object (a key set to AWS::NoValue is left out); the API a
            # JSON string.
            given = {k: v for k, v in rule["InputParameters"].items() if v is not None}
            rule["InputParameters"] = json.dumps(given, sort_keys=True)
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
    def _targets(backend, name, properties) -> set[tuple[str, str]]:
        """(account, region) of every instance the groups' DeploymentTargets name: the OUs'
        accounts (and their child OUs'), narrowed or widened by ``Accounts`` as
        ``AccountFilterType`` says (DeploymentTargets in the botocore cloudformation model:
        INTERSECTION, DIFFERENCE, UNION; NONE or absent: the OUs' accounts)."""
        organization = backend.describe_stack_set(name).instances.org_backend
        targets = set()
        for group in properties.get("StackInstancesGroup", []):
            deployment = group["DeploymentTargets"]
            ous = [o for o in deployment.get("OrganizationalUnitIds") or [] if o]
            ous += [ou.id for ou in organization.ou if ou.parent_id in ous]
            in_ous = {a.id for a in organization.accounts if a.parent_id in ous}
            listed = {a for a in deployment.get("Accounts") or [] if isinstance(a, str) and a}
            accounts = {
                "INTERSECTION": in_ous & listed,
                "DIFFERENCE": in_ous - listed,
                "UNION": in_ous | listed,
            }.get(deployment.get("AccountFilterType"), in_ous)
            targets |= {(account, region) for account in accounts for region in group["Regions"]}
        return targets

    @classmethod
    def _add_instances(cls, backend, name, properties) -> None:
        """Make the instances the groups name and drop those they no longer name, as
        CloudFormation does when a StackSet resource's StackInstancesGroup changes."""
        wanted = cls._targets(backend, name, properties)
        stackset = backend.describe_stack_set(name)
        have = {(i.account_id, i.region_name) for i in stackset.instances.stack_instances}
        for account, region in sorted(have - wanted):
            backend.delete_stack_instances(name, [account], [region])
        for account, region in sorted(wanted - have):
            backend.create_stack_instances(
                name,
                accounts=[account],
                regions=[region],
                parameters=[],
                deployment_targets={"OrganizationalUnitIds": []},
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
        template = cls._template(properties, account_id)
        backend.update_stack_set(
            stackset_name=name,
            template=template,
            description=properties.get("Description"),
            parameters=properties.get("Parameters", []),
            tags={t["Key"]: t["Value"] for t in properties.get("Tags", [])},
            admin_role=properties.get("AdministrationRoleARN"),
            execution_role=properties.get("ExecutionRoleName"),
            accounts=[],
            regions=[],
            operation_id=str(uuid.uuid4()),
        )
        # New instances get the new template (moto keeps making them from the first one), and
        # the existing ones are updated to it with their own overrides (AWS: "Updates the stack
        # set and associated stack instances").
        stackset = backend.describe_stack_set(name)
        changed = stackset.instances.template != template
        stackset.instances.template = template
        cls._add_instances(backend, name, properties)
        values = {p["ParameterKey"]: p["ParameterValue"] for p in properties.get("Parameters", [])}
        for instance in stackset.instances.stack_instances:
            if not changed or instance.stack.template == template:
                continue
            overrides = {p["ParameterKey"]: p["ParameterValue"] for p in instance.parameters or []}
            try:
                _update_template(instance.stack, template, {**values, **overrides})
                instance.template = template
            except Exception as error:
                instance.guardrails_status = ("FAILED", str(error))
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


_NO_VALUE = object()


def _resolve(value, parameters: dict[str, str], account_id: str, region: str, conditions=None):
    """A conformance pack template value with ``Ref``, ``Fn::Sub`` (long form) and ``Fn::If``
    resolved, and ``AWS::NoValue`` left out, as CloudFormation resolves them in a stack."""
    pseudo = {"AWS::AccountId": account_id, "AWS::Region": region, "AWS::Partition": "aws"}
    known = {**pseudo, **parameters}

    def resolve(v):
        if isinstance(v, dict):
            if set(v) == {"Ref"}:
                return _NO_VALUE if v["Ref"] == "AWS::NoValue" else known[v["Ref"]]
            if set(v) == {"Fn::Sub"}:
                return re.sub(r"\$\{([^}]+)\}", lambda m: known[m.group(1)], v["Fn::Sub"])
            if set(v) == {"Fn::If"}:
                name, then, otherwise = v["Fn::If"]
                return resolve(then if (conditions or {})[name] else otherwise)
            out = {k: resolve(x) for k, x in v.items()}
            return {k: x for k, x in out.items() if x is not _NO_VALUE}
        if isinstance(v, list):
            return [x for x in (resolve(x) for x in v) if x is not _NO_VALUE]
        return v

    return resolve(value)


def _conditions(template: dict, parameters: dict[str, str], account_id: str, region: str) -> dict:
    """The template's ``Conditions``, each evaluated (``Fn::Equals``, ``Fn::Not``, ``Fn::And``,
    ``Fn::Or``, ``Condition``), as a pack's template may use them like a stack's."""
    declared = template.get("Conditions", {})
    values: dict[str, bool] = {}

    def holds(expression) -> bool:
        (function, argument), = expression.items()
        if function == "Condition":
            return named(argument)
        if function == "Fn::Equals":
            left, right = (str(_resolve(a, parameters, account_id, region)) for a in argument)
            return left == right
        if function == "Fn::Not":
            return not holds(argument[0])
        if function == "Fn::And":
            return all(holds(a) for a in argument)
        if function == "Fn::Or":
            return any(holds(a) for a in argument)
        raise ValueError(f"unsupported condition function {function}")

    def named(name: str) -> bool:
        if name not in values:
            values[name] = holds(declared[name])
        return values[name]

    return {name: named(name) for name in declared}


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


_failing_accounts: set[str] = set()


def _apply_parameters(stack: Stack, parameters: dict[str, str]) -> None:
    """Update a stack to new parameter values as CloudFormation does: resources whose
    condition turns true are created (in dependency order), those whose condition turns false
    are deleted. moto's own update only modifies resources that ``Ref`` a changed parameter.
    A failure deletes what this update created and restores the old values, then raises."""
    if stack.account_id in _failing_accounts:
        raise ValidationError(message=f"injected fault: stack updates fail in account {stack.account_id}")
    resources = stack.resource_map
    old = dict(resources.input_parameters)

    def load(values) -> None:
        resources.input_parameters = values
        resources.load_parameters()
        resources.load_conditions()

    def wanted(name) -> bool:
        condition = resources._resource_json_map[name].get("Condition")
        return not condition or resources.lazy_condition_map[condition]

    order = resources._ResourceMap__get_resources_in_dependency_order()
    # Conformance packs are updated in place when their properties (inputs) change; moto's
    # update would not reach them.
    packs = [
        name for name in order
        if resources._resource_json_map[name].get("Type") == "AWS::Config::ConformancePack"
        and name in resources._parsed_resources
    ]
    properties = lambda name: clean_json(resources._resource_json_map[name].get("Properties"), resources)
    before = {name: properties(name) for name in packs}
    load(parameters)
    created, updated = [], []
    try:
        for name in order:
            if wanted(name) and name not in resources._parsed_resources:
                resources[name]
                created.append(name)
            elif name in before and wanted(name) and properties(name) != before[name]:
                updated.append(name)
                _update_resource(resources, name, stack)
    except Exception:
        for name in reversed(created):
            # A resource moto does not model (a remediation configuration) was never stored.
            made = resources._parsed_resources.pop(name, None)
            if made is not None:
                resources._delete_resource(made, resources._resource_json_map[name])
        load(old)
        for name in reversed(updated):
            _update_resource(resources, name, stack)
        raise
    for name in reversed(order):
        if not wanted(name) and name in resources._parsed_resources:
            resources._delete_resource(resources._parsed_resources.pop(name), resources._resource_json_map[name])
    stack.parameters = parameters
    stack._add_stack_event("UPDATE_COMPLETE")
    stack.status = "UPDATE_COMPLETE"


def _update_resource(resources: ResourceMap, name: str, stack: Stack) -> None:
    """Update one resource to its properties under the stack's current parameter values."""
    resources._parsed_resources[name] = parse_and_update_resource(
        name, resources._resource_json_map[name], resources, stack.account_id, stack.region_name
    )


def _region_order(preferences: dict, regions: list[str]) -> list[str]:
    """The regions of an operation in the order CloudFormation takes them: ``RegionOrder``
    first, then the rest as given."""
    order = [r for r in preferences.get("RegionOrder") or [] if r in regions]
    return order + [r for r in regions if r not in order]


def _tolerance_and_concurrency(preferences: dict, accounts: int) -> tuple[int, int]:
    """Failures a region tolerates and accounts it takes at a time (gap 16)."""
    if "FailureToleranceCount" in preferences:
        tolerance = int(preferences["FailureToleranceCount"])
    else:
        tolerance = accounts * int(preferences.get("FailureTolerancePercentage", 0)) // 100
    if "MaxConcurrentCount" in preferences:
        concurrency = int(preferences["MaxConcurrentCount"])
    elif "MaxConcurrentPercentage" in preferences:
        concurrency = max(1, accounts * int(preferences["MaxConcurrentPercentage"]) // 100)
    else:
        concurrency = 1
    if preferences.get("ConcurrencyMode", "STRICT_FAILURE_TOLERANCE") == "STRICT_FAILURE_TOLERANCE":
        concurrency = min(concurrency, tolerance + 1)
    return tolerance, max(1, concurrency)


def _update_template(stack: Stack, template: str, parameters: dict[str, str]) -> None:
    """Update a stack to a new template and parameter values as CloudFormation does: a
    resource the new template drops, or defines differently, is deleted (a changed one is made
    again: the emulator replaces what AWS might update in place), then `_apply_parameters`
    creates what the new template wants and deletes what its conditions no longer want.
    moto's own stack update fails on conditional resources of the member template."""
    resources = stack.resource_map
    new = Stack.parse_template(template)
    old_json = resources._resource_json_map
    order = resources._ResourceMap__get_resources_in_dependency_order()
    for name in reversed(order):
        if name in resources._parsed_resources and new["Resources"].get(name) != old_json.get(name):
            resources._delete_resource(resources._parsed_resources.pop(name), old_json[name])
    stack.template = template
    stack._parse_template()
    resources._template = stack.template_dict
    resources._resource_json_map = stack.template_dict["Resources"]
    _apply_parameters(stack, parameters)


def _patch_stack_instance_overrides() -> None:
    """Gap 16: UpdateStackInstances applies the overrides to the member stacks."""

    def update_stack_instances(self):
        name = self._get_param("StackSetName")
        regions = self._get_param("Regions", [])
        overrides = self._get_param("ParameterOverrides", [])
        targets = self._get_params().get("DeploymentTargets") or {}
        stackset = self.cloudformation_backend.describe_stack_set(name)
        if stackset.permission_model == "SERVICE_MANAGED":
            if self._get_param("Accounts") or "OrganizationalUnitIds" not in targets:
                raise ValidationError(
                    message="StackSets with SERVICE_MANAGED permission model can only have OrganizationalUnit as target"
                )
            organization = stackset.instances.org_backend
            in_ous = {a.id for a in organization.accounts if a.parent_id in targets["OrganizationalUnitIds"]}
            wanted = set(targets.get("Accounts", []))
            if targets.get("AccountFilterType") == "INTERSECTION":
                accounts = sorted(in_ous & wanted)
            else:
                accounts = sorted(in_ous)
        else:
            accounts = self._get_param("Accounts", [])
        operation = stackset._create_operation(
            operation_id=str(uuid.uuid4()), action="UPDATE", status="SUCCEEDED",
            accounts=accounts, regions=regions,
        )
        base = dict(stackset.parameters) if isinstance(stackset.parameters, dict) else {
            p["ParameterKey"]: p["ParameterValue"] for p in stackset.parameters
        }
        merged = {**base, **{p["ParameterKey"]: p["ParameterValue"] for p in overrides}}
        for account in accounts:
            for region in regions:
                if stackset.instances.get_instance(account, region) is None:
                    raise StackInstanceNotFound()
        preferences = self._get_params().get("OperationPreferences") or {}
        results = []

        def update(instance) -> tuple[str, str]:
            try:
                _apply_parameters(instance.stack, merged)
                instance.guardrails_status = None
                return "SUCCEEDED", ""
            except Exception as error:
                # The instance's update rolled back: its stack keeps what it had.
                instance.guardrails_status = ("FAILED", str(error))
                return "FAILED", str(error)

        stopped_before = False
        for region in _region_order(preferences, regions):
            tolerance, concurrency = _tolerance_and_concurrency(preferences, len(accounts))
            failures, stopped = 0, stopped_before
            for start in range(0, len(accounts), concurrency):
                for account in accounts[start : start + concurrency]:
                    instance = stackset.instances.get_instance(account, region)
                    instance.parameters = overrides
                    if stopped:
                        reason = "Cancelled since failure tolerance has exceeded"
                        instance.guardrails_status = ("CANCELLED", reason)
                        results.append((account, region, "CANCELLED", reason))
                        continue
                    status, reason = update(instance)
                    failures += status == "FAILED"
                    results.append((account, region, status, reason))
                stopped = stopped or failures > tolerance
            if stopped:
                operation["Status"] = "FAILED"
                if preferences.get("RegionConcurrencyType") != "PARALLEL":
                    stopped_before = True
        operation["guardrails_results"] = results
        return ActionResult({"OperationId": operation["OperationId"]})

    original_to_dict = StackInstance.to_dict

    def to_dict(self):
        out = original_to_dict(self)
        status = getattr(self, "guardrails_status", None)
        if status:
            detailed, reason = status
            out.update(Status="OUTDATED", StatusReason=reason,
                       StackInstanceStatus={"DetailedStatus": detailed})
        return out

    original_results = CloudFormationResponse.list_stack_set_operation_results

    def list_stack_set_operation_results(self):
        stackset = self.cloudformation_backend.describe_stack_set(self._get_param("StackSetName"))
        operation = stackset.get_operation(self._get_param("OperationId"))
        if "guardrails_results" not in operation:
            return original_results(self)
        summaries = []
        for account, region, status, reason in operation["guardrails_results"]:
            summary = {"Account": account, "Region": region, "Status": status}
            if reason:
                summary["StatusReason"] = reason
            summaries.append(summary)
        return ActionResult({"Summaries": summaries})

    def describe_stack_instance(self, stack_set_name, account_id, region):
        # moto fails with a 500 (None has no to_dict) where AWS answers
        # StackInstanceNotFoundException (botocore model: DescribeStackInstance's errors).
        stack_set = self.describe_stack_set(stack_set_name)
        instance = stack_set.instances.get_instance(account_id, region)
        if instance is None:
            raise StackInstanceNotFound()
        return instance.to_dict()

    CloudFormationBackend.describe_stack_instance = describe_stack_instance
    CloudFormationResponse.update_stack_instances = update_stack_instances
    CloudFormationResponse.list_stack_set_operation_results = list_stack_set_operation_results
    StackInstance.to_dict = to_dict


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


def _patch_import_change_sets() -> None:
    """Gap 17: IMPORT change sets adopt existing buckets instead of creating them."""
    original_create = CloudFormationResponse.create_change_set
    original_execute = CloudFormationBackend.execute_change_set

    def create_change_set(self):
        if self._get_param("ChangeSetType") != "IMPORT":
            return original_create(self)
        body = self._get_param("TemplateBody")
        template = yaml.safe_load(body)
        imports = {}
        for item in self._get_params().get("ResourcesToImport", []):
            identifier = item.get("ResourceIdentifier") or {}
            imports[item["LogicalResourceId"]] = (item["ResourceType"], identifier)
        resources = template.get("Resources", {})
        others = sorted(set(resources) - set(imports))
        if others:
            raise ValidationError(
                message=f"You have modified resources {others} in your template that are not "
                "being imported. Update, create or delete operations cannot be executed during import operations."
            )
        account = self.current_account
        for logical_id, (kind, identifier) in imports.items():
            resource = resources.get(logical_id)
            if resource is None or resource.get("Type") != kind:
                raise ValidationError(message=f"Resource {logical_id} of type {kind} is not in the template")
            if "DeletionPolicy" not in resource:
                raise ValidationError(
                    message=f"The following resource(s) to import [{logical_id}] must have DeletionPolicy attribute specified in the template."
                )
            bucket = identifier.get("BucketName")
            if kind != "AWS::S3::Bucket" or bucket not in s3_backends[account]["aws"].buckets:
                raise ValidationError(
                    message=f"Resources [{logical_id}] provided in ResourcesToImport do not exist."
                )
        result = original_create(self)
        change_set = list(self.cloudformation_backend.change_sets.values())[-1]
        change_set.guardrails_imports = {
            logical_id: identifier["BucketName"] for logical_id, (_, identifier) in imports.items()
        }
        return result

    def execute_change_set(self, change_set_name, stack_name=None):
        change_set = self.change_sets.get(change_set_name) or next(
            (c for c in self.change_sets.values() if c.change_set_name == change_set_name), None
        )
        imports = getattr(change_set, "guardrails_imports", None)
        if not imports:
            return original_execute(self, change_set_name, stack_name)
        stack = self.stacks[change_set.stack_id]
        stack._add_stack_event("IMPORT_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.template = change_set.template
        stack.parameters = change_set.parameters
        stack._parse_template()
        stack.resource_map = stack._create_resource_map()
        for logical_id, bucket in imports.items():
            stack.resource_map._parsed_resources[logical_id] = s3_backends[self.account_id]["aws"].buckets[bucket]
        stack.output_map = stack._create_output_map()
        stack._add_stack_event("IMPORT_COMPLETE")
        stack.status = "IMPORT_COMPLETE"
        change_set.execution_status = "EXECUTE_COMPLETE"

    CloudFormationResponse.create_change_set = create_change_set
    CloudFormationBackend.execute_change_set = execute_change_set


_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


def _service(environ) -> str:
    """The service a request is for, from its SigV4 credential scope."""
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return scope.group(1) if scope else "?"


# REST-JSON actions the tools call, by service, method and path (botocore models' requestUri).
_REST_ACTIONS = {
    ("securityhub", "POST", "/findings/import"): "BatchImportFindings",
    ("securityhub", "POST", "/findings"): "GetFindings",
}


def _count(environ) -> str:
    """Count one request by service and action, and return the action; the body is buffered
    and put back."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    service = _service(environ)
    target = environ.get("HTTP_X_AMZ_TARGET")
    rest = _REST_ACTIONS.get((service, environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")))
    if target:
        action = target.rsplit(".", 1)[-1]
    elif rest:
        action = rest
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
    its answer stops half-way through the body and the connection closes; ``access-denied``
    answers 403 as AWS does for a caller whose policy lacks the action."""

    KINDS = ("throttling", "internal-failure", "service-unavailable")

    def __init__(self, query: dict[str, list[str]]):
        self.rate = float(query["rate"][0])
        self.random = random.Random(int(query.get("seed", ["1"])[0]))

        def listed(key: str) -> list[str]:
            return [v for v in query.get(key, [""])[0].split(",") if v]

        self.kinds = tuple(listed("kinds")) or self.KINDS + ("truncated-page",)
        unknown = set(self.kinds) - set(self.KINDS + ("truncated-page", "stall", "cut-body", "access-denied"))
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
            "access-denied": ("403 Forbidden", "AccessDenied", "User is not authorized to perform this action"),
        }[kind]
        if environ.get("HTTP_X_AMZ_TARGET") or service in ("securityhub", "lambda"):
            if kind == "throttling":
                code = "ThrottlingException"
            if kind == "access-denied":
                code = "AccessDeniedException"
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
        elif path == WITHDRAW_MANAGED_RULE_PATH:
            query = parse_qs(environ.get("QUERY_STRING", ""))
            identifier, region = query.get("identifier", [""])[0], query.get("region", [""])[0]
            if identifier:
                _withdrawn_managed_rules.add((identifier, region))
            else:
                _withdrawn_managed_rules.clear()
            body = json.dumps(sorted(_withdrawn_managed_rules)).encode()
        elif path == remediations.WITHDRAW_PATH:
            region = parse_qs(environ.get("QUERY_STRING", "")).get("region", [""])[0]
            body = json.dumps(remediations.withdraw(region)).encode()
        elif path == STACK_UPDATE_FAULTS_PATH:
            listed = parse_qs(environ.get("QUERY_STRING", "")).get("accounts", [""])[0]
            _failing_accounts.clear()
            _failing_accounts.update(a for a in listed.split(",") if a)
            body = json.dumps(sorted(_failing_accounts)).encode()
        elif path == config_results.INVOCATIONS_PATH:
            query = parse_qs(environ.get("QUERY_STRING", ""))
            config_results.register_invocation(query["token"][0], query["rule"][0])
            body = b"{}"
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
    # moto's own GetAccountAuthorizationDetails (no PolicyId): how the tests show a rule
    # coping with a listing that lacks an entity's id.
    parser.add_argument("--iam-details-without-policy-ids", action="store_true")
    args = parser.parse_args()

    _patch_put_evaluations()
    _patch_neptune_iam_auth()
    if not args.iam_details_without_policy_ids:
        _patch_iam_policy_details()
    _patch_user_permissions_boundaries()
    _patch_vpc_endpoint_state()
    _patch_db_cluster_pages()
    _patch_bucket_policy_conditions()
    _patch_list_parameter_echo()
    _patch_parameter_constraints()
    _patch_failed_stack_creation()
    _patch_rules_need_a_recorder()
    _patch_managed_rule_refusals()
    _patch_default_network()
    _patch_organization_packs()
    _patch_stack_instance_overrides()
    _patch_import_change_sets()
    config_results.patch()
    remediations.patch()
    security_hub_findings.patch()
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
