#!/usr/bin/env python3
"""The Python baseline of the cold start benchmark: what neptune-cluster-iam-auth does, written
the way an rdklib-style Python rule is (boto3 clients made at init, a Lambda Runtime API
loop, DescribeDBClusters paginated, PutEvaluations in batches of 100). Not a product; only
measured against the Rust binary by ``cargo run --release -p guardrails-testkit --bin bench``.
"""

from __future__ import annotations

import datetime
import json
import os
import urllib.request

import boto3

API = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/invocation"
NEPTUNE = boto3.client("neptune")
CONFIG = boto3.client("config")


def evaluate(event: dict) -> dict:
    now = datetime.datetime.now(datetime.timezone.utc)
    evaluations = []
    for page in NEPTUNE.get_paginator("describe_db_clusters").paginate():
        for cluster in page["DBClusters"]:
            if cluster.get("Engine") != "neptune":
                compliance, why = "NOT_APPLICABLE", f"engine {cluster.get('Engine')} is not Neptune"
            elif cluster.get("IAMDatabaseAuthenticationEnabled"):
                compliance, why = "COMPLIANT", "IAMDatabaseAuthenticationEnabled is true"
            else:
                compliance, why = "NON_COMPLIANT", "IAMDatabaseAuthenticationEnabled is false"
            evaluations.append(
                {
                    "ComplianceResourceType": "AWS::RDS::DBCluster",
                    "ComplianceResourceId": cluster["DbClusterResourceId"],
                    "ComplianceType": compliance,
                    "Annotation": why,
                    "OrderingTimestamp": now,
                }
            )
    for start in range(0, len(evaluations), 100):
        CONFIG.put_evaluations(
            Evaluations=evaluations[start : start + 100], ResultToken=event["resultToken"]
        )
    return {"evaluations": len(evaluations)}


def main() -> None:
    while True:
        with urllib.request.urlopen(f"{API}/next") as response:
            request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
            event = json.loads(response.read())
        try:
            body, outcome = json.dumps(evaluate(event)).encode(), "response"
        except Exception as error:  # report it the way the Lambda runtime does
            body = json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)}).encode()
            outcome = "error"
        urllib.request.urlopen(
            urllib.request.Request(f"{API}/{request_id}/{outcome}", data=body, method="POST")
        ).close()


if __name__ == "__main__":
    main()
