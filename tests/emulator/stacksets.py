"""Bridges of CloudFormation StackSets: the ``AWS::CloudFormation::StackSet`` resource,
service-managed instances with their operation preferences (region order, failure
tolerance, concurrency), overrides and injected stack-update faults. Each is listed, with
its source, in ``launcher.py``'s docstring and in tests/README.md."""

from __future__ import annotations

import uuid

from moto.cloudformation.exceptions import StackInstanceNotFound, ValidationError
from moto.cloudformation.models import CloudFormationBackend, StackInstance, cloudformation_backends
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult

from templates import _Named, _apply_parameters, _template_from_s3, _update_template


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
