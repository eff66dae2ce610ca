// Budget execution chart: the data comes from the page's json_script block (strict CSP: no
// inline script); ECharts is vendored (static/vendor/echarts).
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("execution-chart");
    var src = document.getElementById("execution-data");
    if (!el || !src || !window.echarts) { return; }
    var data = JSON.parse(src.textContent);
    if (!data.labels.length) { el.hidden = true; return; }
    el.style.height = Math.max(240, 28 * data.labels.length + 80) + "px";
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: [data.budget_name, data.spent_name] },
      grid: { left: 8, right: 24, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: data.labels, inverse: true },
      series: [
        { name: data.budget_name, type: "bar", data: data.budget.map(Number) },
        { name: data.spent_name, type: "bar", data: data.spent.map(Number) }
      ]
    });
    el.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
