//! FiftyOne Brain's `compute_mistakenness` on detections
//! (`DetectionMistakenness.process_image`), per object and per image.

use serde::Serialize;

use super::formulas::{class_mistakenness, loc_mistakenness};
use super::matching::{match_image, ImageMatches};
use super::{DETECTION_IOU, MISSED_CONFIDENCE_THRESHOLD};
use crate::detection_labels::{DetectionLabelError, DetectionLabelInput, ImageBoxes};

/// FiftyOne's fields of one ground-truth object.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LabelMistakenness {
    /// The matched prediction (position in the image's predictions) and
    /// the pair's IoU; `None` for an unmatched label.
    pub matched: Option<(usize, f64)>,
    /// `mistakenness`: classification mistakenness of a matched label
    /// (`(1 + confidence) / 2` when the classes differ, `(1 - confidence)
    /// / 2` when they agree); `None` when unmatched (FiftyOne leaves the
    /// field unset).
    pub mistakenness: Option<f64>,
    /// `mistakenness_loc`: localization mistakenness of a matched label;
    /// `None` when unmatched.
    pub mistakenness_loc: Option<f64>,
    /// `possible_spurious`: no prediction matched the label.
    pub possible_spurious: bool,
}

/// FiftyOne's fields of one image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageMistakenness {
    /// Per label, in the image's order.
    pub labels: Vec<LabelMistakenness>,
    /// Per prediction: `possible_missing`, an unmatched prediction with a
    /// confidence above 0.95.
    pub possible_missing: Vec<bool>,
    /// The image's `mistakenness`: the largest of its labels', -1 when no
    /// label is matched (FiftyOne's sample field).
    pub mistakenness: f64,
    /// The image's `possible_missing` count.
    pub num_missing: usize,
    /// The image's `possible_spurious` count.
    pub num_spurious: usize,
    /// The matches the scores come from.
    pub matches: ImageMatches,
}

/// FiftyOne Brain's detection mistakenness of every image, from
/// confidences (`use_logits=False`, the default; detections carry no
/// logits here), after checking the input as the label checks do.
pub fn detection_mistakenness(
    input: &DetectionLabelInput,
) -> Result<Vec<ImageMistakenness>, DetectionLabelError> {
    input.validate()?;
    Ok(input.images.iter().map(image_mistakenness).collect())
}

/// FiftyOne Brain's detection mistakenness of one image.
pub fn image_mistakenness(image: &ImageBoxes) -> ImageMistakenness {
    let matches = match_image(image, DETECTION_IOU);
    let possible_missing: Vec<bool> = image
        .predictions
        .iter()
        .zip(&matches.predictions)
        .map(|(p, m)| m.is_none() && p.score > MISSED_CONFIDENCE_THRESHOLD)
        .collect();
    let labels: Vec<LabelMistakenness> = image
        .labels
        .iter()
        .zip(&matches.labels)
        .map(|(label, m)| match *m {
            Some((p, iou)) => {
                let pred = &image.predictions[p];
                LabelMistakenness {
                    matched: Some((p, iou)),
                    mistakenness: Some(class_mistakenness(pred.score, pred.class == label.class)),
                    mistakenness_loc: Some(loc_mistakenness(pred.score, iou)),
                    possible_spurious: false,
                }
            }
            None => LabelMistakenness {
                matched: None,
                mistakenness: None,
                mistakenness_loc: None,
                possible_spurious: true,
            },
        })
        .collect();
    let mistakenness = labels
        .iter()
        .filter_map(|l| l.mistakenness)
        .fold(None, |acc: Option<f64>, v| {
            Some(acc.map_or(v, |a| a.max(v)))
        })
        .unwrap_or(-1.0);
    ImageMistakenness {
        num_missing: possible_missing.iter().filter(|&&m| m).count(),
        num_spurious: labels.iter().filter(|l| l.possible_spurious).count(),
        labels,
        possible_missing,
        mistakenness,
        matches,
    }
}
