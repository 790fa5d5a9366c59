//! What became of every object: each detection a true or false positive,
//! each ground truth found or missed, at one IoU threshold and across the
//! threshold sweep.

use rayon::prelude::*;
use serde::Serialize;

use super::matching::{match_group, MatchRules};
use super::prepare::Group;
use super::{rules, CocoEvaluator};

/// The outcome of one object at an IoU threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A detection that matched a ground truth, or a ground truth found.
    Tp,
    /// A detection that matched nothing (or a ground truth already taken).
    Fp,
    /// A ground truth no detection matched.
    Fn,
    /// Left out of the counts: a crowd region, a detection matched to one,
    /// or a detection ranked beyond the per-image limit.
    Ignored,
}

impl Outcome {
    /// `tp`, `fp`, `fn` or `ignored`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Tp => "tp",
            Outcome::Fp => "fp",
            Outcome::Fn => "fn",
            Outcome::Ignored => "ignored",
        }
    }
}

/// One detection's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct DetectionOutcome {
    /// Position in the predictions given to the evaluator.
    pub index: usize,
    /// The detection's id.
    pub id: i64,
    /// Its image.
    pub image_id: i64,
    /// Its category.
    pub category_id: i64,
    /// Its score.
    pub score: f64,
    /// TP, FP or ignored at the chosen threshold.
    pub outcome: Outcome,
    /// The ground truth it matched.
    pub matched_id: Option<i64>,
    /// IoU with the matched ground truth, else the best IoU with any ground
    /// truth of its category (0 when there is none).
    pub iou: f64,
    /// Bit `t` set when it is a true positive at the `t`-th threshold of the
    /// sweep (`Params::iou_thresholds`).
    pub tp_sweep: u64,
}

/// One ground truth's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct GroundTruthOutcome {
    /// Position in the dataset's annotations.
    pub index: usize,
    /// The ground truth's id.
    pub id: i64,
    /// Its image.
    pub image_id: i64,
    /// Its category.
    pub category_id: i64,
    /// TP, FN or ignored at the chosen threshold.
    pub outcome: Outcome,
    /// The detection that found it.
    pub matched_id: Option<i64>,
    /// IoU with that detection, else the best IoU of any detection of its
    /// category (0 when there is none).
    pub iou: f64,
    /// The score of the detection that found it.
    pub score: Option<f64>,
    /// Bit `t` set when found at the `t`-th threshold of the sweep.
    pub tp_sweep: u64,
}

/// Every object's outcome at one IoU threshold (all areas, the largest
/// per-image detection limit).
#[derive(Debug, Clone, Serialize)]
pub struct Outcomes {
    /// The threshold.
    pub iou_threshold: f64,
    /// Detections of evaluated categories, in input order.
    pub detections: Vec<DetectionOutcome>,
    /// Ground truths of evaluated categories, in input order.
    pub ground_truths: Vec<GroundTruthOutcome>,
}

impl CocoEvaluator {
    /// Matches at `iou_threshold` (and the sweep) and reports every object.
    pub fn outcomes(&self, iou_threshold: f64) -> Outcomes {
        let groups: Vec<_> = self
            .prepared
            .groups
            .par_iter()
            .map(|g| self.group_outcomes(g, iou_threshold))
            .collect();
        let mut detections = Vec::with_capacity(self.prepared.dts.len());
        let mut ground_truths = Vec::with_capacity(self.prepared.gts.len());
        for (d, g) in groups {
            detections.extend(d);
            ground_truths.extend(g);
        }
        detections.sort_by_key(|d| d.index);
        ground_truths.sort_by_key(|g| g.index);
        Outcomes {
            iou_threshold,
            detections,
            ground_truths,
        }
    }

    fn group_outcomes(
        &self,
        g: &Group,
        iou_threshold: f64,
    ) -> (Vec<DetectionOutcome>, Vec<GroundTruthOutcome>) {
        let (p, params) = (&self.prepared, &self.params);
        let mut thresholds = vec![iou_threshold];
        thresholds.extend(&params.iou_thresholds);
        let n_t = thresholds.len();
        let rules = MatchRules {
            partners: true,
            ..rules(params)
        };
        let m = match_group(
            g,
            &p.gts,
            &p.dts,
            &params.area_ranges[0],
            &thresholds,
            rules,
        );
        let n_gt = g.gts.len();
        let iou = |d: usize, gi: usize| g.ious.get(d * n_gt + gi).copied().unwrap_or(0.0);
        let (image_id, category_id) = (p.image_ids[g.image], p.category_ids[g.cat]);
        let mut found: Vec<Option<usize>> = vec![None; n_gt];
        let mut sweep_found = vec![0u64; n_gt];
        let mut dets = Vec::with_capacity(g.dts.len());
        for (d, &di) in g.dts.iter().enumerate() {
            let dt = &p.dts[di];
            let evaluated = d < m.matched.len();
            let (matched, ignored) = if evaluated {
                (m.matched[d], m.ignored[d])
            } else {
                (0, 1)
            };
            let counted = matched & !ignored;
            let partner = |t: usize| m.partner.get(d * n_t + t).copied().flatten();
            for t in 1..n_t {
                if counted >> t & 1 == 1 {
                    if let Some(gi) = partner(t) {
                        sweep_found[gi as usize] |= 1 << (t - 1);
                    }
                }
            }
            let outcome = match (ignored & 1 == 1, matched & 1 == 1) {
                (true, _) => Outcome::Ignored,
                (false, true) => Outcome::Tp,
                (false, false) => Outcome::Fp,
            };
            let partner0 = partner(0).map(|gi| gi as usize);
            if outcome == Outcome::Tp {
                if let Some(gi) = partner0 {
                    found[gi] = Some(d);
                }
            }
            let best = (0..n_gt).map(|gi| iou(d, gi)).fold(0.0, f64::max);
            dets.push(DetectionOutcome {
                index: dt.source,
                id: dt.id,
                image_id,
                category_id,
                score: dt.score,
                outcome,
                matched_id: partner0
                    .filter(|_| outcome == Outcome::Tp)
                    .map(|gi| p.gts[g.gts[gi]].id),
                iou: match (outcome, partner0) {
                    (Outcome::Tp, Some(gi)) => iou(d, gi),
                    _ => best,
                },
                tp_sweep: counted >> 1,
            });
        }
        let gts = g
            .gts
            .iter()
            .enumerate()
            .map(|(gi, &index)| {
                let gt = &p.gts[index];
                let best = (0..m.matched.len()).map(|d| iou(d, gi)).fold(0.0, f64::max);
                let (outcome, matched, iou_value, score) = match (m.gt_ignored[gi], found[gi]) {
                    (true, _) => (Outcome::Ignored, None, best, None),
                    (false, Some(d)) => {
                        let dt = &p.dts[g.dts[d]];
                        (Outcome::Tp, Some(dt.id), iou(d, gi), Some(dt.score))
                    }
                    (false, None) => (Outcome::Fn, None, best, None),
                };
                GroundTruthOutcome {
                    index: gt.source,
                    id: gt.id,
                    image_id,
                    category_id,
                    outcome,
                    matched_id: matched,
                    iou: iou_value,
                    score,
                    tp_sweep: sweep_found[gi],
                }
            })
            .collect();
        (dets, gts)
    }
}

impl CocoEvaluator {
    /// Indices into the evaluator's detections and ground truths (the same
    /// order as [`Outcomes`]' lists) of each image, in image order.
    pub(crate) fn objects_by_image(&self) -> Vec<(Vec<usize>, Vec<usize>)> {
        let mut out = vec![(Vec::new(), Vec::new()); self.prepared.image_ids.len()];
        for g in &self.prepared.groups {
            out[g.image].0.extend(&g.dts);
            out[g.image].1.extend(&g.gts);
        }
        out
    }
}
