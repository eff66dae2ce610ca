/* The verification request page: while sources answer, poll the request's progress (JSON) and
   move the status and the progress bar without a reload. The sources table refreshes itself
   (htmx). No inline script (CSP). */
(function () {
  "use strict";
  function start(card) {
    var url = card.getAttribute("data-progress-url");
    var status = document.querySelector("[data-testid=request-status]");
    function apply(p) {
      if (status && p.status_label) status.textContent = p.status_label;
      var bar = document.querySelector("[data-progress-bar]");
      if (bar) { bar.max = p.total; bar.value = p.done; bar.textContent = p.percent + "%"; }
      var text = document.querySelector("[data-progress-text]");
      if (text && text.getAttribute("data-template")) {
        text.textContent = text.getAttribute("data-template")
          .replace("{done}", p.done).replace("{total}", p.total);
      }
      card.setAttribute("data-request-status", p.status);
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) return;
          apply(p);
          if (p.polling) setTimeout(poll, 1500);
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    poll();
  }
  function init() {
    var card = document.querySelector("[data-progress-url]");
    if (card) start(card);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
