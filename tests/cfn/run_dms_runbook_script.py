#!/usr/bin/env python3
"""Run the first step (aws:executeScript) of the shipped DMS runbook against the emulator.

Creates DMS endpoints (Neptune with IAM authorization off, Neptune with it on, Neptune without
Neptune settings, PostgreSQL), takes the step's script out of the runbook YAML given, and
calls its handler as SSM Automation would, once per endpoint by identifier and once by ARN.
Prints ``{"CASE by id|arn": {"ok": payload} | {"error": message}}`` as JSON.

Usage: run_dms_runbook_script.py --endpoint-url URL --region R --runbook RUNBOOK.yaml
"""

from __future__ import annotations

import argparse
import json

import boto3
import yaml

import runbook_args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args = runbook_args.parse(parser)
    dms = boto3.client("dms")
    role = "arn:aws:iam::123456789012:role/dms-neptune"

    def neptune(iam: bool | None) -> dict:
        settings = {"S3BucketName": "staging", "S3BucketFolder": "graph", "ServiceAccessRoleArn": role}
        if iam is not None:
            settings["IamAuthEnabled"] = iam
        return {"EngineName": "neptune", "NeptuneSettings": settings}

    cases = {
        "iam-off": neptune(False),
        "iam-on": neptune(True),
        "no-settings": {"EngineName": "neptune"},
        "postgres": {"EngineName": "postgres", "DatabaseName": "app"},
    }
    arns = {}
    for name, extra in cases.items():
        made = dms.create_endpoint(
            EndpointIdentifier=name,
            EndpointType="target",
            ServerName=f"{name}.cluster-abc.{args.region}.neptune.amazonaws.com",
            Port=8182,
            **extra,
        )
        arns[name] = made["Endpoint"]["EndpointArn"]

    runbook = yaml.safe_load(open(args.runbook))
    step = next(s for s in runbook["mainSteps"] if s["action"] == "aws:executeScript")
    namespace: dict = {}
    exec(compile(step["inputs"]["Script"], "ReadEndpoint", "exec"), namespace)
    results = {}
    for name in cases:
        for how, value in (("id", name), ("arn", arns[name])):
            try:
                results[f"{name} by {how}"] = {"ok": namespace["handler"]({"Endpoint": value}, None)}
            except Exception as error:  # the step's failure, as SSM would show it
                results[f"{name} by {how}"] = {"error": str(error)}
    results["arns"] = arns
    print(json.dumps(results, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
