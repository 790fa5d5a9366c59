// The JSON API client (see crates/assay-server/API.md): fetch wrappers that
// turn error answers into ApiError, plus URLs of images and thumbnails.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function check(response) {
  if (response.ok) return response;
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.error) message = body.error;
  } catch {
    // Not JSON: keep the status line.
  }
  throw new ApiError(response.status, message);
}

/** GET a JSON document. */
export async function getJson(path) {
  const response = await check(await fetch(path, { credentials: "same-origin" }));
  return response.json();
}

/** POST a JSON body; the checked response. */
async function post(path, body) {
  return check(await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  }));
}

/** POST a JSON body, answer as JSON. */
export async function postJson(path, body) {
  return (await post(path, body)).json();
}

/** POST a JSON body, answer as a Blob with the file name the server gave. */
export async function postForBlob(path, body) {
  const response = await post(path, body);
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename="?([^";]+)"?/.exec(disposition);
  return { blob: await response.blob(), fileName: match ? match[1] : null };
}

/** GET binary data as an ArrayBuffer. */
export async function getBinary(path) {
  const response = await check(await fetch(path, { credentials: "same-origin" }));
  return response.arrayBuffer();
}

export const thumbnailUrl = (id) => `/api/samples/${id}/thumbnail`;
export const imageUrl = (id) => `/api/samples/${id}/image`;

// The overview is read by several pages; keep one copy per page load.
let overviewPromise = null;

/** GET /api/overview, cached until `refresh` is true. */
export function overview(refresh = false) {
  if (refresh || !overviewPromise) {
    overviewPromise = getJson("/api/overview").catch((error) => {
      overviewPromise = null;
      throw error;
    });
  }
  return overviewPromise;
}

/** GET /api/datasets/<name>/facets. */
export function facets(dataset) {
  return getJson(`/api/datasets/${encodeURIComponent(dataset)}/facets`);
}
