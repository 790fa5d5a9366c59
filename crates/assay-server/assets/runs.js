// Compare two runs: metric deltas and the samples whose outcome changed
// (fixed: fewer FP + FN in B than in A; broken: more).

import { getJson, overview, thumbnailUrl } from "./api.js";
import { legend, lineChart } from "./charts.js";
import { empty, fmt, fmtDelta, h, paletteColor, route, section, select, table } from "./util.js";

export async function render(view, ctx) {
  const data = await overview();
  const runs = data.runs;
  let a = ctx.query.get("a");
  let b = ctx.query.get("b");
  view.append(h("h1", {}, "Compare runs"));
  if (runs.length < 2) return view.append(empty("Comparing needs two runs of the same dataset."));
  if (!b) b = String(defaultPair(runs).id);
  const runB = runs.find((r) => String(r.id) === b) || runs[0];
  if (!a) {
    const other = runs.find((r) => r.id !== runB.id && r.dataset === runB.dataset && r.task === runB.task);
    a = other ? String(other.id) : String(runs.find((r) => r.id !== runB.id).id);
  }
  const options = runs.map((r) => [r.id, `#${r.id} ${r.model} (${r.dataset}, ${r.task})`]);
  const go = (na, nb) => { location.hash = route("runs", { a: na, b: nb }); };
  view.append(h("div", { class: "inline" },
    h("label", {}, "A ", select(options, a, (v) => go(v, b), { "data-testid": "run-a" })),
    h("label", {}, " B ", select(options, b, (v) => go(a, v), { "data-testid": "run-b" }))));
  const cmp = await getJson(`/api/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}&limit=200`);
  view.append(
    section("Metrics", table(["metric", `A #${cmp.a.id} ${cmp.a.model}`, `B #${cmp.b.id} ${cmp.b.model}`, "B − A"],
      cmp.metrics.map((m) => [m.name, fmt(m.a), fmt(m.b),
        h("span", { class: deltaClass(m.name, m.delta) }, fmtDelta(m.delta))]),
      { "data-testid": "compare-metrics" })),
    h("div", { class: "columns" },
      changedCard("Fixed in B", "fixed", cmp.fixed, cmp.samples),
      changedCard("Broken in B", "broken", cmp.broken, cmp.samples)));
  view.append(sideBySide(runs, runB), await seriesCard());
  return null;
}

/** Headline metrics of a task, in this order when present. */
const HEADLINE = ["ap", "ap50", "ap75", "ap_small", "ar@100", "accuracy", "macro_f1", "ece", "miou",
  "fid", "kid", "precision", "recall", "coverage"];

/** Any number of runs side by side, the best of each column marked. */
function sideBySide(runs, runB) {
  const chosen = new Set(runs.filter((r) => r.task === runB.task).map((r) => r.id));
  const holder = h("div", {});
  const redraw = async () => {
    holder.replaceChildren();
    const ids = runs.filter((r) => chosen.has(r.id)).map((r) => r.id);
    if (!ids.length) return holder.append(empty("Choose runs above."));
    const have = new Set(runs.filter((r) => chosen.has(r.id)).flatMap((r) => r.metrics.map((m) => m[0])));
    const metrics = HEADLINE.filter((m) => have.has(m));
    const t = await getJson(`/api/runs-table?ids=${ids.join(",")}&metrics=${encodeURIComponent(metrics.join(","))}`);
    holder.append(table(["run", "model", "dataset", ...t.metrics],
      t.runs.map((r, i) => [`#${r.id}`, r.model, r.dataset, ...t.values[i].map((v, j) =>
        t.best[j] === i ? h("span", { class: "best", title: "best of the column" }, fmt(v), " ★") : fmt(v))]),
      { "data-testid": "runs-table" }));
  };
  const boxes = runs.map((r) => h("label", { class: "check" },
    h("input", { type: "checkbox", checked: chosen.has(r.id) || null, "data-run": r.id,
      onchange: (e) => { if (e.target.checked) chosen.add(r.id); else chosen.delete(r.id); redraw(); } }),
    ` #${r.id} ${r.model} (${r.task})`));
  const all = h("button", { type: "button", "data-testid": "runs-all", onclick: () => {
    runs.forEach((r) => chosen.add(r.id));
    boxes.forEach((b) => { b.querySelector("input").checked = true; });
    redraw();
  } }, "All runs");
  redraw();
  return section("Runs side by side", h("div", { class: "inline" }, all, ...boxes), holder);
}

/** Values logged with `assay log` (or POST /api/log): one chart per key,
 * a line per run name. */
async function seriesCard() {
  const points = await getJson("/api/series");
  if (!points.length) {
    return section("Logged series", empty("Nothing logged yet: assay log --run NAME --step N key=value."));
  }
  const keys = [...new Set(points.map((p) => p.key))];
  const names = [...new Set(points.map((p) => p.run))];
  const charts = keys.map((key) => {
    const mine = points.filter((p) => p.key === key);
    const xs = mine.map((p) => p.step);
    const ys = mine.map((p) => p.value);
    const pad = (lo, hi) => (lo === hi ? [lo - 1, hi + 1] : [lo, hi]);
    const series = names.map((name, i) => {
      const line = mine.filter((p) => p.run === name);
      return { name, xs: line.map((p) => p.step), ys: line.map((p) => p.value), color: paletteColor(i) };
    }).filter((l) => l.xs.length);
    return h("div", { class: "card" }, h("h3", {}, key),
      lineChart(series, { xDomain: pad(Math.min(...xs), Math.max(...xs)), yDomain: pad(Math.min(...ys), Math.max(...ys)),
        xLabel: "step", yLabel: key, testid: "series-chart", width: 380, height: 240 }));
  });
  return section("Logged series", legend(names.map((name, i) => ({ name, color: paletteColor(i) }))),
    h("div", { class: "columns" }, charts));
}

/** Metrics where lower is better (distances, errors and the AP they cost, calibration). */
const LOWER_IS_BETTER = /^(fid|kid|ece|brier)$|^tide_delta_|error|loss|distance/i;

/** "up" (green) when B is better than A, "down" (red) when worse. */
function deltaClass(name, delta) {
  if (!delta) return "";
  const better = LOWER_IS_BETTER.test(name) ? delta < 0 : delta > 0;
  return better ? "up" : "down";
}

/** The newest run that has an older run of the same dataset and task,
 * models before generators; else the newest run. */
function defaultPair(runs) {
  const paired = runs.filter((r) => runs.some((o) => o.id !== r.id && o.dataset === r.dataset && o.task === r.task));
  return paired.find((r) => r.task !== "generation") || paired[0] || runs[0];
}

function changedCard(title, change, count, samples) {
  const list = samples.filter((x) => x.change === change);
  const errors = (c) => (c ? `TP ${c.tp} · FP ${c.fp} · FN ${c.fn}` : "–");
  return h("section", { class: "card", "data-testid": `changed-${change}` },
    h("h2", {}, title, " ", h("span", { class: "count", "data-testid": `count-${change}` }, fmt(count))),
    list.length < count ? h("p", { class: "muted" }, `Showing ${list.length} of ${fmt(count)}.`) : null,
    list.length ? h("div", { class: "thumb-row" }, list.map((x) =>
      h("a", { href: `#/sample/${x.id}`, class: "mini wide", title: x.file_name },
        h("img", { src: thumbnailUrl(x.id), alt: "", loading: "lazy" }),
        h("span", { class: "name" }, x.file_name),
        h("span", { class: "small" }, "A: ", errors(x.a)),
        h("span", { class: "small" }, "B: ", errors(x.b)))))
      : empty("None."));
}
