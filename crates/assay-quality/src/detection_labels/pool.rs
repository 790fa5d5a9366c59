//! Pooling box scores per image (softmin) and the image's label quality
//! score (`pool_box_scores_per_image`, `_get_subtype_label_quality_scores`).

use super::numeric::pairwise_sum;
use super::params::{SubtypeWeights, MIN_TEMPERATURE, TINY_VALUE};

/// One image's score from its box scores of one kind: the softmin of the
/// scores that are not NaN, `sum(softmax(-s / t) * s)` with the
/// temperature `t` clipped below at 1e-6; 1 when no score is left.
pub fn pool_box_scores(scores: &[f64], temperature: f64) -> f64 {
    let scores: Vec<f64> = scores.iter().copied().filter(|s| !s.is_nan()).collect();
    softmin(&scores, temperature)
}

/// Softmin pooling of scores without NaN; 1 for none.
pub(crate) fn softmin(scores: &[f64], temperature: f64) -> f64 {
    if scores.is_empty() {
        return 1.0;
    }
    let t = temperature.max(MIN_TEMPERATURE);
    let scaled: Vec<f64> = scores.iter().map(|s| -s / t).collect();
    let top = scaled.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exp: Vec<f64> = scaled.iter().map(|x| (x - top).exp()).collect();
    let total = pairwise_sum(&exp);
    exp.iter().zip(scores).map(|(e, s)| e / total * s).sum()
}

/// The image's label quality score: `exp(sum of weight * ln(1e-100 +
/// pooled score))` over overlooked, badly located and swapped.
pub(crate) fn image_score(overlooked: f64, badloc: f64, swap: f64, w: &SubtypeWeights) -> f64 {
    let log = |s: f64| (TINY_VALUE + s).ln();
    (w.overlooked * log(overlooked) + w.badloc * log(badloc) + w.swap * log(swap)).exp()
}
