//! `GET /api/overview`: what the project holds.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use crate::error::ApiResult;
use crate::state::AppState;

/// One dataset with its counts and issue counts.
#[derive(Serialize)]
struct Dataset {
    #[serde(flatten)]
    summary: assay_store::DatasetSummary,
    issues: Vec<(String, usize)>,
}

/// One 2-D map of an embedding set.
#[derive(Serialize)]
struct MapInfo {
    set_id: i64,
    dataset: String,
    extractor: String,
    level: &'static str,
    method: &'static str,
    points: usize,
}

/// The overview page's data.
#[derive(Serialize)]
pub struct Overview {
    project: String,
    datasets: Vec<Dataset>,
    runs: Vec<assay_store::RunInfo>,
    maps: Vec<MapInfo>,
}

/// Answers `GET /api/overview`.
pub async fn overview(State(state): State<Arc<AppState>>) -> ApiResult<Json<Overview>> {
    state
        .blocking(|state| {
            state
                .store(|s| -> assay_store::Result<Overview> {
                    let summary = s.summary()?;
                    let mut datasets = Vec::new();
                    for d in summary.datasets {
                        let issues = s.issue_counts(&d.name, None)?;
                        datasets.push(Dataset { summary: d, issues });
                    }
                    let mut maps = Vec::new();
                    for set in s.embedding_sets(None)? {
                        let points = s.embedding_map(&set, super::maps::METHOD)?.len();
                        if points > 0 {
                            maps.push(MapInfo {
                                set_id: set.id,
                                dataset: set.dataset.clone(),
                                extractor: set.extractor.clone(),
                                level: set.level.name(),
                                method: super::maps::METHOD,
                                points,
                            });
                        }
                    }
                    Ok(Overview {
                        project: summary.project,
                        datasets,
                        runs: s.runs(None)?,
                        maps,
                    })
                })
                .map_err(Into::into)
        })
        .await
        .map(Json)
}
