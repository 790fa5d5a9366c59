// SVG charts drawn by hand: horizontal bars (with optional links) and line
// charts (PR curves), each with axes labels and a small legend.

import { fmt, h, paletteColor, s } from "./util.js";

/**
 * Horizontal bar chart. items: [{label, value, color?, href?, title?}].
 * opts: {width, max, format}.
 */
export function barChart(items, opts = {}) {
  const width = opts.width || 420;
  const labelWidth = opts.labelWidth || 130;
  const valueWidth = 70;
  const rowHeight = 22;
  const barSpace = width - labelWidth - valueWidth;
  const max = opts.max ?? Math.max(1e-12, ...items.map((i) => Math.abs(i.value || 0)));
  const format = opts.format || fmt;
  const svg = s("svg", {
    class: "chart bars",
    width,
    height: items.length * rowHeight + 4,
    viewBox: `0 0 ${width} ${items.length * rowHeight + 4}`,
    role: "img",
    "data-testid": opts.testid || null,
  });
  items.forEach((item, i) => {
    const y = i * rowHeight + 2;
    const w = Math.max(1, (Math.abs(item.value || 0) / max) * barSpace);
    const row = s("g", { class: "bar", "data-label": item.label, "data-value": item.value },
      s("title", {}, item.title || `${item.label}: ${format(item.value)}`),
      s("text", { x: labelWidth - 6, y: y + 15, "text-anchor": "end" }, truncate(item.label, 20)),
      s("rect", { x: labelWidth, y: y + 3, width: w, height: rowHeight - 6,
        fill: item.color || paletteColor(0), rx: 2 }),
      s("text", { x: labelWidth + w + 4, y: y + 15, class: "value" }, format(item.value)),
    );
    if (item.href) {
      const link = s("a", { href: item.href });
      link.append(row);
      svg.append(link);
    } else {
      svg.append(row);
    }
  });
  return svg;
}

function truncate(text, n) {
  text = String(text);
  return text.length > n ? text.slice(0, n - 1) + "…" : text;
}

/**
 * Line chart on [0, 1] x [0, 1] (or given domains).
 * series: [{name, xs, ys, color?}]; opts: {xLabel, yLabel, width, height}.
 */
export function lineChart(series, opts = {}) {
  const width = opts.width || 420;
  const height = opts.height || 300;
  const m = { left: 44, right: 12, top: 10, bottom: 36 };
  const [x0, x1] = opts.xDomain || [0, 1];
  const [y0, y1] = opts.yDomain || [0, 1];
  const px = (x) => m.left + ((x - x0) / (x1 - x0 || 1)) * (width - m.left - m.right);
  const py = (y) => height - m.bottom - ((y - y0) / (y1 - y0 || 1)) * (height - m.top - m.bottom);
  const svg = s("svg", { class: "chart lines", width, height, viewBox: `0 0 ${width} ${height}`,
    "data-testid": opts.testid || null });
  svg.append(axes(px, py, [x0, x1], [y0, y1], width, height, m, opts));
  series.forEach((line, i) => {
    const points = line.xs.map((x, j) => `${px(x).toFixed(1)},${py(line.ys[j]).toFixed(1)}`);
    svg.append(s("polyline", { points: points.join(" "), fill: "none",
      stroke: line.color || paletteColor(i), "stroke-width": line.width || 1.8,
      class: "series", "data-name": line.name },
    s("title", {}, line.name)));
  });
  return svg;
}

function axes(px, py, [x0, x1], [y0, y1], width, height, m, opts) {
  const g = s("g", { class: "axes" });
  for (let k = 0; k <= 4; k++) {
    const x = x0 + ((x1 - x0) * k) / 4;
    const y = y0 + ((y1 - y0) * k) / 4;
    g.append(
      s("line", { x1: px(x), x2: px(x), y1: m.top, y2: height - m.bottom, class: "grid" }),
      s("line", { x1: m.left, x2: width - m.right, y1: py(y), y2: py(y), class: "grid" }),
      s("text", { x: px(x), y: height - m.bottom + 14, "text-anchor": "middle" }, fmt(x)),
      s("text", { x: m.left - 4, y: py(y) + 4, "text-anchor": "end" }, fmt(y)),
    );
  }
  g.append(
    s("text", { x: (width + m.left) / 2, y: height - 4, "text-anchor": "middle", class: "label" },
      opts.xLabel || ""),
    s("text", { x: 12, y: (height - m.bottom) / 2, "text-anchor": "middle", class: "label",
      transform: `rotate(-90 12 ${(height - m.bottom) / 2})` }, opts.yLabel || ""),
  );
  return g;
}

/** A legend: coloured swatches with names. */
export function legend(entries) {
  return h("div", { class: "legend" }, entries.map(({ name, color }) =>
    h("span", { class: "legend-entry" },
      h("span", { class: "swatch", style: { background: color } }), name)));
}
