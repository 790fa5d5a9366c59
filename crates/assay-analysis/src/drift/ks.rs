//! The two-sample Kolmogorov-Smirnov test as SciPy 1.17's
//! `scipy.stats.ks_2samp(reference, current)` computes it (two-sided,
//! `method='auto'`):
//!
//! - the statistic is the largest gap between the two empirical CDFs,
//!   each evaluated as `count / n` at every observed value;
//! - samples of at most 10,000 each get the exact p-value: the statistic
//!   is snapped to the lattice `h / lcm(n1, n2)` (and reported so), then
//!   the probability that a random lattice path leaves the band is
//!   computed by Hodges' outer recursion (equal sizes) or Viehmann's
//!   inside method;
//! - larger samples (or an exact computation out of range) get
//!   `kstwo.sf(D, round(n1 n2 / (n1 + n2)))`.

use super::kolmogorov::kstwo_sf;

/// SciPy's `MAX_AUTO_N`: larger samples get the asymptotic p-value.
pub const MAX_EXACT_N: usize = 10_000;

/// The statistic and p-value of a two-sample KS test.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct KsResult {
    /// `D`: the largest absolute gap between the empirical CDFs (snapped
    /// to `h / lcm(n1, n2)` when the p-value is exact, as SciPy reports it).
    pub statistic: f64,
    /// The two-sided p-value.
    pub p_value: f64,
    /// Whether the p-value is exact (else asymptotic).
    pub exact: bool,
}

/// `ks_2samp` on two samples already sorted ascending, without NaN.
/// `None` when either is empty.
pub fn ks_2samp_sorted(a: &[f64], b: &[f64]) -> Option<KsResult> {
    let (n1, n2) = (a.len(), b.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let d = ks_statistic_sorted(a, b);
    let g = gcd(n1 as u64, n2 as u64);
    if n1.max(n2) <= MAX_EXACT_N {
        if let Some((d_exact, p)) = exact_p(n1 as u64, n2 as u64, g, d) {
            return Some(KsResult {
                statistic: d_exact,
                p_value: p.clamp(0.0, 1.0),
                exact: true,
            });
        }
    }
    let (m, n) = if n1 >= n2 {
        (n1 as f64, n2 as f64)
    } else {
        (n2 as f64, n1 as f64)
    };
    let en = m * n / (m + n);
    let p = kstwo_sf(round_half_even(en) as u64, d);
    Some(KsResult {
        statistic: d,
        p_value: p.clamp(0.0, 1.0),
        exact: false,
    })
}

/// `ks_2samp` on unsorted samples; NaN values are an error of the caller
/// (drop them first). `None` when either is empty.
pub fn ks_2samp(a: &[f64], b: &[f64]) -> Option<KsResult> {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_unstable_by(f64::total_cmp);
    b.sort_unstable_by(f64::total_cmp);
    ks_2samp_sorted(&a, &b)
}

/// The largest gap between the two empirical CDFs, as SciPy evaluates it:
/// `max(max(cdf1 - cdf2), clip(-min(cdf1 - cdf2), 0, 1))`.
fn ks_statistic_sorted(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut max_s = f64::NEG_INFINITY;
    let mut min_s = f64::INFINITY;
    while i < a.len() || j < b.len() {
        let v = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => {
                if x <= y {
                    x
                } else {
                    y
                }
            }
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        while i < a.len() && a[i] <= v {
            i += 1;
        }
        while j < b.len() && b[j] <= v {
            j += 1;
        }
        let diff = i as f64 / n1 - j as f64 / n2;
        max_s = max_s.max(diff);
        min_s = min_s.min(diff);
    }
    let min_s = (-min_s).clamp(0.0, 1.0);
    if min_s > max_s {
        min_s
    } else {
        max_s
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// NumPy's `round`: halves to even.
pub(crate) fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

/// SciPy's `_attempt_exact_2kssamp` (two-sided): the snapped statistic
/// and its exact p-value, `None` when out of range.
fn exact_p(n1: u64, n2: u64, g: u64, d: f64) -> Option<(f64, f64)> {
    let lcm = (n1 / g) * n2;
    let h = round_half_even(d * lcm as f64);
    let d = h / lcm as f64;
    if h == 0.0 {
        return Some((d, 1.0));
    }
    let h = h as u64;
    let prob = if n1 == n2 {
        prob_outside_square(n1, h)
    } else {
        outer_prob_inside(n1, n2, g, h)
    };
    if !(0.0..=1.0).contains(&prob) {
        return None;
    }
    Some((d, prob))
}

/// `Pr(D_{n,n} >= h / n)`: SciPy's `_compute_prob_outside_square`.
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let n = n as f64;
    let hf = h as f64;
    let mut p = 0.0;
    let mut k = (n / hf).floor() as i64;
    while k >= 0 {
        let kf = k as f64;
        let mut p1 = 1.0;
        for j in 0..h {
            let jf = j as f64;
            p1 = (n - kf * hf - jf) * p1 / (n + kf * hf + jf + 1.0);
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// The share of lattice paths from (0, 0) to (m, n) that leave the band
/// `|x/m - y/n| < h / lcm(m, n)`: SciPy's `_compute_outer_prob_inside_method`.
fn outer_prob_inside(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (m, n, g, h) = (m as i64, n as i64, g as i64, h as i64);
    let mg = m / g;
    let ng = n / g;
    let mut minj: i64 = 0;
    let mut maxj: i64 = ((h as f64 / mg as f64).ceil() as i64).min(n + 1);
    let mut curlen = maxj - minj;
    let len_a = (2 * maxj + 2).min(n + 1) as usize;
    let mut a = vec![1.0f64; len_a];
    for v in a.iter_mut().take(maxj as usize).skip(minj as usize) {
        *v = 0.0;
    }
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        minj = (((ng * i - h) as f64 / mg as f64).floor() as i64 + 1).max(0);
        minj = minj.min(n);
        maxj = (((ng * i + h) as f64 / mg as f64).ceil() as i64).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        let fi = i as f64;
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            val = (a[(jj + minj - lastminj) as usize] * fi + val * j as f64) / (fi + j as f64);
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let from = (maxj - minj) as usize;
            let to = (maxj - minj + (lastlen - curlen)) as usize;
            for v in a.iter_mut().take(to).skip(from) {
                *v = 1.0;
            }
        }
    }
    a[(maxj - minj - 1) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_samples_do_not_differ() {
        let r = ks_2samp(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]).unwrap();
        assert_eq!(r.statistic, 0.0);
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn disjoint_samples_differ_fully() {
        // ks_2samp([0, 1, 2], [5, 6, 7, 8]) = (1.0, 0.05714285714285714).
        let r = ks_2samp(&[0.0, 1.0, 2.0], &[5.0, 6.0, 7.0, 8.0]).unwrap();
        assert_eq!(r.statistic, 1.0);
        assert!((r.p_value - 2.0 / 35.0).abs() < 1e-15);
        assert!(ks_2samp(&[], &[1.0]).is_none());
    }

    #[test]
    fn rounds_half_to_even() {
        assert_eq!(round_half_even(2.5), 2.0);
        assert_eq!(round_half_even(3.5), 4.0);
        assert_eq!(round_half_even(-0.5), -0.0);
        assert_eq!(round_half_even(2.4), 2.0);
    }
}
