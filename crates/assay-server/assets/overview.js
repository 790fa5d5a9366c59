// The overview page: each dataset with its splits, class distribution and
// issue counts, the latest runs with headline metrics, and the maps.

import { overview } from "./api.js";
import { barChart } from "./charts.js";
import { classColor, empty, fmt, h, route, section, table } from "./util.js";

const HEADLINE = ["ap", "ap50", "map", "accuracy", "f1", "miou", "fid", "kid", "precision", "recall"];

export async function render(view) {
  const data = await overview(true);
  view.append(h("h1", {}, "Overview"),
    h("p", { class: "muted" }, "Project ", h("code", {}, data.project)));
  if (data.datasets.length === 0) {
    view.append(empty("This project holds no datasets yet: import one with `assay import`."));
  }
  for (const dataset of data.datasets) view.append(datasetCard(dataset));
  view.append(runsCard(data.runs), mapsCard(data.maps || []));
}

function datasetCard(d) {
  const links = h("p", { class: "links" },
    h("a", { href: route("explore", { dataset: d.name }) }, "Explore"),
    h("a", { href: route("quality", { dataset: d.name }) }, "Data quality"),
    d.generated_images > 0
      ? h("a", { href: route("generative", { dataset: d.name }) }, "Generative") : null);
  const stats = h("div", { class: "stats" },
    stat("images", d.images, `dataset-images-${d.name}`),
    stat("with files", d.images_with_files),
    stat("generated", d.generated_images),
    stat("annotations", d.annotations),
    stat("classes", d.categories));
  const splits = d.splits.length
    ? table(["split", "images", "annotations"],
      d.splits.map((sp) => [
        h("a", { href: route("explore", { dataset: d.name, split: sp.split }) }, sp.split || "(none)"),
        fmt(sp.images), fmt(sp.annotations)]))
    : empty("No splits.");
  const classes = d.classes.length
    ? barChart(d.classes.map((c) => ({
      label: c.name, value: c.annotations, color: classColor(c.name),
      href: route("explore", { dataset: d.name, classes: c.name }),
      title: `${c.name}: ${fmt(c.annotations)} annotations on ${fmt(c.images)} images`,
    })), { testid: `class-chart-${d.name}` })
    : empty("No annotations.");
  const issues = d.issues.length
    ? barChart(d.issues.map(([kind, count]) => ({
      label: kind, value: count, color: "#c0504d",
      href: route("explore", { dataset: d.name, issues: kind }),
    })), { testid: `issue-chart-${d.name}` })
    : empty("No issues stored (run `assay quality`).");
  return h("section", { class: "card", "data-testid": "dataset", "data-name": d.name },
    h("h2", {}, d.name), stats, links,
    h("div", { class: "columns" },
      h("div", {}, h("h3", {}, "Splits"), splits),
      h("div", {}, h("h3", {}, "Classes (annotations)"), classes),
      h("div", {}, h("h3", {}, "Issues"), issues)));
}

function stat(label, value, testid) {
  return h("div", { class: "stat" },
    h("div", { class: "stat-value", "data-testid": testid || null }, fmt(value)),
    h("div", { class: "stat-label" }, label));
}

/** The first few headline metrics of a run, known names first. */
export function headline(metrics, n = 4) {
  const known = HEADLINE.flatMap((name) => metrics.filter(([m]) => m === name));
  const rest = metrics.filter(([m]) => !HEADLINE.includes(m));
  return [...known, ...rest].slice(0, n);
}

function runsCard(runs) {
  if (runs.length === 0) return section("Latest runs", empty("No runs yet: run `assay evaluate`."));
  const rows = runs.slice(0, 20).map((r) => [
    h("a", { href: `#/model/${r.id}`, "data-testid": "run-link" }, `#${r.id}`),
    r.dataset, r.model, r.task, (r.created_at || "").replace("T", " ").slice(0, 19),
    h("span", { class: "metrics" }, headline(r.metrics).map(([name, value]) =>
      h("span", { class: "metric" }, h("b", {}, name), " ", fmt(value)))),
  ]);
  return section("Latest runs",
    table(["run", "dataset", "model", "task", "created", "headline metrics"], rows,
      { "data-testid": "runs-table" }));
}

function mapsCard(maps) {
  if (maps.length === 0) return section("Embedding maps", empty("No 2-D maps stored (run `assay embed` with a map)."));
  return section("Embedding maps", table(["set", "dataset", "extractor", "level", "method", "points"],
    maps.map((m) => [h("a", { href: route("map", { set: m.set_id }) }, `#${m.set_id}`),
      m.dataset, m.extractor, m.level, m.method, fmt(m.points)])));
}
