#!/usr/bin/env python3
"""Load gen's HTML report in headless Chromium and check it against the same scan's JSON.

Usage: ``browse_html.py REPORT.html ROWS.json SCREENSHOT.png``. Opens the file in Debian's
``chromium`` through Playwright, then checks that:

- the page makes no request beyond its own file (it must be readable offline);
- the summary cards and the per-rule, per-account and per-region chart bars show the counts
  the JSON rows give;
- the findings hold one row per JSON row, in one group per rule whose counts are the JSON's,
  the rules with most failures first and open (closed when none fail);
- each finding code an annotation names links to an entry on the page with the code's title
  (the JSON row's ``codes``);
- ARNs are hidden until the details switch is on;
- a click on a column heading sorts that group's rows, a second click reverses them;
- the verdict filter and the text filter show exactly the rows they should, groups without
  a row to show hide, and the "shown" counter agrees;
- the script raised no error.

Saves a full-page screenshot (with NON_COMPLIANT selected) and prints the problems, one per
line; exits 1 when there are any.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections import Counter
from pathlib import Path

from playwright.sync_api import sync_playwright

# As the machine's own probe starts Chromium: headless, no sandbox as root, and none of the
# background connections a closed network refuses.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VERDICTS = ["NON_COMPLIANT", "COMPLIANT", "NOT_APPLICABLE"]


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        print("chromium is not installed: run scripts/setup (apt-get install chromium)")
        sys.exit(1)
    return path


def check_groups(page, rows: list[dict]) -> list[str]:
    want: dict[str, list[int]] = {}
    for r in rows:
        want.setdefault(r["rule"], [0, 0, 0])[VERDICTS.index(r["compliance"])] += 1
    groups = page.eval_on_selector_all(
        "details.rule-group",
        "gs => gs.map(g => [g.dataset.rule, g.dataset.counts, g.open, g.querySelectorAll('tr.finding').length])",
    )
    problems = []
    got = {rule: [int(n) for n in counts.split(",")] for rule, counts, _, _ in groups}
    if got != want:
        problems.append(f"groups: {got}, the JSON gives {want}")
    failing = [want[rule][0] for rule, *_ in groups]
    if failing != sorted(failing, reverse=True):
        problems.append(f"groups are not ordered by failures: {failing}")
    for rule, counts, is_open, shown_rows in groups:
        if is_open != (int(counts.split(",")[0]) > 0):
            problems.append(f"group {rule}: open={is_open} with counts {counts}")
        if shown_rows != sum(want.get(rule, [])):
            problems.append(f"group {rule}: {shown_rows} rows")
    return problems


def check_codes(page, rows: list[dict]) -> list[str]:
    problems = []
    named = {c["code"]: c["title"] for r in rows for c in r["codes"]}
    links = page.eval_on_selector_all("a.code", "as => as.map(a => [a.textContent, a.getAttribute('href')])")
    if {code for code, _ in links} != set(named):
        problems.append(f"code links {sorted({c for c, _ in links})}, the JSON names {sorted(named)}")
    for code, href in links:
        entry = page.locator(f"dt{href}")
        if entry.count() != 1 or named.get(code, "?") not in entry.inner_text():
            problems.append(f"code {code}: link {href} does not reach an entry with its title")
    return problems


def check_details_and_sorting(page) -> list[str]:
    problems = []
    detail = page.locator("tr.finding .details").first
    if detail.is_visible():
        problems.append("ARNs show before the details switch is on")
    page.check("#details")
    if not detail.is_visible():
        problems.append("the details switch does not show ARNs")
    page.uncheck("#details")
    page.click("#expand")
    group = page.locator("details.rule-group").first
    heading = group.locator("th", has_text="resource")
    names = lambda: group.locator("tr.finding td:nth-child(2) strong").all_inner_texts()  # noqa: E731
    # In order as the page's own collation (localeCompare, numeric) has it.
    in_order = (
        "([names, sign]) => names.every((n, i) => i === 0 || "
        "sign * names[i - 1].toLowerCase().localeCompare(n.toLowerCase(), undefined, {numeric: true}) <= 0)"
    )
    heading.click()
    ascending = names()
    heading.click()
    descending = names()
    if not (page.evaluate(in_order, [ascending, 1]) and page.evaluate(in_order, [descending, -1])):
        problems.append(f"sorting by resource: {ascending[:5]}… then {descending[:5]}…")
    if len(set(ascending)) > 1 and ascending == descending:
        problems.append("a second click does not reverse the order")
    return problems


def main() -> int:
    report, rows_file, screenshot = (Path(a) for a in sys.argv[1:4])
    rows = json.loads(rows_file.read_text())
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith("file://") else None)
        page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
        page.goto(report.resolve().as_uri())

        def card(name: str) -> int:
            return int(page.get_attribute(f"#count-{name}", "data-count"))

        expected_cards = {
            "total": len(rows),
            "non-compliant": sum(r["compliance"] == "NON_COMPLIANT" for r in rows),
            "compliant": sum(r["compliance"] == "COMPLIANT" for r in rows),
            "not-applicable": sum(r["compliance"] == "NOT_APPLICABLE" for r in rows),
            "not-evaluated": sum(not r["evaluated"] for r in rows),
        }
        for name, want in expected_cards.items():
            if card(name) != want or page.inner_text(f"#count-{name} b") != str(want):
                problems.append(f"card {name}: shows {page.inner_text(f'#count-{name} b')}, the JSON gives {want}")

        for chart, key in [("rule", "rule"), ("account", "account"), ("region", "region")]:
            want = {}
            for r in rows:
                counts = want.setdefault(r[key], [0, 0, 0])
                counts[VERDICTS.index(r["compliance"])] += 1
            bars = page.eval_on_selector_all(
                f'[data-chart="{chart}"] g.bar',
                "gs => gs.map(g => [g.dataset.label, g.dataset.counts])",
            )
            got = {label: [int(n) for n in counts.split(",")] for label, counts in bars}
            if got != want:
                problems.append(f"chart by {chart}: {got}, the JSON gives {want}")

        table_rows = page.locator("tr.finding")
        if table_rows.count() != len(rows):
            problems.append(f"table: {table_rows.count()} rows, the JSON has {len(rows)}")
        problems += check_groups(page, rows)
        problems += check_codes(page, rows)
        problems += check_details_and_sorting(page)

        def visible() -> int:
            return page.locator("tr.finding:not([hidden])").count()

        def shown() -> int:
            return int(page.inner_text("#shown"))

        page.select_option("#verdict", "NON_COMPLIANT")
        if visible() != expected_cards["non-compliant"] or shown() != visible():
            problems.append(f"verdict filter: {visible()} rows visible, {shown()} shown, want {expected_cards['non-compliant']}")
        page.screenshot(path=str(screenshot), full_page=True)

        page.select_option("#verdict", "")
        name = Counter(r["resource_name"] for r in rows).most_common()[-1][0]
        page.fill("#filter", name)
        want = sum(name.lower() in json.dumps(r).lower() for r in rows)
        if not 1 <= visible() <= want or shown() != visible():
            problems.append(f"text filter {name!r}: {visible()} rows visible, {shown()} shown, want 1..{want}")
        empty = page.eval_on_selector_all(
            "details.rule-group",
            "gs => gs.filter(g => !g.hidden && !g.querySelector('tr.finding:not([hidden])')).length",
        )
        if empty:
            problems.append(f"text filter {name!r}: {empty} group(s) shown without a row")
        page.fill("#filter", "")
        if visible() != len(rows):
            problems.append(f"clearing the filter shows {visible()} of {len(rows)} rows")
        browser.close()
    problems += [f"request outside the file: {url}" for url in outside]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
