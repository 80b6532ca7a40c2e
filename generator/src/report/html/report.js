// The findings: free-text and verdict filters over every rule's group (a group with nothing
// to show hides), sortable columns, the details switch and expand/collapse all.
(function () {
  const filter = document.getElementById("filter");
  const verdict = document.getElementById("verdict");
  const shown = document.getElementById("shown");
  const groups = Array.from(document.querySelectorAll("details.rule-group"));
  // Each row's text, lower-cased once: a keystroke then costs one substring test per row.
  const rows = Array.from(document.querySelectorAll("tr.finding")).map(function (row) {
    return { row: row, text: row.textContent.toLowerCase(), group: row.closest("details") };
  });
  function apply() {
    const text = filter.value.trim().toLowerCase();
    const open = new Set();
    let count = 0;
    for (const item of rows) {
      const visible = (!verdict.value || item.row.dataset.compliance === verdict.value)
        && (!text || item.text.includes(text));
      item.row.hidden = !visible;
      if (visible) {
        count += 1;
        open.add(item.group);
      }
    }
    const narrowed = Boolean(text || verdict.value);
    for (const group of groups) {
      group.hidden = !open.has(group);
      if (narrowed && open.has(group)) group.open = true;
    }
    shown.textContent = String(count);
    shown.dataset.count = String(count);
  }
  filter.addEventListener("input", apply);
  verdict.addEventListener("change", apply);

  // A click on a column heading sorts that group's rows by it; a second click reverses.
  for (const heading of document.querySelectorAll("table.findings th")) {
    heading.classList.add("sortable");
    heading.addEventListener("click", function () {
      const table = heading.closest("table");
      const column = heading.cellIndex;
      const descending = heading.dataset.order === "asc";
      for (const other of table.querySelectorAll("th")) delete other.dataset.order;
      heading.dataset.order = descending ? "desc" : "asc";
      const body = table.tBodies[0];
      // The verdict column sorts worst first; the resource column by name (its ARN and
      // type sit in the same cell, behind the details switch).
      const key = function (row) {
        if (heading.dataset.key === "rank") return row.dataset.rank;
        const cell = row.cells[column];
        return (cell.querySelector("strong") || cell).textContent.trim().toLowerCase();
      };
      const sorted = Array.from(body.rows).sort(function (a, b) {
        const order = key(a).localeCompare(key(b), undefined, { numeric: true });
        return descending ? -order : order;
      });
      body.append.apply(body, sorted);
    });
  }

  document.getElementById("details").addEventListener("change", function (event) {
    document.body.classList.toggle("show-details", event.target.checked);
  });
  document.getElementById("expand").addEventListener("click", function () {
    for (const group of groups) group.open = true;
  });
  document.getElementById("collapse").addEventListener("click", function () {
    for (const group of groups) group.open = false;
  });
})();
