//! `GET /api/generative?dataset=`: the generators of a generated dataset,
//! ranked, their images per prompt, and their memorized training images.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use assay_app::generative::leaderboard::rank;
use assay_app::generative::results::EvalReport;
use assay_app::generative::results::PromptRow;
use assay_app::summary::RunSummary;
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

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
    /// Each metric's interval: name, low, high.
    intervals: Vec<(String, f64, f64)>,
    warnings: Vec<String>,
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
    /// The level and method of the leaderboard's intervals, each once.
    interval_notes: Vec<String>,
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
            let mut runs: Vec<GenRun> = runs
                .into_iter()
                .map(|detail| GenRun {
                    report: RunSummary::parse(&detail.info.task, &detail.tables.summary)
                        .generation()
                        .cloned(),
                    detail,
                })
                .collect();
            rank(&mut runs, |r, name| {
                r.detail
                    .info
                    .metrics
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| *v)
                    .filter(|v| !v.is_nan())
            });
            let memorized = runs
                .iter()
                .flat_map(|r| memorized(r, &table, &others))
                .collect();
            Ok(Json(Generative {
                prompts: prompts(&rows, &runs),
                interval_notes: interval_notes(&runs),
                leaderboard: runs
                    .iter()
                    .map(|r| Entry {
                        run_id: r.detail.info.id,
                        model: r.detail.info.model.clone(),
                        metrics: r.detail.info.metrics.clone(),
                        intervals: r
                            .report
                            .iter()
                            .flat_map(|g| &g.metrics)
                            .filter_map(|m| {
                                let i = m.interval.as_ref()?;
                                Some((m.name.clone(), i.low, i.high))
                            })
                            .collect(),
                        warnings: r
                            .report
                            .as_ref()
                            .map(|g| g.warnings.clone())
                            .unwrap_or_default(),
                    })
                    .collect(),
                memorized,
                dataset: args.dataset.clone(),
            }))
        })
        .await
}

/// A generator's newest run with its evaluation, when readable.
struct GenRun {
    detail: assay_store::RunDetail,
    report: Option<EvalReport>,
}

/// `95% intervals: <method>` for each distinct level and method.
fn interval_notes(runs: &[GenRun]) -> Vec<String> {
    let mut notes: Vec<String> = Vec::new();
    let metrics = runs
        .iter()
        .flat_map(|r| r.report.iter().flat_map(|g| &g.metrics));
    for i in metrics.filter_map(|m| m.interval.as_ref()) {
        let note = i.note();
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    notes
}

fn prompts(rows: &[assay_store::SampleRow], runs: &[GenRun]) -> Vec<Prompt> {
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
    let scores: HashMap<(&str, &str), &PromptRow> = runs
        .iter()
        .flat_map(|r| {
            let rows = r.report.iter().flat_map(|g| &g.diagnostics.prompts);
            rows.map(move |p| ((r.detail.info.model.as_str(), p.prompt.as_str()), p))
        })
        .collect();
    grid.into_iter()
        .map(|(prompt, models)| Prompt {
            prompt: prompt.to_string(),
            models: models
                .into_iter()
                .map(|(model, samples)| {
                    let s = scores.get(&(model, prompt));
                    PromptModel {
                        model: model.to_string(),
                        samples,
                        diversity: s.and_then(|s| s.diversity),
                        near_duplicates: s.map(|s| s.near_duplicates as u64),
                        realism: s.and_then(|s| s.realism),
                        clip_score: s.and_then(|s| s.clip_score),
                    }
                })
                .collect(),
        })
        .collect()
}

fn memorized(run: &GenRun, table: &DatasetTable, others: &[Arc<DatasetTable>]) -> Vec<Memorized> {
    let matches = run.report.iter().flat_map(|g| &g.diagnostics.memorized);
    matches
        .map(|m| Memorized {
            model: run.detail.info.model.clone(),
            sample_id: find(table, &m.file),
            file_name: m.file.clone(),
            train_sample_id: others.iter().find_map(|t| find(t, &m.nearest)),
            train_file: m.nearest.clone(),
            similarity: f64::from(m.similarity),
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
