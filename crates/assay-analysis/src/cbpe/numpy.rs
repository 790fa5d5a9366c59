//! The NumPy statistics CBPE's output depends on: the pairwise sums behind
//! `mean`, `std`, `nanmean` and `nanstd`. (Its `argsort`, whose order of
//! equal values decides which labels fall on either side of a calibration
//! bin's edge, is `assay_core::numpy_sort`.)

use assay_eval::numeric::pairwise_sum;

/// `np.mean` of a non-empty float64 array (pairwise sum over the count).
pub(crate) fn mean(values: &[f64]) -> f64 {
    pairwise_sum(values) / values.len() as f64
}

/// `np.nanmean` and `np.nanstd` (`ddof=0`) of `values`, NaN entries left
/// out as NumPy leaves them out: replaced by zero in the sums (so the
/// pairwise grouping is that of the whole array) and not counted. Both
/// are NaN when every value is NaN; without NaN they equal `np.mean` and
/// `np.std`.
pub(crate) fn nan_mean_std(values: &[f64]) -> (f64, f64) {
    let count = values.iter().filter(|v| !v.is_nan()).count();
    if count == 0 {
        return (f64::NAN, f64::NAN);
    }
    let zeroed: Vec<f64> = values
        .iter()
        .map(|&v| if v.is_nan() { 0.0 } else { v })
        .collect();
    let mean = pairwise_sum(&zeroed) / count as f64;
    let squares: Vec<f64> = values
        .iter()
        .map(|&v| {
            if v.is_nan() {
                0.0
            } else {
                let d = v - mean;
                d * d
            }
        })
        .collect();
    (mean, (pairwise_sum(&squares) / count as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_statistics_skip_nan() {
        let (m, s) = nan_mean_std(&[1.0, f64::NAN, 3.0]);
        assert_eq!(m, 2.0);
        assert_eq!(s, 1.0);
        let (m, s) = nan_mean_std(&[f64::NAN]);
        assert!(m.is_nan() && s.is_nan());
        assert_eq!(mean(&[0.5, 0.25]), 0.375);
    }
}
