// A canvas on which a person draws a 2-D data set: paint with a brush, add single points,
// erase, undo, clear. See dde_app/drawing.py.
//
// data = {box: [low, high] (the square [low, high]² shown, in data units), points: [[x, y], ...]
// (the drawing the page holds), held: <true if the state value "points" already is that list>,
// max_points: <most points a drawing may have>}.
// The canvas keeps its own list while the person draws and sends the whole list, rounded to
// 3 decimals, as the state value "points" when a stroke ends (mouse up), after Undo and Clear.
// `data.points` replaces the canvas's list only when it is not one the canvas sent itself
// (a drawing from a link, or the canvas mounted afresh): a rerun echoing an older list while
// the person goes on drawing must not undo their newest strokes.

const MAX_SIZE = 600; // CSS px of the whole canvas (plot and axes)
const MIN_SIZE = 280;
const ROOM_ABOVE_AND_BELOW = 220; // CSS px of the window kept for the toolbar and the page's header
const MARGIN = { left: 40, right: 12, top: 10, bottom: 30 };
const DOT_RADIUS = 3.5; // CSS px
const UNDO_DEPTH = 50;
const SENT_REMEMBERED = 100;

const STYLE = `
.draw-points { font-family: var(--st-font, "Source Sans Pro", sans-serif); font-size: 14px;
  color: var(--st-text-color, #31333f); max-width: ${MAX_SIZE}px; }
.draw-points .toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; margin-bottom: 6px; }
.draw-points .modes { display: inline-flex; border: 1px solid #c7c9d1; border-radius: 6px; overflow: hidden; }
.draw-points .modes button { border: 0; border-right: 1px solid #c7c9d1; border-radius: 0; }
.draw-points .modes button:last-child { border-right: 0; }
.draw-points button { font: inherit; padding: 4px 10px; background: #fff; color: inherit; cursor: pointer;
  border: 1px solid #c7c9d1; border-radius: 6px; }
.draw-points button:hover { background: #f0f2f6; }
.draw-points .modes button[aria-pressed="true"] { background: var(--st-primary-color, #ff4b4b); color: #fff; }
.draw-points label { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.draw-points input[type=range] { width: 90px; accent-color: var(--st-primary-color, #ff4b4b); }
.draw-points .count { margin-left: auto; font-variant-numeric: tabular-nums; color: #555; }
.draw-points canvas { display: block; touch-action: none; cursor: crosshair; }
`;

const round3 = (v) => Math.round(v * 1000) / 1000 + 0; // + 0 turns -0 into 0
const signature = (points) => points.map((p) => `${p[0].toFixed(3)},${p[1].toFixed(3)}`).join(";");

function build(root) {
  const style = document.createElement("style");
  style.textContent = STYLE;
  const box = document.createElement("div");
  box.className = "draw-points";
  box.innerHTML = `
    <div class="toolbar">
      <span class="modes" role="group" aria-label="Drawing mode">
        <button type="button" data-mode="paint" title="Drag to spray points">Paint</button>
        <button type="button" data-mode="point" title="Click to add one point">Single point</button>
        <button type="button" data-mode="erase" title="Drag to remove points">Erase</button>
      </span>
      <button type="button" class="undo" title="Undo the last change">Undo</button>
      <button type="button" class="clear" title="Remove every point">Clear</button>
      <span class="count" aria-live="polite"></span>
    </div>
    <div class="toolbar">
      <label title="Radius of the brush and the eraser, in data units">Brush radius
        <input type="range" class="radius" min="0.1" max="1.5" step="0.05" value="0.4"><span class="radius-value"></span></label>
      <label title="Points the brush adds at each step of a stroke">Density
        <input type="range" class="density" min="1" max="10" step="1" value="3"><span class="density-value"></span> per step</label>
    </div>
    <canvas class="draw-canvas" aria-label="Drawing area: the data set you draw"></canvas>`;
  root.appendChild(style);
  root.appendChild(box);
  return box;
}

// Everything one canvas needs, kept on its element across the page's reruns.
function create(root) {
  const box = build(root);
  const s = {
    box,
    canvas: box.querySelector("canvas"),
    points: [],
    undo: [],
    sent: [], // signatures of the lists sent, newest last
    loaded: null, // signature of the last `data.points` looked at
    mode: "paint",
    drawing: false,
    changed: false,
    lastBrush: null,
    hover: null,
    low: -4,
    high: 4,
    maxPoints: 5000,
    size: 0,
    send: () => {},
  };
  const radius = box.querySelector(".radius");
  const density = box.querySelector(".density");
  const showSettings = () => {
    box.querySelector(".radius-value").textContent = Number(radius.value).toFixed(2);
    box.querySelector(".density-value").textContent = density.value;
  };
  s.radius = () => Number(radius.value);
  s.density = () => Number(density.value);
  radius.addEventListener("input", () => { showSettings(); render(s); });
  density.addEventListener("input", showSettings);
  showSettings();
  box.querySelectorAll("[data-mode]").forEach((button) =>
    button.addEventListener("click", () => { s.mode = button.dataset.mode; render(s); }));
  box.querySelector(".undo").addEventListener("click", () => {
    if (!s.undo.length) return;
    s.points = s.undo.pop();
    render(s);
    send(s);
  });
  box.querySelector(".clear").addEventListener("click", () => {
    if (!s.points.length) return;
    remember(s);
    s.points = [];
    render(s);
    send(s);
  });
  listen(s);
  new ResizeObserver(() => resize(s)).observe(box);
  return s;
}

function remember(s) {
  s.undo.push(s.points.slice());
  if (s.undo.length > UNDO_DEPTH) s.undo.shift();
}

// Lists the page holds because this canvas sent them (or was given them): their echoes are
// not new drawings.
function known(s, mark) {
  s.sent.push(mark);
  if (s.sent.length > SENT_REMEMBERED) s.sent.shift();
}

function send(s) {
  const points = s.points.map((p) => [round3(p[0]), round3(p[1])]);
  known(s, signature(points));
  s.send(points);
}

// ---- coordinates ---------------------------------------------------------------------------
const plotSize = (s) => s.size - MARGIN.left - MARGIN.right;
const toPixel = (s, x, y) => {
  const scale = plotSize(s) / (s.high - s.low);
  return [MARGIN.left + (x - s.low) * scale, MARGIN.top + (s.high - y) * scale];
};
function toData(s, event) {
  const rect = s.canvas.getBoundingClientRect();
  const scale = (s.high - s.low) / plotSize(s);
  const x = s.low + (event.clientX - rect.left - MARGIN.left) * scale;
  const y = s.high - (event.clientY - rect.top - MARGIN.top) * scale;
  return [x, y];
}
const inside = (s, [x, y]) => x >= s.low && x <= s.high && y >= s.low && y <= s.high;
const clamp = (s, v) => Math.min(s.high, Math.max(s.low, v));

// ---- drawing -------------------------------------------------------------------------------
function addPoint(s, x, y) {
  if (s.points.length >= s.maxPoints) return false;
  s.points.push([round3(clamp(s, x)), round3(clamp(s, y))]);
  return true;
}

function spray(s, [x, y]) {
  const r = s.radius();
  for (let i = 0; i < s.density(); i++) {
    const distance = r * Math.sqrt(Math.random()); // uniform on the disc
    const angle = 2 * Math.PI * Math.random();
    if (!addPoint(s, x + distance * Math.cos(angle), y + distance * Math.sin(angle))) break;
  }
  s.changed = true;
  s.lastBrush = [x, y];
}

function erase(s, [x, y]) {
  const r2 = s.radius() ** 2;
  const kept = s.points.filter((p) => (p[0] - x) ** 2 + (p[1] - y) ** 2 > r2);
  if (kept.length !== s.points.length) {
    s.points = kept;
    s.changed = true;
  }
}

function listen(s) {
  const canvas = s.canvas;
  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    const at = toData(s, event);
    if (!inside(s, at)) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    remember(s);
    s.drawing = true;
    s.changed = false;
    if (s.mode === "point") {
      s.changed = addPoint(s, at[0], at[1]);
    } else if (s.mode === "paint") {
      spray(s, at);
    } else {
      erase(s, at);
    }
    render(s);
  });
  canvas.addEventListener("pointermove", (event) => {
    const at = toData(s, event);
    s.hover = inside(s, at) ? at : null;
    if (s.drawing && s.mode === "paint") {
      // a new brush step once the cursor has moved half a radius
      const [x0, y0] = s.lastBrush;
      if (Math.hypot(at[0] - x0, at[1] - y0) >= s.radius() / 2) spray(s, at);
    } else if (s.drawing && s.mode === "erase") {
      erase(s, at);
    }
    render(s);
  });
  const end = () => {
    if (!s.drawing) return;
    s.drawing = false;
    if (s.changed) send(s);
    else s.undo.pop(); // nothing happened: no undo step
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", () => { s.hover = null; render(s); });
}

function resize(s) {
  // the width it is given, but no taller than the window leaves room for
  const fits = Math.max(MIN_SIZE, window.innerHeight - ROOM_ABOVE_AND_BELOW + MARGIN.left + MARGIN.right);
  const width = Math.floor(Math.min(MAX_SIZE, s.box.clientWidth || MAX_SIZE, fits));
  if (width < 120 || width === s.size) return;
  s.size = width;
  const ratio = window.devicePixelRatio || 1;
  const height = width - MARGIN.left - MARGIN.right + MARGIN.top + MARGIN.bottom;
  s.canvas.width = Math.round(width * ratio);
  s.canvas.height = Math.round(height * ratio);
  s.canvas.style.width = `${width}px`;
  s.canvas.style.height = `${height}px`;
  s.box.querySelectorAll(".toolbar").forEach((bar) => { bar.style.maxWidth = `${width}px`; });
  // where the plot is on the canvas, in CSS px (the browser tests read it)
  s.canvas.dataset.plot = JSON.stringify({ left: MARGIN.left, top: MARGIN.top, size: plotSize(s) });
  render(s);
}

function ticks(low, high) {
  const span = high - low;
  const step = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20].find((t) => span / t <= 10) || span / 8;
  const values = [];
  for (let v = Math.ceil(low / step) * step; v <= high + 1e-9; v += step) values.push(round3(v));
  return values;
}

function render(s) {
  const box = s.box;
  box.querySelectorAll("[data-mode]").forEach((button) =>
    button.setAttribute("aria-pressed", String(button.dataset.mode === s.mode)));
  const full = s.points.length >= s.maxPoints ? ` (the most a drawing can have)` : "";
  box.querySelector(".count").textContent = `${s.points.length.toLocaleString("en")} points${full}`;
  s.canvas.dataset.count = String(s.points.length);
  box.querySelector(".undo").disabled = !s.undo.length;
  if (!s.size) return;
  const ctx = s.canvas.getContext("2d");
  const ratio = s.canvas.width / s.size;
  const size = plotSize(s);
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, s.canvas.width, s.canvas.height);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(MARGIN.left, MARGIN.top, size, size);
  // grid and tick labels
  ctx.font = "13px sans-serif";
  ctx.fillStyle = "#555";
  ctx.lineWidth = 1;
  for (const v of ticks(s.low, s.high)) {
    const [px, py] = toPixel(s, v, v);
    ctx.strokeStyle = v === 0 ? "#c9ccd3" : "#eceef2";
    ctx.beginPath();
    ctx.moveTo(Math.round(px) + 0.5, MARGIN.top);
    ctx.lineTo(Math.round(px) + 0.5, MARGIN.top + size);
    ctx.moveTo(MARGIN.left, Math.round(py) + 0.5);
    ctx.lineTo(MARGIN.left + size, Math.round(py) + 0.5);
    ctx.stroke();
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.fillText(String(v), px, MARGIN.top + size + 6);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillText(String(v), MARGIN.left - 6, py);
  }
  ctx.strokeStyle = "#9a9ea8";
  ctx.strokeRect(MARGIN.left + 0.5, MARGIN.top + 0.5, size - 1, size - 1);
  // the points
  ctx.fillStyle = "rgba(31, 119, 180, 0.8)";
  ctx.beginPath();
  for (const [x, y] of s.points) {
    const [px, py] = toPixel(s, x, y);
    ctx.moveTo(px + DOT_RADIUS, py);
    ctx.arc(px, py, DOT_RADIUS, 0, 2 * Math.PI);
  }
  ctx.fill();
  // the brush under the cursor
  if (s.hover && s.mode !== "point") {
    const [px, py] = toPixel(s, s.hover[0], s.hover[1]);
    ctx.save();
    ctx.beginPath();
    ctx.rect(MARGIN.left, MARGIN.top, size, size);
    ctx.clip();
    ctx.beginPath();
    ctx.arc(px, py, (s.radius() * size) / (s.high - s.low), 0, 2 * Math.PI);
    ctx.strokeStyle = s.mode === "erase" ? "rgba(179, 38, 30, 0.8)" : "rgba(31, 119, 180, 0.6)";
    ctx.setLineDash([4, 3]);
    ctx.stroke();
    ctx.restore();
  }
}

export default function ({ data, setStateValue, parentElement }) {
  let s = parentElement.__drawPoints;
  if (!s) s = parentElement.__drawPoints = create(parentElement);
  s.send = (points) => setStateValue("points", points);
  const [low, high] = data.box || [-4, 4];
  const boxChanged = low !== s.low || high !== s.high;
  s.low = low;
  s.high = high;
  s.maxPoints = data.max_points || s.maxPoints;
  const given = (data.points || []).map((p) => [round3(p[0]), round3(p[1])]);
  const mark = signature(given);
  if (mark !== s.loaded) {
    s.loaded = mark;
    if (!s.sent.includes(mark) && mark !== signature(s.points)) {
      // a drawing from the page (a link, or this canvas mounted afresh): show it and hold it
      if (s.points.length) remember(s);
      s.points = given;
      if (!data.held) send(s);
      else known(s, mark);
    }
  }
  if (boxChanged && s.size) render(s);
  resize(s);
  render(s);
}
