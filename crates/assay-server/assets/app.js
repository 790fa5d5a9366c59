// The entry point: the navigation bar and the hash router that hands the
// page's <main> to one page module (each exports `render(view, ctx)`, which
// may return a clean-up function called when the page is left).

import { ApiError } from "./api.js";
import { h } from "./util.js";
import * as overview from "./overview.js";
import * as explore from "./explore.js";
import * as sample from "./sample.js";
import * as model from "./model.js";
import * as quality from "./quality.js";
import * as analysis from "./analysis.js";
import * as map from "./map.js";
import * as generative from "./generative.js";
import * as runs from "./runs.js";
import * as review from "./review.js";
import * as monitor from "./monitor.js";

const PAGES = {
  "": overview,
  explore,
  sample,
  model,
  quality,
  analysis,
  map,
  generative,
  runs,
  review,
  monitor,
};

let cleanup = null;
let renderCount = 0;

/** Splits "#/sample/17?x=1" into {page: "sample", arg: "17", query}. */
function parseHash() {
  const hash = location.hash.replace(/^#\/?/, "");
  const at = hash.indexOf("?");
  const path = at < 0 ? hash : hash.slice(0, at);
  const query = new URLSearchParams(at < 0 ? "" : hash.slice(at + 1));
  const [page = "", arg = null] = path.split("/").filter((p, i) => p || i === 0);
  return { page, arg: arg ? decodeURIComponent(arg) : null, query };
}

function markActiveLink(page) {
  for (const link of document.querySelectorAll("nav a[data-page]")) {
    link.classList.toggle("active", link.dataset.page === page);
  }
}

/**
 * Renders the page of the current hash into a fresh container, so a page
 * still loading when the hash changes again writes only into a detached one.
 */
async function renderRoute() {
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  const ctx = parseHash();
  const module = PAGES[ctx.page];
  const view = document.getElementById("view");
  const token = ++renderCount;
  const container = h("div", { class: `page page-${ctx.page || "overview"}` });
  view.replaceChildren(container);
  view.dataset.page = ctx.page || "overview";
  view.removeAttribute("data-ready");
  markActiveLink(ctx.page);
  if (!module) {
    container.append(h("p", { class: "error" }, `No page named “${ctx.page}”.`));
    return;
  }
  try {
    const result = await module.render(container, ctx);
    if (token !== renderCount) {
      if (typeof result === "function") result();
      return;
    }
    cleanup = typeof result === "function" ? result : null;
    view.setAttribute("data-ready", "");
  } catch (error) {
    if (token === renderCount) showError(container, error);
  }
}

/** Shows an API failure in place of the page (401: how to get a token). */
export function showError(view, error) {
  console.error(error);
  if (error instanceof ApiError && error.status === 401) {
    view.replaceChildren(h("div", { class: "error", "data-testid": "auth-error" },
      h("h2", {}, "Access token needed"),
      h("p", {}, "This server needs an access token: open the address printed by ",
        h("code", {}, "assay serve"), " (it ends in ", h("code", {}, "?token=…"), ")."),
    ));
  } else {
    view.replaceChildren(h("div", { class: "error", "data-testid": "error" },
      h("h2", {}, "Something went wrong"), h("p", {}, error.message || String(error))));
  }
  document.getElementById("view").setAttribute("data-ready", "");
}

// Module scripts run once the document is parsed: render now, then on
// every change of the hash.
window.addEventListener("hashchange", renderRoute);
renderRoute();
