// Polls the import's status and reloads the page when the check or the import has finished.
(function () {
  var box = document.getElementById("import-progress");
  if (!box) return;
  var bar = document.getElementById("import-progress-bar");
  var url = box.getAttribute("data-status-url");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.style.width = data.progress + "%";
        bar.textContent = data.progress + "%";
        if (data.running) { setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 700);
})();
