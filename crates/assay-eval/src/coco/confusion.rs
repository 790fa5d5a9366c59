//! The detection confusion matrix, with a background row and column.

use std::collections::HashMap;

use serde::Serialize;

use super::outcomes::{Outcome, Outcomes};
use super::CocoEvaluator;

/// Counts of ground-truth class (rows) against predicted class (columns);
/// the last row and column are the background.
///
/// True positives fill the diagonal. A false positive that overlaps an
/// otherwise missed ground truth of another class by at least the IoU
/// threshold lands in that class's row (a confusion); other false positives
/// land in the background row, and missed ground truths in the background
/// column. Detections scoring below `min_score` are left out, so the
/// ground truths only they found count as missed.
#[derive(Debug, Clone, Serialize)]
pub struct ConfusionMatrix {
    /// Category ids of the rows and columns before the background.
    pub category_ids: Vec<i64>,
    /// `counts[row][column]`, `(K + 1) x (K + 1)`.
    pub counts: Vec<Vec<u64>>,
    /// IoU threshold of the matching.
    pub iou_threshold: f64,
    /// Detections below this score are left out.
    pub min_score: f64,
    /// Where each object landed: `(image id, row, column)`, one entry per
    /// counted object, so a cell can be traced to its images.
    #[serde(skip)]
    pub objects: Vec<(i64, usize, usize)>,
}

impl ConfusionMatrix {
    /// The background row or column index.
    pub fn background(&self) -> usize {
        self.category_ids.len()
    }
}

impl CocoEvaluator {
    /// The confusion matrix of `outcomes` (from [`CocoEvaluator::outcomes`]).
    pub fn confusion(&self, outcomes: &Outcomes, min_score: f64) -> ConfusionMatrix {
        let ids = &self.prepared.category_ids;
        let index: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, &c)| (c, i)).collect();
        let bg = ids.len();
        let mut counts = vec![vec![0u64; bg + 1]; bg + 1];
        let mut objects = Vec::new();
        let mut count = |image: usize, row: usize, col: usize| {
            counts[row][col] += 1;
            objects.push((self.prepared.image_ids[image], row, col));
        };
        let (dets, gts) = (&outcomes.detections, &outcomes.ground_truths);
        for (image, (image_dts, image_gts)) in self.objects_by_image().into_iter().enumerate() {
            let mut open: Vec<usize> = Vec::new();
            for &g in &image_gts {
                let gt = &gts[g];
                let row = index[&gt.category_id];
                match gt.outcome {
                    Outcome::Tp if gt.score.is_some_and(|s| s >= min_score) => {
                        count(image, row, row)
                    }
                    Outcome::Tp | Outcome::Fn => open.push(g),
                    _ => {}
                }
            }
            let mut false_positives: Vec<usize> = image_dts
                .iter()
                .copied()
                .filter(|&d| dets[d].outcome == Outcome::Fp && dets[d].score >= min_score)
                .collect();
            false_positives.sort_by(|&a, &b| {
                let (a, b) = (dets[a].score, dets[b].score);
                b.partial_cmp(&a).unwrap_or(std::cmp::Ordering::Equal)
            });
            for d in false_positives {
                let col = index[&dets[d].category_id];
                let best = open
                    .iter()
                    .enumerate()
                    .map(|(i, &g)| (i, self.prepared.pair_iou(d, g)))
                    .filter(|&(_, iou)| iou >= outcomes.iou_threshold)
                    .max_by(|a, b| a.1.total_cmp(&b.1));
                match best {
                    Some((i, _)) => {
                        let g = open.swap_remove(i);
                        count(image, index[&gts[g].category_id], col);
                    }
                    None => count(image, bg, col),
                }
            }
            for g in open {
                count(image, index[&gts[g].category_id], bg);
            }
        }
        ConfusionMatrix {
            category_ids: ids.clone(),
            counts,
            iou_threshold: outcomes.iou_threshold,
            min_score,
            objects,
        }
    }
}
