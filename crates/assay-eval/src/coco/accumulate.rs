//! Precision and recall over all images of a category: `COCOeval.accumulate`.

use serde::{Deserialize, Serialize};

use super::matching::{match_group, GroupMatch, MatchRules};
use super::params::Params;
use super::prepare::{Group, Prepared};

/// One image's evaluated detections of one category, matched at every
/// area range: pycocotools' `evalImgs` entries for the image, and what a
/// shard of an evaluation hands to the merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageMatches {
    /// The image's id.
    pub image: i64,
    /// The evaluated detections' scores, best first (at most the largest
    /// `max_dets`).
    pub scores: Vec<f64>,
    /// The matching at each area range, in the parameters' order.
    pub areas: Vec<AreaMatches>,
}

/// One image's matching of one category at one area range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaMatches {
    /// Ground truths that count (not crowd, inside the range).
    pub counted: usize,
    /// Per evaluated detection, bit `t` set when it matched at IoU
    /// threshold `t`.
    pub matched: Vec<u64>,
    /// Per evaluated detection, bit `t` set when it is ignored at
    /// threshold `t`.
    pub ignored: Vec<u64>,
}

/// One evaluated detection of a category at one area range.
#[derive(Debug, Clone, Copy)]
struct Record {
    matched: u64,
    ignored: u64,
}

/// A detection's place in the score order, shared by all area ranges.
#[derive(Debug, Clone, Copy)]
struct Ranked {
    score: f64,
    rank: usize,
}

/// Precision, recall and scores of one category, laid out
/// `[t][r][a][m]` (precision, scores) and `[t][a][m]` (recall).
pub(crate) struct CategoryCurves {
    pub precision: Vec<f64>,
    pub scores: Vec<f64>,
    pub recall: Vec<f64>,
}

/// Matches every group (image) of one category at every area range:
/// `COCOeval.evaluateImg` for the category.
pub(crate) fn match_category(
    prepared: &Prepared,
    groups: &[Group],
    params: &Params,
    rules: MatchRules,
) -> Vec<ImageMatches> {
    groups
        .iter()
        .map(|g| ImageMatches {
            image: prepared.image_ids[g.image],
            scores: g.dts[..g.evaluated(rules.max_det)]
                .iter()
                .map(|&d| prepared.dts[d].score)
                .collect(),
            areas: params
                .area_ranges
                .iter()
                .map(|area| {
                    let m: GroupMatch = match_group(
                        g,
                        &prepared.gts,
                        &prepared.dts,
                        area,
                        &params.iou_thresholds,
                        rules,
                    );
                    AreaMatches {
                        counted: m.counted_gts(),
                        matched: m.matched,
                        ignored: m.ignored,
                    }
                })
                .collect(),
        })
        .collect()
}

/// Accumulates one category's matched images (in image id order) into its
/// curves: `COCOeval.accumulate` for the category.
pub(crate) fn accumulate_matches(images: &[&ImageMatches], params: &Params) -> CategoryCurves {
    let (t_n, r_n) = (params.iou_thresholds.len(), params.recall_thresholds.len());
    let (a_n, m_n) = (params.area_ranges.len(), params.max_dets.len());
    let mut curves = CategoryCurves {
        precision: vec![-1.0; t_n * r_n * a_n * m_n],
        scores: vec![-1.0; t_n * r_n * a_n * m_n],
        recall: vec![-1.0; t_n * a_n * m_n],
    };
    if images.is_empty() {
        return curves;
    }
    let mut ranked = Vec::new();
    for image in images {
        for (rank, &score) in image.scores.iter().enumerate() {
            ranked.push(Ranked { score, rank });
        }
    }
    // All images' detections by descending score, ties in image order.
    let mut order: Vec<usize> = (0..ranked.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (ranked[a].score, ranked[b].score);
        b.partial_cmp(&a).unwrap_or(std::cmp::Ordering::Equal)
    });
    for a in 0..a_n {
        let mut records = Vec::with_capacity(ranked.len());
        let mut counted = 0;
        for image in images {
            let m = &image.areas[a];
            counted += m.counted;
            records.extend(
                m.matched
                    .iter()
                    .zip(&m.ignored)
                    .map(|(&matched, &ignored)| Record { matched, ignored }),
            );
        }
        if counted == 0 {
            continue;
        }
        for (m, &max_det) in params.max_dets.iter().enumerate() {
            let kept: Vec<usize> = order
                .iter()
                .copied()
                .filter(|&i| ranked[i].rank < max_det)
                .collect();
            for t in 0..t_n {
                let curve = pr_curve(&kept, &records, &ranked, t, counted, params);
                let at = |r: usize| ((t * r_n + r) * a_n + a) * m_n + m;
                for r in 0..r_n {
                    curves.precision[at(r)] = curve.precision[r];
                    curves.scores[at(r)] = curve.scores[r];
                }
                curves.recall[(t * a_n + a) * m_n + m] = curve.recall;
            }
        }
    }
    curves
}

/// Interpolated precision (and the score reached) at each recall
/// threshold, and the final recall, for one IoU threshold.
struct Curve {
    precision: Vec<f64>,
    scores: Vec<f64>,
    recall: f64,
}

/// `accumulate`'s arithmetic, computed only where it can matter: precision
/// can only reach a new high at a true positive, and the first detection
/// reaching a recall threshold above 0 is a true positive, so the envelope
/// is taken over true positives; recall threshold 0 is met by the first
/// detection. The values are the same floating-point operations as
/// pycocotools' on the same operands.
fn pr_curve(
    kept: &[usize],
    records: &[Record],
    ranked: &[Ranked],
    t: usize,
    counted: usize,
    params: &Params,
) -> Curve {
    let bit = 1u64 << t;
    let (mut tp, mut fp) = (0.0f64, 0.0f64);
    // (precision, position in `kept`) at each true positive.
    let mut hits: Vec<(f64, usize)> = Vec::new();
    let mut first_precision = 0.0;
    for (pos, &i) in kept.iter().enumerate() {
        let r = records[i];
        if r.ignored & bit == 0 {
            if r.matched & bit != 0 {
                tp += 1.0;
                hits.push((tp / (fp + tp + f64::EPSILON), pos));
            } else {
                fp += 1.0;
            }
        }
        if pos == 0 {
            first_precision = tp / (fp + tp + f64::EPSILON);
        }
    }
    // The precision envelope over true positives.
    for i in (1..hits.len()).rev() {
        if hits[i].0 > hits[i - 1].0 {
            hits[i - 1].0 = hits[i].0;
        }
    }
    let r_n = params.recall_thresholds.len();
    let mut curve = Curve {
        precision: vec![0.0; r_n],
        scores: vec![0.0; r_n],
        recall: if kept.is_empty() {
            0.0
        } else {
            tp / counted as f64
        },
    };
    let mut k = 0;
    for (r, &threshold) in params.recall_thresholds.iter().enumerate() {
        if kept.is_empty() {
            break;
        }
        if threshold <= 0.0 {
            let best = hits
                .first()
                .map_or(first_precision, |h| h.0.max(first_precision));
            curve.precision[r] = best;
            curve.scores[r] = ranked[kept[0]].score;
            continue;
        }
        // The first true positive whose recall reaches the threshold.
        while k < hits.len() && ((k + 1) as f64 / counted as f64) < threshold {
            k += 1;
        }
        let Some(&(precision, pos)) = hits.get(k) else {
            break;
        };
        curve.precision[r] = precision;
        curve.scores[r] = ranked[kept[pos]].score;
    }
    curve
}
