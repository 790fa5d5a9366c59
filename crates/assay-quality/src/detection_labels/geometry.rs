//! cleanlab's box overlap and similarity, on corner boxes
//! `[x1, y1, x2, y2]`, with its operations in its order.

use assay_core::geometry::BBox;

use super::params::{EUC_FACTOR, MIN_UNION};

/// A box as cleanlab holds it: `[x1, y1, x2, y2]`.
pub(crate) type Corners = [f64; 4];

/// The corners of an `[x, y, w, h]` box: `[x, y, x + w, y + h]`.
pub(crate) fn corners(b: &BBox) -> Corners {
    [b.x, b.y, b.x2(), b.y2()]
}

/// cleanlab's IoU (`_get_iou`): 0 for boxes that do not meet, otherwise the
/// intersection over the union, the union at least 1e-6.
pub(crate) fn overlap(a: &Corners, b: &Corners) -> f64 {
    let x_left = a[0].max(b[0]);
    let y_top = a[1].max(b[1]);
    let x_right = a[2].min(b[2]);
    let y_bottom = a[3].min(b[3]);
    if x_right < x_left || y_bottom < y_top {
        return 0.0;
    }
    let intersection = (x_right - x_left) * (y_bottom - y_top);
    let area_a = (a[2] - a[0]) * (a[3] - a[1]);
    let area_b = (b[2] - b[0]) * (b[3] - b[1]);
    intersection / (area_a + area_b - intersection).max(MIN_UNION)
}

/// `exp(-0.1 * d)` for the distance `d` between the boxes' centres
/// (`_euc_dis`).
fn closeness(a: &Corners, b: &Corners) -> f64 {
    let dx = (a[0] + a[2]) / 2.0 - (b[0] + b[2]) / 2.0;
    let dy = (a[1] + a[3]) / 2.0 - (b[1] + b[3]) / 2.0;
    (-(dx * dx + dy * dy).sqrt() * EUC_FACTOR).exp()
}

/// The similarity of two corner boxes and their IoU: `alpha * IoU +
/// (1 - alpha) * closeness`, computed as cleanlab does (through
/// `1 - (1 - closeness)`).
pub(crate) fn similarity_and_iou(a: &Corners, b: &Corners, alpha: f64) -> (f64, f64) {
    let iou = overlap(a, b);
    let distance = 1.0 - closeness(a, b);
    (iou * alpha + (1.0 - alpha) * (1.0 - distance), iou)
}

/// cleanlab's IoU of two `[x, y, w, h]` boxes (the union clipped below at
/// 1e-6).
pub fn box_overlap(a: &BBox, b: &BBox) -> f64 {
    overlap(&corners(a), &corners(b))
}

/// cleanlab's similarity of two `[x, y, w, h]` boxes: `alpha * IoU +
/// (1 - alpha) * exp(-0.1 * centre distance)`.
pub fn box_similarity(a: &BBox, b: &BBox, alpha: f64) -> f64 {
    similarity_and_iou(&corners(a), &corners(b), alpha).0
}

/// The label-by-prediction IoU and similarity matrices of one image, row
/// major (one row per label).
#[derive(Debug, Clone)]
pub(crate) struct PairMatrices {
    /// IoU of label `l` and prediction `p` at `l * predictions + p`.
    pub iou: Vec<f64>,
    /// Similarity, same layout.
    pub similarity: Vec<f64>,
    /// Number of predictions (columns).
    pub predictions: usize,
}

impl PairMatrices {
    /// The matrices of `labels` against `predictions`.
    pub fn new(labels: &[Corners], predictions: &[Corners], alpha: f64) -> Self {
        let n = labels.len() * predictions.len();
        let (mut iou, mut similarity) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for l in labels {
            for p in predictions {
                let (s, i) = similarity_and_iou(l, p, alpha);
                similarity.push(s);
                iou.push(i);
            }
        }
        PairMatrices {
            iou,
            similarity,
            predictions: predictions.len(),
        }
    }

    /// IoU of label `l` and prediction `p`.
    pub fn iou(&self, l: usize, p: usize) -> f64 {
        self.iou[l * self.predictions + p]
    }

    /// Similarity of label `l` and prediction `p`.
    pub fn similarity(&self, l: usize, p: usize) -> f64 {
        self.similarity[l * self.predictions + p]
    }
}
