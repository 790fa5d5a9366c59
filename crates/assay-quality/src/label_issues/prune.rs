//! How many examples to prune where, and which: cleanlab's
//! `_keep_at_least_n_per_class`, `_reduce_prune_counts`, the
//! `num_to_remove_per_class` calibration, `_prune_by_class` and
//! `_prune_by_count`.

use super::input::PredProbs;
use super::numpy::{argsort, pairwise_sum, to_int};
use super::options::{FilterOptions, TieOrder};
use super::rounding::round_preserving_row_totals;

/// The prune-count matrix, row-major `K x K`: `at(true, given)` examples
/// labeled `given` that belong to `true` are to be pruned (the transposed
/// confident joint, adjusted). Entries may be negative (nothing to prune).
pub(crate) struct PruneCounts {
    k: usize,
    counts: Vec<i64>,
}

impl PruneCounts {
    /// From the calibrated confident joint (row-major, given x predicted).
    pub(crate) fn new(joint: &[i64], class_counts: &[usize], options: &FilterOptions) -> Self {
        let k = class_counts.len();
        let transposed: Vec<i64> = (0..k * k).map(|at| joint[(at % k) * k + at / k]).collect();
        let kept = keep_at_least_n_per_class(&transposed, k, options.min_examples_per_class);
        let mut counts = reduce_prune_counts(&kept, k, options.frac_noise);
        if let Some(remove) = &options.num_to_remove_per_class {
            counts = fit_removal_counts(&counts, class_counts, remove, options.tie_order);
        }
        Self { k, counts }
    }

    fn at(&self, row: usize, column: usize) -> i64 {
        self.counts[row * self.k + column]
    }
}

/// Raises each diagonal count to at least `n`, taking the increase evenly
/// from the column's other non-zero counts (never below zero).
fn keep_at_least_n_per_class(counts: &[i64], k: usize, n: usize) -> Vec<f64> {
    let n = n as i64;
    let mut adjusted: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
    for j in 0..k {
        let diagonal = counts[j * k + j];
        let raised = diagonal.max(n);
        let nonzero = (0..k).filter(|&i| counts[i * k + j] != 0).count() as f64;
        let share = (raised - diagonal) as f64 / (nonzero - 1.0).max(1.0);
        for i in 0..k {
            let value = &mut adjusted[i * k + j];
            *value = if i == j {
                raised as f64
            } else {
                (*value - share).max(0.0)
            };
        }
    }
    adjusted
}

/// Scales the off-diagonal counts by `frac_noise`, moving what they lose
/// to the diagonal of their column, and truncates to integers.
fn reduce_prune_counts(counts: &[f64], k: usize, frac_noise: f64) -> Vec<i64> {
    let mut reduced: Vec<f64> = counts.iter().map(|&c| c * frac_noise).collect();
    for j in 0..k {
        reduced[j * k + j] = counts[j * k + j];
    }
    for j in 0..k {
        // A column of cleanlab's transposed view is contiguous: NumPy sums
        // it pairwise.
        let lost: Vec<f64> = (0..k)
            .map(|i| counts[i * k + j] - reduced[i * k + j])
            .collect();
        reduced[j * k + j] = counts[j * k + j] + pairwise_sum(&lost);
    }
    // Already integers, so cleanlab's rounding with row totals keeps them.
    reduced.into_iter().map(to_int).collect()
}

/// cleanlab's calibration for `num_to_remove_per_class`: each row `c` is
/// rescaled so its noise sums to `remove[c]`, with `class_counts[c] -
/// remove[c]` on the diagonal, then rounded keeping row totals. Rows with no
/// noise become NaN and cast to `i64::MIN` (nothing pruned), as in cleanlab.
fn fit_removal_counts(
    counts: &[i64],
    class_counts: &[usize],
    remove: &[usize],
    ties: TieOrder,
) -> Vec<i64> {
    let k = class_counts.len();
    let row_totals: Vec<f64> = counts
        .chunks_exact(k)
        .map(|row| row.iter().sum::<i64>() as f64)
        .collect();
    // cleanlab divides entry (i, j) by the total of row j (NumPy broadcasting).
    let rates: Vec<f64> = (0..k * k)
        .map(|at| counts[at] as f64 / row_totals[at % k])
        .collect();
    let mut fitted = Vec::with_capacity(k * k);
    for (c, row) in rates.chunks_exact(k).enumerate() {
        let noise = pairwise_sum(row) - row[c];
        let target = remove[c] as f64;
        fitted.extend(row.iter().map(|&rate| rate * target / noise));
        fitted[c * k + c] = (class_counts[c] as i64 - remove[c] as i64) as f64;
    }
    round_preserving_row_totals(&fitted, k, ties)
}

/// `_prune_by_class` for class `k` (its `members`, ascending): flags the
/// members least likely to be `k`, all but the pruned diagonal count.
pub(crate) fn prune_by_class(
    input: &PredProbs,
    members: &[usize],
    k: usize,
    counts: &PruneCounts,
    options: &FilterOptions,
) -> Vec<bool> {
    let mut flags = vec![false; members.len()];
    if members.len() <= options.min_examples_per_class {
        return flags;
    }
    let num_issues = members.len() as i64 - counts.at(k, k);
    if num_issues >= 1 {
        let probs: Vec<f64> = members.iter().map(|&i| input.row(i)[k]).collect();
        flag_first(&mut flags, &argsort(&probs, options.tie_order), num_issues);
    }
    flags
}

/// `_prune_by_count` for class `k`: for every other class `j` with a
/// positive prune count, flags that many members with the largest margin
/// `p(j) - p(k)`.
pub(crate) fn prune_by_count(
    input: &PredProbs,
    members: &[usize],
    k: usize,
    counts: &PruneCounts,
    options: &FilterOptions,
) -> Vec<bool> {
    let mut flags = vec![false; members.len()];
    if members.len() <= options.min_examples_per_class {
        return flags;
    }
    for j in (0..counts.k).filter(|&j| j != k) {
        let count = counts.at(j, k);
        if count > 0 {
            let negated_margins: Vec<f64> = members
                .iter()
                .map(|&i| -(input.row(i)[j] - input.row(i)[k]))
                .collect();
            flag_first(
                &mut flags,
                &argsort(&negated_margins, options.tie_order),
                count,
            );
        }
    }
    flags
}

/// Flags the first `count` entries of `order` (all of them if fewer).
fn flag_first(flags: &mut [bool], order: &[usize], count: i64) {
    let count = usize::try_from(count).unwrap_or(0).min(order.len());
    for &m in &order[..count] {
        flags[m] = true;
    }
}
