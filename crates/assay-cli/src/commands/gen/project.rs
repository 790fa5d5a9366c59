//! `assay gen eval --dataset`: the generators of a project's generated
//! dataset, each evaluated and stored as a run.

use anyhow::Result;
use assay_embed::Extractor;
use assay_store::{NewRun, Store};
use serde_json::json;

use super::compare::{leaderboard, print_board, Entry, Leaderboard};
use super::diagnostics::Diagnostician;
use super::eval::{evaluate, print_report, EvalReport};
use super::inputs::{load_dataset, Reference};
use crate::commands::gen::eval::GenOptions;

/// The task runs of generated datasets are stored under.
pub const TASK: &str = "generation";

/// Evaluates every generator (the manifest's `model` column) of `dataset`.
pub fn evaluate_dataset(
    store: &mut Store,
    dataset: &str,
    reference: &Reference,
    extractor: &Extractor,
    doctor: &Diagnostician,
    opts: &GenOptions,
) -> Result<Leaderboard> {
    let set = load_dataset(store, dataset, None, extractor, opts.batch)?;
    let mut entries = Vec::new();
    for (generator, subset) in set.split_by_model() {
        eprintln!("evaluating {generator} ({} images)", subset.features.len());
        let report = evaluate(reference, &subset, extractor, doctor, opts)?;
        let run = store.record_run(&new_run(dataset, &generator, &report, opts)?)?;
        eprintln!("stored as run {run}");
        entries.push(Entry {
            name: generator,
            report,
        });
    }
    let board = leaderboard(entries);
    match (board.entries.as_slice(), opts.json) {
        ([only], true) => println!("{}", serde_json::to_string_pretty(&only.report)?),
        ([only], false) => print_report(&only.report, opts.worst),
        (_, true) => println!("{}", serde_json::to_string_pretty(&board)?),
        (_, false) => print_board(&board),
    }
    Ok(board)
}

fn new_run(
    dataset: &str,
    generator: &str,
    report: &EvalReport,
    opts: &GenOptions,
) -> Result<NewRun> {
    let params = json!({
        "real": report.real.source,
        "extractor": report.extractor.name,
        "comparable": report.extractor.comparable,
        "bootstrap": opts.bootstrap,
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
        task: TASK.to_string(),
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
