/* The division picker (web/partials/division_picker.html): choosing a district lists its streets,
   a street its communities, at once, from the division-children JSON view. Without this script
   the form works as cascaded selects sent with the Filter button. No inline script (CSP). */
(function () {
  "use strict";
  function clear(select, allLabel) {
    while (select.options.length) select.remove(0);
    select.add(new Option(allLabel, ""));
  }
  function wire(picker) {
    var url = picker.getAttribute("data-children-url");
    var selects = Array.prototype.slice.call(picker.querySelectorAll("select[data-level]"));
    selects.forEach(function (select, i) {
      select.addEventListener("change", function () {
        var allLabel = select.options.length ? select.options[0].text : "";
        for (var j = i + 1; j < selects.length; j++) {
          clear(selects[j], allLabel);
          selects[j].disabled = true;
        }
        var next = selects[i + 1];
        if (!next || !select.value) return;
        picker.setAttribute("aria-busy", "true");
        fetch(url + "?parent=" + encodeURIComponent(select.value), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (r) { return r.ok ? r.json() : { children: [] }; })
          .then(function (data) {
            data.children.forEach(function (d) { next.add(new Option(d.name, d.code)); });
            next.disabled = data.children.length === 0;
          })
          .finally(function () { picker.removeAttribute("aria-busy"); });
      });
    });
  }
  function init(root) {
    Array.prototype.forEach.call(
      (root || document).querySelectorAll(".division-picker[data-children-url]"), wire);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
})();
