//! The sample-size warnings users need before trusting or comparing a
//! distribution metric.

/// The warning for KID computed on subsets of `subset_size` rows (the
/// subset size used, after clamping to the sets' sizes), when it is under
/// torch-fidelity's 1,000.
pub fn kid_subset_warning(subset_size: usize) -> Option<String> {
    (subset_size < 1000).then(|| {
        format!(
            "KID subsets of {subset_size} samples (fewer than the usual 1,000) give wide intervals"
        )
    })
}

/// Warnings about sample sizes too small for `metric` to be trusted or
/// compared, given `n_real`, `n_fake` and the feature dimension (KID's
/// is [`kid_subset_warning`], about the subset size).
pub fn sample_size_warnings(metric: &str, n_real: usize, n_fake: usize, dim: usize) -> Vec<String> {
    let n = n_real.min(n_fake);
    let mut warnings = Vec::new();
    match metric {
        "fid" | "fd" => {
            if n <= dim {
                warnings.push(format!(
                    "{n} samples for {dim}-dimensional features: the covariance is rank-deficient, \
                     so the Fréchet distance is dominated by sampling noise; use more than {dim} samples"
                ));
            }
            if n < 10_000 {
                warnings.push(format!(
                    "the Fréchet distance is biased upwards at small n (here {n}; 10,000 or more \
                     is the convention, 50,000 for published FID): compare models only at equal n"
                ));
            }
        }
        "is" if n_fake < 5000 => warnings.push(format!(
            "the Inception Score of {n_fake} images is biased low (5,000 or more per split set is usual)"
        )),
        "prdc" if n < 1000 => warnings.push(format!(
            "precision, recall, density and coverage of {n} samples are noisy (the papers use 10,000)"
        )),
        _ => {}
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_fid_sets_are_warned_about() {
        assert_eq!(sample_size_warnings("fid", 100, 100, 2048).len(), 2);
        assert!(sample_size_warnings("fid", 50_000, 50_000, 2048).is_empty());
        assert!(sample_size_warnings("kid", 10, 10, 2048).is_empty());
        assert!(kid_subset_warning(100)
            .unwrap()
            .contains("subsets of 100 samples"));
        assert!(kid_subset_warning(1000).is_none());
    }
}
