// Home page charts (ADR 1000). The data comes from the page's json_script block (strict CSP:
// no inline script); ECharts is vendored (static/vendor/echarts). Every chart has a table or a
// count beside it, so the page says the same without JavaScript.
(function () {
  "use strict";
  var fmt = new Intl.NumberFormat("zh-CN");
  function num(v) { return fmt.format(v); }
  function tooltipAxis() {
    return { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: num };
  }
  // counts of persons: whole ticks only
  function valueAxis() { return { type: "value", minInterval: 1, axisLabel: { formatter: num } }; }
  var charts = [];
  // `rows`: the chart's height follows its number of bars, set before ECharts measures the box
  function init(id, rows, perRow, min) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    if (rows) { el.style.height = Math.max(min, perRow * rows + 90) + "px"; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    charts.push(chart);
    return { el: el, chart: chart };
  }
  function ready(c) { c.el.setAttribute("data-ready", "1"); }
  function go(url) { window.location.assign(url); }

  function categories(d) {
    var c = init("chart-categories");
    if (!c || !d.labels.length) { if (c) { c.el.hidden = true; } return; }
    c.chart.setOption({
      animation: false,
      tooltip: tooltipAxis(),
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: valueAxis(),
      yAxis: { type: "category", data: d.labels, inverse: true },
      series: [{ type: "bar", data: d.values, label: { show: true, position: "right", formatter: function (p) { return num(p.value); } } }]
    });
    c.chart.on("click", function (p) {
      var q = "?category=" + encodeURIComponent(d.codes[p.dataIndex]);
      if (d.division) { q += "&division=" + encodeURIComponent(d.division); }
      go(d.url + q);
    });
    ready(c);
  }

  function divisions(d) {
    var c = init("chart-divisions", d.labels.length, 30, 240);
    if (!c || !d.labels.length) { if (c) { c.el.hidden = true; } return; }
    c.chart.setOption({
      animation: false,
      tooltip: tooltipAxis(),
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: valueAxis(),
      yAxis: { type: "category", data: d.labels, inverse: true, triggerEvent: true },
      series: d.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "all", data: s.data };
      })
    });
    c.chart.on("click", function (p) {
      var i = p.componentType === "yAxis" ? d.labels.indexOf(p.value) : p.dataIndex;
      if (i < 0) { return; }
      var code = encodeURIComponent(d.codes[i]);
      go(d.leaf ? d.list_url + "?division=" + code : d.drill_url + "?at=" + code);
    });
    ready(c);
  }

  function trend(d) {
    var c = init("chart-trend");
    if (!c || !d.months.length) { if (c) { c.el.hidden = true; } return; }
    c.chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: num },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: d.months },
      yAxis: valueAxis(),
      series: d.series.map(function (s) {
        return { name: s.name, type: "line", showSymbol: false, data: s.data };
      })
    });
    ready(c);
  }

  function coverage(d) {
    var c = init("chart-coverage", d ? d.labels.length : 0, 30, 200);
    if (!c || !d || !d.labels.length) { if (c) { c.el.hidden = true; } return; }
    c.chart.setOption({
      animation: false,
      tooltip: tooltipAxis(),
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: valueAxis(),
      yAxis: { type: "category", data: d.labels, inverse: true },
      series: [
        { name: d.verified_name, type: "bar", stack: "all", data: d.verified, itemStyle: { color: "#2f855a" } },
        { name: d.missing_name, type: "bar", stack: "all", data: d.missing, itemStyle: { color: "#c05621" } }
      ]
    });
    ready(c);
  }

  function spending(d) {
    var c = init("chart-spending", d ? d.labels.length : 0, 40, 200);
    if (!c || !d || !d.labels.length) { if (c) { c.el.hidden = true; } return; }
    c.chart.setOption({
      animation: false,
      tooltip: tooltipAxis(),
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: num } },
      yAxis: { type: "category", data: d.labels, inverse: true },
      series: [
        { name: d.budget_name, type: "bar", data: d.budget.map(Number) },
        { name: d.spent_name, type: "bar", data: d.spent.map(Number) }
      ]
    });
    ready(c);
  }

  function draw() {
    var src = document.getElementById("home-charts-data");
    if (!src || !window.echarts) { return; }
    var data = JSON.parse(src.textContent);
    categories(data.categories);
    divisions(data.divisions);
    trend(data.trend);
    coverage(data.coverage);
    spending(data.spending);
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
