#!/usr/bin/env python3
"""Validate an array of OCSF events read from stdin against a maintained OCSF model.

Usage: ``validate_ocsf.py < events.json``. Each event is parsed as a Compliance Finding
(class 2003) by py-ocsf-models, Prowler's pydantic models of the OCSF schema (its
``OCSF_VERSION`` must equal the event's ``metadata.version``), and its ``cloud`` object,
which the event declares through the ``cloud`` profile, as that model's ``Cloud``.
pydantic accepts and drops members a model does not know, so each event must also survive a
round trip unchanged: a misspelt or invented member is a problem, not silently ignored.
Prints the problems, one per line, and exits 1 when there are any.
"""

from __future__ import annotations

import json
import sys

from pydantic import ValidationError
from py_ocsf_models import OCSF_VERSION
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.objects.cloud import Cloud


def differences(expected, got, path: str = "") -> list[str]:
    """Where ``got`` (the model's dump) lost or changed what ``expected`` (the event) said."""
    if isinstance(expected, dict) and isinstance(got, dict):
        found = []
        for key, value in expected.items():
            if key not in got:
                found.append(f"{path}{key}: not a member of the model")
            else:
                found.extend(differences(value, got[key], f"{path}{key}."))
        return found
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        return [d for i, (e, g) in enumerate(zip(expected, got)) for d in differences(e, g, f"{path}{i}.")]
    return [] if expected == got else [f"{path.rstrip('.')}: {expected!r} became {got!r}"]


def problems(index: int, event: dict) -> list[str]:
    found = []
    event = dict(event)
    if event.get("metadata", {}).get("version") != OCSF_VERSION:
        found.append(f"metadata.version is not the model's OCSF {OCSF_VERSION}")
    cloud = event.pop("cloud", None)
    if "cloud" not in event.get("metadata", {}).get("profiles", []) or cloud is None:
        found.append("the cloud profile is not declared, or its cloud object is missing")
    else:
        try:
            found += differences(cloud, Cloud.model_validate(cloud).model_dump(mode="json", exclude_none=True), "cloud.")
        except ValidationError as err:
            found += [f"cloud.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()]
    try:
        model = ComplianceFinding.model_validate(event)
        found += differences(event, model.model_dump(mode="json", exclude_none=True))
    except ValidationError as err:
        found += [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()]
    return [f"events/{index}/{p}" for p in found]


def main() -> int:
    events = json.load(sys.stdin)
    found = [p for i, event in enumerate(events) for p in problems(i, event)]
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
