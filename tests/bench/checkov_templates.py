"""`gen check-template` beside Checkov on the labelled template corpus (tests/templates):
templates per second for each (one process over every file, as a CI job runs it, best of
RUNS), then each Neptune resource's verdict per rule side by side with the Checkov check
that covers the same setting (— where Checkov has none; "not run" where Checkov did not
report that check on the resource: its check exists for Terraform only, or it skipped a value
it could not resolve). Prints the Markdown for docs/benchmarks.md and a JSON summary line.

Throughput is measured on COPIES copies of the corpus (default 20), so that a process start
is not all either tool spends; the side-by-side verdicts come from one copy.

Usage: ``checkov_templates.py GEN CHECKOV CORPUS_DIR [RUNS] [COPIES]``.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

# Our rule → the Checkov check of the same setting (Checkov 3.3's AWS checks).
CHECKOV_OF = {
    "neptune-cluster-iam-auth": "CKV_AWS_359",
    "neptune-cluster-encrypted": "CKV_AWS_44",
    "neptune-cluster-audit-logs": "CKV_AWS_101",
    "neptune-cluster-deletion-protection": "CKV2_AWS_58",
    "neptune-cluster-backup-retention": "CKV_AWS_361",
    "neptune-cluster-copy-tags-to-snapshots": "CKV_AWS_362",
    "neptune-cluster-multi-az": None,
    "neptune-dms-endpoint-iam-auth": None,
}
SHORT = {"COMPLIANT": "pass", "NON_COMPLIANT": "FAIL", "NOT_APPLICABLE": "deploy-time",
         "PASSED": "pass", "FAILED": "FAIL"}


def best_of(runs: int, command: list[str]) -> tuple[float, bytes]:
    best, out = float("inf"), b""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True)
        best = min(best, time.perf_counter() - start)
        out = done.stdout
    return best, out


def corpus_files(corpus: pathlib.Path) -> list[str]:
    return sorted(str(p) for p in corpus.rglob("*") if p.suffix in (".yaml", ".json"))


def checkov_command(checkov: str, files: list[str]) -> list[str]:
    command = [checkov, "--compact", "-o", "json", "--framework", "cloudformation", "terraform_plan"]
    for f in files:
        command += ["-f", f]
    return command


def main() -> None:
    gen, checkov, corpus = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    copies = int(sys.argv[5]) if len(sys.argv) > 5 else 20
    files = corpus_files(corpus)
    with tempfile.TemporaryDirectory() as scratch:
        for i in range(copies):
            shutil.copytree(corpus, pathlib.Path(scratch) / f"copy-{i}")
        many = corpus_files(pathlib.Path(scratch))
        ours_s, _ = best_of(runs, [gen, "check-template", "--format", "json", *many])
        theirs_s, _ = best_of(runs, checkov_command(checkov, many))
    _, ours_out = best_of(1, [gen, "check-template", "--format", "json", *files])
    _, theirs_out = best_of(1, checkov_command(checkov, files))

    ours = {(r["file"], r["resource_id"], r["rule"]): r["compliance"] for r in json.loads(ours_out)}
    reports = json.loads(theirs_out)
    reports = reports if isinstance(reports, list) else [reports]
    theirs = {}
    for report in reports:
        results = report.get("results", {})
        for check in results.get("passed_checks", []) + results.get("failed_checks", []):
            resource = check["resource"].split(".", 1)[1] if report["check_type"] == "cloudformation" else check["resource"]
            theirs[(str(pathlib.Path(check["file_abs_path"]).resolve()), resource, check["check_id"])] = check["check_result"]["result"]

    print(f"| tool | templates and plans | best of {runs} | per second |")
    print("|---|---|---|---|")
    print(f"| gen check-template | {len(many)} | {ours_s:.3f} s | {len(many) / ours_s:.0f} |")
    print(f"| Checkov 3.3 | {len(many)} | {theirs_s:.3f} s | {len(many) / theirs_s:.1f} |")
    print()
    print("| file | resource | rule | gen | Checkov |")
    print("|---|---|---|---|---|")
    agree = differ = silent = uncovered = 0
    for (file, resource, rule), compliance in sorted(ours.items()):
        check = CHECKOV_OF.get(rule)
        verdict = theirs.get((str(pathlib.Path(file).resolve()), resource, check)) if check else None
        if check is None:
            shown, uncovered = "—", uncovered + 1
        elif verdict is None:
            shown, silent = f"{check}: not run", silent + 1
        else:
            shown = f"{check}: {SHORT[verdict]}"
            same = SHORT[verdict] == SHORT[compliance]
            agree, differ = agree + same, differ + (not same)
        print(f"| {pathlib.Path(file).name} | {resource} | {rule} | {SHORT[compliance]} | {shown} |")
    print(json.dumps({"files": len(many), "gen_seconds": round(ours_s, 4), "checkov_seconds": round(theirs_s, 3),
                      "verdicts": len(ours), "same": agree, "different": differ, "checkov_silent": silent,
                      "no_checkov_check": uncovered}))


if __name__ == "__main__":
    main()
