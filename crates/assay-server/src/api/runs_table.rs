//! `GET /api/runs-table?ids=1,2,5&metrics=ap,ap50`: any number of runs
//! side by side on chosen metrics, the best of each marked (as `assay
//! runs --compare`).

use std::sync::Arc;

use assay_app::runs::{compare_runs, RunComparisonTable};
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most runs compared at once.
const MAX_RUNS: usize = 50;

/// The query.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableQuery {
    /// Run ids, comma-separated.
    ids: String,
    /// Metric names, comma-separated (default: all).
    #[serde(default)]
    metrics: String,
}

/// Answers `GET /api/runs-table`.
pub async fn runs_table(
    State(state): State<Arc<AppState>>,
    Query(q): Query<TableQuery>,
) -> ApiResult<Json<RunComparisonTable>> {
    let ids: Vec<i64> = q
        .ids
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<i64>())
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::bad_request("ids are run ids separated by commas"))?;
    if ids.is_empty() || ids.len() > MAX_RUNS {
        return Err(ApiError::bad_request(format!(
            "give 1 to {MAX_RUNS} run ids"
        )));
    }
    let metrics: Vec<String> = q
        .metrics
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let table = state
        .blocking(move |state| {
            state
                .store(|s| compare_runs(s, &ids, &metrics))
                .map_err(|e| ApiError::not_found(format!("{e:#}")))
        })
        .await?;
    Ok(Json(table))
}
