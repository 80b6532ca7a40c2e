#!/usr/bin/env python3
"""Run a shipped runbook's API steps against the emulator, as SSM Automation runs them.

Takes the YAML under ``cfn/runbooks/`` and walks its ``mainSteps``: ``aws:executeAwsApi``
(the call through boto3, its ``outputs`` by ``Selector``), ``aws:assertAwsResourceProperty``
(the call, then the ``PropertySelector`` value must be one of ``DesiredValues``) and
``aws:branch`` (``StringEquals``, ``StartsWith``, ``BooleanEquals`` choices, else
``Default``) and ``aws:executeScript`` (the Python ``Script``'s ``Handler`` called with the
``InputPayload``, its return value as ``$.Payload``; its boto3 calls reach the emulator too),
following ``nextStep``/``isEnd`` or the next step, with ``{{Parameter}}`` (a parameter's
``default`` when not given), ``{{Step.Output}}`` and ``{{global:ACCOUNT_ID}}``/
``{{global:REGION}}`` substituted inside strings (SSM Automation reference: "Automation
actions", "Using inputs from other steps", "Runbook variables"). Selectors take the JSONPath subset the runbooks
use: ``$.A.B[0].C`` and ``$.A..C``. Prints ``{"steps": [...], "outputs": {...}}``, or with
``"error"`` and the failing step. Only what our runbooks use; any other action fails.

Usage: run_runbook.py --endpoint-url URL --region R --runbook FILE.yaml [--param K=V]...
"""

from __future__ import annotations

import argparse
import json
import re

import boto3
import yaml
from botocore import xform_name

import runbook_args

CONTROL = {"Service", "Api", "PropertySelector", "DesiredValues"}


def select(value, selector: str):
    """The values a selector picks (a list), or the one value for a plain path."""
    found, many = [value], False
    for part in re.findall(r"\.\.?[A-Za-z0-9_]+|\[\d+\]", selector.removeprefix("$")):
        if part.startswith(".."):
            key, many = part[2:], True
            found = [v for f in found for v in descend(f, key)]
        elif part.startswith("."):
            found = [f[part[1:]] for f in found if isinstance(f, dict) and part[1:] in f]
        else:
            index = int(part[1:-1])
            found = [f[index] for f in found if isinstance(f, list) and len(f) > index]
    return found if many else (found[0] if found else None)


def descend(value, key: str) -> list:
    if isinstance(value, dict):
        return ([value[key]] if key in value else []) + [v for x in value.values() for v in descend(x, key)]
    if isinstance(value, list):
        return [v for x in value for v in descend(x, key)]
    return []


def substitute(value, variables: dict):
    if isinstance(value, str):
        whole = re.fullmatch(r"\{\{\s*([\w.:]+)\s*\}\}", value)
        if whole and not isinstance(variables.get(whole.group(1)), str):
            return variables[whole.group(1)]
        return re.sub(r"\{\{\s*([\w.:]+)\s*\}\}", lambda m: str(variables[m.group(1)]), value)
    if isinstance(value, list):
        return [substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, variables) for k, v in value.items()}
    return value


def call(inputs: dict) -> dict:
    client = boto3.client(inputs["Service"])
    params = {k: v for k, v in inputs.items() if k not in CONTROL}
    response = getattr(client, xform_name(inputs["Api"]))(**params)
    return json.loads(json.dumps(response, default=str))


def execute_script(inputs: dict) -> dict:
    """The script's handler on its payload, as Automation's Python runtime calls it."""
    namespace: dict = {}
    exec(compile(inputs["Script"], "<runbook script>", "exec"), namespace)
    return {"Payload": namespace[inputs["Handler"]](inputs.get("InputPayload", {}), None)}


def branch(inputs: dict) -> str:
    for choice in inputs["Choices"]:
        variable = choice["Variable"]
        if "StringEquals" in choice and variable == choice["StringEquals"]:
            return choice["NextStep"]
        if "StartsWith" in choice and str(variable).startswith(choice["StartsWith"]):
            return choice["NextStep"]
        if "BooleanEquals" in choice and str(variable).lower() == str(choice["BooleanEquals"]).lower():
            return choice["NextStep"]
    return inputs["Default"]


def run(document: dict, variables: dict) -> dict:
    steps = document["mainSteps"]
    by_name = {s["name"]: i for i, s in enumerate(steps)}
    ran, index = [], 0
    while index < len(steps):
        step = steps[index]
        ran.append(step["name"])
        inputs = substitute(step["inputs"], variables)
        try:
            if step["action"] == "aws:branch":
                index = by_name[branch(inputs)]
                continue
            if step["action"] == "aws:executeAwsApi":
                response = call(inputs)
                for output in step.get("outputs", []):
                    variables[f"{step['name']}.{output['Name']}"] = select(response, output["Selector"])
            elif step["action"] == "aws:executeScript":
                response = execute_script(inputs)
                for output in step.get("outputs", []):
                    variables[f"{step['name']}.{output['Name']}"] = select(response, output["Selector"])
            elif step["action"] == "aws:assertAwsResourceProperty":
                value = select(call(inputs), inputs["PropertySelector"])
                if str(value) not in [str(v) for v in inputs["DesiredValues"]]:
                    raise RuntimeError(f"{inputs['PropertySelector']} is {value!r}, not one of {inputs['DesiredValues']}")
            else:
                raise RuntimeError(f"action {step['action']} is not run here")
        except Exception as err:  # the step fails, as Automation's onFailure: Abort
            return {"steps": ran, "step": step["name"], "error": str(err)}
        if step.get("isEnd"):
            break
        index = by_name[step["nextStep"]] if "nextStep" in step else index + 1
    return {"steps": ran, "outputs": {k: variables.get(k) for k in document.get("outputs", [])}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--param", action="append", default=[])
    args = runbook_args.parse(parser)
    with open(args.runbook) as f:
        document = yaml.safe_load(f)
    variables = {
        name: declared["default"]
        for name, declared in document.get("parameters", {}).items()
        if "default" in declared
    }
    variables.update(p.split("=", 1) for p in args.param)
    variables["global:ACCOUNT_ID"] = boto3.client("sts").get_caller_identity()["Account"]
    variables["global:REGION"] = args.region
    print(json.dumps(run(document, variables)))


if __name__ == "__main__":
    main()
