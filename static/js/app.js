// Small behaviours of every page, kept out of the HTML so the Content-Security-Policy allows no inline script.
(function () {
  // <select data-autosubmit>: submit its form on change (the year picker on a unit's page).
  document.querySelectorAll("[data-autosubmit]").forEach(function (field) {
    field.addEventListener("change", function () { field.form.submit(); });
  });
})();
