// The dashboards' charts (issue 9 part 4), drawn with Chart.js from our own static files.
//
// Every <figure class="app-chart" data-chart-data="ID"> is drawn from the JSON in
// <script type="application/json" id="ID"> (Django's json_script); the data contract is in
// performance/charts.py: a "trend" (months, line or bar series, a target) or a "funnel"
// (units by their cases and rate, coloured by flag, with dashed control limits). The canvas
// carries the text alternative (role="img", aria-label) and the table after the figure gives
// every figure, so nothing depends on the chart being drawn. A file rather than inline
// script: the Content Security Policy allows this site's scripts only.
import "../vendor/chartjs/chart.umd.min.js";

const Chart = globalThis.Chart;

// GOV.UK Design System colours.
const BLUE = "#1d70b8";
const RED = "#d4351c";
const GREEN = "#00703c";
const ORANGE = "#f47738";
const PURPLE = "#4c2c92";
const TURQUOISE = "#28a197";
const BROWN = "#b58840";
const PINK = "#d53880";
const TEXT = "#0b0c0c";
const SECONDARY = "#505a5f";
const MID_GREY = "#b1b4b6";
const SERIES_COLOURS = [BLUE, ORANGE, GREEN, PURPLE, TURQUOISE, BROWN, PINK, SECONDARY];

// Funnel points by flag: colour and shape, so a flag does not rest on colour alone.
const FLAGS = {
  HIGH_ALERT: { colour: RED, shape: "triangle", label: "Above the 99.8% limit" },
  HIGH_WARNING: { colour: ORANGE, shape: "triangle", label: "Above the 95% limit" },
  WITHIN: { colour: BLUE, shape: "circle", label: "Within the limits" },
  LOW_WARNING: { colour: ORANGE, shape: "rectRot", label: "Below the 95% limit" },
  LOW_ALERT: { colour: RED, shape: "rectRot", label: "Below the 99.8% limit" },
};

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function monthName(key) {
  const [year, month] = key.split("-");
  return `${MONTHS[Number(month) - 1]} ${year}`;
}

function formatter(percent) {
  return (value) => {
    if (value === null || value === undefined) return "no figure";
    const shown = Number(value).toLocaleString("en-GB", { maximumFractionDigits: 2 });
    return percent ? `${shown}%` : shown;
  };
}

function axisTitle(text) {
  return { display: Boolean(text), text, color: TEXT };
}

function trendConfig(data) {
  const format = formatter(data.percent);
  const datasets = data.series.map((series, index) => {
    const colour = SERIES_COLOURS[index % SERIES_COLOURS.length];
    return {
      type: series.kind === "bar" ? "bar" : "line",
      label: series.label,
      data: series.values,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: series.kind === "bar" ? 0 : 3,
      pointRadius: 3,
      pointStyle: series.kind === "bar" ? "rect" : "circle",
      spanGaps: false,
      order: series.kind === "bar" ? 2 : 1,
    };
  });
  if (data.target !== null && data.target !== undefined) {
    datasets.push({
      type: "line",
      label: `Target ${format(data.target)}`,
      data: data.labels.map(() => data.target),
      borderColor: TEXT,
      backgroundColor: TEXT,
      borderDash: [8, 4],
      borderWidth: 2,
      pointRadius: 0,
      pointStyle: "line",
      order: 0,
    });
  }
  return {
    type: "bar",
    data: { labels: data.labels.map(monthName), datasets },
    options: {
      scales: {
        x: { ticks: { color: TEXT }, grid: { display: false } },
        y: {
          beginAtZero: true,
          suggestedMax: data.percent ? 100 : undefined,
          max: data.percent ? 100 : undefined,
          title: axisTitle(data.y_label),
          ticks: { color: TEXT, callback: format },
          grid: { color: MID_GREY },
        },
      },
      plugins: {
        tooltip: {
          callbacks: { label: (item) => `${item.dataset.label}: ${format(item.raw)}` },
        },
      },
    },
  };
}

function limitLine(curves, key, label, dash, colour) {
  return {
    type: "line",
    label,
    data: curves.n.map((n, index) => ({ x: n, y: curves[key][index] })),
    borderColor: colour,
    backgroundColor: colour,
    borderDash: dash,
    borderWidth: 2,
    pointRadius: 0,
    pointStyle: "line",
    showLine: true,
    tension: 0,
  };
}

// The codes of flagged units written beside their points, so a flagged unit is named on
// the chart as well as in the table.
const flaggedLabels = {
  id: "appFlaggedLabels",
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = TEXT;
    ctx.font = `bold 13px ${Chart.defaults.font.family}`;
    chart.data.datasets.forEach((dataset, index) => {
      if (!dataset.appFlagged) return;
      chart.getDatasetMeta(index).data.forEach((element, pointIndex) => {
        const text = dataset.data[pointIndex].code;
        const width = ctx.measureText(text).width;
        // Beside the point, or to its left where the plot ends.
        const x = element.x + 7 + width > chart.chartArea.right ? element.x - 7 - width : element.x + 7;
        ctx.fillText(text, x, element.y - 7);
      });
    });
    ctx.restore();
  },
};

function funnelConfig(data) {
  const format = formatter(true);
  const datasets = Object.entries(FLAGS)
    .map(([flag, style]) => {
      const points = data.points.filter((point) => point.flag === flag);
      return {
        type: "scatter",
        label: style.label,
        data: points.map((point) => ({ x: point.x, y: point.y, code: point.code, label: point.label })),
        borderColor: style.colour,
        backgroundColor: style.colour,
        pointStyle: style.shape,
        pointRadius: flag === "WITHIN" ? 5 : 7,
        appFlagged: flag !== "WITHIN",
      };
    })
    .filter((dataset) => dataset.data.length);
  const curves = data.curves;
  const last = curves.n.length ? curves.n[curves.n.length - 1] : 1;
  datasets.push(
    {
      type: "line",
      label: `Centre ${format(data.pooled)}`,
      data: [
        { x: curves.n.length ? curves.n[0] : 1, y: data.pooled },
        { x: last, y: data.pooled },
      ],
      borderColor: GREEN,
      backgroundColor: GREEN,
      borderWidth: 2,
      pointRadius: 0,
      pointStyle: "line",
      showLine: true,
    },
    limitLine(curves, "upper_95", "95% limits", [8, 4], SECONDARY),
    { ...limitLine(curves, "lower_95", "95% lower", [8, 4], SECONDARY), appHideInLegend: true },
    limitLine(curves, "upper_998", "99.8% limits", [2, 3], TEXT),
    { ...limitLine(curves, "lower_998", "99.8% lower", [2, 3], TEXT), appHideInLegend: true },
  );
  return {
    type: "scatter",
    data: { datasets },
    plugins: [flaggedLabels],
    options: {
      scales: {
        x: {
          type: "linear",
          beginAtZero: true,
          grace: "5%",
          title: axisTitle("Cases (denominator)"),
          ticks: { color: TEXT },
          grid: { color: MID_GREY },
        },
        y: {
          min: 0,
          max: 100,
          title: axisTitle("Rate"),
          ticks: { color: TEXT, callback: format },
          grid: { color: MID_GREY },
        },
      },
      plugins: {
        legend: {
          labels: { filter: (item, chart) => !chart.datasets[item.datasetIndex].appHideInLegend },
        },
        tooltip: {
          callbacks: {
            label: (item) =>
              item.raw.label
                ? `${item.raw.label}: ${format(item.raw.y)} of ${item.raw.x.toLocaleString("en-GB")} cases`
                : `${item.dataset.label}: ${format(item.raw.y)}`,
          },
        },
      },
    },
  };
}

const BUILDERS = { trend: trendConfig, funnel: funnelConfig };

function draw(figure) {
  const source = document.getElementById(figure.dataset.chartData);
  const canvas = figure.querySelector("canvas");
  if (!source || !canvas) return null;
  const data = JSON.parse(source.textContent);
  const build = BUILDERS[data.type];
  if (!build) return null;
  const config = build(data);
  config.options = {
    ...config.options,
    // No animation: the chart is complete at once, for print and for people who find
    // motion hard; sharper when printed.
    animation: false,
    responsive: true,
    maintainAspectRatio: true,
    aspectRatio: 2.4,
    devicePixelRatio: Math.max(window.devicePixelRatio || 1, 2),
    plugins: {
      ...config.options.plugins,
      title: { display: false },
      legend: {
        position: "bottom",
        ...(config.options.plugins.legend || {}),
        labels: {
          usePointStyle: true,
          boxHeight: 8,
          ...(config.options.plugins.legend?.labels || {}),
        },
      },
    },
  };
  const chart = new Chart(canvas, config);
  figure.classList.add("app-chart--drawn");
  return chart;
}

// GOV.UK Frontend's typeface, once loaded (a canvas does not redraw when a font arrives).
const FONT = '"GDS Transport", arial, sans-serif';

function drawAll() {
  Chart.defaults.font.family = FONT;
  Chart.defaults.font.size = 14;
  Chart.defaults.color = TEXT;
  const charts = [...document.querySelectorAll("figure.app-chart")].map(draw).filter(Boolean);
  // Printing: redraw at the printed page's width (Chart.js sizes a canvas to the screen).
  window.addEventListener("beforeprint", () => {
    for (const chart of charts) chart.resize(640, 267);
  });
  window.addEventListener("afterprint", () => {
    for (const chart of charts) chart.resize();
  });
}

if (Chart) {
  (document.fonts ? document.fonts.ready : Promise.resolve()).then(drawAll, drawAll);
}
