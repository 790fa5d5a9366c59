//! The per-class thresholds of `find_label_issues`: a quarter of each
//! class's average precision over IoU 0.5:0.95 (`_get_per_class_ap`),
//! with cleanlab's VOC-style matching and its float32 arithmetic.

use std::cmp::Ordering;

use rayon::prelude::*;

use super::box_scores::ImageView;
use super::numeric::{linspace, pairwise_sum};
use super::params::AP_SCALE_FACTOR;

/// A prediction of one class in one image, ready for matching.
struct Candidate {
    /// Its confidence.
    score: f64,
    /// Highest IoU with a label of its class, and the first label (in the
    /// class's labels of the image) reaching it; `None` without labels.
    best: Option<(f64, usize)>,
}

/// One image's predictions and labels of one class.
struct ClassImage {
    /// Predictions of the class, in cleanlab's order.
    candidates: Vec<Candidate>,
    /// Their matching order: by confidence, highest first.
    by_score: Vec<usize>,
    /// Number of labels of the class.
    labels: usize,
}

/// Threshold of every class (`AP * 0.25`, as float32).
pub(crate) fn class_thresholds(views: &[ImageView], num_classes: usize) -> Vec<f32> {
    (0..num_classes)
        .into_par_iter()
        .map(|class| class_threshold(views, class))
        .collect()
}

fn class_threshold(views: &[ImageView], class: usize) -> f32 {
    let images: Vec<ClassImage> = views.iter().map(|v| class_image(v, class)).collect();
    let num_labels: usize = images.iter().map(|i| i.labels).sum();
    // All predictions of the class, image after image, then by confidence.
    let flat: Vec<(usize, usize)> = images
        .iter()
        .enumerate()
        .flat_map(|(i, img)| (0..img.candidates.len()).map(move |c| (i, c)))
        .collect();
    let mut order: Vec<usize> = (0..flat.len()).collect();
    order.sort_by(|&a, &b| {
        let score = |k: usize| images[flat[k].0].candidates[flat[k].1].score;
        score(b).partial_cmp(&score(a)).unwrap_or(Ordering::Equal)
    });
    let precisions: Vec<f32> = linspace(0.5, 0.95, 10)
        .into_iter()
        .map(|t| {
            let hits: Vec<Vec<bool>> = images.iter().map(|img| true_positives(img, t)).collect();
            let ranked: Vec<bool> = order.iter().map(|&k| hits[flat[k].0][flat[k].1]).collect();
            average_precision(&ranked, num_labels)
        })
        .collect();
    // np.mean of float32 values stays float32, as does the scaling.
    pairwise_sum(&precisions) / precisions.len() as f32 * AP_SCALE_FACTOR
}

fn class_image(view: &ImageView, class: usize) -> ClassImage {
    let labels: Vec<usize> = (0..view.boxes.labels.len())
        .filter(|&l| view.boxes.labels[l].class == class)
        .collect();
    let candidates: Vec<Candidate> = view
        .boxes
        .predictions
        .iter()
        .enumerate()
        .filter(|(_, p)| p.class == class)
        .map(|(p, pred)| {
            let mut best: Option<(f64, usize)> = None;
            for (k, &l) in labels.iter().enumerate() {
                let iou = view.pairs.iou(l, p);
                if best.is_none_or(|(b, _)| iou > b) {
                    best = Some((iou, k));
                }
            }
            Candidate {
                score: pred.score,
                best,
            }
        })
        .collect();
    let mut by_score: Vec<usize> = (0..candidates.len()).collect();
    by_score.sort_by(|&a, &b| {
        let (a, b) = (candidates[a].score, candidates[b].score);
        b.partial_cmp(&a).unwrap_or(Ordering::Equal)
    });
    ClassImage {
        candidates,
        by_score,
        labels: labels.len(),
    }
}

/// Greedy matching at IoU `t`: by confidence, a prediction whose best
/// label reaches `t` and is still free takes it; any other is a false
/// positive (it does not fall back to its second-best label).
fn true_positives(img: &ClassImage, t: f64) -> Vec<bool> {
    let mut hit = vec![false; img.candidates.len()];
    let mut covered = vec![false; img.labels];
    for &c in &img.by_score {
        if let Some((iou, label)) = img.candidates[c].best {
            if iou >= t && !covered[label] {
                covered[label] = true;
                hit[c] = true;
            }
        }
    }
    hit
}

/// VOC's area under the precision envelope, with cleanlab's types:
/// recall in float64, precision in float32, the sum in float64 stored as
/// float32.
fn average_precision(ranked_hits: &[bool], num_labels: usize) -> f32 {
    let eps = f32::EPSILON;
    let denominator = (num_labels as f64).max(f64::from(eps));
    let mut recall = Vec::with_capacity(ranked_hits.len() + 2);
    let mut precision = Vec::with_capacity(ranked_hits.len() + 2);
    recall.push(0.0);
    precision.push(0.0);
    let (mut tp, mut fp) = (0.0f32, 0.0f32);
    for &hit in ranked_hits {
        if hit {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        recall.push(f64::from(tp) / denominator);
        precision.push(f64::from(tp / (tp + fp).max(eps)));
    }
    recall.push(1.0);
    precision.push(0.0);
    for i in (1..precision.len()).rev() {
        precision[i - 1] = precision[i - 1].max(precision[i]);
    }
    let terms: Vec<f64> = (0..recall.len() - 1)
        .filter(|&i| recall[i + 1] != recall[i])
        .map(|i| (recall[i + 1] - recall[i]) * precision[i + 1])
        .collect();
    pairwise_sum(&terms) as f32
}
