//! Finding and comparing recorded evaluation runs: filters by task,
//! model, dataset, parameter and time, and a table of chosen metrics over
//! any number of runs with the best value of each marked.

use anyhow::{bail, Result};
use assay_store::{RunInfo, Store};
use serde::Serialize;

/// Which runs to list.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// Only runs on this dataset.
    pub dataset: Option<String>,
    /// Only this task (`detection`, `classification`, `segmentation`,
    /// `generation`).
    pub task: Option<String>,
    /// Only this model.
    pub model: Option<String>,
    /// Only runs recorded at or after this time (ISO 8601 prefix, e.g.
    /// `2026-12-01`).
    pub since: Option<String>,
    /// Only runs whose stored parameters have `KEY=VALUE` (values compared
    /// as JSON text without quotes, e.g. `iou_type=bbox`).
    pub params: Vec<String>,
}

/// A run named by id, or by model (its newest run, on `dataset` when
/// given), among `runs` (newest first, as [`Store::runs`] lists them).
pub fn find_run(runs: &[RunInfo], name: &str, dataset: Option<&str>) -> Result<RunInfo> {
    let on = |r: &&RunInfo| dataset.is_none_or(|d| r.dataset == d);
    let found = match name.parse::<i64>() {
        Ok(id) => runs.iter().find(|r| r.id == id),
        Err(_) => runs.iter().filter(on).find(|r| r.model == name),
    };
    match found {
        Some(r) => Ok(r.clone()),
        None => bail!(
            "no run {name:?}{} (see `assay runs`)",
            dataset.map_or(String::new(), |d| format!(" on dataset {d:?}"))
        ),
    }
}

/// The runs `filter` selects, newest first.
pub fn find_runs(store: &Store, filter: &RunFilter) -> Result<Vec<RunInfo>> {
    let mut wanted = Vec::new();
    for p in &filter.params {
        let Some((k, v)) = p.split_once('=') else {
            bail!("a parameter filter is KEY=VALUE, got {p:?}");
        };
        wanted.push((k.trim().to_string(), v.trim().to_string()));
    }
    let mut out = Vec::new();
    for run in store.runs(filter.dataset.as_deref())? {
        let keep = filter.task.as_ref().is_none_or(|t| &run.task == t)
            && filter.model.as_ref().is_none_or(|m| &run.model == m)
            && filter
                .since
                .as_ref()
                .is_none_or(|s| run.created_at.as_str() >= s.as_str());
        if !keep {
            continue;
        }
        if !wanted.is_empty() {
            let params = store.run_tables(run.id)?.params;
            let matches = wanted.iter().all(|(k, v)| {
                params.get(k).is_some_and(|p| match p {
                    serde_json::Value::String(s) => s == v,
                    other => {
                        serde_json::from_str::<serde_json::Value>(v).is_ok_and(|w| &w == other)
                    }
                })
            });
            if !matches {
                continue;
            }
        }
        out.push(run);
    }
    Ok(out)
}

/// Whether a lower value of `metric` is better (FID, KID, calibration
/// errors, TIDE's deltas).
pub fn lower_is_better(metric: &str) -> bool {
    matches!(metric, "fid" | "kid" | "ece" | "brier" | "label_issues")
        || metric.starts_with("tide_delta_")
}

/// Chosen metrics over chosen runs.
#[derive(Debug, Clone, Serialize)]
pub struct RunComparisonTable {
    /// The runs, in the order asked.
    pub runs: Vec<RunInfo>,
    /// The metrics, in the order asked.
    pub metrics: Vec<String>,
    /// `values[run][metric]` (none where the run lacks it).
    pub values: Vec<Vec<Option<f64>>>,
    /// Per metric, the index of the best run (ties: the first).
    pub best: Vec<Option<usize>>,
}

/// Compares `ids` on `metrics` (default: every metric any of them has).
pub fn compare_runs(store: &Store, ids: &[i64], metrics: &[String]) -> Result<RunComparisonTable> {
    let all = store.runs(None)?;
    let runs: Vec<RunInfo> = ids
        .iter()
        .map(|id| {
            all.iter()
                .find(|r| r.id == *id)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("no run {id} (see `assay runs`)"))
        })
        .collect::<Result<_>>()?;
    let metrics: Vec<String> = if metrics.is_empty() {
        let mut names: Vec<String> = Vec::new();
        for r in &runs {
            for (n, _) in &r.metrics {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
        names
    } else {
        metrics.to_vec()
    };
    let values: Vec<Vec<Option<f64>>> = runs
        .iter()
        .map(|r| {
            metrics
                .iter()
                .map(|m| {
                    r.metrics
                        .iter()
                        .find(|(n, _)| n == m)
                        .map(|v| v.1)
                        .filter(|v| v.is_finite())
                })
                .collect()
        })
        .collect();
    let best = (0..metrics.len())
        .map(|j| {
            let lower = lower_is_better(&metrics[j]);
            let mut best: Option<(usize, f64)> = None;
            for (i, row) in values.iter().enumerate() {
                if let Some(v) = row[j] {
                    let better = best.is_none_or(|(_, b)| if lower { v < b } else { v > b });
                    if better {
                        best = Some((i, v));
                    }
                }
            }
            best.map(|b| b.0)
        })
        .collect();
    Ok(RunComparisonTable {
        runs,
        metrics,
        values,
        best,
    })
}

/// Logs `values` under run name `run` at `step` (a training loop's loss,
/// an external metric): the CLI's `assay log` and the server's
/// `POST /api/log`. Names must be non-empty and values finite.
pub fn log_values(store: &mut Store, run: &str, step: i64, values: &[(String, f64)]) -> Result<()> {
    let run = run.trim();
    if run.is_empty() {
        bail!("the run name is empty");
    }
    if values.is_empty() {
        bail!("nothing to log: give at least one KEY=VALUE");
    }
    for (key, value) in values {
        if key.trim().is_empty() {
            bail!("a logged value has an empty key");
        }
        if !value.is_finite() {
            bail!("the value of {key:?} must be a finite number, got {value}");
        }
    }
    store.log_series(run, step, values)?;
    Ok(())
}
