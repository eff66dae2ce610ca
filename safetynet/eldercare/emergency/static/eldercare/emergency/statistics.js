/* Emergency statistics: mean response time by street and by month (bars) with the count (line)
   and the limit (a marked line). Data from the page's json_script block; ECharts is vendored. */
(function () {
  "use strict";
  function chart(el, labels, mean, count, d) {
    var c = window.echarts.init(el, null, { renderer: "svg" });
    c.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: [d.mean_name, d.count_name] },
      grid: { left: 8, right: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: labels },
      yAxis: [{ type: "value", name: d.mean_name }, { type: "value", name: d.count_name, minInterval: 1 }],
      series: [
        { name: d.mean_name, type: "bar", data: mean,
          markLine: { symbol: "none", data: [{ yAxis: d.limit, name: d.limit_name }] } },
        { name: d.count_name, type: "line", yAxisIndex: 1, data: count }
      ]
    });
    el.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { c.resize(); });
  }
  function draw() {
    var src = document.getElementById("emergency-stats");
    if (!src || !window.echarts) return;
    var d = JSON.parse(src.textContent);
    var streets = document.getElementById("street-chart");
    var months = document.getElementById("month-chart");
    if (streets) chart(streets, d.streets, d.street_mean, d.street_count, d);
    if (months) chart(months, d.months, d.month_mean, d.month_count, d);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
