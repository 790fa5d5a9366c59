//! Isotonic calibration as NannyML's `IsotonicCalibrator` runs it:
//! scikit-learn 1.9's `IsotonicRegression(increasing=True,
//! out_of_bounds="clip")` with unit weights and no `y_min`/`y_max`.
//!
//! Fitting, step by step as scikit-learn does it:
//! 1. sort the pairs by score, then by target (`np.lexsort((y, X))`);
//! 2. merge scores closer than `1e-15` (`np.finfo(float64).resolution`)
//!    to the first score of their run, the target averaged with the
//!    weights (`_make_unique`);
//! 3. pool adjacent violators over the merged targets, weighted by how
//!    many pairs each stands for (SciPy 1.17's `isotonic_regression`,
//!    Busing's single-pass PAVA with `>=` in both repair loops);
//! 4. drop the interior points of flat runs (equal to both neighbours).
//!
//! Predicting clips the score to the fitted score range and interpolates
//! linearly between the kept points as `np.interp` does (SciPy's
//! `interp1d` hands linear float64 interpolation to it); with a single
//! distinct score, the fit is that one constant.

use std::cmp::Ordering;

/// `np.finfo(np.float64).resolution`: scores closer than this to the
/// first of their run are one score to `_make_unique`.
const RESOLUTION: f64 = 1e-15;

/// A fitted increasing step-and-ramp function from scores to
/// probabilities.
#[derive(Clone, Debug, PartialEq)]
pub struct Isotonic {
    /// The kept scores, increasing (`X_thresholds_`).
    x: Vec<f64>,
    /// The fitted values at them, non-decreasing (`y_thresholds_`).
    y: Vec<f64>,
}

impl Isotonic {
    /// Fits scores `x` to targets `y` (same length, at least one pair, no
    /// NaN).
    pub fn fit(x: &[f64], y: &[f64]) -> Isotonic {
        debug_assert!(!x.is_empty() && x.len() == y.len());
        let mut order: Vec<usize> = (0..x.len()).collect();
        // Stable, like lexsort; NaN is excluded by the callers.
        order.sort_by(|&a, &b| {
            x[a].partial_cmp(&x[b])
                .unwrap_or(Ordering::Equal)
                .then(y[a].partial_cmp(&y[b]).unwrap_or(Ordering::Equal))
        });
        let (ux, mut uy, mut uw) = make_unique(&order, x, y);
        pava(&mut uy, &mut uw);
        // Keep the ends and every point that differs from a neighbour.
        let n = uy.len();
        let keep = |i: usize| i == 0 || i + 1 == n || uy[i] != uy[i - 1] || uy[i] != uy[i + 1];
        let (kx, ky) = (0..n).filter(|&i| keep(i)).map(|i| (ux[i], uy[i])).unzip();
        Isotonic { x: kx, y: ky }
    }

    /// The calibrated value of score `t` (not NaN).
    pub fn predict(&self, t: f64) -> f64 {
        let (x, y) = (&self.x, &self.y);
        if y.len() == 1 {
            return y[0];
        }
        let last = x.len() - 1;
        // np.clip(T, X_min_, X_max_): the kept ends are the fitted range.
        let t = t.max(x[0]).min(x[last]);
        // np.interp: the last knot at or below t.
        let j = x.partition_point(|&knot| knot <= t) - 1;
        if j == last || x[j] == t {
            return y[j];
        }
        let slope = (y[j + 1] - y[j]) / (x[j + 1] - x[j]);
        let value = slope * (t - x[j]) + y[j];
        if value.is_nan() {
            // np.interp's retry from the right knot (infinite slopes).
            let value = slope * (t - x[j + 1]) + y[j + 1];
            if value.is_nan() && y[j] == y[j + 1] {
                return y[j];
            }
            return value;
        }
        value
    }
}

/// scikit-learn's `_make_unique` over the sorted pairs (unit weights):
/// runs of scores within [`RESOLUTION`] of their first score become one
/// point, the first score with the mean target and the run's length as
/// weight.
fn make_unique(order: &[usize], x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut ux, mut uy, mut uw) = (Vec::new(), Vec::new(), Vec::new());
    let mut current_x = x[order[0]];
    let (mut sum_y, mut weight) = (0.0, 0.0);
    for &i in order {
        if x[i] - current_x >= RESOLUTION {
            ux.push(current_x);
            uw.push(weight);
            uy.push(sum_y / weight);
            current_x = x[i];
            weight = 1.0;
            sum_y = y[i] * 1.0;
        } else {
            weight += 1.0;
            sum_y += y[i] * 1.0;
        }
    }
    ux.push(current_x);
    uw.push(weight);
    uy.push(sum_y / weight);
    (ux, uy, uw)
}

/// SciPy's PAVA (Busing 2022, Algorithm 1, with `>=` in both repair
/// loops): `values` becomes the weighted increasing fit; `weights` is
/// overwritten with block weights.
fn pava(values: &mut [f64], weights: &mut [f64]) {
    let n = values.len();
    if n == 0 {
        return;
    }
    // starts[b]: the first element of block b (one more entry at the end).
    let mut starts = vec![0usize; n + 1];
    starts[1] = 1;
    let mut b = 0usize;
    let mut prev_value = values[0];
    let mut prev_weight = weights[0];
    let mut i = 1;
    while i < n {
        b += 1;
        let mut value = values[i];
        let mut weight = weights[i];
        if prev_value >= value {
            b -= 1;
            let mut sum = prev_weight * prev_value + weight * value;
            weight += prev_weight;
            value = sum / weight;
            // Absorb the following elements while they violate the order.
            while i < n - 1 && value >= values[i + 1] {
                i += 1;
                sum += weights[i] * values[i];
                weight += weights[i];
                value = sum / weight;
            }
            // Merge with earlier blocks while they violate it.
            while b > 0 && values[b - 1] >= value {
                b -= 1;
                sum += weights[b] * values[b];
                weight += weights[b];
                value = sum / weight;
            }
        }
        values[b] = value;
        prev_value = value;
        weights[b] = weight;
        prev_weight = weight;
        starts[b + 1] = i + 1;
        i += 1;
    }
    // Spread the block values over their elements, last block first.
    let mut end = n;
    for block in (0..=b).rev() {
        let start = starts[block];
        let value = values[block];
        values[start..end].fill(value);
        end = start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_violators_and_interpolates() {
        // IsotonicRegression(out_of_bounds="clip").fit(
        //     [0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1]).predict([0, 0.25, 0.35, 1])
        // = [0, 0.5, 0.7499999999999999, 1].
        let fit = Isotonic::fit(&[0.1, 0.2, 0.3, 0.4], &[0.0, 1.0, 0.0, 1.0]);
        let got: Vec<f64> = [0.0, 0.25, 0.35, 1.0]
            .iter()
            .map(|&t| fit.predict(t))
            .collect();
        assert_eq!(got, [0.0, 0.5, 0.7499999999999999, 1.0]);
    }

    #[test]
    fn averages_equal_scores_and_handles_one_score() {
        // Ties in x average their targets before pooling; scikit-learn
        // predicts [0.3333333333333333, 0.6666666666666665].
        let fit = Isotonic::fit(&[0.5, 0.5, 0.5, 0.9], &[1.0, 0.0, 0.0, 1.0]);
        assert_eq!(fit.predict(0.5), 0.3333333333333333);
        assert_eq!(fit.predict(0.7), 0.6666666666666665);
        let one = Isotonic::fit(&[0.3, 0.3], &[0.0, 1.0]);
        assert_eq!(one.predict(0.9), 0.5);
    }

    #[test]
    fn pava_matches_scipy() {
        // scipy.optimize.isotonic_regression([5, 3, 1, 2, 8, 10, 7, 9, 6, 4]).x
        let mut v = [5.0, 3.0, 1.0, 2.0, 8.0, 10.0, 7.0, 9.0, 6.0, 4.0];
        let mut w = [1.0; 10];
        pava(&mut v, &mut w);
        let high = 44.0 / 6.0;
        assert_eq!(
            v,
            [2.75, 2.75, 2.75, 2.75, high, high, high, high, high, high]
        );
    }
}
