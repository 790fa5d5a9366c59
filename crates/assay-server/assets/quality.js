// Data quality: each issue type with its count and worst examples (links to
// the explorer filtered by it), and duplicate groups side by side.

import { getJson, overview, thumbnailUrl } from "./api.js";
import { defaultDataset } from "./explore.js";
import { empty, fmt, h, route, section, select } from "./util.js";

export async function render(view, ctx) {
  const data = await overview();
  const dataset = ctx.query.get("dataset") || defaultDataset(data);
  view.append(h("div", { class: "page-head" }, h("h1", {}, "Data quality"),
    h("label", {}, "dataset ", select(data.datasets.map((d) => d.name), dataset,
      (v) => { location.hash = route("quality", { dataset: v }); }, { "data-testid": "quality-dataset" }))));
  if (!dataset) return view.append(empty("No datasets."));
  const quality = await getJson(`/api/quality?dataset=${encodeURIComponent(dataset)}&worst=8`);
  if (!quality.kinds.length) {
    view.append(empty("No issues stored for this dataset (run `assay quality`)."));
  }
  view.append(h("div", { class: "kinds" }, quality.kinds.map((k) => kindCard(dataset, k))));
  if (quality.groups.length) view.append(groupsCard(quality.groups));
  return null;
}

function kindCard(dataset, kind) {
  return h("section", { class: "card", "data-testid": "issue-kind", "data-kind": kind.kind, "data-count": kind.count },
    h("h2", {}, kind.kind, " ", h("span", { class: "count" }, fmt(kind.count))),
    h("p", {}, h("a", { href: route("explore", { dataset, issues: kind.kind }), "data-testid": "issue-explore" },
      `See all ${fmt(kind.count)} in the explorer`)),
    h("div", { class: "thumb-row" }, kind.worst.map((w) =>
      h("a", { href: `#/sample/${w.sample_id}`, class: "mini wide", title: w.explanation || w.file_name },
        h("img", { src: thumbnailUrl(w.sample_id), alt: "", loading: "lazy" }),
        h("span", { class: "name" }, w.file_name),
        h("span", { class: "small" }, `score ${fmt(w.score)}${w.annotation_id ? ` · object #${w.annotation_id}` : ""}`),
        w.explanation ? h("span", { class: "small muted" }, w.explanation) : null))));
}

function groupsCard(groups) {
  const byKind = new Map();
  for (const g of groups) {
    if (!byKind.has(g.kind)) byKind.set(g.kind, []);
    byKind.get(g.kind).push(g);
  }
  return section("Duplicate groups", [...byKind].map(([kind, list]) => h("div", {},
    h("h3", {}, `${kind} (${fmt(list.length)} groups)`),
    list.map((g) => h("div", { class: "group", "data-testid": "dup-group" },
      g.samples.map((smp) => h("a", { href: `#/sample/${smp.id}`, class: "mini", title: smp.file_name },
        h("img", { src: thumbnailUrl(smp.id), alt: "", loading: "lazy" }),
        h("span", { class: "name" }, smp.file_name))))))));
}
