//! cleanlab's constants (`cleanlab/internal/constants.py`) and the
//! parameters its scoring functions let a caller change.

use serde::Serialize;

use super::error::DetectionLabelError;

/// Weight of IoU against centre closeness in the box similarity.
pub const ALPHA: f64 = 0.9;
/// Factor of the centre distance in the closeness `exp(-factor * d)`.
pub const EUC_FACTOR: f64 = 0.1;
/// Predictions above this confidence count for badly located labels.
pub const LOW_PROBABILITY_THRESHOLD: f64 = 0.5;
/// Predictions at least this confident count as overlooked objects, and
/// those above it as evidence of swapped classes.
pub const HIGH_PROBABILITY_THRESHOLD: f64 = 0.95;
/// Temperature of the softmin pooling box scores per image.
pub const TEMPERATURE: f64 = 0.1;
/// IoU at which two labels of different classes are the same object.
pub const LABEL_OVERLAP_THRESHOLD: f64 = 0.95;
/// Share of its class threshold at or below which an overlooked score is
/// an issue.
pub const OVERLOOKED_THRESHOLD_FACTOR: f32 = 0.8;
/// Share of its class threshold at or below which a badly located score is
/// an issue.
pub const BADLOC_THRESHOLD_FACTOR: f32 = 0.8;
/// Share of its class threshold at or below which a swap score is an issue.
pub const SWAP_THRESHOLD_FACTOR: f32 = 0.8;
/// A class's threshold is its average precision times this.
pub const AP_SCALE_FACTOR: f32 = 0.25;
/// Smallest union in an IoU (cleanlab's `EPSILON`).
pub(crate) const MIN_UNION: f64 = 1e-6;
/// Added to pooled scores before their logarithm (cleanlab's `TINY_VALUE`).
pub(crate) const TINY_VALUE: f64 = 1e-100;
/// Smallest temperature (cleanlab's softmax clips it to `EPSILON`).
pub(crate) const MIN_TEMPERATURE: f64 = 1e-6;

/// Weights of the three pooled scores in an image's label quality score
/// (`aggregation_weights`): non-negative, summing to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SubtypeWeights {
    /// Weight of the overlooked score.
    pub overlooked: f64,
    /// Weight of the badly located score.
    pub badloc: f64,
    /// Weight of the swap score.
    pub swap: f64,
}

impl Default for SubtypeWeights {
    fn default() -> Self {
        SubtypeWeights {
            overlooked: 1.0 / 3.0,
            badloc: 1.0 / 3.0,
            swap: 1.0 / 3.0,
        }
    }
}

/// The parameters of the checks; the defaults are cleanlab's, with which
/// [`detection_label_issues`](super::detection_label_issues) equals
/// `get_label_quality_scores` and `find_label_issues`. Other values apply
/// to the scores and to the flagging alike (cleanlab's `find_label_issues`
/// always uses the defaults, bar `overlapping_label_check`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DetectionLabelParams {
    /// Weight of IoU against centre closeness in the similarity.
    pub alpha: f64,
    /// Confidence above which predictions count for badly located labels.
    pub low_probability_threshold: f64,
    /// Confidence from which predictions count as overlooked objects, and
    /// above which they count as swap evidence.
    pub high_probability_threshold: f64,
    /// Softmin temperature of the pooling (clipped below at 1e-6).
    pub temperature: f64,
    /// Give labels that share their object with a label of another class
    /// the lowest swap score.
    pub overlapping_label_check: bool,
    /// Weights of the pooled scores in the image score.
    pub weights: SubtypeWeights,
}

impl Default for DetectionLabelParams {
    fn default() -> Self {
        DetectionLabelParams {
            alpha: ALPHA,
            low_probability_threshold: LOW_PROBABILITY_THRESHOLD,
            high_probability_threshold: HIGH_PROBABILITY_THRESHOLD,
            temperature: TEMPERATURE,
            overlapping_label_check: true,
            weights: SubtypeWeights::default(),
        }
    }
}

impl DetectionLabelParams {
    /// Checks that every number is finite and that the weights are
    /// non-negative and sum to 1 (within `np.isclose`).
    pub fn validate(&self) -> Result<(), DetectionLabelError> {
        let w = self.weights;
        let numbers = [
            ("alpha", self.alpha),
            ("low_probability_threshold", self.low_probability_threshold),
            (
                "high_probability_threshold",
                self.high_probability_threshold,
            ),
            ("temperature", self.temperature),
            ("weights.overlooked", w.overlooked),
            ("weights.badloc", w.badloc),
            ("weights.swap", w.swap),
        ];
        if let Some((name, v)) = numbers.iter().find(|(_, v)| !v.is_finite()) {
            return Err(DetectionLabelError::InvalidParams(format!("{name} is {v}")));
        }
        let sum = w.overlooked + w.badloc + w.swap;
        let negative = w.overlooked.min(w.badloc).min(w.swap) < 0.0;
        if negative || (sum - 1.0).abs() > 1e-8 + 1e-5 {
            return Err(DetectionLabelError::InvalidParams(format!(
                "weights {w:?} must be non-negative and sum to 1"
            )));
        }
        Ok(())
    }
}
