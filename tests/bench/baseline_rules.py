#!/usr/bin/env python3
"""The Python baselines of the cold start benchmark: what each Neptune Guardrails rule does on
a scheduled run, written the way an rdklib-style Python rule is (boto3 clients made at init,
a Lambda Runtime API loop, paginated listings, PutEvaluations in batches of 100), making the
same AWS calls as the Rust rule with the least logic that decides the same verdicts' shape.
Not a product; only measured against the Rust binaries by ``scripts/bench`` (the bench prints
both runtimes' AWS calls side by side, so any difference in work shows).

Usage: ``baseline_rules.py RULE_ID`` inside a Lambda-like environment
(``AWS_LAMBDA_RUNTIME_API`` set).
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import urllib.parse
import urllib.request

import boto3

API = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/invocation"
RULE = sys.argv[1]
CONFIG = boto3.client("config")
NEPTUNE = boto3.client("neptune") if RULE != "neptune-fgac-policy-hygiene" else None
DMS = boto3.client("dms") if RULE == "neptune-dms-endpoint-iam-auth" else None
EC2 = boto3.client("ec2") if RULE in ("neptune-sts-vpc-endpoint", "neptune-cluster-network-exposure") else None
IAM = boto3.client("iam") if RULE in ("neptune-fgac-policy-hygiene", "neptune-sts-vpc-endpoint") else None


def neptune_clusters() -> list[dict]:
    return [
        cluster
        for page in NEPTUNE.get_paginator("describe_db_clusters").paginate(MaxRecords=100)
        for cluster in page["DBClusters"]
    ]


def exempt(tags: list[dict]) -> bool:
    return any(t["Key"] == "neptune-guardrails:exempt" and t["Value"].split(" until ")[0] == "true" for t in tags)


def exempt_failing_clusters(out: list[tuple[str, str, str, str]], arns: dict[str, str]) -> list:
    """The exemption tag, read for failing clusters only, one call each, as the Rust rules do."""
    return [
        (kind, rid, "NOT_APPLICABLE", "exempt by tag")
        if verdict == "NON_COMPLIANT" and exempt(NEPTUNE.list_tags_for_resource(ResourceName=arns[rid])["TagList"])
        else (kind, rid, verdict, note)
        for kind, rid, verdict, note in out
    ]


def cluster_iam_auth() -> list[tuple[str, str, str, str]]:
    out = []
    clusters = neptune_clusters()
    for cluster in clusters:
        if cluster.get("Engine") != "neptune":
            verdict = ("NOT_APPLICABLE", f"engine {cluster.get('Engine')} is not Neptune")
        elif cluster.get("IAMDatabaseAuthenticationEnabled"):
            verdict = ("COMPLIANT", "IAMDatabaseAuthenticationEnabled is true")
        else:
            verdict = ("NON_COMPLIANT", "IAMDatabaseAuthenticationEnabled is false")
        out.append(("AWS::RDS::DBCluster", cluster["DbClusterResourceId"], *verdict))
    return exempt_failing_clusters(out, {c["DbClusterResourceId"]: c["DBClusterArn"] for c in clusters})


def cluster_network_exposure() -> list[tuple[str, str, str, str]]:
    clusters = neptune_clusters()
    instances = [i for page in NEPTUNE.get_paginator("describe_db_instances").paginate(MaxRecords=100) for i in page["DBInstances"]]
    groups = {
        g["DBSubnetGroupName"]: g
        for page in NEPTUNE.get_paginator("describe_db_subnet_groups").paginate(MaxRecords=100)
        for g in page["DBSubnetGroups"]
    }
    vpcs = sorted({g["VpcId"] for g in groups.values()})
    tables = [
        t
        for i in range(0, len(vpcs), 200)
        for page in EC2.get_paginator("describe_route_tables").paginate(
            Filters=[{"Name": "vpc-id", "Values": vpcs[i : i + 200]}], MaxResults=100
        )
        for t in page["RouteTables"]
    ]

    group_ids = sorted({g["VpcSecurityGroupId"] for c in clusters for g in c.get("VpcSecurityGroups", [])})
    open_groups = {
        g["GroupId"]
        for i in range(0, len(group_ids), 200)
        for g in EC2.describe_security_groups(GroupIds=group_ids[i : i + 200])["SecurityGroups"]
        if any(
            r.get("CidrIp") == "0.0.0.0/0" or r.get("CidrIpv6") == "::/0"
            for p in g.get("IpPermissions", [])
            for r in p.get("IpRanges", []) + p.get("Ipv6Ranges", [])
        )
    }

    def routed(vpc: str, subnet: str) -> bool:
        own = [t for t in tables if any(a.get("SubnetId") == subnet for a in t.get("Associations", []))]
        main = [t for t in tables if t["VpcId"] == vpc and any(a.get("Main") for a in t.get("Associations", []))]
        table = (own or main or [None])[0]
        return bool(table) and any(
            (r.get("GatewayId") or "").startswith("igw-") and r.get("State") != "blackhole" for r in table["Routes"]
        )

    out = []
    for cluster in clusters:
        group = groups.get(cluster.get("DBSubnetGroup"))
        if cluster.get("Engine") != "neptune":
            verdict = ("NOT_APPLICABLE", f"engine {cluster.get('Engine')} is not Neptune")
        elif group is None:
            verdict = ("NOT_APPLICABLE", "subnet group unknown")
        else:
            public = [i for i in instances if i.get("DBClusterIdentifier") == cluster["DBClusterIdentifier"] and i.get("PubliclyAccessible")]
            exposed = [s["SubnetIdentifier"] for s in group["Subnets"] if routed(group["VpcId"], s["SubnetIdentifier"])]
            opened = [g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups", []) if g["VpcSecurityGroupId"] in open_groups]
            verdict = ("NON_COMPLIANT", "exposed") if public or exposed or opened else ("COMPLIANT", "private")
        out.append(("AWS::RDS::DBCluster", cluster["DbClusterResourceId"], *verdict))
    return exempt_failing_clusters(out, {c["DbClusterResourceId"]: c["DBClusterArn"] for c in clusters})


def cluster_audit_logging_on() -> list[tuple[str, str, str, str]]:
    clusters = neptune_clusters()
    groups: dict[str, dict[str, str]] = {}
    out = []
    for cluster in clusters:
        if cluster.get("Engine") != "neptune":
            out.append(("AWS::RDS::DBCluster", cluster["DbClusterResourceId"], "NOT_APPLICABLE", "not Neptune"))
            continue
        group = cluster["DBClusterParameterGroup"]
        if group not in groups:
            groups[group] = {
                p["ParameterName"]: p.get("ParameterValue", "")
                for page in NEPTUNE.get_paginator("describe_db_cluster_parameters").paginate(
                    DBClusterParameterGroupName=group, MaxRecords=100
                )
                for p in page["Parameters"]
            }
        on = groups[group].get("neptune_enable_audit_log") == "1"
        exported = "audit" in cluster.get("EnabledCloudwatchLogsExports", [])
        waiting = any(m.get("DBClusterParameterGroupStatus") == "pending-reboot" for m in cluster.get("DBClusterMembers", []))
        verdict = ("COMPLIANT", "on") if on and exported and not waiting else ("NON_COMPLIANT", "off")
        out.append(("AWS::RDS::DBCluster", cluster["DbClusterResourceId"], *verdict))
    return exempt_failing_clusters(out, {c["DbClusterResourceId"]: c["DBClusterArn"] for c in clusters})


def organization_accounts(own: str) -> set[str] | None:
    """The organization's accounts (None: in no organization), listed through the reader role
    from a member account, as the Rust rule lists them."""
    organizations = boto3.client("organizations")
    try:
        organization = organizations.describe_organization()["Organization"]
    except organizations.exceptions.AWSOrganizationsNotInUseException:
        return None
    role = os.environ.get("NEPTUNE_GUARDRAILS_ORGANIZATION_ACCOUNTS_ROLE") or (
        f"arn:aws:iam::{organization['MasterAccountId']}:role/NeptuneGuardrails-OrganizationAccounts"
    )
    lister = organizations
    if own not in (organization["MasterAccountId"], role.split(":")[4]):
        made = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName="baseline")["Credentials"]
        lister = boto3.client(
            "organizations",
            aws_access_key_id=made["AccessKeyId"],
            aws_secret_access_key=made["SecretAccessKey"],
            aws_session_token=made["SessionToken"],
        )
    return {a["Id"] for page in lister.get_paginator("list_accounts").paginate() for a in page["Accounts"]}


def cluster_snapshot_not_shared_outside_org() -> list[tuple[str, str, str, str]]:
    snapshots = [
        s
        for page in NEPTUNE.get_paginator("describe_db_cluster_snapshots").paginate(MaxRecords=100)
        for s in page["DBClusterSnapshots"]
    ]
    shared = {}
    for snapshot in snapshots:
        if snapshot.get("SnapshotType") == "manual":
            attributes = NEPTUNE.describe_db_cluster_snapshot_attributes(
                DBClusterSnapshotIdentifier=snapshot["DBClusterSnapshotIdentifier"]
            )["DBClusterSnapshotAttributesResult"]["DBClusterSnapshotAttributes"]
            restore = [v for a in attributes if a["AttributeName"] == "restore" for v in a.get("AttributeValues", [])]
            shared[snapshot["DBClusterSnapshotIdentifier"]] = [a for a in restore if a != "all"]
    inside = None
    neptune_shared = [s for s in snapshots if s.get("Engine") == "neptune" and shared.get(s["DBClusterSnapshotIdentifier"])]
    if neptune_shared:
        inside = organization_accounts(neptune_shared[0]["DBClusterSnapshotArn"].split(":")[4])
    out = []
    for snapshot in snapshots:
        name, own = snapshot["DBClusterSnapshotIdentifier"], snapshot["DBClusterSnapshotArn"].split(":")[4]
        if snapshot.get("Engine") != "neptune" or snapshot.get("SnapshotType") != "manual":
            verdict = ("NOT_APPLICABLE", "not a manual Neptune snapshot")
        elif any(a not in (inside if inside is not None else {own}) for a in shared[name]):
            verdict = ("NON_COMPLIANT", "shared outside the organization")
        else:
            verdict = ("COMPLIANT", "not shared outside")
        out.append(("AWS::RDS::DBClusterSnapshot", name, *verdict))
    return exempt_failing_clusters(out, {s["DBClusterSnapshotIdentifier"]: s["DBClusterSnapshotArn"] for s in snapshots})


def dms_endpoint_iam_auth() -> list[tuple[str, str, str, str]]:
    endpoints = [
        e for page in DMS.get_paginator("describe_endpoints").paginate(MaxRecords=100) for e in page["Endpoints"]
    ]
    neptune = [e for e in endpoints if (e.get("EngineName") or "").lower() == "neptune"]
    hosts = {}
    if neptune:
        for cluster in neptune_clusters():
            for key in ("Endpoint", "ReaderEndpoint"):
                if cluster.get(key):
                    hosts[cluster[key]] = cluster
    out = []
    for endpoint in endpoints:
        settings = endpoint.get("NeptuneSettings") or {}
        target = hosts.get(endpoint.get("ServerName"))
        if endpoint not in neptune:
            verdict = ("NOT_APPLICABLE", "engine is not neptune")
        elif not settings.get("IamAuthEnabled") or not settings.get("ServiceAccessRoleArn"):
            verdict = ("NON_COMPLIANT", "IamAuthEnabled or ServiceAccessRoleArn missing")
        elif target is not None and not target.get("IAMDatabaseAuthenticationEnabled"):
            verdict = ("NON_COMPLIANT", "target cluster has IAM auth off")
        else:
            verdict = ("COMPLIANT", "IamAuthEnabled with service access role")
        out.append(("AWS::DMS::Endpoint", endpoint["EndpointArn"], *verdict))
    # The exemption tag of failing endpoints, 20 ARNs a call, as the Rust rule reads them.
    failing = [arn for _, arn, verdict, _ in out if verdict == "NON_COMPLIANT"]
    tags: dict[str, list] = {}
    for i in range(0, len(failing), 20):
        for tag in DMS.list_tags_for_resource(ResourceArnList=failing[i : i + 20])["TagList"]:
            tags.setdefault(tag["ResourceArn"], []).append(tag)
    return [
        (kind, arn, "NOT_APPLICABLE", "exempt by tag") if verdict == "NON_COMPLIANT" and exempt(tags.get(arn, [])) else (kind, arn, verdict, note)
        for kind, arn, verdict, note in out
    ]


def sts_vpc_endpoint() -> list[tuple[str, str, str, str]]:
    clusters = neptune_clusters()
    in_scope = [c for c in clusters if c.get("Engine") == "neptune" and c.get("AssociatedRoles")]
    out = [
        ("AWS::RDS::DBCluster", c["DbClusterResourceId"], "NOT_APPLICABLE", "out of scope")
        for c in clusters
        if c not in in_scope
    ]
    if not in_scope:
        return out
    groups = {
        g["DBSubnetGroupName"]: g["VpcId"]
        for page in NEPTUNE.get_paginator("describe_db_subnet_groups").paginate()
        for g in page["DBSubnetGroups"]
    }
    endpoints = [
        e for page in EC2.get_paginator("describe_vpc_endpoints").paginate() for e in page["VpcEndpoints"]
    ]
    for cluster in in_scope:
        vpc = groups.get(cluster.get("DBSubnetGroup"))
        ok = any(
            e["VpcId"] == vpc
            and e["ServiceName"].endswith(".sts")
            and e.get("VpcEndpointType") == "Interface"
            and e.get("State", "").lower() == "available"
            and e.get("PrivateDnsEnabled")
            for e in endpoints
        )
        for role in cluster["AssociatedRoles"]:
            name = role["RoleArn"].rsplit("/", 1)[-1]
            IAM.get_role(RoleName=name)
            IAM.list_role_policies(RoleName=name)
            IAM.list_attached_role_policies(RoleName=name)
        verdict = ("COMPLIANT", "sts endpoint") if ok else ("NON_COMPLIANT", "no usable sts endpoint")
        out.append(("AWS::RDS::DBCluster", cluster["DbClusterResourceId"], *verdict))
    return exempt_failing_clusters(out, {c["DbClusterResourceId"]: c["DBClusterArn"] for c in clusters})


def fgac_verdict(documents: list[str]) -> tuple[str, str]:
    touched, failing = False, False
    for text in documents:
        document = json.loads(urllib.parse.unquote(text) if text.startswith("%") else text)
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            neptune = [a for a in actions if a.lower().startswith("neptune-db:")]
            if not neptune:
                continue
            touched = True
            resources = statement.get("Resource", [])
            resources = [resources] if isinstance(resources, str) else resources
            if any(a.lower() == "neptune-db:connect" for a in neptune) or "*" in resources:
                failing = True
    if failing:
        return "NON_COMPLIANT", "deprecated connect or Resource *"
    return ("COMPLIANT", "fine-grained") if touched else ("NOT_APPLICABLE", "no neptune-db: action")


def fgac_policy_hygiene() -> list[tuple[str, str, str, str]]:
    details = {"Policies": [], "RoleDetailList": [], "UserDetailList": [], "GroupDetailList": []}
    paginator = IAM.get_paginator("get_account_authorization_details")
    for page in paginator.paginate(
        Filter=["LocalManagedPolicy", "Role", "User", "Group"], PaginationConfig={"PageSize": 1000}
    ):
        for key in details:
            details[key].extend(page.get(key, []))
    out = []
    for policy in details["Policies"]:
        documents = [v["Document"] for v in policy["PolicyVersionList"] if v.get("IsDefaultVersion")]
        verdict = fgac_verdict([d if isinstance(d, str) else json.dumps(d) for d in documents])
        if verdict[0] == "NON_COMPLIANT":
            IAM.list_policy_tags(PolicyArn=policy["Arn"])  # the exemption tag
        out.append(("AWS::IAM::Policy", policy["PolicyId"], *verdict))
    for key, kind, id_key, list_key in (
        ("RoleDetailList", "AWS::IAM::Role", "RoleId", "RolePolicyList"),
        ("UserDetailList", "AWS::IAM::User", "UserId", "UserPolicyList"),
        ("GroupDetailList", "AWS::IAM::Group", "GroupId", "GroupPolicyList"),
    ):
        for entity in details[key]:
            documents = [p["PolicyDocument"] for p in entity.get(list_key, [])]
            documents = [d if isinstance(d, str) else json.dumps(d) for d in documents]
            out.append((kind, entity[id_key], *fgac_verdict(documents)))
    return out


EVALUATE = {
    "neptune-cluster-iam-auth": cluster_iam_auth,
    "neptune-dms-endpoint-iam-auth": dms_endpoint_iam_auth,
    "neptune-sts-vpc-endpoint": sts_vpc_endpoint,
    "neptune-fgac-policy-hygiene": fgac_policy_hygiene,
    "neptune-cluster-network-exposure": cluster_network_exposure,
    "neptune-cluster-audit-logging-on": cluster_audit_logging_on,
    "neptune-cluster-snapshot-not-shared-outside-org": cluster_snapshot_not_shared_outside_org,
}[RULE]


def recorded(rule_name: str) -> dict:
    """The rule's results held by Config: (type, id) -> (compliance, annotation)."""
    pages = CONFIG.get_paginator("get_compliance_details_by_config_rule").paginate(
        ConfigRuleName=rule_name,
        ComplianceTypes=["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"],
        PaginationConfig={"PageSize": 100},
    )
    held = {}
    for page in pages:
        for result in page["EvaluationResults"]:
            key = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
            held[(key["ResourceType"], key["ResourceId"])] = (result["ComplianceType"], result.get("Annotation", ""))
    return held


def evaluate(event: dict) -> dict:
    """Like the Rust rules: the scheduled run sends only what differs from the held results."""
    now = datetime.datetime.now(datetime.timezone.utc)
    verdicts = {(kind, resource_id): (compliance, why) for kind, resource_id, compliance, why in EVALUATE()}
    held = recorded(event["configRuleName"])
    changed = {key: verdict for key, verdict in verdicts.items() if held.get(key) != verdict}
    for key, (compliance, _) in held.items():
        if key not in verdicts and compliance != "NOT_APPLICABLE":
            changed[key] = ("NOT_APPLICABLE", "resource no longer exists")
    evaluations = [
        {
            "ComplianceResourceType": kind,
            "ComplianceResourceId": resource_id,
            "ComplianceType": compliance,
            "Annotation": why,
            "OrderingTimestamp": now,
        }
        for (kind, resource_id), (compliance, why) in changed.items()
    ]
    for start in range(0, len(evaluations), 100):
        CONFIG.put_evaluations(Evaluations=evaluations[start : start + 100], ResultToken=event["resultToken"])
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
