/* The operator's live list of open emergencies (eldercare/emergency/_panel.html): poll the JSON
   feed every few seconds and redraw the rows without a reload; overdue rows get the `overdue`
   class (they flash, emergency.css). Text only (no innerHTML from data); no inline script (CSP). */
(function () {
  "use strict";
  var PERIOD_MS = 3000;
  function cell(row, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text === null || text === undefined ? "" : String(text);
    row.appendChild(td);
    return td;
  }
  function start(panel) {
    var url = panel.getAttribute("data-feed-url");
    var body = panel.querySelector("[data-emergency-rows]");
    var open = panel.querySelector("[data-emergency-open]");
    var overdue = panel.querySelector("[data-emergency-overdue]");
    var overdueWrap = panel.querySelector("[data-emergency-overdue-wrap]");
    var now = panel.querySelector("[data-emergency-now]");
    var error = panel.querySelector("[data-emergency-error]");
    var emptyText = panel.querySelector("[data-emergency-empty]").innerHTML;
    var overdueText = panel.querySelector("[data-emergency-overdue-label]").innerHTML;
    function draw(feed) {
      var rows = document.createDocumentFragment();
      feed.items.forEach(function (e) {
        var tr = document.createElement("tr");
        tr.setAttribute("data-emergency-id", e.id);
        tr.setAttribute("data-status", e.status);
        if (e.overdue) { tr.className = "overdue"; tr.setAttribute("data-overdue", "1"); }
        var first = cell(tr, "");
        var a = document.createElement("a");
        a.href = e.url;
        a.textContent = e.number;
        first.appendChild(a);
        cell(tr, e.person + "（" + e.age + "）");
        cell(tr, e.address || e.division);
        cell(tr, e.source + (e.signals > 1 ? " ×" + e.signals : ""));
        cell(tr, e.opened_at);
        cell(tr, e.due_at + (e.overdue ? " " + overdueText : ""));
        cell(tr, e.minutes, "num");
        cell(tr, e.status_label);
        cell(tr, e.responder || "—");
        rows.appendChild(tr);
      });
      if (!feed.items.length) {
        var tr = document.createElement("tr");
        tr.className = "empty";
        var td = cell(tr, emptyText);
        td.colSpan = 9;
        rows.appendChild(tr);
      }
      body.replaceChildren(rows);
      open.textContent = feed.open;
      overdue.textContent = feed.overdue;
      overdueWrap.hidden = !feed.overdue;
      now.textContent = feed.now;
      panel.setAttribute("data-loaded", "1");
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (feed) { error.hidden = true; draw(feed); })
        .catch(function () { error.hidden = false; })
        .then(function () { setTimeout(poll, PERIOD_MS); });
    }
    poll();
  }
  function init() {
    var panel = document.querySelector("[data-testid=emergency-panel]");
    if (panel) start(panel);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
