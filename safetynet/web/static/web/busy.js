/* Busy indicators (no inline script: CSP). A form with data-busy shows its message and disables
   its submit buttons while the browser sends it (uploads, report builds); a link with data-busy
   (exports) shows the message until the download starts (a few seconds at most). */
(function () {
  "use strict";
  function show(anchor, message) {
    var note = document.createElement("span");
    note.className = "busy";
    note.setAttribute("role", "status");
    note.setAttribute("data-testid", "busy");
    note.textContent = message;
    anchor.insertAdjacentElement("afterend", note);
    return note;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-busy");
    if (!message || event.defaultPrevented) return;
    var buttons = form.querySelectorAll("button[type=submit], button:not([type])");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    show(buttons.length ? buttons[buttons.length - 1] : form.lastElementChild, message);
    form.setAttribute("aria-busy", "true");
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-busy]");
    if (!link || link.getAttribute("aria-busy") === "true") return;
    link.setAttribute("aria-busy", "true");
    var note = show(link, link.getAttribute("data-busy"));
    setTimeout(function () { note.remove(); link.removeAttribute("aria-busy"); }, 8000);
  });
})();
