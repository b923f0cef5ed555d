// A Plotly chart that is updated in place (Plotly.react) instead of re-created.
//
// st.plotly_chart gives every new figure a new element, so the browser builds the chart
// from scratch (Plotly.newPlot: axes, margins, text measurement) for each new figure.
// This Streamlit component keeps one chart <div> per key and hands each new figure to
// Plotly.react, which redraws only what changed. See dde_app/charts.py.
//
// data = {figure: <figure as a JSON string>, poll: <URL path or null>, after: <step of
// `figure`>, every: <seconds>}. With `poll`, the chart also fetches frames newer than
// `after` itself, every `every` seconds, without the page rerunning (dde_app/live_view.py
// describes the route's answers).

const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
const FALLBACK_URL = "app/static/plotly.min.js"; // the plotly package's copy (charts.publish_plotly_js)
const WAIT_FOR_STREAMLIT_MS = 3000;
// While no new frame comes (many sessions share the server, so each trains slowly), the
// chart asks less and less often, up to once a second; a new frame brings it back to `every`.
const LONGEST_WAIT_MS = 1000;

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
          window.__liveChartPlotly = undefined; // the next figure tries again
          reject(new Error(`could not load plotly.js from ${script.src}`));
        };
        document.head.appendChild(script);
      };
      poll();
    });
  }
  return window.__liveChartPlotly;
}

// A line under the chart for what went wrong; the chart itself is left as it was.
function showNote(chart, text) {
  let note = chart.parentElement.querySelector(".live-chart-note");
  if (!note && !text) return;
  if (!note) {
    note = document.createElement("div");
    note.className = "live-chart-note";
    note.style.cssText = "font-size: 0.85rem; color: #b3261e; padding: 0.25rem 0.5rem;";
    chart.after(note);
  }
  note.textContent = text;
  note.hidden = !text;
}

// Draw the newest figure only: figures that arrive while one is being drawn replace each
// other, so a slow browser shows fewer frames instead of falling behind.
async function drawLatest(chart) {
  if (chart.busy) return;
  chart.busy = true;
  try {
    const Plotly = await loadPlotly();
    while (chart.pending) {
      const figure = typeof chart.pending === "string" ? JSON.parse(chart.pending) : chart.pending;
      chart.pending = null;
      await Plotly.react(chart, figure.data, figure.layout, CONFIG);
    }
  } catch (error) {
    showNote(chart, `This chart cannot be drawn: ${error.message}`);
  } finally {
    chart.busy = false;
  }
}

function show(chart, figure) {
  chart.pending = figure;
  drawLatest(chart);
}

// Ask for frames newer than the last one shown until the route says training stopped.
// `chart.pollId` changes whenever the page sends new data, which ends an older loop.
async function pollFrames(chart, url, everyMs, pollId, step) {
  let waitMs = everyMs;
  while (chart.pollId === pollId && chart.isConnected) {
    try {
      const response = await fetch(`${url}?after=${step}`, { cache: "no-store" });
      const isJson = (response.headers.get("content-type") || "").includes("application/json");
      const answer = response.status === 204 || !isJson ? null : await response.json();
      if (chart.pollId !== pollId) return; // the page sent newer data meanwhile
      if (response.status === 429) {
        // Too many requests for this session (another copy of the page is polling too):
        // wait as long as the server asks, then go on.
        const seconds = Number(response.headers.get("retry-after")) || 1;
        await new Promise((resolve) => setTimeout(resolve, 1000 * seconds));
        continue;
      }
      if (response.status === 204) {
        waitMs = Math.min(1.5 * waitMs, Math.max(everyMs, LONGEST_WAIT_MS));
      } else if (response.status === 200 && answer) {
        if (!answer.running) return; // paused or stopped: the page reruns and says so
        step = answer.step;
        show(chart, answer.figure);
        waitMs = everyMs;
      } else {
        // No such route (the app was not started with `streamlit run app.py`), or the
        // session is gone: say so and stop asking.
        showNote(chart, (answer && answer.error) ||
          "Live frames cannot be fetched: start the app with `streamlit run app.py`.");
        return;
      }
      showNote(chart, "");
    } catch (error) {
      showNote(chart, `Live frames: ${error.message}; retrying.`);
      waitMs = Math.min(2 * waitMs, 5000); // the server may be restarting: back off
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
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
  chart.pollId = (chart.pollId || 0) + 1;
  showNote(chart, "");
  show(chart, data.figure);
  if (data.poll) {
    const url = new URL(data.poll, document.baseURI).href;
    pollFrames(chart, url, 1000 * data.every, chart.pollId, data.after);
  }
  return () => {
    chart.pollId += 1; // stops polling
    loadPlotly().then((Plotly) => Plotly.purge(chart)).catch(() => {});
  };
}
