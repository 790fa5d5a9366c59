//! `GET /api/monitor`: a stream's windows, bands, rules and stored alerts
//! for the Monitoring page (the project's `assay.toml` sets the window and
//! reference; `window` in the query overrides the size). Read only.

use std::sync::Arc;

use assay_app::monitor::view::{project_config, view, MonitorView};
use assay_app::monitor::windows::WindowSize;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The query.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorQuery {
    stream: Option<String>,
    window: Option<String>,
}

/// Answers `GET /api/monitor`.
pub async fn monitor(
    State(state): State<Arc<AppState>>,
    Query(q): Query<MonitorQuery>,
) -> ApiResult<Json<MonitorView>> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    state
        .blocking(move |state| {
            let mut config =
                project_config(&state.root).map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
            if let Some(w) = &q.window {
                config.options.size = w.parse::<WindowSize>().map_err(ApiError::bad_request)?;
            }
            state
                .store(|s| view(s, &config, q.stream.as_deref(), now))
                .map(Json)
                .map_err(|e| ApiError::bad_request(format!("{e:#}")))
        })
        .await
}
