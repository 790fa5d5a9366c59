//! `GET /api/generative?dataset=`: the generators of a generated dataset,
//! ranked, their images per prompt, and their memorized training images.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiResult;
use crate::explorer::table::DatasetTable;
use crate::state::AppState;

/// Options of the page.
#[derive(Deserialize)]
pub struct GenerativeArgs {
    dataset: String,
}

/// A generator's latest run.
#[derive(Serialize)]
struct Entry {
    run_id: i64,
    model: String,
    metrics: Vec<(String, f64)>,
    warnings: Value,
}

/// A generated image.
#[derive(Serialize)]
struct Image {
    id: i64,
    file_name: String,
    seed: Option<i64>,
}

/// One generator's images and scores for a prompt.
#[derive(Serialize)]
struct PromptModel {
    model: String,
    samples: Vec<Image>,
    diversity: Option<f64>,
    near_duplicates: Option<u64>,
    realism: Option<f64>,
    clip_score: Option<f64>,
}

/// A prompt across generators.
#[derive(Serialize)]
struct Prompt {
    prompt: String,
    models: Vec<PromptModel>,
}

/// A generation that copies a training image.
#[derive(Serialize)]
struct Memorized {
    model: String,
    sample_id: Option<i64>,
    file_name: String,
    train_sample_id: Option<i64>,
    train_file: String,
    similarity: f64,
}

/// The generative page's data.
#[derive(Serialize)]
pub struct Generative {
    dataset: String,
    leaderboard: Vec<Entry>,
    prompts: Vec<Prompt>,
    memorized: Vec<Memorized>,
}

/// Answers `GET /api/generative`.
pub async fn generative(
    State(state): State<Arc<AppState>>,
    Query(args): Query<GenerativeArgs>,
) -> ApiResult<Json<Generative>> {
    state
        .blocking(move |state| {
            let table = state.table(&args.dataset)?;
            let (rows, runs, datasets) = state.store(|s| -> assay_store::Result<_> {
                let runs: Vec<_> = s
                    .runs(Some(&args.dataset))?
                    .into_iter()
                    .filter(|r| r.task == "generation")
                    .collect();
                let mut details = Vec::new();
                for r in runs {
                    // Newest first: keep each generator's latest run.
                    if !details
                        .iter()
                        .any(|d: &assay_store::RunDetail| d.info.model == r.model)
                    {
                        details.push(s.run_detail(r.id)?);
                    }
                }
                Ok((s.sample_rows(&args.dataset)?, details, s.dataset_names()?))
            })?;
            let mut others = Vec::new();
            for name in datasets.iter().filter(|n| **n != args.dataset) {
                others.push(state.table(name)?);
            }
            let mut runs = runs;
            rank_by_fid(&mut runs);
            let memorized = runs
                .iter()
                .flat_map(|r| memorized(r, &table, &others))
                .collect();
            Ok(Json(Generative {
                prompts: prompts(&rows, &runs),
                leaderboard: runs
                    .iter()
                    .map(|r| Entry {
                        run_id: r.info.id,
                        model: r.info.model.clone(),
                        metrics: r.info.metrics.clone(),
                        warnings: r
                            .tables
                            .summary
                            .get("warnings")
                            .cloned()
                            .unwrap_or(Value::Null),
                    })
                    .collect(),
                memorized,
                dataset: args.dataset.clone(),
            }))
        })
        .await
}

/// Orders generators by FID, lowest first, as `assay gen compare` ranks
/// them (runs without FID last, newest first among themselves).
fn rank_by_fid(runs: &mut [assay_store::RunDetail]) {
    let fid = |r: &assay_store::RunDetail| {
        r.info
            .metrics
            .iter()
            .find(|(n, _)| n == "fid")
            .map_or(
                f64::INFINITY,
                |&(_, v)| if v.is_nan() { f64::INFINITY } else { v },
            )
    };
    runs.sort_by(|a, b| fid(a).total_cmp(&fid(b)));
}

fn prompts(rows: &[assay_store::SampleRow], runs: &[assay_store::RunDetail]) -> Vec<Prompt> {
    let mut grid: BTreeMap<&str, BTreeMap<&str, Vec<Image>>> = BTreeMap::new();
    for r in rows {
        let (Some(prompt), Some(model)) = (r.prompt.as_deref(), r.generator.as_deref()) else {
            continue;
        };
        grid.entry(prompt)
            .or_default()
            .entry(model)
            .or_default()
            .push(Image {
                id: r.id,
                file_name: r.file_name.clone(),
                seed: r.seed,
            });
    }
    let scores: HashMap<(&str, &str), &Value> = runs
        .iter()
        .flat_map(|r| {
            let rows = r.tables.summary["diagnostics"]["prompts"].as_array();
            rows.into_iter()
                .flatten()
                .filter_map(move |p| Some(((r.info.model.as_str(), p["prompt"].as_str()?), p)))
        })
        .collect();
    grid.into_iter()
        .map(|(prompt, models)| Prompt {
            prompt: prompt.to_string(),
            models: models
                .into_iter()
                .map(|(model, samples)| {
                    let s = scores
                        .get(&(model, prompt))
                        .copied()
                        .unwrap_or(&Value::Null);
                    PromptModel {
                        model: model.to_string(),
                        samples,
                        diversity: s["diversity"].as_f64(),
                        near_duplicates: s["near_duplicates"].as_u64(),
                        realism: s["realism"].as_f64(),
                        clip_score: s["clip_score"].as_f64(),
                    }
                })
                .collect(),
        })
        .collect()
}

fn memorized(
    run: &assay_store::RunDetail,
    table: &DatasetTable,
    others: &[Arc<DatasetTable>],
) -> Vec<Memorized> {
    let matches = run.tables.summary["diagnostics"]["memorized"].as_array();
    matches
        .into_iter()
        .flatten()
        .map(|m| {
            let file = m["file"].as_str().unwrap_or_default();
            let nearest = m["nearest"].as_str().unwrap_or_default();
            Memorized {
                model: run.info.model.clone(),
                sample_id: find(table, file),
                file_name: file.to_string(),
                train_sample_id: others.iter().find_map(|t| find(t, nearest)),
                train_file: nearest.to_string(),
                similarity: m["similarity"].as_f64().unwrap_or(f64::NAN),
            }
        })
        .collect()
}

/// The sample whose file name is `file` or ends `file`'s path.
fn find(table: &DatasetTable, file: &str) -> Option<i64> {
    let name = std::path::Path::new(file).file_name()?.to_str()?;
    let i = table
        .file_names
        .iter()
        .position(|f| f == file || f == name || file.ends_with(&format!("/{f}")))?;
    Some(table.ids[i])
}
