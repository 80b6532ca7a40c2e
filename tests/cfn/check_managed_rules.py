#!/usr/bin/env python3
"""Check the AWS managed rules the pack deploys against AWS's list of them.

Usage: ``check_managed_rules.py GEN``. Reads ``GEN rules --json`` and, for every rule delivered
as an AWS managed rule, compares with moto's packaged copy of the AWS Config Developer Guide's
managed rule list (``moto/config/resources/aws_managed_rules.json``): the identifier exists,
the resource types and the "Configuration changes" trigger match, every parameter has the
managed rule's name and type (int / CSV), and the regions the declaration leaves out are
exactly those the rule's page excludes (the emulator's gap 21 reads the same text). Prints
``{"checked": N, "problems": [...]}``; exits 1 on a problem.
"""

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "emulator"))
from config_rules import _REGION_NAMES, managed_rule_offered  # noqa: E402
from moto.config.models import MANAGED_RULES_CONSTRAINTS  # noqa: E402

KINDS = {"int": "int", "text": "CSV"}


def main() -> None:
    rules = json.loads(subprocess.run([sys.argv[1], "rules", "--json"], check=True, capture_output=True).stdout)
    problems, checked = [], 0
    for rule in rules:
        identifier = rule["delivery"].get("managed_rule")
        if not identifier:
            continue
        checked += 1
        aws = MANAGED_RULES_CONSTRAINTS.get(identifier)
        if aws is None:
            problems.append(f"{rule['id']}: {identifier} is no AWS managed rule")
            continue
        if rule["resource_types"] != [t.strip() for t in aws["Resource Types"].split(",")]:
            problems.append(f"{rule['id']}: resource types {rule['resource_types']} vs {aws['Resource Types']}")
        if aws["Trigger type"] == "Configuration changes" and rule["trigger"] != ["configuration-change"]:
            problems.append(f"{rule['id']}: trigger {rule['trigger']} vs {aws['Trigger type']}")
        theirs = {p["Name"]: p["Type"] for p in aws["Parameters"]}
        ours = {p["name"]: KINDS.get(p["kind"]) for p in rule["parameters"]}
        if ours != theirs:
            problems.append(f"{rule['id']}: parameters {ours} vs {theirs}")
        left_out = set(rule["delivery"]["unavailable_in"])
        for region in _REGION_NAMES:
            if managed_rule_offered(identifier, region) == (region in left_out):
                problems.append(f"{rule['id']}: {region} is {'left out' if region in left_out else 'deployed'} but AWS {'offers' if region in left_out else 'does not offer'} {identifier} there")
    print(json.dumps({"checked": checked, "problems": problems}, indent=2))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
