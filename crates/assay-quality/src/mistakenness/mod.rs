//! Who is wrong, the model or the label? Per-object scores of a detection
//! dataset against a model's predictions.
//!
//! FiftyOne Brain's definitions, followed line by line
//! (voxel51/fiftyone-brain, `fiftyone/brain/internal/core/mistakenness.py`:
//! `compute_mistakenness`, `DetectionMistakenness.process_image`,
//! `_compute_mistakenness_class_conf`, `_compute_mistakenness_loc_conf` and
//! the logits variants; `hardness.py`: `compute_hardness`), with the
//! matching of `fiftyone/utils/eval/coco.py` (`_compute_matches`,
//! `classwise=False`, IoU 0.5):
//!
//! - a label matched to a prediction gets `mistakenness = (m c + 1) / 2`,
//!   `c` the prediction's confidence, `m = 1` when the classes differ and
//!   `-1` when they agree, and `mistakenness_loc = (c (2 i - 1) + 1) / 2`
//!   with `i = (1 - IoU) / 0.5`;
//! - an unmatched label is `possible_spurious`; an unmatched prediction
//!   more confident than 0.95 is `possible_missing`;
//! - an image's `mistakenness` is the largest of its labels' (-1 without
//!   a matched label), with its counts of missing and spurious objects;
//! - `hardness` is the entropy of `softmax(logits)`, where a model gives
//!   class scores.
//!
//! [`find_mistakes`] then decides which labels to flag, with thresholds
//! taken from the data (see [`flags`]).

mod flags;
mod formulas;
mod matching;
mod scores;

pub use flags::{find_mistakes, Mistake, MistakeKind, MistakeParams, MistakeReport};
pub use formulas::{
    class_mistakenness, class_mistakenness_logits, class_scores_mistakenness, hardness,
    loc_mistakenness, loc_mistakenness_logits, softmax,
};
pub use matching::{fiftyone_iou, match_image, ImageMatches};
pub use scores::{
    detection_mistakenness, image_mistakenness, ImageMistakenness, LabelMistakenness,
};

/// FiftyOne Brain's `_DETECTION_IOU`: the IoU at which predictions match
/// labels, and the IoU at which localization mistakenness is 1.
pub const DETECTION_IOU: f64 = 0.5;

/// FiftyOne Brain's `_MISSED_CONFIDENCE_THRESHOLD`: an unmatched
/// prediction above it is `possible_missing`.
pub const MISSED_CONFIDENCE_THRESHOLD: f64 = 0.95;

#[cfg(test)]
mod tests;
