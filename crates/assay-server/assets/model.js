// Model performance of one run: summary metrics, the per-class table, PR
// curves, the confusion matrix (detection or classification; cells open the
// explorer on those samples), the error breakdown, the calibration of a
// classifier and quality by object size or data metric.

import { facets, getJson, overview } from "./api.js";
import { barChart, legend, lineChart } from "./charts.js";
import { OUTCOME_COLORS, append, empty, fmt, h, paletteColor, route, section, select, table } from "./util.js";

export async function render(view, ctx) {
  const data = await overview();
  let id = ctx.arg ? Number(ctx.arg) : null;
  if (id === null) {
    const first = data.runs.find((r) => r.task !== "generation") || data.runs[0];
    if (!first) {
      view.append(h("h1", {}, "Model performance"), empty("No runs yet: run `assay evaluate`."));
      return null;
    }
    id = first.id;
    history.replaceState(null, "", `#/model/${id}`);
  }
  const run = await getJson(`/api/runs/${id}`);
  append(view, [header(run, data.runs), summaryCard(run), classesCard(run)]);
  view.append(h("div", { class: "columns" }, curvesCard(run), errorsCard(run)));
  if (run.confusion) view.append(confusionCard(run));
  if (run.calibration && run.calibration.length) view.append(calibrationCard(run));
  if (run.task === "detection" || run.task === "segmentation") view.append(await breakdownCard(run));
  view.append(rawSummary(run));
  return null;
}

function header(run, runs) {
  const sameDataset = runs.filter((r) => r.dataset === run.dataset);
  return h("div", { class: "page-head" },
    h("h1", { "data-testid": "run-title" }, `Run #${run.id}: ${run.model}`),
    h("p", { class: "muted" }, `${run.task} on `,
      h("a", { href: route("explore", { dataset: run.dataset, run: run.id }) }, run.dataset),
      ` · ${(run.created_at || "").replace("T", " ").slice(0, 19)} · `,
      h("label", {}, "run ", select(sameDataset.map((r) => [r.id, `#${r.id} ${r.model} (${r.task})`]), run.id,
        (v) => { location.hash = `#/model/${v}`; }, { "data-testid": "run-select" })),
      " · ",
      h("a", { href: route("runs", { b: run.id }) }, "compare with another run")));
}

function summaryCard(run) {
  if (!run.metrics.length) return section("Summary", empty("No metrics stored."));
  return section("Summary", h("div", { class: "stats", "data-testid": "run-metrics" },
    run.metrics.map(([name, value]) => h("div", { class: "stat" },
      h("div", { class: "stat-value" }, metricText(name, value)), h("div", { class: "stat-label" }, name)))));
}

/** COCO writes -1 for an AP or AR with nothing to measure: show "n/a". */
function metricText(name, value) {
  return value === -1 && /^(ap|ar)/.test(name) ? "n/a" : fmt(value);
}

function classesCard(run) {
  if (!run.classes || !run.classes.length) return null;
  const keys = [];
  for (const c of run.classes) for (const k of Object.keys(c.metrics)) if (!keys.includes(k)) keys.push(k);
  return section("Per class", table(["class", ...keys],
    run.classes.map((c) => [
      h("a", { href: route("explore", { dataset: run.dataset, classes: c.name, run: run.id }) }, c.name),
      ...keys.map((k) => metricText(k, c.metrics[k]))]), { "data-testid": "class-table" }));
}

function curvesCard(run) {
  if (!run.curves || !run.curves.length) return section("Precision–recall", empty("No curves stored for this run."));
  const thresholds = [...new Set(run.curves.map((c) => c.iou))].sort((a, b) => a - b);
  const holder = h("div", {});
  const show = (iou) => {
    const curves = run.curves.filter((c) => String(c.iou) === String(iou));
    const series = curves.map((c, i) => ({
      name: c.category ?? "all classes", xs: c.recall, ys: c.precision,
      color: c.category === null ? "#222" : paletteColor(i), width: c.category === null ? 3 : 1.5,
    }));
    holder.replaceChildren(
      lineChart(series, { xLabel: "recall", yLabel: "precision", testid: "pr-curves" }),
      legend(series.map((x) => ({ name: x.name, color: x.color }))));
  };
  const initial = thresholds.includes(0.5) ? 0.5 : thresholds[0];
  show(initial);
  return section("Precision–recall",
    thresholds.length > 1 ? h("label", {}, "IoU ", select(thresholds, initial, show)) : null, holder);
}

function errorsCard(run) {
  if (!run.errors) return section("Errors", empty("No error breakdown for this task."));
  const costs = run.errors.costs || [];
  return section("Errors",
    h("p", { class: "muted" }, `AP50 ${fmt(run.errors.ap50)}; the AP50 each kind of error costs (fixing it would add):`),
    barChart(costs.map((c) => ({ label: `${c.kind} (${fmt(c.count)})`, value: c.delta_ap, color: "#c0504d",
      title: `${c.kind}: ${fmt(c.count)} errors, ΔAP50 ${fmt(c.delta_ap)}` })), { testid: "error-bars", labelWidth: 170 }));
}

function confusionCard(run) {
  const { labels, counts } = run.confusion;
  const max = Math.max(1, ...counts.flat());
  const head = h("tr", {}, h("th", { class: "corner" }, "truth ↓ / predicted →"),
    labels.map((l) => h("th", { class: "col-label" }, l)));
  const rows = counts.map((row, r) => h("tr", {}, h("th", {}, labels[r]),
    row.map((count, c) => h("td", { class: r === c ? "diag" : "" }, cell(run, r, c, count, max)))));
  const note = run.confusion.background
    ? [`IoU ≥ ${fmt(run.confusion.iou_threshold)}, score ≥ ${fmt(run.confusion.min_score)}. `,
      "The last row and column are the background (missed objects and false detections). Click a cell to see its samples."]
    : ["Rows are the labelled class, columns the predicted one. Click a cell to see its images."];
  return section("Confusion matrix",
    h("p", { class: "muted" }, ...note),
    h("table", { class: "confusion", "data-testid": "confusion" }, h("thead", {}, head), h("tbody", {}, rows)));
}

function cell(run, r, c, count, max) {
  const alpha = count ? 0.12 + 0.88 * (count / max) : 0;
  const last = run.confusion.labels.length - (run.confusion.background ? 1 : 0);
  const diagonal = r === c && r < last;
  const color = diagonal ? `rgba(44,160,44,${alpha})` : `rgba(214,39,40,${alpha})`;
  const attrs = { class: "cell", style: { background: color }, "data-testid": "confusion-cell",
    "data-row": r, "data-col": c, "data-count": count,
    title: `${run.confusion.labels[r]} → ${run.confusion.labels[c]}: ${count}` };
  if (!count) return h("span", attrs, "0");
  return h("a", { ...attrs, href: route("explore", { dataset: run.dataset, run: run.id, cell: [r, c] }) }, fmt(count));
}

async function breakdownCard(run) {
  const metrics = (await facets(run.dataset)).metrics.map((m) => [`metric:${m.name}`, m.name]);
  const holder = h("div", { "data-testid": "breakdown" });
  let by = "size";
  let bins = 5;
  const load = async () => {
    holder.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    try {
      const data = await getJson(`/api/runs/${run.id}/breakdown?by=${encodeURIComponent(by)}&bins=${bins}`);
      holder.replaceChildren(breakdownView(data));
    } catch (error) {
      holder.replaceChildren(h("p", { class: "error-text" }, error.message));
    }
  };
  await load();
  return section("Where the model fails",
    h("div", { class: "inline" },
      h("label", {}, "by ", select([["size", "object size"], ...metrics], by, (v) => { by = v; load(); },
        { "data-testid": "breakdown-by" })),
      h("label", {}, " bins ", select([3, 5, 8, 10], bins, (v) => { bins = Number(v); load(); }))),
    holder);
}

function breakdownView(data) {
  if (!data.buckets.length) return empty("No objects to break down.");
  const label = (b) => b.label || `${fmt(b.lo)} – ${fmt(b.hi)}`;
  return h("div", { class: "columns" },
    table(["bucket", "ground truths", "TP", "FP", "FN", "precision", "recall"],
      data.buckets.map((b) => [label(b), fmt(b.ground_truths), fmt(b.tp), fmt(b.fp), fmt(b.fn),
        fmt(b.precision), fmt(b.recall)])),
    h("div", {},
      h("h3", {}, "Recall"),
      barChart(data.buckets.map((b) => ({ label: label(b), value: b.recall ?? 0, color: OUTCOME_COLORS.tp })), { max: 1 }),
      h("h3", {}, "Precision"),
      barChart(data.buckets.map((b) => ({ label: label(b), value: b.precision ?? 0, color: "#4e79a7" })), { max: 1 })));
}

/** The reliability diagram of a classification run: accuracy per confidence bin. */
function calibrationCard(run) {
  const bins = run.calibration.filter((b) => b.count > 0);
  return section("Calibration",
    h("p", { class: "muted" }, "Accuracy of the images in each confidence bin; a calibrated model's bars match their confidence."),
    h("div", { "data-testid": "calibration" },
      table(["confidence", "images", "mean confidence", "accuracy"],
        bins.map((b) => [`${fmt(b.lower)} – ${fmt(b.upper)}`, fmt(b.count), fmt(b.confidence), fmt(b.accuracy)])),
      barChart(bins.map((b) => ({ label: `${fmt(b.lower)} – ${fmt(b.upper)}`, value: b.accuracy, color: "#4e79a7" })), { max: 1 })));
}

function rawSummary(run) {
  return h("details", { class: "card" }, h("summary", {}, "Everything stored for this run (JSON)"),
    h("pre", {}, JSON.stringify({ params: run.params, summary: run.summary }, null, 2)));
}
