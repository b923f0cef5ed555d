// A Plotly chart that is updated in place (Plotly.react) instead of re-created.
//
// st.plotly_chart gives every new figure a new element, so the browser builds the chart
// from scratch (Plotly.newPlot: axes, margins, text measurement) for each live frame.
// This Streamlit component keeps one chart <div> per key and hands each new figure to
// Plotly.react, which redraws only what changed. `data` is the figure as a JSON string.
// See app_pages/charts.py.

const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
const FALLBACK_URL = "app/static/plotly.min.js"; // the plotly package's copy (charts.publish_plotly_js)
const WAIT_FOR_STREAMLIT_MS = 3000;

// plotly.js: the copy Streamlit's own charts put on the page (window.Plotly) when there
// is one, else the app's static copy. Loaded once per page.
function loadPlotly() {
  if (!window.__liveChartPlotly) {
    window.__liveChartPlotly = new Promise((resolve, reject) => {
      const started = performance.now();
      const poll = () => {
        if (window.Plotly) return resolve(window.Plotly);
        if (performance.now() - started < WAIT_FOR_STREAMLIT_MS) return setTimeout(poll, 50);
        const script = document.createElement("script");
        script.src = new URL(FALLBACK_URL, document.baseURI).href;
        script.onload = () => resolve(window.Plotly);
        script.onerror = () => {
          window.__liveChartPlotly = undefined; // the next frame tries again
          reject(new Error(`could not load plotly.js from ${script.src}`));
        };
        document.head.appendChild(script);
      };
      poll();
    });
  }
  return window.__liveChartPlotly;
}

// Draw the newest figure only: figures that arrive while one is being drawn replace each
// other, so a slow browser shows fewer frames instead of falling behind.
async function drawLatest(chart, Plotly) {
  if (chart.busy) return;
  chart.busy = true;
  try {
    while (chart.pending) {
      const figure = JSON.parse(chart.pending);
      chart.pending = null;
      await Plotly.react(chart, figure.data, figure.layout, CONFIG);
    }
  } finally {
    chart.busy = false;
  }
}

export default function (component) {
  const { parentElement, data } = component;
  let chart = parentElement.querySelector(".live-chart");
  if (!chart) {
    chart = document.createElement("div");
    chart.className = "live-chart";
    parentElement.appendChild(chart);
  }
  chart.pending = data;
  loadPlotly()
    .then((Plotly) => drawLatest(chart, Plotly))
    .catch((error) => {
      chart.textContent = `This chart cannot be drawn: ${error.message}.`;
    });
  return () => {
    if (window.Plotly) window.Plotly.purge(chart);
  };
}
