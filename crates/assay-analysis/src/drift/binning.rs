//! Counting over sorted samples: distinct values, NumPy's Sturges
//! histogram, and Evidently 0.7.23's `get_binned_data`, which turns two
//! samples into two vectors of proportions for PSI and Jensen-Shannon.

use assay_eval::numeric::linspace;

/// The distinct values of two sorted samples (ascending), with how often
/// each occurs in each: `(values, reference counts, current counts)`.
pub fn union_counts(reference: &[f64], current: &[f64]) -> (Vec<f64>, Vec<u64>, Vec<u64>) {
    let mut values = Vec::new();
    let mut ref_counts = Vec::new();
    let mut cur_counts = Vec::new();
    let (mut i, mut j) = (0usize, 0usize);
    loop {
        let v = match (reference.get(i), current.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        let i0 = i;
        while i < reference.len() && reference[i] == v {
            i += 1;
        }
        let j0 = j;
        while j < current.len() && current[j] == v {
            j += 1;
        }
        values.push(v);
        ref_counts.push((i - i0) as u64);
        cur_counts.push((j - j0) as u64);
    }
    (values, ref_counts, cur_counts)
}

/// How many distinct values two sorted samples hold together, counting
/// no further than `cap`.
pub fn distinct_union_up_to(reference: &[f64], current: &[f64], cap: usize) -> usize {
    let (mut i, mut j, mut count) = (0usize, 0usize, 0usize);
    while count < cap {
        let v = match (reference.get(i), current.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        count += 1;
        i += reference[i..].partition_point(|&x| x == v);
        j += current[j..].partition_point(|&x| x == v);
    }
    count
}

/// How many distinct values a sorted sample holds (pandas' `nunique`).
pub fn n_unique(sorted: &[f64]) -> usize {
    if sorted.is_empty() {
        return 0;
    }
    1 + sorted.windows(2).filter(|w| w[0] != w[1]).count()
}

/// The bin edges of `np.histogram_bin_edges(reference ++ current,
/// bins="sturges")`: `ceil(ptp / (ptp / (log2(n) + 1)))` equal bins over
/// the range (at least one unit wide when the data are integers, as NumPy
/// keeps them for integer arrays).
pub fn sturges_edges(reference: &[f64], current: &[f64], integer: bool) -> Vec<f64> {
    let n = reference.len() + current.len();
    let min = first(reference).min(first(current));
    let max = last(reference).max(last(current));
    let (mut lo, mut hi) = (min, max);
    if lo == hi {
        lo -= 0.5;
        hi += 0.5;
    }
    let ptp = max - min;
    let mut width = ptp / ((n as f64).log2() + 1.0);
    let bins = if width != 0.0 {
        if integer && width < 1.0 {
            width = 1.0;
        }
        ((hi - lo) / width).ceil() as usize
    } else {
        1
    };
    linspace(lo, hi, bins + 1)
}

fn first(sorted: &[f64]) -> f64 {
    sorted.first().copied().unwrap_or(f64::INFINITY)
}

fn last(sorted: &[f64]) -> f64 {
    sorted.last().copied().unwrap_or(f64::NEG_INFINITY)
}

/// `np.histogram(sorted, edges)[0]`: bins closed on the left, the last
/// closed on both sides; values outside the edges are not counted.
pub fn histogram_sorted(sorted: &[f64], edges: &[f64]) -> Vec<u64> {
    if edges.len() < 2 {
        return Vec::new();
    }
    let below = |e: f64| sorted.partition_point(|&v| v < e);
    let mut cum: Vec<usize> = edges[..edges.len() - 1].iter().map(|&e| below(e)).collect();
    let last = edges[edges.len() - 1];
    cum.push(sorted.partition_point(|&v| v <= last));
    cum.windows(2).map(|w| (w[1] - w[0]) as u64).collect()
}

/// Evidently's `get_binned_data`: the reference and current proportions
/// per bin. Numeric columns whose reference has more than 20 distinct
/// values are binned by Sturges' rule over both samples together; other
/// columns count each distinct value. With `fill_zeroes`, each empty bin
/// gets `min(nonzero) / 1e6` when the smallest non-zero proportion is at
/// most 1e-4, else 1e-4 (per sample).
pub fn evidently_binned(
    reference: &[f64],
    current: &[f64],
    numeric: bool,
    integer: bool,
    fill_zeroes: bool,
) -> (Vec<f64>, Vec<f64>) {
    let (nr, nc) = (reference.len() as f64, current.len() as f64);
    let (mut r, mut c) = if numeric && n_unique(reference) > 20 {
        let edges = sturges_edges(reference, current, integer);
        let r = histogram_sorted(reference, &edges);
        let c = histogram_sorted(current, &edges);
        (
            r.iter().map(|&k| k as f64 / nr).collect::<Vec<_>>(),
            c.iter().map(|&k| k as f64 / nc).collect::<Vec<_>>(),
        )
    } else {
        let (_, r, c) = union_counts(reference, current);
        (
            r.iter().map(|&k| k as f64 / nr).collect(),
            c.iter().map(|&k| k as f64 / nc).collect(),
        )
    };
    if fill_zeroes {
        fill(&mut r);
        fill(&mut c);
    }
    (r, c)
}

fn fill(p: &mut [f64]) {
    let min = p
        .iter()
        .copied()
        .filter(|&v| v != 0.0)
        .fold(f64::INFINITY, f64::min);
    if !min.is_finite() {
        return;
    }
    let value = if min <= 0.0001 { min / 1e6 } else { 0.0001 };
    for v in p.iter_mut().filter(|v| **v == 0.0) {
        *v = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_distinct_values_of_both_samples() {
        let (v, r, c) = union_counts(&[1.0, 1.0, 2.0], &[2.0, 3.0]);
        assert_eq!(v, vec![1.0, 2.0, 3.0]);
        assert_eq!(r, vec![2, 1, 0]);
        assert_eq!(c, vec![0, 1, 1]);
        assert_eq!(n_unique(&[1.0, 1.0, 2.0]), 2);
        assert_eq!(distinct_union_up_to(&[1.0, 1.0, 2.0], &[2.0, 3.0], 10), 3);
        assert_eq!(distinct_union_up_to(&[1.0, 1.0, 2.0], &[2.0, 3.0], 2), 2);
    }

    #[test]
    fn histogram_closes_the_last_bin() {
        let h = histogram_sorted(&[0.0, 0.5, 1.0, 1.5, 2.0], &[0.0, 1.0, 2.0]);
        assert_eq!(h, vec![2, 3]);
    }

    #[test]
    fn sturges_bins_as_numpy() {
        // np.histogram_bin_edges(np.arange(16.), bins="sturges") has 5 bins.
        let v: Vec<f64> = (0..8).map(f64::from).collect();
        let w: Vec<f64> = (8..16).map(f64::from).collect();
        let e = sturges_edges(&v, &w, false);
        assert_eq!(e.len(), 6);
        assert_eq!(e[0], 0.0);
        assert_eq!(e[5], 15.0);
    }

    #[test]
    fn empty_bins_are_filled_as_evidently() {
        let mut p = vec![0.5, 0.5, 0.0];
        fill(&mut p);
        assert_eq!(p[2], 0.0001);
        let mut q = vec![0.99999, 0.00001, 0.0];
        fill(&mut q);
        assert_eq!(q[2], 0.00001 / 1e6);
    }
}
