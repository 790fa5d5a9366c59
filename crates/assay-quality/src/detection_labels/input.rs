//! The input: per image, labelled boxes and predicted boxes.

use assay_core::geometry::BBox;
use serde::{Deserialize, Serialize};

use super::error::DetectionLabelError;

/// A ground-truth box.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LabeledBox {
    /// The box, `[x, y, w, h]` (cleanlab's corners are `x, y, x + w, y + h`).
    pub bbox: BBox,
    /// Class index, below [`DetectionLabelInput::num_classes`].
    pub class: usize,
}

/// A predicted box.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PredictedBox {
    /// The box, `[x, y, w, h]`.
    pub bbox: BBox,
    /// Predicted class index, below [`DetectionLabelInput::num_classes`].
    pub class: usize,
    /// The model's confidence in the class, in [0, 1].
    pub score: f64,
}

/// The boxes of one image. Predictions may come in any order; cleanlab
/// groups them by class, keeping their order within a class.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageBoxes {
    /// Ground-truth boxes.
    pub labels: Vec<LabeledBox>,
    /// Predicted boxes, all of them (no confidence cut-off).
    pub predictions: Vec<PredictedBox>,
}

/// A dataset for the detection label checks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DetectionLabelInput {
    /// Number of classes `K`; classes are `0..K` (cleanlab's number of
    /// per-class prediction arrays).
    pub num_classes: usize,
    /// The images.
    pub images: Vec<ImageBoxes>,
}

impl DetectionLabelInput {
    /// Checks classes, boxes and scores.
    pub fn validate(&self) -> Result<(), DetectionLabelError> {
        let num_classes = self.num_classes;
        let check = |image, kind, index, class, bbox: &BBox| {
            if class >= num_classes {
                return Err(DetectionLabelError::ClassOutOfRange {
                    image,
                    kind,
                    index,
                    class,
                    num_classes,
                });
            }
            if !box_is_usable(bbox) {
                return Err(DetectionLabelError::InvalidBox {
                    image,
                    kind,
                    index,
                    bbox: bbox.to_array(),
                });
            }
            Ok(())
        };
        for (image, boxes) in self.images.iter().enumerate() {
            for (index, l) in boxes.labels.iter().enumerate() {
                check(image, "label", index, l.class, &l.bbox)?;
            }
            for (index, p) in boxes.predictions.iter().enumerate() {
                check(image, "prediction", index, p.class, &p.bbox)?;
                if !score_is_probability(p.score) {
                    return Err(DetectionLabelError::InvalidScore {
                        image,
                        index,
                        score: p.score,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Finite coordinates and corners, sizes not negative.
pub(crate) fn box_is_usable(b: &BBox) -> bool {
    b.is_valid() && b.x2().is_finite() && b.y2().is_finite()
}

/// A confidence in [0, 1].
pub(crate) fn score_is_probability(score: f64) -> bool {
    (0.0..=1.0).contains(&score)
}
