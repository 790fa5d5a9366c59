//! Confidence intervals for the distribution metrics by subsampling without
//! replacement (half-samples), so that an interval describes the spread of
//! the estimator at the sample size it was computed at, and holds it.
//!
//! Why not the bootstrap: a resample drawn with replacement repeats about a
//! third of its rows, which shrinks its diversity. FID, KID and the k-NN
//! metrics (precision, recall, density, coverage) see the repeats as a
//! different distribution, so bootstrap replicates are biased (FID and KID
//! upwards) and their percentile interval mostly excludes the estimate.
//!
//! The method (Politis and Romano's subsampling, which for half-samples is
//! also the delete-d jackknife with d = n/2):
//!
//! 1. Draw `m = ⌊n/2⌋` distinct rows of each set, `draws` times, and compute
//!    the metric `θ_m` on each draw. Draw `r` comes from its own generator
//!    seeded with `(seed, r)`, so intervals do not depend on threads.
//! 2. Centre the draws on their mean: `d = θ_m − mean(θ_m)`. This drops the
//!    part of FID's (or PRDC's) bias that comes from having `m` rather
//!    than `n` rows, so the interval is about sampling variability at `n`.
//! 3. Rescale to the full sample: without replacement, a statistic whose
//!    variance is `c / n` varies over draws of `m` of `n` rows with variance
//!    `c (n − m) / (m n)`, so the spread at `n` is `d · sqrt(m / (n − m))`
//!    (exactly 1 for even `n`; with several sets, the largest factor).
//!    Where the variance falls faster than `1 / n` (FID between equal
//!    distributions), this overstates it: the interval errs wide.
//! 4. The interval is `[θ_n − q_hi, θ_n − q_lo]` with `q` the quantiles of
//!    the rescaled deviations (NumPy's linear interpolation): the
//!    distribution of `θ_n` around its mean is mimicked by that of the
//!    draws around theirs. The deviations are centred, so `q_lo ≤ 0 ≤ q_hi`
//!    for any reasonable level; to hold the estimate by construction, the
//!    bounds are in any case extended to it. Callers cut the bounds to the
//!    metric's range ([`Interval::within`]).
//!
//! It covers `E[θ_n]`, the value the estimator has on average at this
//! sample size, not the value at infinitely many samples (FID's bias at
//! small n remains, hence the sample-size warnings). The `interval_coverage`
//! example measures the coverage on Gaussian features.

use rand::{seq::index, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::GenError;

/// How many draws, at which confidence, from which seed.
#[derive(Debug, Clone, Copy)]
pub struct IntervalOptions {
    /// Number of half-samples drawn (below 2: no interval).
    pub draws: usize,
    /// Confidence level, e.g. 0.95.
    pub confidence: f64,
    /// Seed of the draws.
    pub seed: u64,
}

impl Default for IntervalOptions {
    fn default() -> Self {
        IntervalOptions {
            draws: 100,
            confidence: 0.95,
            seed: 0,
        }
    }
}

/// A confidence interval of a metric at its sample size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// The standard error at the full sample size: the standard deviation
    /// of the draws (ddof 1), rescaled as the bounds are.
    pub std: f64,
    /// Number of draws (`replicates` in runs stored before the change).
    #[serde(alias = "replicates")]
    pub draws: usize,
    /// Confidence level.
    pub confidence: f64,
    /// How the interval was computed, in words ([`method`]).
    #[serde(default = "legacy_method")]
    pub method: String,
}

impl Interval {
    /// The interval cut to the metric's range `[min, max]` (precision,
    /// recall and coverage lie in [0, 1], FID is non-negative): the mean
    /// it covers lies there too, so nothing of the coverage is lost.
    pub fn within(mut self, min: f64, max: f64) -> Interval {
        self.low = self.low.max(min).min(max);
        self.high = self.high.max(min).min(max);
        self
    }

    /// The line naming the level and method, for under a table of
    /// intervals: `95% intervals: subsampling without replacement, ...`.
    pub fn note(&self) -> String {
        format!("{:.0}% intervals: {}", self.confidence * 100.0, self.method)
    }
}

/// The method of intervals stored before this module replaced the
/// bootstrap, which have no `method` field.
fn legacy_method() -> String {
    "bootstrap percentile, resampling with replacement (biased; older run)".into()
}

/// The method in words, as every output that shows intervals names it.
pub fn method(draws: usize) -> String {
    format!("subsampling without replacement, m = n/2, {draws} draws, rescaled to n")
}

/// The interval of a metric whose value on the full sets (of `sizes` rows)
/// is `estimate`: `metric` gets one list of `⌊n/2⌋` distinct row indices
/// (ascending) per set. `None` when `opts.draws < 2`, when a set has fewer
/// than 2 rows, or when `metric` says a half-sample has too few rows
/// ([`GenError::TooFewSamples`]).
pub fn subsample_interval<F>(
    estimate: f64,
    sizes: &[usize],
    opts: &IntervalOptions,
    metric: F,
) -> Result<Option<Interval>, GenError>
where
    F: Fn(&[Vec<usize>]) -> Result<f64, GenError> + Sync,
{
    if !(0.0 < opts.confidence && opts.confidence < 1.0) {
        return Err(GenError::Shape(format!(
            "the confidence level must be between 0 and 1, got {}",
            opts.confidence
        )));
    }
    if opts.draws < 2 || sizes.iter().any(|&n| n < 2) || !estimate.is_finite() {
        return Ok(None);
    }
    let drawn = (0..opts.draws)
        .into_par_iter()
        .map(|r| {
            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
            rng.set_stream(r as u64);
            let indices: Vec<Vec<usize>> = sizes
                .iter()
                .map(|&n| {
                    let mut rows = index::sample(&mut rng, n, n / 2).into_vec();
                    rows.sort_unstable();
                    rows
                })
                .collect();
            metric(&indices)
        })
        .collect::<Result<Vec<f64>, GenError>>();
    let mut values = match drawn {
        Ok(values) => values,
        Err(GenError::TooFewSamples { .. }) => return Ok(None),
        Err(err) => return Err(err),
    };
    if values.iter().any(|v| !v.is_finite()) {
        return Ok(None);
    }
    let scale = sizes
        .iter()
        .map(|&n| ((n / 2) as f64 / (n - n / 2) as f64).sqrt())
        .fold(0.0, f64::max);
    values.sort_by(f64::total_cmp);
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let tail = (1.0 - opts.confidence) / 2.0;
    let q_lo = (percentile(&values, tail) - mean) * scale;
    let q_hi = (percentile(&values, 1.0 - tail) - mean) * scale;
    Ok(Some(Interval {
        low: (estimate - q_hi).min(estimate),
        high: (estimate - q_lo).max(estimate),
        std: std_dev(&values, mean) * scale,
        draws: values.len(),
        confidence: opts.confidence,
        method: method(values.len()),
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

fn std_dev(values: &[f64], mean: f64) -> f64 {
    let n = values.len() as f64;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
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

    fn mean_of(values: &[f64], idx: &[usize]) -> f64 {
        idx.iter().map(|&i| values[i]).sum::<f64>() / idx.len() as f64
    }

    #[test]
    fn the_interval_of_a_mean_holds_it_is_reproducible_and_names_its_method() {
        let values: Vec<f64> = (0..200).map(|i| f64::from(i % 17)).collect();
        let full = mean_of(&values, &(0..200).collect::<Vec<_>>());
        let mean = |idx: &[Vec<usize>]| Ok(mean_of(&values, &idx[0]));
        let opts = IntervalOptions::default();
        let a = subsample_interval(full, &[200], &opts, mean)
            .unwrap()
            .unwrap();
        let b = subsample_interval(full, &[200], &opts, mean)
            .unwrap()
            .unwrap();
        assert_eq!(a, b);
        assert!(a.low < full && full < a.high, "{a:?} around {full}");
        // The standard error of a mean of 200 values, within the noise of
        // 100 draws.
        let sd = (values.iter().map(|v| (v - full).powi(2)).sum::<f64>() / 199.0).sqrt();
        let se = sd / 200f64.sqrt();
        assert!((a.std / se - 1.0).abs() < 0.2, "{} vs {se}", a.std);
        assert_eq!(a.draws, 100);
        assert!(a.method.contains("without replacement") && a.method.contains("100 draws"));
        assert!(a.note().starts_with("95% intervals: subsampling"));
        let cut = a.clone().within(a.low + 0.01, 100.0);
        assert_eq!((cut.low, cut.high), (a.low + 0.01, a.high));
    }

    #[test]
    fn half_samples_hold_distinct_rows_of_each_set() {
        let seen = std::sync::Mutex::new(Vec::new());
        subsample_interval(1.0, &[10, 7], &IntervalOptions::default(), |idx| {
            seen.lock().unwrap().push(idx.to_vec());
            Ok(1.0)
        })
        .unwrap()
        .unwrap();
        for idx in seen.into_inner().unwrap() {
            assert_eq!(idx[0].len(), 5);
            assert_eq!(idx[1].len(), 3);
            for (set, n) in idx.iter().zip([10, 7]) {
                assert!(set.windows(2).all(|w| w[0] < w[1]) && set.iter().all(|&i| i < n));
            }
        }
    }

    #[test]
    fn a_biased_estimator_is_inside_its_interval() {
        // A statistic biased by 1/m at size m: the draws all lie above the
        // estimate, which the bootstrap's percentile interval would exclude.
        let values: Vec<f64> = (0..100).map(|i| f64::from(i % 7)).collect();
        let biased = |idx: &[usize]| mean_of(&values, idx) + 100.0 / idx.len() as f64;
        let full = biased(&(0..100).collect::<Vec<_>>());
        let i = subsample_interval(full, &[100], &IntervalOptions::default(), |idx| {
            Ok(biased(&idx[0]))
        })
        .unwrap()
        .unwrap();
        assert!(i.low <= full && full <= i.high, "{i:?} around {full}");
    }

    #[test]
    fn too_few_rows_give_no_interval_and_bad_levels_an_error() {
        let opts = IntervalOptions::default();
        let few = |_: &[Vec<usize>]| -> Result<f64, GenError> {
            Err(GenError::TooFewSamples {
                metric: "test",
                needed: 6,
                got: 5,
                hint: String::new(),
            })
        };
        assert!(subsample_interval(1.0, &[10], &opts, few)
            .unwrap()
            .is_none());
        assert!(subsample_interval(1.0, &[1], &opts, |_| Ok(1.0))
            .unwrap()
            .is_none());
        let bad = IntervalOptions {
            confidence: 1.5,
            ..opts
        };
        assert!(subsample_interval(1.0, &[10], &bad, |_| Ok(1.0)).is_err());
    }

    #[test]
    fn older_runs_read_as_bootstrap_intervals() {
        let old = r#"{"low": 1.0, "high": 2.0, "std": 0.1, "replicates": 20, "confidence": 0.95}"#;
        let i: Interval = serde_json::from_str(old).unwrap();
        assert_eq!(i.draws, 20);
        assert!(i.method.contains("with replacement"));
    }
}
