#!/usr/bin/env python3
"""Measure ``gen scan --format html`` at scale: page size, time to first paint and filter
latency in headless Chromium (docs/benchmarks.md).

Usage: ``measure_html.py GEN [ROWS]``. Starts the emulator, seeds ``fleet-1000`` (a thousand
Neptune clusters with their snapshots and policies) in as many regions as it takes to reach
ROWS findings (10 000 by default), scans them with GEN as JSON and as HTML, opens the page
and prints one JSON line: rows, bytes, first contentful paint, DOMContentLoaded, and the
median time from a keystroke in the filter to the next painted frame, for a term that keeps
most rows and for one that keeps few.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
from browse_html import CHROMIUM_ARGS, chromium  # noqa: E402

REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2"]
KEYSTROKE = """async (term) => {
  const filter = document.getElementById("filter");
  const start = performance.now();
  filter.value = term;
  filter.dispatchEvent(new Event("input"));
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  return performance.now() - start;
}"""


def main() -> int:
    gen, wanted = Path(sys.argv[1]).resolve(), int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    emulator = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/emulator/launcher.py"), "--exit-on-stdin-eof"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    url = "http://127.0.0.1:" + emulator.stdout.readline().strip().split("=")[1]
    env = dict(os.environ, AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="true")
    seeded: list[str] = []
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "report.html"
        for region in REGIONS:
            subprocess.run([sys.executable, str(ROOT / "tests/emulator/seed.py"), "--endpoint-url", url,
                            "--region", region, "--world", "fleet-1000"], check=True, capture_output=True)
            seeded.append(region)
            scan = ["scan", "--region", seeded[0], "--regions", ",".join(seeded)]
            out = subprocess.run([gen, *scan, "--format", "json"], env=env, capture_output=True)
            rows = json.loads(out.stdout)
            if len(rows) >= wanted:
                break
        out = subprocess.run([gen, *scan, "--format", "html"], env=env, capture_output=True)
        page_file.write_bytes(out.stdout)
        emulator.stdin.close()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(page_file.as_uri())
            timing = page.evaluate("""() => ({
                paint: (performance.getEntriesByName("first-contentful-paint")[0] || {}).startTime,
                loaded: performance.timing.domContentLoadedEventEnd - performance.timing.navigationStart,
            })""")
            broad, narrow = "neptune", rows[len(rows) // 2]["resource_name"]
            latency = {}
            for term in (broad, narrow):
                runs = []
                for _ in range(5):
                    runs.append(page.evaluate(KEYSTROKE, term))
                    page.evaluate(KEYSTROKE, "")
                latency[term] = round(statistics.median(runs), 1)
            browser.close()
    print(json.dumps({
        "rows": len(rows), "regions": len(seeded), "bytes": len(out.stdout),
        "first_contentful_paint_ms": round(timing["paint"] or 0, 1), "dom_content_loaded_ms": timing["loaded"],
        "filter_ms": {"broad " + broad: latency[broad], "narrow " + narrow: latency[narrow]},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
