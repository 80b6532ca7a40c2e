"""Bridge 29: Neptune DB cluster parameter groups as AWS keeps them, which moto does not.

- Every Neptune cluster uses a DB cluster parameter group; one created without a group gets
  the family's default group (``default.neptune1.3`` in moto), which moto never creates, so
  ``DescribeDBClusterParameters`` on it fails there. Here the default groups exist.
- "A DB cluster parameter group is initially created with the default parameters for the
  database engine" (Neptune API Reference, CreateDBClusterParameterGroup): moto lists none
  until one is modified. Here a Neptune group lists the cluster-level parameters of Neptune's
  "Amazon Neptune parameters" page with their defaults and apply types
  (``neptune_enable_audit_log``: 0, static), ``Source`` ``engine-default`` until modified
  (then ``user``), paged by ``MaxRecords`` (20 to 100) and ``Marker``.
- "You can't modify the parameter settings of the default DB parameter group" (Neptune User
  Guide, "Amazon Neptune parameter groups"): ``ModifyDBClusterParameterGroup`` on a
  ``default.`` group is refused with ``InvalidDBParameterGroupState`` (an error the botocore
  ``neptune`` model lists for it). A static parameter cannot be applied ``immediate``
  (``InvalidParameterCombination``).
- "Changes to static parameters require a reboot without failover to the DB cluster
  associated with the parameter group before the change can take effect" (API Reference,
  ModifyDBClusterParameterGroup), and a cluster given another group needs its instances
  rebooted (CreateDBClusterParameterGroup). moto reports every member ``in-sync`` forever.
  Here each instance of a cluster whose group changed that way reports
  ``DBClusterParameterGroupStatus`` ``pending-reboot`` in ``DBClusterMembers`` until
  ``RebootDBInstance``. (Older copies of the audit-log page say the parameter needs no
  restart; the strict reading, the parameters page's "static", is modelled.)

Bridge 31, beside it: ``ModifyDBCluster``'s ``CloudwatchLogsExportConfiguration``
(``EnableLogTypes``, ``DisableLogTypes``: botocore ``neptune`` model, "The configuration
setting for the log types to be enabled for export to CloudWatch Logs for a specific DB
cluster") changes the cluster's ``EnabledCloudwatchLogsExports``; moto ignores it.
"""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.rds.exceptions import RDSClientError
from moto.rds.models import DBCluster, DBClusterParameterGroup, DBInstance, RDSBackend
from moto.rds.responses import RDSResponse

# Cluster-level parameters of the "Amazon Neptune parameters" page: name, default, apply type.
NEPTUNE_CLUSTER_PARAMETERS = [
    ("neptune_enable_audit_log", "0", "static", "0,1"),
    ("neptune_enable_slow_query_log", "disable", "dynamic", "info,debug,disable"),
    ("neptune_slow_query_log_threshold", "5000", "dynamic", "1-2147483647"),
    ("neptune_query_timeout", "120000", "dynamic", "10-2147483647"),
    ("neptune_streams", "0", "static", "0,1"),
    ("neptune_streams_expiry_days", "7", "static", "1-90"),
    ("neptune_lookup_cache", "1", "static", "0,1"),
]
PENDING_REBOOT = "pending-reboot"


def _defaults() -> dict:
    return {
        name: {
            "ParameterValue": value,
            "ApplyType": apply_type,
            "AllowedValues": allowed,
            "Source": "engine-default",
            "IsModifiable": True,
            "DataType": "string",
        }
        for name, value, apply_type, allowed in NEPTUNE_CLUSTER_PARAMETERS
    }


def _with_default_group(backend: RDSBackend, name: str | None) -> None:
    """The family's default group exists once anything names it."""
    if name and name.startswith("default.neptune") and name not in backend.db_cluster_parameter_groups:
        group = DBClusterParameterGroup(
            backend, name, f"Default cluster parameter group for {name[8:]}", name[8:]
        )
        group.parameters.update(_defaults())
        backend.db_cluster_parameter_groups[name] = group


def _mark_pending_reboot(backend: RDSBackend, group: str) -> None:
    for cluster in backend.clusters.values():
        if cluster.parameter_group == group:
            for instance in cluster.members:
                instance.cluster_parameter_group_status = PENDING_REBOOT


def patch() -> None:
    DBInstance.cluster_parameter_group_status = "in-sync"

    def db_cluster_members(self):
        return [
            {
                "DBInstanceIdentifier": member.db_instance_identifier,
                "IsClusterWriter": member.is_cluster_writer,
                "DBClusterParameterGroupStatus": member.cluster_parameter_group_status,
                "PromotionTier": member.promotion_tier,
            }
            for member in self.members
        ]

    DBCluster.db_cluster_members = property(db_cluster_members)

    original_create = RDSBackend.create_db_cluster_parameter_group

    def create_group(self, db_cluster_parameter_group_name, db_parameter_group_family, description, tags):
        group = original_create(self, db_cluster_parameter_group_name, db_parameter_group_family, description, tags)
        if (db_parameter_group_family or "").startswith("neptune"):
            group.parameters.update(_defaults())
        return group

    RDSBackend.create_db_cluster_parameter_group = create_group

    def naming_a_group(method: str, param: str) -> None:
        original = getattr(RDSResponse, method)

        def call(self):
            _with_default_group(self.backend, self.params.get(param))
            return original(self)

        setattr(RDSResponse, method, call)

    naming_a_group("describe_db_cluster_parameter_groups", "DBClusterParameterGroupName")
    naming_a_group("copy_db_cluster_parameter_group", "SourceDBClusterParameterGroupIdentifier")

    original_parameters = RDSResponse.describe_db_cluster_parameters

    def describe_db_cluster_parameters(self):
        _with_default_group(self.backend, self.params.get("DBClusterParameterGroupName"))
        parameters = sorted(original_parameters(self).result["Parameters"], key=lambda p: p["ParameterName"])
        size = max(20, min(100, int(self.params.get("MaxRecords") or 100)))
        start = int(self.params.get("Marker") or 0)
        page = {"Parameters": parameters[start : start + size]}
        if start + size < len(parameters):
            page["Marker"] = str(start + size)
        return ActionResult(page)

    RDSResponse.describe_db_cluster_parameters = describe_db_cluster_parameters

    original_modify = RDSResponse.modify_db_cluster_parameter_group

    def modify_db_cluster_parameter_group(self):
        name = (self.params.get("DBClusterParameterGroupName") or "").lower()
        if name.startswith("default."):
            raise RDSClientError(
                "InvalidDBParameterGroupState",
                f"The default DB cluster parameter group {name} cannot be modified: "
                "create a DB cluster parameter group and modify that one",
            )
        group = self.backend.db_cluster_parameter_groups.get(name)
        static = False
        for parameter in self.params.get("Parameters", []):
            known = group.parameters.get(parameter.get("ParameterName"), {}) if group else {}
            if known.get("ApplyType") != "static":
                continue
            if parameter.get("ApplyMethod") == "immediate":
                raise RDSClientError(
                    "InvalidParameterCombination",
                    f"cannot use immediate apply method for static parameter {parameter.get('ParameterName')}",
                )
            static = True
        result = original_modify(self)
        if group:
            for parameter in self.params.get("Parameters", []):
                group.parameters[parameter.get("ParameterName")]["Source"] = "user"
        if static:
            _mark_pending_reboot(self.backend, name)
        return result

    RDSResponse.modify_db_cluster_parameter_group = modify_db_cluster_parameter_group

    original_modify_cluster = RDSBackend.modify_db_cluster

    def modify_db_cluster(self, kwargs):
        wanted = kwargs.get("db_cluster_parameter_group_name")
        before = self.clusters[kwargs["db_cluster_identifier"]].parameter_group if wanted else None
        exports = kwargs.get("cloudwatch_logs_export_configuration") or {}
        cluster = original_modify_cluster(self, kwargs)
        stored = self.clusters[cluster.db_cluster_identifier]
        if wanted and wanted != before:
            for instance in stored.members:
                instance.cluster_parameter_group_status = PENDING_REBOOT
        # Bridge 31: moto reads the exports of ModifyDBCluster from a key the API never
        # sends, so CloudwatchLogsExportConfiguration changes nothing there.
        logs = [log for log in stored.enabled_cloudwatch_logs_exports if log not in exports.get("DisableLogTypes", [])]
        logs += [log for log in exports.get("EnableLogTypes", []) if log not in logs]
        stored.enabled_cloudwatch_logs_exports = logs
        cluster.enabled_cloudwatch_logs_exports = list(logs)
        return cluster

    RDSBackend.modify_db_cluster = modify_db_cluster

    original_reboot = RDSBackend.reboot_db_instance

    def reboot_db_instance(self, db_instance_identifier):
        instance = original_reboot(self, db_instance_identifier)
        instance.cluster_parameter_group_status = "in-sync"
        return instance

    RDSBackend.reboot_db_instance = reboot_db_instance
