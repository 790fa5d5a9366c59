//! The per-column statistics, each as Evidently 0.7.23's stattest of the
//! same name computes it on two pandas Series (NaN and infinities already
//! dropped), over samples sorted ascending:
//!
//! - `wasserstein`: `scipy.stats.wasserstein_distance(ref, cur)` divided
//!   by `max(np.std(ref), 0.001)` (population deviation, ddof 0);
//! - `jensenshannon`: `scipy.spatial.distance.jensenshannon` (natural
//!   log) of the proportions from `get_binned_data` without zero filling;
//! - `psi`: `Σ (r - c) ln(r / c)` over `get_binned_data` with its zero
//!   filling; other common PSI definitions are in [`PsiDefinition`];
//! - `chisquare`: `scipy.stats.chisquare(f_obs=current counts,
//!   f_exp=reference counts × n_cur / n_ref)` over the union of values;
//! - `z`: the two-proportion z-test on "is not the smallest value";
//! - Cramér's V of the 2 × k table (sample × value), as
//!   `scipy.stats.contingency.association(method="cramer")`.

use assay_eval::numeric::pairwise_sum;

use super::binning::{evidently_binned, n_unique, union_counts};
use crate::special::{chi2_sf, normal_two_sided};

/// Which PSI to compute.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "definition")]
pub enum PsiDefinition {
    /// Evidently's `psi` stattest (the default): Sturges bins over both
    /// samples for numeric columns with more than 20 distinct reference
    /// values, else one bin per value; an empty bin gets
    /// `min(non-zero) / 1e6` when the smallest non-zero share is at most
    /// 1e-4, else 1e-4; `PSI = Σ (r - c) ln(r / c)`.
    Evidently,
    /// The credit-scoring form: `bins` bins at the reference's quantiles
    /// (NumPy's linear interpolation; repeated edges merged; the outer
    /// bins open to ±∞ so every current value lands), each share floored
    /// at `epsilon`, `PSI = Σ (c - r) ln(c / r)`. Common choices: 10 bins,
    /// epsilon 1e-4.
    ReferenceQuantiles {
        /// Number of quantile bins.
        bins: usize,
        /// The floor for empty shares.
        epsilon: f64,
    },
    /// As [`PsiDefinition::ReferenceQuantiles`] but with `bins` equal-width
    /// bins over the reference's range (outer bins open).
    ReferenceEqualWidth {
        /// Number of bins.
        bins: usize,
        /// The floor for empty shares.
        epsilon: f64,
    },
}

impl PsiDefinition {
    /// A short name for reports.
    pub fn name(&self) -> String {
        match self {
            PsiDefinition::Evidently => "psi (evidently)".to_string(),
            PsiDefinition::ReferenceQuantiles { bins, epsilon } => {
                format!("psi (reference quantiles, {bins} bins, epsilon {epsilon})")
            }
            PsiDefinition::ReferenceEqualWidth { bins, epsilon } => {
                format!("psi (reference equal width, {bins} bins, epsilon {epsilon})")
            }
        }
    }
}

/// A sum with Neumaier's compensation.
fn compensated_sum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut c) = (0.0f64, 0.0f64);
    for v in values {
        let t = sum + v;
        if sum.abs() >= v.abs() {
            c += (sum - t) + v;
        } else {
            c += (v - t) + sum;
        }
        sum = t;
    }
    sum + c
}

/// `scipy.stats.wasserstein_distance(a, b)` of two sorted samples:
/// `Σ |U(v_k) - V(v_k)| (v_{k+1} - v_k)` over the distinct values.
pub fn wasserstein_distance(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let next = |i: usize, j: usize| match (a.get(i), b.get(j)) {
        (Some(&x), Some(&y)) => Some(x.min(y)),
        (Some(&x), None) => Some(x),
        (None, Some(&y)) => Some(y),
        (None, None) => None,
    };
    let (mut sum, mut comp) = (0.0f64, 0.0f64);
    let mut current = next(0, 0);
    while let Some(v) = current {
        while i < a.len() && a[i] == v {
            i += 1;
        }
        while j < b.len() && b[j] == v {
            j += 1;
        }
        current = next(i, j);
        if let Some(w) = current {
            let term = (i as f64 / n1 - j as f64 / n2).abs() * (w - v);
            // Neumaier's compensated sum.
            let t = sum + term;
            comp += if sum.abs() >= term.abs() {
                (sum - t) + term
            } else {
                (term - t) + sum
            };
            sum = t;
        }
    }
    sum + comp
}

/// `np.std(x)` (ddof 0), two passes.
pub fn population_std(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean = pairwise_sum(x) / n;
    let sq: Vec<f64> = x.iter().map(|v| (mean - v) * (mean - v)).collect();
    (pairwise_sum(&sq) / n).sqrt()
}

/// Evidently's `wasserstein`: the distance over `max(std(ref), 0.001)`.
pub fn wasserstein_normed(reference: &[f64], current: &[f64]) -> f64 {
    let norm = population_std(reference).max(0.001);
    wasserstein_distance(reference, current) / norm
}

/// `scipy.spatial.distance.jensenshannon(p, q)` (natural log).
pub fn jensenshannon(p: &[f64], q: &[f64]) -> f64 {
    let sp = pairwise_sum(p);
    let sq = pairwise_sum(q);
    let p: Vec<f64> = p.iter().map(|v| v / sp).collect();
    let q: Vec<f64> = q.iter().map(|v| v / sq).collect();
    let m: Vec<f64> = p.iter().zip(&q).map(|(a, b)| (a + b) / 2.0).collect();
    let left: Vec<f64> = p.iter().zip(&m).map(|(&x, &y)| rel_entr(x, y)).collect();
    let right: Vec<f64> = q.iter().zip(&m).map(|(&x, &y)| rel_entr(x, y)).collect();
    let js = pairwise_sum(&left) + pairwise_sum(&right);
    (js / 2.0).sqrt()
}

/// `scipy.special.rel_entr`.
fn rel_entr(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

/// Evidently's `jensenshannon` stattest.
pub fn jensenshannon_evidently(
    reference: &[f64],
    current: &[f64],
    numeric: bool,
    integer: bool,
) -> f64 {
    let (r, c) = evidently_binned(reference, current, numeric, integer, false);
    jensenshannon(&r, &c)
}

/// PSI by the chosen definition.
pub fn psi(
    reference: &[f64],
    current: &[f64],
    numeric: bool,
    integer: bool,
    definition: PsiDefinition,
) -> f64 {
    if reference.is_empty() || current.is_empty() {
        return f64::NAN;
    }
    match definition {
        PsiDefinition::Evidently => {
            let (r, c) = evidently_binned(reference, current, numeric, integer, true);
            let terms: Vec<f64> = r
                .iter()
                .zip(&c)
                .map(|(r, c)| (r - c) * (r / c).ln())
                .collect();
            pairwise_sum(&terms)
        }
        PsiDefinition::ReferenceQuantiles { bins, epsilon } => {
            let bins = bins.max(1);
            let inner: Vec<f64> = (1..bins)
                .map(|k| quantile_sorted(reference, k as f64 / bins as f64))
                .collect();
            floored_psi(reference, current, inner, epsilon)
        }
        PsiDefinition::ReferenceEqualWidth { bins, epsilon } => {
            let bins = bins.max(1);
            let (lo, hi) = (reference[0], reference[reference.len() - 1]);
            let inner: Vec<f64> = (1..bins)
                .map(|k| lo + (hi - lo) * k as f64 / bins as f64)
                .collect();
            floored_psi(reference, current, inner, epsilon)
        }
    }
}

/// `np.quantile(sorted, q)` (linear interpolation).
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// Shares per bin between the (deduplicated) inner edges, bins `[e_k,
/// e_{k+1})`, outer bins open; each share floored at `epsilon`;
/// `Σ (c - r) ln(c / r)`.
fn floored_psi(reference: &[f64], current: &[f64], mut inner: Vec<f64>, epsilon: f64) -> f64 {
    inner.dedup();
    let shares = |s: &[f64]| -> Vec<f64> {
        let mut cuts: Vec<usize> = vec![0];
        cuts.extend(inner.iter().map(|&e| s.partition_point(|&v| v < e)));
        cuts.push(s.len());
        cuts.windows(2)
            .map(|w| ((w[1] - w[0]) as f64 / s.len() as f64).max(epsilon))
            .collect()
    };
    let r = shares(reference);
    let c = shares(current);
    compensated_sum(r.iter().zip(&c).map(|(r, c)| (c - r) * (c / r).ln()))
}

/// A test's statistic and p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestOutcome {
    /// The statistic (chi², z).
    pub statistic: f64,
    /// Its p-value.
    pub p_value: f64,
}

/// Evidently's `chisquare` stattest: `scipy.stats.chisquare` of the
/// current counts against the reference counts scaled to the current
/// size, over every value either sample holds (`k - 1` degrees of
/// freedom). A value only the current sample holds makes the statistic
/// infinite and the p-value 0, as SciPy does.
pub fn chisquare(reference: &[f64], current: &[f64]) -> TestOutcome {
    if reference.is_empty() || current.is_empty() {
        return TestOutcome {
            statistic: f64::NAN,
            p_value: f64::NAN,
        };
    }
    let (_, r, c) = union_counts(reference, current);
    chisquare_counts(&r, &c)
}

/// [`chisquare`] from the counts of each value (aligned: the same value
/// at the same position; a value either sample holds), so large samples
/// need not be listed value by value.
pub fn chisquare_counts(r: &[u64], c: &[u64]) -> TestOutcome {
    let (n_r, n_c): (u64, u64) = (r.iter().sum(), c.iter().sum());
    if n_r == 0 || n_c == 0 {
        return TestOutcome {
            statistic: f64::NAN,
            p_value: f64::NAN,
        };
    }
    let k_norm = n_c as f64 / n_r as f64;
    let terms: Vec<f64> = r
        .iter()
        .zip(c)
        .map(|(&r, &c)| {
            let e = r as f64 * k_norm;
            let d = c as f64 - e;
            d * d / e
        })
        .collect();
    let statistic = pairwise_sum(&terms);
    let p_value = if r.len() < 2 {
        // SciPy's chi2 with 0 degrees of freedom: all mass at 0.
        if statistic > 0.0 {
            0.0
        } else {
            f64::NAN
        }
    } else {
        chi2_sf(statistic, (r.len() - 1) as f64)
    };
    TestOutcome { statistic, p_value }
}

/// Evidently's `z` stattest: a two-proportion z-test of "differs from the
/// smallest value" between the samples; 1 when both are the same
/// constant.
pub fn z_test(reference: &[f64], current: &[f64]) -> TestOutcome {
    if reference.is_empty() || current.is_empty() {
        return TestOutcome {
            statistic: f64::NAN,
            p_value: f64::NAN,
        };
    }
    if n_unique(reference) == 1 && n_unique(current) == 1 && reference[0] == current[0] {
        return TestOutcome {
            statistic: 0.0,
            p_value: 1.0,
        };
    }
    let key = reference[0].min(current[0]);
    let (n1, n2) = (reference.len() as f64, current.len() as f64);
    let s1 = reference.iter().filter(|&&v| v != key).count() as f64;
    let s2 = current.iter().filter(|&&v| v != key).count() as f64;
    let p1 = s1 / n1;
    let p2 = s2 / n2;
    let p = (p1 * n1 + p2 * n2) / (n1 + n2);
    let z = (p1 - p2) / (p * (1.0 - p) * (1.0 / n1 + 1.0 / n2)).sqrt();
    TestOutcome {
        statistic: z,
        p_value: normal_two_sided(z),
    }
}

/// Cramér's V of the 2 × k contingency table (sample × value): `sqrt(χ² /
/// N / min(1, k - 1))` with Pearson's χ² uncorrected; `None` when both
/// samples hold one value only.
pub fn cramers_v(reference: &[f64], current: &[f64]) -> Option<f64> {
    let (_, r, c) = union_counts(reference, current);
    if r.len() < 2 {
        return None;
    }
    let (nr, nc) = (reference.len() as f64, current.len() as f64);
    let n = nr + nc;
    let mut terms = Vec::with_capacity(2 * r.len());
    for (&a, &b) in r.iter().zip(&c) {
        let col = (a + b) as f64;
        for (obs, row) in [(a as f64, nr), (b as f64, nc)] {
            let e = row * col / n;
            terms.push((obs - e) * (obs - e) / e);
        }
    }
    let chi2 = pairwise_sum(&terms);
    Some((chi2 / n).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasserstein_of_shifted_points() {
        // scipy.stats.wasserstein_distance([0, 1, 3], [5, 6, 8]) = 5.0.
        assert!((wasserstein_distance(&[0.0, 1.0, 3.0], &[5.0, 6.0, 8.0]) - 5.0).abs() < 1e-15);
        // A constant reference divides by 0.001.
        let w = wasserstein_normed(&[1.0, 1.0], &[2.0, 2.0]);
        assert!((w - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn jensenshannon_of_disjoint_distributions_is_sqrt_ln2() {
        let js = jensenshannon(&[1.0, 0.0], &[0.0, 1.0]);
        assert!((js - std::f64::consts::LN_2.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn chisquare_of_equal_samples_is_zero() {
        let t = chisquare(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]);
        assert_eq!(t.statistic, 0.0);
        assert!((t.p_value - 1.0).abs() < 1e-15);
        let u = chisquare(&[1.0, 2.0, 2.0], &[1.0, 2.0, 3.0]);
        assert!(u.statistic.is_infinite());
        assert_eq!(u.p_value, 0.0);
    }

    #[test]
    fn cramers_v_of_separated_samples_is_one() {
        let v = cramers_v(&[0.0, 0.0], &[1.0, 1.0]).unwrap();
        assert!((v - 1.0).abs() < 1e-15);
        assert!(cramers_v(&[0.0], &[0.0]).is_none());
    }

    #[test]
    fn psi_definitions_agree_on_zero_for_equal_samples() {
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        for d in [
            PsiDefinition::Evidently,
            PsiDefinition::ReferenceQuantiles {
                bins: 10,
                epsilon: 1e-4,
            },
            PsiDefinition::ReferenceEqualWidth {
                bins: 10,
                epsilon: 1e-4,
            },
        ] {
            assert!(psi(&x, &x, true, false, d).abs() < 1e-15, "{}", d.name());
        }
        // Half the current mass moved out of the reference range.
        let y: Vec<f64> = (50..150).map(f64::from).collect();
        let q = psi(
            &x,
            &y,
            true,
            false,
            PsiDefinition::ReferenceQuantiles {
                bins: 10,
                epsilon: 1e-4,
            },
        );
        assert!(q > 1.0);
    }
}
