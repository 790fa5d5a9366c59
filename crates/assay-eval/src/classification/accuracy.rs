//! Accuracy, top-k accuracy and the predicted class of a score row.

use serde::Serialize;

use super::error::{check_matrix, check_predicted, check_scores, ClassificationError, Result};

/// How top-k accuracy ranks classes whose scores are equal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum TopKTies {
    /// scikit-learn 1.9 `top_k_accuracy_score`: classes are ranked by a
    /// stable ascending sort of the scores, then reversed, so among equal
    /// scores the *higher* class index ranks first. With exactly two classes
    /// scikit-learn only looks at the score of class 1: for `k = 1` the
    /// prediction is class 1 when that score is above 0.5 (or above 0 when
    /// some class-1 score lies outside `[0, 1]`), and every `k >= 2` counts
    /// every sample as a hit.
    #[default]
    Sklearn,
    /// Among equal scores the *lower* class index ranks first, as numpy's and
    /// torch's `argmax` pick the first maximum; no special case for two
    /// classes.
    #[cfg_attr(feature = "clap", value(name = "lower-index"))]
    LowerIndexFirst,
}

/// The fraction of samples whose predicted class equals the true class
/// (scikit-learn's `accuracy_score`).
pub fn accuracy(labels: &[usize], predicted: &[usize], num_classes: usize) -> Result<f64> {
    check_predicted(labels, predicted, num_classes)?;
    let correct = labels.iter().zip(predicted).filter(|(t, p)| t == p).count();
    Ok(correct as f64 / labels.len() as f64)
}

/// The fraction of samples whose true class is among the `k` best-scored
/// classes (scikit-learn's `top_k_accuracy_score` with
/// `labels=range(num_classes)` under [`TopKTies::Sklearn`]).
///
/// `scores` is a row-major `labels.len() x num_classes` matrix of finite
/// scores (probabilities or logits). A `k` at or above `num_classes` gives 1.
pub fn top_k_accuracy(
    labels: &[usize],
    scores: &[f64],
    num_classes: usize,
    k: usize,
    ties: TopKTies,
) -> Result<f64> {
    check_scores(labels, scores, num_classes)?;
    if k == 0 {
        return Err(ClassificationError::ZeroK);
    }
    let rows = scores.chunks_exact(num_classes);
    let hits = if num_classes == 2 && ties == TopKTies::Sklearn {
        sklearn_binary_hits(labels, scores, k)
    } else {
        let lower_first = ties == TopKTies::LowerIndexFirst;
        let ranked_in = |&(&label, row): &(&usize, &[f64])| rank(row, label, lower_first) < k;
        labels.iter().zip(rows).filter(ranked_in).count()
    };
    Ok(hits as f64 / labels.len() as f64)
}

/// How many classes rank before `class` in `row` (0 for the best one).
fn rank(row: &[f64], class: usize, lower_first: bool) -> usize {
    let score = row[class];
    let before = |(j, &s): &(usize, &f64)| {
        s > score || (s == score && if lower_first { *j < class } else { *j > class })
    };
    row.iter().enumerate().filter(before).count()
}

/// scikit-learn's binary top-k rule, which reads only the class-1 scores.
fn sklearn_binary_hits(labels: &[usize], scores: &[f64], k: usize) -> usize {
    if k >= 2 {
        return labels.len();
    }
    let positive: Vec<f64> = scores.iter().skip(1).step_by(2).copied().collect();
    let in_unit = positive.iter().all(|p| (0.0..=1.0).contains(p));
    let threshold = if in_unit { 0.5 } else { 0.0 };
    let predicted = positive.iter().map(|&p| usize::from(p > threshold));
    labels
        .iter()
        .zip(predicted)
        .filter(|(&t, p)| t == *p)
        .count()
}

/// The predicted class of each row of a row-major `n x num_classes` score
/// matrix: the index of the largest score, the first one on ties (numpy's
/// and torch's `argmax`).
pub fn argmax_classes(scores: &[f64], num_classes: usize) -> Result<Vec<usize>> {
    check_matrix(scores, num_classes)?;
    Ok(scores.chunks_exact(num_classes).map(argmax).collect())
}

/// Index of the first largest value of a non-empty row.
pub(crate) fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (j, &s) in row.iter().enumerate() {
        if s > row[best] {
            best = j;
        }
    }
    best
}
