"""Bridges of the services the rules read: Neptune/RDS (IAM auth, paging), IAM
(authorization details, permissions boundaries), EC2 (the default network, VPC endpoint state
and paging), S3 (bucket policy conditions) and DMS (tagging an endpoint). Each is listed, with its source, in
``launcher.py``'s docstring and in tests/README.md."""

from __future__ import annotations

import json

from moto.core.responses import ActionResult, EmptyResult
from moto.dms.exceptions import ResourceNotFoundFault
from moto.dms.responses import DatabaseMigrationServiceResponse
from moto.ec2.models.vpcs import VPCEndPoint
from moto.ec2.responses.vpcs import VPCs
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.iam.exceptions import IAMException
from moto.iam.models import ManagedPolicy, Role, User
from moto.iam.responses import IamResponse
from moto.rds.models import DBCluster, DBClusterSnapshot, RDSBackend
from moto.rds.responses import RDSResponse
from moto.s3.models import FakeBucket

import faults


EMULATED_STATE_TAG = "guardrails:emulated-state"


def _patch_neptune_iam_auth() -> None:
    original_init = DBCluster.__init__

    def init(self, *args, **kwargs):
        wants_iam = kwargs.get("enable_iam_database_authentication")
        if kwargs.get("engine") == "neptune" and wants_iam:
            kwargs = dict(kwargs, enable_iam_database_authentication=False)
        original_init(self, *args, **kwargs)
        if kwargs.get("engine") == "neptune":
            self.iam_auth = bool(wants_iam)

    original_modify = RDSBackend.modify_db_cluster

    def modify_db_cluster(self, kwargs):
        wants_iam = kwargs.get("enable_iam_database_authentication")
        cluster = original_modify(self, kwargs)
        if wants_iam is not None:
            stored = self.clusters[cluster.db_cluster_identifier]
            if stored.engine == "neptune":
                stored.iam_auth = bool(wants_iam)
                cluster.iam_auth = bool(wants_iam)
        return cluster

    DBCluster.__init__ = init
    RDSBackend.modify_db_cluster = modify_db_cluster
    # Bridge 28: a cluster snapshot carries the IAM authentication setting its cluster had
    # when it was taken (moto copies the cluster into the snapshot but never reports it).
    DBClusterSnapshot.iam_database_authentication_enabled = property(
        lambda self: bool(getattr(self.cluster, "iam_auth", False))
    )


def _patch_iam_policy_details() -> None:
    ManagedPolicy.policy_name = property(lambda self: self.name)
    ManagedPolicy.policy_id = property(lambda self: self.id)


def _patch_user_permissions_boundaries() -> None:
    User.permissions_boundary_arn = None
    User.permissions_boundary = Role.permissions_boundary
    create_user = IamResponse.create_user

    def valid(response: IamResponse, arn: str) -> str:
        if not response.backend.policy_arn_regex.match(arn):
            raise IAMException(
                "InvalidParameterValue",
                f"Value ({arn}) for parameter PermissionsBoundary is invalid.",
            )
        return arn

    def create_user_with_boundary(self):
        boundary = self._get_param("PermissionsBoundary")
        if boundary:
            valid(self, boundary)
        result = create_user(self)
        if boundary:
            self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = boundary
        return result

    def put_user_permissions_boundary(self):
        arn = valid(self, self._get_param("PermissionsBoundary"))
        self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = arn
        return EmptyResult()

    IamResponse.create_user = create_user_with_boundary
    IamResponse.put_user_permissions_boundary = put_user_permissions_boundary


def _page(items: list, start: int, size: int, items_key: str, token_key: str) -> dict:
    """One page of ``items`` from offset ``start``; the token of the next page is its offset."""
    page = {items_key: items[start : start + size]}
    if start + size < len(items):
        page[token_key] = str(start + size)
    return page


def _patch_db_cluster_pages() -> None:
    """Gap 12: DescribeDBClusters and DescribeDBClusterSnapshots page by MaxRecords/Marker."""

    def paged(method: str, items_key: str, cut_short: bool) -> None:
        original = getattr(RDSResponse, method)

        def describe(self):
            items = original(self).result[items_key]
            size = max(20, min(100, int(self.params.get("MaxRecords") or 100)))
            if cut_short and faults.current and faults.current.truncate():
                # AWS may return fewer items than asked for, with a marker for the rest.
                size = faults.current.random.randint(1, size)
            start = int(self.params.get("Marker") or 0)
            return ActionResult(_page(items, start, size, items_key, "Marker"))

        setattr(RDSResponse, method, describe)

    paged("describe_db_clusters", "DBClusters", cut_short=True)
    paged("describe_db_cluster_snapshots", "DBClusterSnapshots", cut_short=False)


def _patch_cluster_resource_id_filter() -> None:
    """Bridge 30: DescribeDBClusters takes the ``db-cluster-resource-id`` filter (botocore
    ``rds`` model, DescribeDBClustersMessage ``Filters``: "Accepts DB cluster resource
    identifiers"), which moto refuses as an unrecognized filter. Our cluster runbooks find
    the cluster AWS Config reports by it."""
    from moto.rds.utils import FilterDef

    DBCluster.SUPPORTED_FILTERS["db-cluster-resource-id"] = FilterDef(
        ["db_cluster_resource_id"], "DB Cluster Resource Identifiers"
    )


def _patch_default_network() -> None:
    """Gap 22: the default VPC routes to an internet gateway; the ``default`` DB subnet group."""
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.vpcs import VPCBackend

    original_vpc = VPCBackend.create_default_vpc

    def create_default_vpc(self):
        vpc = original_vpc(self)
        gateway = self.create_internet_gateway()
        self.attach_internet_gateway(gateway.id, vpc.id)
        main = self.describe_route_tables(filters={"vpc-id": [vpc.id], "association.main": ["true"]})
        self.create_route(main[0].id, "0.0.0.0/0", gateway_id=gateway.id)
        return vpc

    VPCBackend.create_default_vpc = create_default_vpc

    original_groups = RDSBackend.describe_db_subnet_groups

    def describe_db_subnet_groups(self, subnet_group_name):
        named = {getattr(c, "db_subnet_group_name", None) for c in self.clusters.values()}
        if "default" in named and "default" not in self.subnet_groups:
            ec2 = ec2_backends[self.account_id][self.region_name]
            vpc = ec2.get_default_vpc()
            subnets = ec2.describe_subnets(filters={"vpc-id": [vpc.id]})
            self.create_subnet_group("default", "default", subnets, [])
        return original_groups(self, subnet_group_name)

    RDSBackend.describe_db_subnet_groups = describe_db_subnet_groups


def _patch_vpc_endpoint_state() -> None:
    def state(self):
        tags = {t["key"]: t["value"] for t in self.get_tags()}
        return tags.get(EMULATED_STATE_TAG, self.__dict__.get("_state"))

    def set_state(self, value):
        self.__dict__["_state"] = value

    VPCEndPoint.state = property(state, set_state)


def _patch_vpc_endpoint_pages(page_size: int) -> None:
    original = VPCs.describe_vpc_endpoints

    def describe_vpc_endpoints(self):
        result = original(self).result
        endpoints = list(result["VpcEndpoints"])
        start = int(self._get_param("NextToken") or 0)
        asked = self._get_int_param("MaxResults") or len(endpoints) or 1
        page = _page(endpoints, start, min(asked, page_size), "VpcEndpoints", "NextToken")
        return ActionResult(page)

    VPCs.describe_vpc_endpoints = describe_vpc_endpoints


def _patch_bucket_policy_conditions() -> None:
    original = FakeBucket.get_permission

    def get_permission(self, action, resource):
        if self.policy is None:
            return original(self, action, resource)
        document = json.loads(self.policy)
        statements = document.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        unconditional = [s for s in statements if "Condition" not in s]
        if len(unconditional) == len(statements):
            return original(self, action, resource)
        if not unconditional:
            return PermissionResult.NEUTRAL
        policy = json.dumps({**document, "Statement": unconditional})
        return IAMPolicy(policy).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission


def _patch_dms_add_tags() -> None:
    """Bridge 25: DMS ``AddTagsToResource`` (botocore ``dms`` model: "Adds metadata tags to an
    DMS resource, including replication instance, endpoint, subnet group, and migration
    task"; ``ResourceArn`` and ``Tags`` required; errors ``ResourceNotFoundFault``), which moto
    lacks. A tag on a key the resource already has replaces its value."""

    def add_tags_to_resource(self):
        params = json.loads(self.body)
        arn = params.get("ResourceArn")
        backend = self.dms_backend
        known = {e.endpoint_arn for e in backend.endpoints.values()}
        known |= {i.arn for i in backend.replication_instances.values()}
        known |= {t.arn for t in backend.replication_tasks.values()}
        if arn not in known:
            raise ResourceNotFoundFault(f"Resource {arn} not found.")
        backend.tagger.tag_resource(arn, params.get("Tags") or [])
        return json.dumps({})

    DatabaseMigrationServiceResponse.add_tags_to_resource = add_tags_to_resource
