//! Greedy matching of one image's detections to its ground truths, as
//! `COCOeval.evaluateImg` does it.

use super::params::AreaRange;
use super::prepare::{DtObject, Group, GtObject};

/// How to treat ground truths while matching.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MatchRules {
    /// Ignore ground truths without labelled keypoints (keypoint evaluation).
    pub ignore_without_keypoints: bool,
    /// Count matches with a ground truth whose id is 0 (see `Params::fix_zero_id`).
    pub fix_zero_id: bool,
    /// Detections evaluated per image.
    pub max_det: usize,
    /// Record which ground truth each detection matched (`GroupMatch::partner`).
    pub partners: bool,
}

/// The outcome of matching one group at every threshold for one area range.
#[derive(Debug, Default)]
pub(crate) struct GroupMatch {
    /// Per evaluated detection, bit `t` set when it matched at threshold `t`.
    pub matched: Vec<u64>,
    /// Per evaluated detection, bit `t` set when it is ignored at threshold
    /// `t` (matched an ignored ground truth, or unmatched and outside the
    /// area range).
    pub ignored: Vec<u64>,
    /// Per evaluated detection and threshold (`d * T + t`), the matched
    /// ground truth as an index into the group's `gts`.
    pub partner: Vec<Option<u32>>,
    /// Per ground truth of the group, whether it is ignored.
    pub gt_ignored: Vec<bool>,
}

impl GroupMatch {
    /// Ground truths that are not ignored.
    pub fn counted_gts(&self) -> usize {
        self.gt_ignored.iter().filter(|&&i| !i).count()
    }
}

/// Matches a group's detections (best score first) to its ground truths.
pub(crate) fn match_group(
    group: &Group,
    gts: &[GtObject],
    dts: &[DtObject],
    area: &AreaRange,
    thresholds: &[f64],
    rules: MatchRules,
) -> GroupMatch {
    let n_gt = group.gts.len();
    let n_dt = group.evaluated(rules.max_det);
    let gt_ignored: Vec<bool> = group
        .gts
        .iter()
        .map(|&i| {
            let g = &gts[i];
            g.crowd || (rules.ignore_without_keypoints && g.no_keypoints) || area.excludes(g.area)
        })
        .collect();
    // Ground truths that count come first, each side in input order.
    let mut order: Vec<usize> = (0..n_gt).collect();
    order.sort_by_key(|&i| gt_ignored[i]);
    let mut m = GroupMatch {
        matched: vec![0; n_dt],
        ignored: vec![0; n_dt],
        partner: if rules.partners {
            vec![None; n_dt * thresholds.len()]
        } else {
            Vec::new()
        },
        gt_ignored,
    };
    if !group.ious.is_empty() {
        for (t, &threshold) in thresholds.iter().enumerate() {
            match_at(
                group,
                gts,
                &order,
                threshold,
                t,
                thresholds.len(),
                rules,
                &mut m,
            );
        }
    }
    for (d, &di) in group.dts[..n_dt].iter().enumerate() {
        if area.excludes(dts[di].area) {
            m.ignored[d] |= !m.matched[d] & bit_mask(thresholds.len());
        }
    }
    m
}

/// All bits for `n` thresholds.
fn bit_mask(n: usize) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// One threshold of `evaluateImg`'s loop: each detection takes the best
/// remaining ground truth with IoU at least the threshold, preferring
/// ground truths that count, the later one on ties. Crowds can be taken
/// many times.
#[allow(clippy::too_many_arguments)]
fn match_at(
    group: &Group,
    gts: &[GtObject],
    order: &[usize],
    threshold: f64,
    t: usize,
    n_thresholds: usize,
    rules: MatchRules,
    m: &mut GroupMatch,
) {
    let n_gt = group.gts.len();
    let mut taken = vec![false; n_gt];
    for d in 0..m.matched.len() {
        let row = &group.ious[d * n_gt..(d + 1) * n_gt];
        let mut best = threshold.min(1.0 - 1e-10);
        let mut found: Option<usize> = None;
        for &g in order {
            let crowd = gts[group.gts[g]].crowd;
            if taken[g] && !crowd {
                continue;
            }
            if let Some(f) = found {
                if !m.gt_ignored[f] && m.gt_ignored[g] {
                    break;
                }
            }
            if row[g] < best {
                continue;
            }
            best = row[g];
            found = Some(g);
        }
        let Some(g) = found else { continue };
        taken[g] = true;
        if let Some(p) = m.partner.get_mut(d * n_thresholds + t) {
            *p = Some(g as u32);
        }
        if m.gt_ignored[g] {
            m.ignored[d] |= 1 << t;
        }
        if rules.fix_zero_id || gts[group.gts[g]].id != 0 {
            m.matched[d] |= 1 << t;
        }
    }
}
