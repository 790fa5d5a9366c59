//! Performance by metric: a run's precision, recall, AP and false-negative
//! rate in each bucket of one data metric (equal-count or equal-width),
//! overall and per class, each with a bootstrap interval over images.
//!
//! Definitions, over the run's objects (its IoU threshold decides what is
//! found): a ground truth is in the bucket of its own value, a false
//! positive in the bucket of its value (image metrics and box geometry;
//! object metrics are measured on ground truths only, so a bucket of one
//! holds no false positives and its precision is not given). Recall is
//! found / ground truths, the false-negative rate 1 - recall, precision
//! found / (found + false positives), and AP is COCO's 101-point
//! interpolated average precision of the bucket's detections (a found
//! ground truth counts its detection's score), averaged over the classes
//! with ground truths in the bucket.

use std::collections::HashMap;

use anyhow::{bail, Result};
use assay_analysis::binning::{equal_count, equal_width, Bins};
use assay_gen::numpy_random::RandomState;
use rayon::prelude::*;
use serde::Serialize;

use super::table::{Level, RunTable};

/// How bucket edges are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Binning {
    /// Each bucket holds about as many objects (quantiles).
    EqualCount,
    /// Each bucket spans the same range of values.
    EqualWidth,
}

/// What to compute.
#[derive(Debug, Clone)]
pub struct BucketOptions {
    /// The metric.
    pub metric: String,
    /// Number of buckets.
    pub buckets: usize,
    /// How edges are chosen.
    pub binning: Binning,
    /// Bootstrap resamples (of images) for the intervals.
    pub resamples: usize,
    /// Confidence of the intervals.
    pub confidence: f64,
    /// Seed of the resampling.
    pub seed: u32,
}

/// A value with its bootstrap interval.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Estimate {
    /// On the bucket's objects.
    pub value: f64,
    /// Percentile interval over resampled images.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// One bucket of one group.
#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    /// Lower edge (inclusive).
    pub low: f64,
    /// Upper edge (exclusive, inclusive for the last bucket).
    pub high: f64,
    /// Ground truths in the bucket.
    pub ground_truths: usize,
    /// False positives in the bucket.
    pub false_positives: usize,
    /// Images with an object in the bucket.
    pub images: usize,
    /// Precision (none for object metrics or without detections).
    pub precision: Option<Estimate>,
    /// Recall (none without ground truths).
    pub recall: Option<Estimate>,
    /// False-negative rate.
    pub false_negative_rate: Option<Estimate>,
    /// Average precision at the run's IoU threshold.
    pub ap: Option<Estimate>,
}

/// The buckets of one class, or of all.
#[derive(Debug, Clone, Serialize)]
pub struct BucketGroup {
    /// `None` for all classes.
    pub class: Option<String>,
    /// Its buckets, ascending.
    pub buckets: Vec<Bucket>,
}

/// Performance by one metric.
#[derive(Debug, Clone, Serialize)]
pub struct MetricBuckets {
    /// The run.
    pub run: i64,
    /// The metric.
    pub metric: String,
    /// Where it comes from.
    pub level: Level,
    /// How edges were chosen.
    pub binning: Binning,
    /// The edges.
    pub edges: Vec<f64>,
    /// Objects without a value of the metric (left out).
    pub unmeasured: usize,
    /// Resamples of the intervals.
    pub resamples: usize,
    /// Their confidence.
    pub confidence: f64,
    /// All classes, then each class.
    pub groups: Vec<BucketGroup>,
}

/// Computes performance by `options.metric`.
pub fn buckets(table: &RunTable, options: &BucketOptions) -> Result<MetricBuckets> {
    let column = table.numeric(&options.metric)?;
    if options.buckets == 0 {
        bail!("expected at least one bucket");
    }
    let bins: Bins = match options.binning {
        Binning::EqualCount => equal_count(&column.values, options.buckets)?,
        Binning::EqualWidth => equal_width(&column.values, options.buckets)?,
    };
    let unmeasured = bins
        .codes
        .iter()
        .filter(|&&c| c == bins.missing_code)
        .count();
    let mut groups = vec![group(table, &bins, None, options)];
    for (c, name) in table.classes.iter().enumerate() {
        groups.push(group(table, &bins, Some((c as u32, name)), options));
    }
    Ok(MetricBuckets {
        run: table.run,
        metric: column.name.clone(),
        level: column.level,
        binning: options.binning,
        edges: bins.edges.clone(),
        unmeasured,
        resamples: options.resamples,
        confidence: options.confidence,
        groups,
    })
}

fn group(
    table: &RunTable,
    bins: &Bins,
    class: Option<(u32, &String)>,
    options: &BucketOptions,
) -> BucketGroup {
    let object_level = table
        .numeric(&options.metric)
        .is_ok_and(|c| c.level == Level::Object);
    let buckets = (0..bins.n_bins())
        .into_par_iter()
        .map(|b| {
            let rows: Vec<Outcome> = (0..table.rows.len())
                .filter(|&i| bins.codes[i] == b as u32)
                .filter(|&i| class.is_none_or(|(c, _)| table.rows[i].class == c))
                .map(|i| Outcome::of(table, i))
                .collect();
            bucket(
                &rows,
                bins.edges[b],
                bins.edges[b + 1],
                object_level,
                options,
            )
        })
        .collect();
    BucketGroup {
        class: class.map(|(_, n)| n.clone()),
        buckets,
    }
}

/// What the measures need of one object.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    image: i64,
    class: u32,
    prediction: bool,
    found: bool,
    score: f64,
}

impl Outcome {
    fn of(table: &RunTable, i: usize) -> Outcome {
        let r = &table.rows[i];
        Outcome {
            image: r.sample,
            class: r.class,
            prediction: r.prediction,
            found: !r.error,
            score: r.score.unwrap_or(0.0),
        }
    }
}

/// The four measures of a set of objects: precision, recall, FNR, AP.
fn measures(rows: &[&Outcome], object_level: bool) -> [Option<f64>; 4] {
    let truths = rows.iter().filter(|o| !o.prediction).count();
    let found = rows.iter().filter(|o| o.found).count();
    let false_pos = rows.iter().filter(|o| o.prediction).count();
    let recall = (truths > 0).then(|| found as f64 / truths as f64);
    let precision =
        (!object_level && found + false_pos > 0).then(|| found as f64 / (found + false_pos) as f64);
    let ap = (!object_level && truths > 0).then(|| mean_ap(rows));
    [precision, recall, recall.map(|r| 1.0 - r), ap]
}

/// COCO's 101-point interpolated AP, averaged over the classes with ground
/// truths.
fn mean_ap(rows: &[&Outcome]) -> f64 {
    let mut by_class: HashMap<u32, Vec<&Outcome>> = HashMap::new();
    for &o in rows {
        by_class.entry(o.class).or_default().push(o);
    }
    let aps: Vec<f64> = by_class
        .into_values()
        .filter_map(|mut objects| {
            let truths = objects.iter().filter(|o| !o.prediction).count();
            if truths == 0 {
                return None;
            }
            objects.retain(|o| o.prediction || o.found);
            objects.sort_by(|a, b| b.score.total_cmp(&a.score));
            Some(interpolated_ap(&objects, truths))
        })
        .collect();
    aps.iter().sum::<f64>() / aps.len().max(1) as f64
}

/// Detections sorted by score, each a true (found ground truth) or false
/// positive; `truths` ground truths in all.
fn interpolated_ap(detections: &[&Outcome], truths: usize) -> f64 {
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut recall = Vec::with_capacity(detections.len());
    let mut precision = Vec::with_capacity(detections.len());
    for d in detections {
        if d.prediction {
            fp += 1.0;
        } else {
            tp += 1.0;
        }
        recall.push(tp / truths as f64);
        precision.push(tp / (tp + fp));
    }
    for i in (1..precision.len()).rev() {
        precision[i - 1] = precision[i - 1].max(precision[i]);
    }
    (0..=100)
        .map(|k| {
            let r = k as f64 / 100.0;
            let at = recall.partition_point(|&x| x < r);
            precision.get(at).copied().unwrap_or(0.0)
        })
        .sum::<f64>()
        / 101.0
}

fn bucket(
    rows: &[Outcome],
    low: f64,
    high: f64,
    object_level: bool,
    options: &BucketOptions,
) -> Bucket {
    let mut images: Vec<i64> = rows.iter().map(|o| o.image).collect();
    images.sort_unstable();
    images.dedup();
    let mut by_image: HashMap<i64, Vec<&Outcome>> = HashMap::new();
    for o in rows {
        by_image.entry(o.image).or_default().push(o);
    }
    let all: Vec<&Outcome> = rows.iter().collect();
    let point = measures(&all, object_level);
    let mut rng = RandomState::new(options.seed);
    let mut draws: [Vec<f64>; 4] = Default::default();
    for _ in 0..options.resamples {
        let resample: Vec<&Outcome> = (0..images.len())
            .flat_map(|_| {
                let image = images[rng.random_interval(images.len() as u64 - 1) as usize];
                by_image[&image].iter().copied()
            })
            .collect();
        for (d, m) in draws.iter_mut().zip(measures(&resample, object_level)) {
            d.extend(m);
        }
    }
    let mut estimate = |k: usize| {
        point[k].map(|value| {
            let (low, high) = percentile_interval(&mut draws[k], options.confidence);
            Estimate { value, low, high }
        })
    };
    Bucket {
        low,
        high,
        ground_truths: rows.iter().filter(|o| !o.prediction).count(),
        false_positives: rows.iter().filter(|o| o.prediction).count(),
        images: images.len(),
        precision: estimate(0),
        recall: estimate(1),
        false_negative_rate: estimate(2),
        ap: estimate(3),
    }
}

/// The central `confidence` interval of `draws` (NumPy's linear
/// percentiles); NaN when there are none.
fn percentile_interval(draws: &mut [f64], confidence: f64) -> (f64, f64) {
    if draws.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    draws.sort_unstable_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    (
        assay_analysis::binning::quantile_sorted(draws, tail),
        assay_analysis::binning::quantile_sorted(draws, 1.0 - tail),
    )
}
