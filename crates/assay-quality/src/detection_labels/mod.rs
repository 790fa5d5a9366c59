//! Label issues of object-detection data, as cleanlab 2.9.0's
//! `cleanlab.object_detection` defines them (ObjectLab).
//!
//! Each image has ground-truth boxes with a class and a model's predicted
//! boxes with a class and a confidence. Boxes are compared by a similarity
//! that mixes their IoU with the closeness of their centres
//! (`alpha * IoU + (1 - alpha) * exp(-0.1 * distance)`), and three kinds of
//! error get a score per box, lower meaning more likely wrong:
//!
//! - overlooked (per prediction): a confident prediction (score at least
//!   the high probability threshold) that touches no label; its score is
//!   its similarity to the nearest label of its class, or, with no label of
//!   its class, the dataset's smallest non-zero similarity times
//!   `1 - confidence`. Other predictions have no score.
//! - badly located (per label): the best similarity among the
//!   predictions of the label's class that are more confident than the low
//!   probability threshold and overlap it; 1 when there is none.
//! - swapped (per label): `1 - ` the best similarity among the confident
//!   predictions of other classes (at least the dataset's smallest
//!   similarity); 1 when there is none; the smallest similarity outright
//!   when another label of a different class covers the same object
//!   (IoU at least 0.95).
//!
//! Each kind is pooled per image with a softmin (temperature 0.1), and the
//! image's label quality score is the weighted geometric mean of the three
//! pooled scores. An image is flagged when any box's score is at most 0.8
//! times its class's threshold, a quarter of the class's average precision
//! over IoU 0.5:0.95 computed on the same data (cleanlab's
//! `find_label_issues`).
//!
//! [`detection_label_issues`] computes all of it; [`dataset_detections`]
//! builds its input from an assay dataset and predictions.

mod box_scores;
mod dataset;
mod error;
mod geometry;
mod input;
mod numeric;
mod params;
mod pool;
mod report;
mod thresholds;

pub use dataset::{dataset_detections, DatasetDetections};
pub use error::DetectionLabelError;
pub use geometry::{box_overlap, box_similarity};
pub use input::{DetectionLabelInput, ImageBoxes, LabeledBox, PredictedBox};
pub use params::{
    DetectionLabelParams, SubtypeWeights, ALPHA, AP_SCALE_FACTOR, BADLOC_THRESHOLD_FACTOR,
    EUC_FACTOR, HIGH_PROBABILITY_THRESHOLD, LABEL_OVERLAP_THRESHOLD, LOW_PROBABILITY_THRESHOLD,
    OVERLOOKED_THRESHOLD_FACTOR, SWAP_THRESHOLD_FACTOR, TEMPERATURE,
};
pub use pool::pool_box_scores;
pub use report::{
    detection_label_issues, DetectionLabelReport, ImageLabelQuality, LabelBoxScores,
    PredictionBoxScore,
};

#[cfg(test)]
mod tests;
