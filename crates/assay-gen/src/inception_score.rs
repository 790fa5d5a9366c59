//! Inception Score (IS) as torch-fidelity 0.4.0 computes it.
//!
//! The input is one row of classifier logits per generated sample: the
//! `logits_unbiased` output of the FID Inception network (assay-embed's
//! `InceptionOutput::logits_unbiased`, 1008 classes), which is what
//! torch-fidelity's `isc` feature layer is.
//!
//! torch-fidelity's `isc_features_to_metric(feature, splits=10,
//! shuffle=True, rng_seed=2020)` permutes the rows with
//! `np.random.RandomState(rng_seed).permutation(N)` (NumPy's legacy
//! generator, not torch's, so [`crate::numpy_random`] reproduces it),
//! widens to `float64`, takes the softmax and log-softmax of each row, cuts
//! the rows into `splits` chunks at `i * N / splits` (integer division),
//! and scores each chunk as `exp(mean_rows(KL(p_row || mean_rows(p))))`.
//! It reports the mean and the population (`ddof = 0`) standard deviation
//! of the chunk scores.

use crate::kid::mean_and_std;
use crate::numpy_random::RandomState;
use crate::{Features, GenError};

/// The settings of [`inception_score`]; the defaults are torch-fidelity
/// 0.4.0's.
#[derive(Debug, Clone, PartialEq)]
pub struct IsOptions {
    /// How many chunks the rows are cut into (`isc_splits`, 10).
    pub splits: usize,
    /// Whether to permute the rows first (`samples_shuffle`, true).
    pub shuffle: bool,
    /// The seed of the NumPy `RandomState` permutation (`rng_seed`, 2020).
    pub seed: u32,
}

impl Default for IsOptions {
    fn default() -> IsOptions {
        IsOptions {
            splits: 10,
            shuffle: true,
            seed: 2020,
        }
    }
}

/// The Inception Score and the chunk scores it averages.
#[derive(Debug, Clone, PartialEq)]
pub struct InceptionScore {
    /// The mean chunk score (`inception_score_mean`).
    pub mean: f64,
    /// The chunk scores' population standard deviation, `ddof = 0`
    /// (`inception_score_std`).
    pub std: f64,
    /// Each chunk's score, in order.
    pub split_scores: Vec<f64>,
}

/// The Inception Score of `logits` (one row of class logits per sample;
/// see the module documentation for which logits).
///
/// Errors: `splits` is 0 ([`GenError::Shape`]), or there are fewer rows
/// than splits ([`GenError::TooFewSamples`]; torch-fidelity would average
/// an empty chunk into NaN).
pub fn inception_score(logits: &Features, options: &IsOptions) -> Result<InceptionScore, GenError> {
    let n = logits.len();
    if options.splits == 0 {
        return Err(GenError::Shape(
            "the Inception Score needs at least 1 split".into(),
        ));
    }
    if n < options.splits {
        return Err(GenError::TooFewSamples {
            metric: "the Inception Score",
            needed: options.splits,
            got: n,
            hint: format!("; use at most {n} splits"),
        });
    }
    let order: Vec<usize> = if options.shuffle {
        RandomState::new(options.seed).permutation(n)
    } else {
        (0..n).collect()
    };
    let split_scores: Vec<f64> = (0..options.splits)
        .map(|i| {
            let rows = &order[i * n / options.splits..(i + 1) * n / options.splits];
            chunk_score(logits, rows)
        })
        .collect();
    let (mean, std) = mean_and_std(&split_scores);
    Ok(InceptionScore {
        mean,
        std,
        split_scores,
    })
}

/// `exp` of the mean KL divergence of the rows' class distributions from
/// their mean.
fn chunk_score(logits: &Features, rows: &[usize]) -> f64 {
    let dists: Vec<LogSoftmax> = rows
        .iter()
        .map(|&r| LogSoftmax::of(logits.row(r)))
        .collect();
    let count = rows.len() as f64;
    let mut marginal = vec![0.0; logits.dim()];
    for dist in &dists {
        for (m, p) in marginal.iter_mut().zip(&dist.p) {
            *m += p;
        }
    }
    let log_marginal: Vec<f64> = marginal.iter().map(|m| (m / count).ln()).collect();
    let kl_sum: f64 = dists.iter().map(|d| d.kl_from(&log_marginal)).sum();
    (kl_sum / count).exp()
}

/// A row's softmax and log-softmax.
struct LogSoftmax {
    p: Vec<f64>,
    log_p: Vec<f64>,
}

impl LogSoftmax {
    fn of(row: &[f64]) -> LogSoftmax {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let shifted: Vec<f64> = row.iter().map(|v| v - max).collect();
        let exps: Vec<f64> = shifted.iter().map(|v| v.exp()).collect();
        let sum: f64 = exps.iter().sum();
        let log_sum = sum.ln();
        LogSoftmax {
            p: exps.iter().map(|e| e / sum).collect(),
            log_p: shifted.iter().map(|v| v - log_sum).collect(),
        }
    }

    /// `sum_c p_c (log p_c - log q_c)`.
    fn kl_from(&self, log_q: &[f64]) -> f64 {
        self.p
            .iter()
            .zip(&self.log_p)
            .zip(log_q)
            .map(|((p, lp), lq)| p * (lp - lq))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confident_distinct_classes_score_the_class_count() {
        // Each row puts (nearly) all mass on its own class, classes evenly
        // used: IS is the number of classes.
        let classes = 4;
        let data: Vec<f64> = (0..40)
            .flat_map(|r| (0..classes).map(move |c| if c == r % classes { 60.0 } else { 0.0 }))
            .collect();
        let logits = Features::new(data, classes).unwrap();
        let options = IsOptions {
            splits: 1,
            ..IsOptions::default()
        };
        let score = inception_score(&logits, &options).unwrap();
        assert!((score.mean - 4.0).abs() < 1e-9, "{score:?}");
        assert_eq!(score.std, 0.0);
    }

    #[test]
    fn fewer_rows_than_splits_is_an_error() {
        let logits = Features::new(vec![0.0; 12], 3).unwrap();
        let err = inception_score(&logits, &IsOptions::default()).unwrap_err();
        assert!(matches!(
            err,
            GenError::TooFewSamples {
                needed: 10,
                got: 4,
                ..
            }
        ));
    }
}
