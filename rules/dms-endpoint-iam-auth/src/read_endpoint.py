"""First step of NeptuneGuardrails-EnableDmsEndpointIamAuth (aws:executeScript, Python 3.11).

Finds the DMS endpoint by ARN or identifier and returns what the next steps need. It stops
the automation, changing nothing, when the endpoint is not a Neptune target, has no Neptune
settings, or already has IAM authorization on: the rule then reports the endpoint because of
its target cluster, which no DMS change fixes, so a "successful" run would let automatic
remediation loop.
"""

import boto3


def handler(events, context):
    endpoint = events["Endpoint"].strip()
    by = "endpoint-arn" if endpoint.startswith("arn:") else "endpoint-id"
    dms = boto3.client("dms")
    found = dms.describe_endpoints(Filters=[{"Name": by, "Values": [endpoint]}])["Endpoints"]
    if not found:
        raise Exception(f"no DMS endpoint with {by} {endpoint} in this account and region")
    described = found[0]
    arn = described["EndpointArn"]
    if described.get("EngineName") != "neptune":
        raise Exception(f"{arn} targets {described.get('EngineName')}, not Neptune: nothing to do")
    settings = described.get("NeptuneSettings") or {}
    if not settings.get("S3BucketName"):
        raise Exception(
            f"{arn} has no Neptune settings (staging bucket and folder): its owner must set "
            "them before IAM authorization can be turned on"
        )
    if settings.get("IamAuthEnabled"):
        raise Exception(
            f"{arn} already has IamAuthEnabled=true; nothing was changed. It is non-compliant "
            "because its target Neptune cluster does not require IAM database authentication: "
            "run NeptuneGuardrails-EnableClusterIamAuth on that cluster instead"
        )
    return {
        "EndpointArn": arn,
        "S3BucketName": settings["S3BucketName"],
        "S3BucketFolder": settings.get("S3BucketFolder", ""),
    }
