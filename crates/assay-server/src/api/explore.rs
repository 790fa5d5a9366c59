//! The explorer's endpoints: `GET /api/datasets/<name>/facets` and
//! `POST /api/query`.

use std::collections::HashSet;
use std::sync::Arc;

use assay_app::analysis::slices::samples_of;
use assay_app::analysis::table::RunTable;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::explorer::query::{self, Context, Page, Query};
use crate::explorer::table::DatasetTable;
use crate::state::{AppState, Vectors};

/// A metric the explorer can filter and sort on, with its range.
#[derive(Serialize)]
struct MetricRange {
    name: String,
    min: Option<f64>,
    max: Option<f64>,
}

/// A run of the dataset.
#[derive(Serialize)]
struct RunRef {
    id: i64,
    model: String,
    task: String,
}

/// An embedding set of the dataset.
#[derive(Serialize)]
struct SetRef {
    set_id: i64,
    extractor: String,
    level: &'static str,
}

/// What the explorer can filter and sort on.
#[derive(Serialize)]
pub struct Facets {
    dataset: String,
    samples: usize,
    splits: Vec<String>,
    classes: Vec<String>,
    tags: Vec<String>,
    issues: Vec<String>,
    metrics: Vec<MetricRange>,
    models: Vec<String>,
    runs: Vec<RunRef>,
    embedding_sets: Vec<SetRef>,
}

/// Answers `GET /api/datasets/<name>/facets`.
pub async fn facets(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> ApiResult<Json<Facets>> {
    state
        .blocking(move |state| {
            let t = state.table(&name)?;
            let (runs, sets) = state.store(|s| -> assay_store::Result<_> {
                Ok((s.runs(Some(&name))?, s.embedding_sets(Some(&name))?))
            })?;
            let mut tags: Vec<String> = {
                let tags = t.tags.read().unwrap_or_else(|e| e.into_inner());
                tags.by_tag
                    .iter()
                    .filter(|(_, s)| !s.is_empty())
                    .map(|(k, _)| k.clone())
                    .collect()
            };
            tags.sort();
            Ok(Json(Facets {
                dataset: name.clone(),
                samples: t.len(),
                splits: t.splits.names.clone(),
                classes: t.class_codes.names.clone(),
                tags,
                issues: t.issue_codes.names.clone(),
                metrics: t.metrics.iter().map(|(n, c)| range(n, c)).collect(),
                models: t.model_codes.names.clone(),
                runs: runs
                    .into_iter()
                    .map(|r| RunRef {
                        id: r.id,
                        model: r.model,
                        task: r.task,
                    })
                    .collect(),
                embedding_sets: sets
                    .into_iter()
                    .map(|s| SetRef {
                        set_id: s.id,
                        extractor: s.extractor,
                        level: s.level.name(),
                    })
                    .collect(),
            }))
        })
        .await
}

fn range(name: &str, column: &[f64]) -> MetricRange {
    let finite = column.iter().copied().filter(|v| v.is_finite());
    let (min, max) = finite.fold((None, None), |(lo, hi): (Option<f64>, Option<f64>), v| {
        (
            Some(lo.map_or(v, |l| l.min(v))),
            Some(hi.map_or(v, |h| h.max(v))),
        )
    });
    MetricRange {
        name: name.to_string(),
        min,
        max,
    }
}

/// Answers `POST /api/query`.
pub async fn query(
    State(state): State<Arc<AppState>>,
    Json(q): Json<Query>,
) -> ApiResult<Json<Page>> {
    state
        .blocking(move |state| {
            let table = state.table(&q.dataset)?;
            let counts = match q.run {
                Some(run) => Some(state.run_counts(run)?),
                None => None,
            };
            if let Some(c) = &counts {
                if c.dataset != q.dataset {
                    let msg = format!(
                        "run {} is on dataset {:?}, not {:?}",
                        q.run.unwrap_or(0),
                        c.dataset,
                        q.dataset
                    );
                    return Err(ApiError::bad_request(msg));
                }
            }
            let cx = Context {
                counts: counts.as_ref().map(|c| c.counts.as_slice()),
                cell: cell(state, &table, &q)?,
                inside_map: inside_map(state, &table, &q)?,
                similarity: similarity(state, &table, &q)?,
            };
            let mut page = query::run(&table, &q, &cx)?;
            if q.objects {
                attach_objects(state, &q, &mut page)?;
            }
            Ok(Json(page))
        })
        .await
}

/// Adds each item's objects: ground truth, and the predictions of the
/// run's model (else of `model`) with their outcomes in the run.
fn attach_objects(state: &AppState, q: &Query, page: &mut Page) -> ApiResult<()> {
    let model = match q.run {
        Some(run) => Some(state.store(|s| s.run_detail(run))?.info.model),
        None => q.model.clone(),
    };
    let ids: Vec<i64> = page.items.iter().map(|i| i.id).collect();
    let mut objects = state.store(|s| s.drawn_objects(&ids, model.as_deref(), q.run))?;
    for item in &mut page.items {
        item.objects = Some(objects.remove(&item.id).unwrap_or_default());
    }
    Ok(())
}

/// The sample indexes of the confusion cell and of the slice the query
/// names (both when it names both).
fn cell(state: &AppState, table: &DatasetTable, q: &Query) -> ApiResult<Option<HashSet<u32>>> {
    let in_slice = slice(state, table, q)?;
    let Some([row, col]) = q.cell else {
        return Ok(in_slice);
    };
    let run = q
        .run
        .ok_or_else(|| ApiError::bad_request("`cell` needs `run`"))?;
    let samples = state.store(|s| s.confusion_samples(run, row, col))?;
    let in_cell: HashSet<u32> = samples
        .iter()
        .filter_map(|id| table.index_of.get(id).copied())
        .collect();
    Ok(Some(match in_slice {
        Some(s) => in_cell.intersection(&s).copied().collect(),
        None => in_cell,
    }))
}

/// The sample indexes of the slice the query names.
fn slice(state: &AppState, table: &DatasetTable, q: &Query) -> ApiResult<Option<HashSet<u32>>> {
    let Some(filter) = &q.slice else {
        return Ok(None);
    };
    let run_table = state
        .store(|s| RunTable::load(s, filter.run))
        .map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
    if run_table.subject.dataset != q.dataset {
        return Err(ApiError::bad_request(format!(
            "run {} is on dataset {:?}, not {:?}",
            filter.run, run_table.subject.dataset, q.dataset
        )));
    }
    Ok(Some(
        samples_of(&run_table, filter)
            .iter()
            .filter_map(|id| table.index_of.get(id).copied())
            .collect(),
    ))
}

fn inside_map(state: &AppState, table: &DatasetTable, q: &Query) -> ApiResult<Option<Vec<bool>>> {
    let Some(filter) = &q.map else {
        return Ok(None);
    };
    if filter.polygon.len() < 3 {
        return Err(ApiError::bad_request(
            "a map selection needs at least 3 vertices",
        ));
    }
    let map = state.map(filter.set_id)?;
    if map.dataset != table.name {
        return Err(ApiError::bad_request(format!(
            "embedding set {} is of dataset {:?}",
            filter.set_id, map.dataset
        )));
    }
    let mut inside = vec![false; table.len()];
    for k in 0..map.index.len() {
        if contains(&filter.polygon, map.x[k] as f64, map.y[k] as f64) {
            inside[map.index[k] as usize] = true;
        }
    }
    Ok(Some(inside))
}

/// Even-odd rule point-in-polygon test.
fn contains(polygon: &[[f64; 2]], x: f64, y: f64) -> bool {
    let mut inside = false;
    let mut j = polygon.len() - 1;
    for i in 0..polygon.len() {
        let ([xi, yi], [xj, yj]) = (polygon[i], polygon[j]);
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Cosine similarity of every sample to the text or sample asked for.
fn similarity(state: &AppState, table: &DatasetTable, q: &Query) -> ApiResult<Option<Vec<f32>>> {
    if let Some(text) = q
        .semantic
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let (vectors, query) = state.text_query(&table.name, text)?;
        return Ok(Some(cosines(&vectors, &query)));
    }
    let Some(id) = q.similar_to else {
        return Ok(None);
    };
    let vectors = state.vectors(&table.name)?.ok_or_else(|| {
        ApiError::bad_request(format!(
            "dataset {:?} has no image embeddings; run `assay embed` first",
            table.name
        ))
    })?;
    let i = *table.index_of.get(&id).ok_or_else(|| {
        ApiError::not_found(format!("sample {id} is not in dataset {:?}", table.name))
    })?;
    let query = vectors
        .row(i as usize)
        .ok_or_else(|| ApiError::bad_request(format!("sample {id} has no embedding")))?
        .to_vec();
    Ok(Some(cosines(&vectors, &query)))
}

/// The dot product of every stored (unit) vector with `query` (NaN for
/// samples without one).
pub fn cosines(vectors: &Vectors, query: &[f32]) -> Vec<f32> {
    (0..vectors.slot.len())
        .map(|i| match vectors.row(i) {
            Some(v) => assay_index::metric::dot(v, query),
            None => f32::NAN,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::contains;

    #[test]
    fn point_in_polygon() {
        let square = [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]];
        assert!(contains(&square, 1.0, 1.0));
        assert!(!contains(&square, 3.0, 1.0));
        let triangle = [[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]];
        assert!(contains(&triangle, 1.0, 1.0) && !contains(&triangle, 3.0, 3.0));
    }
}
