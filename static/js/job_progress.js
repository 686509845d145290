// Polls a job's status (an import's check or run, a report being built) and reloads the page when
// it has finished; the progress comes from the database, written by the worker.
(function () {
  var box = document.querySelector("[data-job-status-url]");
  if (!box) return;
  var bar = box.querySelector("[data-job-bar]");
  var waiting = box.querySelector("[data-job-waiting]");
  var url = box.getAttribute("data-job-status-url");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.style.width = data.progress + "%";
        bar.textContent = data.progress + "%";
        bar.parentNode.setAttribute("aria-valuenow", data.progress);
        if (waiting) { waiting.hidden = !data.waiting; }
        if (data.running) { setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 700);
})();
