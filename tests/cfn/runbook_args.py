"""The command line of the scripts that run a shipped runbook against the emulator."""

from __future__ import annotations

import argparse
import os


def parse(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Adds ``--endpoint-url``, ``--region`` and ``--runbook``, parses, and points boto3 at the
    emulator with test credentials."""
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--runbook", required=True)
    args = parser.parse_args()
    os.environ.update(
        AWS_ENDPOINT_URL=args.endpoint_url,
        AWS_DEFAULT_REGION=args.region,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    return args
