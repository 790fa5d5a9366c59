//! The per-image evaluation, computed once: for every category, each
//! image's matches (`evaluateImg`) at every area range and IoU threshold,
//! and the category's detections in score order.
//!
//! A resample only changes how often each image counts, never which
//! detection matches which ground truth, so everything here is reused by
//! every resample.

use rayon::prelude::*;

use super::super::matching::{match_group, GroupMatch, MatchRules};
use super::super::prepare::{Group, Prepared};
use super::super::{category_groups, rules, CocoEvaluator};

/// One evaluated detection (among the top `max_det` of its image).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Det {
    /// Image index.
    pub image: u32,
    /// Place in its image's score order.
    pub rank: u32,
}

/// One image's counts for a category.
#[derive(Debug, Clone)]
pub(crate) struct ImageCounts {
    /// Image index.
    pub image: u32,
    /// Ground truths that count (are not ignored), per area range.
    pub counted: Vec<u32>,
    /// Detections evaluated, per `max_dets` entry.
    pub evaluated: Vec<u32>,
    /// True positives per `max_dets` entry, area range and IoU threshold,
    /// `(m * A + a) * T + t`.
    pub tp: Vec<u32>,
}

/// A category's per-image evaluation.
#[derive(Debug, Clone, Default)]
pub(crate) struct CategoryTable {
    /// Evaluated detections by descending score; equal scores by image,
    /// then rank (the order pycocotools' stable sort gives over images in
    /// id order).
    pub dets: Vec<Det>,
    /// Per detection and area range (`d * A + a`): bits of the thresholds
    /// it matched at, and of those it is ignored at.
    pub bits: Vec<(u64, u64)>,
    /// Runs of equal scores in `dets`: run `i` is
    /// `blocks[i]..blocks[i + 1]`.
    pub blocks: Vec<u32>,
    /// The images with objects of this category.
    pub images: Vec<ImageCounts>,
}

/// Builds every category's table.
pub(crate) fn build(evaluator: &CocoEvaluator) -> Vec<CategoryTable> {
    let (prepared, params) = (&evaluator.prepared, &evaluator.params);
    let rules = rules(params);
    category_groups(prepared)
        .into_par_iter()
        .map(|groups| category_table(prepared, groups, evaluator, rules))
        .collect()
}

fn category_table(
    prepared: &Prepared,
    groups: &[Group],
    evaluator: &CocoEvaluator,
    rules: MatchRules,
) -> CategoryTable {
    let params = &evaluator.params;
    let (a_n, t_n) = (params.area_ranges.len(), params.iou_thresholds.len());
    let mut scores = Vec::new();
    let mut dets = Vec::new();
    let mut bits = Vec::new();
    let mut images = Vec::with_capacity(groups.len());
    for g in groups {
        let evaluated = g.evaluated(rules.max_det);
        let matches: Vec<GroupMatch> = params
            .area_ranges
            .iter()
            .map(|area| {
                match_group(
                    g,
                    &prepared.gts,
                    &prepared.dts,
                    area,
                    &params.iou_thresholds,
                    rules,
                )
            })
            .collect();
        let mut tp = vec![0u32; params.max_dets.len() * a_n * t_n];
        for (m, &max_det) in params.max_dets.iter().enumerate() {
            for (a, found) in matches.iter().enumerate() {
                for d in 0..evaluated.min(max_det) {
                    let counted = found.matched[d] & !found.ignored[d];
                    for t in 0..t_n {
                        tp[(m * a_n + a) * t_n + t] += (counted >> t & 1) as u32;
                    }
                }
            }
        }
        images.push(ImageCounts {
            image: g.image as u32,
            counted: matches.iter().map(|m| m.counted_gts() as u32).collect(),
            evaluated: params
                .max_dets
                .iter()
                .map(|&m| evaluated.min(m) as u32)
                .collect(),
            tp,
        });
        for (rank, &d) in g.dts[..evaluated].iter().enumerate() {
            scores.push(prepared.dts[d].score);
            dets.push(Det {
                image: g.image as u32,
                rank: rank as u32,
            });
            bits.extend(matches.iter().map(|m| (m.matched[rank], m.ignored[rank])));
        }
    }
    // Groups come in image order and ranks ascend within a group, so a
    // stable sort by descending score leaves ties by image, then rank.
    let mut order: Vec<usize> = (0..dets.len()).collect();
    order.sort_by(|&a, &b| {
        scores[b]
            .partial_cmp(&scores[a])
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut blocks = Vec::new();
    for (i, &d) in order.iter().enumerate() {
        if i == 0 || scores[d] != scores[order[i - 1]] {
            blocks.push(i as u32);
        }
    }
    blocks.push(order.len() as u32);
    CategoryTable {
        dets: order.iter().map(|&d| dets[d]).collect(),
        bits: order
            .iter()
            .flat_map(|&d| bits[d * a_n..(d + 1) * a_n].iter().copied())
            .collect(),
        blocks,
        images,
    }
}
