// Compare two runs: metric deltas and the samples whose outcome changed
// (fixed: fewer FP + FN in B than in A; broken: more).

import { getJson, overview, thumbnailUrl } from "./api.js";
import { empty, fmt, fmtDelta, h, route, section, select, table } from "./util.js";

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
  return null;
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
