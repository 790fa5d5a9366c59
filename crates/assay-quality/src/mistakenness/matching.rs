//! FiftyOne's matching of predictions to ground truth
//! (`fiftyone/utils/eval/coco.py`, `_coco_evaluation_setup` and
//! `_compute_matches`, as `compute_mistakenness` runs it: `classwise=False`,
//! `iou=0.5`), and its box IoU (`fiftyone/utils/iou.py`, `compute_bbox_iou`).

use assay_core::geometry::BBox;
use serde::Serialize;

use crate::detection_labels::ImageBoxes;

/// FiftyOne's IoU of a ground-truth and a predicted box (not a crowd):
/// intersection over union, 0 when they do not overlap, at most 1, 0 for
/// a zero union (`etan.safe_divide`).
pub fn fiftyone_iou(gt: &BBox, pred: &BBox) -> f64 {
    let w = (pred.x + pred.w).min(gt.x + gt.w) - pred.x.max(gt.x);
    if w <= 0.0 {
        return 0.0;
    }
    let h = (pred.y + pred.h).min(gt.y + gt.h) - pred.y.max(gt.y);
    if h <= 0.0 {
        return 0.0;
    }
    let inter = h * w;
    let union = pred.w * pred.h + gt.w * gt.h - inter;
    if union == 0.0 {
        return 0.0;
    }
    (inter / union).min(1.0)
}

/// The matches of one image: a label's prediction and a prediction's label,
/// each with the pair's IoU, by position in [`ImageBoxes`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImageMatches {
    /// Per label: the matched prediction and the IoU.
    pub labels: Vec<Option<(usize, f64)>>,
    /// Per prediction: the matched label and the IoU.
    pub predictions: Vec<Option<(usize, f64)>>,
}

/// Matches predictions to labels as FiftyOne's COCO-style evaluation does
/// with `classwise=False`: predictions in order of decreasing confidence
/// (a stable sort; FiftyOne's key `confidence or -1` puts zero confidences
/// last), each taking the not yet matched label of highest IoU, at least
/// `iou_threshold` (capped at `1 - 1e-10`), whatever the classes; on equal
/// IoUs the later label in the image's order wins (FiftyOne's `iou <
/// best_match_iou` test; FiftyOne visits candidates in its R-tree's order,
/// which only matters for exactly equal IoUs). Crowd regions are not part
/// of [`ImageBoxes`], so FiftyOne's crowd rules do not arise.
pub fn match_image(image: &ImageBoxes, iou_threshold: f64) -> ImageMatches {
    let threshold = iou_threshold.min(1.0 - 1e-10);
    let key = |s: f64| if s == 0.0 { -1.0 } else { s };
    let mut order: Vec<usize> = (0..image.predictions.len()).collect();
    order.sort_by(|&a, &b| {
        let (ka, kb) = (
            key(image.predictions[a].score),
            key(image.predictions[b].score),
        );
        kb.total_cmp(&ka)
    });
    let mut out = ImageMatches {
        labels: vec![None; image.labels.len()],
        predictions: vec![None; image.predictions.len()],
    };
    for p in order {
        let pred = &image.predictions[p].bbox;
        let mut best: Option<(usize, f64)> = None;
        for (g, label) in image.labels.iter().enumerate() {
            if out.labels[g].is_some() {
                continue;
            }
            let iou = fiftyone_iou(&label.bbox, pred);
            if iou < best.map_or(threshold, |b| b.1) {
                continue;
            }
            best = Some((g, iou));
        }
        if let Some((g, iou)) = best {
            out.labels[g] = Some((p, iou));
            out.predictions[p] = Some((g, iou));
        }
    }
    out
}
