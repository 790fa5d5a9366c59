//! The web UI and its JSON API over a project's store (`assay serve`).
//!
//! An axum router: the page and its scripts come from `assets/`, compiled
//! into the binary; the API (`API.md`) reads the store, keeping each
//! dataset's samples in memory as columns so the explorer filters and
//! sorts a million samples quickly. Access is checked first (`access`),
//! request bodies are capped, and images are served only from the files
//! the store records for its samples.

mod access;
mod api;
mod assets;
mod error;
mod explorer;
mod images;
mod ingest;
mod limits;
mod state;
mod text_search;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

pub use access::new_token;
pub use state::AppState;

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 1 << 20;

/// How long a client may take to send a request's headers (also an idle
/// keep-alive connection's next request) before the connection is closed.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client may take to send a request's body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole application: UI, API and access checks.
pub fn router(state: Arc<AppState>) -> Router {
    use api::*;
    let api = Router::new()
        .route("/api/overview", get(overview::overview))
        .route("/api/datasets/{name}/facets", get(explore::facets))
        .route("/api/query", post(explore::query))
        .route("/api/samples/{id}", get(samples::sample))
        .route("/api/samples/{id}/thumbnail", get(images::thumbnail))
        .route("/api/samples/{id}/image", get(images::image))
        .route("/api/runs/{id}", get(runs::run))
        .route("/api/runs/{id}/breakdown", get(runs::breakdown))
        .route("/api/compare", get(runs::compare))
        .route("/api/runs-table", get(runs_table::runs_table))
        .route("/api/quality", get(quality::quality))
        .route("/api/analysis/importance", get(analysis::importance))
        .route("/api/analysis/slices", get(analysis::slices))
        .route("/api/analysis/drift", get(analysis::drift))
        .route("/api/analysis/compare", get(analysis::compare))
        .route("/api/maps/{id}/points", get(maps::points))
        .route("/api/maps/{id}/colors", get(maps::colors))
        .route("/api/generative", get(generative::generative))
        .route("/api/monitor", get(monitor::monitor))
        .route("/api/tags", post(tags::tag))
        .route("/api/log", post(series::log))
        .route("/api/series", get(series::series))
        .route("/api/export", post(export::export))
        .route("/api/me", get(review::me))
        .route(
            "/api/review/queues",
            get(review::queues).post(review::create),
        )
        .route("/api/review/queues/{id}", get(review::queue))
        .route("/api/review/queues/{id}/next", get(review::next))
        .route("/api/review/items/{id}/verdicts", post(review::verdict))
        .route("/api/review/annotators", get(review::annotators))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            limits::refresh,
        ));
    // Ingestion skips the cache refresh: it never reads the caches.
    let ingest = Router::new().route(
        "/api/ingest",
        post(ingest::ingest).layer(DefaultBodyLimit::max(ingest::MAX_INGEST_BODY)),
    );
    Router::new()
        .route("/", get(assets::index))
        .merge(ingest)
        .route("/assets/{name}", get(assets::serve_asset))
        .merge(api)
        .fallback(|| async { error::ApiError::not_found("no such page or endpoint") })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(limits::read_body))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            access::check,
        ))
        .layer(axum::middleware::map_response(error::json_errors))
        .with_state(state)
}

/// Serves `state` on `listener` until the process is stopped (Ctrl-C).
///
/// Each connection is HTTP/1.1 with [`HEADER_TIMEOUT`] for its headers, so
/// clients that open connections and send nothing are dropped.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    let app = router(state);
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait, then go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => return Ok(()),
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT);
            // A client that goes away mid-request is not an error of ours.
            let _ = http
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}
