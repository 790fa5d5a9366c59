// The Review page. `#/review`: the queues the caller may see with their
// progress and agreement, and (admins) a form that makes a queue.
// `#/review/<queue>`: one item at a time, built for the keyboard:
// A accept, R reject, S skip, F save the fixes, N note, D draw a box,
// Delete removes the selected box, 1-9 give it a class. Boxes move by
// dragging and resize by their corner handle; the next image preloads.

import { getJson, imageUrl, postJson } from "./api.js";
import { classColor, empty, fmt, h, s, section, select, table } from "./util.js";

export async function render(view, ctx) {
  const me = await getJson("/api/me");
  if (ctx.arg) return reviewQueue(view, Number(ctx.arg), me);
  return listQueues(view, me);
}

async function listQueues(view, me) {
  const queues = await getJson("/api/review/queues");
  const who = me.name ? `${me.name} (${me.role})` : `the project's owner (${me.role})`;
  view.append(h("h1", {}, "Review"), h("p", { "data-testid": "review-me" }, `Signed in as ${who}.`));
  if (me.role === "admin") view.append(await createForm());
  await annotatorSections(view);
  if (!queues.length) {
    view.append(empty("No review queues yet: make one with assay review create."));
    return;
  }
  const rows = [];
  for (const q of queues) {
    const detail = await getJson(`/api/review/queues/${q.id}`);
    const a = detail.agreement;
    rows.push([
      h("a", { href: `#/review/${q.id}`, "data-testid": `queue-${q.id}` }, q.name),
      q.dataset, q.source, `${q.done} of ${q.items}`, String(q.verdicts), q.assignees.join(", "),
      h("span", { "data-testid": `agreement-${q.id}` },
        `decisions α ${fmt(a.decision_alpha)}, boxes α ${fmt(a.box_alpha)} over ${a.items} items`),
    ]);
  }
  view.append(section("Queues", table(
    ["queue", "dataset", "from", "done", "verdicts", "reviewers", "agreement"], rows,
    { "data-testid": "queues" })));
  for (const q of queues) {
    const detail = await getJson(`/api/review/queues/${q.id}`);
    if (!detail.agreement.pairs.length) continue;
    view.append(section(`Agreement in ${q.name}`, table(["reviewers", "items", "Cohen's κ", "boxes α"],
      detail.agreement.pairs.map((p) => [`${p.a} / ${p.b}`, String(p.items), fmt(p.kappa), fmt(p.box_alpha)]),
      { "data-testid": `pairs-${q.id}` }),
      table(["class", "boxes α"], detail.agreement.per_class.map(([c, v]) => [c, fmt(v)])),
      table(["issue", "settled", "confirmed", "precision"], detail.precision.map((p) =>
        [p.issue, String(p.resolved), String(p.confirmed), fmt(p.precision)]), { "data-testid": `precision-${q.id}` }),
      h("p", { class: "note" }, detail.agreement.method)));
  }
}

/** Per dataset with imported annotators: how far they agree. */
async function annotatorSections(view) {
  const overview = await getJson("/api/overview");
  for (const d of overview.datasets) {
    let a;
    try {
      a = await getJson(`/api/review/annotators?dataset=${encodeURIComponent(d.name)}`);
    } catch {
      continue; // fewer than two annotators
    }
    view.append(section(`Annotators of ${d.name}`,
      h("p", { "data-testid": `annotators-${d.name}` },
        `${a.annotators.length} annotators on ${a.images} shared images: boxes α ${fmt(a.box_alpha)}, ` +
        `masks α ${fmt(a.mask_alpha)}, image classes α ${fmt(a.class_alpha)}`),
      table(["annotators", "images", "boxes α", "masks α", "κ"],
        a.pairs.map((p) => [`${p.a} / ${p.b}`, String(p.images), fmt(p.box_alpha), fmt(p.mask_alpha), fmt(p.kappa)])),
      table(["class", "boxes α"], a.per_class.map(([c, v]) => [c, fmt(v)]))));
  }
}

async function createForm() {
  const overview = await getJson("/api/overview");
  const datasets = overview.datasets.map((d) => d.name);
  const field = (label, input) => h("label", {}, label, " ", input);
  const name = h("input", { name: "name", value: "labels", "data-testid": "queue-name" });
  const from = h("input", { name: "from", value: "label_issues", "data-testid": "queue-from" });
  const limit = h("input", { name: "limit", type: "number", value: "20", min: "1", "data-testid": "queue-limit" });
  const overlap = h("input", { name: "overlap", type: "number", value: "2", min: "1", "data-testid": "queue-overlap" });
  const assign = h("input", { name: "assign", placeholder: "ana,ben", "data-testid": "queue-assign" });
  let dataset = datasets[0];
  const status = h("span", { "data-testid": "queue-status" });
  const create = async (event) => {
    event.preventDefault();
    try {
      const q = await postJson("/api/review/queues", {
        dataset, name: name.value, from: from.value,
        limit: Number(limit.value), overlap: Number(overlap.value),
        assign: assign.value.split(",").map((x) => x.trim()).filter(Boolean),
      });
      status.textContent = `Created ${q.name} with ${q.items} items.`;
      location.hash = "#/review";
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (error) {
      status.textContent = error.message;
    }
  };
  return section("New queue", h("form", { class: "inline", onsubmit: create, "data-testid": "queue-form" },
    field("dataset", select(datasets, dataset, (v) => { dataset = v; })),
    field("name", name), field("from", from), field("items", limit), field("reviewers per item", overlap),
    field("assign to", assign), h("button", { type: "submit", "data-testid": "queue-create" }, "Create"), status));
}

/** The reviewing view of one queue. */
async function reviewQueue(view, queue, me) {
  const state = { items: [], current: null, labels: [], selected: null, drawing: false, edits: [], note: "" };
  const title = h("h1", {}, "Review");
  const progress = h("p", { "data-testid": "review-progress" });
  const stage = h("div", { class: "review-stage", "data-testid": "review-stage" });
  const side = h("div", { class: "review-side" });
  view.append(title, progress, h("div", { class: "review" }, stage, side));

  const load = async () => {
    const info = await getJson(`/api/review/queues/${queue}`);
    title.textContent = `Review: ${info.queue.name}`;
    progress.textContent = `${info.queue.done} of ${info.queue.items} items done · ${info.queue.verdicts} verdicts`;
    state.items = await getJson(`/api/review/queues/${queue}/next?limit=2`);
    state.current = state.items[0] || null;
    if (state.items[1]) new Image().src = imageUrl(state.items[1].item.sample);
    state.labels = state.current ? structuredClone(state.current.labels) : [];
    state.selected = null;
    state.edits = [];
    state.drawing = false;
    draw();
  };

  const submit = async (decision) => {
    if (!state.current) return;
    const body = { decision, note: noteInput.value || null };
    if (decision === "fix") body.edits = state.edits;
    await postJson(`/api/review/items/${state.current.item.id}/verdicts`, body);
    noteInput.value = "";
    await load();
  };

  const noteInput = h("textarea", { rows: "2", placeholder: "note (N)", "data-testid": "review-note" });

  let svg = null;
  let boxes = null;

  /** Builds the image and its boxes for the current item, then the side. */
  function draw() {
    stage.replaceChildren();
    if (!state.current) {
      side.replaceChildren();
      stage.append(empty("Nothing left for you in this queue."));
      stage.setAttribute("data-done", "");
      return;
    }
    stage.removeAttribute("data-done");
    const item = state.current;
    const width = item.width || 640;
    const height = item.height || 480;
    svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "review-canvas", "data-testid": "review-canvas",
      "data-item": item.item.id });
    svg.append(s("image", { href: imageUrl(item.item.sample), x: 0, y: 0, width, height }));
    const background = s("rect", { x: 0, y: 0, width, height, fill: "transparent", "data-testid": "review-background" });
    svg.addEventListener("mousedown", startDraw);
    boxes = s("g");
    svg.append(background, boxes);
    stage.append(svg);
    redraw();
  }

  /** Redraws the boxes (the image stays) and the side panel. */
  function redraw() {
    svg.classList.toggle("drawing", state.drawing);
    boxes.replaceChildren(...state.labels.map((label, i) => boxOf(label, i)));
    const item = state.current;
    side.replaceChildren(
      h("p", { "data-testid": "review-reason" }, item.item.reason),
      h("p", { class: "note" }, item.file_name),
      table(["", "class", "box"], state.labels.map((l, i) => [
        h("input", { type: "radio", name: "box", checked: state.selected === i, onchange: () => { state.selected = i; redraw(); } }),
        select(item.classes, l.class, (v) => relabel(i, v), { "data-testid": `class-${i}` }),
        l.bbox.map((v) => Math.round(v)).join(", "),
      ]), { "data-testid": "review-labels" }),
      h("p", { "data-testid": "review-edits" }, `${state.edits.length} change(s)`),
      noteInput,
      h("div", { class: "inline" },
        h("button", { onclick: () => submit("accept"), "data-testid": "review-accept" }, "Accept (A)"),
        h("button", { onclick: () => submit("reject"), "data-testid": "review-reject" }, "Reject (R)"),
        h("button", { onclick: () => state.edits.length && submit("fix"), "data-testid": "review-fix" }, "Save fixes (F)"),
        h("button", { onclick: () => submit("skip"), "data-testid": "review-skip" }, "Skip (S)"),
        h("button", { onclick: () => { state.drawing = !state.drawing; redraw(); }, "data-testid": "review-draw",
          class: state.drawing ? "active" : null }, state.drawing ? "Drawing: drag on the image" : "Draw box (D)")),
    );
  }

  function boxOf(label, i) {
    const [x, y, w, hgt] = label.bbox;
    const color = classColor(label.class);
    const g = s("g", { "data-testid": `box-${i}` });
    const rect = s("rect", { x, y, width: w, height: hgt, fill: "transparent", stroke: color,
      "stroke-width": state.selected === i ? 3 : 2, "vector-effect": "non-scaling-stroke", class: "review-box" });
    const handle = s("rect", { x: x + w - 5, y: y + hgt - 5, width: 10, height: 10, fill: color,
      class: "review-handle", "data-testid": `handle-${i}` });
    rect.addEventListener("mousedown", (e) => startDrag(e, i, "move"));
    handle.addEventListener("mousedown", (e) => startDrag(e, i, "resize"));
    g.append(rect, handle, s("text", { x, y: Math.max(12, y - 3), fill: color, "font-size": 12 }, label.class));
    return g;
  }

  /** The image coordinates of a mouse event. */
  function at(e) {
    const p = svg.createSVGPoint();
    p.x = e.clientX;
    p.y = e.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }

  const rounded = (bbox) => bbox.map((v) => Math.round(v * 100) / 100);

  /** Follows the mouse until it is released. */
  function follow(onMove, onUp) {
    const up = () => {
      window.removeEventListener("mousemove", onMove);
      window.removeEventListener("mouseup", up);
      onUp();
    };
    window.addEventListener("mousemove", onMove);
    window.addEventListener("mouseup", up);
  }

  function startDrag(e, i, mode) {
    e.preventDefault();
    e.stopPropagation();
    state.selected = i;
    const start = at(e);
    const label = state.labels[i];
    const original = [...label.bbox];
    follow((ev) => {
      const p = at(ev);
      const [dx, dy] = [p.x - start.x, p.y - start.y];
      label.bbox = mode === "move"
        ? [original[0] + dx, original[1] + dy, original[2], original[3]]
        : [original[0], original[1], Math.max(2, original[2] + dx), Math.max(2, original[3] + dy)];
      redraw();
    }, () => {
      if (label.bbox.every((v, k) => v === original[k])) return redraw();
      if (label.added) {
        label.added.bbox = rounded(label.bbox);
      } else {
        state.edits = state.edits.filter((ed) => !(ed.op === "move" && ed.id === label.id));
        state.edits.push({ op: "move", id: label.id, bbox: rounded(label.bbox) });
      }
      redraw();
    });
  }

  function startDraw(e) {
    if (!state.drawing) {
      state.selected = null;
      return redraw();
    }
    e.preventDefault();
    const item = state.current;
    const clamp = (p) => ({ x: Math.min(Math.max(p.x, 0), item.width || 640), y: Math.min(Math.max(p.y, 0), item.height || 480) });
    const start = clamp(at(e));
    const label = { id: null, class: item.classes[0], bbox: [start.x, start.y, 2, 2] };
    state.labels.push(label);
    state.selected = state.labels.length - 1;
    follow((ev) => {
      const p = clamp(at(ev));
      label.bbox = [Math.min(start.x, p.x), Math.min(start.y, p.y), Math.max(2, Math.abs(p.x - start.x)),
        Math.max(2, Math.abs(p.y - start.y))];
      redraw();
    }, () => {
      state.drawing = false;
      label.added = { op: "add", class: label.class, bbox: rounded(label.bbox) };
      state.edits.push(label.added);
      redraw();
    });
  }

  function relabel(i, cls) {
    const label = state.labels[i];
    label.class = cls;
    if (label.added) {
      label.added.class = cls;
    } else {
      state.edits = state.edits.filter((ed) => !(ed.op === "relabel" && ed.id === label.id));
      state.edits.push({ op: "relabel", id: label.id, class: cls });
    }
    redraw();
  }

  function remove(i) {
    const [label] = state.labels.splice(i, 1);
    if (label.added) {
      state.edits = state.edits.filter((ed) => ed !== label.added);
    } else {
      state.edits = state.edits.filter((ed) => ed.id !== label.id);
      state.edits.push({ op: "delete", id: label.id });
    }
    state.selected = null;
    redraw();
  }

  const keys = (e) => {
    if (e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLInputElement) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    if (e.target instanceof HTMLSelectElement) return;
    const key = e.key.toLowerCase();
    if (key === "a") submit("accept");
    else if (key === "r") submit("reject");
    else if (key === "s") submit("skip");
    else if (key === "f" && state.edits.length) submit("fix");
    else if (key === "d") { state.drawing = !state.drawing; redraw(); }
    else if (key === "n") { e.preventDefault(); noteInput.focus(); }
    else if ((key === "delete" || key === "backspace") && state.selected !== null) remove(state.selected);
    else if (/^[1-9]$/.test(key) && state.selected !== null && state.current) {
      const cls = state.current.classes[Number(key) - 1];
      if (cls) relabel(state.selected, cls);
    } else return;
    e.preventDefault();
  };
  window.addEventListener("keydown", keys);
  await load();
  return () => window.removeEventListener("keydown", keys);
}
