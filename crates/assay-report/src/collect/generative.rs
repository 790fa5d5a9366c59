//! Generative leaderboards from the stored summaries of `generation` runs
//! (each the JSON of `gen eval`'s report): the newest run of each
//! generator, ranked as `assay gen compare` ranks them.

use std::path::Path;

use assay_app::generative::leaderboard::rank;
use assay_app::generative::results::EvalReport;
use assay_app::summary::RunSummary;
use assay_store::{RunInfo, Store};

use super::runs::GENERATION_TASK;
use crate::data::{GenEntry, GenInterval, GenMetric, Leaderboard, Memorized, Outlier};
use crate::Result;

/// Outliers shown per generator.
const OUTLIERS_SHOWN: usize = 4;

/// One leaderboard per dataset with generation runs, in the order the
/// datasets' newest runs were recorded.
pub fn leaderboards(store: &Store, runs: &[RunInfo]) -> Result<Vec<Leaderboard>> {
    let mut boards: Vec<Leaderboard> = Vec::new();
    for run in runs.iter().filter(|r| r.task == GENERATION_TASK) {
        let at = match boards.iter().position(|b| b.dataset == run.dataset) {
            Some(at) => at,
            None => {
                boards.push(Leaderboard {
                    dataset: run.dataset.clone(),
                    ranked_by: String::new(),
                    entries: Vec::new(),
                });
                boards.len() - 1
            }
        };
        // Runs come newest first: an older run of a generator is skipped.
        if boards[at].entries.iter().any(|e| e.generator == run.model) {
            continue;
        }
        let summary = store.run_tables(run.id)?.summary;
        let report = RunSummary::parse(&run.task, &summary);
        boards[at]
            .entries
            .push(entry(store, run, report.generation())?);
    }
    for board in &mut boards {
        board.ranked_by = rank(&mut board.entries, |e, name| {
            e.metric(name).map(|m| m.value)
        });
    }
    Ok(boards)
}

/// One generator's entry: from its stored evaluation, or from the run's
/// headline metrics alone when the summary cannot be read.
fn entry(store: &Store, run: &RunInfo, report: Option<&EvalReport>) -> Result<GenEntry> {
    let Some(r) = report else {
        return Ok(GenEntry {
            run_id: run.id,
            generator: run.model.clone(),
            images: 0,
            real: String::new(),
            metrics: run
                .metrics
                .iter()
                .map(|(name, value)| GenMetric {
                    name: name.clone(),
                    value: *value,
                    std: None,
                    interval: None,
                })
                .collect(),
            near_duplicate_sets: 0,
            outlier_count: 0,
            memorized: Vec::new(),
            outliers: Vec::new(),
            mean_diversity: None,
            warnings: Vec::new(),
        });
    };
    let d = &r.diagnostics;
    let real = r.real.source.clone();
    let mut memorized = Vec::new();
    for m in &d.memorized {
        memorized.push(Memorized {
            file_path: store.sample_path(&run.dataset, &m.file)?,
            nearest_path: reference_path(store, &real, &m.nearest)?,
            similarity: f64::from(m.similarity),
            file: m.file.clone(),
            nearest: m.nearest.clone(),
        });
    }
    let mut outliers = Vec::new();
    for o in d.outliers.iter().take(OUTLIERS_SHOWN) {
        outliers.push(Outlier {
            path: store.sample_path(&run.dataset, &o.file)?,
            score: o.score,
            file: o.file.clone(),
        });
    }
    let diversities: Vec<f64> = d.prompts.iter().filter_map(|p| p.diversity).collect();
    Ok(GenEntry {
        run_id: run.id,
        generator: run.model.clone(),
        images: r.fake.count.unwrap_or(0),
        real,
        metrics: r
            .metrics
            .iter()
            .map(|m| GenMetric {
                name: m.name.clone(),
                value: m.value,
                std: m.std,
                interval: m.interval.as_ref().map(|i| GenInterval {
                    low: i.low,
                    high: i.high,
                    confidence: i.confidence,
                    draws: i.draws,
                    note: i.note(),
                }),
            })
            .collect(),
        near_duplicate_sets: d.near_duplicates.len(),
        outlier_count: d.outliers.len(),
        memorized,
        outliers,
        mean_diversity: (!diversities.is_empty())
            .then(|| diversities.iter().sum::<f64>() / diversities.len() as f64),
        warnings: r.warnings.clone(),
    })
}

/// Where a reference image is: a sample of the project dataset the run
/// compared with (`dataset NAME`), or a file in the reference folder.
fn reference_path(store: &Store, real: &str, file: &str) -> Result<Option<String>> {
    if let Some(name) = real.strip_prefix("dataset ") {
        let name = name.split(" [").next().unwrap_or(name);
        return match store.sample_path(name, file) {
            Ok(path) => Ok(path),
            Err(assay_store::StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        };
    }
    let path = Path::new(real).join(file);
    Ok(path.is_file().then(|| path.display().to_string()))
}
