//! The per-box scores of one image: overlooked (per prediction), badly
//! located and swapped (per label), as cleanlab's
//! `_compute_{overlooked,badloc,swap}_box_scores_for_image`.

use super::geometry::{corners, overlap, Corners, PairMatrices};
use super::input::ImageBoxes;
use super::params::LABEL_OVERLAP_THRESHOLD;

/// One image with its corner boxes and pair matrices.
pub(crate) struct ImageView<'a> {
    /// The boxes.
    pub boxes: &'a ImageBoxes,
    /// The labels' corners.
    pub label_corners: Vec<Corners>,
    /// IoU and similarity of every label with every prediction.
    pub pairs: PairMatrices,
}

impl<'a> ImageView<'a> {
    /// Corners and matrices of `boxes`.
    pub fn new(boxes: &'a ImageBoxes, alpha: f64) -> Self {
        let label_corners: Vec<Corners> = boxes.labels.iter().map(|l| corners(&l.bbox)).collect();
        let prediction_corners: Vec<Corners> =
            boxes.predictions.iter().map(|p| corners(&p.bbox)).collect();
        let pairs = PairMatrices::new(&label_corners, &prediction_corners, alpha);
        ImageView {
            boxes,
            label_corners,
            pairs,
        }
    }

    /// Overlooked score of each prediction (input order): `None` unless
    /// the prediction is at least `high` confident and overlaps no label;
    /// then the best similarity with a label of its class, or
    /// `min_similarity * (1 - confidence)` without such a label.
    pub fn overlooked(&self, min_similarity: f64, high: f64) -> Vec<Option<f64>> {
        let labels = &self.boxes.labels;
        let touches_a_label = |p: usize| (0..labels.len()).any(|l| self.pairs.iou(l, p) > 0.0);
        self.boxes
            .predictions
            .iter()
            .enumerate()
            .map(|(p, pred)| {
                if pred.score < high || touches_a_label(p) {
                    return None;
                }
                let best = labels
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.class == pred.class)
                    .map(|(l, _)| self.pairs.similarity(l, p))
                    .reduce(f64::max);
                Some(best.unwrap_or(min_similarity * (1.0 - pred.score)))
            })
            .collect()
    }

    /// Badly located score of each label: 1 when no prediction of its
    /// class is more than `low` confident; otherwise the best similarity
    /// among those that also overlap it (1 when none does).
    pub fn badloc(&self, low: f64) -> Vec<f64> {
        let preds = &self.boxes.predictions;
        self.boxes
            .labels
            .iter()
            .enumerate()
            .map(|(l, label)| {
                preds
                    .iter()
                    .enumerate()
                    .filter(|(p, pred)| {
                        pred.class == label.class && pred.score > low && self.pairs.iou(l, *p) > 0.0
                    })
                    .map(|(p, _)| self.pairs.similarity(l, p))
                    .reduce(f64::max)
                    .unwrap_or(1.0)
            })
            .collect()
    }

    /// Swap score of each label: `min_similarity` for a label sharing its
    /// object with a label of another class (when `overlap_check`); 1 when
    /// no prediction of another class is more than `high` confident;
    /// otherwise `max(min_similarity, 1 - best similarity among those)`.
    pub fn swap(&self, min_similarity: f64, high: f64, overlap_check: bool) -> Vec<f64> {
        let conflicts = if overlap_check {
            self.conflicting_labels()
        } else {
            vec![false; self.boxes.labels.len()]
        };
        let preds = &self.boxes.predictions;
        self.boxes
            .labels
            .iter()
            .enumerate()
            .map(|(l, label)| {
                if conflicts[l] {
                    return min_similarity;
                }
                preds
                    .iter()
                    .enumerate()
                    .filter(|(_, pred)| pred.class != label.class && pred.score > high)
                    .map(|(p, _)| self.pairs.similarity(l, p))
                    .reduce(f64::max)
                    .map_or(1.0, |best| min_similarity.max(1.0 - best))
            })
            .collect()
    }

    /// Labels with another label of a different class at IoU of at least
    /// 0.95 (`_has_overlap`).
    fn conflicting_labels(&self) -> Vec<bool> {
        let labels = &self.boxes.labels;
        let corners = &self.label_corners;
        (0..labels.len())
            .map(|i| {
                (0..labels.len()).any(|j| {
                    i != j
                        && labels[i].class != labels[j].class
                        && overlap(&corners[i], &corners[j]) >= LABEL_OVERLAP_THRESHOLD
                })
            })
            .collect()
    }

    /// Prediction positions grouped by class (stable): cleanlab's order.
    pub fn class_major_order(&self) -> Vec<usize> {
        let preds = &self.boxes.predictions;
        let mut order: Vec<usize> = (0..preds.len()).collect();
        order.sort_by_key(|&p| preds[p].class);
        order
    }
}
