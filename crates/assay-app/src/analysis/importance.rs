//! Metric importance: which measurements of the data predict whether the
//! model finds an object. Encord Active's definition: scikit-learn's
//! `mutual_info_regression` (k = 3) of the metric against the IoU of the
//! matched prediction (0 for misses), over the ground truths, beside
//! Pearson's and Spearman's correlation; per class and overall. A metric
//! of the image (brightness, blur) varies only from image to image: it is
//! measured once per image against the mean outcome of the image's ground
//! truths and ranked apart, so that the many objects of a crowded image do
//! not stand for many independent observations.

use std::collections::HashMap;

use assay_analysis::correlation::{pearson, spearman};
use assay_analysis::mutual_info::{mutual_info_regression, DEFAULT_NEIGHBORS};
use assay_gen::numpy_random::RandomState;
use rayon::prelude::*;
use serde::Serialize;

use super::table::{Level, NumericColumn, RunTable};

/// What the importance is measured against.
pub const TARGET: &str = "IoU of the matched prediction per ground truth (0 for misses); \
     for image metrics, its mean over the image's ground truths";

/// Fewest ground truths a metric needs in a group to be ranked.
pub const MIN_ROWS: usize = 10;

/// The importance of one metric in one group of objects.
#[derive(Debug, Clone, Serialize)]
pub struct MetricImportance {
    /// Metric name.
    pub metric: String,
    /// Where it comes from.
    pub level: Level,
    /// Values measured: ground truths for object metrics, images for
    /// image metrics.
    pub n: usize,
    /// Mutual information with the outcome, in nats.
    pub mutual_info: f64,
    /// Mean mutual information with the metric's values shuffled: what the
    /// estimator gives a metric unrelated to the outcome on these values.
    pub null_mean: f64,
    /// `mutual_info - null_mean`, the ranking key.
    pub excess: f64,
    /// Permutation p-value: (1 + shuffles scoring at least as high) /
    /// (1 + shuffles).
    pub p_value: f64,
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
    /// Images with a ground truth in the group.
    pub images: usize,
    /// Metrics of the objects and their boxes, one value per ground truth
    /// against its outcome; ranked by excess mutual information, then by
    /// |Spearman|.
    pub metrics: Vec<MetricImportance>,
    /// Metrics of the images, one value per image against the mean outcome
    /// of its ground truths in the group (an image metric varies only from
    /// image to image, so each image counts once); ranked the same way.
    pub image_metrics: Vec<MetricImportance>,
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
    /// `random_state`) and of the shuffles.
    pub seed: u32,
    /// Shuffles per metric for the null.
    pub permutations: usize,
    /// All classes, then each class.
    pub groups: Vec<GroupImportance>,
}

/// Shuffles per metric by default.
pub const DEFAULT_PERMUTATIONS: usize = 9;

/// Ranks every numeric metric of `table` overall and per class.
pub fn importance(table: &RunTable, seed: u32, permutations: usize) -> Importance {
    let truths: Vec<usize> = (0..table.rows.len())
        .filter(|&i| !table.rows[i].prediction)
        .collect();
    let null = Null { seed, permutations };
    let mut groups = vec![group(table, None, &truths, &null)];
    for (c, name) in table.classes.iter().enumerate() {
        let rows: Vec<usize> = truths
            .iter()
            .copied()
            .filter(|&i| table.rows[i].class == c as u32)
            .collect();
        groups.push(group(table, Some(name.clone()), &rows, &null));
    }
    Importance {
        run: table.run,
        model: table.subject.model.clone(),
        target: TARGET,
        neighbours: DEFAULT_NEIGHBORS,
        seed,
        permutations,
        groups,
    }
}

/// How the null is drawn.
struct Null {
    seed: u32,
    permutations: usize,
}

fn group(table: &RunTable, class: Option<String>, rows: &[usize], null: &Null) -> GroupImportance {
    let (image_columns, object_columns): (Vec<_>, Vec<_>) = distinct_columns(table, rows)
        .into_iter()
        .partition(|(column, _)| column.level == Level::Image);
    let metrics = ranked(
        object_columns
            .par_iter()
            .filter_map(|(column, same_as)| {
                let kept: Vec<usize> = rows
                    .iter()
                    .copied()
                    .filter(|&i| column.values[i].is_finite())
                    .collect();
                let x: Vec<f64> = kept.iter().map(|&i| column.values[i]).collect();
                let y: Vec<f64> = kept.iter().map(|&i| table.rows[i].iou).collect();
                measure(column, same_as, &x, &y, null)
            })
            .collect(),
    );
    let image_metrics = ranked(
        image_columns
            .par_iter()
            .filter_map(|(column, same_as)| {
                let (x, y) = per_image(table, column, rows);
                measure(column, same_as, &x, &y, null)
            })
            .collect(),
    );
    let mut images: Vec<i64> = rows.iter().map(|&i| table.rows[i].sample).collect();
    images.sort_unstable();
    images.dedup();
    GroupImportance {
        class,
        objects: rows.len(),
        images: images.len(),
        metrics,
        image_metrics,
    }
}

/// An image metric against the mean outcome of each image's ground truths
/// among `rows` (images without a value left out), in order of first row.
fn per_image(table: &RunTable, column: &NumericColumn, rows: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let mut at: HashMap<i64, usize> = HashMap::new();
    let (mut x, mut sums, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    for &i in rows.iter().filter(|&&i| column.values[i].is_finite()) {
        let k = *at.entry(table.rows[i].sample).or_insert_with(|| {
            x.push(column.values[i]);
            sums.push(0.0);
            counts.push(0usize);
            x.len() - 1
        });
        sums[k] += table.rows[i].iou;
        counts[k] += 1;
    }
    let y = sums
        .iter()
        .zip(&counts)
        .map(|(s, &n)| s / n as f64)
        .collect();
    (x, y)
}

/// The importance of one metric with values `x` against outcomes `y`;
/// `None` with fewer than [`MIN_ROWS`] values.
fn measure(
    column: &NumericColumn,
    same_as: &[String],
    x: &[f64],
    y: &[f64],
    null: &Null,
) -> Option<MetricImportance> {
    if x.len() < MIN_ROWS {
        return None;
    }
    let mi = |x: &[f64]| mutual_info_regression(x, y, DEFAULT_NEIGHBORS, null.seed).ok();
    let mutual_info = mi(x)?;
    let shuffled: Vec<f64> = (0..null.permutations)
        .filter_map(|p| {
            let mut rng = RandomState::new(null.seed.wrapping_add(p as u32 + 1));
            let order = rng.permutation(x.len());
            mi(&order.iter().map(|&j| x[j]).collect::<Vec<f64>>())
        })
        .collect();
    let null_mean = shuffled.iter().sum::<f64>() / shuffled.len().max(1) as f64;
    let above = shuffled.iter().filter(|&&v| v >= mutual_info).count();
    Some(MetricImportance {
        metric: column.name.clone(),
        level: column.level,
        n: x.len(),
        mutual_info,
        null_mean,
        excess: mutual_info - null_mean,
        p_value: (1 + above) as f64 / (1 + shuffled.len()) as f64,
        pearson: pearson(x, y),
        spearman: spearman(x, y),
        same_as: same_as.to_vec(),
    })
}

/// Most important first: by excess mutual information, then by |Spearman|.
fn ranked(mut metrics: Vec<MetricImportance>) -> Vec<MetricImportance> {
    metrics.sort_by(|a, b| {
        b.excess.total_cmp(&a.excess).then_with(|| {
            let s = |m: &MetricImportance| m.spearman.map_or(0.0, f64::abs);
            s(b).total_cmp(&s(a))
        })
    });
    metrics
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
