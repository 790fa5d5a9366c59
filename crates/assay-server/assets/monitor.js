// Monitoring: a production stream's windows as time series, each with the
// reference period shaded, its alert band (reference mean ± k sd, or the
// rule's bounds) and the windows where an alert fired; the stored alerts
// listed; a click on a window (or an alert) opens the explorer on that
// window's records.

import { getJson } from "./api.js";
import { empty, fmt, h, route, s, section, select, table } from "./util.js";

/** Metrics charted first, when the stream has them. */
const FIRST = [
  "records", "brightness_mean", "class_drift_p", "latency_p99", "error_rate",
  "estimated_accuracy", "accuracy", "confidence_mean", "boxes_per_image",
  "issue_rate", "fid", "clip_score", "embedding_drift",
];

export async function render(view, ctx) {
  const stream = ctx.query.get("stream");
  const window = ctx.query.get("window");
  const params = new URLSearchParams();
  if (stream) params.set("stream", stream);
  if (window) params.set("window", window);
  let data;
  try {
    data = await getJson(`/api/monitor?${params}`);
  } catch (error) {
    view.append(h("h1", {}, "Monitoring"), empty(error.message));
    return null;
  }
  const w = data.windows;
  const go = (changes) => { location.hash = route("monitor", { stream: w.stream, window, ...changes }); };
  view.append(h("div", { class: "page-head" }, h("h1", {}, "Monitoring"),
    h("label", {}, "stream ", select(data.streams, w.stream, (v) => go({ stream: v }), { "data-testid": "monitor-stream" })),
    h("label", {}, " window ", select(["", "hour", "6h", "day"].map((v) => [v, v || "as configured"]), window || "",
      (v) => go({ window: v || null }), { "data-testid": "monitor-window" }))));
  const reference = w.windows.filter((x) => x.reference).length;
  view.append(h("p", { class: "muted" },
    `${w.records} records in ${w.windows.length} windows; the first ${reference} are the reference. `,
    `Bands: reference mean ± ${w.std_multiplier} sd. Click a window to see its records.`));
  for (const note of w.notes || []) view.append(h("p", { class: "warn small" }, note));
  const watched = new Set(data.rules.map((r) => r.metric));
  const shown = [...FIRST.filter((m) => w.metrics.includes(m)),
    ...[...watched].filter((m) => !FIRST.includes(m) && w.metrics.includes(m))];
  const charts = h("div", { class: "monitor-charts" });
  for (const metric of shown) charts.append(metricChart(data, metric));
  view.append(section("Windows", charts));
  view.append(alertsCard(data));
  return null;
}

/** The explorer on one window's records (its `timestamp` range). */
function windowHref(stream, win) {
  return route("explore", { dataset: stream, metric: "timestamp",
    min: win.start_ms / 1000, max: (win.end_ms - 1) / 1000 });
}

/** One metric over the windows: line, reference shading, band, alerts. */
function metricChart(data, metric) {
  const w = data.windows;
  const wins = w.windows;
  const rules = data.rules.filter((r) => r.metric === metric);
  const band = rules.some((r) => r.band) ? w.bands[metric] : null;
  const fired = new Set(data.alerts.filter((a) => a.metric === metric).map((a) => a.window_start_ms));
  const values = wins.map((x) => x.values[metric]);
  const finite = values.filter((v) => typeof v === "number" && Number.isFinite(v));
  const bounds = [...finite];
  if (band && Number.isFinite(band.lower)) bounds.push(band.lower);
  if (band && Number.isFinite(band.upper)) bounds.push(band.upper);
  for (const r of rules) for (const b of [r.min, r.max]) if (typeof b === "number") bounds.push(b);
  let [y0, y1] = [Math.min(...bounds), Math.max(...bounds)];
  if (!(y1 > y0)) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad; y1 += pad;
  const width = 640, height = 170;
  const m = { left: 56, right: 10, top: 8, bottom: 22 };
  const n = Math.max(1, wins.length);
  const px = (i) => m.left + ((i + 0.5) / n) * (width - m.left - m.right);
  const py = (v) => height - m.bottom - ((v - y0) / (y1 - y0)) * (height - m.top - m.bottom);
  const svg = s("svg", { class: "chart monitor", width, height, viewBox: `0 0 ${width} ${height}`,
    "data-testid": "monitor-chart", "data-metric": metric });
  const step = (width - m.left - m.right) / n;
  const refEnd = wins.filter((x) => x.reference).length;
  if (refEnd) {
    svg.append(s("rect", { x: m.left, y: m.top, width: refEnd * step, height: height - m.top - m.bottom,
      class: "reference" }, s("title", {}, "reference windows")));
  }
  if (band && Number.isFinite(band.lower) && Number.isFinite(band.upper)) {
    svg.append(s("rect", { x: m.left + refEnd * step, y: py(Math.min(band.upper, y1)),
      width: (n - refEnd) * step, height: Math.max(1, py(Math.max(band.lower, y0)) - py(Math.min(band.upper, y1))),
      class: "band", "data-testid": "band", "data-lower": band.lower, "data-upper": band.upper },
    s("title", {}, `band [${fmt(band.lower)}, ${fmt(band.upper)}]`)));
  }
  for (const r of rules) {
    for (const b of [r.min, r.max]) {
      if (typeof b !== "number") continue;
      svg.append(s("line", { x1: m.left, x2: width - m.right, y1: py(b), y2: py(b), class: "threshold" },
        s("title", {}, `${r.name}: ${fmt(b)}`)));
    }
  }
  for (const v of [y0 + pad, y1 - pad]) {
    svg.append(s("text", { x: m.left - 4, y: py(v) + 4, "text-anchor": "end", class: "tick" }, fmt(v)));
  }
  const points = [];
  values.forEach((v, i) => { if (typeof v === "number" && Number.isFinite(v)) points.push(`${px(i).toFixed(1)},${py(v).toFixed(1)}`); });
  svg.append(s("polyline", { points: points.join(" "), fill: "none", class: "series" }));
  wins.forEach((win, i) => {
    const v = values[i];
    const alert = fired.has(win.start_ms);
    const link = s("a", { href: windowHref(w.stream, win), "data-testid": alert ? "alert-window" : "window",
      "data-window": i, "data-metric": metric });
    link.append(s("rect", { x: m.left + i * step, y: m.top, width: step, height: height - m.top - m.bottom,
      class: "hit" }, s("title", {}, `${new Date(win.start_ms).toISOString().slice(0, 16).replace("T", " ")}: ${fmt(v)}${alert ? " (alert)" : ""}`)));
    if (typeof v === "number" && Number.isFinite(v)) {
      link.append(s("circle", { cx: px(i), cy: py(v), r: alert ? 4 : 2, class: alert ? "point alert" : "point" }));
    }
    svg.append(link);
  });
  svg.append(s("text", { x: m.left, y: height - 6, class: "tick" }, isoHour(wins[0].start_ms)),
    s("text", { x: width - m.right, y: height - 6, "text-anchor": "end", class: "tick" }, isoHour(wins[wins.length - 1].start_ms)));
  return h("div", { class: "monitor-metric" },
    h("h3", {}, metric, rules.length ? h("span", { class: "muted small" }, `  ${rules.map((r) => r.name).join(", ")}`) : null),
    svg);
}

function isoHour(ms) {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

function alertsCard(data) {
  const alerts = data.alerts;
  if (!alerts.length) return section("Alerts", empty(data.rules.length
    ? "No alert has fired (run `assay monitor` or keep `assay serve` running to evaluate the rules)."
    : "No alert rules: add [[alert]] tables to assay.toml (see the README)."));
  return section(`Alerts (${alerts.length})`, table(["window (UTC)", "rule", "what", ""],
    alerts.map((a) => [isoHour(a.window_start_ms), a.rule, a.message,
      h("a", { href: windowHref(data.windows.stream, { start_ms: a.window_start_ms, end_ms: a.window_end_ms }),
        "data-testid": "alert-explore" }, "records")]),
    { "data-testid": "alerts" }));
}
