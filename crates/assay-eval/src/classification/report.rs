//! Every classification metric at once, from true labels and predicted
//! probabilities.

use serde::Serialize;

use super::accuracy::{argmax_classes, top_k_accuracy, TopKTies};
use super::calibration::{
    brier_score, calibration_error, BrierScale, CalibrationNorm, DEFAULT_BINS,
};
use super::confusion::ConfusionMatrix;
use super::error::{check_probabilities, Result};
use super::scores::{AverageScores, ClassScores, PrecisionRecallF1, ScoreOptions};

/// What [`classification_report`] computes and with which conventions. The
/// default follows scikit-learn, with torchmetrics' 15-bin L1 calibration
/// error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportOptions {
    /// The `k`s of the top-k accuracies to report.
    pub top_k: Vec<usize>,
    /// How top-k ranks equal scores.
    pub ties: TopKTies,
    /// Which classes are scored and how zero divisions are resolved.
    pub scores: ScoreOptions,
    /// Number of calibration bins.
    pub n_bins: usize,
    /// How the calibration gaps are combined.
    pub norm: CalibrationNorm,
    /// Whether the Brier score is halved.
    pub brier_scale: BrierScale,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            top_k: vec![1, 5],
            ties: TopKTies::default(),
            scores: ScoreOptions::default(),
            n_bins: DEFAULT_BINS,
            norm: CalibrationNorm::default(),
            brier_scale: BrierScale::default(),
        }
    }
}

/// One top-k accuracy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TopKAccuracy {
    /// How many of the best-scored classes may hold the true class.
    pub k: usize,
    /// The fraction of samples whose true class is among them.
    pub accuracy: f64,
}

/// All classification metrics of one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassificationReport {
    /// The number of samples.
    pub num_samples: usize,
    /// The number of classes.
    pub num_classes: usize,
    /// Accuracy of the predicted classes (first largest probability).
    pub accuracy: f64,
    /// The requested top-k accuracies, in the order asked.
    pub top_k: Vec<TopKAccuracy>,
    /// Per-class precision, recall, F1 and support for the classes of the
    /// label set.
    pub per_class: Vec<ClassScores>,
    /// Unweighted means over classes.
    pub macro_avg: AverageScores,
    /// Scores of the pooled counts.
    pub micro_avg: AverageScores,
    /// Support-weighted means over classes.
    pub weighted_avg: AverageScores,
    /// Rows are true classes, columns predicted classes.
    pub confusion: ConfusionMatrix,
    /// The calibration error with the chosen bins and norm (the expected
    /// calibration error by default).
    pub ece: f64,
    /// The Brier score.
    pub brier: f64,
}

/// Computes every metric from true `labels` and a row-major
/// `labels.len() x num_classes` matrix of probabilities in `[0, 1]`.
///
/// The predicted class of a sample is its first most probable class
/// (numpy's `argmax`); note that scikit-learn's top-1 accuracy ranks ties
/// the other way (see [`TopKTies`]).
pub fn classification_report(
    labels: &[usize],
    probs: &[f64],
    num_classes: usize,
    options: &ReportOptions,
) -> Result<ClassificationReport> {
    check_probabilities(labels, probs, num_classes)?;
    let predicted = argmax_classes(probs, num_classes)?;
    let confusion = ConfusionMatrix::new(labels, &predicted, num_classes)?;
    let scores = PrecisionRecallF1::from_confusion(&confusion, &options.scores);
    let top_k = options
        .top_k
        .iter()
        .map(|&k| {
            let accuracy = top_k_accuracy(labels, probs, num_classes, k, options.ties)?;
            Ok(TopKAccuracy { k, accuracy })
        })
        .collect::<Result<_>>()?;
    Ok(ClassificationReport {
        num_samples: labels.len(),
        num_classes,
        accuracy: confusion.accuracy(),
        top_k,
        per_class: scores.per_class,
        macro_avg: scores.macro_avg,
        micro_avg: scores.micro_avg,
        weighted_avg: scores.weighted_avg,
        ece: calibration_error(labels, probs, num_classes, options.n_bins, options.norm)?,
        brier: brier_score(labels, probs, num_classes, options.brier_scale)?,
        confusion,
    })
}
