// The home page's charts, drawn with the vendored Chart.js from the figures the page
// carries (each canvas's data-figures); every figure is also in the table beside its chart, so the page
// reads the same without JavaScript, in print and to a screen reader.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  // Okabe–Ito and Tableau colours: distinguishable with colour-blindness, contrast on white.
  var COLOURS = ["#0b5cad", "#c75300", "#1f7a3a", "#8e2c8e", "#b42318", "#00708a", "#6b5b00", "#4d4d4d",
                 "#d1006f", "#3f51b5"];
  function colour(i) { return COLOURS[i % COLOURS.length]; }
  window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  window.Chart.defaults.color = "#1d2733";
  window.Chart.defaults.animation = false;

  function draw(canvas) {
    var kind = canvas.getAttribute("data-kind");
    var figures = JSON.parse(canvas.getAttribute("data-figures") || "null");
    if (!figures) { return; }
    var horizontal = kind === "hbar";
    var datasets = figures.datasets.map(function (set, i) {
      var c = colour(i);
      return {
        label: set.label, data: set.data, borderColor: c, backgroundColor: kind === "line" ? c : c + (i ? "" : "cc"),
        borderWidth: kind === "line" ? 2 : 0, pointRadius: kind === "line" ? 2 : 0, spanGaps: false,
        borderDash: kind === "line" && i >= COLOURS.length ? [6, 3] : []
      };
    });
    if (figures.stacked) { datasets[1].backgroundColor = "#d8dee6"; }
    var valueAxis = {
      beginAtZero: true, stacked: !!figures.stacked,
      max: figures.unit === "%" ? 100 : undefined,
      ticks: { callback: function (v) { return figures.unit === "%" ? v + "%" : v.toLocaleString(); } }
    };
    new window.Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: { labels: figures.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, indexAxis: horizontal ? "y" : "x",
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: { callbacks: { label: function (ctx) {
            var v = horizontal ? ctx.parsed.x : ctx.parsed.y;
            return ctx.dataset.label + ": " + (v === null ? "—" : v.toLocaleString() + (figures.unit === "%" ? "%" : " " + figures.unit));
          } } }
        },
        scales: horizontal ? { x: valueAxis, y: { stacked: !!figures.stacked } } : { y: valueAxis, x: { stacked: !!figures.stacked } }
      }
    });
    canvas.setAttribute("data-drawn", "1");
  }
  Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
})();
