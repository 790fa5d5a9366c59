//! Multiple-testing correction of p-values: Benjamini and Hochberg's false
//! discovery rate, as statsmodels 0.15's `multipletests(p,
//! method="fdr_bh")` adjusts them.

/// Why p-values cannot be adjusted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MultipleTestingError {
    /// A p-value that is NaN or outside `[0, 1]`.
    #[error("p-value {index} is {value}; expected a number in [0, 1]")]
    BadPValue {
        /// Its position.
        index: usize,
        /// The value.
        value: f64,
    },
}

/// Benjamini-Hochberg adjusted p-values, in the input's order:
/// sorted ascending, `p_(i) / (i / m)`, the running minimum from the
/// largest down, capped at 1 (statsmodels' `fdrcorrection`, operation for
/// operation, so the results agree to the last bit).
pub fn benjamini_hochberg(p_values: &[f64]) -> Result<Vec<f64>, MultipleTestingError> {
    if let Some(index) = p_values.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(MultipleTestingError::BadPValue {
            index,
            value: p_values[index],
        });
    }
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![0.0; m];
    let mut running = f64::INFINITY;
    for (rank, &i) in order.iter().enumerate().rev() {
        // `_ecdf`: np.arange(1, m + 1) / float(m).
        let ecdf = (rank + 1) as f64 / m as f64;
        running = running.min(p_values[i] / ecdf);
        adjusted[i] = running.min(1.0);
    }
    Ok(adjusted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjusts_in_input_order() {
        let a = benjamini_hochberg(&[0.04, 0.01, 0.03, 0.5]).unwrap();
        let want = [0.04 / 0.75, 0.01 / 0.25, 0.03 / 0.5, 0.5];
        // Step-up: 0.04 and 0.03 share the minimum from above.
        assert_eq!(a[1], want[1]);
        assert_eq!(a[0], want[0]);
        assert_eq!(a[2], want[0].min(want[2]));
        assert_eq!(a[3], 0.5);
        assert_eq!(benjamini_hochberg(&[]).unwrap(), Vec::<f64>::new());
    }

    #[test]
    fn rejects_nan_and_out_of_range() {
        assert!(benjamini_hochberg(&[0.1, f64::NAN]).is_err());
        assert!(benjamini_hochberg(&[1.5]).is_err());
    }
}
