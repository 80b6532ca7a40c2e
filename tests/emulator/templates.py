"""Bridges of CloudFormation templates and stacks: parameter constraints, intrinsic
functions and conditions, the resources moto lacks (``AWS::Config::ConfigRule``,
``AWS::S3::BucketPolicy``), stack updates that change parameters, failed creations, and
IMPORT change sets. Each is listed, with its source, in ``launcher.py``'s docstring and in
tests/README.md."""

from __future__ import annotations

import json
import re

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.parsing import ResourceMap, clean_json, parse_and_update_resource
from moto.cloudformation.responses import CloudFormationResponse
from moto.config.models import config_backends
from moto.core.common_models import CloudFormationModel
from moto.s3.models import s3_backends
import yaml


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
