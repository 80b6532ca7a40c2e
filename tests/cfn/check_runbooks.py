#!/usr/bin/env python3
"""Check every AWS API step of SSM Automation runbooks against botocore's service models.

For each ``aws:executeAwsApi``, ``aws:assertAwsResourceProperty`` and
``aws:waitForAwsResourceProperty`` step: the service exists (as a boto3 client name, which is
how Automation names it), the operation exists, every input is a member of the operation's
input shape (nested structures and lists of structures checked member by member), and every
required member is given. Values that are ``{{ ... }}`` references are not type-checked
(they are resolved at run time); literal scalars are checked against the member's type.

Usage: check_runbooks.py RUNBOOK.yaml... — prints one JSON object {"steps": N, "problems": [..]}
and exits 1 when there is a problem.
"""

from __future__ import annotations

import json
import sys

import botocore.session
import yaml

API_ACTIONS = {
    "aws:executeAwsApi",
    "aws:assertAwsResourceProperty",
    "aws:waitForAwsResourceProperty",
}
# Inputs of the action itself, not of the API.
ACTION_INPUTS = {"Service", "Api", "PropertySelector", "DesiredValues"}
SCALAR_TYPES = {
    "string": str,
    "boolean": bool,
    "integer": int,
    "long": int,
}


def is_reference(value) -> bool:
    return isinstance(value, str) and value.strip().startswith("{{") and value.strip().endswith("}}")


def check_value(value, shape, where: str, problems: list[str]) -> None:
    if is_reference(value):
        return
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            problems.append(f"{where}: expected a structure ({shape.name}), got {type(value).__name__}")
            return
        check_members(value, shape, where, problems)
    elif kind == "list":
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list ({shape.name}), got {type(value).__name__}")
            return
        for index, item in enumerate(value):
            check_value(item, shape.member, f"{where}[{index}]", problems)
    elif kind in SCALAR_TYPES:
        expected = SCALAR_TYPES[kind]
        if isinstance(value, str) and "{{" in value:
            return  # text with an embedded reference
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            problems.append(f"{where}: expected {kind}, got {value!r}")
        elif kind == "string" and shape.enum and value not in shape.enum:
            problems.append(f"{where}: {value!r} is not one of {shape.enum}")


def check_members(given: dict, shape, where: str, problems: list[str]) -> None:
    for name, value in given.items():
        if name not in shape.members:
            problems.append(f"{where}: {name} is not a parameter of {shape.name}")
            continue
        check_value(value, shape.members[name], f"{where}.{name}", problems)
    for name in shape.required_members:
        if name not in given:
            problems.append(f"{where}: required {name} of {shape.name} is missing")


def main() -> None:
    session = botocore.session.get_session()
    services = set(session.get_available_services())
    steps = 0
    problems: list[str] = []
    for path in sys.argv[1:]:
        document = yaml.safe_load(open(path))
        for step in document.get("mainSteps", []):
            if step.get("action") not in API_ACTIONS:
                continue
            steps += 1
            inputs = step.get("inputs", {})
            where = f"{path}:{step.get('name')}"
            service, api = inputs.get("Service"), inputs.get("Api")
            if service not in services:
                problems.append(f"{where}: unknown service {service!r}")
                continue
            model = session.get_service_model(service)
            if api not in model.operation_names:
                problems.append(f"{where}: {service} has no operation {api!r}")
                continue
            shape = model.operation_model(api).input_shape
            given = {k: v for k, v in inputs.items() if k not in ACTION_INPUTS}
            if shape is None:
                if given:
                    problems.append(f"{where}: {api} takes no input, got {sorted(given)}")
                continue
            check_members(given, shape, f"{where}:{api}", problems)
    print(json.dumps({"steps": steps, "problems": problems}, indent=2))
    sys.exit(1 if problems or steps == 0 else 0)


if __name__ == "__main__":
    main()
