/* A what-if run's page while it runs: poll its progress (JSON), move the bar, reload when it is
   done or failed (the results are rendered by the server). No inline script (CSP). */
(function () {
  "use strict";
  function start(card) {
    var url = card.getAttribute("data-progress-url");
    var status = document.querySelector("[data-testid=whatif-status]");
    var bar = card.querySelector("[data-progress-bar]");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) return;
          if (status && p.status_label) status.textContent = p.status_label;
          if (bar && p.total) { bar.max = p.total; bar.value = p.done; bar.textContent = p.percent + "%"; }
          if (p.polling) setTimeout(poll, 1500);
          else window.location.reload();
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    poll();
  }
  function init() {
    var card = document.querySelector("[data-whatif-status][data-progress-url]");
    if (card && card.getAttribute("data-whatif-status") !== "failed") start(card);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
