// Drawing annotations over an image: an SVG in image coordinates with
// boxes, polygons and RLE masks (decoded from uncompressed column-major
// counts onto a canvas, shown as an <image> inside the SVG).

import { s } from "./util.js";

/**
 * An SVG overlay of `objects` on a width × height image. Each object:
 * {layer, id, category, bbox, polygons, rle, score, color, label, dashed}.
 * opts: {boxes, shapes} toggle boxes and polygons/masks.
 */
export function overlay(width, height, objects, opts = { boxes: true, shapes: true }) {
  const svg = s("svg", { class: "overlay", viewBox: `0 0 ${width} ${height}`,
    preserveAspectRatio: "none", "data-testid": "overlay" });
  const fontSize = Math.max(9, Math.round(Math.max(width, height) / 55));
  for (const obj of objects) {
    const group = s("g", { class: "object", "data-layer": obj.layer, "data-id": obj.id,
      "data-outcome": obj.outcome || null });
    if (opts.shapes) {
      for (const poly of obj.polygons || []) group.append(polygon(poly, obj.color));
      if (obj.rle) {
        const mask = rleImage(obj.rle, obj.color);
        if (mask) group.append(mask);
      }
    }
    if (opts.boxes && obj.bbox) group.append(...box(obj, fontSize));
    svg.append(group);
  }
  return svg;
}

function box(obj, fontSize) {
  const [x, y, w, h] = obj.bbox;
  const rect = s("rect", { x, y, width: w, height: h, fill: "none", stroke: obj.color,
    "stroke-width": 2, "vector-effect": "non-scaling-stroke",
    "stroke-dasharray": obj.dashed ? "6 3" : null,
    class: "box", "data-testid": `box-${obj.layer === "gt" ? "gt" : "pred"}` },
  s("title", {}, obj.title || obj.label));
  const label = s("text", { x: x + 1, y: Math.max(fontSize, y - 2), fill: obj.color,
    "font-size": fontSize, class: "box-label" }, obj.label);
  return [rect, label];
}

function polygon(flat, color) {
  const points = [];
  for (let i = 0; i + 1 < flat.length; i += 2) points.push(`${flat[i]},${flat[i + 1]}`);
  return s("polygon", { points: points.join(" "), fill: color, "fill-opacity": 0.28,
    stroke: color, "stroke-width": 1, "vector-effect": "non-scaling-stroke", class: "shape" });
}

/** Decodes uncompressed COCO RLE (column-major, zeros first) to a bitmap. */
export function decodeRle(rle) {
  const [height, width] = rle.size;
  const bits = new Uint8Array(width * height);
  let pos = 0;
  rle.counts.forEach((count, i) => {
    if (i % 2 === 1) {
      for (let k = pos; k < pos + count && k < bits.length; k++) {
        // Column-major index k → row k % height, column k / height.
        bits[(k % height) * width + Math.floor(k / height)] = 1;
      }
    }
    pos += count;
  });
  return { width, height, bits };
}

function rleImage(rle, color) {
  if (!rle || !Array.isArray(rle.counts)) return null;
  const { width, height, bits } = decodeRle(rle);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(width, height);
  const [r, g, b] = hexRgb(color);
  for (let i = 0; i < bits.length; i++) {
    if (!bits[i]) continue;
    image.data.set([r, g, b, 110], i * 4);
  }
  ctx.putImageData(image, 0, 0);
  return s("image", { href: canvas.toDataURL(), x: 0, y: 0, width, height, class: "mask" });
}

/** "#rrggbb" → [r, g, b]. */
export function hexRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/**
 * A light overlay for an explorer tile: boxes and polygons of `objects`
 * (POST /api/query's `objects`) on a width × height image, with no labels.
 * The SVG fills its box and letterboxes like `object-fit: contain`
 * (`xMidYMid meet`), so it lines up with an image shown that way.
 * colorOf(obj) gives each object's colour; ground truth is solid,
 * predictions dashed.
 */
export function tileOverlay(width, height, objects, colorOf) {
  const svg = s("svg", { class: "tile-overlay", viewBox: `0 0 ${width} ${height}`,
    preserveAspectRatio: "xMidYMid meet", "data-testid": "tile-overlay", "aria-hidden": "true" });
  for (const obj of objects) {
    const side = obj.side === "prediction" ? "pred" : "gt";
    const color = colorOf(obj);
    for (const poly of obj.polygons || []) {
      const points = [];
      for (let i = 0; i + 1 < poly.length; i += 2) points.push(`${poly[i]},${poly[i + 1]}`);
      svg.append(s("polygon", { points: points.join(" "), fill: color,
        "fill-opacity": side === "gt" ? 0.25 : 0.15, stroke: "none", class: "tile-shape" }));
    }
    if (!obj.bbox) continue;
    const [x, y, w, h] = obj.bbox;
    svg.append(s("rect", { x, y, width: w, height: h, fill: "none", stroke: color,
      "stroke-width": 1.5, "vector-effect": "non-scaling-stroke",
      "stroke-dasharray": side === "pred" ? "4 2" : null,
      "data-testid": "tile-box", "data-side": side, "data-outcome": obj.outcome || null,
      "data-category": obj.category }));
  }
  return svg;
}
