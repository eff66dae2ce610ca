// The plan's charts: data from the page's json_script block (strict CSP: no inline script);
// ECharts is vendored. Shares are in per cent; a month without a figure is a gap.
(function () {
  "use strict";
  function chartOn(el, option) {
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    el.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function base(categories, unit) {
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: categories },
      yAxis: { type: "value", axisLabel: { formatter: "{value}" + (unit || "") } }
    };
  }
  function draw() {
    var src = document.getElementById("plan-data");
    if (!src || !window.echarts) { return; }
    var d = JSON.parse(src.textContent);
    var trend = document.getElementById("trend-chart");
    if (trend && d.trend) {
      var o = base(d.months, d.percent);
      o.series = d.trend.map(function (s) {
        return { name: s.name, type: "line", connectNulls: false, data: s.data };
      });
      chartOn(trend, o);
    }
    var kids = document.getElementById("children-chart");
    if (kids && d.by_child) {
      var b = base(d.children, d.percent);
      b.series = d.by_child.map(function (s) { return { name: s.name, type: "bar", data: s.data }; });
      chartOn(kids, b);
    }
    var one = document.getElementById("indicator-chart");
    if (one && d.values) {
      var c = base(d.months, "");
      c.series = [{
        name: d.name, type: "line", data: d.values,
        markLine: { symbol: "none", data: [{ yAxis: d.target, name: d.target_name }] }
      }];
      chartOn(one, c);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
