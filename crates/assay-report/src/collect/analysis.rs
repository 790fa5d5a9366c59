//! The failure analysis the report shows: for each detection run its metric
//! importance and weak slices, for each dataset with several splits the
//! drift of each split from `train` (else the first split), and each later detection run of a
//! dataset against the one before it (paired bootstrap).

use assay_app::analysis::compare::{compare, BootstrapOptions};
use assay_app::analysis::drift::{drift, DriftOptions, Group};
use assay_app::analysis::importance::{importance, DEFAULT_PERMUTATIONS};
use assay_app::analysis::slices::{slices, SliceOptions};
use assay_app::analysis::table::RunTable;
use assay_store::{RunInfo, Store};

use crate::data::{AnalysisReport, DatasetReport, RunAnalysis};
use crate::{ReportError, Result};

/// Resamples of the run comparisons in the report.
const RESAMPLES: usize = 500;

fn failed(what: String) -> impl FnOnce(anyhow::Error) -> ReportError {
    move |e| ReportError::Analysis(format!("{what}: {e:#}"))
}

/// Analyses the detection runs in `runs` (newest first) and the splits of
/// `datasets`.
pub fn analysis(
    store: &Store,
    runs: &[RunInfo],
    datasets: &[DatasetReport],
) -> Result<AnalysisReport> {
    let mut report = AnalysisReport::default();
    let detection: Vec<&RunInfo> = runs
        .iter()
        .rev()
        .filter(|r| r.task == "detection" || r.task == "segmentation")
        .collect();
    for run in &detection {
        let table = RunTable::load(store, run.id).map_err(failed(format!("run {}", run.id)))?;
        let found = slices(
            &table,
            &SliceOptions {
                k: 5,
                ..SliceOptions::default()
            },
        )
        .map_err(failed(format!("slices of run {}", run.id)))?;
        let mut ranked = importance(&table, 0, DEFAULT_PERMUTATIONS);
        ranked.groups.truncate(1);
        ranked.groups[0].metrics.truncate(6);
        ranked.groups[0].image_metrics.truncate(6);
        report.runs.push(RunAnalysis {
            importance: ranked,
            slices: found,
        });
    }
    for (i, b) in detection.iter().enumerate() {
        if let Some(a) = detection[..i].iter().rev().find(|a| a.dataset == b.dataset) {
            let options = BootstrapOptions {
                resamples: RESAMPLES,
                ..BootstrapOptions::default()
            };
            // Runs evaluated differently (split, IoU type) are not compared.
            if let Ok(c) = compare(store, a.id, b.id, &options) {
                report.comparisons.push(c);
            }
        }
    }
    for d in datasets {
        let mut splits: Vec<&str> = d.summary.splits.iter().map(|s| s.split.as_str()).collect();
        // The training split is the natural reference; else the first.
        if let Some(i) = splits.iter().position(|s| *s == "train") {
            splits.swap(0, i);
        }
        let Some((first, rest)) = splits.split_first() else {
            continue;
        };
        for current in rest {
            let reference = Group::parse(first, &d.summary.name);
            let current = Group::parse(current, &d.summary.name);
            let result = drift(store, &reference, &current, &DriftOptions::default())
                .map_err(failed(format!("drift of {}", current.label())))?;
            report.drift.push(result);
        }
    }
    Ok(report)
}
