#!/usr/bin/env python3
"""Deploy a generated member template as a plain stack into the emulator and report what it
made, then delete the stack and report what is left.

What a StackSet would do in one member account and region, with the artifact bucket the
admin account provides: the bucket ``neptune-guardrails-ACCOUNT-REGION`` is created and each
rule's ``*CodeKey`` parameter gets a small Lambda zip (a ``bootstrap`` placeholder; the
emulator never runs it). Prints one JSON object:
``{"status", "resources": {logical id: {"type", "status"}}, "documents": {name: {...}},
"rules": {name: {...}}, "functions": {name: {...}}, "roles": {name: policy actions},
"left_after_delete": {...}}``. With ``--recorder`` the account gets an AWS Config
configuration recorder first (the emulator, like AWS, refuses Config rules without one). A
stack that fails to create is reported with its status and reason, not raised; a CreateStack
that CloudFormation refuses outright prints ``{"refused": message}``.

Usage: deploy_member.py --endpoint-url URL --region R --template member.yaml [--recorder]
[--parameter K=V ...]
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import zipfile
from urllib.parse import unquote

import boto3
import yaml


def client(name: str, args):
    return boto3.client(
        name,
        endpoint_url=args.endpoint_url,
        region_name=args.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def placeholder_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\nexit 1\n")
    return buffer.getvalue()


class CloudFormationLoader(yaml.SafeLoader):
    """Reads templates; short-form intrinsics are not used by gen synth, so none are needed."""


def inventory(args) -> dict:
    ssm, config, lam, iam = (client(n, args) for n in ("ssm", "config", "lambda", "iam"))
    documents = {}
    # Every page: ListDocuments answers 10 at a time unless asked otherwise.
    pages = ssm.get_paginator("list_documents").paginate(Filters=[{"Key": "Owner", "Values": ["Self"]}])
    for doc in (d for page in pages for d in page["DocumentIdentifiers"]):
        full = ssm.get_document(Name=doc["Name"])
        documents[doc["Name"]] = {
            "type": full["DocumentType"],
            "format": full["DocumentFormat"],
            "content": yaml.safe_load(full["Content"]),
        }
    rules = {
        # A conformance pack's rule is named ID-conformance-pack-PACKID (bridge 15): by its id here.
        rule["ConfigRuleName"].split("-conformance-pack-")[0]: {
            "owner": rule["Source"]["Owner"],
            "function": rule["Source"].get("SourceIdentifier"),
            "messages": sorted(d["MessageType"] for d in rule["Source"].get("SourceDetails", [])),
            "frequencies": sorted(
                {d["MaximumExecutionFrequency"] for d in rule["Source"].get("SourceDetails", []) if "MaximumExecutionFrequency" in d}
            ),
            "resource_types": rule.get("Scope", {}).get("ComplianceResourceTypes", []),
            "parameters": json.loads(rule.get("InputParameters") or "{}"),
            "created_by": rule.get("CreatedBy"),
        }
        for page in config.get_paginator("describe_config_rules").paginate()
        for rule in page["ConfigRules"]
    }
    functions = {
        f["FunctionName"]: {
            "runtime": f["Runtime"],
            "handler": f["Handler"],
            "architectures": f.get("Architectures", []),
            "role": f["Role"],
        }
        for f in lam.list_functions()["Functions"]
    }
    roles = {}
    for role in iam.list_roles()["Roles"]:
        actions = []
        for name in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=name)["PolicyDocument"]
            if isinstance(document, str):
                # IAM returns URL-encoded JSON; moto's CloudFormation stores a role's inline
                # policy as the Python repr of the template's mapping.
                text = unquote(document)
                document = json.loads(text) if text.startswith('{"') else ast.literal_eval(text)
            for statement in document["Statement"]:
                listed = statement["Action"]
                actions += [listed] if isinstance(listed, str) else listed
        roles[role["RoleName"]] = sorted(actions)
    return {"documents": documents, "rules": rules, "functions": functions, "roles": roles}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--template", required=True)
    parser.add_argument("--parameter", action="append", default=[])
    parser.add_argument("--recorder", action="store_true")
    args = parser.parse_args()

    body = open(args.template).read()
    template = yaml.load(body, Loader=CloudFormationLoader)
    account = client("sts", args).get_caller_identity()["Account"]
    s3 = client("s3", args)
    bucket = f"neptune-guardrails-{account}-{args.region}"
    if args.region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": args.region})

    parameters = {"ArtifactAccountId": account}
    for name in template["Parameters"]:
        if name.endswith("CodeKey"):
            key = f"lambda/{name}/0123abcd.zip"
            s3.put_object(Bucket=bucket, Key=key, Body=placeholder_zip())
            parameters[name] = key
    parameters.update(p.split("=", 1) for p in args.parameter)
    if args.recorder:
        client("config", args).put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{account}:role/config-recorder",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
            }
        )

    cloudformation = client("cloudformation", args)
    name = "neptune-guardrails-member"
    report = {"status": {}, "resources": {}, "reason": None}
    try:
        cloudformation.create_stack(
            StackName=name,
            TemplateBody=body,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
    except cloudformation.exceptions.ClientError as error:
        # Refused before anything was made (a parameter outside its constraints).
        print(json.dumps({"refused": error.response["Error"]["Message"]}))
        return
    events = cloudformation.describe_stack_events(StackName=name)["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    if failed:
        report["reason"] = failed[0].get("ResourceStatusReason")
    else:
        cloudformation.get_waiter("stack_create_complete").wait(
            StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        for r in cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]:
            if r["LogicalResourceId"]:
                report["resources"][r["LogicalResourceId"]] = {"type": r["ResourceType"], "status": r["ResourceStatus"]}
    report["status"][name] = cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    report.update(inventory(args))

    cloudformation.delete_stack(StackName=name)
    cloudformation.get_waiter("stack_delete_complete").wait(
        StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    left = inventory(args)
    report["left_after_delete"] = {kind: sorted(found) for kind, found in left.items()}
    print(json.dumps(report, indent=2, sort_keys=True, default=str))


if __name__ == "__main__":
    main()
