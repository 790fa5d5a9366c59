//! Bootstrap confidence intervals for the distribution metrics, and the
//! sample-size warnings users need before trusting one.
//!
//! Each replicate resamples every set with replacement (same sizes) and
//! recomputes the metric; the interval is the percentile interval of the
//! replicates (NumPy's default linear interpolation). Replicate `r` draws
//! from its own generator seeded with `(seed, r)`, so intervals do not
//! depend on the number of threads.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::GenError;

/// How many replicates, at which confidence, from which seed.
#[derive(Debug, Clone, Copy)]
pub struct BootstrapOptions {
    /// Number of replicates (0: no interval).
    pub replicates: usize,
    /// Confidence level, e.g. 0.95.
    pub confidence: f64,
    /// Seed of the resampling.
    pub seed: u64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            replicates: 100,
            confidence: 0.95,
            seed: 0,
        }
    }
}

/// A bootstrap percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Standard deviation of the replicates (ddof 1).
    pub std: f64,
    /// Number of replicates.
    pub replicates: usize,
    /// Confidence level.
    pub confidence: f64,
}

/// Bootstraps `metric` over sets of `sizes` rows: each replicate passes one
/// resampled index list per set. `None` when `opts.replicates < 2`.
pub fn bootstrap<F>(
    sizes: &[usize],
    opts: &BootstrapOptions,
    metric: F,
) -> Result<Option<Interval>, GenError>
where
    F: Fn(&[Vec<usize>]) -> Result<f64, GenError> + Sync,
{
    if opts.replicates < 2 {
        return Ok(None);
    }
    if !(0.0 < opts.confidence && opts.confidence < 1.0) {
        return Err(GenError::Shape(format!(
            "the confidence level must be between 0 and 1, got {}",
            opts.confidence
        )));
    }
    let mut values = (0..opts.replicates)
        .into_par_iter()
        .map(|r| {
            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
            rng.set_stream(r as u64);
            let indices: Vec<Vec<usize>> = sizes
                .iter()
                .map(|&n| (0..n).map(|_| rng.random_range(0..n)).collect())
                .collect();
            metric(&indices)
        })
        .collect::<Result<Vec<f64>, GenError>>()?;
    values.sort_by(f64::total_cmp);
    let tail = (1.0 - opts.confidence) / 2.0;
    Ok(Some(Interval {
        low: percentile(&values, tail),
        high: percentile(&values, 1.0 - tail),
        std: std_dev(&values),
        replicates: values.len(),
        confidence: opts.confidence,
    }))
}

/// `np.percentile(sorted, 100 q)` with linear interpolation.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, frac) = (pos.floor() as usize, pos - pos.floor());
    match sorted.get(lo + 1) {
        Some(next) => sorted[lo] + (next - sorted[lo]) * frac,
        None => sorted[lo],
    }
}

fn std_dev(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

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
    fn percentiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert_eq!(percentile(&v, 0.025), 1.1);
        assert_eq!(percentile(&v, 1.0), 5.0);
    }

    #[test]
    fn the_interval_of_a_mean_holds_it_and_is_reproducible() {
        let values: Vec<f64> = (0..200).map(|i| f64::from(i % 17)).collect();
        let mean = |idx: &[Vec<usize>]| {
            Ok(idx[0].iter().map(|&i| values[i]).sum::<f64>() / idx[0].len() as f64)
        };
        let opts = BootstrapOptions::default();
        let a = bootstrap(&[values.len()], &opts, mean).unwrap().unwrap();
        let b = bootstrap(&[values.len()], &opts, mean).unwrap().unwrap();
        assert_eq!(a, b);
        let full = values.iter().sum::<f64>() / values.len() as f64;
        assert!(a.low < full && full < a.high, "{a:?} around {full}");
        assert!(a.std > 0.0);
    }

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
