// An event's dashboard charts: the data comes from the page's json_script block (strict CSP: no
// inline script); ECharts is vendored.
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
    var src = document.getElementById("dashboard-data");
    if (!src || !window.echarts) { return; }
    var d = JSON.parse(src.textContent);
    var damage = document.getElementById("damage-chart");
    var stages = document.getElementById("stage-chart");
    if (damage) { bar(damage, d.damage_labels, d.damage, d.households_name); }
    if (stages) { bar(stages, d.stage_labels, d.stages, d.grants_name); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
