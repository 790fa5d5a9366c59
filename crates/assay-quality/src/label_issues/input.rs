//! Labels and predicted probabilities, checked as cleanlab checks them.

use super::error::{LabelIssueError, Result};

/// cleanlab's `FLOATING_POINT_COMPARISON`: the slack around `[0, 1]` that
/// `assert_valid_inputs` allows.
pub(crate) const SLACK: f64 = 1e-6;

/// Given labels with out-of-sample predicted probabilities: the `labels`
/// and `pred_probs` arguments of cleanlab's functions, checked.
///
/// `probs` is row-major `labels.len() x num_classes`: row `i` holds
/// `P(label = k | x_i)` for every class `k`. Rows need not sum to 1
/// (cleanlab does not require it).
#[derive(Debug, Clone, Copy)]
pub struct PredProbs<'a> {
    labels: &'a [usize],
    probs: &'a [f64],
    num_classes: usize,
}

impl<'a> PredProbs<'a> {
    /// Checks the inputs: at least one example and two classes, a value for
    /// every (example, class), labels below `num_classes`, every
    /// probability finite and within cleanlab's `[-1e-6, 1 + 1e-6]`.
    pub fn new(labels: &'a [usize], probs: &'a [f64], num_classes: usize) -> Result<Self> {
        if labels.is_empty() {
            return Err(LabelIssueError::Empty);
        }
        if num_classes < 2 {
            return Err(LabelIssueError::TooFewColumns(num_classes));
        }
        if labels.len().checked_mul(num_classes) != Some(probs.len()) {
            return Err(LabelIssueError::ShapeMismatch {
                examples: labels.len(),
                num_classes,
                values: probs.len(),
            });
        }
        let input = Self {
            labels,
            probs,
            num_classes,
        };
        input.check_labels()?;
        input.check_probs()?;
        Ok(input)
    }

    fn check_labels(&self) -> Result<()> {
        match self.labels.iter().position(|&l| l >= self.num_classes) {
            Some(index) => Err(LabelIssueError::LabelOutOfRange {
                index,
                label: self.labels[index],
                num_classes: self.num_classes,
            }),
            None => Ok(()),
        }
    }

    fn check_probs(&self) -> Result<()> {
        let (lo, hi) = (0.0 - SLACK, 1.0 + SLACK);
        for (at, &value) in self.probs.iter().enumerate() {
            let (index, class) = (at / self.num_classes, at % self.num_classes);
            if !value.is_finite() {
                return Err(LabelIssueError::NonFinite {
                    index,
                    class,
                    value,
                });
            }
            if value < lo || value > hi {
                return Err(LabelIssueError::OutOfRange {
                    index,
                    class,
                    value,
                });
            }
        }
        Ok(())
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Always false: a `PredProbs` has at least one example.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of classes (columns).
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// The given labels.
    pub fn labels(&self) -> &'a [usize] {
        self.labels
    }

    /// The predicted probabilities of example `i`, one per class.
    pub fn row(&self, i: usize) -> &'a [f64] {
        &self.probs[i * self.num_classes..(i + 1) * self.num_classes]
    }

    /// The predicted probability of example `i`'s given label.
    pub(crate) fn self_confidence(&self, i: usize) -> f64 {
        self.row(i)[self.labels[i]]
    }

    /// Examples per class (cleanlab's `value_counts_fill_missing_classes`).
    pub(crate) fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes];
        for &label in self.labels {
            counts[label] += 1;
        }
        counts
    }

    /// The indices of the examples labeled `class`, ascending.
    pub(crate) fn members(&self, class: usize) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.labels[i] == class)
            .collect()
    }

    /// cleanlab's "Labels must contain at least 2 classes" check, which
    /// lets all-zero labels through where `allow_all_zero`.
    pub(crate) fn check_two_classes(&self, allow_all_zero: bool) -> Result<()> {
        let first = self.labels[0];
        if self.labels.iter().any(|&l| l != first) || (allow_all_zero && first == 0) {
            return Ok(());
        }
        Err(LabelIssueError::SingleClass(first))
    }

    /// cleanlab's `get_normalized_entropy` check: every value in `[0, 1]`.
    pub(crate) fn check_unit_interval(&self) -> Result<()> {
        match self.probs.iter().position(|&v| !(0.0..=1.0).contains(&v)) {
            Some(at) => Err(LabelIssueError::OutsideUnitInterval {
                index: at / self.num_classes,
                class: at % self.num_classes,
                value: self.probs[at],
            }),
            None => Ok(()),
        }
    }
}
