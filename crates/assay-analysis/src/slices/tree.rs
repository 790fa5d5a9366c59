//! Deepchecks' weak-segments method (`WeakSegmentsPerformance`, its
//! `WeakSegmentAbstract._weak_segments_search`): for each pair of the top
//! properties, a shallow regression tree of the per-row score on the two
//! properties; its leaf with the lowest mean score is that pair's weak
//! segment (a range on each property the path to the leaf constrains).
//!
//! Kept from deepchecks (its tabular defaults): the first 10 properties
//! in the caller's rank order, every pair of them; rows with a NaN score
//! dropped, and per pair rows with a NaN property; trees of depth 5, at
//! least 5 rows and 5% of the rows (of those with a score) per leaf, a
//! split only if it lowers the weighted impurity by 0.003; a tree without
//! a split gives no segment; segments sorted by score, worst first, one
//! per pair (several per property allowed).
//!
//! Where this differs from deepchecks:
//! - the tree is this module's own exact CART regressor with squared
//!   error (scikit-learn's rules: thresholds halfway between neighbouring
//!   values more than 1e-7 apart, `x <= threshold` going left, node
//!   impurity the variance); deepchecks grid-searches squared and absolute
//!   error with 3-fold cross-validation, which is not done here;
//! - ties between the two properties' best splits go to the first
//!   property, where scikit-learn draws the order at random;
//! - no subsampling (deepchecks takes 10,000 rows) and no target encoding
//!   of categorical properties: properties are numbers;
//! - ranges are reported as `low < x <= high` (infinite ends where the
//!   path sets none).
//!
//! The score is "higher is better" (e.g. IoU, or 1 - error); pass minus a
//! loss.

use assay_eval::numeric::pairwise_sum;
use rayon::prelude::*;
use serde::Serialize;

/// The method's parameters, deepchecks' defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TreeParams {
    /// How many properties (the first in the given order) to pair (10).
    pub n_top_features: usize,
    /// Minimum leaf size as a fraction of the rows (0.05).
    pub segment_minimum_size_ratio: f64,
    /// Tree depth (5).
    pub max_depth: usize,
    /// Minimum rows per leaf (5).
    pub min_samples_leaf: usize,
    /// Minimum weighted impurity decrease of a split (0.003).
    pub min_impurity_decrease: f64,
}

impl Default for TreeParams {
    fn default() -> Self {
        Self {
            n_top_features: 10,
            segment_minimum_size_ratio: 0.05,
            max_depth: 5,
            min_samples_leaf: 5,
            min_impurity_decrease: 0.003,
        }
    }
}

/// How many segments deepchecks shows (`n_to_show`); all are returned.
pub const N_TO_SHOW: usize = 3;

/// A property's range in a segment: `low < x <= high`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Range {
    /// Exclusive lower end (`-inf` if none).
    pub low: f64,
    /// Inclusive upper end (`+inf` if none).
    pub high: f64,
}

impl Range {
    /// Whether `x` lies in the range.
    pub fn contains(&self, x: f64) -> bool {
        x > self.low && x <= self.high
    }
}

/// A weak segment: one or two property ranges.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// The first property and its range.
    pub feature1: usize,
    /// Its range.
    pub range1: Range,
    /// The second property, when the leaf's path constrains both.
    pub feature2: Option<usize>,
    /// Its range.
    pub range2: Option<Range>,
    /// Mean score of the rows in the segment.
    pub score: f64,
    /// Rows in the segment (ascending).
    pub rows: Vec<usize>,
}

impl Segment {
    /// Number of rows in the segment.
    pub fn size(&self) -> usize {
        self.rows.len()
    }
}

/// Why the search cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TreeError {
    /// A property of another length than the scores.
    #[error("property {feature} has {got} values, expected {expected} (one per score)")]
    Lengths {
        /// The property.
        feature: usize,
        /// Its length.
        got: usize,
        /// Number of scores.
        expected: usize,
    },
    /// An infinite property value or score.
    #[error("infinite value at row {row}; expected finite numbers or NaN")]
    Infinite {
        /// The row.
        row: usize,
    },
}

/// Weak segments over every pair of the first `n_top_features`
/// properties (each a column of values per row), worst first.
pub fn weak_segments<C: AsRef<[f64]> + Sync>(
    properties: &[C],
    scores: &[f64],
    params: &TreeParams,
) -> Result<Vec<Segment>, TreeError> {
    let n = scores.len();
    for (feature, p) in properties.iter().enumerate() {
        let p = p.as_ref();
        if p.len() != n {
            return Err(TreeError::Lengths {
                feature,
                got: p.len(),
                expected: n,
            });
        }
        if let Some(row) = p.iter().position(|v| v.is_infinite()) {
            return Err(TreeError::Infinite { row });
        }
    }
    if let Some(row) = scores.iter().position(|v| v.is_infinite()) {
        return Err(TreeError::Infinite { row });
    }
    let scored = scores.iter().filter(|s| !s.is_nan()).count();
    let min_leaf_weight = params.segment_minimum_size_ratio * scored as f64;
    let top = properties.len().min(params.n_top_features);
    // Each property's rows with a score, sorted by value (stable).
    let sorted: Vec<Vec<u32>> = properties[..top]
        .par_iter()
        .map(|p| {
            let p = p.as_ref();
            let mut rows: Vec<u32> = (0..n as u32)
                .filter(|&r| !scores[r as usize].is_nan() && !p[r as usize].is_nan())
                .collect();
            rows.sort_by(|&a, &b| p[a as usize].total_cmp(&p[b as usize]));
            rows
        })
        .collect();
    let pairs: Vec<(usize, usize)> = (0..top)
        .flat_map(|i| (i + 1..top).map(move |j| (i, j)))
        .collect();
    let mut segments: Vec<Segment> = pairs
        .par_iter()
        .filter_map(|&(i, j)| {
            let xs = [properties[i].as_ref(), properties[j].as_ref()];
            let valid = |r: &u32| !xs[0][*r as usize].is_nan() && !xs[1][*r as usize].is_nan();
            let orders = [
                sorted[i]
                    .iter()
                    .copied()
                    .filter(valid)
                    .collect::<Vec<u32>>(),
                sorted[j]
                    .iter()
                    .copied()
                    .filter(valid)
                    .collect::<Vec<u32>>(),
            ];
            if orders[0].is_empty() {
                return None;
            }
            let tree = Tree {
                xs,
                y: scores,
                params,
                min_leaf_weight,
                total: orders[0].len() as f64,
            };
            let bounds = [Range {
                low: f64::NEG_INFINITY,
                high: f64::INFINITY,
            }; 2];
            let mut worst: Option<(f64, [Range; 2], Vec<u32>)> = None;
            let mut side = vec![false; n];
            tree.grow(orders, 0, bounds, &mut side, &mut worst);
            let (score, ranges, mut rows) = worst?;
            let constrained: Vec<usize> = (0..2)
                .filter(|&k| ranges[k].low.is_finite() || ranges[k].high.is_finite())
                .collect();
            let (f1, r1, f2, r2) = match constrained.as_slice() {
                [a] => ([i, j][*a], ranges[*a], None, None),
                [_, _] => (i, ranges[0], Some(j), Some(ranges[1])),
                _ => return None,
            };
            rows.sort_unstable();
            Some(Segment {
                feature1: f1,
                range1: r1,
                feature2: f2,
                range2: r2,
                score,
                rows: rows.into_iter().map(|r| r as usize).collect(),
            })
        })
        .collect();
    segments.sort_by(|a, b| a.score.total_cmp(&b.score));
    Ok(segments)
}

/// scikit-learn's `EPSILON` (double precision) and `FEATURE_THRESHOLD`.
const EPSILON: f64 = f64::EPSILON;
const FEATURE_THRESHOLD: f64 = 1e-7;

struct Tree<'a> {
    xs: [&'a [f64]; 2],
    y: &'a [f64],
    params: &'a TreeParams,
    min_leaf_weight: f64,
    total: f64,
}

/// The best split of a node: feature, position in its order, threshold,
/// proxy improvement.
struct Split {
    feature: usize,
    pos: usize,
    threshold: f64,
    proxy: f64,
}

impl Tree<'_> {
    /// Grows the node whose rows are `orders` (sorted by each property),
    /// keeping the leaf with the lowest mean score in `worst`.
    fn grow(
        &self,
        orders: [Vec<u32>; 2],
        depth: usize,
        bounds: [Range; 2],
        side: &mut [bool],
        worst: &mut Option<(f64, [Range; 2], Vec<u32>)>,
    ) {
        let rows = &orders[0];
        let n = rows.len();
        let nf = n as f64;
        let sum: f64 = rows.iter().map(|&r| self.y[r as usize]).sum();
        let sq: f64 = rows.iter().map(|&r| self.y[r as usize].powi(2)).sum();
        let impurity = sq / nf - (sum / nf).powi(2);
        let p = self.params;
        let leaf_min = p.min_samples_leaf.max(1);
        let mut is_leaf = depth >= p.max_depth
            || n < 2
            || n < 2 * leaf_min
            || nf < 2.0 * self.min_leaf_weight
            || impurity <= EPSILON;
        let mut split = None;
        if !is_leaf {
            split = self.best_split(&orders, sum, leaf_min);
            match &split {
                None => is_leaf = true,
                Some(s) => {
                    let (l, r) = self.sides(&orders[s.feature], s.pos);
                    let improvement =
                        (nf / self.total) * (impurity - (l.0 / nf) * l.1 - (r.0 / nf) * r.1);
                    if improvement + EPSILON < p.min_impurity_decrease {
                        is_leaf = true;
                    }
                }
            }
        }
        match split {
            Some(s) if !is_leaf => {
                let order = &orders[s.feature];
                for (k, &r) in order.iter().enumerate() {
                    side[r as usize] = k < s.pos;
                }
                let part = |o: &Vec<u32>, left: bool| -> Vec<u32> {
                    o.iter()
                        .copied()
                        .filter(|&r| side[r as usize] == left)
                        .collect()
                };
                let left = [part(&orders[0], true), part(&orders[1], true)];
                let right = [part(&orders[0], false), part(&orders[1], false)];
                let mut lb = bounds;
                lb[s.feature].high = s.threshold;
                let mut rb = bounds;
                rb[s.feature].low = s.threshold;
                drop(orders);
                self.grow(left, depth + 1, lb, side, worst);
                self.grow(right, depth + 1, rb, side, worst);
            }
            _ => {
                let values: Vec<f64> = rows.iter().map(|&r| self.y[r as usize]).collect();
                let mean = pairwise_sum(&values) / nf;
                if worst.as_ref().is_none_or(|w| mean < w.0) {
                    *worst = Some((mean, bounds, orders[0].clone()));
                }
            }
        }
    }

    /// Count and variance of each side of a split at `pos` of `order`.
    fn sides(&self, order: &[u32], pos: usize) -> ((f64, f64), (f64, f64)) {
        let stat = |rows: &[u32]| {
            let n = rows.len() as f64;
            let s: f64 = rows.iter().map(|&r| self.y[r as usize]).sum();
            let q: f64 = rows.iter().map(|&r| self.y[r as usize].powi(2)).sum();
            (n, q / n - (s / n).powi(2))
        };
        (stat(&order[..pos]), stat(&order[pos..]))
    }

    /// scikit-learn's best split by the squared-error proxy
    /// `sum_l^2 / n_l + sum_r^2 / n_r`.
    fn best_split(&self, orders: &[Vec<u32>; 2], sum: f64, leaf_min: usize) -> Option<Split> {
        let n = orders[0].len();
        let mut best: Option<Split> = None;
        for (feature, order) in orders.iter().enumerate() {
            let x = self.xs[feature];
            let value = |k: usize| x[order[k] as usize];
            if value(n - 1) <= value(0) + FEATURE_THRESHOLD {
                continue;
            }
            let mut left_sum = 0.0;
            for pos in 1..n {
                left_sum += self.y[order[pos - 1] as usize];
                if value(pos) <= value(pos - 1) + FEATURE_THRESHOLD {
                    continue;
                }
                let (nl, nr) = (pos, n - pos);
                if nl < leaf_min || nr < leaf_min {
                    continue;
                }
                if (nl as f64) < self.min_leaf_weight || (nr as f64) < self.min_leaf_weight {
                    continue;
                }
                let right_sum = sum - left_sum;
                let proxy = left_sum * left_sum / nl as f64 + right_sum * right_sum / nr as f64;
                if best.as_ref().is_none_or(|b| proxy > b.proxy) {
                    let (a, b) = (value(pos - 1), value(pos));
                    let mut threshold = a / 2.0 + b / 2.0;
                    if threshold == b || threshold.is_infinite() {
                        threshold = a;
                    }
                    best = Some(Split {
                        feature,
                        pos,
                        threshold,
                        proxy,
                    });
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_weak_corner() {
        // Score drops where both properties are high.
        let n = 400;
        let a: Vec<f64> = (0..n).map(|i| (i % 20) as f64).collect();
        let b: Vec<f64> = (0..n).map(|i| (i / 20) as f64).collect();
        let score: Vec<f64> = (0..n)
            .map(|i| {
                if a[i] >= 15.0 && b[i] >= 15.0 {
                    0.0
                } else {
                    1.0
                }
            })
            .collect();
        let segs = weak_segments(&[a.clone(), b.clone()], &score, &TreeParams::default()).unwrap();
        assert_eq!(segs.len(), 1);
        let s = &segs[0];
        assert_eq!(s.score, 0.0);
        assert_eq!(s.size(), 25);
        assert!(s.rows.iter().all(|&r| a[r] >= 15.0 && b[r] >= 15.0));
        assert_eq!(s.range1.low, 14.5);
        assert_eq!(s.range2.unwrap().low, 14.5);
    }

    #[test]
    fn constant_score_has_no_segment() {
        let a: Vec<f64> = (0..50).map(f64::from).collect();
        let segs = weak_segments(&[a.clone(), a], &[1.0; 50], &TreeParams::default()).unwrap();
        assert!(segs.is_empty());
        assert!(weak_segments(&[vec![1.0]], &[1.0, 2.0], &TreeParams::default()).is_err());
    }
}
