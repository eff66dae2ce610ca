// Elderly-care statistics charts: the data comes from the page's json_script block (strict CSP:
// no inline script); ECharts is vendored.
(function () {
  "use strict";
  function bar(el, labels, values, name) {
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: name, type: "bar", data: values }]
    });
    el.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function draw() {
    var src = document.getElementById("eldercare-stats-data");
    if (!src || !window.echarts) { return; }
    var d = JSON.parse(src.textContent);
    var pairs = [["item-chart", d.items, d.item_counts], ["street-chart", d.streets, d.street_counts],
                 ["rating-chart", d.ratings, d.rating_counts]];
    pairs.forEach(function (p) {
      var el = document.getElementById(p[0]);
      if (el) { bar(el, p[1], p[2], d.orders_name); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
