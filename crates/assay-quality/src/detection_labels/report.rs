//! The checks end to end: per-box scores, pooled and image scores, the
//! class thresholds and the flags.

use rayon::prelude::*;
use serde::Serialize;

use super::box_scores::ImageView;
use super::error::DetectionLabelError;
use super::input::DetectionLabelInput;
use super::params::{
    DetectionLabelParams, BADLOC_THRESHOLD_FACTOR, OVERLOOKED_THRESHOLD_FACTOR,
    SWAP_THRESHOLD_FACTOR,
};
use super::pool::{image_score, softmin};
use super::thresholds::class_thresholds;

/// The scores of one ground-truth box.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LabelBoxScores {
    /// Badly located score in [0, 1]; lower is worse.
    pub badloc: f64,
    /// Swapped class score in [0, 1]; lower is worse.
    pub swap: f64,
    /// `badloc` is at most 0.8 times its class threshold.
    pub badloc_issue: bool,
    /// `swap` is at most 0.8 times its class threshold.
    pub swap_issue: bool,
}

/// The overlooked score of one prediction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PredictionBoxScore {
    /// In [0, 1], lower is worse; `None` (cleanlab's NaN) unless the
    /// prediction is confident and overlaps no label.
    pub overlooked: Option<f64>,
    /// `overlooked` is at most 0.8 times the threshold of the predicted
    /// class.
    pub overlooked_issue: bool,
}

/// The label quality of one image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageLabelQuality {
    /// Label quality score in [0, 1] (`get_label_quality_scores`); lower
    /// means more likely mislabelled.
    pub score: f64,
    /// Pooled overlooked score (1 without scored predictions).
    pub overlooked: f64,
    /// Pooled badly located score (1 without labels).
    pub badloc: f64,
    /// Pooled swap score (1 without labels).
    pub swap: f64,
    /// Some box is an issue (`find_label_issues`).
    pub flagged: bool,
    /// Per ground-truth box, in input order.
    pub labels: Vec<LabelBoxScores>,
    /// Per prediction, in input order.
    pub predictions: Vec<PredictionBoxScore>,
}

/// The detection label quality of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionLabelReport {
    /// Per image, in input order.
    pub images: Vec<ImageLabelQuality>,
    /// Per class: a quarter of its average precision over IoU 0.5:0.95
    /// (a float32 value, as cleanlab computes it).
    pub class_thresholds: Vec<f64>,
    /// Smallest non-zero similarity between a label and a prediction over
    /// the dataset (1 when there is none).
    pub min_similarity: f64,
}

impl DetectionLabelReport {
    /// Positions of the flagged images, lowest score first, leaving out
    /// scores above 1; ties keep image order. With the default parameters
    /// this is cleanlab's `find_label_issues(...,
    /// return_indices_ranked_by_score=True)`, which always ranks by the
    /// default scores.
    pub fn ranked_issues(&self) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.images.len())
            .filter(|&i| self.images[i].flagged && self.images[i].score <= 1.0)
            .collect();
        v.sort_by(|&a, &b| self.images[a].score.total_cmp(&self.images[b].score));
        v
    }
}

/// Scores every box and image of `input` and flags the images with label
/// issues, as cleanlab's `get_label_quality_scores` and
/// `find_label_issues` do with the same parameters.
///
/// An empty dataset gives an empty report.
pub fn detection_label_issues(
    input: &DetectionLabelInput,
    params: &DetectionLabelParams,
) -> Result<DetectionLabelReport, DetectionLabelError> {
    input.validate()?;
    params.validate()?;
    let views: Vec<ImageView> = input
        .images
        .par_iter()
        .map(|boxes| ImageView::new(boxes, params.alpha))
        .collect();
    let min_similarity = views
        .iter()
        .flat_map(|v| v.pairs.similarity.iter().copied())
        .filter(|&s| s != 0.0)
        .fold(1.0, f64::min);
    let thresholds = class_thresholds(&views, input.num_classes);
    let images = views
        .par_iter()
        .map(|v| score_image(v, min_similarity, &thresholds, params))
        .collect();
    Ok(DetectionLabelReport {
        images,
        class_thresholds: thresholds.iter().map(|&t| f64::from(t)).collect(),
        min_similarity,
    })
}

fn score_image(
    view: &ImageView,
    min_similarity: f64,
    thresholds: &[f32],
    params: &DetectionLabelParams,
) -> ImageLabelQuality {
    let high = params.high_probability_threshold;
    let overlooked = view.overlooked(min_similarity, high);
    let badloc = view.badloc(params.low_probability_threshold);
    let swap = view.swap(min_similarity, high, params.overlapping_label_check);

    // Pool in cleanlab's order: predictions grouped by class.
    let order = view.class_major_order();
    let scored: Vec<f64> = order.iter().filter_map(|&p| overlooked[p]).collect();
    let t = params.temperature;
    let (pooled_o, pooled_b, pooled_s) =
        (softmin(&scored, t), softmin(&badloc, t), softmin(&swap, t));

    // A box is an issue when its score (NaN counting as 1) is at most the
    // factor times its class threshold, both float32.
    let cut = |class: usize, factor: f32| f64::from(thresholds[class] * factor);
    let predictions: Vec<PredictionBoxScore> = view
        .boxes
        .predictions
        .iter()
        .zip(&overlooked)
        .map(|(p, &o)| PredictionBoxScore {
            overlooked: o,
            overlooked_issue: o.unwrap_or(1.0) <= cut(p.class, OVERLOOKED_THRESHOLD_FACTOR),
        })
        .collect();
    let labels: Vec<LabelBoxScores> = view
        .boxes
        .labels
        .iter()
        .enumerate()
        .map(|(l, label)| LabelBoxScores {
            badloc: badloc[l],
            swap: swap[l],
            badloc_issue: badloc[l] <= cut(label.class, BADLOC_THRESHOLD_FACTOR),
            swap_issue: swap[l] <= cut(label.class, SWAP_THRESHOLD_FACTOR),
        })
        .collect();
    let flagged = predictions.iter().any(|p| p.overlooked_issue)
        || labels.iter().any(|l| l.badloc_issue || l.swap_issue);
    ImageLabelQuality {
        score: image_score(pooled_o, pooled_b, pooled_s, &params.weights),
        overlooked: pooled_o,
        badloc: pooled_b,
        swap: pooled_s,
        flagged,
        labels,
        predictions,
    }
}
