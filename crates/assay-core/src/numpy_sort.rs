//! NumPy's default `argsort` (kind `quicksort`) in its portable form, the
//! one NumPy runs where it has no SIMD sort for float64 (ARM64, x86-64
//! without AVX2, or with its CPU features disabled). Results that depend on
//! the order of equal values (cleanlab's flagged examples, NannyML's
//! calibration bins) match NumPy's only with this exact algorithm.

/// NumPy's order for floats: NaN after everything else.
fn less(a: f64, b: f64) -> bool {
    a < b || (b.is_nan() && !a.is_nan())
}

/// Ranges of at most this many values plus one are insertion-sorted.
const SMALL_QUICKSORT: isize = 15;

/// `np.argsort(values)` with the default kind: NumPy's introsort
/// (median-of-three quicksort, insertion sort for short ranges, heapsort
/// when the recursion gets too deep), the portable code NumPy runs
/// wherever it has no SIMD sort for float64 (ARM64, x86-64 without AVX2).
/// Not stable: the order of equal values is this algorithm's.
pub fn argsort(values: &[f64]) -> Vec<usize> {
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
    fn short_ranges_keep_ties_in_index_order() {
        // Up to 16 values NumPy only insertion-sorts, which is stable.
        let values = [0.5, 0.1, 0.5, 0.1, 0.3];
        assert_eq!(argsort(&values), vec![1, 3, 4, 0, 2]);
    }

    #[test]
    fn heapsort_sorts() {
        let values: Vec<f64> = (0..50).map(|i| ((i * 31) % 17) as f64).collect();
        let mut order: Vec<usize> = (0..50).collect();
        heapsort(&values, &mut order);
        assert!(is_sorted_permutation(&values, &order));
    }

    #[test]
    fn argsort_sorts_and_keeps_every_index() {
        // A pseudo-random sequence with many ties, long enough for the
        // partition and (with a sorted run) the heapsort fallback.
        let mut x = 12345u64;
        let values: Vec<f64> = (0..5000)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((x >> 33) % 37) as f64
            })
            .collect();
        let order = argsort(&values);
        let mut seen = vec![false; values.len()];
        for w in order.windows(2) {
            assert!(values[w[0]] <= values[w[1]]);
        }
        for &i in &order {
            assert!(!seen[i]);
            seen[i] = true;
        }
        assert_eq!(argsort(&[]), Vec::<usize>::new());
        assert_eq!(argsort(&[f64::NAN, 1.0, 0.0]), vec![2, 1, 0]);
    }

    #[test]
    fn argsort_ties_follow_numpy() {
        // np.argsort as NumPy 2.4.6 gives it with its SIMD sorts disabled.
        let mut values = vec![1.0; 20];
        values.push(0.0);
        assert_eq!(
            argsort(&values),
            [20, 18, 17, 16, 15, 14, 13, 12, 11, 19, 0, 8, 7, 6, 5, 4, 3, 2, 1, 9, 10]
        );
        let values = [
            3.0, 1.0, 2.0, 1.0, 3.0, 2.0, 1.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 1.0, 2.0, 2.0,
            3.0, 1.0, 1.0, 2.0, 3.0, 0.0, 1.0,
        ];
        assert_eq!(
            argsort(&values),
            [
                22, 23, 1, 3, 19, 18, 6, 7, 10, 14, 13, 20, 16, 15, 11, 8, 5, 2, 9, 17, 4, 21, 12,
                0
            ]
        );
    }
}
