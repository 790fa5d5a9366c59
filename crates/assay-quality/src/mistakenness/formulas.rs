//! FiftyOne Brain's per-object formulas
//! (`fiftyone/brain/internal/core/mistakenness.py`, functions
//! `_compute_mistakenness_class[_conf]` and `_compute_mistakenness_loc[_conf]`;
//! `hardness.py`'s `compute_hardness`).

use super::DETECTION_IOU;

/// Classification mistakenness from a confidence:
/// `(m * confidence + 1) / 2` with `m = -1` when the prediction agrees with
/// the label and `m = 1` when it does not (`_compute_mistakenness_class_conf`).
pub fn class_mistakenness(confidence: f64, agrees: bool) -> f64 {
    let m = if agrees { -1.0 } else { 1.0 };
    (m * confidence + 1.0) / 2.0
}

/// Localization mistakenness from a confidence and the IoU of the matched
/// pair: `(c * (2 i - 1) + 1) / 2` with `c = confidence` and
/// `i = (1 - iou) / (1 - 0.5)` (`_compute_mistakenness_loc_conf`).
pub fn loc_mistakenness(confidence: f64, iou: f64) -> f64 {
    let i = (1.0 / (1.0 - DETECTION_IOU)) * (1.0 - iou);
    (confidence * ((2.0 * i) - 1.0) + 1.0) / 2.0
}

/// Classification mistakenness from logits: as [`class_mistakenness`] with
/// `exp(-entropy(softmax(logits)))` in place of the confidence
/// (`_compute_mistakenness_class`).
pub fn class_mistakenness_logits(logits: &[f64], agrees: bool) -> Option<f64> {
    Some(class_mistakenness((-hardness(logits)?).exp(), agrees))
}

/// Localization mistakenness from logits: as [`loc_mistakenness`] with
/// `exp(-entropy(softmax(logits)))` in place of the confidence
/// (`_compute_mistakenness_loc`).
pub fn loc_mistakenness_logits(logits: &[f64], iou: f64) -> Option<f64> {
    Some(loc_mistakenness((-hardness(logits)?).exp(), iou))
}

/// Hardness: the entropy (natural logarithm, as `scipy.stats.entropy`) of
/// `softmax(logits)` (`scipy.special.softmax`). `None` without logits or
/// with a non-finite one.
pub fn hardness(logits: &[f64]) -> Option<f64> {
    let p = softmax(logits)?;
    // scipy.stats.entropy normalises pk by its sum, then sums -p log p
    // (entr: 0 for p = 0).
    let total: f64 = p.iter().sum();
    Some(
        p.iter()
            .map(|&v| v / total)
            .map(|v| if v > 0.0 { -v * v.ln() } else { 0.0 })
            .sum(),
    )
}

/// Hardness and classification mistakenness of one image from a
/// classifier's class probabilities (or any non-negative scores, normalised
/// by their sum as `scipy.stats.entropy` does) and whether its predicted
/// class agrees with the label. The probabilities stand for
/// `softmax(logits)`: FiftyOne Brain's logits variants with
/// `logits = ln(p)`, whose softmax is `p` itself. `None` when a score is
/// negative or not finite, or when they sum to 0.
pub fn class_scores_mistakenness(probabilities: &[f64], agrees: bool) -> Option<(f64, f64)> {
    let total: f64 = probabilities.iter().sum();
    if probabilities.iter().any(|v| !v.is_finite() || *v < 0.0) || total <= 0.0 {
        return None;
    }
    let h: f64 = probabilities
        .iter()
        .map(|&v| v / total)
        .map(|v| if v > 0.0 { -v * v.ln() } else { 0.0 })
        .sum();
    Some((h, class_mistakenness((-h).exp(), agrees)))
}

/// `scipy.special.softmax`: `exp(x - max(x)) / sum(exp(x - max(x)))`.
pub fn softmax(logits: &[f64]) -> Option<Vec<f64>> {
    if logits.is_empty() || logits.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = logits.iter().map(|&v| (v - max).exp()).collect();
    let s: f64 = e.iter().sum();
    Some(e.into_iter().map(|v| v / s).collect())
}
