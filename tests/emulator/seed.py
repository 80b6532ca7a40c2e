#!/usr/bin/env python3
"""Seed a small Neptune estate into the emulator with boto3, and print what was made.

Usage: ``seed.py --endpoint-url URL --region REGION [--world NAME]`` (names in ``WORLDS``)

Prints one JSON object: ``{"clusters": {name: {"resource_id", "endpoint", "arn",
"iam_auth", "engine"}}, "dms_endpoints": {name: {"arn"}}, "expected": {...}}`` where
``expected`` maps ``"<rule>/<name>"`` to the verdict the design asks for, so tests and the
demo read the intended outcome from the same place the world is defined.
"""

from __future__ import annotations

import argparse
import json

import boto3

from seed_sharing import seed_snapshot_sharing

ACCOUNT = "123456789012"
DMS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/dms-neptune-access"
DMS_RULE = "neptune-dms-endpoint-iam-auth"
CLUSTER_RULE = "neptune-cluster-iam-auth"
FGAC_RULE = "neptune-fgac-policy-hygiene"
STS_RULE = "neptune-sts-vpc-endpoint"


def clients(endpoint_url: str, region: str):
    kwargs = dict(
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return (
        boto3.client("neptune", **kwargs),
        boto3.client("rds", **kwargs),
        boto3.client("dms", **kwargs),
    )


def neptune_settings(iam: bool | None = True, role: bool = True) -> dict:
    settings = {"S3BucketName": "graph-staging", "S3BucketFolder": "dms"}
    if iam is not None:
        settings["IamAuthEnabled"] = iam
    if role:
        settings["ServiceAccessRoleArn"] = DMS_ROLE
    return settings


def cluster_facts(made: dict) -> dict:
    """What tests need to know of a created DB cluster."""
    return {
        "resource_id": made["DbClusterResourceId"],
        "arn": made["DBClusterArn"],
        "endpoint": made["Endpoint"],
        "engine": made["Engine"],
        "iam_auth": made["IAMDatabaseAuthenticationEnabled"],
    }


def seed_estate(endpoint_url: str, region: str) -> dict:
    neptune, rds, dms = clients(endpoint_url, region)
    world: dict = {"clusters": {}, "dms_endpoints": {}, "expected": {}}

    def cluster(name: str, iam: bool, expected: str, modify_to: bool | None = None) -> dict:
        made = neptune.create_db_cluster(
            DBClusterIdentifier=name, Engine="neptune", EnableIAMDatabaseAuthentication=iam
        )["DBCluster"]
        if modify_to is not None:
            made = neptune.modify_db_cluster(
                DBClusterIdentifier=name,
                EnableIAMDatabaseAuthentication=modify_to,
                ApplyImmediately=True,
            )["DBCluster"]
        world["clusters"][name] = cluster_facts(made)
        world["expected"][f"{CLUSTER_RULE}/{name}"] = expected
        world["expected"][f"{STS_RULE}/{name}"] = "NOT_APPLICABLE"
        return world["clusters"][name]

    iam_on = cluster("graph-iam", True, "COMPLIANT")
    iam_off = cluster("graph-open", False, "NON_COMPLIANT")
    cluster("graph-fixed", False, "COMPLIANT", modify_to=True)

    pg = rds.create_db_cluster(
        DBClusterIdentifier="orders-pg",
        Engine="aurora-postgresql",
        MasterUsername="admin_user",
        MasterUserPassword="not-a-real-password-1",
    )["DBCluster"]
    world["clusters"]["orders-pg"] = cluster_facts(pg)
    world["expected"][f"{CLUSTER_RULE}/orders-pg"] = "NOT_APPLICABLE"
    world["expected"][f"{STS_RULE}/orders-pg"] = "NOT_APPLICABLE"

    def endpoint(name: str, expected: str, engine: str = "neptune", server=None, **extra) -> None:
        made = dms.create_endpoint(
            EndpointIdentifier=name,
            EndpointType="target" if engine == "neptune" else "source",
            EngineName=engine,
            ServerName=server or iam_on["endpoint"],
            Port=8182 if engine == "neptune" else 3306,
            **extra,
        )["Endpoint"]
        world["dms_endpoints"][name] = {"arn": made["EndpointArn"]}
        world["expected"][f"{DMS_RULE}/{name}"] = expected

    endpoint("to-graph-iam", "COMPLIANT", NeptuneSettings=neptune_settings())
    endpoint(
        "to-graph-open", "NON_COMPLIANT", server=iam_off["endpoint"], NeptuneSettings=neptune_settings()
    )
    endpoint("iam-off", "NON_COMPLIANT", NeptuneSettings=neptune_settings(iam=False))
    endpoint("iam-absent", "NON_COMPLIANT", NeptuneSettings=neptune_settings(iam=None))
    endpoint("no-role", "NON_COMPLIANT", NeptuneSettings=neptune_settings(role=False))
    endpoint("no-settings", "NON_COMPLIANT")
    endpoint(
        "unknown-target",
        "COMPLIANT",
        server="elsewhere.cluster-zzz.us-west-2.neptune.amazonaws.com",
        NeptuneSettings=neptune_settings(),
    )
    endpoint(
        "mysql-source",
        "NOT_APPLICABLE",
        engine="mysql",
        server="orders.example.internal",
        Username="reader",
        Password="not-a-real-password-2",
    )
    return world


FLEET_SIZE = 120


def seed_fleet(endpoint_url: str, region: str, size: int = FLEET_SIZE) -> dict:
    """More clusters than one DescribeDBClusters page (100) or one PutEvaluations call (100)."""
    neptune, _, _ = clients(endpoint_url, region)
    world: dict = {"clusters": {}, "dms_endpoints": {}, "expected": {}}
    for i in range(size):
        name = f"fleet-{i:05d}"
        iam = i % 3 != 0
        made = neptune.create_db_cluster(
            DBClusterIdentifier=name, Engine="neptune", EnableIAMDatabaseAuthentication=iam
        )["DBCluster"]
        world["clusters"][name] = cluster_facts(made)
        world["expected"][f"{CLUSTER_RULE}/{name}"] = "COMPLIANT" if iam else "NON_COMPLIANT"
    return world


GRAPH = f"arn:aws:neptune-db:us-east-1:{ACCOUNT}:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/*"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource=GRAPH, **extra) -> dict:
    return dict(Effect="Allow", Action=action, Resource=resource, **extra)


READ = policy(allow(["neptune-db:ReadDataViaQuery", "neptune-db:GetQueryStatus"]))
CONNECT = policy(allow("neptune-db:connect", "*"))
WILDCARD = policy(allow("neptune-db:*", "*"))
WRITE = policy(allow("neptune-db:WriteDataViaQuery"))
EVERYTHING_ON_GRAPH = policy(allow("neptune-db:*"))
DENY_RESET = policy(dict(Effect="Deny", Action="neptune-db:ResetDatabase", Resource="*"))
NEPTUNE_FULL_ACCESS = "arn:aws:iam::aws:policy/NeptuneFullAccess"
NEPTUNE_READ_ONLY = "arn:aws:iam::aws:policy/NeptuneReadOnlyAccess"
S3 = policy(allow("s3:GetObject", "arn:aws:s3:::graph-staging/*"))
ADMIN = policy(allow("*", "*"))
# Neptune's data requests never carry aws:MultiFactorAuthPresent: the grant is dead (FGAC014).
MFA_GATED = policy(
    allow("neptune-db:ReadDataViaQuery", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
)
# No query language is spelt Gremlim: the grant matches no query (FGAC016).
LANGUAGE_TYPO = policy(
    allow("neptune-db:ReadDataViaQuery", Condition={"StringEquals": {"neptune-db:QueryLanguage": "Gremlim"}})
)
EXEMPT = [{"Key": "neptune-guardrails:exempt", "Value": "true"}]
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def seed_iam(endpoint_url: str, region: str) -> dict:
    """IAM is global: seed this world once per emulator. Managed policies with several
    versions, inline policies on roles, users and groups, attachments and exemption tags."""
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    world: dict = {"iam": {}, "expected": {}}

    def record(name: str, kind: str, made: dict, id_key: str, expected: str) -> None:
        world["iam"][name] = {"type": kind, "resource_id": made[id_key], "arn": made["Arn"]}
        world["expected"][f"{FGAC_RULE}/{name}"] = expected

    def managed(name: str, versions: list[str], expected: str, tags=None) -> str:
        made = iam.create_policy(PolicyName=name, PolicyDocument=versions[0], Tags=tags or [])["Policy"]
        for document in versions[1:]:
            iam.create_policy_version(PolicyArn=made["Arn"], PolicyDocument=document, SetAsDefault=True)
        record(name, "AWS::IAM::Policy", made, "PolicyId", expected)
        return made["Arn"]

    read = managed("graph-read", [READ], "COMPLIANT")
    managed("graph-legacy", [READ, CONNECT], "NON_COMPLIANT")
    managed("graph-migrated", [CONNECT, WILDCARD, READ], "COMPLIANT")
    managed("graph-wildcard", [WILDCARD], "NON_COMPLIANT")
    managed("staging-s3", [S3], "NOT_APPLICABLE")
    managed("graph-exempt", [CONNECT], "NOT_APPLICABLE", tags=EXEMPT)
    managed("account-admin", [ADMIN], "NOT_APPLICABLE")
    writer = managed("graph-writer", [WRITE], "NON_COMPLIANT")
    managed("graph-writer-unattached", [WRITE], "COMPLIANT")
    managed("graph-mfa-gated", [MFA_GATED], "NON_COMPLIANT")
    managed("graph-language-typo", [LANGUAGE_TYPO], "NON_COMPLIANT")
    deny_reset = managed("graph-deny-reset", [DENY_RESET], "COMPLIANT")

    def role(name: str, inline: dict, expected: str, tags=None, attach=(), boundary=None) -> None:
        extra = {"PermissionsBoundary": boundary} if boundary else {}
        made = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, Tags=tags or [], **extra)["Role"]
        for policy_name, document in inline.items():
            iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=document)
        for arn in attach:
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        record(name, "AWS::IAM::Role", made, "RoleId", expected)

    role("app-reader", {"read": READ}, "COMPLIANT")
    role("app-legacy", {"read": READ, "legacy": CONNECT}, "NON_COMPLIANT")
    role("app-writer", {"write": WRITE}, "COMPLIANT")
    role("app-no-inline", {}, "NOT_APPLICABLE")
    role("app-exempt", {"all": WILDCARD}, "NOT_APPLICABLE", tags=EXEMPT)
    # The principal's whole view: a Deny in an attached policy, a boundary, AWS managed access.
    role("app-full-denied", {"all": EVERYTHING_ON_GRAPH}, "COMPLIANT", attach=[deny_reset])
    role("app-full-bounded", {"all": EVERYTHING_ON_GRAPH}, "COMPLIANT", boundary=read)
    role("app-full-open", {"all": EVERYTHING_ON_GRAPH}, "NON_COMPLIANT")
    role("app-neptune-read-only", {}, "NON_COMPLIANT", attach=[NEPTUNE_READ_ONLY])

    def user(name: str, inline: dict, expected: str, attach: list[str] = (), groups=(), boundary=None) -> None:
        extra = {"PermissionsBoundary": boundary} if boundary else {}
        made = iam.create_user(UserName=name, **extra)["User"]
        for policy_name, document in inline.items():
            iam.put_user_policy(UserName=name, PolicyName=policy_name, PolicyDocument=document)
        for arn in attach:
            iam.attach_user_policy(UserName=name, PolicyArn=arn)
        for group_name in groups:
            iam.add_user_to_group(GroupName=group_name, UserName=name)
        record(name, "AWS::IAM::User", made, "UserId", expected)

    def group(name: str, inline: dict, expected: str) -> None:
        made = iam.create_group(GroupName=name)["Group"]
        for policy_name, document in inline.items():
            iam.put_group_policy(GroupName=name, PolicyName=policy_name, PolicyDocument=document)
        record(name, "AWS::IAM::Group", made, "GroupId", expected)

    group("graph-readers", {"read": READ}, "COMPLIANT")
    group("graph-operators", {"all": WILDCARD}, "NON_COMPLIANT")

    user("alice", {"write": WRITE}, "NON_COMPLIANT")
    user("bob", {"read": READ}, "COMPLIANT", attach=[writer])
    user("carol", {}, "NON_COMPLIANT", attach=[NEPTUNE_FULL_ACCESS])
    # No policy of its own: what it can do comes from its group.
    user("dave", {}, "NON_COMPLIANT", groups=["graph-operators"])
    # A boundary that leaves only reads: the wildcard cannot reach ResetDatabase.
    user("erin", {"all": EVERYTHING_ON_GRAPH}, "COMPLIANT", boundary=read)
    return world


def trust(*principals: dict) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": p, "Action": "sts:AssumeRole"} for p in principals
            ],
        }
    )


RDS_TRUST = {"Service": "rds.amazonaws.com"}


class Network:
    """VPCs, subnet groups, security groups, endpoints and Neptune clusters in one region."""

    def __init__(self, endpoint_url: str, region: str, prefix: str):
        kwargs = dict(
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.ec2 = boto3.client("ec2", **kwargs)
        self.neptune = boto3.client("neptune", **kwargs)
        self.iam = boto3.client("iam", **kwargs)
        self.region = region
        self.prefix = prefix
        self.vpcs = 0

    def role(self, name: str, trust_policy: str = trust(RDS_TRUST), assumes=()) -> str:
        """A role; `assumes` lists role ARNs its inline policy may sts:AssumeRole."""
        arn = self.iam.create_role(RoleName=f"{self.prefix}{name}", AssumeRolePolicyDocument=trust_policy)["Role"]["Arn"]
        if assumes:
            self.iam.put_role_policy(
                RoleName=f"{self.prefix}{name}",
                PolicyName="chain",
                PolicyDocument=policy(dict(Effect="Allow", Action="sts:AssumeRole", Resource=list(assumes))),
            )
        return arn

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{ACCOUNT}:role/{self.prefix}{name}"

    def vpc(self, endpoint: str | None = "ok", service: str = "sts") -> dict:
        """A VPC with a DB subnet group, the cluster's security group and, unless None, an
        endpoint: ok, gateway, pending, deleted, no-dns, wrong-sg, cidr."""
        self.vpcs += 1
        cidr = f"10.{self.vpcs}.0.0/16"
        vpc = self.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        subnets = [
            self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{self.vpcs}.{i}.0/24", AvailabilityZone=f"{self.region}{zone}")["Subnet"]["SubnetId"]
            for i, zone in ((1, "a"), (2, "c"))
        ]
        group = f"{self.prefix}subnets-{self.vpcs}"
        self.neptune.create_db_subnet_group(DBSubnetGroupName=group, DBSubnetGroupDescription="graph", SubnetIds=subnets)
        db_sg = self.ec2.create_security_group(GroupName=f"db-{self.vpcs}", Description="graph", VpcId=vpc)["GroupId"]
        made = {"vpc": vpc, "subnet_group": group, "db_sg": db_sg, "subnets": subnets}
        if endpoint is None:
            return made
        endpoint_sg = self.ec2.create_security_group(GroupName=f"sts-{self.vpcs}", Description="sts", VpcId=vpc)["GroupId"]
        source = {"UserIdGroupPairs": [{"GroupId": db_sg}]}
        if endpoint == "wrong-sg":
            other = self.ec2.create_security_group(GroupName=f"other-{self.vpcs}", Description="o", VpcId=vpc)["GroupId"]
            source = {"UserIdGroupPairs": [{"GroupId": other}]}
        elif endpoint == "cidr":
            source = {"IpRanges": [{"CidrIp": cidr}]}
        self.ec2.authorize_security_group_ingress(
            GroupId=endpoint_sg, IpPermissions=[dict(IpProtocol="tcp", FromPort=443, ToPort=443, **source)]
        )
        args = dict(VpcId=vpc, ServiceName=f"com.amazonaws.{self.region}.{service}")
        if endpoint == "gateway":
            args.update(VpcEndpointType="Gateway")
        else:
            args.update(
                VpcEndpointType="Interface",
                SubnetIds=subnets,
                SecurityGroupIds=[endpoint_sg],
                PrivateDnsEnabled=endpoint != "no-dns",
            )
        if endpoint == "pending":
            args["TagSpecifications"] = [
                {"ResourceType": "vpc-endpoint", "Tags": [{"Key": "guardrails:emulated-state", "Value": "pending"}]}
            ]
        made["endpoint"] = self.ec2.create_vpc_endpoint(**args)["VpcEndpoint"]["VpcEndpointId"]
        if endpoint == "deleted":
            self.ec2.delete_vpc_endpoints(VpcEndpointIds=[made["endpoint"]])
        return made

    def route_to_internet(self, vpc: dict) -> str:
        """Makes the VPC's subnets public: a route table sending 0.0.0.0/0 to an internet
        gateway, associated with each subnet. Returns the gateway id."""
        gateway = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc["vpc"])
        table = self.ec2.create_route_table(VpcId=vpc["vpc"])["RouteTable"]["RouteTableId"]
        self.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
        for subnet in vpc["subnets"]:
            self.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        return gateway

    def cluster(self, name: str, vpc: dict, roles=()) -> dict:
        made = self.neptune.create_db_cluster(
            DBClusterIdentifier=name,
            Engine="neptune",
            EnableIAMDatabaseAuthentication=True,
            DBSubnetGroupName=vpc["subnet_group"],
            VpcSecurityGroupIds=[vpc["db_sg"]],
        )["DBCluster"]
        for role in roles:
            self.neptune.add_role_to_db_cluster(DBClusterIdentifier=name, RoleArn=role)
        return cluster_facts(made)


def seed_chaining(endpoint_url: str, region: str) -> dict:
    """Every case of rule neptune-sts-vpc-endpoint, in one region (IAM names prefixed by it)."""
    net = Network(endpoint_url, region, prefix=f"{region}-")
    world: dict = {"clusters": {}, "dms_endpoints": {}, "expected": {}, "vpcs": {}}

    # Roles: A may assume B, which trusts A; C may assume D, which trusts only RDS; E may
    # assume a role of another account; Solo chains nothing.
    role_b = net.role_arn("RoleB")
    net.role("RoleA", assumes=[role_b])
    net.role("RoleB", trust_policy=trust({"AWS": net.role_arn("RoleA")}))
    net.role("RoleC", assumes=[net.role_arn("RoleD")])
    net.role("RoleD")
    net.role("RoleE", assumes=["arn:aws:iam::444455556666:role/loader"])
    solo = net.role("Solo")

    def cluster(name: str, vpc: dict, expected: str, roles=(solo,)) -> None:
        world["clusters"][name] = net.cluster(name, vpc, roles)
        world["expected"][f"{STS_RULE}/{name}"] = expected

    shared = net.vpc("ok")
    world["vpcs"]["shared"] = shared
    cluster("chain-ok", shared, "COMPLIANT", roles=[net.role_arn("RoleA")])
    cluster("shares-vpc", shared, "COMPLIANT")
    cluster("broken-trust", shared, "NON_COMPLIANT", roles=[net.role_arn("RoleC")])
    cluster("cross-account", shared, "COMPLIANT", roles=[net.role_arn("RoleE")])
    cluster("no-roles", shared, "NOT_APPLICABLE", roles=())
    for case in ["none", "gateway", "other-service", "pending", "deleted", "no-dns", "wrong-sg"]:
        vpc = net.vpc(
            None if case == "none" else ("ok" if case == "other-service" else case),
            service="ssm" if case == "other-service" else "sts",
        )
        world["vpcs"][case] = vpc
        cluster(f"endpoint-{case}", vpc, "NON_COMPLIANT")
    world["vpcs"]["cidr"] = net.vpc("cidr")
    cluster("endpoint-cidr", world["vpcs"]["cidr"], "COMPLIANT")
    return world


def seed_demo_network(endpoint_url: str, region: str) -> dict:
    """The demo's view of rule neptune-sts-vpc-endpoint: two clusters whose bulk-loader role
    chains into another, one in a VPC with a reachable STS interface endpoint, one without."""
    net = Network(endpoint_url, region, prefix=f"{region}-demo-")
    world: dict = {"clusters": {}, "dms_endpoints": {}, "expected": {}, "vpcs": {}}
    net.role("Loader", assumes=[net.role_arn("LoaderTarget")])
    net.role("LoaderTarget", trust_policy=trust({"AWS": net.role_arn("Loader")}))
    for name, endpoint, expected in [
        ("loader-with-sts-endpoint", "ok", "COMPLIANT"),
        ("loader-without-sts-endpoint", None, "NON_COMPLIANT"),
    ]:
        world["clusters"][name] = net.cluster(name, net.vpc(endpoint), [net.role_arn("Loader")])
        world["expected"][f"{STS_RULE}/{name}"] = expected
    return world


def seed_vpc_fleet(endpoint_url: str, region: str, size: int) -> dict:
    """`size` clusters with one shared role, ten to a VPC, every VPC with a usable endpoint."""
    net = Network(endpoint_url, region, prefix=f"{region}-")
    world: dict = {"clusters": {}, "dms_endpoints": {}, "expected": {}}
    role = net.role("Loader")
    vpc = None
    for i in range(size):
        if i % 10 == 0:
            vpc = net.vpc("ok")
        name = f"loader-{i:03d}"
        world["clusters"][name] = net.cluster(name, vpc, [role])
        world["expected"][f"{STS_RULE}/{name}"] = "COMPLIANT"
    return world


POSTURE_RULES = [
    "neptune-cluster-network-exposure",
    "neptune-cluster-encrypted",
    "neptune-cluster-audit-logs",
    "neptune-cluster-audit-logging-on",
    "neptune-cluster-deletion-protection",
    "neptune-cluster-backup-retention",
    "neptune-cluster-copy-tags-to-snapshots",
    "neptune-cluster-multi-az",
]
SNAPSHOT_RULES = [
    "neptune-cluster-snapshot-not-public",
    "neptune-cluster-snapshot-encrypted",
    "neptune-cluster-snapshot-iam-auth",
]
SHARING_RULE = "neptune-cluster-snapshot-not-shared-outside-org"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def seed_posture(endpoint_url: str, region: str) -> dict:
    """Every case of the posture controls: a hardened cluster, an exposed one and an Aurora one,
    each with a manual snapshot (and the automated snapshot AWS keeps of every cluster), and a
    cluster of default settings in private subnets behind a security group open to ::/0."""
    neptune, rds, _ = clients(endpoint_url, region)
    world: dict = {"clusters": {}, "snapshots": {}, "dms_endpoints": {}, "expected": {}}
    net = Network(endpoint_url, region, prefix=f"{region}-posture-")
    private, public, behind_vpn = net.vpc(None), net.vpc(None), net.vpc(None)
    world["internet_gateway"] = net.route_to_internet(public)
    world["subnet_groups"] = {
        "hardened": private["subnet_group"], "exposed": public["subnet_group"], "open-sg": behind_vpn["subnet_group"],
    }
    # Port 8182 open to the VPC (hardened), to every IPv4 address (exposed: public instance,
    # routed subnets, so reachable now) and to every IPv6 address (open-sg, private subnets).
    for vpc, source in ((private, {"IpRanges": [{"CidrIp": "10.0.0.0/8"}]}),
                        (public, {"IpRanges": [{"CidrIp": "0.0.0.0/0"}]}),
                        (behind_vpn, {"Ipv6Ranges": [{"CidrIpv6": "::/0"}]})):
        net.ec2.authorize_security_group_ingress(
            GroupId=vpc["db_sg"], IpPermissions=[dict(IpProtocol="tcp", FromPort=8182, ToPort=8182, **source)]
        )
    world["security_groups"] = {"hardened": private["db_sg"], "exposed": public["db_sg"], "open-sg": behind_vpn["db_sg"]}

    def expect(rules, name: str, verdict: str) -> None:
        for rule in rules:
            world["expected"][f"{rule}/{name}"] = verdict

    audit_group("hardened-params", neptune, audit="1")
    hardened = neptune.create_db_cluster(
        DBClusterIdentifier="hardened", Engine="neptune", StorageEncrypted=True, KmsKeyId=KEY,
        DBClusterParameterGroupName="hardened-params",
        DBSubnetGroupName=private["subnet_group"],
        EnableCloudwatchLogsExports=["audit", "slowquery"], DeletionProtection=True,
        BackupRetentionPeriod=14, CopyTagsToSnapshot=True, EnableIAMDatabaseAuthentication=True,
        VpcSecurityGroupIds=[private["db_sg"]],
    )["DBCluster"]
    for i, zone in enumerate([f"{region}a", f"{region}b"]):
        neptune.create_db_instance(
            DBInstanceIdentifier=f"hardened-{i}", DBInstanceClass="db.r6g.large", Engine="neptune",
            DBClusterIdentifier="hardened", AvailabilityZone=zone,
        )
    exposed = neptune.create_db_cluster(
        DBClusterIdentifier="exposed", Engine="neptune", BackupRetentionPeriod=1,
        EnableCloudwatchLogsExports=["slowquery"], DBSubnetGroupName=public["subnet_group"],
        VpcSecurityGroupIds=[public["db_sg"]],
    )["DBCluster"]
    neptune.create_db_instance(
        DBInstanceIdentifier="exposed-0", DBInstanceClass="db.r6g.large", Engine="neptune",
        DBClusterIdentifier="exposed", AvailabilityZone=f"{region}a", PubliclyAccessible=True,
    )
    open_sg = neptune.create_db_cluster(
        DBClusterIdentifier="open-sg", Engine="neptune", DBSubnetGroupName=behind_vpn["subnet_group"],
        VpcSecurityGroupIds=[behind_vpn["db_sg"]],
    )["DBCluster"]
    neptune.create_db_instance(
        DBInstanceIdentifier="open-sg-0", DBInstanceClass="db.r6g.large", Engine="neptune",
        DBClusterIdentifier="open-sg", AvailabilityZone=f"{region}a",
    )
    aurora = rds.create_db_cluster(
        DBClusterIdentifier="analytics-pg", Engine="aurora-postgresql",
        MasterUsername="admin", MasterUserPassword="not-a-secret-1",
    )["DBCluster"]
    for made in (hardened, exposed, open_sg, aurora):
        world["clusters"][made["DBClusterIdentifier"]] = cluster_facts(made)
    expect(POSTURE_RULES + [CLUSTER_RULE], "hardened", "COMPLIANT")
    expect(POSTURE_RULES + [CLUSTER_RULE], "exposed", "NON_COMPLIANT")
    # Every setting left to its default, in private subnets behind a group open to ::/0.
    expect(POSTURE_RULES + [CLUSTER_RULE], "open-sg", "NON_COMPLIANT")
    expect(POSTURE_RULES + [CLUSTER_RULE], "analytics-pg", "NOT_APPLICABLE")

    neptune.create_db_cluster_snapshot(DBClusterIdentifier="hardened", DBClusterSnapshotIdentifier="hardened-manual")
    neptune.modify_db_cluster_snapshot_attribute(
        DBClusterSnapshotIdentifier="hardened-manual", AttributeName="restore", ValuesToAdd=["111122223333"]
    )
    neptune.create_db_cluster_snapshot(DBClusterIdentifier="exposed", DBClusterSnapshotIdentifier="exposed-manual")
    neptune.modify_db_cluster_snapshot_attribute(
        DBClusterSnapshotIdentifier="exposed-manual", AttributeName="restore", ValuesToAdd=["all"]
    )
    rds.create_db_cluster_snapshot(DBClusterIdentifier="analytics-pg", DBClusterSnapshotIdentifier="analytics-pg-manual")
    expect(SNAPSHOT_RULES, "hardened-manual", "COMPLIANT")
    expect(SNAPSHOT_RULES, "exposed-manual", "NON_COMPLIANT")
    expect(SNAPSHOT_RULES + [SHARING_RULE], "analytics-pg-manual", "NOT_APPLICABLE")
    # Shared by id with an account of no organization this account belongs to (the account is
    # in none, or in one without 111122223333); `all` alone is the public rule's finding.
    expect([SHARING_RULE], "hardened-manual", "NON_COMPLIANT")
    expect([SHARING_RULE], "exposed-manual", "COMPLIANT")
    # The automated snapshots AWS (and moto) keep of each cluster: never shareable, encrypted
    # and with IAM authentication as their cluster is.
    for snapshot in neptune.describe_db_cluster_snapshots(SnapshotType="automated")["DBClusterSnapshots"]:
        name, source = snapshot["DBClusterSnapshotIdentifier"], snapshot["DBClusterIdentifier"]
        if source not in world["clusters"]:
            continue
        world["snapshots"][name] = {"cluster": source, "type": "automated"}
        expect(["neptune-cluster-snapshot-not-public", SHARING_RULE], name, "NOT_APPLICABLE")
        expect(
            ["neptune-cluster-snapshot-encrypted", "neptune-cluster-snapshot-iam-auth"],
            name,
            {"hardened": "COMPLIANT", "exposed": "NON_COMPLIANT", "open-sg": "NON_COMPLIANT",
             "analytics-pg": "NOT_APPLICABLE"}[source],
        )
    for name in ("hardened-manual", "exposed-manual", "analytics-pg-manual"):
        world["snapshots"][name] = {"cluster": name.removesuffix("-manual"), "type": "manual"}
    return world


AUDIT_RULE = "neptune-cluster-audit-logging-on"


def audit_group(name: str, neptune, audit: str | None = None) -> None:
    """A custom Neptune cluster parameter group, its audit log parameter set when asked."""
    neptune.create_db_cluster_parameter_group(
        DBClusterParameterGroupName=name, DBParameterGroupFamily="neptune1.3", Description=name
    )
    if audit is not None:
        neptune.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName=name,
            Parameters=[{"ParameterName": "neptune_enable_audit_log", "ParameterValue": audit, "ApplyMethod": "pending-reboot"}],
        )


def seed_audit_logging(endpoint_url: str, region: str) -> dict:
    """Every case of neptune-cluster-audit-logging-on: two clusters sharing a group with the
    audit log on (one exporting it), the default group, a group changed to 1 while its cluster
    runs (pending reboot), the same after the reboot, and an Aurora cluster."""
    neptune, rds, _ = clients(endpoint_url, region)
    world: dict = {"clusters": {}, "dms_endpoints": {}, "expected": {}}
    audit_group("audit-params", neptune, audit="1")
    for name in ("pending-params", "rebooted-params"):
        audit_group(name, neptune)

    def cluster(name: str, expected: str, group: str | None, exports=("audit",), instances=1) -> None:
        extra = {"DBClusterParameterGroupName": group} if group else {}
        made = neptune.create_db_cluster(
            DBClusterIdentifier=name, Engine="neptune", EnableCloudwatchLogsExports=list(exports), **extra
        )["DBCluster"]
        for i in range(instances):
            neptune.create_db_instance(
                DBInstanceIdentifier=f"{name}-{i}", DBInstanceClass="db.r6g.large", Engine="neptune",
                DBClusterIdentifier=name,
            )
        world["clusters"][name] = cluster_facts(made)
        world["expected"][f"{AUDIT_RULE}/{name}"] = expected

    cluster("audit-on", "COMPLIANT", "audit-params", instances=2)
    cluster("export-off", "NON_COMPLIANT", "audit-params", exports=("slowquery",))
    cluster("default-group", "NON_COMPLIANT", None)
    cluster("pending-reboot", "NON_COMPLIANT", "pending-params", instances=2)
    cluster("rebooted", "COMPLIANT", "rebooted-params")
    for name in ("pending-params", "rebooted-params"):
        neptune.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName=name,
            Parameters=[{"ParameterName": "neptune_enable_audit_log", "ParameterValue": "1", "ApplyMethod": "pending-reboot"}],
        )
    neptune.reboot_db_instance(DBInstanceIdentifier="pending-reboot-0")
    neptune.reboot_db_instance(DBInstanceIdentifier="rebooted-0")
    made = rds.create_db_cluster(
        DBClusterIdentifier="reports-pg", Engine="aurora-postgresql",
        MasterUsername="admin", MasterUserPassword="not-a-secret-1",
    )["DBCluster"]
    world["clusters"]["reports-pg"] = cluster_facts(made)
    world["expected"][f"{AUDIT_RULE}/reports-pg"] = "NOT_APPLICABLE"
    return world


FLEET_PARAMETER_GROUPS = 3


def seed_snapshot_fleet(endpoint_url: str, region: str, clusters: int, snapshots: int) -> dict:
    """`clusters` Neptune clusters and `snapshots` manual snapshots spread over them; every
    tenth cluster uses one of 3 custom cluster parameter groups, the others the default one."""
    neptune, _, _ = clients(endpoint_url, region)
    for g in range(FLEET_PARAMETER_GROUPS):
        audit_group(f"fleet-params-{g}", neptune, audit="1")
    for i in range(clusters):
        group = {"DBClusterParameterGroupName": f"fleet-params-{i % FLEET_PARAMETER_GROUPS}"} if i % 10 == 0 else {}
        neptune.create_db_cluster(DBClusterIdentifier=f"graph-{i:03d}", Engine="neptune", **group)
    for j in range(snapshots):
        neptune.create_db_cluster_snapshot(
            DBClusterIdentifier=f"graph-{j % clusters:03d}", DBClusterSnapshotIdentifier=f"manual-{j:03d}"
        )
    return {"clusters": {}, "dms_endpoints": {}, "expected": {}}


MEMBER_ROLE = "GuardrailsAudit"


def seed_member(endpoint_url: str, region: str) -> dict:
    """A new member account of the emulated organization (made on first use), reached through
    its role ``GuardrailsAudit``, with one Neptune cluster without IAM auth in ``region``."""
    common = dict(endpoint_url=endpoint_url, region_name=region)
    admin = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
    org = boto3.client("organizations", **common, **admin)
    try:
        org.create_organization(FeatureSet="ALL")
    except org.exceptions.AlreadyInOrganizationException:
        pass
    account = org.create_account(Email="member@example.com", AccountName="member")[
        "CreateAccountStatus"
    ]["AccountId"]
    assumed = boto3.client("sts", **common, **admin).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{MEMBER_ROLE}", RoleSessionName="seed"
    )["Credentials"]
    neptune = boto3.client(
        "neptune",
        **common,
        aws_access_key_id=assumed["AccessKeyId"],
        aws_secret_access_key=assumed["SecretAccessKey"],
        aws_session_token=assumed["SessionToken"],
    )
    made = neptune.create_db_cluster(DBClusterIdentifier="member-open", Engine="neptune")["DBCluster"]
    return {
        "account": account,
        "clusters": {"member-open": cluster_facts(made)},
        "dms_endpoints": {},
        "expected": {
            f"{CLUSTER_RULE}/member-open": "NON_COMPLIANT",
            f"{STS_RULE}/member-open": "NOT_APPLICABLE",
        },
    }


ORGANIZATION_REGIONS = ("eu-west-1", "us-west-2", "eu-south-1")


def seed_organization(endpoint_url: str, region: str, size: int) -> dict:
    """An organization (all features, StackSets trusted) whose OU ``graph-teams`` holds
    ``size`` member accounts, each with a started AWS Config recorder (recording IAM too) and
    delivery channel in every region of ``ORGANIZATION_REGIONS`` (Milan, the third, offers no
    Neptune managed rule), but one: the recorder of the fifth account in the second region is
    stopped. ``region`` is the admin region."""
    common = dict(endpoint_url=endpoint_url, region_name=region)
    admin = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
    org = boto3.client("organizations", **common, **admin)
    org.create_organization(FeatureSet="ALL")
    org.enable_aws_service_access(ServicePrincipal="member.org.stacksets.cloudformation.amazonaws.com")
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="graph-teams")["OrganizationalUnit"]["Id"]
    sts = boto3.client("sts", **common, **admin)
    accounts = []
    stopped = None
    for i in range(size):
        account = org.create_account(Email=f"team{i}@example.com", AccountName=f"team{i}")[
            "CreateAccountStatus"
        ]["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
        accounts.append(account)
        assumed = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{MEMBER_ROLE}", RoleSessionName="seed"
        )["Credentials"]
        for n, where in enumerate(ORGANIZATION_REGIONS):
            config = boto3.client(
                "config",
                endpoint_url=endpoint_url,
                region_name=where,
                aws_access_key_id=assumed["AccessKeyId"],
                aws_secret_access_key=assumed["SecretAccessKey"],
                aws_session_token=assumed["SessionToken"],
            )
            config.put_configuration_recorder(
                ConfigurationRecorder={
                    "name": "default",
                    "roleARN": f"arn:aws:iam::{account}:role/config-recorder",
                    "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
                }
            )
            config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": f"config-{account}"})
            if (i, n) == (4, 1):
                stopped = {"account": account, "region": where}
                continue
            config.start_configuration_recorder(ConfigurationRecorderName="default")
    return {"ou": ou, "accounts": accounts, "regions": list(ORGANIZATION_REGIONS), "stopped": stopped}


def seed_sharing(endpoint_url: str, region: str) -> dict:
    """``seed_sharing.py``'s world, its verdicts keyed by rule as every world's are."""
    world = seed_snapshot_sharing(endpoint_url, region)
    world["expected"] = {f"{SHARING_RULE}/{name}": v for name, v in world.pop("verdicts").items()}
    return world


WORLDS = {
    "organization-100": lambda url, region: seed_organization(url, region, 100),
    "organization-8": lambda url, region: seed_organization(url, region, 8),
    "member": seed_member,
    "estate": seed_estate,
    "fleet": seed_fleet,
    "iam": seed_iam,
    "chaining": seed_chaining,
    "demo-network": seed_demo_network,
    "posture": seed_posture,
    "audit-logging": seed_audit_logging,
    "snapshot-sharing": seed_sharing,
    "snapshot-fleet": lambda url, region: seed_snapshot_fleet(url, region, 130, 150),
    **{f"fleet-{n}": (lambda n: lambda url, region: seed_fleet(url, region, n))(n) for n in (1000, 10000)},
    **{f"vpc-fleet-{n}": (lambda n: lambda url, region: seed_vpc_fleet(url, region, n))(n) for n in (1, 10, 100)},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--world", default="estate", choices=sorted(WORLDS))
    args = parser.parse_args()
    print(json.dumps(WORLDS[args.world](args.endpoint_url, args.region), indent=2))


if __name__ == "__main__":
    main()
