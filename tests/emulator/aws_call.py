#!/usr/bin/env python3
"""Make one AWS API call against the emulator with boto3 and print its result as JSON.

Usage: ``aws_call.py --endpoint-url URL --region REGION [--account ID] SERVICE OPERATION
[PARAMS_JSON]``, e.g. ``aws_call.py ... securityhub get_findings '{"MaxResults": 100}'``.
With ``--account`` the call is made as the role ``GuardrailsAudit`` of that account (moto
ties assumed-role credentials to the role's account), so tests can read and change member
accounts of an emulated organization.
"""

from __future__ import annotations

import argparse
import json

import boto3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--account")
    parser.add_argument("service")
    parser.add_argument("operation")
    parser.add_argument("params", nargs="?", default="{}")
    args = parser.parse_args()
    credentials = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
    common = dict(endpoint_url=args.endpoint_url, region_name=args.region)
    if args.account:
        assumed = boto3.client("sts", **common, **credentials).assume_role(
            RoleArn=f"arn:aws:iam::{args.account}:role/GuardrailsAudit",
            RoleSessionName="guardrails-tests",
        )["Credentials"]
        credentials = dict(
            aws_access_key_id=assumed["AccessKeyId"],
            aws_secret_access_key=assumed["SecretAccessKey"],
            aws_session_token=assumed["SessionToken"],
        )
    client = boto3.client(args.service, **common, **credentials)
    result = getattr(client, args.operation)(**json.loads(args.params))
    result.pop("ResponseMetadata", None)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
