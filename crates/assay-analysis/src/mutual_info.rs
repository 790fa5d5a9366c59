//! Mutual information between a continuous property and a continuous
//! outcome, estimated as scikit-learn 1.9's `mutual_info_regression` does
//! for one continuous feature (Kraskov, Stögbauer and Grassberger's first
//! estimator):
//!
//! 1. both variables are divided by their standard deviation (ddof 0; a
//!    zero deviation divides by 1), and small noise is added to break ties:
//!    `1e-10 * max(1, mean |v|) * N(0, 1)`, drawn from NumPy's legacy
//!    `RandomState(seed)`, the feature's `n` values first, then the
//!    target's;
//! 2. for each point, the distance `r` to its `k`-th nearest neighbour in
//!    the joint space (Chebyshev metric, itself excluded);
//! 3. `n_x`, `n_y`: the other points strictly closer than `r` in each
//!    variable alone;
//! 4. `MI = ψ(n) + ψ(k) - <ψ(n_x + 1)> - <ψ(n_y + 1)>`, at least 0.
//!
//! Means and deviations are NumPy's (pairwise summation).

use assay_eval::numeric::pairwise_sum;
use assay_gen::numpy_random::RandomState;

/// Why the estimate cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MutualInfoError {
    /// The two variables have different lengths.
    #[error("{x} values of the property but {y} of the outcome; expected one of each per item")]
    Lengths {
        /// Length of the property.
        x: usize,
        /// Length of the outcome.
        y: usize,
    },
    /// Not more items than neighbours.
    #[error("{n} items are too few for {k} neighbours; need at least {}", k + 1)]
    TooFew {
        /// Items.
        n: usize,
        /// Neighbours.
        k: usize,
    },
    /// A value is NaN or infinite.
    #[error("value {index} is not a finite number")]
    NotFinite {
        /// Its position.
        index: usize,
    },
}

/// scikit-learn's default number of neighbours.
pub const DEFAULT_NEIGHBORS: usize = 3;

/// `mutual_info_regression(x.reshape(-1, 1), y, n_neighbors=k,
/// random_state=seed)[0]`, in nats.
pub fn mutual_info_regression(
    x: &[f64],
    y: &[f64],
    k: usize,
    seed: u32,
) -> Result<f64, MutualInfoError> {
    if x.len() != y.len() {
        return Err(MutualInfoError::Lengths {
            x: x.len(),
            y: y.len(),
        });
    }
    if let Some(index) = x.iter().chain(y).position(|v| !v.is_finite()) {
        return Err(MutualInfoError::NotFinite {
            index: index % x.len().max(1),
        });
    }
    let n = x.len();
    if k == 0 || n <= k {
        return Err(MutualInfoError::TooFew { n, k });
    }
    let mut rng = RandomState::new(seed);
    let x = with_noise(&scaled(x), &mut rng);
    let y = with_noise(&scaled(y), &mut rng);
    Ok(mi_continuous(&x, &y, k))
}

/// `sklearn.preprocessing.scale(v, with_mean=False)`.
fn scaled(v: &[f64]) -> Vec<f64> {
    let n = v.len() as f64;
    let mean = pairwise_sum(v) / n;
    let squares: Vec<f64> = v.iter().map(|x| (x - mean) * (x - mean)).collect();
    let std = (pairwise_sum(&squares) / n).sqrt();
    let std = if std == 0.0 { 1.0 } else { std };
    v.iter().map(|x| x / std).collect()
}

/// `v + 1e-10 * max(1, mean |v|) * standard_normal(n)`.
fn with_noise(v: &[f64], rng: &mut RandomState) -> Vec<f64> {
    let abs: Vec<f64> = v.iter().map(|x| x.abs()).collect();
    let scale = 1e-10 * (pairwise_sum(&abs) / v.len() as f64).max(1.0);
    v.iter()
        .map(|x| x + scale * rng.standard_normal())
        .collect()
}

/// scikit-learn's `_compute_mi_cc`.
fn mi_continuous(x: &[f64], y: &[f64], k: usize) -> f64 {
    let n = x.len();
    let radius = kth_neighbour_distances(x, y, k);
    let (sorted_x, sorted_y) = (sorted(x), sorted(y));
    let mut psi_x = Vec::with_capacity(n);
    let mut psi_y = Vec::with_capacity(n);
    for i in 0..n {
        // query_radius(nextafter(r, 0)) counts distances <= r - ulp, that
        // is < r, the point itself included; minus itself, plus one.
        let r = radius[i];
        psi_x.push(digamma(strictly_within(&sorted_x, x[i], r) as f64));
        psi_y.push(digamma(strictly_within(&sorted_y, y[i], r) as f64));
    }
    let mean = |v: &[f64]| pairwise_sum(v) / n as f64;
    let mi = digamma(n as f64) + digamma(k as f64) - mean(&psi_x) - mean(&psi_y);
    mi.max(0.0)
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

/// Points `p` of `sorted` with `|p - c| < r` (`c` itself included).
fn strictly_within(sorted: &[f64], c: f64, r: f64) -> usize {
    let low = sorted.partition_point(|&p| p - c <= -r);
    let high = sorted.partition_point(|&p| p - c < r);
    high - low
}

/// For each point, the Chebyshev distance to its `k`-th nearest other
/// point: points ordered by `x`, each search widening left and right until
/// the `x` gap alone exceeds the `k`-th best distance found.
fn kth_neighbour_distances(x: &[f64], y: &[f64], k: usize) -> Vec<f64> {
    let n = x.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut out = vec![0.0; n];
    let mut best: Vec<f64> = Vec::with_capacity(k + 1);
    for (pos, &i) in order.iter().enumerate() {
        best.clear();
        let kth = |best: &Vec<f64>| {
            if best.len() < k {
                f64::INFINITY
            } else {
                best[k - 1]
            }
        };
        let consider = |j: usize, best: &mut Vec<f64>| {
            let d = (x[i] - x[j]).abs().max((y[i] - y[j]).abs());
            let at = best.partition_point(|&b| b <= d);
            if at < k {
                best.insert(at, d);
                best.truncate(k);
            }
        };
        let (mut left, mut right) = (pos, pos + 1);
        loop {
            let gap_left = (left > 0).then(|| x[i] - x[order[left - 1]]);
            let gap_right = (right < n).then(|| x[order[right]] - x[i]);
            let limit = kth(&best);
            match (gap_left, gap_right) {
                (Some(l), Some(r)) if l.min(r) <= limit => {
                    if l <= r {
                        left -= 1;
                        consider(order[left], &mut best);
                    } else {
                        consider(order[right], &mut best);
                        right += 1;
                    }
                }
                (Some(l), None) if l <= limit => {
                    left -= 1;
                    consider(order[left], &mut best);
                }
                (None, Some(r)) if r <= limit => {
                    consider(order[right], &mut best);
                    right += 1;
                }
                _ => break,
            }
        }
        out[i] = kth(&best);
    }
    out
}

/// The digamma function ψ for positive arguments (recurrence up to 20,
/// then the asymptotic series; within a few ulps of SciPy's).
pub fn digamma(mut x: f64) -> f64 {
    let mut result = 0.0;
    while x < 20.0 {
        result -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2
                        * (1.0 / 252.0
                            - inv2
                                * (1.0 / 240.0 - inv2 * (1.0 / 132.0 - inv2 * 691.0 / 32760.0)))));
    result + x.ln() - 0.5 * inv - series
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digamma_at_known_points() {
        let euler = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + euler).abs() < 2e-15);
        assert!((digamma(2.0) - (1.0 - euler)).abs() < 2e-15);
        assert!((digamma(0.5) - (-euler - 2.0 * std::f64::consts::LN_2)).abs() < 1e-14);
        assert!((digamma(1000.0) - 6.907_255_195_648_812).abs() < 1e-13);
    }

    #[test]
    fn brute_force_neighbours_agree() {
        let mut rng = RandomState::new(3);
        let x: Vec<f64> = (0..200).map(|_| rng.standard_normal()).collect();
        let y: Vec<f64> = (0..200).map(|_| rng.standard_normal()).collect();
        let fast = kth_neighbour_distances(&x, &y, 3);
        for i in 0..200 {
            let mut d: Vec<f64> = (0..200)
                .filter(|&j| j != i)
                .map(|j| (x[i] - x[j]).abs().max((y[i] - y[j]).abs()))
                .collect();
            d.sort_by(f64::total_cmp);
            assert_eq!(fast[i], d[2], "point {i}");
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(
            mutual_info_regression(&[1.0, 2.0], &[1.0], 3, 0),
            Err(MutualInfoError::Lengths { .. })
        ));
        assert!(matches!(
            mutual_info_regression(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], 3, 0),
            Err(MutualInfoError::TooFew { n: 3, k: 3 })
        ));
        assert!(matches!(
            mutual_info_regression(&[1.0, f64::NAN, 3.0, 4.0], &[1.0; 4], 3, 0),
            Err(MutualInfoError::NotFinite { index: 1 })
        ));
    }
}
