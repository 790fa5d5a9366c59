//! Is run B really better than run A? A paired bootstrap over images of the
//! difference of COCO metrics between two prediction sets on the same
//! ground truth.
//!
//! Each resample draws as many images as there are, with replacement (the
//! same images for both runs), and recomputes every summary metric
//! (`COCOeval.stats`: AP, AP50, AP75, AP by area, AR by detections and by
//! area) and each category's AP for both runs. For each metric the report
//! gives the values of A and B on the full set and their difference
//! `B - A` (positive: B is better), a percentile interval of the resampled
//! differences, and a two-sided p-value of "no difference".
//!
//! A resample's metrics are exactly pycocotools' on the materialised
//! resample: the drawn images in draw order, each occurrence a new image
//! whose id ascends with its position (so pycocotools' image order is the
//! draw order), with its ground truths and detections. The matching is
//! computed once per image ([`ResampleEvaluator::new`]); a resample only
//! re-accumulates with each image's multiplicity (see `weighted`), ordering
//! equal scores of different images by resample position as pycocotools'
//! stable sort does.
//!
//! Definitions:
//! - interval: the `(1 - confidence) / 2` and `(1 + confidence) / 2`
//!   percentiles of the resampled differences, NumPy's default (linear)
//!   interpolation;
//! - p-value: `min(1, 2 * min(1 + #{d <= 0}, 1 + #{d >= 0}) / (1 + n))`
//!   over the `n` resampled differences `d`, the percentile bootstrap test
//!   with the `+1` correction, so never 0;
//! - a resample where a metric is undefined (-1, e.g. no ground truth of a
//!   category among the drawn images; it is then undefined for both runs)
//!   is left out of that metric's interval and p-value
//!   ([`MetricDifference::resamples`] counts the rest); metrics undefined on
//!   the full set are not reported.

mod interval;
mod metrics;
mod resample;
mod tables;
mod weighted;

use assay_core::model::{Annotation, Dataset};
use rayon::prelude::*;
use serde::Serialize;

use super::{CocoEvaluator, Params};
use crate::EvalError;
use metrics::{metric_specs, metric_values, MetricSpec};
use resample::{draw, Resample};
use tables::CategoryTable;
use weighted::{accumulate, Layout, Scratch};

/// How to bootstrap.
#[derive(Debug, Clone, Serialize)]
pub struct BootstrapOptions {
    /// Number of resamples (1000 by default).
    pub resamples: usize,
    /// Coverage of the interval, in `(0, 1)` (0.95 by default).
    pub confidence: f64,
    /// Seed of the resamples.
    pub seed: u64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            resamples: 1000,
            confidence: 0.95,
            seed: 0,
        }
    }
}

impl BootstrapOptions {
    fn validate(&self) -> Result<(), EvalError> {
        if self.resamples == 0 {
            return Err(EvalError::Params(
                "the bootstrap needs at least one resample".to_string(),
            ));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(EvalError::Params(format!(
                "the confidence is {}, expected a number strictly between 0 and 1 (e.g. 0.95)",
                self.confidence
            )));
        }
        Ok(())
    }
}

/// The paired bootstrap of two runs.
#[derive(Debug, Clone, Serialize)]
pub struct PairedBootstrap {
    /// Resamples drawn.
    pub resamples: usize,
    /// Coverage of the intervals.
    pub confidence: f64,
    /// Seed of the resamples.
    pub seed: u64,
    /// Images in the ground truth (and in each resample).
    pub images: usize,
    /// The summary metrics in pycocotools' order, then AP per category (by
    /// ascending category id); metrics undefined on the full set left out.
    pub metrics: Vec<MetricDifference>,
}

/// One metric compared between the runs.
#[derive(Debug, Clone, Serialize)]
pub struct MetricDifference {
    /// `AP`, `AP50`, `AP75`, `AP_small`, `AP_medium`, `AP_large`, `AR@1`,
    /// `AR@10`, `AR@100`, `AR_small@100`, ... (keypoints: `AR@20`,
    /// `AR50@20`, ...); per-category rows are `AP`.
    pub name: String,
    /// The category id of a per-category AP.
    pub class: Option<i64>,
    /// Run A on the full set.
    pub a: f64,
    /// Run B on the full set.
    pub b: f64,
    /// `b - a`.
    pub difference: f64,
    /// Lower end of the percentile interval of the difference.
    pub low: Option<f64>,
    /// Upper end of the percentile interval of the difference.
    pub high: Option<f64>,
    /// Two-sided bootstrap p-value of "no difference".
    pub p_value: Option<f64>,
    /// Resamples where the metric is defined (those the interval and the
    /// p-value use).
    pub resamples: usize,
}

/// The metrics of one run on one resample: the summary metrics
/// (`COCOeval.stats` order), then AP per category; -1 where undefined.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResampleMetrics {
    /// `COCOeval.stats` of the materialised resample.
    pub summary: Vec<f64>,
    /// AP over IoU 0.50:0.95 per category (ascending id), as
    /// [`super::CocoEvaluation::per_category`] computes it.
    pub category_ap: Vec<f64>,
}

/// One run's per-image evaluation, from which the metrics of any resample
/// of the images follow without matching again.
pub struct ResampleEvaluator {
    tables: Vec<CategoryTable>,
    params: Params,
    image_ids: Vec<i64>,
    category_ids: Vec<i64>,
    specs: Vec<MetricSpec>,
    layout: Layout,
    summary_len: usize,
}

impl ResampleEvaluator {
    /// Matches every image once, as [`super::evaluate`] does.
    pub fn new(
        dataset: &Dataset,
        predictions: &[Annotation],
        params: &Params,
    ) -> Result<ResampleEvaluator, EvalError> {
        let evaluator = CocoEvaluator::new(dataset, predictions, params)?;
        let tables = tables::build(&evaluator);
        let prepared = &evaluator.prepared;
        let (specs, layout) = metric_specs(params, &prepared.category_ids);
        let summary_len = specs.iter().filter(|s| s.class.is_none()).count();
        Ok(ResampleEvaluator {
            tables,
            params: params.clone(),
            image_ids: prepared.image_ids.clone(),
            category_ids: prepared.category_ids.clone(),
            specs,
            layout,
            summary_len,
        })
    }

    /// The evaluated image ids, ascending; resamples index this list.
    pub fn image_ids(&self) -> &[i64] {
        &self.image_ids
    }

    /// The evaluated category ids, ascending.
    pub fn category_ids(&self) -> &[i64] {
        &self.category_ids
    }

    /// The metrics of the resample listing `images` (indices into
    /// [`Self::image_ids`], repeats allowed, any length), in that order.
    pub fn evaluate(&self, images: &[usize]) -> Result<ResampleMetrics, EvalError> {
        let resample = Resample::new(images, self.image_ids.len())?;
        let mut values = Vec::new();
        self.values(&resample, &mut Scratch::default(), &mut values);
        let category_ap = values.split_off(self.summary_len);
        Ok(ResampleMetrics {
            summary: values,
            category_ap,
        })
    }

    /// Every metric of `resample` into `out`.
    fn values(&self, resample: &Resample, s: &mut Scratch, out: &mut Vec<f64>) {
        accumulate(&self.tables, &self.params, &self.layout, resample, s);
        let mut buffers = std::mem::take(&mut s.buffers);
        metric_values(&self.specs, &self.layout, s, &mut buffers, out);
        s.buffers = buffers;
    }
}

/// Bootstraps the difference of every COCO metric between `run_a` and
/// `run_b`, predictions on `dataset`'s images evaluated with `params`.
pub fn paired_bootstrap(
    dataset: &Dataset,
    run_a: &[Annotation],
    run_b: &[Annotation],
    params: &Params,
    options: &BootstrapOptions,
) -> Result<PairedBootstrap, EvalError> {
    options.validate()?;
    let a = ResampleEvaluator::new(dataset, run_a, params)?;
    let b = ResampleEvaluator::new(dataset, run_b, params)?;
    compare(&a, &b, options)
}

/// Bootstraps two runs evaluated on the same ground truth.
fn compare(
    a: &ResampleEvaluator,
    b: &ResampleEvaluator,
    options: &BootstrapOptions,
) -> Result<PairedBootstrap, EvalError> {
    let n = a.image_ids.len();
    if n == 0 {
        return Err(EvalError::Params(
            "the ground truth has no images to resample".to_string(),
        ));
    }
    let full = Resample::new(&(0..n).collect::<Vec<_>>(), n)?;
    let (mut full_a, mut full_b) = (Vec::new(), Vec::new());
    let mut scratch = Scratch::default();
    a.values(&full, &mut scratch, &mut full_a);
    b.values(&full, &mut scratch, &mut full_b);
    // Per resample, the difference of every metric (NaN where undefined).
    let differences: Vec<Vec<f64>> = (0..options.resamples as u64)
        .into_par_iter()
        .map_init(
            || (Scratch::default(), Vec::new(), Vec::new()),
            |(s, va, vb), i| {
                let drawn = draw(n, options.seed, i);
                let resample = Resample::new(&drawn, n).expect("drawn indices are in range");
                a.values(&resample, s, va);
                b.values(&resample, s, vb);
                va.iter()
                    .zip(vb.iter())
                    .map(|(&x, &y)| {
                        if x > -1.0 && y > -1.0 {
                            y - x
                        } else {
                            f64::NAN
                        }
                    })
                    .collect()
            },
        )
        .collect();
    let alpha = 1.0 - options.confidence;
    let mut metrics = Vec::new();
    let mut column = Vec::with_capacity(options.resamples);
    for (j, spec) in a.specs.iter().enumerate() {
        let (x, y) = (full_a[j], full_b[j]);
        if x <= -1.0 || y <= -1.0 {
            continue;
        }
        column.clear();
        column.extend(differences.iter().map(|d| d[j]).filter(|d| !d.is_nan()));
        column.sort_by(f64::total_cmp);
        metrics.push(MetricDifference {
            name: spec.name.clone(),
            class: spec.class,
            a: x,
            b: y,
            difference: y - x,
            low: interval::percentile(&column, alpha / 2.0),
            high: interval::percentile(&column, 1.0 - alpha / 2.0),
            p_value: interval::p_value(&column),
            resamples: column.len(),
        });
    }
    Ok(PairedBootstrap {
        resamples: options.resamples,
        confidence: options.confidence,
        seed: options.seed,
        images: n,
        metrics,
    })
}

#[cfg(test)]
mod tests;
