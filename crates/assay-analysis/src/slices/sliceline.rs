//! SliceLine (Sagadeeva and Boehm, "SliceLine: Fast, Linear-Algebra-based
//! Slice Finding for ML Model Debugging", SIGMOD 2021) as the `sliceline`
//! 0.3.0 Python package runs it (`Slicefinder(alpha, k, max_l,
//! min_sup).fit(X, errors)`, its NumPy code path, numba absent):
//!
//! - each feature's distinct codes present in the data are its one-hot
//!   columns (scikit-learn's `OneHotEncoder`), `n_col` of them in all;
//! - the score of a slice of `s` rows with error sum `e` is
//!   `alpha * ((e / s) / ē - 1) - (1 - alpha) * (n / s - 1)`, `ē` the mean
//!   error (NumPy's pairwise mean), NaN mapped to `-inf`;
//! - `min_sup`: an integer is a row count; a fraction in `(0, 1)` becomes
//!   `int(min_sup * n)`;
//! - level 1 keeps the columns with `size >= min_sup` and `e > 0`; level
//!   `L` joins pairs of kept level-`L-1` slices sharing `L - 2`
//!   predicates, drops those with two predicates on one feature and those
//!   missing any of their `L` parents, and bounds each from its first
//!   parent pair (the two parents earliest in the previous level's order):
//!   size, error sum and maximum error are the parents' minima, and the
//!   bound is the maximum over `p` in `(min_sup, max(e / max_e, min_sup),
//!   s)` of `(alpha * (min(p * max_e, e) / ē - p) - (1 - alpha) * (n_col -
//!   p)) / p` (the package's bound, with `n_col` where the paper has `n`);
//!   a candidate is evaluated only if its bound exceeds both 0 and the
//!   lowest score in the top-k, and its size bound reaches `min_sup`;
//! - candidates are ordered as the package orders them (by its slice id,
//!   most significant feature first) and evaluated exactly: size, error
//!   sum (added in row order, as SciPy's sparse product does), maximum
//!   error (at least 0, absent entries of the sparse product counting);
//! - the top-k keeps every slice ranked `<= k` by score, ties included
//!   (`rankdata(method="min")`), among those with `size >= min_sup` and a
//!   positive score, ordered by score descending, then by the one-hot row
//!   (a slice without the first differing column first);
//! - levels stop at `min(max_l, features)` or when no candidate remains.
//!
//! Where this differs from the package: its slice ids are float64 sums of
//! int64 products that wrap and round once the product of the feature
//! domains (each plus one) passes 2^53, and then distinct candidates
//! collide and are dropped; here candidates are compared exactly, so the
//! two agree whenever that product stays below 2^53 (the parity tests stay
//! there). Errors must be finite and non-negative.
//!
//! Evaluation never forms the rows-by-candidates matrix: candidates are
//! walked as a prefix tree, each node's rows (copied together, codes
//! row-major in one byte where domains allow) split by the next feature's
//! code, and the last predicate counted by histograms in one pass over the
//! node's rows, in parallel with rayon. The work is the number of (row,
//! candidate) incidences: 1,000,000 rows of 20 features with 10 codes each
//! and no pruning (1.14 million level-3 candidates) take about 5 s of CPU.

use std::cmp::Ordering;
use std::collections::HashMap;

use assay_eval::numeric::pairwise_sum;
use rayon::prelude::*;
use serde::Serialize;

use super::Predicate;

/// The minimum support of a slice.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum MinSup {
    /// At least this many rows.
    Count(u64),
    /// A fraction `0 <= f < 1` of the rows (`int(f * n)` rows; 0 is 0).
    Fraction(f64),
}

/// SliceLine's parameters, with the package's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SliceLineParams {
    /// Weight of the average slice error against its size, `0 < alpha <= 1`
    /// (default 0.6).
    pub alpha: f64,
    /// How many slices to return, ties with the k-th included (default 1).
    pub k: usize,
    /// The most predicates a slice may have (default 4).
    pub max_l: usize,
    /// Minimum support (default 10 rows).
    pub min_sup: MinSup,
}

impl Default for SliceLineParams {
    fn default() -> Self {
        Self {
            alpha: 0.6,
            k: 1,
            max_l: 4,
            min_sup: MinSup::Count(10),
        }
    }
}

/// A slice found, with its statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slice {
    /// Its conditions, by ascending feature.
    pub predicates: Vec<Predicate>,
    /// SliceLine's score.
    pub score: f64,
    /// Rows in the slice.
    pub size: usize,
    /// Sum of their errors.
    pub error_sum: f64,
    /// Their largest error (at least 0).
    pub max_error: f64,
    /// `error_sum / size`.
    pub mean_error: f64,
}

/// What SliceLine found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SliceLineResult {
    /// The top slices, best first.
    pub slices: Vec<Slice>,
    /// Mean error over all rows.
    pub average_error: f64,
    /// The minimum support in rows, as used.
    pub min_sup: f64,
    /// The last lattice level reached.
    pub levels: usize,
}

/// Why SliceLine cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SliceLineError {
    /// No rows or no features.
    #[error("expected at least one row and one feature")]
    Empty,
    /// A feature column of another length than the errors.
    #[error("feature {feature} has {got} rows, expected {expected} (one per error)")]
    Lengths {
        /// The feature.
        feature: usize,
        /// Its length.
        got: usize,
        /// The number of errors.
        expected: usize,
    },
    /// An error that is negative, NaN or infinite.
    #[error("error of row {index} is {value}; expected a finite value >= 0")]
    BadError {
        /// The row.
        index: usize,
        /// Its error.
        value: f64,
    },
    /// A parameter outside its range.
    #[error("invalid parameter: {0}")]
    Param(String),
}

/// Statistics of a slice: score, error sum, max error, size.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stats {
    score: f64,
    err: f64,
    max_err: f64,
    size: f64,
}

/// Per-feature column codes from row-major codes (`rows[i * m + j]`).
pub fn columns_from_rows(rows: &[u32], n_features: usize) -> Vec<Vec<u32>> {
    if n_features == 0 {
        return Vec::new();
    }
    let n = rows.len() / n_features;
    (0..n_features)
        .map(|j| (0..n).map(|i| rows[i * n_features + j]).collect())
        .collect()
}

/// The data one-hot encoded as the package encodes it.
struct Encoded {
    /// Per feature, per row, the index of its code among the feature's
    /// distinct codes.
    local: Vec<Vec<u32>>,
    /// Per feature, its distinct codes ascending.
    values: Vec<Vec<u32>>,
    /// Per one-hot column, its feature and local index.
    col_feature: Vec<usize>,
    col_local: Vec<u32>,
}

impl Encoded {
    fn new<C: AsRef<[u32]> + Sync>(columns: &[C]) -> Self {
        let (local, values): (Vec<Vec<u32>>, Vec<Vec<u32>>) = columns
            .par_iter()
            .map(|c| encode_column(c.as_ref()))
            .unzip();
        let mut col_feature = Vec::new();
        let mut col_local = Vec::new();
        for (f, v) in values.iter().enumerate() {
            for l in 0..v.len() {
                col_feature.push(f);
                col_local.push(l as u32);
            }
        }
        Self {
            local,
            values,
            col_feature,
            col_local,
        }
    }

    fn n_col(&self) -> usize {
        self.col_feature.len()
    }
}

/// A column's local codes and its distinct codes ascending.
fn encode_column(c: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let max = c.iter().copied().max().unwrap_or(0) as usize;
    if max <= 4 * c.len() + 1024 {
        let mut map = vec![u32::MAX; max + 1];
        for &v in c {
            map[v as usize] = 0;
        }
        let mut values = Vec::new();
        for (v, slot) in map.iter_mut().enumerate() {
            if *slot == 0 {
                *slot = values.len() as u32;
                values.push(v as u32);
            }
        }
        (c.iter().map(|&v| map[v as usize]).collect(), values)
    } else {
        let mut values = c.to_vec();
        values.sort_unstable();
        values.dedup();
        let local = c
            .iter()
            .map(|v| values.partition_point(|x| x < v) as u32)
            .collect();
        (local, values)
    }
}

/// NumPy's `maximum`/`minimum`: NaN if either is NaN.
fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a >= b {
        a
    } else {
        b
    }
}

fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a <= b {
        a
    } else {
        b
    }
}

/// The search's fixed quantities.
struct Ctx<'a> {
    enc: Encoded,
    errors: &'a [f64],
    alpha: f64,
    k: usize,
    min_sup: f64,
    avg: f64,
    n: usize,
}

impl Ctx<'_> {
    /// The package's `_score` (NumPy path, then `nan_to_num(nan=-inf)`).
    fn score(&self, size: f64, err: f64) -> f64 {
        let s = self.alpha * ((err / size) / self.avg - 1.0)
            - (1.0 - self.alpha) * (self.n as f64 / size - 1.0);
        if s.is_nan() {
            f64::NEG_INFINITY
        } else if s == f64::INFINITY {
            f64::MAX
        } else if s == f64::NEG_INFINITY {
            f64::MIN
        } else {
            s
        }
    }

    /// The package's `_score_ub` (NumPy path).
    fn score_ub(&self, size: f64, err: f64, max_err: f64) -> f64 {
        let n_col = self.enc.n_col() as f64;
        let points = [self.min_sup, nan_max(err / max_err, self.min_sup), size];
        let mut best = f64::NEG_INFINITY;
        for p in points {
            let v = (self.alpha * (nan_min(p * max_err, err) / self.avg - p)
                - (1.0 - self.alpha) * (n_col - p))
                / p;
            best = if best.is_nan() || v.is_nan() {
                f64::NAN
            } else {
                best.max(v)
            };
        }
        best
    }

    fn stats(&self, size: f64, err: f64, max_err: f64) -> Stats {
        Stats {
            score: self.score(size, err),
            err,
            max_err,
            size,
        }
    }
}

/// Runs SliceLine over per-feature code columns and per-row errors.
pub fn sliceline<C: AsRef<[u32]> + Sync>(
    columns: &[C],
    errors: &[f64],
    params: &SliceLineParams,
) -> Result<SliceLineResult, SliceLineError> {
    let n = errors.len();
    if n == 0 || columns.is_empty() {
        return Err(SliceLineError::Empty);
    }
    for (feature, c) in columns.iter().enumerate() {
        if c.as_ref().len() != n {
            return Err(SliceLineError::Lengths {
                feature,
                got: c.as_ref().len(),
                expected: n,
            });
        }
    }
    if let Some(index) = errors.iter().position(|e| !e.is_finite() || *e < 0.0) {
        return Err(SliceLineError::BadError {
            index,
            value: errors[index],
        });
    }
    let SliceLineParams {
        alpha,
        k,
        max_l,
        min_sup,
    } = *params;
    if !(alpha > 0.0 && alpha <= 1.0) {
        return Err(SliceLineError::Param(format!(
            "alpha {alpha}, expected 0 < alpha <= 1"
        )));
    }
    if k == 0 || max_l == 0 {
        return Err(SliceLineError::Param(format!(
            "k {k} and max_l {max_l}, expected both > 0"
        )));
    }
    let min_sup = match min_sup {
        MinSup::Count(c) => c as f64,
        MinSup::Fraction(f) if f > 0.0 && f < 1.0 => (f * n as f64).trunc(),
        MinSup::Fraction(0.0) => 0.0,
        MinSup::Fraction(f) => {
            return Err(SliceLineError::Param(format!(
                "min_sup fraction {f}, expected 0 <= f < 1"
            )))
        }
    };
    let ctx = Ctx {
        enc: Encoded::new(columns),
        errors,
        alpha,
        k,
        min_sup,
        avg: pairwise_sum(errors) / n as f64,
        n,
    };
    Ok(search(&ctx, columns.len(), max_l))
}

/// The lattice search (`_search_slices`).
fn search(ctx: &Ctx, n_features: usize, max_l: usize) -> SliceLineResult {
    let enc = &ctx.enc;
    // Level 1: every one-hot column, counted per feature in row order.
    let per_feature: Vec<Vec<(f64, f64, f64)>> = enc
        .local
        .par_iter()
        .zip(&enc.values)
        .map(|(local, values)| {
            let mut acc = vec![(0.0, 0.0, 0.0); values.len()];
            for (&l, &e) in local.iter().zip(ctx.errors) {
                let a = &mut acc[l as usize];
                a.0 += 1.0;
                a.1 += e;
                a.2 = f64::max(a.2, e);
            }
            acc
        })
        .collect();
    let mut current: Vec<(Vec<u32>, Stats)> = per_feature
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, (size, err, _))| *size >= ctx.min_sup && *err > 0.0)
        .map(|(c, (size, err, max_err))| (vec![c as u32], ctx.stats(size, err, max_err)))
        .collect();
    let mut top: Vec<(Vec<u32>, Stats)> = Vec::new();
    maintain_top_k(ctx, &mut top, &current);

    let mut level = 1;
    let last = n_features.min(max_l);
    while !current.is_empty() && level < last {
        level += 1;
        current.retain(|(_, s)| s.size >= ctx.min_sup && s.err > 0.0);
        let min_top = top.last().map_or(f64::NEG_INFINITY, |(_, s)| s.score);
        let candidates = candidates(ctx, &current, level, min_top);
        let evaluated = evaluate(ctx, &candidates);
        current = candidates
            .into_iter()
            .zip(evaluated)
            .map(|(cols, (size, err, max_err))| (cols, ctx.stats(size, err, max_err)))
            .collect();
        maintain_top_k(ctx, &mut top, &current);
    }

    let slices = top
        .into_iter()
        .map(|(cols, s)| Slice {
            predicates: cols
                .iter()
                .map(|&c| {
                    let f = enc.col_feature[c as usize];
                    Predicate {
                        feature: f,
                        code: enc.values[f][enc.col_local[c as usize] as usize],
                    }
                })
                .collect(),
            score: s.score,
            size: s.size as usize,
            error_sum: s.err,
            max_error: s.max_err,
            mean_error: s.err / s.size,
        })
        .collect();
    SliceLineResult {
        slices,
        average_error: ctx.avg,
        min_sup: ctx.min_sup,
        levels: level,
    }
}

/// `_maintain_top_k`: merges the valid new slices into the top-k.
fn maintain_top_k(ctx: &Ctx, top: &mut Vec<(Vec<u32>, Stats)>, new: &[(Vec<u32>, Stats)]) {
    let valid: Vec<&(Vec<u32>, Stats)> = new
        .iter()
        .filter(|(_, s)| s.size >= ctx.min_sup && s.score > 0.0)
        .collect();
    if valid.is_empty() {
        return;
    }
    let mut all: Vec<(Vec<u32>, Stats)> = std::mem::take(top);
    all.extend(valid.into_iter().cloned());
    // Rank "min" of -score: 1 + the number of strictly higher scores.
    let mut scores: Vec<f64> = all.iter().map(|(_, s)| s.score).collect();
    scores.sort_unstable_by(|a, b| b.total_cmp(a));
    let threshold_rank = |score: f64| 1 + scores.partition_point(|&x| x > score);
    let mut kept: Vec<(Vec<u32>, Stats)> = all
        .into_iter()
        .filter(|(_, s)| threshold_rank(s.score) <= ctx.k)
        .collect();
    kept.sort_by(|(ca, sa), (cb, sb)| {
        sb.score
            .partial_cmp(&sa.score)
            .unwrap_or(Ordering::Equal)
            .then_with(|| one_hot_order(ca, cb))
    });
    *top = kept;
}

/// `np.lexsort` of one-hot rows, first column most significant: at the
/// first column only one of the two has, the one without it comes first.
fn one_hot_order(a: &[u32], b: &[u32]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    loop {
        match (a.get(i), b.get(j)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) => {
                return if x < y {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
        }
    }
}

/// The package's candidate order: its slice id, `sum over features of
/// (local + 1) * prod(domain + 1 of later features)`, that is the dense
/// vector of `local + 1` (0 where unused) compared first feature first.
fn id_order(enc: &Encoded, a: &[u32], b: &[u32]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    loop {
        let fa = a.get(i).map(|&c| enc.col_feature[c as usize]);
        let fb = b.get(j).map(|&c| enc.col_feature[c as usize]);
        match (fa, fb) {
            (None, None) => return Ordering::Equal,
            (Some(_), None) => return Ordering::Greater,
            (None, Some(_)) => return Ordering::Less,
            (Some(x), Some(y)) if x < y => return Ordering::Greater,
            (Some(x), Some(y)) if x > y => return Ordering::Less,
            _ => {
                let ord = a[i].cmp(&b[j]);
                if ord != Ordering::Equal {
                    return ord;
                }
                i += 1;
                j += 1;
            }
        }
    }
}

/// `_get_pair_candidates`: the level's candidates, pruned by their upper
/// bounds, in the package's order.
fn candidates(
    ctx: &Ctx,
    parents: &[(Vec<u32>, Stats)],
    level: usize,
    min_top: f64,
) -> Vec<Vec<u32>> {
    let enc = &ctx.enc;
    let bound = |p1: usize, p2: usize| -> bool {
        let (a, b) = (&parents[p1].1, &parents[p2].1);
        let size = nan_min(a.size, b.size);
        let err = nan_min(a.err, b.err);
        let max_err = nan_min(a.max_err, b.max_err);
        let ub = ctx.score_ub(size, err, max_err);
        ub > min_top && ub > 0.0 && size >= ctx.min_sup
    };
    let mut out: Vec<Vec<u32>> = if level == 2 {
        (0..parents.len())
            .into_par_iter()
            .flat_map_iter(|i| {
                let a = parents[i].0[0];
                (i + 1..parents.len()).filter_map(move |j| {
                    let b = parents[j].0[0];
                    (enc.col_feature[a as usize] != enc.col_feature[b as usize] && bound(i, j))
                        .then(|| if a < b { vec![a, b] } else { vec![b, a] })
                })
            })
            .collect()
    } else {
        let position: HashMap<&[u32], usize> = parents
            .iter()
            .enumerate()
            .map(|(i, (c, _))| (c.as_slice(), i))
            .collect();
        // Parents grouped by their first `level - 2` columns (Apriori's
        // join): each candidate arises once, from the two parents that
        // drop one of its last two columns.
        let mut order: Vec<usize> = (0..parents.len()).collect();
        order.sort_by(|&x, &y| parents[x].0.cmp(&parents[y].0));
        let prefix = level - 2;
        let mut groups: Vec<&[usize]> = Vec::new();
        let mut start = 0;
        for end in 1..=order.len() {
            if end == order.len()
                || parents[order[end]].0[..prefix] != parents[order[start]].0[..prefix]
            {
                groups.push(&order[start..end]);
                start = end;
            }
        }
        groups
            .par_iter()
            .flat_map_iter(|group| {
                let mut found = Vec::new();
                let mut key = Vec::with_capacity(level - 1);
                for (gi, &p) in group.iter().enumerate() {
                    for &q in &group[gi + 1..] {
                        let (a, b) = (parents[p].0[prefix], parents[q].0[prefix]);
                        if enc.col_feature[a as usize] == enc.col_feature[b as usize] {
                            continue;
                        }
                        let mut cand = parents[p].0.clone();
                        cand.push(b);
                        // The other parents: drop each prefix column.
                        let (mut first, mut second) = (p.min(q), p.max(q));
                        let mut all_present = true;
                        for d in 0..prefix {
                            key.clear();
                            key.extend(
                                cand.iter()
                                    .enumerate()
                                    .filter(|&(i, _)| i != d)
                                    .map(|(_, &c)| c),
                            );
                            match position.get(key.as_slice()) {
                                Some(&pos) => {
                                    if pos < first {
                                        second = first;
                                        first = pos;
                                    } else if pos < second {
                                        second = pos;
                                    }
                                }
                                None => {
                                    all_present = false;
                                    break;
                                }
                            }
                        }
                        if all_present && bound(first, second) {
                            found.push(cand);
                        }
                    }
                }
                found.into_iter()
            })
            .collect()
    };
    out.par_sort_unstable_by(|a, b| id_order(enc, a, b));
    out
}

/// Per-slice accumulators: rows, error sum, maximum error.
type Acc = (f64, f64, f64);

/// A local code, stored as narrowly as the largest domain allows.
trait Code: Copy + Send + Sync {
    fn index(self) -> usize;
}

impl Code for u8 {
    fn index(self) -> usize {
        self as usize
    }
}

impl Code for u16 {
    fn index(self) -> usize {
        self as usize
    }
}

impl Code for u32 {
    fn index(self) -> usize {
        self as usize
    }
}

/// Size, error sum and maximum error of each candidate.
fn evaluate(ctx: &Ctx, candidates: &[Vec<u32>]) -> Vec<Acc> {
    let widest = ctx.enc.values.iter().map(Vec::len).max().unwrap_or(0);
    if widest <= 1 << 8 {
        evaluate_with::<u8>(ctx, candidates, |l| l as u8)
    } else if widest <= 1 << 16 {
        evaluate_with::<u16>(ctx, candidates, |l| l as u16)
    } else {
        evaluate_with::<u32>(ctx, candidates, |l| l)
    }
}

fn evaluate_with<T: Code>(ctx: &Ctx, candidates: &[Vec<u32>], narrow: fn(u32) -> T) -> Vec<Acc> {
    let enc = &ctx.enc;
    let m = enc.local.len();
    let n = ctx.errors.len();
    // Row-major codes: a node's pass over its rows reads one cache line
    // per row, whatever the number of features it counts.
    let mut rm: Vec<T> = vec![narrow(0); n * m];
    rm.par_chunks_mut(m).enumerate().for_each(|(r, row)| {
        for (f, slot) in row.iter_mut().enumerate() {
            *slot = narrow(enc.local[f][r]);
        }
    });
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.par_sort_unstable_by(|&a, &b| candidates[a].cmp(&candidates[b]));
    // The root: candidates by first column, its rows from a scan of the
    // column.
    let mut children: Vec<&[usize]> = Vec::new();
    let mut start = 0;
    for end in 1..=order.len() {
        if end == order.len() || candidates[order[end]][0] != candidates[order[start]][0] {
            children.push(&order[start..end]);
            start = end;
        }
    }
    let walker = Walker {
        ctx,
        m,
        cands: candidates,
    };
    let found: Vec<(usize, Acc)> = children
        .par_iter()
        .flat_map_iter(|group| {
            let c = candidates[group[0]][0] as usize;
            let (f, l) = (enc.col_feature[c], enc.col_local[c]);
            let rows: Vec<u32> = enc.local[f]
                .iter()
                .enumerate()
                .filter(|&(_, &v)| v == l)
                .map(|(r, _)| r as u32)
                .collect();
            walker.walk(group, &rm, ctx.errors, &rows, 1)
        })
        .collect();
    let mut out = vec![(0.0, 0.0, 0.0); candidates.len()];
    for (i, s) in found {
        out[i] = s;
    }
    out
}

/// Rows below which a node is not split across threads.
const PARALLEL_ROWS: usize = 1 << 15;

struct Walker<'a> {
    ctx: &'a Ctx<'a>,
    m: usize,
    cands: &'a [Vec<u32>],
}

impl Walker<'_> {
    /// One node of the prefix tree: `group` (sorted by columns) shares its
    /// first `depth` columns, matched by `rows`, ascending positions in
    /// `rm` (row-major codes) and `err`.
    fn walk<T: Code>(
        &self,
        group: &[usize],
        rm: &[T],
        err: &[f64],
        rows: &[u32],
        depth: usize,
    ) -> Vec<(usize, Acc)> {
        let enc = &self.ctx.enc;
        let cands = self.cands;
        let column = |i: usize| cands[i][depth] as usize;
        if cands[group[0]].len() == depth + 1 {
            // The last predicate: one histogram per feature, one pass.
            let mut features: Vec<(usize, usize)> = Vec::new();
            let mut width = 0;
            for &i in group {
                let f = enc.col_feature[column(i)];
                if features.last().is_none_or(|&(g, _)| g != f) {
                    features.push((f, width));
                    width += enc.values[f].len();
                }
            }
            // One pass over the node's rows (one cache line each), every
            // feature's histogram updated; buckets add errors in row order.
            let mut count = vec![0u32; width];
            let mut sum = vec![0.0f64; width];
            let mut max = vec![0.0f64; width];
            for &r in rows {
                let r = r as usize;
                let row = &rm[r * self.m..(r + 1) * self.m];
                let e = err[r];
                for &(f, off) in &features {
                    let j = off + row[f].index();
                    count[j] += 1;
                    sum[j] += e;
                    if e > max[j] {
                        max[j] = e;
                    }
                }
            }
            let hist = |j: usize| (count[j] as f64, sum[j], max[j]);
            let mut k = 0;
            return group
                .iter()
                .map(|&i| {
                    let c = column(i);
                    while features[k].0 != enc.col_feature[c] {
                        k += 1;
                    }
                    (i, hist(features[k].1 + enc.col_local[c] as usize))
                })
                .collect();
        }
        // Deeper: split the rows among the children (next column), all
        // features in one pass.
        let mut children: Vec<&[usize]> = Vec::new();
        let mut start = 0;
        for end in 1..=group.len() {
            if end == group.len() || column(group[end]) != column(group[start]) {
                children.push(&group[start..end]);
                start = end;
            }
        }
        let mut features: Vec<(usize, usize)> = Vec::new();
        let mut width = 0;
        for child in &children {
            let f = enc.col_feature[column(child[0])];
            if features.last().is_none_or(|&(g, _)| g != f) {
                features.push((f, width));
                width += enc.values[f].len();
            }
        }
        let mut slot = vec![u32::MAX; width];
        let mut k = 0;
        for (ci, child) in children.iter().enumerate() {
            let c = column(child[0]);
            while features[k].0 != enc.col_feature[c] {
                k += 1;
            }
            slot[features[k].1 + enc.col_local[c] as usize] = ci as u32;
        }
        // The node's rows copied together, so that its children's passes
        // read a small, cached block rather than the whole table.
        let mut sub_rm: Vec<T> = Vec::with_capacity(rows.len() * self.m);
        let mut sub_err: Vec<f64> = Vec::with_capacity(rows.len());
        for &r in rows {
            let r = r as usize;
            sub_rm.extend_from_slice(&rm[r * self.m..(r + 1) * self.m]);
            sub_err.push(err[r]);
        }
        let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); children.len()];
        for (p, row) in sub_rm.chunks_exact(self.m).enumerate() {
            for &(f, off) in &features {
                let b = slot[off + row[f].index()];
                if b != u32::MAX {
                    buckets[b as usize].push(p as u32);
                }
            }
        }
        let (sub_rm, sub_err) = (&sub_rm, &sub_err);
        let recurse = |(child, rows): (&&[usize], &Vec<u32>)| {
            self.walk(child, sub_rm, sub_err, rows, depth + 1)
        };
        if rows.len() >= PARALLEL_ROWS {
            children
                .par_iter()
                .zip(buckets.par_iter())
                .flat_map_iter(recurse)
                .collect()
        } else {
            children
                .iter()
                .zip(buckets.iter())
                .flat_map(recurse)
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_planted_slice() {
        // Feature 0 code 1 with feature 1 code 2 fails; the rest does not.
        let n = 600;
        let f0: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
        let f1: Vec<u32> = (0..n).map(|i| ((i / 2) % 2) as u32 * 2).collect();
        let errors: Vec<f64> = (0..n)
            .map(|i| {
                if f0[i] == 1 && f1[i] == 2 {
                    1.0
                } else {
                    (i % 17 == 0) as u8 as f64
                }
            })
            .collect();
        let params = SliceLineParams {
            k: 2,
            max_l: 2,
            ..SliceLineParams::default()
        };
        let r = sliceline(&[f0, f1], &errors, &params).unwrap();
        let best = &r.slices[0];
        assert_eq!(
            best.predicates,
            [
                Predicate {
                    feature: 0,
                    code: 1
                },
                Predicate {
                    feature: 1,
                    code: 2
                }
            ]
        );
        assert_eq!(best.size, 150);
        assert_eq!(best.mean_error, 1.0);
    }

    #[test]
    fn bad_input_is_an_error() {
        let p = SliceLineParams::default();
        assert_eq!(
            sliceline::<Vec<u32>>(&[], &[1.0], &p),
            Err(SliceLineError::Empty)
        );
        assert!(matches!(
            sliceline(&[vec![0u32, 1]], &[1.0], &p),
            Err(SliceLineError::Lengths { .. })
        ));
        assert!(matches!(
            sliceline(&[vec![0u32]], &[-1.0], &p),
            Err(SliceLineError::BadError { index: 0, .. })
        ));
        let bad = SliceLineParams { alpha: 0.0, ..p };
        assert!(matches!(
            sliceline(&[vec![0u32]], &[1.0], &bad),
            Err(SliceLineError::Param(_))
        ));
    }

    #[test]
    fn one_hot_and_id_orders() {
        assert_eq!(one_hot_order(&[1, 5], &[2, 3]), Ordering::Greater);
        assert_eq!(one_hot_order(&[2], &[2, 3]), Ordering::Less);
    }
}
