//! Small statistics shared by the quality checks.

/// `np.percentile(values, q)` with NumPy's default linear interpolation;
/// `None` for no values. `q` is in percent.
pub fn percentile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = q / 100.0 * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    let frac = rank - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// Tukey's fences: values below `Q1 - k * IQR` or above `Q3 + k * IQR`
/// are outliers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fences {
    /// Lower fence.
    pub low: f64,
    /// Upper fence.
    pub high: f64,
    /// The interquartile range.
    pub iqr: f64,
}

impl Fences {
    /// The fences of `values` with multiplier `k` (1.5 is Tukey's), the
    /// IQR taken as at least `min_iqr` so that near-constant values do not
    /// make every small difference an outlier.
    pub fn of(values: &[f64], k: f64, min_iqr: f64) -> Option<Fences> {
        let q1 = percentile(values, 25.0)?;
        let q3 = percentile(values, 75.0)?;
        let iqr = (q3 - q1).max(min_iqr);
        Some(Fences {
            low: q1 - k * iqr,
            high: q3 + k * iqr,
            iqr,
        })
    }

    /// How far outside the fences `v` lies, in IQRs (0 inside).
    pub fn excess(&self, v: f64) -> f64 {
        let beyond = if v < self.low {
            self.low - v
        } else if v > self.high {
            v - self.high
        } else {
            return 0.0;
        };
        if self.iqr > 0.0 {
            beyond / self.iqr
        } else {
            f64::INFINITY
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 25.0), Some(1.75));
        assert_eq!(percentile(&v, 50.0), Some(2.5));
        assert_eq!(percentile(&v, 100.0), Some(4.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn fences_flag_far_values() {
        let v = [10.0, 11.0, 12.0, 13.0, 100.0];
        let f = Fences::of(&v, 1.5, 0.0).unwrap();
        let floored = Fences::of(&[1.0, 1.0, 1.0, 1.0, 1.1], 1.5, 1.0).unwrap();
        assert_eq!(floored.excess(1.1), 0.0);
        assert_eq!(f.excess(12.0), 0.0);
        assert!(f.excess(100.0) > 1.0);
    }
}
