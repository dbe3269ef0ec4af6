/* Chengyi Tracker: draws the charts of a page from its JSON data blocks.
 *
 * <canvas data-chart="ID"> reads <script type="application/json" id="ID"> (Django's
 * json_script), which holds {type, labels, datasets: [{label, data, colors}], urls,
 * horizontal, max, legend}. Clicking a bar or a slice opens the item list it counts.
 * Every chart has a table next to it with the same figures, so nothing depends on this.
 */
(function () {
  "use strict";
  if (!window.Chart) {
    return;
  }
  var Chart = window.Chart;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;

  function urlFor(spec, element) {
    var series = spec.urls && spec.urls[element.datasetIndex];
    return series ? series[element.index] : null;
  }

  function options(spec) {
    var result = {
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: spec.horizontal ? "y" : "x",
      plugins: {
        legend: { display: spec.legend !== false, position: "bottom" }
      },
      onClick: function (event, elements, chart) {
        if (elements.length) {
          var url = urlFor(spec, elements[0]);
          if (url) {
            window.location.assign(url);
          }
        }
      },
      onHover: function (event, elements) {
        event.native.target.classList.toggle("chart-clickable", elements.length > 0);
      }
    };
    if (spec.type === "bar") {
      var valueAxis = { beginAtZero: true, ticks: { precision: 0 } };
      if (spec.max) {
        valueAxis.max = spec.max;
      }
      result.scales = spec.horizontal ? { x: valueAxis } : { y: valueAxis };
    }
    return result;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var chart = new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (dataset) {
          return {
            label: dataset.label,
            data: dataset.data,
            backgroundColor: dataset.colors,
            borderColor: "#ffffff",
            borderWidth: 1
          };
        })
      },
      options: options(spec)
    });
    canvas.setAttribute("data-chart-ready", "true");
    return chart;
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
