//! The classification report from labels and what the model predicted,
//! whether scores, probabilities or classes: one computation for `assay
//! eval classification` and for classification runs, so both give the
//! same numbers.

use anyhow::Result;
use assay_eval::classification::{
    argmax_classes, classification_report, top_k_accuracy, ClassificationReport, ConfusionMatrix,
    PrecisionRecallF1, ReportOptions, TopKAccuracy,
};

/// What the model predicted for each sample.
pub enum Predicted {
    /// A row-major `samples x classes` matrix of scores or probabilities.
    Scores(Vec<f64>),
    /// One class per sample.
    Classes(Vec<usize>),
}

/// What the report could not compute from the input, in words for the user.
#[derive(Debug, Default)]
pub struct Notes {
    /// Warnings to show next to the numbers.
    pub notes: Vec<String>,
}

/// Computes every metric the predictions allow: from classes, everything
/// but top-k and calibration; from scores outside `[0, 1]`, everything but
/// calibration; from probabilities, everything.
pub fn build_report(
    labels: &[usize],
    predicted: &Predicted,
    num_classes: usize,
    options: &ReportOptions,
) -> Result<(ClassificationReport, Notes)> {
    let mut notes = Notes::default();
    let report = match predicted {
        Predicted::Classes(classes) => from_classes(labels, classes, num_classes, options)?,
        Predicted::Scores(scores) if scores.iter().all(|p| (0.0..=1.0).contains(p)) => {
            if let Some(note) = unnormalised(scores, num_classes) {
                notes.notes.push(note);
            }
            classification_report(labels, scores, num_classes, options)?
        }
        Predicted::Scores(scores) => {
            notes.notes.push(
                "the scores are not probabilities (some lie outside [0, 1]), so there is no \
                 calibration error or Brier score; pass --softmax if they are logits"
                    .to_string(),
            );
            from_scores(labels, scores, num_classes, options)?
        }
    };
    Ok((report, notes))
}

/// Everything but top-k and calibration, from predicted classes.
fn from_classes(
    labels: &[usize],
    predicted: &[usize],
    num_classes: usize,
    options: &ReportOptions,
) -> Result<ClassificationReport> {
    let confusion = ConfusionMatrix::new(labels, predicted, num_classes)?;
    let scores = PrecisionRecallF1::from_confusion(&confusion, &options.scores);
    Ok(ClassificationReport {
        num_samples: labels.len(),
        num_classes,
        accuracy: confusion.accuracy(),
        top_k: Vec::new(),
        per_class: scores.per_class,
        macro_avg: scores.macro_avg,
        micro_avg: scores.micro_avg,
        weighted_avg: scores.weighted_avg,
        confusion,
        ece: f64::NAN,
        brier: f64::NAN,
    })
}

/// Everything but calibration, from scores that are not probabilities.
fn from_scores(
    labels: &[usize],
    scores: &[f64],
    k: usize,
    options: &ReportOptions,
) -> Result<ClassificationReport> {
    let predicted = argmax_classes(scores, k)?;
    let mut report = from_classes(labels, &predicted, k, options)?;
    report.top_k = options
        .top_k
        .iter()
        .map(|&top| {
            let accuracy = top_k_accuracy(labels, scores, k, top, options.ties)?;
            Ok(TopKAccuracy { k: top, accuracy })
        })
        .collect::<Result<_>>()?;
    Ok(report)
}

/// A warning when rows of probabilities do not sum to 1.
fn unnormalised(scores: &[f64], num_classes: usize) -> Option<String> {
    let sums: Vec<f64> = scores
        .chunks_exact(num_classes)
        .map(|row| row.iter().sum::<f64>())
        .collect();
    let off = |s: &f64| (s - 1.0).abs() > 1e-3;
    let row = sums.iter().position(off)?;
    let count = sums.iter().filter(|s| off(s)).count();
    Some(format!(
        "{count} rows do not sum to 1 (row {row} sums to {:.4}); the calibration error and \
         Brier score assume probabilities",
        sums[row]
    ))
}
