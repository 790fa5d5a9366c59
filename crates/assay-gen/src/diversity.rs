//! Diversity within a prompt: how different the images generated for one
//! prompt are from each other, and which of them are near-duplicates.
//!
//! For a group of `n` images (the indices of the images sharing a prompt),
//! with `u_i` the L2-normalised embeddings (a zero row stays zero):
//!
//! - **diversity** is the mean pairwise cosine distance
//!   `1 - cos(u_i, u_j)` over the `n (n - 1) / 2` pairs, computed exactly in
//!   `O(n d)` from `sum_{i<j} u_i . u_j = (|sum u_i|^2 - sum |u_i|^2) / 2`
//!   (in `f64`); `None` for groups of fewer than two images;
//! - **near-duplicate pairs** are pairs with cosine similarity at or above
//!   the threshold, found with an exact index over the group (scores as
//!   `assay embed` computes them: `f32`, [`assay_index::metric`], so two
//!   identical images score about `1 - 1e-7`: a threshold of exactly 1
//!   finds nothing, use 0.99999 for "identical");
//! - **near-duplicate sets** join those pairs transitively (connected
//!   components with at least two images).
//!
//! The default threshold, [`DEFAULT_NEAR_DUPLICATE_SIMILARITY`], is the one
//! `assay embed --near-threshold` uses for dataset images, so that "near
//! duplicate" means the same thing for real and generated images: with CLIP
//! and DINOv2 embeddings, 0.97 and above is the same picture with small
//! changes (crop, colour, compression, a few details), while distinct
//! generations of one prompt typically score well below it.

use assay_core::union_find::UnionFind;
use assay_index::{ExactIndex, Metric, SearchOptions};
use rayon::prelude::*;

use crate::embeddings::{check_similarity, index_error, Embeddings};
use crate::GenError;

/// Cosine similarity from which two images are near-duplicates (the same
/// default as `assay embed --near-threshold`).
pub const DEFAULT_NEAR_DUPLICATE_SIMILARITY: f32 = 0.97;

/// Diversity and near-duplicates of one group (one prompt's images).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupDiversity {
    /// Images in the group.
    pub count: usize,
    /// Mean pairwise cosine distance (0 to 2; `None` below two images).
    pub diversity: Option<f64>,
    /// Pairs at or above the near-duplicate similarity.
    pub near_duplicate_pairs: usize,
    /// Near-duplicate sets (pairs joined transitively), each sorted, by
    /// their first image; indices are rows of the embeddings.
    pub near_duplicate_sets: Vec<Vec<usize>>,
}

impl GroupDiversity {
    /// Images that repeat another of their set: the sum of `size - 1` over
    /// the near-duplicate sets (what removing duplicates would drop).
    pub fn redundant(&self) -> usize {
        self.near_duplicate_sets.iter().map(|s| s.len() - 1).sum()
    }
}

/// Diversity and near-duplicates of each group of `generated`.
///
/// `groups[g]` lists the rows of the images generated for prompt `g`
/// (distinct, in range; groups may be empty or overlap). Pairs with cosine
/// similarity at or above `near_duplicate_similarity` (in `[-1, 1]`) are
/// near-duplicates. Groups are processed in parallel.
pub fn prompt_diversity(
    generated: &Embeddings,
    groups: &[Vec<usize>],
    near_duplicate_similarity: f32,
) -> Result<Vec<GroupDiversity>, GenError> {
    check_similarity("the near-duplicate similarity", near_duplicate_similarity)?;
    for (g, group) in groups.iter().enumerate() {
        check_group(g, group, generated.len())?;
    }
    groups
        .par_iter()
        .map(|group| group_diversity(generated, group, near_duplicate_similarity))
        .collect()
}

fn check_group(g: usize, group: &[usize], n: usize) -> Result<(), GenError> {
    if let Some(&i) = group.iter().find(|&&i| i >= n) {
        return Err(GenError::Shape(format!(
            "group {g} lists image {i}, but there are {n} images"
        )));
    }
    let mut sorted = group.to_vec();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(GenError::Shape(format!(
            "group {g} lists image {} twice",
            w[0]
        )));
    }
    Ok(())
}

fn group_diversity(
    emb: &Embeddings,
    group: &[usize],
    threshold: f32,
) -> Result<GroupDiversity, GenError> {
    let pairs = near_duplicate_pairs(emb, group, threshold)?;
    Ok(GroupDiversity {
        count: group.len(),
        diversity: mean_pairwise_distance(emb, group),
        near_duplicate_pairs: pairs.len(),
        near_duplicate_sets: components(group, &pairs),
    })
}

/// Mean `1 - cos` over the pairs of `group`, in `O(n d)`.
fn mean_pairwise_distance(emb: &Embeddings, group: &[usize]) -> Option<f64> {
    let n = group.len();
    if n < 2 {
        return None;
    }
    let mut sum = vec![0f64; emb.dim()];
    let mut self_dots = 0f64;
    for &i in group {
        let unit = unit_f64(emb.row(i));
        self_dots += unit.iter().map(|v| v * v).sum::<f64>();
        sum.iter_mut().zip(&unit).for_each(|(s, v)| *s += v);
    }
    let total: f64 = sum.iter().map(|v| v * v).sum();
    let pairs = (n * (n - 1) / 2) as f64;
    let mean_cos = (total - self_dots) / 2.0 / pairs;
    Some(1.0 - mean_cos)
}

/// `row` scaled to unit length in `f64` (a zero row stays zero).
fn unit_f64(row: &[f32]) -> Vec<f64> {
    let norm = row
        .iter()
        .map(|&v| f64::from(v) * f64::from(v))
        .sum::<f64>()
        .sqrt();
    let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
    row.iter().map(|&v| f64::from(v) * scale).collect()
}

/// Pairs `(a, b)` of positions in `group`, `a < b`, at or above `threshold`.
fn near_duplicate_pairs(
    emb: &Embeddings,
    group: &[usize],
    threshold: f32,
) -> Result<Vec<(usize, usize)>, GenError> {
    if group.len() < 2 {
        return Ok(Vec::new());
    }
    let index =
        ExactIndex::new(Metric::Cosine, emb.dim(), emb.gather(group)).map_err(index_error)?;
    let mut pairs = Vec::new();
    for (a, &i) in group.iter().enumerate() {
        let opts = SearchOptions {
            exclude: Some(a as u32),
            ..SearchOptions::default()
        };
        let hits = index
            .within(emb.row(i), threshold, &opts)
            .map_err(index_error)?;
        let later = hits.iter().map(|h| h.id as usize).filter(|&b| b > a);
        pairs.extend(later.map(|b| (a, b)));
    }
    Ok(pairs)
}

/// The connected components (two or more members) of `pairs` over the
/// positions of `group`, as sorted image indices, ordered by first index.
fn components(group: &[usize], pairs: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut sets = UnionFind::new(group.len());
    for &(a, b) in pairs {
        sets.union(a, b);
    }
    let mut sets: Vec<Vec<usize>> = sets
        .groups(2)
        .into_iter()
        .map(|s| s.into_iter().map(|a| group[a]).collect())
        .collect();
    sets.iter_mut()
        .for_each(|s: &mut Vec<usize>| s.sort_unstable());
    sets.sort_unstable();
    sets
}

#[cfg(test)]
mod tests;
