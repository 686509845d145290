// Small behaviours of every page, kept out of the HTML so the Content-Security-Policy allows no inline script.
(function () {
  // <select data-autosubmit>: submit its form on change (the year picker on a unit's page).
  document.querySelectorAll("[data-autosubmit]").forEach(function (field) {
    field.addEventListener("change", function () { field.form.submit(); });
  });
})();

// The running total of the targets handed down (units/child_targets.html); the server still checks
// and warns after saving.
(function () {
  const sum = document.getElementById("targets-sum");
  if (!sum) return;
  const own = parseInt(sum.dataset.own, 10);
  // Only the targets: each box travels with a hidden version field, also named "unit_…".
  const inputs = Array.from(document.querySelectorAll("input[data-child-target]"));
  function update() {
    const total = inputs.reduce((n, input) => n + (parseInt(input.value, 10) || 0), 0);
    sum.hidden = false;
    sum.querySelector("strong").textContent = total.toLocaleString("vi-VN");
    sum.querySelector("span").textContent = !isNaN(own) && total < own ? "(" + sum.dataset.short + ")" : "";
  }
  inputs.forEach((input) => input.addEventListener("input", update));
  update();
})();

// <select data-searchable>: a search box above a long list of cells (grouped by their parent unit)
// that keeps the options whose name or code match, diacritics and case aside ("thon 1" finds
// "Chi bộ thôn 1"); a group whose own name matches keeps all its options.
(function () {
  function fold(text) {
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }
  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    if (select.options.length < 10) return;
    const box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.placeholder = select.dataset.searchPlaceholder || "";
    box.setAttribute("aria-label", box.placeholder);
    box.dataset.searchFor = select.id;
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      const needle = fold(box.value);
      select.querySelectorAll("optgroup").forEach(function (group) {
        const groupMatches = needle && fold(group.label).includes(needle);
        let shown = 0;
        group.querySelectorAll("option").forEach(function (option) {
          const match = !needle || groupMatches || fold(option.textContent).includes(needle);
          option.hidden = !match;
          if (match) shown += 1;
        });
        group.hidden = shown === 0;
      });
      select.querySelectorAll(":scope > option").forEach(function (option) {
        if (!option.value) return;
        const match = !needle || fold(option.textContent).includes(needle);
        option.hidden = !match;
      });
      // One match left: choose it, so typing a code is enough.
      const visible = Array.from(select.options).filter(function (o) { return o.value && !o.hidden; });
      if (visible.length === 1) select.value = visible[0].value;
    });
  });
})();

// <form data-confirm="…">: ask before an action that freezes or reopens figures (closing a quarter).
(function () {
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
