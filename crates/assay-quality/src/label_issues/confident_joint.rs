//! The confident joint: counts of (given label, confidently predicted
//! label) pairs, cleanlab's `count.compute_confident_joint`.

use serde::Serialize;

use super::error::Result;
use super::input::PredProbs;
use super::numpy::{argmax, mean, pairwise_sum};
use super::options::TieOrder;
use super::rounding::round_preserving_row_totals;

/// Threshold of classes nobody is labeled with: no probability reaches it.
const ABSENT_CLASS_THRESHOLD: f64 = 2.0;
/// cleanlab's `CONFIDENT_THRESHOLDS_LOWER_BOUND`.
const THRESHOLD_FLOOR: f64 = 2.0 * 1e-6;
/// Slack of the `>=` comparison with a threshold.
const THRESHOLD_SLACK: f64 = 1e-6;
/// cleanlab's `TINY_VALUE`, the floor of divisors.
const TINY: f64 = 1e-100;

/// A `K x K` confident joint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfidentJoint {
    /// Number of classes `K`.
    pub num_classes: usize,
    /// Row-major counts: `counts[given * K + predicted]` examples labeled
    /// `given` are confidently predicted as `predicted`. Every diagonal
    /// count is at least 1 before calibration; all are non-negative.
    pub counts: Vec<i64>,
    /// The examples counted off the diagonal (confidently predicted as
    /// another class than their label), ascending.
    pub off_diagonal: Vec<usize>,
}

impl ConfidentJoint {
    /// The count of (`given`, `predicted`).
    pub fn get(&self, given: usize, predicted: usize) -> i64 {
        self.counts[given * self.num_classes + predicted]
    }
}

/// Per class, the mean predicted probability of the class over the examples
/// labeled with it (cleanlab's `get_confident_thresholds`); 2 for classes
/// no example has; at least `2e-6`.
pub fn confident_thresholds(input: &PredProbs) -> Vec<f64> {
    (0..input.num_classes())
        .map(|class| {
            let probs: Vec<f64> = input
                .members(class)
                .into_iter()
                .map(|i| input.row(i)[class])
                .collect();
            let threshold = if probs.is_empty() {
                ABSENT_CLASS_THRESHOLD
            } else {
                mean(&probs)
            };
            threshold.max(THRESHOLD_FLOOR)
        })
        .collect()
}

/// The class an example is confidently predicted as, if any: the one class
/// whose probability reaches its threshold, or the most probable class when
/// several do.
fn confident_class(row: &[f64], cutoffs: &[f64]) -> Option<usize> {
    let mut confident = row
        .iter()
        .zip(cutoffs)
        .enumerate()
        .filter(|(_, (p, c))| p >= c);
    let first = confident.next()?.0;
    Some(match confident.next() {
        Some(_) => argmax(row),
        None => first,
    })
}

/// cleanlab's `compute_confident_joint` (default thresholds): counts each
/// example that is confidently predicted as some class, with every diagonal
/// count raised to at least 1; with `calibrate`, rescaled so each row sums to
/// the class's number of labels (`calibrate_confident_joint`), whose
/// rounding breaks ties in the order NumPy's `argsort` leaves them on the
/// CPU `ties` names (unused without `calibrate`).
pub fn compute_confident_joint(
    input: &PredProbs,
    calibrate: bool,
    ties: TieOrder,
) -> ConfidentJoint {
    let mut joint = count_confident(input);
    if calibrate {
        joint.counts = calibrate_confident_joint(&joint.counts, &input.class_counts(), ties);
    }
    joint
}

/// The uncalibrated confident joint.
pub(crate) fn count_confident(input: &PredProbs) -> ConfidentJoint {
    let k = input.num_classes();
    let cutoffs: Vec<f64> = confident_thresholds(input)
        .into_iter()
        .map(|t| t - THRESHOLD_SLACK)
        .collect();
    let mut counts = vec![0_i64; k * k];
    let mut off_diagonal = Vec::new();
    for (i, &given) in input.labels().iter().enumerate() {
        let Some(predicted) = confident_class(input.row(i), &cutoffs) else {
            continue;
        };
        counts[given * k + predicted] += 1;
        if predicted != given {
            off_diagonal.push(i);
        }
    }
    for c in 0..k {
        counts[c * k + c] = counts[c * k + c].max(1);
    }
    ConfidentJoint {
        num_classes: k,
        counts,
        off_diagonal,
    }
}

/// cleanlab's `calibrate_confident_joint`: scales row `c` to the number of
/// examples labeled `c`, then the whole matrix to the number of examples,
/// and rounds keeping row totals.
pub(crate) fn calibrate_confident_joint(
    counts: &[i64],
    class_counts: &[usize],
    ties: TieOrder,
) -> Vec<i64> {
    let k = class_counts.len();
    let mut scaled = Vec::with_capacity(k * k);
    for (row, &labeled) in counts.chunks_exact(k).zip(class_counts) {
        let total = (row.iter().sum::<i64>() as f64).max(TINY);
        scaled.extend(row.iter().map(|&c| c as f64 / total * labeled as f64));
    }
    // cleanlab's matrix is a transposed view here: NumPy sums it in memory
    // order, which is column by column.
    let by_column: Vec<f64> = (0..k * k).map(|at| scaled[(at % k) * k + at / k]).collect();
    let total = pairwise_sum(&by_column).max(TINY);
    let examples = class_counts.iter().sum::<usize>() as f64;
    for value in &mut scaled {
        *value = *value / total * examples;
    }
    round_preserving_row_totals(&scaled, k, ties)
}

/// cleanlab's `count.num_label_issues` (default `off_diagonal` estimate):
/// the examples counted off the diagonal of the confident joint, less those
/// whose given label is (within `1e-6`) the most probable.
/// Like cleanlab, it needs labels of at least two classes.
pub fn num_label_issues(input: &PredProbs) -> Result<usize> {
    input.check_two_classes(false)?;
    Ok(count_confident(input)
        .off_diagonal
        .into_iter()
        .filter(|&i| !prediction_near_given(input, i))
        .count())
}

/// cleanlab's `_reduce_issues` test for one example: with `1e-6` added to
/// the given label's probability, is it the (first) most probable class?
pub(crate) fn prediction_near_given(input: &PredProbs, i: usize) -> bool {
    let mut row = input.row(i).to_vec();
    let given = input.labels()[i];
    row[given] += 1e-6;
    argmax(&row) == given
}
