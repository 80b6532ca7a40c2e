#!/usr/bin/env python3
"""Throughput of parliament (PyPI) on the labelled policy corpus, the figure `gen lint-policy`'s
analyzer is compared with: documents analyzed per second on one core for a fixed time.

Usage: ``parliament_throughput.py CORPUS_DIR [SECONDS]``. Prints one JSON line.
URL-encoded corpus files are decoded first (parliament takes plain JSON); a document
parliament cannot parse still counts as analyzed, as it does for the Rust analyzer.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.parse

import parliament


def main() -> None:
    corpus, seconds = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    documents = []
    for name in sorted(os.listdir(corpus)):
        with open(os.path.join(corpus, name), encoding="utf-8") as handle:
            text = handle.read()
        if text.lstrip().startswith("%7B"):
            text = urllib.parse.unquote(text)
        documents.append(text)
    analyzed = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in documents:
            try:
                parliament.analyze_policy_string(text)
            except Exception:
                pass
        analyzed += len(documents)
    elapsed = time.perf_counter() - start
    print(json.dumps({
        "bench": "analyzer_throughput",
        "tool": f"parliament {parliament.__version__}",
        "documents": analyzed,
        "seconds": round(elapsed, 3),
        "documents_per_second": round(analyzed / elapsed),
        "corpus_files": len(documents),
    }))


if __name__ == "__main__":
    main()
