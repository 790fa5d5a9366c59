//! The percentile interval and the two-sided p-value of a bootstrap
//! distribution of differences.

/// `np.percentile(values, 100 * q)` with NumPy's default (`linear`)
/// method, on values sorted ascending; `None` when there are none.
pub(crate) fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * q;
    let below = (h.floor().max(0.0) as usize).min(n - 1);
    let above = (below + 1).min(n - 1);
    let (a, b, t) = (sorted[below], sorted[above], h - below as f64);
    // NumPy's `_lerp`, which interpolates from the nearer end.
    let step = b - a;
    Some(if t >= 0.5 {
        b - step * (1.0 - t)
    } else {
        a + step * t
    })
}

/// The two-sided bootstrap p-value of "no difference":
/// `min(1, 2 * min(1 + #{d <= 0}, 1 + #{d >= 0}) / (1 + n))` over the `n`
/// resampled differences `d`; `None` when there are none.
pub(crate) fn p_value(differences: &[f64]) -> Option<f64> {
    if differences.is_empty() {
        return None;
    }
    let at_most = differences.iter().filter(|&&d| d <= 0.0).count();
    let at_least = differences.iter().filter(|&&d| d >= 0.0).count();
    let tail = (at_most.min(at_least) + 1) as f64 / (differences.len() + 1) as f64;
    Some((2.0 * tail).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_numpys_linear() {
        let v = [1.0, 2.0, 4.0, 8.0];
        // np.percentile([1, 2, 4, 8], [0, 2.5, 50, 97.5, 100])
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&v, 0.5), Some(3.0));
        assert_eq!(percentile(&v, 1.0), Some(8.0));
        assert!((percentile(&v, 0.025).unwrap() - 1.075).abs() < 1e-15);
        assert!((percentile(&v, 0.975).unwrap() - 7.7).abs() < 1e-15);
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[5.0], 0.975), Some(5.0));
    }

    #[test]
    fn p_value_counts_both_tails_with_the_plus_one() {
        // All 9 differences positive: (0 + 1) / 10, doubled.
        assert_eq!(p_value(&[1.0; 9]), Some(0.2));
        // Zeros count on both sides.
        assert_eq!(p_value(&[0.0; 9]), Some(1.0));
        assert_eq!(p_value(&[-1.0, 1.0, 2.0, 3.0]), Some(0.8));
        assert_eq!(p_value(&[]), None);
    }
}
