#!/usr/bin/env python3
"""Start moto in server mode on 127.0.0.1 with the few patches Neptune Guardrails needs.

moto is the real AWS API emulator of our tests; this launcher only bridges gaps in it, each
one patched in-process and listed here (and in README.md, "Test world"). The bridges live
beside this file, by service: ``services.py`` (Neptune/RDS, IAM, EC2, S3), ``templates.py``
(CloudFormation templates and stacks), ``stacksets.py``, ``config_rules.py`` (rules,
evaluations, conformance packs), ``config_results.py``, ``remediations.py``,
``security_hub_findings.py``, ``parameter_groups.py`` and ``organization_access.py``; ``faults.py`` injects AWS-style failures. This file serves
moto with them and the ``/_guardrails/`` routes below.

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
25. DMS has no ``AddTagsToResource`` in moto 5.2 (``ListTagsForResource`` reads tags given at
    ``CreateEndpoint`` only). Here it tags an endpoint, replication instance or task as the
    botocore ``dms`` model describes it (``ResourceArn``, ``Tags``; ``ResourceNotFoundFault``
    for an ARN that is no DMS resource), so tests can change an endpoint's exemption tag.
26. Config has no ``DescribeConfigRuleEvaluationStatus`` in moto 5.2. Here it answers from the
    botocore model, under its strictest reading: no status for custom Lambda rules ("This
    operation does not return status information about Config Custom Lambda rules"), pages
    of 10 without a ``Limit``, and a test aid that records a rule's runs: see
    ``rule_health.py``.
27. moto runs no deployed Lambda function, so CloudWatch never holds Lambda's own
    ``AWS/Lambda`` ``Invocations`` and ``Errors`` metrics. A test aid records them as Lambda
    would (``GET /_guardrails/lambda-invocations``): see ``rule_health.py``.
28. moto's ``DescribeDBClusterSnapshots`` never returns ``IAMDatabaseAuthenticationEnabled``
    (botocore ``neptune`` model, ``DBClusterSnapshot``: "True if mapping of Amazon
    Identity and Access Management (IAM) accounts to database accounts is enabled, and
    otherwise false"). Here a snapshot reports the setting its cluster had when it was taken
    (``services.py``, beside bridge 2).
29. moto keeps no Neptune cluster parameter groups as AWS does: the default group a cluster
    gets does not exist, a new group lists no parameters, the default group can be modified,
    and every instance is ``in-sync`` forever. Here default groups exist, groups list
    Neptune's cluster parameters with their defaults, the default group and ``immediate``
    static changes are refused, and a static change or a new group leaves the cluster's
    instances ``pending-reboot`` until ``RebootDBInstance``: see ``parameter_groups.py``.
30. moto's ``DescribeDBClusters`` refuses the ``db-cluster-resource-id`` filter AWS accepts
    (botocore ``rds`` model), by which our cluster runbooks find the cluster Config reports:
    here it filters (``services.py``).
31. moto's ``ModifyDBCluster`` ignores ``CloudwatchLogsExportConfiguration`` (it reads the
    exports from a key the API never sends). Here enabling or disabling log types changes
    ``EnabledCloudwatchLogsExports`` (``parameter_groups.py``).
32. moto lets any account call Organizations ``ListAccounts`` (a member sees an empty list)
    and hands out credentials for any role whatever its trust policy. Here ListAccounts is
    refused (``AccessDeniedException``) outside the management account and delegated
    administrators, and AssumeRole of an existing role evaluates its trust policy (principal,
    ``aws:PrincipalOrgID``, ``aws:PrincipalTag``, ``aws:PrincipalArn`` and
    ``aws:PrincipalAccount`` conditions): see ``organization_access.py``.
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
``Marker`` for the rest, as AWS may). Below ``rate=1`` the faults are transient (at most 4
attempts of one call fail, ``faults.Faults.TRANSIENT_ATTEMPTS``); ``rate=1`` fails them all.
Opt-in, ``kinds=stall`` holds requests until the client's attempt timeout gives up on them and ``kinds=cut-body`` cuts answers off
half-way; ``actions=A,B`` aims the faults at chosen API actions (see ``faults.Faults``). ``GET /_guardrails/faults`` returns the faults injected since then
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
import sys
import threading
import time
from collections import Counter
from urllib.parse import parse_qs

# AWS managed policies exist in every AWS account; moto loads them only when asked (its
# setting, not a bridge), and a test world attaches NeptuneFullAccess. Set before moto loads.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

import config_results
import faults
import remediations
import organization_access
import parameter_groups
import rule_health
import security_hub_findings
from config_rules import (
    _patch_managed_rule_refusals,
    _patch_organization_packs,
    _patch_put_evaluations,
    _patch_rules_need_a_recorder,
    _recorded,
    _recorded_lock,
    _withdrawn_managed_rules,
)
from faults import _service
from services import (
    _patch_bucket_policy_conditions,
    _patch_cluster_resource_id_filter,
    _patch_db_cluster_pages,
    _patch_default_network,
    _patch_dms_add_tags,
    _patch_iam_policy_details,
    _patch_neptune_iam_auth,
    _patch_user_permissions_boundaries,
    _patch_vpc_endpoint_pages,
    _patch_vpc_endpoint_state,
)
from stacksets import _patch_stack_instance_overrides
from templates import (
    _failing_accounts,
    _patch_failed_stack_creation,
    _patch_import_change_sets,
    _patch_list_parameter_echo,
    _patch_parameter_constraints,
)

EVALUATIONS_PATH = "/_guardrails/evaluations"
CALLS_PATH = "/_guardrails/calls"
SERVICE_TIME_PATH = "/_guardrails/service-time"
FAULTS_PATH = "/_guardrails/faults"
STACK_UPDATE_FAULTS_PATH = "/_guardrails/stack-update-faults"
WITHDRAW_MANAGED_RULE_PATH = "/_guardrails/withdraw-managed-rule"

_calls: Counter = Counter()
_calls_lock = threading.Lock()
_service_seconds = 0.0
_in_flight = 0
_busy_since = 0.0



# REST-JSON actions the tools call, by service, method and path (botocore models' requestUri).
_REST_ACTIONS = {
    ("securityhub", "POST", "/findings/import"): "BatchImportFindings",
    ("securityhub", "POST", "/findings"): "GetFindings",
    ("securityhub", "PATCH", "/findings/batchupdate"): "BatchUpdateFindings",
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
            query = parse_qs(environ.get("QUERY_STRING", ""))
            try:
                if "rate" in query:
                    faults.current = faults.Faults(query) if float(query["rate"][0]) > 0 else None
            except ValueError as error:
                body = str(error).encode()
                start_response("400 Bad Request", [("Content-Length", str(len(body)))])
                return [body]
            injected = dict(sorted(faults.current.injected.items())) if faults.current else {}
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
        elif path == rule_health.RULE_EVALUATION_PATH:
            body = json.dumps(rule_health.record_evaluation(environ.get("QUERY_STRING", ""))).encode()
        elif path == rule_health.LAMBDA_INVOCATIONS_PATH:
            body = json.dumps(rule_health.record_invocations(environ.get("QUERY_STRING", ""))).encode()
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
            injection = faults.current
            kind = injection.pick(action, environ) if injection else None
            if kind is None:
                return _timed(app, environ, start_response)
            if kind == "cut-body":
                return _cut_body(app, environ, start_response)
            if kind == "stall":
                time.sleep(faults.stall_seconds)
            status, headers, body = faults.Faults.response(kind, environ)
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
    _patch_cluster_resource_id_filter()
    _patch_bucket_policy_conditions()
    _patch_list_parameter_echo()
    _patch_parameter_constraints()
    _patch_failed_stack_creation()
    _patch_rules_need_a_recorder()
    _patch_managed_rule_refusals()
    _patch_default_network()
    _patch_dms_add_tags()
    _patch_organization_packs()
    _patch_stack_instance_overrides()
    _patch_import_change_sets()
    config_results.patch()
    rule_health.patch()
    remediations.patch()
    security_hub_findings.patch()
    parameter_groups.patch()
    organization_access.patch()
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
