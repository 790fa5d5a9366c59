// Failure analysis of a run: which data metrics predict its misses
// (importance), the weak slices (each opens in the explorer as a filter),
// drift between two splits, and run against run with intervals.

import { getJson, overview } from "./api.js";
import { empty, fmt, h, route, section, select } from "./util.js";

const TARGETS = [["missed", "missed ground truths"], ["errors", "misses and false positives"],
  ["localization", "localization errors"], ["classification", "classification errors"],
  ["background", "background false positives"]];

export async function render(view, ctx) {
  const data = await overview();
  const runs = data.runs.filter((r) => r.task === "detection" || r.task === "segmentation");
  view.append(h("div", { class: "page-head" }, h("h1", {}, "Analysis")));
  if (!runs.length) return view.append(empty("No detection runs yet (run `assay evaluate --model NAME`)."));
  const runId = Number(ctx.query.get("run")) || runs[runs.length - 1].id;
  const run = runs.find((r) => r.id === runId) || runs[0];
  const target = ctx.query.get("target") || "missed";
  const go = (params) => { location.hash = route("analysis", { run: run.id, target, ...params }); };
  view.append(h("div", { class: "controls" },
    h("label", {}, "run ", select(runs.map((r) => [r.id, `#${r.id} ${r.model} on ${r.dataset}`]), run.id,
      (v) => go({ run: v }), { "data-testid": "analysis-run" })),
    h("label", {}, " slices of ", select(TARGETS, target, (v) => go({ target: v }),
      { "data-testid": "analysis-target" }))));
  const [importance, slices] = await Promise.all([
    getJson(`/api/analysis/importance?run=${run.id}`),
    getJson(`/api/analysis/slices?run=${run.id}&target=${encodeURIComponent(target)}`),
  ]);
  view.append(importanceCard(importance), slicesCard(run, slices));
  const splits = (data.datasets.find((d) => d.name === run.dataset) || { splits: [] }).splits || [];
  view.append(await driftCard(run.dataset, splits, ctx.query));
  const others = runs.filter((r) => r.dataset === run.dataset && r.id !== run.id);
  if (others.length) view.append(await compareCard(run, others, ctx.query));
  return null;
}

/** Run B against the page's run (A): a paired bootstrap of every COCO metric. */
async function compareCard(run, others, query) {
  const b = others.find((r) => r.id === Number(query.get("b"))) || others[0];
  const pick = select(others.map((r) => [r.id, `#${r.id} ${r.model}`]), b.id, (v) => {
    const q = Object.fromEntries(query.entries());
    location.hash = route("analysis", { ...q, run: run.id, b: v });
  }, { "data-testid": "compare-run" });
  const result = await getJson(`/api/analysis/compare?a=${run.id}&b=${b.id}&resamples=500`);
  const names = new Map(result.classes);
  const rows = result.bootstrap.metrics.map((m) => h("tr", { "data-testid": "compare-row", "data-metric": m.class === null || m.class === undefined ? m.name : `${m.name} ${names.get(m.class)}` },
    h("td", {}, m.class === null || m.class === undefined ? m.name : `${m.name} ${names.get(m.class) ?? m.class}`),
    h("td", { class: "num" }, m.a.toFixed(4)), h("td", { class: "num" }, m.b.toFixed(4)),
    h("td", { class: "num" }, signed(m.difference)),
    h("td", { class: "num" }, m.low === null ? "–" : `[${signed(m.low)}, ${signed(m.high)}]`),
    h("td", { class: "num" }, m.p_value === null ? "–" : m.p_value.toFixed(3))));
  return section("Is run B better than run A?",
    h("div", { class: "controls" }, h("label", {}, `A: #${run.id} ${run.model}; B: `, pick)),
    h("p", { class: "muted" }, result.method),
    h("table", { "data-testid": "compare" },
      h("thead", {}, h("tr", {}, ["metric", "A", "B", "B − A", "interval", "p"].map((x) => h("th", {}, x)))),
      h("tbody", {}, rows)));
}

function signed(v) {
  return v === null || v === undefined ? "–" : (v >= 0 ? "+" : "") + v.toFixed(3);
}

function importanceRows(result, metrics) {
  return metrics.slice(0, 12).map((m) => h("tr", { "data-testid": "importance-row", "data-metric": m.metric },
    h("td", {}, m.metric, m.same_as ? h("span", { class: "muted small", title: `same values: ${m.same_as.join(", ")}` }, " ≡") : null),
    h("td", {}, m.level), h("td", { class: "num" }, fmt(m.n)),
    h("td", { class: "num" }, m.mutual_info.toFixed(3)),
    h("td", { class: "num", title: `p = ${m.p_value.toFixed(2)} over ${result.permutations} shuffles` }, m.excess.toFixed(3)),
    h("td", { class: "num" }, signed(m.pearson)), h("td", { class: "num" }, signed(m.spearman))));
}

function importanceTable(result, caption, metrics, testid) {
  return h("table", { "data-testid": testid },
    h("caption", { class: "muted" }, caption),
    h("thead", {}, h("tr", {}, ["metric", "level", "n", "mutual info", "above null", "Pearson", "Spearman"].map((x) => h("th", {}, x)))),
    h("tbody", {}, importanceRows(result, metrics)));
}

function importanceCard(result) {
  const overall = result.groups[0];
  const top = (g) => g.metrics.slice(0, 2).concat(g.image_metrics.slice(0, 2));
  const perClass = result.groups.slice(1).filter((g) => top(g).length).map((g) =>
    h("li", {}, h("b", {}, g.class), ": ", top(g).map((m) => `${m.metric} (${m.mutual_info.toFixed(3)})`).join(", ")));
  return section("Metric importance",
    h("p", { class: "muted" }, `Mutual information (scikit-learn's k-NN estimator, k = ${result.neighbours}) and correlation of each metric with the ${result.target}; ranked by mutual information above its null (the metric shuffled ${result.permutations} times). Image metrics count each image once.`),
    importanceTable(result, `Object metrics (${fmt(overall.objects)} ground truths)`, overall.metrics, "importance"),
    importanceTable(result, `Image metrics (${fmt(overall.images)} images)`, overall.image_metrics, "importance-images"),
    perClass.length ? h("details", {}, h("summary", {}, "Top metrics per class"), h("ul", {}, perClass)) : null);
}

function slicesCard(run, result) {
  if (!result.slices.length) return section("Weak slices", empty("No slice errs more than the rest."));
  const rows = result.slices.map((s) => {
    const href = route("explore", { dataset: run.dataset, run: run.id, slice: JSON.stringify(s.filter) });
    const kinds = s.error_kinds.map(([k, n]) => `${k} ${n}`).join(", ");
    return h("tr", { "data-testid": "slice-row", "data-samples": s.samples },
      h("td", {}, h("a", { href, "data-testid": "slice-link" }, s.description)),
      h("td", { class: "num" }, fmt(s.rows)), h("td", { class: "num" }, fmt(s.samples)),
      h("td", { class: "num" }, s.error_rate.toFixed(3)),
      h("td", { class: "num" }, `${signed(s.difference)} [${signed(s.interval[0])}, ${signed(s.interval[1])}]`),
      h("td", { class: "num", title: `p = ${s.p_value.toExponential(2)}` },
        s.p_adjusted.toExponential(2), s.significant ? "" : h("span", { class: "muted" }, " ns")),
      h("td", { class: "small" }, kinds));
  });
  return section("Weak slices",
    h("p", { class: "muted" }, `${result.method} over ${fmt(result.rows)} rows; error = ${result.target}, overall rate ${result.error_rate.toFixed(3)}. p: Benjamini-Hochberg over the search's ${result.candidates} candidates. A slice opens its images in the explorer.`),
    h("table", { "data-testid": "slices" },
      h("thead", {}, h("tr", {}, ["slice", "rows", "images", "error rate", "vs rest [95%]", "p (BH)", "errors by kind"].map((x) => h("th", {}, x)))),
      h("tbody", {}, rows)));
}

async function driftCard(dataset, splits, query) {
  const names = splits.map((s) => s.split ?? s.name ?? s[0]).filter(Boolean);
  if (names.length < 2) return section("Drift", empty("Drift compares two splits; this dataset has fewer."));
  const reference = query.get("reference") || names[0];
  const current = query.get("current") || names[names.length - 1];
  const go = (params) => {
    const q = Object.fromEntries(query.entries());
    location.hash = route("analysis", { ...q, reference, current, ...params });
  };
  const result = await getJson(`/api/analysis/drift?dataset=${encodeURIComponent(dataset)}&reference=${encodeURIComponent(reference)}&current=${encodeURIComponent(current)}`);
  const rows = (table) => table.columns.map((c) => h("tr", {
    "data-testid": "drift-column", "data-column": c.column, "data-drifted": c.drifted ? "1" : "0",
    class: c.drifted ? "flagged" : "" },
  h("td", {}, c.column), h("td", { class: "small" }, c.method),
  h("td", { class: "num" }, c.score.toPrecision(3)), h("td", { class: "num" }, c.threshold),
  h("td", {}, c.drifted ? "drift" : "")));
  const verdict = (t, what) => h("p", { "data-testid": "drift-verdict" },
    `${what}: ${t.n_drifted} of ${t.columns.length} columns drifted (${(100 * t.share_drifted).toFixed(0)}%); `,
    h("b", {}, t.drifted ? "drift" : "no drift"), ` at a share of ${t.drift_share}.`);
  const header = h("thead", {}, h("tr", {}, ["column", "method", "score", "threshold", ""].map((x) => h("th", {}, x))));
  return section("Drift",
    h("div", { class: "controls" },
      h("label", {}, "reference ", select(names, reference, (v) => go({ reference: v }), { "data-testid": "drift-reference" })),
      h("label", {}, " current ", select(names, current, (v) => go({ current: v }), { "data-testid": "drift-current" }))),
    verdict(result.images, `Images (${fmt(result.reference.samples)} against ${fmt(result.current.samples)})`),
    h("table", { "data-testid": "drift" }, header, h("tbody", {}, rows(result.images))),
    result.objects ? verdict(result.objects, `Objects (${fmt(result.reference.objects)} against ${fmt(result.current.objects)})`) : null,
    result.objects ? h("table", { "data-testid": "drift-objects" }, header.cloneNode(true), h("tbody", {}, rows(result.objects))) : null);
}
