// The trial calculation's members (issue 10, ADR 1034): "Add a member" clones the formset's
// empty form (a <template>) with the next index; "Remove" ticks the row's DELETE box and hides
// the row. Without this script the page offers one blank row and the DELETE boxes.
(function () {
  "use strict";
  function setup() {
    var button = document.querySelector("[data-add-member]");
    var template = document.getElementById("trial-member-template");
    var total = document.querySelector("input[name='m-TOTAL_FORMS']");
    var body = document.querySelector("[data-testid='trial-members'] tbody");
    if (!button || !template || !total || !body) return;
    var max = parseInt((document.querySelector("input[name='m-MAX_NUM_FORMS']") || {}).value || "20", 10);
    button.hidden = false;
    button.addEventListener("click", function () {
      var n = parseInt(total.value, 10);
      if (n >= max) return;
      var html = template.innerHTML.replace(/__prefix__/g, String(n));
      body.insertAdjacentHTML("beforeend", html);
      total.value = String(n + 1);
      var row = body.lastElementChild;
      var first = row && row.querySelector("input[type='text'], input:not([type])");
      if (first) first.focus();
    });
    body.addEventListener("change", function (event) {
      var box = event.target;
      if (box && box.name && /-DELETE$/.test(box.name) && box.checked) {
        var row = box.closest("tr");
        if (row) row.hidden = true;
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
