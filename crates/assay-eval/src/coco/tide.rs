//! A TIDE-style breakdown of detection errors (Bolya et al., 2020), with
//! the AP50 each kind of error costs.
//!
//! At the foreground threshold `t_f` (0.5) every false positive gets one
//! error kind, checked in this order against the ground truths of its image
//! (crowds left out):
//! - `duplicate`: IoU >= t_f with a ground truth of its class that a
//!   higher-scoring detection already took;
//! - `classification`: IoU >= t_f with a ground truth of another class;
//! - `localization`: t_b <= IoU < t_f with a ground truth of its class;
//! - `both`: t_b <= IoU < t_f with a ground truth of another class;
//! - `background`: IoU < t_b (0.1) with everything.
//!
//! Ground truths left unfound and not the target of a classification or
//! localization error are `missed`. The cost of a kind is the AP50 gained
//! by fixing only that kind: a classification or localization error becomes
//! a true positive of its target when that target was not found (else it is
//! removed), the other false positives are removed, and missed ground truths
//! are taken out of the count.

use std::collections::HashSet;

use serde::Serialize;

use super::outcomes::{Outcome, Outcomes};
use super::CocoEvaluator;
use crate::numeric::mean;

/// The kinds of detection error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Right place, wrong class.
    Classification,
    /// Right class, poorly placed.
    Localization,
    /// Wrong class and poorly placed.
    Both,
    /// A second detection of an object already found.
    Duplicate,
    /// A detection of nothing.
    Background,
    /// An object no detection found.
    Missed,
}

impl ErrorKind {
    /// All kinds, in report order.
    pub const ALL: [ErrorKind; 6] = [
        ErrorKind::Classification,
        ErrorKind::Localization,
        ErrorKind::Both,
        ErrorKind::Duplicate,
        ErrorKind::Background,
        ErrorKind::Missed,
    ];

    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Classification => "classification",
            ErrorKind::Localization => "localization",
            ErrorKind::Both => "both",
            ErrorKind::Duplicate => "duplicate",
            ErrorKind::Background => "background",
            ErrorKind::Missed => "missed",
        }
    }
}

/// How many errors of one kind, and what fixing them gains.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorCost {
    /// The kind.
    pub kind: ErrorKind,
    /// Number of detections (or ground truths, for `missed`) with it.
    pub count: usize,
    /// AP50 after fixing only this kind, minus the AP50 as is.
    pub delta_ap: f64,
}

/// The error breakdown of a detector.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorBreakdown {
    /// AP at the foreground threshold as is (mean over categories with
    /// ground truth).
    pub ap: f64,
    /// Foreground IoU threshold.
    pub foreground_iou: f64,
    /// Background IoU threshold.
    pub background_iou: f64,
    /// One entry per kind.
    pub costs: Vec<ErrorCost>,
    /// The error of each detection (aligned with `Outcomes::detections`).
    pub detection_errors: Vec<Option<ErrorKind>>,
    /// The error of each ground truth (aligned with
    /// `Outcomes::ground_truths`): `missed` or none.
    pub ground_truth_errors: Vec<Option<ErrorKind>>,
}

/// A false positive's error and the ground truth it was aimed at.
#[derive(Clone, Copy)]
struct Assigned {
    kind: ErrorKind,
    target: Option<usize>,
}

/// One detection as the AP computation sees it.
#[derive(Clone, Copy)]
struct Entry {
    cat: usize,
    score: f64,
    /// Ties go by image, then input order, as in COCO's accumulation.
    order: (i64, usize),
    tp: bool,
}

impl CocoEvaluator {
    /// Breaks down the errors of `outcomes`, which must come from
    /// [`CocoEvaluator::outcomes`] at the foreground threshold (0.5 in TIDE).
    pub fn error_breakdown(&self, outcomes: &Outcomes, background_iou: f64) -> ErrorBreakdown {
        let assigned = self.assign_errors(outcomes, background_iou);
        let targeted: HashSet<usize> = assigned
            .iter()
            .flatten()
            .filter(|a| matches!(a.kind, ErrorKind::Classification | ErrorKind::Localization))
            .filter_map(|a| a.target)
            .collect();
        let ground_truth_errors: Vec<Option<ErrorKind>> = (0..outcomes.ground_truths.len())
            .map(|g| {
                let missed =
                    outcomes.ground_truths[g].outcome == Outcome::Fn && !targeted.contains(&g);
                missed.then_some(ErrorKind::Missed)
            })
            .collect();
        let base = self.fixed_ap(outcomes, &assigned, &ground_truth_errors, None);
        let costs = ErrorKind::ALL
            .iter()
            .map(|&kind| ErrorCost {
                kind,
                count: if kind == ErrorKind::Missed {
                    ground_truth_errors.iter().flatten().count()
                } else {
                    assigned.iter().flatten().filter(|a| a.kind == kind).count()
                },
                delta_ap: self.fixed_ap(outcomes, &assigned, &ground_truth_errors, Some(kind))
                    - base,
            })
            .collect();
        ErrorBreakdown {
            ap: base,
            foreground_iou: outcomes.iou_threshold,
            background_iou,
            costs,
            detection_errors: assigned.iter().map(|a| a.map(|a| a.kind)).collect(),
            ground_truth_errors,
        }
    }

    fn assign_errors(&self, outcomes: &Outcomes, background_iou: f64) -> Vec<Option<Assigned>> {
        let (dets, gts) = (&outcomes.detections, &outcomes.ground_truths);
        let mut assigned = vec![None; dets.len()];
        for (image_dts, image_gts) in self.objects_by_image() {
            let candidates: Vec<usize> = image_gts
                .into_iter()
                .filter(|&g| gts[g].outcome != Outcome::Ignored)
                .collect();
            for d in image_dts {
                if dets[d].outcome != Outcome::Fp {
                    continue;
                }
                let best = |same: bool| {
                    candidates
                        .iter()
                        .filter(|&&g| (gts[g].category_id == dets[d].category_id) == same)
                        .map(|&g| (g, self.prepared.pair_iou(d, g)))
                        .max_by(|a, b| a.1.total_cmp(&b.1))
                        .unwrap_or((usize::MAX, 0.0))
                };
                let (same, other) = (best(true), best(false));
                let t_f = outcomes.iou_threshold;
                let (kind, target) = if same.1 >= t_f {
                    (ErrorKind::Duplicate, same.0)
                } else if other.1 >= t_f {
                    (ErrorKind::Classification, other.0)
                } else if same.1 >= background_iou {
                    (ErrorKind::Localization, same.0)
                } else if other.1 >= background_iou {
                    (ErrorKind::Both, other.0)
                } else {
                    (ErrorKind::Background, usize::MAX)
                };
                assigned[d] = Some(Assigned {
                    kind,
                    target: (target != usize::MAX).then_some(target),
                });
            }
        }
        assigned
    }

    /// AP (mean over categories with ground truth) after fixing `fix`.
    fn fixed_ap(
        &self,
        outcomes: &Outcomes,
        assigned: &[Option<Assigned>],
        gt_errors: &[Option<ErrorKind>],
        fix: Option<ErrorKind>,
    ) -> f64 {
        let k_n = self.prepared.category_ids.len();
        let cat_of = |id: i64| self.prepared.category_ids.binary_search(&id).unwrap_or(0);
        let (dets, gts) = (&outcomes.detections, &outcomes.ground_truths);
        let mut counted = vec![0usize; k_n];
        let mut claimed = HashSet::new();
        for (g, gt) in gts.iter().enumerate() {
            let missed_fixed = fix == Some(ErrorKind::Missed) && gt_errors[g].is_some();
            if gt.outcome != Outcome::Ignored && !missed_fixed {
                counted[cat_of(gt.category_id)] += 1;
            }
        }
        let mut entries = Vec::with_capacity(dets.len());
        for (d, det) in dets.iter().enumerate() {
            let entry = |cat, tp| Entry {
                cat,
                score: det.score,
                order: (det.image_id, d),
                tp,
            };
            match (det.outcome, assigned[d]) {
                (Outcome::Tp, _) => entries.push(entry(cat_of(det.category_id), true)),
                (Outcome::Fp, Some(a)) if Some(a.kind) == fix => {
                    let repairable =
                        matches!(a.kind, ErrorKind::Classification | ErrorKind::Localization);
                    if let Some(t) = a.target.filter(|_| repairable) {
                        if gts[t].outcome == Outcome::Fn && claimed.insert(t) {
                            entries.push(entry(cat_of(gts[t].category_id), true));
                        }
                    }
                }
                (Outcome::Fp, _) => entries.push(entry(cat_of(det.category_id), false)),
                _ => {}
            }
        }
        let mut by_cat = vec![Vec::new(); k_n];
        for e in entries {
            by_cat[e.cat].push(e);
        }
        let recall_thresholds = &self.params.recall_thresholds;
        let aps: Vec<f64> = (0..k_n)
            .filter(|&k| counted[k] > 0)
            .map(|k| interpolated_ap(&mut by_cat[k], counted[k], recall_thresholds))
            .collect();
        mean(&aps).unwrap_or(-1.0)
    }
}

/// COCO's interpolated AP of one category at one threshold: detections by
/// descending score, the precision envelope read at each recall threshold.
fn interpolated_ap(entries: &mut [Entry], counted: usize, recall_thresholds: &[f64]) -> f64 {
    entries.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.order.cmp(&b.order))
    });
    let (mut tp, mut fp) = (0.0f64, 0.0f64);
    let mut recall = Vec::with_capacity(entries.len());
    let mut precision = Vec::with_capacity(entries.len());
    for e in entries.iter() {
        if e.tp {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        recall.push(tp / counted as f64);
        precision.push(tp / (fp + tp + f64::EPSILON));
    }
    for i in (1..precision.len()).rev() {
        precision[i - 1] = precision[i - 1].max(precision[i]);
    }
    let values: Vec<f64> = recall_thresholds
        .iter()
        .map(|&r| {
            let at = recall.partition_point(|&v| v < r);
            precision.get(at).copied().unwrap_or(0.0)
        })
        .collect();
    mean(&values).unwrap_or(0.0)
}
