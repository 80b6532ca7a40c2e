"""Bridge 19: Security Hub finding updates and filters as AWS applies them.

moto 5.2 overwrites a stored finding with whatever ``BatchImportFindings`` sends again, and
``GetFindings`` ignores ``Filters`` ("Filters and SortCriteria is not yet implemented").
AWS does neither (Security Hub API Reference; User Guide "BatchImportFindings for finding
providers" and "Using FindingProviderFields"):

* "After a finding is created, BatchImportFindings cannot be used to update the following
  finding fields and objects, which Security Hub customers use to manage their
  investigation workflow: Note, UserDefinedFields, VerificationState, Workflow". Here an
  update keeps the stored values of those four.
* A finding provider changes Confidence, Criticality, RelatedFindings, Severity and Types
  through ``FindingProviderFields``; on create, Security Hub fills ``FindingProviderFields``
  from the top-level fields if it is empty. Here an update keeps the stored top-level
  values of those five and takes new ones only from ``FindingProviderFields`` (copied to the
  top level, as when no customer has changed them with BatchUpdateFindings).
* Workflow ``Status``: NEW on create; "Security Hub also resets WorkFlowStatus from NOTIFIED
  or RESOLVED to NEW" when the record state goes from ARCHIVED to ACTIVE or the compliance
  status from PASSED to WARNING, FAILED or NOT_AVAILABLE (API_Workflow). Nothing sets it to
  RESOLVED but a customer.
* ``BatchUpdateFindings`` (moto has none; botocore model: ``PATCH /findings/batchupdate``,
  "Used by Security Hub CSPM customers to update information about their investigation"):
  ``Note`` (``Text`` and ``UpdatedBy`` both required) and ``Workflow.Status`` (``NEW``,
  ``NOTIFIED``, ``RESOLVED``, ``SUPPRESSED``) of up to 100 findings; an identifier that
  matches no finding is ``FindingNotFound`` and a repeated one ``DuplicatedFindingIdentifier``
  in ``UnprocessedFindings``; the update leaves ``UpdatedAt`` alone ("your updates don't affect
  the value for the UpdatedAt field").
* A ``SUPPRESSED`` finding "is no longer updated" (WorkflowUpdate.Status). AWS does not say
  whether BatchImportFindings then fails or is ignored; under the strictest reading here it is
  accepted and changes nothing, so a tool must take the finding out of SUPPRESSED before its
  update can land.
* ``GetFindings`` ``Filters``: string filters on the fields the tool filters by (``Id``,
  ``ProductArn``, ``GeneratorId``, ``AwsAccountId``, ``RecordState``, ``ComplianceStatus``,
  ``WorkflowStatus``, ``SeverityLabel``, ``ResourceId``, ``ResourceRegion``): ``EQUALS``,
  ``PREFIX`` and ``CONTAINS`` on one field are ORed, ``NOT_EQUALS``, ``PREFIX_NOT_EQUALS`` and
  ``NOT_CONTAINS`` ANDed, and the fields ANDed (API_StringFilter). A filter on a field this
  bridge does not model is refused rather than silently ignored.
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

from moto.securityhub import urls as securityhub_urls
from moto.securityhub.exceptions import InvalidInputException
from moto.securityhub.models import SecurityHubBackend
from moto.securityhub.responses import SecurityHubResponse
from moto.utilities.paginator import paginate

CUSTOMER_FIELDS = ("Note", "UserDefinedFields", "VerificationState", "Workflow")
PROVIDER_FIELDS = ("Confidence", "Criticality", "RelatedFindings", "Severity", "Types")


def _field(finding: dict[str, Any], name: str) -> list[str]:
    """The values a filter field names in a finding."""
    nested = {
        "ComplianceStatus": ("Compliance", "Status"),
        "WorkflowStatus": ("Workflow", "Status"),
        "SeverityLabel": ("Severity", "Label"),
    }
    if name in ("Id", "ProductArn", "GeneratorId", "AwsAccountId", "RecordState"):
        return [finding[name]] if name in finding else []
    if name in nested:
        outer, inner = nested[name]
        value = finding.get(outer, {}).get(inner)
        return [value] if value is not None else []
    if name in ("ResourceId", "ResourceRegion"):
        key = name.removeprefix("Resource")
        return [r[key] for r in finding.get("Resources", []) if key in r]
    raise InvalidInputException(op="GetFindings", msg=f"the emulator does not model the filter {name}")


# Each comparison as (the test it makes, whether a match excludes the finding).
_COMPARISONS = {
    "EQUALS": (lambda value, wanted: value == wanted, False),
    "PREFIX": (lambda value, wanted: value.startswith(wanted), False),
    "CONTAINS": (lambda value, wanted: wanted in value, False),
    "NOT_EQUALS": (lambda value, wanted: value == wanted, True),
    "PREFIX_NOT_EQUALS": (lambda value, wanted: value.startswith(wanted), True),
    "NOT_CONTAINS": (lambda value, wanted: wanted in value, True),
}


def _matches(finding: dict[str, Any], filters: dict[str, list[dict[str, str]]]) -> bool:
    """Positive conditions on one field ORed, negative ones ANDed, fields ANDed."""
    for name, conditions in filters.items():
        values = _field(finding, name)
        hits = {False: [], True: []}
        for condition in conditions:
            test, excludes = _COMPARISONS[condition["Comparison"]]
            hits[excludes].append(any(test(v, condition["Value"]) for v in values))
        if hits[False] and not any(hits[False]):
            return False
        if any(hits[True]):
            return False
    return True


@paginate(pagination_model=SecurityHubBackend.PAGINATION_MODEL)
def get_findings(self, filters=None, sort_criteria=None, max_results=None):
    if max_results is not None and not 1 <= int(max_results) <= 100:
        raise InvalidInputException(op="GetFindings", msg="MaxResults must be a number between 1 and 100")
    return [f.as_dict() for f in self.findings if _matches(f.data, filters or {})]


def _created(data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data.setdefault("Workflow", {"Status": "NEW"})
    data.setdefault("RecordState", "ACTIVE")
    provider = data.setdefault("FindingProviderFields", {})
    for name in PROVIDER_FIELDS:
        if name not in provider and name in data:
            provider[name] = copy.deepcopy(data[name])
    return data


def _updated(stored: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(sent)
    for name in CUSTOMER_FIELDS + PROVIDER_FIELDS:
        data.pop(name, None)
        if name in stored:
            data[name] = copy.deepcopy(stored[name])
    provider = copy.deepcopy(stored.get("FindingProviderFields", {}))
    for name, value in sent.get("FindingProviderFields", {}).items():
        provider[name] = copy.deepcopy(value)
        if name in PROVIDER_FIELDS:
            data[name] = copy.deepcopy(value)
    data["FindingProviderFields"] = provider
    data.setdefault("RecordState", stored.get("RecordState", "ACTIVE"))
    reopened = stored.get("RecordState") == "ARCHIVED" and data["RecordState"] == "ACTIVE"
    failed_again = stored.get("Compliance", {}).get("Status") == "PASSED" and data.get(
        "Compliance", {}
    ).get("Status") in ("WARNING", "FAILED", "NOT_AVAILABLE")
    if (reopened or failed_again) and data.get("Workflow", {}).get("Status") in ("NOTIFIED", "RESOLVED"):
        data["Workflow"] = {"Status": "NEW"}
    return data


WORKFLOW_STATUSES = ("NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED")


def batch_update_findings(self, identifiers, note=None, workflow=None):
    if not identifiers or len(identifiers) > 100:
        raise InvalidInputException(op="BatchUpdateFindings", msg="FindingIdentifiers takes 1 to 100 findings")
    if note is not None and not (note.get("Text") and note.get("UpdatedBy")):
        raise InvalidInputException(op="BatchUpdateFindings", msg="Note needs Text and UpdatedBy")
    status = (workflow or {}).get("Status")
    if workflow is not None and status not in WORKFLOW_STATUSES:
        raise InvalidInputException(op="BatchUpdateFindings", msg=f"Workflow Status {status} is not valid")
    by_key = {(f.data.get("Id"), f.data.get("ProductArn")): f for f in self.findings}
    processed, unprocessed, seen = [], [], set()
    for ident in identifiers:
        key = (ident.get("Id"), ident.get("ProductArn"))
        if key in seen:
            unprocessed.append({"FindingIdentifier": ident, "ErrorCode": "DuplicatedFindingIdentifier",
                                "ErrorMessage": "the request names this finding twice"})
            continue
        seen.add(key)
        finding = by_key.get(key)
        if finding is None:
            unprocessed.append({"FindingIdentifier": ident, "ErrorCode": "FindingNotFound",
                                "ErrorMessage": "no finding has this identifier"})
            continue
        if note is not None:
            finding.data["Note"] = {"Text": note["Text"], "UpdatedBy": note["UpdatedBy"],
                                    "UpdatedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())}
        if status is not None:
            finding.data["Workflow"] = {"Status": status}
        processed.append(ident)
    return processed, unprocessed


def _batch_update_findings_response(self) -> str:
    body = json.loads(self.body.decode("utf-8") if isinstance(self.body, bytes) else self.body)
    processed, unprocessed = self.securityhub_backend.batch_update_findings(
        body.get("FindingIdentifiers", []), body.get("Note"), body.get("Workflow")
    )
    return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})


def patch() -> None:
    original = SecurityHubBackend.batch_import_findings

    def batch_import_findings(self, findings):
        # moto merges an update into the stored dict in place: keep what was stored first.
        stored = {f.id: copy.deepcopy(f.data) for f in self.findings}
        result = original(self, [copy.deepcopy(f) for f in findings])
        refused = {f["Id"] for f in result[2]}
        by_id = {f.id: f for f in self.findings}
        for sent in findings:
            if "Id" not in sent or sent["Id"] in refused:
                continue
            before = stored.get(sent["Id"])
            if before and before.get("Workflow", {}).get("Status") == "SUPPRESSED":
                by_id[sent["Id"]].data = before  # "no longer updated"
                continue
            by_id[sent["Id"]].data = _updated(before, sent) if before else _created(sent)
        return result

    SecurityHubBackend.batch_import_findings = batch_import_findings
    SecurityHubBackend.get_findings = get_findings
    SecurityHubBackend.batch_update_findings = batch_update_findings
    SecurityHubResponse.batch_update_findings = _batch_update_findings_response
    securityhub_urls.url_paths["{0}/findings/batchupdate$"] = SecurityHubResponse.dispatch
