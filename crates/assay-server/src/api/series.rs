//! `POST /api/log` and `GET /api/series`: values a training loop or an
//! external tool logs under a run name, as `assay log` does, and reading
//! them back.

use std::collections::BTreeMap;
use std::sync::Arc;

use assay_store::SeriesPoint;
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most values one request logs.
const MAX_VALUES: usize = 1000;

/// The request of `POST /api/log`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogRequest {
    run: String,
    step: i64,
    values: BTreeMap<String, f64>,
}

/// The answer.
#[derive(Serialize)]
pub struct Logged {
    logged: usize,
}

/// Answers `POST /api/log`.
pub async fn log(
    State(state): State<Arc<AppState>>,
    Json(req): Json<LogRequest>,
) -> ApiResult<Json<Logged>> {
    if req.values.len() > MAX_VALUES {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_VALUES} values per request"
        )));
    }
    let values: Vec<(String, f64)> = req.values.into_iter().collect();
    let logged = values.len();
    state
        .blocking(move |state| {
            state
                .store(|s| assay_app::runs::log_values(s, &req.run, req.step, &values))
                .map_err(|e| ApiError::bad_request(format!("{e:#}")))
        })
        .await?;
    Ok(Json(Logged { logged }))
}

/// The query of `GET /api/series`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesQuery {
    run: Option<String>,
}

/// Answers `GET /api/series`.
pub async fn series(
    State(state): State<Arc<AppState>>,
    Query(q): Query<SeriesQuery>,
) -> ApiResult<Json<Vec<SeriesPoint>>> {
    let points = state
        .blocking(move |state| Ok(state.store(|s| s.series(q.run.as_deref()))?))
        .await?;
    Ok(Json(points))
}
