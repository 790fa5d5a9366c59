// The embeddings map: a canvas scatter of a stored 2-D map (up to millions
// of points, drawn into ImageData), coloured by class, split, issue, outcome
// or a metric; wheel zoom, drag pan, and a box or lasso selection that opens
// the explorer filtered to the selected points.

import { facets, getBinary, getJson, overview } from "./api.js";
import { legend } from "./charts.js";
import { hexRgb } from "./draw.js";
import { empty, fmt, h, paletteColor, route, select } from "./util.js";

const HEIGHT = 620;
const NONE_RGB = [190, 190, 190];

export async function render(view, ctx) {
  const data = await overview();
  if (!data.maps.length) {
    view.append(h("h1", {}, "Embeddings map"), empty("No 2-D maps stored (run `assay embed` with a map)."));
    return null;
  }
  const setId = Number(ctx.query.get("set") || data.maps[0].set_id);
  const info = data.maps.find((m) => m.set_id === setId) || data.maps[0];
  const by = ctx.query.get("by") || "class";
  const colorOptions = await colorChoices(info.dataset, data.runs);
  const page = new MapPage(view, info, by);
  view.prepend(h("div", { class: "page-head" }, h("h1", {}, "Embeddings map"),
    h("div", { class: "inline" },
      h("label", {}, "map ", select(data.maps.map((m) => [m.set_id, `#${m.set_id} ${m.dataset} · ${m.extractor} · ${m.level} · ${m.method}`]),
        info.set_id, (v) => { location.hash = route("map", { set: v }); }, { "data-testid": "map-set" })),
      h("label", {}, " colour by ", select(colorOptions, by, (v) => {
        history.replaceState(null, "", route("map", { set: info.set_id, by: v }));
        page.loadColors(v);
      }, { "data-testid": "map-color" })))));
  await page.load();
  return () => page.destroy();
}

async function colorChoices(dataset, runs) {
  const f = await facets(dataset);
  return [["class", "class"], ["split", "split"], ["issue", "issue"],
    ...runs.filter((r) => r.dataset === dataset && r.task !== "generation")
      .map((r) => [`outcome:${r.id}`, `outcome in run #${r.id} (${r.model})`]),
    ...f.metrics.map((m) => [`metric:${m.name}`, m.name])];
}

/** Decodes GET /api/maps/<set>/points: u32 n, n f32 x, n f32 y, n u32 ids. */
export function decodePoints(buffer) {
  const n = new DataView(buffer).getUint32(0, true);
  return {
    n,
    x: new Float32Array(buffer, 4, n),
    y: new Float32Array(buffer, 4 + 4 * n, n),
    ids: new Uint32Array(buffer, 4 + 8 * n, n),
  };
}

class MapPage {
  constructor(view, info, by) {
    this.info = info;
    this.by = by;
    this.mode = "pan";
    this.polygon = null;
    this.canvas = h("canvas", { class: "map-points", "data-testid": "map-canvas" });
    this.overlayCanvas = h("canvas", { class: "map-overlay", "data-testid": "map-overlay" });
    this.legendBox = h("div", { class: "map-legend", "data-testid": "map-legend" });
    this.selectionBox = h("div", { class: "map-selection", "data-testid": "map-selection" });
    this.wrap = h("div", { class: "map-wrap" }, this.canvas, this.overlayCanvas);
    view.append(this.toolbar(), this.wrap, this.selectionBox, this.legendBox);
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.wrap);
    this.bindPointer();
  }

  destroy() {
    this.resizeObserver.disconnect();
  }

  toolbar() {
    const modes = [["pan", "pan / zoom"], ["box", "box select"], ["lasso", "lasso select"]];
    const buttons = modes.map(([mode, label]) => h("button", {
      class: mode === this.mode ? "active" : "", "data-testid": `map-mode-${mode}`,
      onclick: (e) => {
        this.mode = mode;
        for (const b of buttons) b.classList.toggle("active", b === e.target);
      } }, label));
    return h("div", { class: "inline toolbar" }, buttons,
      h("button", { onclick: () => { this.fit(); this.draw(); } }, "reset view"),
      h("span", { class: "muted small", "data-testid": "map-count" }, ""));
  }

  async load() {
    const [buffer] = await Promise.all([getBinary(`/api/maps/${this.info.set_id}/points`), this.loadColors(this.by, false)]);
    this.points = decodePoints(buffer);
    this.wrap.parentNode.querySelector("[data-testid=map-count]").textContent =
      `${fmt(this.points.n)} points · wheel to zoom, drag to pan, click a point to open its sample`;
    this.fit();
    this.resize();
  }

  async loadColors(by, redraw = true) {
    this.by = by;
    this.colors = await getJson(`/api/maps/${this.info.set_id}/colors?by=${encodeURIComponent(by)}`);
    this.showLegend();
    if (redraw) this.draw();
  }

  showLegend() {
    const c = this.colors;
    if (c.kind === "numeric") {
      this.legendBox.replaceChildren(h("div", { class: "gradient-legend" },
        h("span", {}, fmt(c.min)), h("span", { class: "gradient" }), h("span", {}, fmt(c.max)),
        h("span", { class: "muted" }, ` ${this.by.replace(/^metric:/, "")} (grey: missing)`)));
    } else {
      const counts = new Map();
      for (const v of c.values) counts.set(v, (counts.get(v) || 0) + 1);
      const entries = c.legend.map((name, i) => ({ name: `${name} (${fmt(counts.get(i) || 0)})`, color: paletteColor(i) }));
      if (counts.get(-1)) entries.push({ name: `none (${fmt(counts.get(-1))})`, color: "#bebebe" });
      this.legendBox.replaceChildren(legend(entries));
    }
  }

  /** Fits the view to the points' bounds. */
  fit() {
    if (!this.points) return;
    const { x, y, n } = this.points;
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < n; i++) {
      if (x[i] < x0) x0 = x[i];
      if (x[i] > x1) x1 = x[i];
      if (y[i] < y0) y0 = y[i];
      if (y[i] > y1) y1 = y[i];
    }
    if (!Number.isFinite(x0)) [x0, x1, y0, y1] = [0, 1, 0, 1];
    this.bounds = { x0, x1: x1 > x0 ? x1 : x0 + 1, y0, y1: y1 > y0 ? y1 : y0 + 1 };
    this.view = null;
  }

  resize() {
    const width = this.wrap.clientWidth || 800;
    const dpr = window.devicePixelRatio || 1;
    for (const c of [this.canvas, this.overlayCanvas]) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(HEIGHT * dpr);
      c.style.width = `${width}px`;
      c.style.height = `${HEIGHT}px`;
    }
    this.dpr = dpr;
    this.draw();
  }

  /** scale (pixels per map unit) and offset so the bounds fit with a margin. */
  transform() {
    if (!this.view) {
      const { x0, x1, y0, y1 } = this.bounds;
      const w = this.canvas.width;
      const hgt = this.canvas.height;
      const scale = 0.92 * Math.min(w / (x1 - x0), hgt / (y1 - y0));
      this.view = { scale, ox: w / 2 - scale * (x0 + x1) / 2, oy: hgt / 2 + scale * (y0 + y1) / 2 };
    }
    return this.view;
  }

  // Map y grows upwards on screen.
  toScreen(x, y) {
    const v = this.transform();
    return [v.ox + v.scale * x, v.oy - v.scale * y];
  }

  toMap(px, py) {
    const v = this.transform();
    return [(px - v.ox) / v.scale, (v.oy - py) / v.scale];
  }

  /** Draws every point into one ImageData (no per-point canvas calls). */
  draw() {
    if (!this.points || !this.colors || !this.bounds) return;
    const { width, height } = this.canvas;
    const ctx = this.canvas.getContext("2d");
    const image = ctx.createImageData(width, height);
    const pixels = new Uint32Array(image.data.buffer);
    const rgba = this.colorFunction();
    const { x, y, n } = this.points;
    const v = this.transform();
    const size = Math.round((n > 200_000 ? 1 : n > 20_000 ? 2 : n > 2_000 ? 3 : 6) * this.dpr);
    const half = Math.floor(size / 2);
    for (let i = 0; i < n; i++) {
      const px = Math.round(v.ox + v.scale * x[i]) - half;
      const py = Math.round(v.oy - v.scale * y[i]) - half;
      if (px < 0 || py < 0 || px + size > width || py + size > height) continue;
      const color = rgba(i);
      for (let dy = 0; dy < size; dy++) {
        const row = (py + dy) * width + px;
        for (let dx = 0; dx < size; dx++) pixels[row + dx] = color;
      }
    }
    ctx.putImageData(image, 0, 0);
    this.drawSelection();
  }

  /** Point index → packed little-endian RGBA. */
  colorFunction() {
    const pack = ([r, g, b]) => (255 << 24) | (b << 16) | (g << 8) | r;
    const none = pack(NONE_RGB);
    const values = this.colors.values;
    if (this.colors.kind === "numeric") {
      const lo = this.colors.min ?? 0;
      const span = (this.colors.max ?? 1) - lo || 1;
      const ramp = Array.from({ length: 256 }, (_, k) => pack(viridis(k / 255)));
      return (i) => (values[i] === null || values[i] === undefined ? none
        : ramp[Math.max(0, Math.min(255, Math.round(((values[i] - lo) / span) * 255)))]);
    }
    const table = this.colors.legend.map((_, k) => pack(hexRgb(paletteColor(k))));
    return (i) => (values[i] >= 0 ? table[values[i]] ?? none : none);
  }

  bindPointer() {
    const el = this.overlayCanvas;
    el.addEventListener("wheel", (e) => {
      e.preventDefault();
      if (!this.bounds) return;
      const [px, py] = this.eventPixel(e);
      const factor = Math.exp(-e.deltaY * 0.0015);
      const v = this.transform();
      v.ox = px - (px - v.ox) * factor;
      v.oy = py - (py - v.oy) * factor;
      v.scale *= factor;
      this.draw();
    }, { passive: false });
    el.addEventListener("pointerdown", (e) => this.pointerDown(e));
  }

  eventPixel(e) {
    const rect = this.overlayCanvas.getBoundingClientRect();
    return [(e.clientX - rect.left) * this.dpr, (e.clientY - rect.top) * this.dpr];
  }

  pointerDown(e) {
    if (!this.bounds) return;
    const el = this.overlayCanvas;
    try {
      el.setPointerCapture(e.pointerId);
    } catch {
      // A synthetic pointer cannot be captured; the drag still works inside.
    }
    const start = this.eventPixel(e);
    const trail = [start];
    let moved = false;
    const move = (ev) => {
      const p = this.eventPixel(ev);
      moved = moved || Math.hypot(p[0] - start[0], p[1] - start[1]) > 4;
      if (this.mode === "pan") {
        const last = trail[trail.length - 1];
        const v = this.transform();
        v.ox += p[0] - last[0];
        v.oy += p[1] - last[1];
        trail.push(p);
        this.draw();
      } else {
        trail.push(p);
        this.drawDrag(this.mode === "box" ? boxCorners(start, p) : trail);
      }
    };
    const up = (ev) => {
      el.removeEventListener("pointermove", move);
      el.removeEventListener("pointerup", up);
      const end = this.eventPixel(ev);
      if (!moved) return this.openNearest(end);
      if (this.mode === "box") this.finishSelection(boxCorners(start, end));
      if (this.mode === "lasso") this.finishSelection(trail);
      return null;
    };
    el.addEventListener("pointermove", move);
    el.addEventListener("pointerup", up);
  }

  drawDrag(screenPoints) {
    const ctx = this.overlayCanvas.getContext("2d");
    ctx.clearRect(0, 0, this.overlayCanvas.width, this.overlayCanvas.height);
    strokePolygon(ctx, screenPoints, this.dpr);
  }

  drawSelection() {
    const ctx = this.overlayCanvas.getContext("2d");
    ctx.clearRect(0, 0, this.overlayCanvas.width, this.overlayCanvas.height);
    if (this.polygon) strokePolygon(ctx, this.polygon.map(([x, y]) => this.toScreen(x, y)), this.dpr);
  }

  /** Keeps a screen polygon as a map polygon and offers the explorer link. */
  finishSelection(screenPoints) {
    const step = Math.max(1, Math.ceil(screenPoints.length / 100));
    const polygon = screenPoints.filter((_, i) => i % step === 0)
      .map(([px, py]) => this.toMap(px, py).map((c) => Number(c.toPrecision(6))));
    if (polygon.length < 3) return;
    this.polygon = polygon;
    this.drawSelection();
    const count = countInside(this.points, polygon);
    const href = route("explore", { dataset: this.info.dataset,
      map: JSON.stringify({ set_id: this.info.set_id, polygon }) });
    this.selectionBox.replaceChildren(
      h("span", { "data-testid": "map-selected-count" }, `${fmt(count)} points selected · `),
      h("a", { href, "data-testid": "map-open-explorer" }, "open them in the explorer"),
      " · ", h("button", { onclick: () => { this.polygon = null; this.selectionBox.replaceChildren(); this.drawSelection(); } }, "clear"));
  }

  /** A click without a drag: the sample of the nearest point within 8 px. */
  openNearest([px, py]) {
    if (!this.points) return;
    const { x, y, n, ids } = this.points;
    const v = this.transform();
    let best = -1;
    let bestD = (8 * this.dpr) ** 2;
    for (let i = 0; i < n; i++) {
      const dx = v.ox + v.scale * x[i] - px;
      const dy = v.oy - v.scale * y[i] - py;
      const d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = i; }
    }
    if (best >= 0) location.hash = `#/sample/${ids[best]}`;
  }
}

function boxCorners([x0, y0], [x1, y1]) {
  return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
}

function strokePolygon(ctx, points, dpr) {
  if (points.length < 2) return;
  ctx.beginPath();
  ctx.moveTo(points[0][0], points[0][1]);
  for (const [x, y] of points.slice(1)) ctx.lineTo(x, y);
  ctx.closePath();
  ctx.fillStyle = "rgba(30, 100, 220, 0.12)";
  ctx.strokeStyle = "#1e64dc";
  ctx.lineWidth = 1.5 * dpr;
  ctx.fill();
  ctx.stroke();
}

/** How many points lie inside a polygon (even-odd rule, bounds first). */
export function countInside(points, polygon) {
  const xs = polygon.map((p) => p[0]);
  const ys = polygon.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  let count = 0;
  for (let i = 0; i < points.n; i++) {
    const px = points.x[i];
    const py = points.y[i];
    if (px < x0 || px > x1 || py < y0 || py > y1) continue;
    if (insidePolygon(px, py, polygon)) count++;
  }
  return count;
}

function insidePolygon(px, py, polygon) {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** An approximation of matplotlib's viridis at t in [0, 1]. */
function viridis(t) {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const f = t * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(f));
  const u = f - k;
  return stops[k].map((c, j) => Math.round(c + (stops[k + 1][j] - c) * u));
}
