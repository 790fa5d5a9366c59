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

/// NumPy's order for floats: NaN after everything else.
fn less(a: f64, b: f64) -> bool {
    a < b || (b.is_nan() && !a.is_nan())
}

/// Ranges of at most this many values plus one are insertion-sorted.
const SMALL_QUICKSORT: isize = 15;

/// `np.argsort(values)` with NumPy's default kind, equal values in the
/// order NumPy's sort on the CPU named by `ties` leaves them (the sorted
/// values are the same either way; NaN goes last).
pub fn argsort(values: &[f64], ties: TieOrder) -> Vec<usize> {
    match ties {
        TieOrder::X86Avx2 => simd_argsort::argsort(values),
        TieOrder::Portable => portable_argsort(values),
    }
}

/// `np.argsort(values)` with the default kind: NumPy's introsort
/// (median-of-three quicksort, insertion sort for short ranges, heapsort
/// when the recursion gets too deep), the portable code NumPy runs
/// wherever it has no SIMD sort for float64 (ARM64, x86-64 without AVX2).
/// Not stable: the order of equal values is this algorithm's.
fn portable_argsort(values: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    if values.len() > 1 {
        introsort(values, &mut order);
    }
    order
}

/// Sorts `order` (indices into `v`) as NumPy's `aquicksort` does.
fn introsort(v: &[f64], order: &mut [usize]) {
    let n = order.len();
    // Inclusive ranges as NumPy keeps them, with the depth budget of each.
    let mut pending: Vec<(isize, isize, i32)> = Vec::new();
    let (mut lo, mut hi) = (0, n as isize - 1);
    let mut depth = 2 * (usize::BITS - 1 - n.leading_zeros()) as i32;
    loop {
        let range = lo as usize..(hi + 1) as usize;
        if depth < 0 {
            heapsort(v, &mut order[range]);
        } else {
            // Partition, deferring the larger side, until the range is short.
            while hi - lo > SMALL_QUICKSORT {
                let p = lo + partition(v, &mut order[lo as usize..=hi as usize]) as isize;
                depth -= 1;
                if p - lo < hi - p {
                    pending.push((p + 1, hi, depth));
                    hi = p - 1;
                } else {
                    pending.push((lo, p - 1, depth));
                    lo = p + 1;
                }
            }
            insertion_sort(v, &mut order[lo as usize..(hi + 1) as usize]);
        }
        match pending.pop() {
            Some((l, h, d)) => (lo, hi, depth) = (l, h, d),
            None => break,
        }
    }
}

/// Median-of-three partition of `order`; returns the pivot's final place.
fn partition(v: &[f64], order: &mut [usize]) -> usize {
    let last = order.len() - 1;
    let mid = last / 2;
    let key = |order: &[usize], i: usize| v[order[i]];
    if less(key(order, mid), key(order, 0)) {
        order.swap(mid, 0);
    }
    if less(key(order, last), key(order, mid)) {
        order.swap(last, mid);
    }
    if less(key(order, mid), key(order, 0)) {
        order.swap(mid, 0);
    }
    let pivot = key(order, mid);
    order.swap(mid, last - 1);
    let (mut i, mut j) = (0, last - 1);
    loop {
        i += 1;
        while less(key(order, i), pivot) {
            i += 1;
        }
        j -= 1;
        while less(pivot, key(order, j)) {
            j -= 1;
        }
        if i >= j {
            break;
        }
        order.swap(i, j);
    }
    order.swap(i, last - 1);
    i
}

/// NumPy's insertion sort: moves each value left past larger ones.
fn insertion_sort(v: &[f64], order: &mut [usize]) {
    for i in 1..order.len() {
        let item = order[i];
        let mut j = i;
        while j > 0 && less(v[item], v[order[j - 1]]) {
            order[j] = order[j - 1];
            j -= 1;
        }
        order[j] = item;
    }
}

/// NumPy's `aheapsort` (1-based heap over `order`).
fn heapsort(v: &[f64], order: &mut [usize]) {
    let n = order.len();
    for top in (1..=n / 2).rev() {
        let item = order[top - 1];
        sift_down(v, order, top, n, item);
    }
    for end in (2..=n).rev() {
        let item = order[end - 1];
        order[end - 1] = order[0];
        sift_down(v, order, 1, end - 1, item);
    }
}

/// Places `item` at 1-based position `i` of the heap `order[..n]`, moving
/// larger children up.
fn sift_down(v: &[f64], order: &mut [usize], mut i: usize, n: usize, item: usize) {
    let mut j = 2 * i;
    while j <= n {
        if j < n && less(v[order[j - 1]], v[order[j]]) {
            j += 1;
        }
        if !less(v[item], v[order[j - 1]]) {
            break;
        }
        order[i - 1] = order[j - 1];
        i = j;
        j *= 2;
    }
    order[i - 1] = item;
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
    fn short_ranges_keep_ties_in_index_order() {
        // Up to 16 values NumPy only insertion-sorts, which is stable.
        let values = [0.5, 0.1, 0.5, 0.1, 0.3];
        assert_eq!(portable_argsort(&values), vec![1, 3, 4, 0, 2]);
    }

    #[test]
    fn heapsort_sorts() {
        let values: Vec<f64> = (0..50).map(|i| ((i * 31) % 17) as f64).collect();
        let mut order: Vec<usize> = (0..50).collect();
        heapsort(&values, &mut order);
        assert!(is_sorted_permutation(&values, &order));
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
