//! A slice against the rest of the data: the difference of their error
//! rates (or mean errors), a 95% interval for it and a two-sided p-value.
//!
//! - Errors all 0 or 1 ([`Method::Proportions`]): the interval is
//!   Newcombe's hybrid score interval (his method 10: Wilson intervals of
//!   each rate combined), as statsmodels 0.15's
//!   `confint_proportions_2indep(compare="diff", method="newcomb")`; the
//!   p-value is the pooled two-proportion z-test, statsmodels'
//!   `proportions_ztest([c1, c2], [n1, n2])`. When both groups are all 0
//!   or all 1 (no variance), statsmodels' p-value is NaN; here it is 1.
//! - Other errors ([`Method::Means`]): the normal interval
//!   `d ± z * sqrt(v1 / n1 + v2 / n2)` (sample variances, ddof 1) and
//!   Welch's t-test, SciPy's `ttest_ind(slice, rest, equal_var=False)`;
//!   each group needs two rows. With no variance in either group the
//!   p-value is 1 when the means are equal, else 0.
//!
//! Means and variances are NumPy's (pairwise sums); `z` is
//! `norm.isf(0.025)`.

use assay_eval::numeric::pairwise_sum;
use serde::Serialize;

use crate::special::{normal_sf, student_t_sf};

/// `scipy.stats.norm.isf(0.025)`.
pub const Z_975: f64 = 1.959_963_984_540_054_5;

/// How the slice was compared with the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// Error rates of 0/1 errors: Newcombe's interval, pooled z-test.
    Proportions,
    /// Mean errors: normal interval, Welch's t-test.
    Means,
}

/// A slice compared with the rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SliceComparison {
    /// The method used.
    pub method: Method,
    /// Rows in the slice.
    pub size: usize,
    /// Rows outside it.
    pub rest_size: usize,
    /// Error rate (mean error) in the slice.
    pub slice_error: f64,
    /// Error rate (mean error) outside it.
    pub rest_error: f64,
    /// `slice_error - rest_error`.
    pub difference: f64,
    /// Lower end of the 95% interval of the difference.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Two-sided p-value of "no difference".
    pub p_value: f64,
}

/// Why a slice cannot be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SliceStatsError {
    /// Mask and errors of different lengths.
    #[error("{mask} mask entries for {errors} errors; expected one per row")]
    Lengths {
        /// Mask length.
        mask: usize,
        /// Number of errors.
        errors: usize,
    },
    /// A row index past the end.
    #[error("row {row} is out of range for {n} rows")]
    Row {
        /// The row.
        row: usize,
        /// Rows in all.
        n: usize,
    },
    /// An error that is NaN or infinite.
    #[error("error of row {0} is not a finite number")]
    NotFinite(usize),
    /// A group too small for the method.
    #[error("slice has {size} rows and the rest {rest}; expected at least {need} in each")]
    TooFew {
        /// Slice rows.
        size: usize,
        /// Other rows.
        rest: usize,
        /// The minimum.
        need: usize,
    },
}

/// Compares the rows of a slice (listed, in any order, repeats ignored)
/// with the other rows.
pub fn compare_rows(errors: &[f64], rows: &[usize]) -> Result<SliceComparison, SliceStatsError> {
    let mut mask = vec![false; errors.len()];
    for &row in rows {
        *mask.get_mut(row).ok_or(SliceStatsError::Row {
            row,
            n: errors.len(),
        })? = true;
    }
    compare_mask(errors, &mask)
}

/// Compares the rows where `in_slice` is true with the others.
pub fn compare_mask(errors: &[f64], in_slice: &[bool]) -> Result<SliceComparison, SliceStatsError> {
    if in_slice.len() != errors.len() {
        return Err(SliceStatsError::Lengths {
            mask: in_slice.len(),
            errors: errors.len(),
        });
    }
    if let Some(i) = errors.iter().position(|e| !e.is_finite()) {
        return Err(SliceStatsError::NotFinite(i));
    }
    let (inside, outside): (Vec<f64>, Vec<f64>) = {
        let mut a = Vec::new();
        let mut b = Vec::new();
        for (&e, &m) in errors.iter().zip(in_slice) {
            if m {
                a.push(e)
            } else {
                b.push(e)
            }
        }
        (a, b)
    };
    if errors.iter().all(|&e| e == 0.0 || e == 1.0) {
        if inside.is_empty() || outside.is_empty() {
            return Err(SliceStatsError::TooFew {
                size: inside.len(),
                rest: outside.len(),
                need: 1,
            });
        }
        let c1 = inside.iter().filter(|&&e| e == 1.0).count();
        let c2 = outside.iter().filter(|&&e| e == 1.0).count();
        Ok(proportions(c1, inside.len(), c2, outside.len()))
    } else {
        if inside.len() < 2 || outside.len() < 2 {
            return Err(SliceStatsError::TooFew {
                size: inside.len(),
                rest: outside.len(),
                need: 2,
            });
        }
        Ok(means(&inside, &outside))
    }
}

/// statsmodels' Wilson interval (`proportion_confint(method="wilson")`).
fn wilson(count: f64, nobs: f64) -> (f64, f64) {
    let q = count / nobs;
    let crit2 = Z_975 * Z_975;
    let denom = 1.0 + crit2 / nobs;
    let center = (q + crit2 / (2.0 * nobs)) / denom;
    let dist = Z_975 * (q * (1.0 - q) / nobs + crit2 / (4.0 * nobs * nobs)).sqrt() / denom;
    (
        (center - dist).clamp(0.0, 1.0),
        (center + dist).clamp(0.0, 1.0),
    )
}

/// Newcombe's interval and the pooled z-test for two proportions.
pub fn proportions(count1: usize, nobs1: usize, count2: usize, nobs2: usize) -> SliceComparison {
    let (c1, n1, c2, n2) = (count1 as f64, nobs1 as f64, count2 as f64, nobs2 as f64);
    let (p1, p2) = (c1 / n1, c2 / n2);
    let diff = p1 - p2;
    let (low1, upp1) = wilson(c1, n1);
    let (low2, upp2) = wilson(c2, n2);
    let d_low = ((p1 - low1).powi(2) + (upp2 - p2).powi(2)).sqrt();
    let d_upp = ((p2 - low2).powi(2) + (upp1 - p1).powi(2)).sqrt();
    let pooled = (c1 + c2) / (n1 + n2);
    let std = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    let p_value = if std > 0.0 {
        normal_sf((diff / std).abs()) * 2.0
    } else {
        1.0
    };
    SliceComparison {
        method: Method::Proportions,
        size: nobs1,
        rest_size: nobs2,
        slice_error: p1,
        rest_error: p2,
        difference: diff,
        ci_low: diff - d_low,
        ci_high: diff + d_upp,
        p_value,
    }
}

/// NumPy's mean and sample variance (ddof 1).
fn mean_var(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = pairwise_sum(v) / n;
    let dev: Vec<f64> = v.iter().map(|x| (x - mean) * (x - mean)).collect();
    (mean, pairwise_sum(&dev) / (n - 1.0))
}

/// The normal interval and Welch's t-test for two means.
pub fn means(slice: &[f64], rest: &[f64]) -> SliceComparison {
    let (m1, v1) = mean_var(slice);
    let (m2, v2) = mean_var(rest);
    let (n1, n2) = (slice.len() as f64, rest.len() as f64);
    let diff = m1 - m2;
    let (a, b) = (v1 / n1, v2 / n2);
    let se = (a + b).sqrt();
    let p_value = if se > 0.0 {
        let df = (a + b) * (a + b) / (a * a / (n1 - 1.0) + b * b / (n2 - 1.0));
        2.0 * student_t_sf((diff / se).abs(), df)
    } else if diff == 0.0 {
        1.0
    } else {
        0.0
    };
    SliceComparison {
        method: Method::Means,
        size: slice.len(),
        rest_size: rest.len(),
        slice_error: m1,
        rest_error: m2,
        difference: diff,
        ci_low: diff - Z_975 * se,
        ci_high: diff + Z_975 * se,
        p_value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_errors_use_proportions() {
        let errors = [1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        let mask = [
            true, true, true, true, false, false, false, false, false, false,
        ];
        let c = compare_mask(&errors, &mask).unwrap();
        assert_eq!(c.method, Method::Proportions);
        assert_eq!((c.size, c.rest_size), (4, 6));
        assert_eq!(c.difference, 0.75 - 1.0 / 6.0);
        assert!(c.ci_low < c.difference && c.difference < c.ci_high);
        assert!(c.p_value > 0.0 && c.p_value < 1.0);
        let same = compare_rows(&errors, &[1, 3, 0, 2, 2]).unwrap();
        assert_eq!(same, c);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(
            compare_mask(&[1.0], &[]),
            Err(SliceStatsError::Lengths { .. })
        ));
        assert!(matches!(
            compare_rows(&[1.0], &[3]),
            Err(SliceStatsError::Row { .. })
        ));
        assert!(matches!(
            compare_mask(&[0.5, 0.2, 0.1], &[true, false, false]),
            Err(SliceStatsError::TooFew { need: 2, .. })
        ));
    }
}
