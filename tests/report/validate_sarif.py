#!/usr/bin/env python3
"""Validate a SARIF log read from stdin against the official SARIF 2.1.0 JSON schema.

Usage: ``validate_sarif.py SCHEMA < log.sarif``. The schema (draft-04) is the one
``scripts/setup`` fetches into ``.venv/sarif-schema-2.1.0.json``. Prints each violation as
``path: message`` and exits 1 when there is any, 0 otherwise.
"""

from __future__ import annotations

import json
import sys

import jsonschema


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as handle:
        schema = json.load(handle)
    log = json.load(sys.stdin)
    validator = jsonschema.Draft4Validator(schema)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    for error in errors:
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        print(f"{path}: {error.message}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
