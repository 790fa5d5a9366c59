//! `GET /api/samples/<id>`: one sample with everything known about it.

use std::collections::HashMap;
use std::sync::Arc;

use assay_core::model::{Annotation, Segmentation};
use assay_store::{IssueRow, SampleObject, SampleOutcome};
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiResult;
use crate::explorer::query::Counts;
use crate::state::AppState;

/// Nearest neighbours listed on the sample page.
const NEIGHBOURS: usize = 8;

/// A ground truth or prediction, ready to draw.
#[derive(Serialize)]
struct Object {
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    id: i64,
    category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    bbox: Option<[f64; 4]>,
    polygons: Option<Vec<Vec<f64>>>,
    rle: Option<Value>,
    area: Option<f64>,
    iscrowd: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics: Option<Vec<(String, f64)>>,
}

/// The sample's outcomes in one run.
#[derive(Serialize)]
struct RunHistory {
    run_id: i64,
    model: String,
    task: String,
    created_at: String,
    counts: Counts,
    objects: Vec<SampleOutcome>,
}

/// A similar sample.
#[derive(Serialize)]
struct Neighbour {
    id: i64,
    file_name: String,
    similarity: f32,
}

/// The sample page's data.
#[derive(Serialize)]
pub struct SampleDetail {
    id: i64,
    dataset: String,
    file_name: String,
    split: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    has_file: bool,
    generation: Option<Value>,
    metrics: Vec<(String, f64)>,
    properties: Vec<(String, String)>,
    issues: Vec<IssueRow>,
    tags: Vec<String>,
    annotations: Vec<Object>,
    predictions: Vec<Object>,
    runs: Vec<RunHistory>,
    neighbours: Vec<Neighbour>,
}

/// Answers `GET /api/samples/<id>`.
pub async fn sample(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
) -> ApiResult<Json<SampleDetail>> {
    state
        .blocking(move |state| detail(state, id).map(Json))
        .await
}

fn detail(state: &AppState, id: i64) -> ApiResult<SampleDetail> {
    let (row, measured, object_metrics, issues, tags, objects, outcomes, runs) =
        state.store(|s| -> assay_store::Result<_> {
            Ok((
                s.sample_row(id)?,
                s.sample_measurements(id)?,
                s.object_metrics(id)?,
                s.sample_issues(id)?,
                s.tags_of(id)?,
                s.sample_objects(id)?,
                s.sample_outcomes(id)?,
                s.runs(None)?,
            ))
        })?;
    let dataset = state
        .store(|s| s.sample_location(id))?
        .map(|(d, _)| d)
        .unwrap_or_default();
    let mut object_metrics = object_metrics;
    let annotations = objects
        .0
        .iter()
        .map(|o| object(o, object_metrics.remove(&o.annotation.id)))
        .collect();
    let predictions = objects.1.iter().map(|o| object(o, None)).collect();
    let generation = row
        .prompt
        .as_ref()
        .map(|p| serde_json::json!({"prompt": p, "model": row.generator, "seed": row.seed}));
    Ok(SampleDetail {
        neighbours: neighbours(state, &dataset, id)?,
        runs: history(outcomes, &runs),
        id,
        dataset,
        file_name: row.file_name,
        split: row.split,
        width: row.width,
        height: row.height,
        has_file: row.has_file,
        generation,
        metrics: measured.0,
        properties: measured.1,
        issues,
        tags,
        annotations,
        predictions,
    })
}

fn object(o: &SampleObject, metrics: Option<Vec<(String, f64)>>) -> Object {
    let a: &Annotation = &o.annotation;
    let (polygons, rle) = match &a.segmentation {
        Some(Segmentation::Polygons(p)) => (Some(p.clone()), None),
        Some(Segmentation::Rle { rle, .. }) => (
            None,
            Some(serde_json::json!({"size": [rle.height, rle.width], "counts": rle.counts})),
        ),
        None => (None, None),
    };
    Object {
        model: o.model.clone(),
        id: a.id,
        category: o.category.clone(),
        score: a.score,
        bbox: a.bbox.map(|b| b.to_array()),
        polygons,
        rle,
        area: a.area,
        iscrowd: a.iscrowd,
        metrics,
    }
}

fn history(outcomes: Vec<SampleOutcome>, runs: &[assay_store::RunInfo]) -> Vec<RunHistory> {
    let mut by_run: Vec<RunHistory> = Vec::new();
    let info: HashMap<i64, &assay_store::RunInfo> = runs.iter().map(|r| (r.id, r)).collect();
    for o in outcomes {
        if by_run.last().is_none_or(|h| h.run_id != o.run_id) {
            let run = info.get(&o.run_id);
            by_run.push(RunHistory {
                run_id: o.run_id,
                model: run.map(|r| r.model.clone()).unwrap_or_default(),
                task: run.map(|r| r.task.clone()).unwrap_or_default(),
                created_at: run.map(|r| r.created_at.clone()).unwrap_or_default(),
                counts: [0, 0, 0].into(),
                objects: Vec::new(),
            });
        }
        let h = by_run.last_mut().expect("pushed above");
        match (o.outcome.as_str(), o.side.as_str()) {
            ("tp", "prediction") => h.counts.tp += 1,
            ("fp", _) => h.counts.fp += 1,
            ("fn", _) => h.counts.r#fn += 1,
            _ => {}
        }
        h.objects.push(o);
    }
    by_run
}

fn neighbours(state: &AppState, dataset: &str, id: i64) -> ApiResult<Vec<Neighbour>> {
    let Some(vectors) = state.vectors(dataset)? else {
        return Ok(Vec::new());
    };
    let table = state.table(dataset)?;
    let Some(i) = table.index_of.get(&id).copied() else {
        return Ok(Vec::new());
    };
    let Some(query) = vectors.row(i as usize) else {
        return Ok(Vec::new());
    };
    let similarity = super::explore::cosines(&vectors, query);
    let mut scored: Vec<(f32, usize)> = similarity
        .into_iter()
        .enumerate()
        .filter(|&(i, s)| !s.is_nan() && table.ids[i] != id)
        .map(|(i, s)| (s, i))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(scored
        .into_iter()
        .take(NEIGHBOURS)
        .map(|(similarity, i)| Neighbour {
            id: table.ids[i],
            file_name: table.file_names[i].clone(),
            similarity,
        })
        .collect())
}
