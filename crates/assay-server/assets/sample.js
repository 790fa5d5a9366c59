// The sample view: the full image with toggleable layers (ground truth,
// each model's predictions; boxes, polygons, masks) coloured by outcome in
// a chosen run or by class; metrics, issues, objects, tags, neighbours and
// the sample's history across runs.

import { getJson, imageUrl, postJson, thumbnailUrl } from "./api.js";
import { overlay } from "./draw.js";
import { legend } from "./charts.js";
import { OUTCOME_COLORS, classColor, empty, fmt, h, route, section, select, table } from "./util.js";

const NEUTRAL = "#9aa0a6";

export async function render(view, ctx) {
  const id = Number(ctx.arg);
  if (!Number.isInteger(id)) throw new Error(`“${ctx.arg}” is not a sample id`);
  const sample = await getJson(`/api/samples/${id}`);
  const models = [...new Set(sample.predictions.map((p) => p.model))];
  const runs = sample.runs.filter((r) => r.objects && r.objects.length);
  const opts = {
    gt: true,
    models: new Set(models),
    boxes: true,
    shapes: true,
    colorBy: runs.length ? `run:${runs[0].run_id}` : "class",
    minScore: 0,
  };
  const stage = h("div", { class: "stage" });
  const redraw = () => drawStage(stage, sample, runs, opts);
  view.append(
    header(sample),
    h("div", { class: "sample-layout" },
      h("div", { class: "sample-image" }, controls(sample, models, runs, opts, redraw), stage),
      h("div", { class: "sample-side" }, infoCards(sample, runs, opts))),
    objectCards(sample, runs),
    neighboursCard(sample),
    historyCard(sample),
  );
  redraw();
  return null;
}

function header(sample) {
  return h("div", { class: "page-head" },
    h("h1", { "data-testid": "sample-file-name" }, sample.file_name),
    h("p", { class: "muted" },
      h("a", { href: route("explore", { dataset: sample.dataset }) }, sample.dataset),
      ` · sample #${sample.id} · ${sample.split || "no split"} · ${sample.width} × ${sample.height}`,
      sample.has_file ? "" : " · no readable file",
      " · ",
      h("a", { href: route("explore", { dataset: sample.dataset, similar_to: sample.id }),
        "data-testid": "find-similar" }, "find similar")));
}

function controls(sample, models, runs, opts, redraw) {
  const toggle = (label, checked, onchange, testid) => {
    const box = h("input", { type: "checkbox", "data-testid": testid });
    box.checked = checked;
    box.addEventListener("change", () => { onchange(box.checked); redraw(); });
    return h("label", {}, box, " ", label);
  };
  const colorOptions = [
    ...runs.map((r) => [`run:${r.run_id}`, `outcome in run #${r.run_id} (${r.model})`]),
    ["class", "class"],
  ];
  const score = h("input", { type: "range", min: 0, max: 1, step: 0.05, value: 0, "data-testid": "min-score" });
  const scoreLabel = h("span", {}, "0");
  score.addEventListener("input", () => {
    opts.minScore = Number(score.value);
    scoreLabel.textContent = score.value;
    redraw();
  });
  return h("div", { class: "layer-controls", "data-testid": "layers" },
    toggle(`ground truth (${sample.annotations.length})`, opts.gt, (v) => { opts.gt = v; }, "layer-gt"),
    models.map((m) => toggle(`${m} (${sample.predictions.filter((p) => p.model === m).length})`, true,
      (v) => (v ? opts.models.add(m) : opts.models.delete(m)), "layer-model")),
    toggle("boxes", true, (v) => { opts.boxes = v; }, "layer-boxes"),
    toggle("masks & polygons", true, (v) => { opts.shapes = v; }, "layer-shapes"),
    h("label", {}, "colour by ", select(colorOptions, opts.colorBy, (v) => { opts.colorBy = v; redraw(); },
      { "data-testid": "color-by" })),
    models.length ? h("label", {}, "min score ", score, " ", scoreLabel) : null);
}

/** outcome of each object in a run: "gt:5" / "prediction:9" → object. */
function outcomes(run) {
  const map = new Map();
  for (const o of run ? run.objects : []) {
    map.set(`${o.side === "prediction" ? "prediction" : "gt"}:${o.object_id}`, o);
  }
  return map;
}

function colorOf(kind, obj, run, found) {
  if (!run) return classColor(obj.category);
  if (kind === "prediction" && obj.model !== run.model) return NEUTRAL;
  return found ? OUTCOME_COLORS[found.outcome] || NEUTRAL : NEUTRAL;
}

/** The objects to draw under the current options. */
function objectsToDraw(sample, runs, opts) {
  const run = opts.colorBy.startsWith("run:")
    ? runs.find((r) => `run:${r.run_id}` === opts.colorBy) : null;
  const byKey = outcomes(run);
  const list = [];
  if (opts.gt) {
    for (const a of sample.annotations) {
      const found = byKey.get(`gt:${a.id}`);
      list.push({ layer: "gt", id: a.id, category: a.category, bbox: a.bbox, polygons: a.polygons,
        rle: a.rle, outcome: found?.outcome, color: colorOf("gt", a, run, found),
        label: a.category + (found ? ` ${found.outcome.toUpperCase()}` : ""),
        title: `ground truth #${a.id}: ${a.category}` });
    }
  }
  for (const p of sample.predictions) {
    if (!opts.models.has(p.model) || (p.score ?? 1) < opts.minScore) continue;
    const found = run && p.model === run.model ? byKey.get(`prediction:${p.id}`) : null;
    list.push({ layer: `pred:${p.model}`, id: p.id, category: p.category, bbox: p.bbox,
      polygons: p.polygons, rle: p.rle, dashed: true, outcome: found?.outcome,
      color: colorOf("prediction", p, run, found),
      label: `${p.category} ${p.score === null || p.score === undefined ? "" : fmt(p.score)}${found ? " " + found.outcome.toUpperCase() : ""}`,
      title: `${p.model} prediction #${p.id}: ${p.category} (score ${fmt(p.score)})` });
  }
  return { list, run };
}

function drawStage(stage, sample, runs, opts) {
  const { list, run } = objectsToDraw(sample, runs, opts);
  const picture = sample.has_file
    ? h("img", { src: imageUrl(sample.id), alt: sample.file_name, "data-testid": "sample-image" })
    : h("div", { class: "no-image" }, "no readable image file");
  // The box scales the image (up or down) to the column's width or 75% of
  // the window's height; image and overlay both fill it.
  const size = { width: `min(100%, ${(75 * sample.width) / sample.height}vh)`,
    aspectRatio: `${sample.width} / ${sample.height}` };
  const svg = overlay(sample.width, sample.height, list, opts);
  const inner = h("div", { class: "stage-inner", style: size }, picture, svg);
  stage.replaceChildren(inner);
  keepLabelsReadable(inner, svg, sample.width);
  const entries = run
    ? [["TP", OUTCOME_COLORS.tp], ["FP", OUTCOME_COLORS.fp], ["FN", OUTCOME_COLORS.fn],
      ["other", NEUTRAL]]
    : [...new Set(list.map((o) => o.category))].map((c) => [c, classColor(c)]);
  stage.append(legend(entries.map(([name, color]) => ({ name, color }))),
    h("p", { class: "muted small" }, "Solid: ground truth. Dashed: predictions."));
}

/** Sizes the labels (drawn in image units) to 12 screen pixels at any zoom. */
function keepLabelsReadable(inner, svg, imageWidth) {
  const fit = () => {
    if (!inner.clientWidth) return;
    const unit = imageWidth / inner.clientWidth;
    for (const text of svg.querySelectorAll("text")) {
      text.setAttribute("font-size", 12 * unit);
      text.style.strokeWidth = `${2 * unit}px`;
    }
  };
  new ResizeObserver(fit).observe(inner);
  fit();
}

function infoCards(sample, runs) {
  const issues = sample.issues.filter((i) => i.annotation_id === null || i.annotation_id === undefined);
  return [
    sample.generation ? section("Generation", table(["prompt", "model", "seed"],
      [[sample.generation.prompt, sample.generation.model, fmt(sample.generation.seed)]])) : null,
    section("Issues", issues.length
      ? table(["issue", "score", "explanation"], issues.map((i) => [
        h("a", { href: route("explore", { dataset: sample.dataset, issues: i.kind }) }, i.kind),
        fmt(i.score), i.explanation || ""]), { "data-testid": "sample-issues" })
      : empty("No issues.")),
    tagsCard(sample),
    section("Metrics", sample.metrics.length
      ? table(["metric", "value"], sample.metrics.map(([k, v]) => [k, fmt(v)]), { "data-testid": "sample-metrics" })
      : empty("No metrics (run `assay quality`).")),
    sample.properties.length
      ? section("Properties", table(["property", "value"], sample.properties.map(([k, v]) => [k, fmt(v)])))
      : null,
  ];
}

function tagsCard(sample) {
  const list = h("div", { class: "chips", "data-testid": "sample-tags" });
  const show = () => list.replaceChildren(...(sample.tags.length ? sample.tags.map((t) =>
    h("span", { class: "chip" }, h("a", { href: route("explore", { dataset: sample.dataset, tags: t }) }, t),
      h("button", { class: "chip-x", title: "remove tag", onclick: () => change(t, true) }, "×")))
    : [h("span", { class: "muted" }, "No tags.")]));
  const input = h("input", { type: "text", placeholder: "new tag", maxlength: 64 });
  const change = async (tag, remove) => {
    await postJson("/api/tags", { sample_ids: [sample.id], tag, remove });
    sample.tags = remove ? sample.tags.filter((t) => t !== tag) : [...new Set([...sample.tags, tag])];
    show();
  };
  const form = h("form", { class: "inline", onsubmit: (e) => {
    e.preventDefault();
    if (input.value.trim()) change(input.value.trim(), false).then(() => { input.value = ""; });
  } }, input, h("button", { type: "submit" }, "Add tag"));
  show();
  return section("Tags", list, form);
}

function objectCards(sample, runs) {
  const issuesOf = (id) => sample.issues.filter((i) => i.annotation_id === id);
  const outcomeCols = runs.map((r) => `run #${r.run_id}`);
  const gtRows = sample.annotations.map((a) => [
    `#${a.id}`, h("span", { style: { color: classColor(a.category) } }, a.category),
    fmt(a.area), a.iscrowd ? "yes" : "",
    a.polygons ? "polygon" : a.rle ? "mask" : "box",
    ...runs.map((r) => outcomeCell(r, "gt", a.id)),
    (a.metrics || []).map(([k, v]) => h("div", {}, `${k}: ${fmt(v)}`)),
    issuesOf(a.id).map((i) => h("div", { title: i.explanation || "" }, `${i.kind} (${fmt(i.score)})`)),
  ]);
  const predRows = sample.predictions.map((p) => [
    `#${p.id}`, p.model, h("span", { style: { color: classColor(p.category) } }, p.category), fmt(p.score),
    ...runs.map((r) => (r.model === p.model ? outcomeCell(r, "prediction", p.id) : "")),
  ]);
  return h("div", { class: "columns" },
    section(`Ground truth (${sample.annotations.length})`, sample.annotations.length
      ? table(["id", "class", "area", "crowd", "shape", ...outcomeCols, "metrics", "issues"], gtRows,
        { "data-testid": "gt-table" })
      : empty("No ground truth.")),
    section(`Predictions (${sample.predictions.length})`, sample.predictions.length
      ? table(["id", "model", "class", "score", ...outcomeCols], predRows, { "data-testid": "pred-table" })
      : empty("No predictions.")));
}

function outcomeCell(run, side, id) {
  const o = run.objects.find((x) => (x.side === "prediction" ? "prediction" : "gt") === side && x.object_id === id);
  if (!o) return "";
  const text = `${o.outcome.toUpperCase()}${o.iou !== null && o.iou !== undefined ? ` IoU ${fmt(o.iou)}` : ""}${o.error ? ` (${o.error})` : ""}`;
  return h("span", { class: "outcome", style: { color: OUTCOME_COLORS[o.outcome] || "inherit" } }, text);
}

function neighboursCard(sample) {
  if (!sample.neighbours || sample.neighbours.length === 0) {
    return section("Nearest neighbours", empty("No embeddings for this sample (run `assay embed`)."));
  }
  return section("Nearest neighbours",
    h("p", {}, h("a", { href: route("explore", { dataset: sample.dataset, similar_to: sample.id }) },
      "Open all similar samples in the explorer")),
    h("div", { class: "thumb-row", "data-testid": "neighbours" }, sample.neighbours.map((n) =>
      h("a", { href: `#/sample/${n.id}`, class: "mini", title: n.file_name },
        h("img", { src: thumbnailUrl(n.id), alt: "" }),
        h("span", {}, `${fmt(n.similarity)}`)))));
}

function historyCard(sample) {
  if (sample.runs.length === 0) return section("History across runs", empty("No runs include this sample."));
  return section("History across runs", table(["run", "model", "task", "created", "TP", "FP", "FN"],
    sample.runs.map((r) => [h("a", { href: `#/model/${r.run_id}` }, `#${r.run_id}`), r.model, r.task,
      (r.created_at || "").replace("T", " ").slice(0, 19),
      fmt(r.counts?.tp), fmt(r.counts?.fp), fmt(r.counts?.fn)]), { "data-testid": "history" }));
}
