//! The Analysis page's data: `GET /api/analysis/importance?run=`,
//! `/api/analysis/slices?run=&target=&method=&k=`,
//! `/api/analysis/drift?dataset=&reference=&current=` and
//! `/api/analysis/compare?a=&b=`. Each answers the typed result of the
//! workflow in `assay_app::analysis`, as `assay analyze ... --json` prints.

use std::sync::Arc;

use assay_app::analysis::compare::{compare as compare_runs, BootstrapOptions, RunComparison};
use assay_app::analysis::drift::{drift as compare_groups, DriftOptions, DriftReport, Group};
use assay_app::analysis::importance::{importance as rank, Importance, DEFAULT_PERMUTATIONS};
use assay_app::analysis::slices::{slices as find, Method, SliceOptions, Slices, Target};
use assay_app::analysis::table::RunTable;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most slices one request may ask for.
const MAX_SLICES: usize = 50;

/// The two groups of a drift comparison.
#[derive(Deserialize)]
pub struct DriftArgs {
    dataset: String,
    reference: String,
    current: String,
}

/// Answers `GET /api/analysis/drift`.
pub async fn drift(
    State(state): State<Arc<AppState>>,
    Query(args): Query<DriftArgs>,
) -> ApiResult<Json<DriftReport>> {
    state
        .blocking(move |state| {
            let report = state
                .store(|s| {
                    compare_groups(
                        s,
                        &Group::parse(&args.reference, &args.dataset),
                        &Group::parse(&args.current, &args.dataset),
                        &DriftOptions::default(),
                    )
                })
                .map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
            Ok(Json(report))
        })
        .await
}

/// The runs compared.
#[derive(Deserialize)]
pub struct CompareArgs {
    a: i64,
    b: i64,
    resamples: Option<usize>,
}

/// Most resamples one request may ask for.
const MAX_RESAMPLES: usize = 10_000;

/// Answers `GET /api/analysis/compare`.
pub async fn compare(
    State(state): State<Arc<AppState>>,
    Query(args): Query<CompareArgs>,
) -> ApiResult<Json<RunComparison>> {
    state
        .blocking(move |state| {
            let options = BootstrapOptions {
                resamples: args.resamples.unwrap_or(1000).clamp(1, MAX_RESAMPLES),
                ..BootstrapOptions::default()
            };
            let result = state
                .store(|s| compare_runs(s, args.a, args.b, &options))
                .map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
            Ok(Json(result))
        })
        .await
}

/// Names a run.
#[derive(Deserialize)]
pub struct RunArgs {
    run: i64,
}

/// Options of the slices.
#[derive(Deserialize)]
pub struct SliceArgs {
    run: i64,
    target: Option<String>,
    method: Option<String>,
    k: Option<usize>,
}

fn table(state: &AppState, run: i64) -> ApiResult<RunTable> {
    state
        .store(|s| RunTable::load(s, run))
        .map_err(|e| ApiError::bad_request(format!("{e:#}")))
}

/// Answers `GET /api/analysis/importance`.
pub async fn importance(
    State(state): State<Arc<AppState>>,
    Query(args): Query<RunArgs>,
) -> ApiResult<Json<Importance>> {
    state
        .blocking(move |state| {
            Ok(Json(rank(
                &table(state, args.run)?,
                0,
                DEFAULT_PERMUTATIONS,
            )))
        })
        .await
}

/// Answers `GET /api/analysis/slices`.
pub async fn slices(
    State(state): State<Arc<AppState>>,
    Query(args): Query<SliceArgs>,
) -> ApiResult<Json<Slices>> {
    state
        .blocking(move |state| {
            let method = match args.method.as_deref() {
                None | Some("sliceline") => Method::Sliceline,
                Some("tree") => Method::Tree,
                Some(other) => {
                    return Err(ApiError::bad_request(format!(
                        "unknown method {other:?}; expected sliceline or tree"
                    )))
                }
            };
            let options = SliceOptions {
                target: Target::parse(args.target.as_deref().unwrap_or("missed")),
                method,
                k: args.k.unwrap_or(10).min(MAX_SLICES),
                ..SliceOptions::default()
            };
            let found = find(&table(state, args.run)?, &options)
                .map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
            Ok(Json(found))
        })
        .await
}
