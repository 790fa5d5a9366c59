//! cleanlab's `round_preserving_sum` / `round_preserving_row_totals`:
//! rounding counts so that each row keeps its (rounded) total.

use super::numpy::{argsort, pairwise_sum, to_int};
use super::options::TieOrder;

/// cleanlab's `FLOATING_POINT_COMPARISON`.
const TOLERANCE: f64 = 1e-6;

/// Rounds each row of the row-major `k`-column `matrix`, keeping row totals
/// (ties between residuals in `ties`' order).
pub(crate) fn round_preserving_row_totals(matrix: &[f64], k: usize, ties: TieOrder) -> Vec<i64> {
    matrix
        .chunks_exact(k)
        .flat_map(|row| round_preserving_sum(row, ties))
        .collect()
}

/// Rounds `values` half to even, then moves the values furthest from their
/// rounding by one until they sum to the rounded total: up the ones rounded
/// down most, down the ones rounded up most (ties in NumPy's `argsort`
/// order on the CPU `ties` names, reversed when moving up).
pub(crate) fn round_preserving_sum(values: &[f64], ties: TieOrder) -> Vec<i64> {
    let mut ints: Vec<f64> = values.iter().map(|v| v.round_ties_even()).collect();
    let total = pairwise_sum(values).round_ties_even();
    let mut int_total = pairwise_sum(&ints).round_ties_even();
    // NaN totals end the loop at once, as in cleanlab.
    while (int_total - total).abs() > TOLERANCE {
        let diff = (total - int_total).round_ties_even();
        let step = if diff < 0.0 { -1.0 } else { 1.0 };
        let changes = (diff.abs() as usize).min(values.len());
        let residuals: Vec<f64> = values.iter().zip(&ints).map(|(v, i)| v - i).collect();
        let mut order = argsort(&residuals, ties);
        if step > 0.0 {
            order.reverse();
        }
        for &i in &order[..changes] {
            ints[i] += step;
        }
        int_total = pairwise_sum(&ints).round_ties_even();
    }
    ints.into_iter().map(to_int).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_total() {
        // 0.4 + 0.4 + 0.4 + 0.8 = 2: rounded 0 + 0 + 0 + 1 = 1, so one 0.4 goes up;
        // of the tied 0.4s the reversed argsort takes the last.
        assert_eq!(
            round_preserving_sum(&[0.4, 0.4, 0.4, 0.8], TieOrder::Portable),
            vec![0, 0, 1, 1]
        );
        // Half to even: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2 (sum 4.5 -> 4).
        assert_eq!(
            round_preserving_sum(&[0.5, 1.5, 2.5], TieOrder::Portable),
            vec![0, 2, 2]
        );
        assert_eq!(
            round_preserving_sum(&[0.6, 0.6, 0.8], TieOrder::Portable),
            vec![0, 1, 1]
        );
    }

    #[test]
    fn rows_with_nan_are_cast_unadjusted() {
        assert_eq!(
            round_preserving_sum(&[f64::NAN, 2.0], TieOrder::Portable),
            vec![i64::MIN, 2]
        );
    }
}
