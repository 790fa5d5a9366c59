//! COCO evaluation of detections, instance masks and keypoints, identical
//! to `pycocotools` 2.0.11 `COCOeval` (`evaluate`, `accumulate`,
//! `summarize`).
//!
//! What pycocotools does, and so what this does:
//! - images are all ground-truth images and categories all ground-truth
//!   categories, each sorted by id; detections of other categories are left
//!   out;
//! - per image and category, detections are sorted by score (stable) and
//!   the top `max_dets` kept; each takes the unmatched ground truth of
//!   highest IoU at or above the threshold, ties going to the later ground
//!   truth, ground truths that count before ignored ones;
//! - crowd regions are ignored, may match many detections, and their IoU
//!   uses the detection's area as the union;
//! - a ground truth is outside an area range when its `area` (as given in
//!   the input) is below the minimum or above the maximum; an unmatched
//!   detection outside the range is ignored;
//! - precision is made monotone (the envelope) and read at 101 recall
//!   thresholds; categories without ground truth get -1;
//! - a match with a ground truth whose id is 0 does not count (see
//!   [`Params::fix_zero_id`]).

mod accumulate;
mod bootstrap;
mod confusion;
mod matching;
mod oks;
mod outcomes;
mod params;
mod partial;
mod prepare;
mod summary;
mod tide;

use assay_core::model::{Annotation, Dataset};
use rayon::prelude::*;

pub use bootstrap::{
    paired_bootstrap, BootstrapOptions, MetricDifference, PairedBootstrap, ResampleEvaluator,
    ResampleMetrics,
};
pub use confusion::ConfusionMatrix;
pub use outcomes::{DetectionOutcome, GroundTruthOutcome, Outcome, Outcomes};
pub use params::{AreaRange, IouType, Params, COCO_PERSON_SIGMAS};
pub use summary::{CategoryMetrics, SummaryStat};
pub use tide::{ErrorBreakdown, ErrorCost, ErrorKind};

use crate::EvalError;
use accumulate::{accumulate_matches, match_category};
pub use accumulate::{AreaMatches, ImageMatches};
use matching::MatchRules;
pub use partial::{merge, PartialEvaluation, FORMAT as PARTIAL_FORMAT};
use prepare::{prepare, Prepared};

/// The accumulated result of a COCO evaluation.
#[derive(Debug, Clone)]
pub struct CocoEvaluation {
    /// The parameters used.
    pub params: Params,
    /// Evaluated image ids, sorted.
    pub image_ids: Vec<i64>,
    /// Evaluated category ids, sorted.
    pub category_ids: Vec<i64>,
    /// Interpolated precision, shape `[T, R, K, A, M]` row-major, -1 where
    /// a category has no ground truth.
    pub precision: Vec<f64>,
    /// Final recall, shape `[T, K, A, M]`.
    pub recall: Vec<f64>,
    /// The score at which each precision entry is reached, `[T, R, K, A, M]`.
    pub scores: Vec<f64>,
}

/// Evaluates `predictions` against the ground truth in `dataset`.
///
/// Annotation `area`s are used as given; predictions without one get the
/// box area (or the mask area for masks without a box).
pub fn evaluate(
    dataset: &Dataset,
    predictions: &[Annotation],
    params: &Params,
) -> Result<CocoEvaluation, EvalError> {
    Ok(CocoEvaluator::new(dataset, predictions, params)?.evaluate())
}

/// Ground truth and detections prepared once (groups, IoU matrices) for the
/// summary evaluation, per-object outcomes and the error breakdown.
pub struct CocoEvaluator {
    prepared: Prepared,
    params: Params,
}

impl CocoEvaluator {
    /// Groups the objects by image and category and computes their IoUs.
    pub fn new(
        dataset: &Dataset,
        predictions: &[Annotation],
        params: &Params,
    ) -> Result<CocoEvaluator, EvalError> {
        params.validate()?;
        Ok(CocoEvaluator {
            prepared: prepare(dataset, predictions, params)?,
            params: params.clone(),
        })
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Matches and accumulates: precision, recall and scores per threshold,
    /// category, area range and detection count.
    pub fn evaluate(&self) -> CocoEvaluation {
        let (params, prepared) = (&self.params, &self.prepared);
        let rules = rules(params);
        let per_category: Vec<_> = category_groups(prepared)
            .into_par_iter()
            .map(|groups| {
                let images = match_category(prepared, groups, params, rules);
                accumulate_matches(&images.iter().collect::<Vec<_>>(), params)
            })
            .collect();
        assemble(
            params,
            prepared.image_ids.clone(),
            prepared.category_ids.clone(),
            &per_category,
        )
    }

    /// The matched images of every category, unaccumulated: one shard's
    /// part of an evaluation, which [`merge`] combines with the others'.
    pub fn partial(&self) -> PartialEvaluation {
        let (params, prepared) = (&self.params, &self.prepared);
        let rules = rules(params);
        let categories = category_groups(prepared)
            .into_par_iter()
            .map(|groups| match_category(prepared, groups, params, rules))
            .collect();
        PartialEvaluation::new(
            params.clone(),
            prepared.image_ids.clone(),
            prepared.category_ids.clone(),
            categories,
        )
    }
}

/// Lays the categories' curves out as pycocotools' arrays.
fn assemble(
    params: &Params,
    image_ids: Vec<i64>,
    category_ids: Vec<i64>,
    per_category: &[accumulate::CategoryCurves],
) -> CocoEvaluation {
    let k_n = category_ids.len();
    let (t_n, r_n) = (params.iou_thresholds.len(), params.recall_thresholds.len());
    let (a_n, m_n) = (params.area_ranges.len(), params.max_dets.len());
    let mut precision = vec![-1.0; t_n * r_n * k_n * a_n * m_n];
    let mut scores = precision.clone();
    let mut recall = vec![-1.0; t_n * k_n * a_n * m_n];
    for (k, c) in per_category.iter().enumerate() {
        for t in 0..t_n {
            for am in 0..a_n * m_n {
                for r in 0..r_n {
                    let from = (t * r_n + r) * a_n * m_n + am;
                    let to = ((t * r_n + r) * k_n + k) * a_n * m_n + am;
                    precision[to] = c.precision[from];
                    scores[to] = c.scores[from];
                }
                recall[(t * k_n + k) * a_n * m_n + am] = c.recall[t * a_n * m_n + am];
            }
        }
    }
    CocoEvaluation {
        params: params.clone(),
        image_ids,
        category_ids,
        precision,
        recall,
        scores,
    }
}

fn rules(params: &Params) -> MatchRules {
    MatchRules {
        ignore_without_keypoints: params.iou_type == IouType::Keypoints,
        fix_zero_id: params.fix_zero_id,
        max_det: params.max_det(),
        partners: false,
    }
}

/// The groups of each category, in category order (groups are sorted by
/// category, then image).
fn category_groups(prepared: &Prepared) -> Vec<&[prepare::Group]> {
    let mut out = Vec::with_capacity(prepared.category_ids.len());
    let mut start = 0;
    for k in 0..prepared.category_ids.len() {
        let groups = &prepared.groups[start..];
        let len = groups.iter().take_while(|g| g.cat == k).count();
        out.push(&groups[..len]);
        start += len;
    }
    out
}

#[cfg(test)]
mod tests;
