//! The generators of a project's generated dataset, each evaluated and
//! stored as a run (task `generation`).

use anyhow::Result;
use assay_embed::Extractor;
use assay_store::{NewRun, Store};
use serde_json::json;

use super::diagnostics::Diagnostician;
use super::inputs::{load_dataset, Reference};
use super::leaderboard::{leaderboard, Entry, Leaderboard};
use super::report::{evaluate, EvalReport};
use super::workflow::GenerativeOptions;
use crate::progress::Progress;
use crate::summary::GENERATION;

/// Evaluates every generator (the manifest's `model` column) of `dataset`.
pub fn evaluate_dataset(
    store: &mut Store,
    dataset: &str,
    reference: &Reference,
    extractor: &Extractor,
    doctor: &Diagnostician,
    opts: &GenerativeOptions,
    progress: &dyn Progress,
) -> Result<Leaderboard> {
    let set = load_dataset(store, dataset, None, extractor, opts.batch, progress)?;
    let mut entries = Vec::new();
    for (generator, subset) in set.split_by_model() {
        let report = evaluate(reference, &subset, extractor, doctor, opts)?;
        let run = store.record_run(&new_run(dataset, &generator, &report, opts)?)?;
        entries.push(Entry {
            name: generator,
            report,
            run_id: Some(run),
        });
    }
    Ok(leaderboard(entries))
}

fn new_run(
    dataset: &str,
    generator: &str,
    report: &EvalReport,
    opts: &GenerativeOptions,
) -> Result<NewRun> {
    let params = json!({
        "real": report.real.source,
        "extractor": report.extractor.name,
        "comparable": report.extractor.comparable,
        "interval": assay_gen::interval::method(opts.interval_draws),
        "seed": opts.seed,
        "kid_subsets": opts.kid_subsets,
        "kid_subset_size": opts.kid_subset_size,
    });
    let summary = serde_json::to_value(report)?;
    let inputs_hash = blake3::hash(format!("{dataset}\n{generator}\n{params}").as_bytes())
        .to_hex()
        .to_string();
    Ok(NewRun {
        dataset: dataset.to_string(),
        model: generator.to_string(),
        task: GENERATION.to_string(),
        params,
        summary,
        inputs_hash,
        metrics: report
            .metrics
            .iter()
            .map(|m| (m.name.clone(), m.value))
            .collect(),
        class_metrics: Vec::new(),
        curves: Vec::new(),
        outcomes: Vec::new(),
        confusion_objects: Vec::new(),
    })
}
