// The explorer: filters kept in the URL hash, a virtualised thumbnail grid
// that fetches pages of POST /api/query by offset as it scrolls (only the
// rows in view exist in the DOM), multi-select, tagging, export and
// review queues of the selection. Each
// tile draws its sample's ground truth (solid) and predictions (dashed) over
// the thumbnail, coloured by outcome in the selected run or by class.

import { facets, overview, postForBlob, postJson, thumbnailUrl } from "./api.js";
import { tileOverlay } from "./draw.js";
import { OUTCOME_COLORS, append, classColor, fmt, h, hashQuery, route, select } from "./util.js";

const PAGE = 200;
const TILE_W = 176;
const TILE_H = 214;
const MAX_SCROLL_PX = 4_000_000;
const SELECT_ALL_LIMIT = 10_000;
/** Objects without an outcome in the run (the sample view's colour). */
const NEUTRAL = "#9aa0a6";

/** The explorer's state as read from the hash query. */
export function stateFromQuery(q) {
  const list = (key) => (q.get(key) ? q.get(key).split(",").filter(Boolean) : []);
  const num = (key) => (q.get(key) === null || q.get(key) === "" ? null : Number(q.get(key)));
  let map = null;
  try { map = q.get("map") ? JSON.parse(q.get("map")) : null; } catch { map = null; }
  let slice = null;
  try { slice = q.get("slice") ? JSON.parse(q.get("slice")) : null; } catch { slice = null; }
  return {
    dataset: q.get("dataset") || null,
    split: q.get("split") || null,
    classes: list("classes"),
    tags: list("tags"),
    issues: list("issues"),
    model: q.get("model") || null,
    run: num("run"),
    outcome: q.get("outcome") || null,
    cell: q.get("cell") ? q.get("cell").split(",").map(Number) : null,
    text: q.get("text") || "",
    semantic: q.get("semantic") === "1",
    similar_to: num("similar_to"),
    map,
    slice,
    metric: q.get("metric") || null,
    min: num("min"),
    max: num("max"),
    sort: q.get("sort") || null,
    desc: q.get("desc") === "1",
    boxes: q.get("boxes") !== "0",
    color: q.get("color") === "class" ? "class" : "outcome",
  };
}

/** The hash of a state (the inverse of stateFromQuery). */
export function hashOfState(st) {
  return route("explore", {
    dataset: st.dataset, split: st.split, classes: st.classes, tags: st.tags,
    issues: st.issues, model: st.model, run: st.run, outcome: st.outcome,
    cell: st.cell, text: st.text, semantic: st.semantic ? "1" : null,
    similar_to: st.similar_to,
    map: st.map ? JSON.stringify(st.map) : null,
    slice: st.slice ? JSON.stringify(st.slice) : null,
    metric: st.metric, min: st.min, max: st.max, sort: st.sort, desc: st.desc ? "1" : null,
    boxes: st.boxes ? null : "0", color: st.color === "class" ? "class" : null,
  });
}

/** The POST /api/query body of a state (with each item's objects: `objects`). */
export function queryBody(st, offset, limit, objects = false) {
  const body = { dataset: st.dataset, offset, limit };
  if (objects) body.objects = true;
  if (st.split) body.split = st.split;
  if (st.classes.length) body.classes = st.classes;
  if (st.tags.length) body.tags = st.tags;
  if (st.issues.length) body.issues = st.issues;
  if (st.model) body.model = st.model;
  if (st.run !== null) body.run = st.run;
  if (st.run !== null && st.outcome) body.outcome = st.outcome;
  if (st.run !== null && st.cell) body.cell = st.cell;
  // By meaning: the server embeds the text with the dataset's CLIP model.
  if (st.text && st.semantic) body.semantic = st.text;
  else if (st.text) body.text = st.text;
  if (st.similar_to !== null) body.similar_to = st.similar_to;
  if (st.map) body.map = st.map;
  if (st.slice) body.slice = st.slice;
  if (st.metric && (st.min !== null || st.max !== null)) {
    body.ranges = [{ metric: st.metric, min: st.min, max: st.max }];
  }
  if (st.sort) body.sort = { by: st.sort, desc: st.desc };
  return body;
}

export async function render(view) {
  const st = stateFromQuery(hashQuery());
  if (!st.dataset) st.dataset = defaultDataset(await overview());
  if (!st.dataset) {
    view.append(h("h1", {}, "Explorer"), h("p", { class: "empty" }, "No datasets in this project."));
    return null;
  }
  const page = new ExplorerPage(view, st, await facets(st.dataset));
  return () => page.destroy();
}

/** The first dataset with real (not generated) images, else the first. */
export function defaultDataset(data) {
  const real = data.datasets.find((d) => d.images > d.generated_images);
  return (real || data.datasets[0] || {}).name || null;
}

class ExplorerPage {
  constructor(view, state, facetData) {
    this.state = state;
    this.facets = facetData;
    this.selected = new Set();
    this.anchor = null;
    this.filters = h("aside", { class: "filters", "data-testid": "filters" });
    this.toolbar = h("div", { class: "toolbar" });
    this.status = h("span", { class: "status", "data-testid": "explore-status" });
    this.timing = h("span", { class: "status", "data-testid": "explore-timing" });
    this.grid = new Grid(this);
    view.append(h("div", { class: "explore-layout" }, this.filters,
      h("div", { class: "explore-main" }, this.toolbar, this.grid.scroller)));
    this.renderFilters();
    this.renderToolbar();
    this.grid.reset();
  }

  destroy() {
    this.grid.destroy();
  }

  /** Applies a change to the state: new hash (no re-render), new results. */
  update(change) {
    Object.assign(this.state, change);
    history.replaceState(null, "", hashOfState(this.state));
    this.renderFilters();
    this.renderToolbar();
    this.grid.reset();
  }

  /** A change of how tiles look (boxes, colours): same results, tiles redrawn. */
  restyle(change) {
    Object.assign(this.state, change);
    history.replaceState(null, "", hashOfState(this.state));
    this.renderToolbar();
    this.grid.redrawTiles();
  }

  /** The colour of a tile's object under the current options. */
  objectColor(obj) {
    if (this.state.run !== null && this.state.color === "outcome") {
      return OUTCOME_COLORS[obj.outcome] || NEUTRAL;
    }
    return classColor(obj.category);
  }

  renderFilters() {
    const st = this.state;
    const f = this.facets;
    const box = this.filters;
    const datasets = [];
    overview().then((data) => {
      for (const d of data.datasets) datasets.push(d.name);
      dsSelect.replaceChildren(...datasets.map((name) => {
        const o = h("option", { value: name }, name);
        o.selected = name === st.dataset;
        return o;
      }));
    });
    const dsSelect = select([st.dataset], st.dataset, (v) => {
      location.hash = route("explore", { dataset: v });
    }, { "data-testid": "filter-dataset" });
    box.replaceChildren();
    append(box, [
      field("Dataset", dsSelect),
      field("Search", this.textInput()),
      this.semanticToggle(),
      chips(this),
      field("Split", select([["", "any"], ...f.splits], st.split,
        (v) => this.update({ split: v || null }), { "data-testid": "filter-split" })),
      checkList("Classes", f.classes, st.classes, (v) => this.update({ classes: v }), "filter-class"),
      checkList("Issues", f.issues, st.issues, (v) => this.update({ issues: v }), "filter-issue"),
      checkList("Tags", f.tags, st.tags, (v) => this.update({ tags: v }), "filter-tag"),
      field("Has predictions of", select([["", "any model"], ...f.models], st.model,
        (v) => this.update({ model: v || null }), { "data-testid": "filter-model" })),
      this.runFields(),
      this.rangeFields(),
    ]);
  }

  /** The search box, made once so re-rendering the filters keeps its focus. */
  textInput() {
    if (this.searchBox) return this.searchBox;
    const input = h("input", { type: "search", value: this.state.text,
      placeholder: "file name or prompt", "data-testid": "filter-text" });
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.update({ text: input.value.trim() }), 350);
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        clearTimeout(timer);
        this.update({ text: input.value.trim() });
      }
    });
    this.searchBox = input;
    return input;
  }

  /** Whether the search matches names and prompts or, with CLIP
   * embeddings, images by meaning. */
  semanticToggle() {
    const box = h("input", { type: "checkbox", "data-testid": "filter-semantic" });
    box.checked = this.state.semantic;
    box.addEventListener("change", () => this.update({ semantic: box.checked }));
    return h("label", { class: "inline", title: "rank images by CLIP similarity to the text (needs `assay embed --model PATH-TO-CLIP`)" },
      box, " by meaning (CLIP)");
  }

  runFields() {
    const st = this.state;
    const runs = this.facets.runs.map((r) => [r.id, `#${r.id} ${r.model} (${r.task})`]);
    return h("div", {},
      field("Run", select([["", "none"], ...runs], st.run,
        (v) => this.update({ run: v ? Number(v) : null, cell: null, outcome: null }),
        { "data-testid": "filter-run" })),
      st.run === null ? null : field("Outcome", select(
        [["", "any"], ["tp", "has a true positive"], ["fp", "has a false positive"],
          ["fn", "has a false negative"]],
        st.outcome, (v) => this.update({ outcome: v || null }), { "data-testid": "filter-outcome" })));
  }

  rangeFields() {
    const st = this.state;
    const metrics = this.facets.metrics;
    const current = metrics.find((m) => m.name === st.metric);
    const numberInput = (key, placeholder) => {
      const input = h("input", { type: "number", step: "any", value: st[key] ?? "",
        placeholder, "data-testid": `filter-${key}` });
      input.addEventListener("change", () => this.update({
        [key]: input.value === "" ? null : Number(input.value),
      }));
      return input;
    };
    return h("div", {},
      field("Metric range", select([["", "none"], ...metrics.map((m) => m.name)], st.metric,
        (v) => this.update({ metric: v || null, min: null, max: null }),
        { "data-testid": "filter-metric" })),
      current ? h("div", { class: "range" },
        numberInput("min", fmt(current.min)), "–", numberInput("max", fmt(current.max))) : null);
  }

  renderToolbar() {
    const st = this.state;
    const sorts = [["id", "id"], ["file_name", "file name"],
      ...this.facets.metrics.map((m) => [`metric:${m.name}`, m.name])];
    if (st.run !== null) sorts.push(["errors", "errors (FP + FN)"]);
    if (st.similar_to !== null) sorts.push(["similarity", "similarity"]);
    const desc = h("input", { type: "checkbox", "data-testid": "sort-desc" });
    desc.checked = st.desc;
    desc.addEventListener("change", () => this.update({ desc: desc.checked }));
    this.tagInput = this.tagInput || h("input", { type: "text", placeholder: "tag",
      maxlength: 64, "data-testid": "tag-input" });
    this.queueInput = this.queueInput || h("input", { type: "text", placeholder: "review queue",
      maxlength: 64, "data-testid": "queue-input" });
    this.exportFormat = this.exportFormat || select(
      [["coco", "COCO"], ["yolo", "YOLO"], ["csv", "CSV"]], "coco", () => {},
      { "data-testid": "export-format" });
    const boxes = h("input", { type: "checkbox", "data-testid": "tile-boxes" });
    boxes.checked = st.boxes;
    boxes.addEventListener("change", () => this.restyle({ boxes: boxes.checked }));
    this.toolbar.replaceChildren();
    append(this.toolbar, [
      h("span", { class: "total" }, h("b", { "data-testid": "explore-total" }, "…"), " samples"),
      this.timing,
      h("label", { title: "ground truth solid, predictions dashed" }, boxes, " boxes"),
      st.boxes && st.run !== null ? h("label", {}, "colour by ", select(
        [["outcome", "outcome"], ["class", "class"]], st.color,
        (v) => this.restyle({ color: v }), { "data-testid": "tile-color-by" })) : null,
      st.boxes ? boxLegend(st) : null,
      h("label", {}, "Sort ", select(sorts, st.sort || (st.similar_to !== null ? "similarity" : "id"),
        (v) => this.update({ sort: v }), { "data-testid": "sort-by" })),
      h("label", {}, desc, " desc"),
      h("span", { class: "sep" }),
      h("span", { "data-testid": "selected-count" }, `${this.selected.size} selected`),
      h("button", { onclick: () => this.selectVisible(), "data-testid": "select-visible" }, "Select visible"),
      h("button", { onclick: () => this.selectAll(), "data-testid": "select-all" }, "Select all"),
      h("button", { onclick: () => this.clearSelection() }, "Clear"),
      this.tagInput,
      h("button", { onclick: () => this.tag(false), "data-testid": "tag-button" }, "Tag"),
      h("button", { onclick: () => this.tag(true), "data-testid": "untag-button" }, "Untag"),
      this.exportFormat,
      h("button", { onclick: () => this.exportSelection(), "data-testid": "export-button" }, "Export"),
      this.queueInput,
      h("button", { onclick: () => this.reviewSelection(), "data-testid": "review-button",
        title: "make a review queue of the selected samples" }, "Review"),
      this.status,
    ]);
    this.showTotal();
  }

  showTotal() {
    const total = this.toolbar.querySelector("[data-testid=explore-total]");
    if (total) total.textContent = this.grid.total === null ? "…" : fmt(this.grid.total);
    const count = this.toolbar.querySelector("[data-testid=selected-count]");
    if (count) count.textContent = `${fmt(this.selected.size)} selected`;
  }

  /** A click on a tile's checkbox (shift: the range from the last click). */
  toggle(index, id, shift) {
    if (shift && this.anchor !== null) {
      const [a, b] = [Math.min(this.anchor, index), Math.max(this.anchor, index)];
      for (let i = a; i <= b; i++) {
        const item = this.grid.item(i);
        if (item) this.selected.add(item.id);
      }
    } else if (this.selected.has(id)) {
      this.selected.delete(id);
    } else {
      this.selected.add(id);
    }
    this.anchor = index;
    this.showTotal();
    this.grid.draw();
  }

  selectVisible() {
    for (const item of this.grid.visibleItems()) this.selected.add(item.id);
    this.showTotal();
    this.grid.draw();
  }

  async selectAll() {
    const total = this.grid.total || 0;
    if (total > SELECT_ALL_LIMIT) {
      this.say(`Select all works up to ${fmt(SELECT_ALL_LIMIT)} samples; narrow the filters first.`);
      return;
    }
    for (let offset = 0; offset < total; offset += 1000) {
      const page = await postJson("/api/query", queryBody(this.state, offset, 1000));
      for (const item of page.items) this.selected.add(item.id);
    }
    this.showTotal();
    this.grid.draw();
  }

  clearSelection() {
    this.selected.clear();
    this.anchor = null;
    this.showTotal();
    this.grid.draw();
  }

  say(text, error = false) {
    this.status.textContent = text;
    this.status.classList.toggle("error-text", error);
  }

  async tag(remove) {
    const tag = this.tagInput.value.trim();
    if (!tag) return this.say("Type a tag first.", true);
    if (this.selected.size === 0) return this.say("Select samples first.", true);
    try {
      const answer = await postJson("/api/tags", { sample_ids: [...this.selected], tag, remove });
      this.say(`${remove ? "Untagged" : "Tagged"} ${fmt(answer.changed)} samples “${tag}”.`);
      this.facets = await facets(this.state.dataset);
      this.renderFilters();
      this.grid.reset();
    } catch (error) {
      this.say(error.message, true);
    }
    return null;
  }

  /** Makes a review queue of the selection (admins; see the Review page). */
  async reviewSelection() {
    const name = this.queueInput.value.trim();
    if (!name) return this.say("Name the review queue first.", true);
    if (this.selected.size === 0) return this.say("Select samples first.", true);
    try {
      const queue = await postJson("/api/review/queues",
        { dataset: this.state.dataset, name, from: `samples:${[...this.selected].join(",")}` });
      this.status.replaceChildren(`Made review queue ${queue.name} with ${fmt(queue.items)} samples: `,
        h("a", { href: `#/review/${queue.id}`, "data-testid": "review-queue-link" }, "review it"));
      this.status.classList.remove("error-text");
    } catch (error) {
      this.say(error.message, true);
    }
    return null;
  }

  async exportSelection() {
    if (this.selected.size === 0) return this.say("Select samples first.", true);
    const format = this.exportFormat.value;
    try {
      const { blob, fileName } = await postForBlob("/api/export",
        { format, dataset: this.state.dataset, sample_ids: [...this.selected] });
      const ext = { coco: "json", yolo: "zip", csv: "csv" }[format];
      const link = h("a", { href: URL.createObjectURL(blob),
        download: fileName || `${this.state.dataset}-selection.${ext}` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      this.say(`Exported ${fmt(this.selected.size)} samples as ${format.toUpperCase()}.`);
    } catch (error) {
      this.say(error.message, true);
    }
    return null;
  }
}

function field(label, control) {
  return h("label", { class: "field" }, h("span", {}, label), control);
}

/** Checkboxes for a list of values; calls onchange with the checked ones. */
function checkList(label, values, checked, onchange, testid) {
  if (!values.length) return null;
  const boxes = values.map((value) => {
    const input = h("input", { type: "checkbox", value, "data-testid": testid, "data-value": value });
    input.checked = checked.includes(value);
    input.addEventListener("change", () => onchange(boxes.filter((b) => b.checked).map((b) => b.value)));
    return input;
  });
  return h("fieldset", { class: "checks" }, h("legend", {}, label),
    boxes.map((box) => h("label", {}, box, h("span", {}, box.value))));
}

/** Removable chips for filters set from other pages (cell, slice, similar, map). */
function chips(page) {
  const st = page.state;
  const list = [];
  if (st.cell && st.run !== null) {
    list.push(chip(`confusion cell [${st.cell.join(", ")}] of run #${st.run}`, () => page.update({ cell: null })));
  }
  if (st.similar_to !== null) {
    list.push(chip(h("span", {}, "similar to ", h("a", { href: `#/sample/${st.similar_to}` }, `#${st.similar_to}`)),
      () => page.update({ similar_to: null, sort: st.sort === "similarity" ? null : st.sort })));
  }
  if (st.slice) {
    const what = st.slice.conditions.map((c) => `${c.column} ${c.label}`).join(" and ");
    list.push(chip(`slice of run #${st.slice.run}: ${what}`, () => page.update({ slice: null })));
  }
  if (st.map) {
    list.push(chip(`map selection (set ${st.map.set_id}, ${st.map.polygon.length} vertices)`,
      () => page.update({ map: null })));
  }
  return list.length ? h("div", { class: "chips", "data-testid": "chips" }, list) : null;
}

function chip(content, onremove) {
  return h("span", { class: "chip" }, content,
    h("button", { class: "chip-x", title: "remove this filter", onclick: onremove }, "×"));
}

/** The virtualised grid: tiles exist only for rows in (or near) view. */
class Grid {
  constructor(page) {
    this.page = page;
    this.total = null;
    this.pages = new Map();
    this.tiles = new Map();
    this.generation = 0;
    this.spacer = h("div", { class: "grid-spacer" });
    this.scroller = h("div", { class: "grid-scroll", "data-testid": "grid" }, this.spacer);
    this.onScroll = () => this.schedule();
    this.scroller.addEventListener("scroll", this.onScroll, { passive: true });
    this.resizeObserver = new ResizeObserver(() => this.schedule());
    this.resizeObserver.observe(this.scroller);
  }

  destroy() {
    this.generation++;
    this.resizeObserver.disconnect();
    this.scroller.removeEventListener("scroll", this.onScroll);
  }

  /** New filters: forget every page and start from the top. */
  async reset() {
    this.generation++;
    this.pages.clear();
    this.total = null;
    this.scroller.scrollTop = 0;
    for (const tile of this.tiles.values()) tile.remove();
    this.tiles.clear();
    if (this.page.grid === this) this.page.showTotal();
    await this.load(0);
  }

  /** Tiles made again (same pages) after a change of how they look. */
  redrawTiles() {
    for (const tile of this.tiles.values()) tile.remove();
    this.tiles.clear();
    this.draw();
  }

  item(index) {
    const page = this.pages.get(Math.floor(index / PAGE));
    return page && page.items ? page.items[index % PAGE] || null : null;
  }

  /** Fetches page `n` once; draws when it arrives. */
  async load(n) {
    if (this.pages.has(n)) return;
    const generation = this.generation;
    const entry = { items: null };
    this.pages.set(n, entry);
    try {
      const answer = await postJson("/api/query", queryBody(this.page.state, n * PAGE, PAGE, true));
      if (generation !== this.generation) return;
      entry.items = answer.items;
      this.total = answer.total;
      this.elapsed = answer.elapsed_ms;
      this.page.showTotal();
      this.page.timing.textContent = `${fmt(answer.elapsed_ms)} ms on the server`;
      this.draw();
    } catch (error) {
      if (generation !== this.generation) return;
      this.pages.delete(n);
      this.page.say(error.message, true);
    }
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.draw();
    });
  }

  /** The layout: columns, rows, the spacer height and the scroll mapping. */
  layout() {
    const width = this.scroller.clientWidth || 800;
    const viewHeight = this.scroller.clientHeight || 600;
    const cols = Math.max(1, Math.floor(width / TILE_W));
    const rows = Math.ceil((this.total || 0) / cols);
    const realHeight = rows * TILE_H;
    const spacerHeight = Math.min(realHeight, MAX_SCROLL_PX);
    const scrollTop = this.scroller.scrollTop;
    // Past MAX_SCROLL_PX the scroll bar maps linearly onto the real height.
    const realTop = realHeight > spacerHeight && spacerHeight > viewHeight
      ? (scrollTop / (spacerHeight - viewHeight)) * (realHeight - viewHeight)
      : scrollTop;
    return { cols, rows, viewHeight, spacerHeight, scrollTop, realTop };
  }

  visibleIndices() {
    const { cols, rows, viewHeight, realTop } = this.layout();
    const first = Math.max(0, Math.floor(realTop / TILE_H));
    const last = Math.min(rows - 1, Math.floor((realTop + viewHeight - 1) / TILE_H));
    const out = [];
    for (let row = first; row <= last; row++) {
      for (let col = 0; col < cols; col++) {
        const index = row * cols + col;
        if (index < this.total) out.push(index);
      }
    }
    return out;
  }

  visibleItems() {
    return this.visibleIndices().map((i) => this.item(i)).filter(Boolean);
  }

  /** Places the tiles of the rows in view (plus one row each side). */
  draw() {
    if (this.total === null) return;
    const L = this.layout();
    this.spacer.style.height = `${L.spacerHeight}px`;
    if (this.total === 0) {
      this.spacer.replaceChildren(h("p", { class: "empty", "data-testid": "no-results" }, "No samples match these filters."));
      this.tiles.clear();
      return;
    }
    this.spacer.querySelector(".empty")?.remove();
    const first = Math.max(0, Math.floor(L.realTop / TILE_H) - 1);
    const last = Math.min(L.rows - 1, Math.floor((L.realTop + L.viewHeight) / TILE_H) + 1);
    const wanted = new Set();
    for (let row = first; row <= last; row++) {
      for (let col = 0; col < L.cols; col++) {
        const index = row * L.cols + col;
        if (index >= this.total) break;
        wanted.add(index);
        this.placeTile(index, L.scrollTop + row * TILE_H - L.realTop, col * TILE_W);
      }
    }
    for (const [index, tile] of this.tiles) {
      if (!wanted.has(index)) {
        tile.remove();
        this.tiles.delete(index);
      }
    }
  }

  placeTile(index, top, left) {
    const item = this.item(index);
    if (!item) this.load(Math.floor(index / PAGE));
    let tile = this.tiles.get(index);
    if (!tile || (item && tile.dataset.id !== String(item.id))) {
      tile?.remove();
      tile = item ? this.tile(index, item) : h("div", { class: "tile placeholder" });
      this.tiles.set(index, tile);
      this.spacer.append(tile);
    }
    tile.style.transform = `translate(${left}px, ${top}px)`;
    if (item) {
      const on = this.page.selected.has(item.id);
      tile.classList.toggle("selected", on);
      tile.querySelector("input").checked = on;
    }
  }

  /** The tile's objects over its thumbnail (made and dropped with the tile). */
  overlay(item) {
    const objects = item.objects;
    if (!this.page.state.boxes || !objects || !objects.length || !(item.width > 0 && item.height > 0)) {
      return null;
    }
    return tileOverlay(item.width, item.height, objects, (obj) => this.page.objectColor(obj));
  }

  tile(index, item) {
    const check = h("input", { type: "checkbox", "data-testid": "tile-check", title: "select (shift: range)" });
    check.addEventListener("click", (e) => {
      e.stopPropagation();
      this.page.toggle(index, item.id, e.shiftKey);
    });
    const img = h("img", { src: thumbnailUrl(item.id), alt: "", decoding: "async", draggable: "false" });
    img.addEventListener("error", () => img.replaceWith(h("span", { class: "no-preview" }, "no preview")));
    return h("div", { class: "tile", "data-testid": "tile", "data-id": item.id, "data-index": index },
      h("a", { href: `#/sample/${item.id}`, class: "thumb", title: item.file_name },
        img, this.overlay(item)),
      h("div", { class: "tile-bar" }, check,
        h("span", { class: "tile-name", "data-testid": "tile-name" }, item.file_name)),
      badges(item));
  }
}

/** TP / FP / FN swatches while tiles are coloured by outcome. */
function boxLegend(st) {
  if (st.run === null || st.color !== "outcome") return null;
  return h("span", { class: "box-legend", "data-testid": "box-legend" },
    ["tp", "fp", "fn"].map((kind) => h("span", { class: "legend-entry" },
      h("span", { class: "swatch", style: { background: OUTCOME_COLORS[kind] } }), kind.toUpperCase())));
}

function badges(item) {
  const list = [];
  if (item.counts) {
    for (const kind of ["tp", "fp", "fn"]) {
      if (item.counts[kind]) {
        list.push(h("span", { class: "badge", style: { background: OUTCOME_COLORS[kind] },
          title: `${item.counts[kind]} ${kind.toUpperCase()}` }, `${kind.toUpperCase()} ${item.counts[kind]}`));
      }
    }
  }
  if (item.issues && item.issues.length) {
    list.push(h("span", { class: "badge issue", title: item.issues.join(", ") }, `⚠ ${item.issues.length}`));
  }
  if (item.tags && item.tags.length) {
    list.push(h("span", { class: "badge tag", title: item.tags.join(", ") }, `# ${item.tags.length}`));
  }
  if (item.value !== null && item.value !== undefined) {
    list.push(h("span", { class: "badge value" }, fmt(item.value)));
  }
  return h("div", { class: "badges" }, list);
}
