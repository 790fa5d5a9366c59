// Small DOM and formatting helpers shared by every page: an element
// builder, number formatting, the hash-route query, colours per class.

/** Creates an element: h("a", {href: "#/", class: "x"}, "text", child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "style" && typeof value === "object") {
      Object.assign(el.style, value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children (strings, nodes, arrays of them; null skipped). */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** Creates an SVG element with attributes and children. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else {
      el.setAttribute(key, String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A number for people: integers as is, others with 4 significant digits. */
export function fmt(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

/** A signed difference: "+0.012" or "−0.3". */
export function fmtDelta(value) {
  if (value === null || value === undefined) return "–";
  return (value > 0 ? "+" : "") + fmt(value);
}

/** The query of the hash route as URLSearchParams ("#/explore?a=1" → a=1). */
export function hashQuery() {
  const hash = location.hash;
  const at = hash.indexOf("?");
  return new URLSearchParams(at < 0 ? "" : hash.slice(at + 1));
}

/** A hash link: route("explore", {dataset: "x"}) → "#/explore?dataset=x". */
export function route(page, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") continue;
    if (Array.isArray(value) && value.length === 0) continue;
    query.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const q = query.toString();
  return `#/${page}${q ? "?" + q : ""}`;
}

const PALETTE = [
  "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
  "#1f77b4", "#17becf", "#bcbd22", "#8c564b", "#e377c2",
];

/** The i-th categorical colour. */
export function paletteColor(i) {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** A stable colour for a class name. */
export function classColor(name) {
  // FNV-1a over the UTF-16 code units.
  let hash = 0x811c9dc5;
  for (let i = 0; i < String(name).length; i++) {
    hash = Math.imul(hash ^ String(name).charCodeAt(i), 0x01000193) >>> 0;
  }
  return paletteColor(hash % 1009);
}

export const OUTCOME_COLORS = { tp: "#2ca02c", fp: "#d62728", fn: "#ff8c00" };

/** A section with a heading. */
export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

/** A table from a header row and body rows (cells: strings or nodes). */
export function table(headers, rows, attrs = {}) {
  return h(
    "table",
    attrs,
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, row.map((c) => h("td", {}, c))))),
  );
}

/** A labelled <select> from [value, label] pairs (or plain values). */
export function select(options, value, onchange, attrs = {}) {
  const el = h("select", { ...attrs, onchange: (e) => onchange(e.target.value) });
  for (const option of options) {
    const [v, label] = Array.isArray(option) ? option : [option, option];
    const o = h("option", { value: v }, label);
    if (String(v) === String(value ?? "")) o.selected = true;
    el.append(o);
  }
  return el;
}

/** A note shown when there is nothing to show. */
export function empty(text) {
  return h("p", { class: "empty" }, text);
}
