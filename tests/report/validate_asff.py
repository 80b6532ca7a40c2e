#!/usr/bin/env python3
"""Validate an ASFF findings array read from stdin against Security Hub's API model.

Usage: ``validate_asff.py < findings.json``. The array is checked as the ``Findings`` of a
``BatchImportFindings`` request with botocore's own parameter validator and service model
(required members, types, enum-free strings, nested structures), as the AWS CLI and SDKs
check it before sending. Prints the problems and exits 1 when there are any.
"""

from __future__ import annotations

import json
import sys

import botocore.session
from botocore.validate import ParamValidator


def main() -> int:
    findings = json.load(sys.stdin)
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    report = ParamValidator().validate({"Findings": findings}, shape)
    if report.has_errors():
        print(report.generate_report())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
