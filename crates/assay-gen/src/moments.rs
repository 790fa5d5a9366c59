//! Feature statistics (mean and covariance) from sums that shards of a set
//! compute apart and a merge adds up exactly as one process does, so that
//! sharded statistics equal unsharded ones bit for bit.
//!
//! The rows are cut into blocks of [`BLOCK_ROWS`] by their index in the
//! whole set. A block's sums are `Σ (x - s)` and `Σ (x - s)(x - s)ᵀ`, with
//! `s` the set's first row (a shift that keeps the covariance from
//! cancelling digits when features have a large mean), summed in row order
//! and by one single-threaded product. Blocks are added along a fixed
//! binary tree over the block indices (a node is its left child plus its
//! right one, or the left alone past the last block). A shard holding
//! rows `[start, end)` computes the tree's nodes that lie wholly inside it
//! and keeps the rows of the blocks it shares with its neighbours as they
//! are; [`merge`] finishes those blocks and the nodes above. One process is
//! the case of one shard, so [`FeatureStats::from_features`] runs the same
//! additions in the same order as any sharding.
//!
//! The covariance is `(Σ (x-s)(x-s)ᵀ - n d dᵀ) / (n - 1)` with `d` the mean
//! of `x - s`, which equals NumPy's `np.cov` to within rounding (well
//! inside the FID parity tests' tolerance).

use std::collections::HashMap;

use faer::linalg::matmul::triangular::{matmul, BlockStructure};
use faer::{Accum, Mat, Par};
use rayon::prelude::*;

use crate::frechet::FeatureStats;
use crate::{Features, GenError};

/// Rows per block of the summation tree.
pub const BLOCK_ROWS: usize = 1024;

/// What a partial statistics file says it is.
pub const FORMAT: &str = "assay-fid-moments/1";

/// The sums of the blocks under one node of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Height above the blocks (0: one block).
    pub level: u32,
    /// Position at its level: it covers blocks `[index << level, (index + 1) << level)`.
    pub index: usize,
    /// Rows summed.
    pub rows: usize,
    /// `Σ (x - s)`, one value per dimension.
    pub sum: Vec<f64>,
    /// `Σ (x - s)(x - s)ᵀ`, its lower triangle row by row (`d (d + 1) / 2` values).
    pub cross: Vec<f64>,
}

/// Rows kept as they are: a run of a block that another shard shares.
#[derive(Debug, Clone, PartialEq)]
pub struct LooseRows {
    /// Index of the first row in the whole set.
    pub start: usize,
    /// The rows, row-major.
    pub values: Vec<f64>,
}

/// One shard's part of the statistics of a set.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialMoments {
    /// Rows in the whole set.
    pub total_rows: usize,
    /// The shard's first row.
    pub start: usize,
    /// One past the shard's last row.
    pub end: usize,
    /// The set's first row, subtracted from every row.
    pub shift: Vec<f64>,
    /// Nodes wholly inside the shard, largest first.
    pub nodes: Vec<Node>,
    /// Rows of blocks shared with a neighbouring shard.
    pub loose: Vec<LooseRows>,
}

/// Number of blocks of `total` rows.
fn blocks_of(total: usize) -> usize {
    total.div_ceil(BLOCK_ROWS)
}

/// Rows `[start, end)` of block `b`.
fn block_rows(b: usize, total: usize) -> (usize, usize) {
    (b * BLOCK_ROWS, ((b + 1) * BLOCK_ROWS).min(total))
}

/// The root's level: the smallest tree over `blocks` blocks.
fn root_level(blocks: usize) -> u32 {
    blocks.next_power_of_two().trailing_zeros()
}

impl Node {
    /// The sums of a block's rows (`rows`, minus `shift`).
    fn leaf(index: usize, rows: &[f64], dim: usize, shift: &[f64]) -> Node {
        let m = rows.len() / dim;
        let centred = Mat::from_fn(m, dim, |i, j| rows[i * dim + j] - shift[j]);
        let mut sum = vec![0.0; dim];
        for i in 0..m {
            for (j, s) in sum.iter_mut().enumerate() {
                *s += centred[(i, j)];
            }
        }
        let mut product = Mat::<f64>::zeros(dim, dim);
        matmul(
            product.as_mut(),
            BlockStructure::TriangularLower,
            Accum::Replace,
            centred.transpose(),
            BlockStructure::Rectangular,
            centred.as_ref(),
            BlockStructure::Rectangular,
            1.0,
            Par::Seq,
        );
        let cross = (0..dim)
            .flat_map(|i| (0..=i).map(move |j| (i, j)))
            .map(|(i, j)| product[(i, j)])
            .collect();
        Node {
            level: 0,
            index,
            rows: m,
            sum,
            cross,
        }
    }

    /// The parent of `left` and `right` (the left alone past the end).
    fn join(left: Node, right: Option<Node>) -> Node {
        let mut parent = left;
        parent.level += 1;
        parent.index /= 2;
        if let Some(right) = right {
            parent.rows += right.rows;
            parent
                .sum
                .iter_mut()
                .zip(&right.sum)
                .for_each(|(a, b)| *a += b);
            parent
                .cross
                .iter_mut()
                .zip(&right.cross)
                .for_each(|(a, b)| *a += b);
        }
        parent
    }
}

/// Computes node `(level, index)` from the rows of `features` (whose first
/// row is row `offset` of the set), children in parallel.
fn build(
    level: u32,
    index: usize,
    features: &Features,
    offset: usize,
    total: usize,
    shift: &[f64],
) -> Node {
    let blocks = blocks_of(total);
    if level == 0 {
        let (a, b) = block_rows(index, total);
        let dim = features.dim();
        let rows = &features.as_slice()[(a - offset) * dim..(b - offset) * dim];
        return Node::leaf(index, rows, dim, shift);
    }
    let right_exists = ((2 * index + 1) << (level - 1)) < blocks;
    let (left, right) = rayon::join(
        || build(level - 1, 2 * index, features, offset, total, shift),
        || right_exists.then(|| build(level - 1, 2 * index + 1, features, offset, total, shift)),
    );
    Node::join(left, right)
}

impl PartialMoments {
    /// The part of rows `[start, start + rows.len())` of a set of `total`
    /// rows whose first row is `shift`.
    pub fn new(
        features: &Features,
        start: usize,
        total: usize,
        shift: &[f64],
    ) -> Result<PartialMoments, GenError> {
        let dim = features.dim();
        let end = start.saturating_add(features.len());
        if end > total || shift.len() != dim {
            return Err(GenError::Shape(format!(
                "rows {start}..{end} of a set of {total} rows with a shift of {} values do not fit {dim} dimensions",
                shift.len()
            )));
        }
        let blocks = blocks_of(total);
        let first = start.div_ceil(BLOCK_ROWS);
        // Blocks that end inside the shard (the last one may end at `total`).
        let after = (0..=blocks)
            .rev()
            .find(|&b| b == 0 || block_rows(b - 1, total).1 <= end)
            .unwrap_or(0);
        let mut nodes = Vec::new();
        let mut loose = Vec::new();
        let rows_of =
            |a: usize, b: usize| features.as_slice()[(a - start) * dim..(b - start) * dim].to_vec();
        if first >= after {
            if end > start {
                loose.push(LooseRows {
                    start,
                    values: rows_of(start, end),
                });
            }
        } else {
            let (head_end, tail_start) =
                (block_rows(first, total).0, block_rows(after - 1, total).1);
            if head_end > start {
                loose.push(LooseRows {
                    start,
                    values: rows_of(start, head_end),
                });
            }
            if end > tail_start {
                loose.push(LooseRows {
                    start: tail_start,
                    values: rows_of(tail_start, end),
                });
            }
            for (level, index) in decompose(first, after, blocks) {
                nodes.push(build(level, index, features, start, total, shift));
            }
        }
        Ok(PartialMoments {
            total_rows: total,
            start,
            end,
            shift: shift.to_vec(),
            nodes,
            loose,
        })
    }

    /// The feature dimension.
    pub fn dim(&self) -> usize {
        self.shift.len()
    }
}

impl PartialMoments {
    /// The part as bytes: [`FORMAT`], then little-endian `u64` counts and
    /// `f64` values (the exact bits).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut put = |v: u64| out.extend_from_slice(&v.to_le_bytes());
        for v in [
            self.total_rows,
            self.start,
            self.end,
            self.dim(),
            self.nodes.len(),
            self.loose.len(),
        ] {
            put(v as u64);
        }
        for n in &self.nodes {
            put(u64::from(n.level));
            put(n.index as u64);
            put(n.rows as u64);
        }
        for r in &self.loose {
            put(r.start as u64);
            put((r.values.len() / self.dim().max(1)) as u64);
        }
        let floats = self
            .shift
            .iter()
            .chain(self.nodes.iter().flat_map(|n| n.sum.iter().chain(&n.cross)));
        let floats = floats.chain(self.loose.iter().flat_map(|r| &r.values));
        let mut bytes = FORMAT.as_bytes().to_vec();
        bytes.extend_from_slice(&out);
        for v in floats {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes
    }

    /// Reads [`PartialMoments::to_bytes`]' form back, checking its shape.
    pub fn from_bytes(bytes: &[u8]) -> Result<PartialMoments, GenError> {
        let bad = || GenError::Shape(format!("not {FORMAT} partial statistics (or truncated)"));
        let rest = bytes.strip_prefix(FORMAT.as_bytes()).ok_or_else(bad)?;
        let mut words = rest
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()));
        let mut next = || words.next().map(|v| v as usize).ok_or_else(bad);
        let (total_rows, start, end, dim, nodes, loose) =
            (next()?, next()?, next()?, next()?, next()?, next()?);
        let words_in = rest.len() / 8;
        // Counts that cannot fit the bytes are refused before anything is
        // allocated for them.
        if dim == 0
            || start > end
            || end > total_rows
            || loose > 2
            || dim > words_in
            || nodes > words_in / 3
        {
            return Err(bad());
        }
        let triangle = dim * (dim + 1) / 2;
        let heads: Vec<(usize, usize, usize)> = (0..nodes)
            .map(|_| Ok((next()?, next()?, next()?)))
            .collect::<Result<_, GenError>>()?;
        let runs: Vec<(usize, usize)> = (0..loose)
            .map(|_| Ok((next()?, next()?)))
            .collect::<Result<_, GenError>>()?;
        let header = 6 + 3 * nodes + 2 * loose;
        let floats = runs.iter().fold(
            dim.saturating_add(nodes.saturating_mul(dim + triangle)),
            |n, r| n.saturating_add(r.1.saturating_mul(dim)),
        );
        if rest.len() != header.saturating_add(floats).saturating_mul(8) {
            return Err(bad());
        }
        let mut values = rest[header * 8..]
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap_or_default()));
        let mut take = |k: usize| -> Vec<f64> { values.by_ref().take(k).collect() };
        let shift = take(dim);
        let nodes = heads
            .into_iter()
            .map(|(level, index, rows)| Node {
                level: level as u32,
                index,
                rows,
                sum: take(dim),
                cross: take(triangle),
            })
            .collect();
        let loose = runs
            .into_iter()
            .map(|(start, rows)| LooseRows {
                start,
                values: take(rows * dim),
            })
            .collect();
        let part = PartialMoments {
            total_rows,
            start,
            end,
            shift,
            nodes,
            loose,
        };
        part.check().map_err(|_| bad())?;
        Ok(part)
    }

    /// Checks that every node and loose run lies inside the part's rows.
    fn check(&self) -> Result<(), GenError> {
        let (dim, total) = (self.dim(), self.total_rows);
        let blocks = blocks_of(total);
        let inside = |a: usize, b: usize| self.start <= a && a <= b && b <= self.end;
        let bad = |what: String| {
            Err(GenError::Shape(format!(
                "rows {}..{}: {what}",
                self.start, self.end
            )))
        };
        if dim == 0 {
            return bad("no dimensions".into());
        }
        for n in &self.nodes {
            let first = n
                .index
                .checked_shl(n.level)
                .filter(|_| n.level < 64)
                .unwrap_or(usize::MAX);
            let after = n
                .index
                .checked_add(1)
                .and_then(|i| i.checked_shl(n.level))
                .unwrap_or(usize::MAX)
                .min(blocks);
            if first >= blocks
                || !inside(block_rows(first, total).0, block_rows(after - 1, total).1)
            {
                return bad(format!(
                    "node {} at level {} lies outside the part",
                    n.index, n.level
                ));
            }
            if n.sum.len() != dim || n.cross.len() != dim * (dim + 1) / 2 {
                return bad(format!(
                    "node {} at level {} has the wrong size",
                    n.index, n.level
                ));
            }
        }
        for r in &self.loose {
            let end = r.start.checked_add(r.values.len() / dim);
            if r.values.len() % dim != 0 || !end.is_some_and(|e| inside(r.start, e)) {
                return bad(format!("rows from {} lie outside the part", r.start));
            }
        }
        Ok(())
    }
}

/// The largest aligned nodes that together cover blocks `[first, after)`.
fn decompose(first: usize, after: usize, blocks: usize) -> Vec<(u32, usize)> {
    let top = root_level(blocks);
    let mut out = Vec::new();
    let mut b = first;
    while b < after {
        let mut level = 0;
        while level < top
            && b.is_multiple_of(1 << (level + 1))
            && (b + (1 << (level + 1))).min(blocks) <= after
        {
            level += 1;
        }
        out.push((level, b >> level));
        b += 1 << level;
    }
    out
}

/// The statistics of the whole set from all its shards' parts (in any
/// order): exactly those of [`FeatureStats::from_features`] on the set.
pub fn merge(parts: &[PartialMoments]) -> Result<FeatureStats, GenError> {
    let bad = |m: String| Err(GenError::Shape(m));
    let Some(first) = parts.first() else {
        return bad("no partial statistics given".into());
    };
    let (total, dim) = (first.total_rows, first.dim());
    let mut order: Vec<&PartialMoments> = parts.iter().collect();
    order.sort_by_key(|p| (p.start, p.end));
    let mut next = 0;
    for p in &order {
        p.check()?;
        if p.total_rows != total || p.dim() != dim || p.shift != first.shift {
            return bad(format!(
                "the part of rows {}..{} is of another set (rows, dimensions or first row differ)",
                p.start, p.end
            ));
        }
        if p.start != next {
            return bad(if p.start < next {
                format!("rows {}..{} are in two parts", p.start, next)
            } else {
                format!("rows {next}..{} are in no part", p.start)
            });
        }
        next = p.end;
    }
    if next != total {
        return bad(format!("rows {next}..{total} are in no part"));
    }
    let blocks = blocks_of(total);
    let mut have: HashMap<(u32, usize), Node> = HashMap::new();
    for node in parts.iter().flat_map(|p| p.nodes.iter().cloned()) {
        have.insert((node.level, node.index), node);
    }
    let loose: Vec<&LooseRows> = {
        let mut runs: Vec<&LooseRows> = parts.iter().flat_map(|p| &p.loose).collect();
        runs.sort_by_key(|r| r.start);
        runs
    };
    for leaf in loose_blocks(&loose, dim, total, &first.shift) {
        have.insert((0, leaf.index), leaf);
    }
    let root = take(&mut have, root_level(blocks), 0, blocks)?;
    stats_of(&root, &first.shift)
}

/// The blocks made of loose rows, each from its runs in row order.
fn loose_blocks(runs: &[&LooseRows], dim: usize, total: usize, shift: &[f64]) -> Vec<Node> {
    let mut rows: HashMap<usize, Vec<f64>> = HashMap::new();
    for run in runs {
        for (i, row) in run.values.chunks(dim).enumerate() {
            let block = (run.start + i) / BLOCK_ROWS;
            rows.entry(block).or_default().extend_from_slice(row);
        }
    }
    let mut blocks: Vec<(usize, Vec<f64>)> = rows.into_iter().collect();
    blocks.sort_by_key(|(b, _)| *b);
    blocks
        .into_par_iter()
        .filter(|(b, values)| {
            values.len() / dim == block_rows(*b, total).1 - block_rows(*b, total).0
        })
        .map(|(b, values)| Node::leaf(b, &values, dim, shift))
        .collect()
}

/// Node `(level, index)`: given, or joined from its children.
fn take(
    have: &mut HashMap<(u32, usize), Node>,
    level: u32,
    index: usize,
    blocks: usize,
) -> Result<Node, GenError> {
    if let Some(node) = have.remove(&(level, index)) {
        return Ok(node);
    }
    if level == 0 {
        return Err(GenError::Shape(format!(
            "block {index} (rows {}..) is not complete in the parts",
            index * BLOCK_ROWS
        )));
    }
    let left = take(have, level - 1, 2 * index, blocks)?;
    let right = if ((2 * index + 1) << (level - 1)) < blocks {
        Some(take(have, level - 1, 2 * index + 1, blocks)?)
    } else {
        None
    };
    Ok(Node::join(left, right))
}

/// Mean and covariance (`ddof = 1`) from the root's sums.
fn stats_of(root: &Node, shift: &[f64]) -> Result<FeatureStats, GenError> {
    let n = root.rows;
    if n < 2 {
        return Err(GenError::TooFewSamples {
            metric: "a covariance",
            needed: 2,
            got: n,
            hint: String::new(),
        });
    }
    let d = shift.len();
    let nf = n as f64;
    let mean_shifted: Vec<f64> = root.sum.iter().map(|s| s / nf).collect();
    let mu = shift
        .iter()
        .zip(&mean_shifted)
        .map(|(s, m)| s + m)
        .collect();
    let mut sigma = vec![0.0; d * d];
    let mut at = 0;
    for i in 0..d {
        for j in 0..=i {
            let c = (root.cross[at] - nf * mean_shifted[i] * mean_shifted[j]) / (nf - 1.0);
            sigma[i * d + j] = c;
            sigma[j * d + i] = c;
            at += 1;
        }
    }
    FeatureStats::new(mu, sigma, Some(n))
}

/// The statistics of a whole set, as one shard of one.
pub fn statistics(features: &Features) -> Result<FeatureStats, GenError> {
    if features.len() < 2 {
        return Err(GenError::TooFewSamples {
            metric: "a covariance",
            needed: 2,
            got: features.len(),
            hint: String::new(),
        });
    }
    let shift = if features.is_empty() {
        vec![0.0; features.dim()]
    } else {
        features.row(0).to_vec()
    };
    merge(&[PartialMoments::new(features, 0, features.len(), &shift)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(n: usize, d: usize, seed: u64) -> Features {
        let mut x = seed;
        let values = (0..n * d)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 11) as f64 / (1u64 << 53) as f64 + (i % d) as f64 * 3.0
            })
            .collect();
        Features::new(values, d).unwrap()
    }

    fn shards(f: &Features, n: usize) -> Vec<PartialMoments> {
        let total = f.len();
        let shift = f.row(0).to_vec();
        (0..n)
            .map(|k| {
                let (a, b) = (total * k / n, total * (k + 1) / n);
                let rows: Vec<usize> = (a..b).collect();
                PartialMoments::new(&f.select(&rows), a, total, &shift).unwrap()
            })
            .collect()
    }

    #[test]
    fn sharded_statistics_equal_unsharded_bit_for_bit() {
        for (n, d) in [
            (2, 3),
            (1023, 4),
            (1024, 3),
            (1025, 5),
            (5000, 6),
            (9000, 3),
        ] {
            let f = features(n, d, n as u64);
            let whole = statistics(&f).unwrap();
            for k in [1, 2, 3, 7, 16] {
                let mut parts = shards(&f, k);
                parts.reverse();
                let merged = merge(&parts).unwrap();
                assert_eq!(merged, whole, "n {n}, d {d}, {k} shards");
            }
        }
    }

    #[test]
    fn statistics_are_numpys_cov_within_rounding() {
        let f = features(3000, 5, 7);
        let (s, d) = (statistics(&f).unwrap(), 5);
        let n = f.len() as f64;
        for i in 0..d {
            let mean: f64 = (0..f.len()).map(|r| f.row(r)[i]).sum::<f64>() / n;
            assert!((s.mu[i] - mean).abs() < 1e-12 * mean.abs().max(1.0));
            for j in 0..d {
                let mj: f64 = (0..f.len()).map(|r| f.row(r)[j]).sum::<f64>() / n;
                let c: f64 = (0..f.len())
                    .map(|r| (f.row(r)[i] - mean) * (f.row(r)[j] - mj))
                    .sum::<f64>()
                    / (n - 1.0);
                assert!((s.sigma[i * d + j] - c).abs() < 1e-12, "{i} {j}");
            }
        }
    }

    #[test]
    fn parts_read_back_from_bytes_exactly() {
        let f = features(2500, 3, 4);
        for part in shards(&f, 3) {
            let bytes = part.to_bytes();
            assert_eq!(PartialMoments::from_bytes(&bytes).unwrap(), part);
            assert!(PartialMoments::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        }
        assert!(PartialMoments::from_bytes(b"nonsense").is_err());
        // Crafted parts: no dimensions, rows outside the part.
        let words = |w: &[u64]| {
            let mut b = FORMAT.as_bytes().to_vec();
            w.iter().for_each(|v| b.extend_from_slice(&v.to_le_bytes()));
            b
        };
        assert!(PartialMoments::from_bytes(&words(&[4, 0, 4, 0, 0, 1, 0, 4])).is_err());
        let mut outside = words(&[4, 0, 2, 1, 0, 1, u64::MAX - 1, 2, 0]);
        outside.extend_from_slice(&[0; 16]);
        assert!(PartialMoments::from_bytes(&outside).is_err());
    }

    #[test]
    fn missing_overlapping_and_foreign_parts_are_refused() {
        let f = features(3000, 3, 1);
        let parts = shards(&f, 3);
        let err = |p: &[PartialMoments]| merge(p).unwrap_err().to_string();
        assert!(err(&parts[..2]).contains("are in no part"));
        assert!(err(&[
            parts[0].clone(),
            parts[0].clone(),
            parts[1].clone(),
            parts[2].clone()
        ])
        .contains("in two parts"));
        let other = shards(&features(3000, 3, 2), 3);
        assert!(
            err(&[parts[0].clone(), other[1].clone(), parts[2].clone()]).contains("another set")
        );
    }
}
