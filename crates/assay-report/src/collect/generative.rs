//! Generative leaderboards from the stored summaries of `generation` runs
//! (each the JSON of `gen eval`'s report): the newest run of each
//! generator, ranked as `assay gen compare` ranks them.

use std::path::Path;

use assay_store::{RunInfo, Store};
use serde_json::Value;

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
        boards[at].entries.push(entry(store, run, &summary)?);
    }
    for board in &mut boards {
        board.ranked_by = rank(&mut board.entries);
    }
    Ok(boards)
}

/// Orders entries by FID, else KID (lower is better), else precision
/// (higher is better): the first metric every entry has, as
/// `gen compare` does. Returns what the ranking used.
pub fn rank(entries: &mut [GenEntry]) -> String {
    let value = |e: &GenEntry, name: &str| e.metric(name).map(|m| m.value);
    let by = ["fid", "kid", "precision"]
        .into_iter()
        .find(|m| entries.iter().all(|e| value(e, m).is_some()))
        .unwrap_or("fid");
    let lower_is_better = by != "precision";
    entries.sort_by(|a, b| {
        let order = value(a, by)
            .unwrap_or(f64::NAN)
            .total_cmp(&value(b, by).unwrap_or(f64::NAN));
        if lower_is_better {
            order
        } else {
            order.reverse()
        }
    });
    let direction = if lower_is_better { "lower" } else { "higher" };
    format!("{by} ({direction} is better)")
}

fn entry(store: &Store, run: &RunInfo, s: &Value) -> Result<GenEntry> {
    let d = &s["diagnostics"];
    let real = s["real"]["source"].as_str().unwrap_or("").to_string();
    let mut memorized = Vec::new();
    for m in d["memorized"].as_array().into_iter().flatten() {
        let file = text(&m["file"]);
        let nearest = text(&m["nearest"]);
        memorized.push(Memorized {
            file_path: store.sample_path(&run.dataset, &file)?,
            nearest_path: reference_path(store, &real, &nearest)?,
            similarity: m["similarity"].as_f64().unwrap_or(f64::NAN),
            file,
            nearest,
        });
    }
    let mut outliers = Vec::new();
    for o in d["outliers"]
        .as_array()
        .into_iter()
        .flatten()
        .take(OUTLIERS_SHOWN)
    {
        let file = text(&o["file"]);
        outliers.push(Outlier {
            path: store.sample_path(&run.dataset, &file)?,
            score: o["score"].as_f64().unwrap_or(f64::NAN),
            file,
        });
    }
    let diversities: Vec<f64> = d["prompts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["diversity"].as_f64())
        .collect();
    Ok(GenEntry {
        run_id: run.id,
        generator: run.model.clone(),
        images: s["fake"]["count"].as_u64().unwrap_or(0) as usize,
        real,
        metrics: metrics(s, run),
        near_duplicate_sets: d["near_duplicates"].as_array().map_or(0, Vec::len),
        outlier_count: d["outliers"].as_array().map_or(0, Vec::len),
        memorized,
        outliers,
        mean_diversity: (!diversities.is_empty())
            .then(|| diversities.iter().sum::<f64>() / diversities.len() as f64),
        warnings: s["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect(),
    })
}

/// The summary's metrics with spreads and intervals; the run's headline
/// metrics when the summary has none.
fn metrics(s: &Value, run: &RunInfo) -> Vec<GenMetric> {
    let Some(list) = s["metrics"].as_array() else {
        return run
            .metrics
            .iter()
            .map(|(name, value)| GenMetric {
                name: name.clone(),
                value: *value,
                std: None,
                interval: None,
            })
            .collect();
    };
    list.iter()
        .map(|m| GenMetric {
            name: text(&m["name"]),
            value: m["value"].as_f64().unwrap_or(f64::NAN),
            std: m["std"].as_f64(),
            interval: m
                .get("interval")
                .filter(|i| !i.is_null())
                .map(|i| GenInterval {
                    low: i["low"].as_f64().unwrap_or(f64::NAN),
                    high: i["high"].as_f64().unwrap_or(f64::NAN),
                    confidence: i["confidence"].as_f64().unwrap_or(f64::NAN),
                    replicates: i["replicates"].as_u64().unwrap_or(0) as usize,
                }),
        })
        .collect()
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

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, metrics: &[(&str, f64)]) -> GenEntry {
        GenEntry {
            run_id: 1,
            generator: name.to_string(),
            images: 0,
            real: String::new(),
            metrics: metrics
                .iter()
                .map(|(n, v)| GenMetric {
                    name: n.to_string(),
                    value: *v,
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
        }
    }

    #[test]
    fn lower_fid_ranks_first_and_precision_ranks_without_it() {
        let mut e = vec![entry("a", &[("fid", 2.0)]), entry("b", &[("fid", 1.0)])];
        assert_eq!(rank(&mut e), "fid (lower is better)");
        assert_eq!(e[0].generator, "b");
        let mut e = vec![
            entry("a", &[("precision", 0.2)]),
            entry("b", &[("fid", 1.0), ("precision", 0.9)]),
        ];
        assert_eq!(rank(&mut e), "precision (higher is better)");
        assert_eq!(e[0].generator, "b");
    }
}
