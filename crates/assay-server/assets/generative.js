// Generative models: the leaderboard of generators, per-prompt grids of
// generated images with their scores, and memorization matches side by side.

import { getJson, overview, thumbnailUrl } from "./api.js";
import { empty, fmt, h, route, section, select, table } from "./util.js";

export async function render(view, ctx) {
  const data = await overview();
  const generated = data.datasets.filter((d) => d.generated_images > 0);
  const dataset = ctx.query.get("dataset") || (generated[0] || {}).name;
  view.append(h("div", { class: "page-head" }, h("h1", {}, "Generative models"),
    generated.length ? h("label", {}, "dataset ", select(generated.map((d) => d.name), dataset,
      (v) => { location.hash = route("generative", { dataset: v }); })) : null));
  if (!dataset) return view.append(empty("No generated images in this project (import them with `assay import generated`)."));
  const gen = await getJson(`/api/generative?dataset=${encodeURIComponent(dataset)}`);
  view.append(leaderboard(ranked(gen.leaderboard), gen.interval_notes), memorizedCard(gen.memorized), promptsCard(gen.prompts));
  return null;
}

/** Rows ranked by FID (lower is better) when every row has one, as the CLI ranks them. */
function ranked(rows) {
  const fid = (r) => (r.metrics.find(([m]) => m === "fid") || [])[1];
  if (!rows.every((r) => typeof fid(r) === "number")) return rows;
  return [...rows].sort((a, b) => fid(a) - fid(b));
}

function leaderboard(rows, notes) {
  if (!rows.length) return section("Leaderboard", empty("No generation runs (run `assay gen eval`)."));
  const names = [];
  for (const r of rows) for (const [m] of r.metrics) if (!names.includes(m)) names.push(m);
  return section("Leaderboard", table(["rank", "generator", ...names, "warnings"],
    rows.map((r, i) => [String(i + 1), h("a", { href: `#/model/${r.run_id}` }, r.model),
      ...names.map((n) => metricCell(r, n)), warningsIcon(r.warnings || [])]), { "data-testid": "leaderboard" }),
  (notes || []).map((n) => h("div", { class: "small muted", "data-testid": "interval-method" }, n)));
}

/** A metric's value and, below it, its interval (raw bounds in data attributes). */
function metricCell(row, name) {
  const value = (row.metrics.find(([m]) => m === name) || [])[1];
  const interval = (row.intervals || []).find(([m]) => m === name);
  return h("span", { "data-metric": name, "data-value": value },
    fmt(value),
    interval ? h("div", { class: "small muted", "data-low": interval[1], "data-high": interval[2] },
      `[${fmt(interval[1])}, ${fmt(interval[2])}]`) : null);
}

/** Warnings as a compact icon: the text on hover (title) and on click. */
function warningsIcon(warnings) {
  if (!warnings.length) return "";
  return h("details", { class: "warn-icon", "data-testid": "warnings" },
    h("summary", { class: "warn", title: warnings.join("\n"), "aria-label": `${warnings.length} warnings` },
      `⚠ ${warnings.length}`),
    h("ul", { class: "small warn" }, warnings.map((w) => h("li", {}, w))));
}

function memorizedCard(list) {
  if (!list.length) return section("Memorization", empty("No generated image is a near copy of a training image."));
  return section("Memorization", h("div", { class: "pairs", "data-testid": "memorized" }, list.map((m) =>
    h("div", { class: "pair" },
      thumb(m.sample_id, `${m.model}: ${m.file_name}`),
      h("span", { class: "vs" }, `≈ ${fmt(m.similarity)}`),
      thumb(m.train_sample_id, `training: ${m.train_file}`)))));
}

function thumb(id, caption) {
  return h("a", { href: `#/sample/${id}`, class: "mini wide", title: caption },
    h("img", { src: thumbnailUrl(id), alt: "", loading: "lazy" }), h("span", { class: "name" }, caption));
}

function promptsCard(prompts) {
  if (!prompts.length) return section("Prompts", empty("No prompts."));
  return section(`Prompts (${prompts.length})`, prompts.map((p) => h("div", { class: "prompt", "data-testid": "prompt" },
    h("h3", {}, `“${p.prompt}”`),
    h("div", { class: "columns" }, p.models.map((m) => h("div", { class: "prompt-model" },
      h("div", { class: "small" }, h("b", {}, m.model),
        ` · diversity ${fmt(m.diversity)} · realism ${fmt(m.realism)}`,
        m.clip_score !== null && m.clip_score !== undefined ? ` · CLIPScore ${fmt(m.clip_score)}` : "",
        m.near_duplicates ? h("span", { class: "warn" }, ` · ${m.near_duplicates} near-duplicates`) : ""),
      h("div", { class: "thumb-row" }, m.samples.map((x) =>
        h("a", { href: `#/sample/${x.id}`, class: "mini", title: x.file_name },
          h("img", { src: thumbnailUrl(x.id), alt: "", loading: "lazy" }),
          h("span", {}, `seed ${x.seed ?? "–"}`))))))))));
}
