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
mod state;
pub mod synthetic;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

pub use access::new_token;
pub use state::AppState;

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 1 << 20;

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
        .route("/api/quality", get(quality::quality))
        .route("/api/maps/{id}/points", get(maps::points))
        .route("/api/maps/{id}/colors", get(maps::colors))
        .route("/api/generative", get(generative::generative))
        .route("/api/tags", post(tags::tag))
        .route("/api/export", post(export::export));
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/{name}", get(assets::serve_asset))
        .merge(api)
        .fallback(|| async { error::ApiError::not_found("no such page or endpoint") })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            access::check,
        ))
        .with_state(state)
}

/// Serves `state` on `listener` until the process is stopped (Ctrl-C).
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
