"""The ``snapshot-sharing`` world: Neptune snapshots shared with accounts inside and outside
an organization, the organization reader role and rule roles as the shipped templates make
them (read from ``cfn/``, so the test proves the shipped trust and tags fit together), and an
account in no organization."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import yaml

OUTSIDE = "999988887777"
STANDALONE = "777766665555"
CFN = Path(__file__).resolve().parents[2] / "cfn"
# The roles the test's Lambda runs as, in the snapshots' account.
RULE_ROLE = "NeptuneGuardrails-SnapshotSharingRule"
REMEDIATION_ROLE = "NeptuneGuardrails-SnapshotSharingRemediation"
UNTAGGED_ROLE = "NeptuneGuardrails-Untagged"


def _template(name: str) -> dict:
    return yaml.safe_load((CFN / name).read_text())


def _resolved(value, organization_id: str):
    """The template value with ``Ref: OrganizationId`` resolved (the only reference used)."""
    if isinstance(value, dict):
        if value == {"Ref": "OrganizationId"}:
            return organization_id
        return {k: _resolved(v, organization_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v, organization_id) for v in value]
    return value


def _credentials(sts, role_arn: str) -> dict:
    made = sts.assume_role(RoleArn=role_arn, RoleSessionName="seed")["Credentials"]
    return {
        "aws_access_key_id": made["AccessKeyId"],
        "aws_secret_access_key": made["SecretAccessKey"],
        "aws_session_token": made["SessionToken"],
    }


def _env(credentials: dict) -> dict:
    return {
        "AWS_ACCESS_KEY_ID": credentials["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": credentials["aws_session_token"],
    }


def _share(neptune, cluster: str, name: str, accounts: list[str]) -> str:
    made = neptune.create_db_cluster_snapshot(DBClusterIdentifier=cluster, DBClusterSnapshotIdentifier=name)
    if accounts:
        neptune.modify_db_cluster_snapshot_attribute(
            DBClusterSnapshotIdentifier=name, AttributeName="restore", ValuesToAdd=accounts
        )
    return made["DBClusterSnapshot"]["DBClusterSnapshotArn"]


def seed_snapshot_sharing(endpoint_url: str, region: str) -> dict:
    """The management account (``testing``) holds the reader role of ``admin-stackset.yaml``;
    member ``owner`` holds the snapshots and three roles trusted by the management account:
    the rule's and the remediation's, tagged as ``member.yaml`` tags them, and one without the
    tag; member ``sister`` is
    inside; ``999988887777`` is in no organization; ``777766665555`` is an account in no
    organization with a snapshot of its own."""
    common = dict(endpoint_url=endpoint_url, region_name=region)
    admin = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
    org = boto3.client("organizations", **common, **admin)
    try:
        org.create_organization(FeatureSet="ALL")
    except org.exceptions.AlreadyInOrganizationException:
        pass
    organization = org.describe_organization()["Organization"]
    owner, sister = (
        org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]["AccountId"]
        for name in ("owner", "sister")
    )
    reader = _template("admin-stackset.yaml")["Resources"]["OrganizationAccountsReader"]["Properties"]
    iam = boto3.client("iam", **common, **admin)
    iam.create_role(
        RoleName=reader["RoleName"],
        AssumeRolePolicyDocument=json.dumps(_resolved(reader["AssumeRolePolicyDocument"], organization["Id"])),
    )
    sts = boto3.client("sts", **common, **admin)
    audit = _credentials(sts, f"arn:aws:iam::{owner}:role/GuardrailsAudit")
    member = _template("member.yaml")["Resources"]
    rule_role = member["NeptuneClusterSnapshotNotSharedOutsideOrgRole"]["Properties"]
    remediation_role = member["NeptuneClusterSnapshotNotSharedOutsideOrgRemediationRole"]["Properties"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            rule_role["AssumeRolePolicyDocument"]["Statement"][0],
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{organization['MasterAccountId']}:root"}, "Action": "sts:AssumeRole"},
        ],
    }
    owner_iam = boto3.client("iam", **common, **audit)
    owner_iam.create_role(RoleName=RULE_ROLE, AssumeRolePolicyDocument=json.dumps(trust), Tags=rule_role["Tags"])
    owner_iam.create_role(
        RoleName=REMEDIATION_ROLE, AssumeRolePolicyDocument=json.dumps(trust), Tags=remediation_role["Tags"]
    )
    owner_iam.create_role(RoleName=UNTAGGED_ROLE, AssumeRolePolicyDocument=json.dumps(trust))

    neptune = boto3.client("neptune", **common, **audit)
    rds = boto3.client("rds", **common, **audit)
    neptune.create_db_cluster(DBClusterIdentifier="graph", Engine="neptune")
    rds.create_db_cluster(
        DBClusterIdentifier="reports-pg", Engine="aurora-postgresql",
        MasterUsername="admin", MasterUserPassword="not-a-secret-1",
    )
    arns = {
        "inside": _share(neptune, "graph", "inside", [sister]),
        "outside": _share(neptune, "graph", "outside", [sister, OUTSIDE]),
        "public-only": _share(neptune, "graph", "public-only", ["all"]),
        "private": _share(neptune, "graph", "private", []),
    }
    rds.create_db_cluster_snapshot(DBClusterIdentifier="reports-pg", DBClusterSnapshotIdentifier="reports-pg-shared")
    rds.modify_db_cluster_snapshot_attribute(
        DBClusterSnapshotIdentifier="reports-pg-shared", AttributeName="restore", ValuesToAdd=[OUTSIDE]
    )
    arns["reports-pg-shared"] = f"arn:aws:rds:{region}:{owner}:cluster-snapshot:reports-pg-shared"

    standalone = _credentials(sts, f"arn:aws:iam::{STANDALONE}:role/GuardrailsAudit")
    alone = boto3.client("neptune", **common, **standalone)
    alone.create_db_cluster(DBClusterIdentifier="alone", Engine="neptune")
    arns["alone-shared"] = _share(alone, "alone", "alone-shared", [owner])

    # The verdicts of neptune-cluster-snapshot-not-shared-outside-org (seed.py keys them).
    verdicts = {
        "inside": "COMPLIANT",
        "outside": "NON_COMPLIANT",
        "public-only": "COMPLIANT",
        "private": "COMPLIANT",
        "reports-pg-shared": "NOT_APPLICABLE",
    }
    return {
        "organization": organization["Id"],
        "owner": owner,
        "sister": sister,
        "outside": OUTSIDE,
        "standalone": STANDALONE,
        "snapshots": arns,
        "env": {
            "rule": _env(_credentials(sts, f"arn:aws:iam::{owner}:role/{RULE_ROLE}")),
            "remediation": _env(_credentials(sts, f"arn:aws:iam::{owner}:role/{REMEDIATION_ROLE}")),
            "untagged": _env(_credentials(sts, f"arn:aws:iam::{owner}:role/{UNTAGGED_ROLE}")),
            "owner-audit": _env(audit),
            "standalone": _env(standalone),
        },
        "verdicts": verdicts,
    }
