"""The command line of the scripts that run a shipped runbook against the emulator."""

from __future__ import annotations

import argparse
import os


def parse(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Adds ``--endpoint-url``, ``--region``, ``--runbook`` and ``--as-role-from-env``, parses,
    and points boto3 at the emulator with test credentials, or with the emulator-made
    credentials of a role the caller put in ``GUARDRAILS_ROLE_ACCESS_KEY_ID``,
    ``GUARDRAILS_ROLE_SECRET_ACCESS_KEY`` and ``GUARDRAILS_ROLE_SESSION_TOKEN`` (the runbook's
    remediation role; never the ambient ``AWS_*`` variables, which may hold real ones)."""
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--runbook", required=True)
    parser.add_argument("--as-role-from-env", action="store_true")
    args = parser.parse_args()
    credentials = dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    os.environ.pop("AWS_SESSION_TOKEN", None)
    if args.as_role_from_env:
        credentials = {
            name: os.environ[f"GUARDRAILS_ROLE_{name[4:]}"]
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
        }
    os.environ.update(AWS_ENDPOINT_URL=args.endpoint_url, AWS_DEFAULT_REGION=args.region, **credentials)
    return args
