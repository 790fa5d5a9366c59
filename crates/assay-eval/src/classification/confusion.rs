//! The confusion matrix, as scikit-learn's `confusion_matrix` lays it out.

use serde::Serialize;

use super::error::{check_predicted, Result};

/// Counts of (true class, predicted class) pairs over all `num_classes`
/// classes: row `t`, column `p` holds how many samples of true class `t`
/// were predicted as `p` (scikit-learn's `confusion_matrix` with
/// `labels=range(num_classes)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfusionMatrix {
    num_classes: usize,
    /// `counts[t][p]`: samples of true class `t` predicted as class `p`.
    counts: Vec<Vec<u64>>,
}

impl ConfusionMatrix {
    /// Counts the pairs `(labels[i], predicted[i])`.
    ///
    /// Fails when the lengths differ, the input is empty or a class index is
    /// not below `num_classes`.
    pub fn new(labels: &[usize], predicted: &[usize], num_classes: usize) -> Result<Self> {
        check_predicted(labels, predicted, num_classes)?;
        let mut counts = vec![vec![0; num_classes]; num_classes];
        for (&t, &p) in labels.iter().zip(predicted) {
            counts[t][p] += 1;
        }
        Ok(Self {
            num_classes,
            counts,
        })
    }

    /// The number of classes (rows and columns).
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// The rows: `rows()[t][p]` counts samples of true class `t` predicted as `p`.
    pub fn rows(&self) -> &[Vec<u64>] {
        &self.counts
    }

    /// How many samples of true class `truth` were predicted as `predicted`.
    ///
    /// # Panics
    /// When either index is not below [`Self::num_classes`].
    pub fn count(&self, truth: usize, predicted: usize) -> u64 {
        self.counts[truth][predicted]
    }

    /// The number of samples.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    /// Correct predictions of `class` (the diagonal entry).
    pub fn true_positives(&self, class: usize) -> u64 {
        self.counts[class][class]
    }

    /// Samples whose true class is `class` (row sum; the "support").
    pub fn support(&self, class: usize) -> u64 {
        self.counts[class].iter().sum()
    }

    /// Samples predicted as `class` (column sum).
    pub fn predicted_count(&self, class: usize) -> u64 {
        self.counts.iter().map(|row| row[class]).sum()
    }

    /// Whether `class` occurs among the true or the predicted classes.
    pub fn is_present(&self, class: usize) -> bool {
        self.support(class) > 0 || self.predicted_count(class) > 0
    }

    /// The fraction of correct predictions (the trace over the total).
    pub fn accuracy(&self) -> f64 {
        let correct: u64 = (0..self.num_classes).map(|c| self.true_positives(c)).sum();
        correct as f64 / self.total() as f64
    }
}

/// The confusion matrix of `predicted` against `labels` over `num_classes`
/// classes (rows are true classes, columns predicted ones); the same as
/// [`ConfusionMatrix::new`].
pub fn confusion_matrix(
    labels: &[usize],
    predicted: &[usize],
    num_classes: usize,
) -> Result<ConfusionMatrix> {
    ConfusionMatrix::new(labels, predicted, num_classes)
}
