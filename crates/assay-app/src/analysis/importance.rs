//! Metric importance: which measurements of the data predict whether the
//! model finds an object. Encord Active's definition: scikit-learn's
//! `mutual_info_regression` (k = 3) of the metric against the IoU of the
//! matched prediction (0 for misses), over the ground truths, beside
//! Pearson's and Spearman's correlation; per class and overall.

use assay_analysis::correlation::{pearson, spearman};
use assay_analysis::mutual_info::{mutual_info_regression, DEFAULT_NEIGHBORS};
use rayon::prelude::*;
use serde::Serialize;

use super::table::{Level, NumericColumn, RunTable};

/// What the importance is measured against.
pub const TARGET: &str = "IoU of the matched prediction per ground truth (0 for misses)";

/// Fewest ground truths a metric needs in a group to be ranked.
pub const MIN_ROWS: usize = 10;

/// The importance of one metric in one group of objects.
#[derive(Debug, Clone, Serialize)]
pub struct MetricImportance {
    /// Metric name.
    pub metric: String,
    /// Where it comes from.
    pub level: Level,
    /// Ground truths with a value.
    pub n: usize,
    /// Mutual information with the outcome, in nats.
    pub mutual_info: f64,
    /// Pearson's r (none for a constant metric).
    pub pearson: Option<f64>,
    /// Spearman's rho (none for a constant metric).
    pub spearman: Option<f64>,
    /// Other metrics with exactly the same values on these objects (shown
    /// once, under this one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub same_as: Vec<String>,
}

/// The metrics of one group, most important first.
#[derive(Debug, Clone, Serialize)]
pub struct GroupImportance {
    /// `None` for all classes together.
    pub class: Option<String>,
    /// Ground truths in the group.
    pub objects: usize,
    /// Ranked by mutual information, then by |Spearman|.
    pub metrics: Vec<MetricImportance>,
}

/// Metric importance of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Importance {
    /// The run.
    pub run: i64,
    /// Its model.
    pub model: String,
    /// What the metrics are measured against.
    pub target: &'static str,
    /// Neighbours of the estimator.
    pub neighbours: usize,
    /// Seed of the estimator's tie-breaking noise (scikit-learn's
    /// `random_state`).
    pub seed: u32,
    /// All classes, then each class.
    pub groups: Vec<GroupImportance>,
}

/// Ranks every numeric metric of `table` overall and per class.
pub fn importance(table: &RunTable, seed: u32) -> Importance {
    let truths: Vec<usize> = (0..table.rows.len())
        .filter(|&i| !table.rows[i].prediction)
        .collect();
    let mut groups = vec![group(table, None, &truths, seed)];
    for (c, name) in table.classes.iter().enumerate() {
        let rows: Vec<usize> = truths
            .iter()
            .copied()
            .filter(|&i| table.rows[i].class == c as u32)
            .collect();
        groups.push(group(table, Some(name.clone()), &rows, seed));
    }
    Importance {
        run: table.run,
        model: table.subject.model.clone(),
        target: TARGET,
        neighbours: DEFAULT_NEIGHBORS,
        seed,
        groups,
    }
}

fn group(table: &RunTable, class: Option<String>, rows: &[usize], seed: u32) -> GroupImportance {
    let columns = distinct_columns(table, rows);
    let mut metrics: Vec<MetricImportance> = columns
        .par_iter()
        .filter_map(|(column, same_as)| {
            let (x, y): (Vec<f64>, Vec<f64>) = rows
                .iter()
                .map(|&i| (column.values[i], table.rows[i].iou))
                .filter(|(v, _)| v.is_finite())
                .unzip();
            if x.len() < MIN_ROWS {
                return None;
            }
            let mutual_info = mutual_info_regression(&x, &y, DEFAULT_NEIGHBORS, seed).ok()?;
            Some(MetricImportance {
                metric: column.name.clone(),
                level: column.level,
                n: x.len(),
                mutual_info,
                pearson: pearson(&x, &y),
                spearman: spearman(&x, &y),
                same_as: same_as.clone(),
            })
        })
        .collect();
    metrics.sort_by(|a, b| {
        b.mutual_info.total_cmp(&a.mutual_info).then_with(|| {
            let s = |m: &MetricImportance| m.spearman.map_or(0.0, f64::abs);
            s(b).total_cmp(&s(a))
        })
    });
    GroupImportance {
        class,
        objects: rows.len(),
        metrics,
    }
}

/// The data's columns (not the model's) with distinct values on `rows`,
/// each with the names of the later columns identical to it.
fn distinct_columns<'a>(
    table: &'a RunTable,
    rows: &[usize],
) -> Vec<(&'a NumericColumn, Vec<String>)> {
    let mut kept: Vec<(&NumericColumn, Vec<String>)> = Vec::new();
    for column in table.numeric.iter().filter(|c| c.level != Level::Model) {
        let same = |other: &NumericColumn| {
            rows.iter()
                .all(|&i| column.values[i].to_bits() == other.values[i].to_bits())
        };
        match kept.iter_mut().find(|(k, _)| same(k)) {
            Some((_, names)) => names.push(column.name.clone()),
            None => kept.push((column, Vec::new())),
        }
    }
    kept
}
