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
  const inputs = Array.from(document.querySelectorAll('input[name^="unit_"]'));
  function update() {
    const total = inputs.reduce((n, input) => n + (parseInt(input.value, 10) || 0), 0);
    sum.hidden = false;
    sum.querySelector("strong").textContent = total.toLocaleString("vi-VN");
    sum.querySelector("span").textContent = !isNaN(own) && total < own ? "(" + sum.dataset.short + ")" : "";
  }
  inputs.forEach((input) => input.addEventListener("input", update));
  update();
})();
