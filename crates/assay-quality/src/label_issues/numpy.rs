//! The NumPy operations whose exact results cleanlab's output depends on:
//! pairwise summation, `argmax`, rounding, the cast to integers and the
//! default (`quicksort`) `argsort`, whose order of equal values decides
//! which of several tied examples is flagged.

use super::options::TieOrder;
use super::simd_argsort;

/// `np.sum` of a contiguous float64 array: pairwise summation with eight
/// accumulators inside blocks of 128 values, halving above that.
pub(crate) fn pairwise_sum(values: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = values.len();
    if n < 8 {
        return values.iter().fold(0.0, |acc, &v| acc + v);
    }
    if n > BLOCK {
        let half = n / 2 - (n / 2) % 8;
        return pairwise_sum(&values[..half]) + pairwise_sum(&values[half..]);
    }
    let mut acc = [0.0; 8];
    acc.copy_from_slice(&values[..8]);
    let whole = n - n % 8;
    for chunk in values[8..whole].chunks_exact(8) {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a += v;
        }
    }
    let head = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    values[whole..].iter().fold(head, |acc, &v| acc + v)
}

/// `np.mean` of a non-empty contiguous float64 array.
pub(crate) fn mean(values: &[f64]) -> f64 {
    pairwise_sum(values) / values.len() as f64
}

/// `np.argmax` of a row: the first index of the largest value.
pub(crate) fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (j, &v) in row.iter().enumerate().skip(1) {
        if v > row[best] {
            best = j;
        }
    }
    best
}

/// `float64.astype(int64)` as x86-64 computes it: truncation toward zero;
/// NaN and values out of range become `i64::MIN` (NaN is in no range).
pub(crate) fn to_int(x: f64) -> i64 {
    // 2^63: the first value beyond i64's range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if !(-LIMIT..LIMIT).contains(&x) {
        i64::MIN
    } else {
        x.trunc() as i64
    }
}

/// `np.argsort(values)` with NumPy's default kind, equal values in the
/// order NumPy's sort on the CPU named by `ties` leaves them (the sorted
/// values are the same either way; NaN goes last).
pub fn argsort(values: &[f64], ties: TieOrder) -> Vec<usize> {
    match ties {
        TieOrder::X86Avx2 => simd_argsort::argsort(values),
        TieOrder::Portable => assay_core::numpy_sort::argsort(values),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_sorted_permutation(values: &[f64], order: &[usize]) -> bool {
        let mut seen = order.to_vec();
        seen.sort_unstable();
        seen == (0..values.len()).collect::<Vec<_>>()
            && order.windows(2).all(|w| values[w[0]] <= values[w[1]])
    }

    #[test]
    fn argsort_sorts_with_ties_and_short_inputs() {
        for ties in TieOrder::ALL {
            for n in [0, 1, 2, 5, 16, 17, 18, 100, 257, 1000] {
                let values: Vec<f64> = (0..n).map(|i| ((i * 7919) % 13) as f64 / 4.0).collect();
                let order = argsort(&values, ties);
                assert!(is_sorted_permutation(&values, &order), "{ties}, n = {n}");
            }
        }
    }

    #[test]
    fn casts_and_sums_like_numpy() {
        assert_eq!(to_int(f64::NAN), i64::MIN);
        assert_eq!(to_int(-2.7), -2);
        assert_eq!(to_int(1e30), i64::MIN);
        assert_eq!(pairwise_sum(&vec![0.1; 1000]), 100.00000000000001);
        assert_eq!(argmax(&[0.2, 0.5, 0.5, 0.1]), 1);
    }
}
