// The findings filter: free text over every cell, and the verdict.
(function () {
  const filter = document.getElementById("filter");
  const verdict = document.getElementById("verdict");
  const shown = document.getElementById("shown");
  const rows = Array.from(document.querySelectorAll("tr.finding"));
  function apply() {
    const text = filter.value.trim().toLowerCase();
    let count = 0;
    for (const row of rows) {
      const visible = (!verdict.value || row.dataset.compliance === verdict.value)
        && (!text || row.textContent.toLowerCase().includes(text));
      row.hidden = !visible;
      if (visible) count += 1;
    }
    shown.textContent = String(count);
    shown.dataset.count = String(count);
  }
  filter.addEventListener("input", apply);
  verdict.addEventListener("change", apply);
})();
