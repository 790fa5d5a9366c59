//! Classification metrics: accuracy, top-k accuracy, confusion matrix,
//! precision / recall / F1, calibration error and Brier score.
//!
//! Inputs are the true class of each sample (`labels: &[usize]`, classes
//! numbered `0..num_classes`) and either a predicted class per sample or a
//! row-major `n x num_classes` matrix of scores or probabilities. Invalid
//! input (mismatched lengths, out-of-range classes, non-finite or
//! out-of-range probabilities, no samples) is a [`ClassificationError`],
//! never a panic.
//!
//! Conventions follow scikit-learn 1.9 by default (`accuracy_score`,
//! `top_k_accuracy_score`, `confusion_matrix`,
//! `precision_recall_fscore_support`, `f1_score`, `brier_score_loss`); the
//! calibration error follows torchmetrics 1.9's
//! `MulticlassCalibrationError`. Where the two libraries differ, an option
//! chooses ([`TopKTies`], [`LabelSet`], [`ZeroDivision`], [`BrierScale`]).

mod accuracy;
mod calibration;
mod confusion;
mod error;
mod mcnemar;
mod report;
mod scores;

pub use accuracy::{accuracy, argmax_classes, top_k_accuracy, TopKTies};
pub use calibration::{
    bin_edges, brier_score, calibration_bins, calibration_error, expected_calibration_error,
    BrierScale, CalibrationBin, CalibrationNorm, DEFAULT_BINS,
};
pub use confusion::{confusion_matrix, ConfusionMatrix};
pub use error::{ClassificationError, Result};
pub use mcnemar::{mcnemar, mcnemar_table, McNemar, McNemarTest};
pub use report::{classification_report, ClassificationReport, ReportOptions, TopKAccuracy};
pub use scores::{
    f1_score, precision_recall_f1_support, Average, AverageScores, ClassScores, LabelSet,
    PrecisionRecallF1, ScoreOptions, ZeroDivision,
};

#[cfg(test)]
mod tests;
