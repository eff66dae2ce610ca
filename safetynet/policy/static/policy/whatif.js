// What-if results: cost by program (before/after), households gaining/losing/changing, the
// change by district split by level, and the distribution of the change. Data from the page's
// json_script block (strict CSP: no inline script); ECharts is vendored (static/vendor/echarts).
(function () {
  "use strict";
  function bar(id, categories, series, stacked, horizontal, counts) {
    var el = document.getElementById(id);
    if (!el || !categories.length) { if (el) el.hidden = true; return; }
    var n = categories.length;
    el.style.height = (horizontal ? Math.max(220, 30 * n * series.length / 2 + 90) : 300) + "px";
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var cat = { type: "category", data: categories, inverse: !!horizontal };
    var val = counts ? { type: "value", minInterval: 1 } : { type: "value" };
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: series.map(function (s) { return s.name; }) },
      grid: { left: 8, right: 24, bottom: 8, containLabel: true },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? cat : val,
      series: series.map(function (s) {
        return { name: s.name, type: "bar", stack: stacked ? "all" : undefined, data: s.data.map(Number) };
      })
    });
    el.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function draw() {
    var src = document.getElementById("whatif-data");
    var names = document.getElementById("whatif-names");
    if (!src || !names || !window.echarts) { return; }
    var d = JSON.parse(src.textContent);
    var t = names.dataset;
    bar("whatif-cost-chart", d.programs, [
      { name: t.before, data: d.base }, { name: t.after, data: d.new }
    ], false, true);
    bar("whatif-people-chart", d.programs, [
      { name: t.gain, data: d.gain }, { name: t.lose, data: d.lose },
      { name: t.up, data: d.up }, { name: t.down, data: d.down }
    ], false, true, true);
    bar("whatif-district-chart", d.districts, [
      { name: t.city, data: d.district_city }, { name: t.district, data: d.district_district },
      { name: t.street, data: d.district_street }
    ], true, false);
    bar("whatif-hist-chart", d.buckets, [{ name: t.households, data: d.counts }], false, false, true);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
