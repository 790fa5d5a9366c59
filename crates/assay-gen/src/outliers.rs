//! Outlier generations: how far each generated image lies from the real
//! distribution, and whether it falls inside the real manifold as the
//! precision metric estimates it.
//!
//! Distances are chordal: the Euclidean distance between L2-normalised
//! embeddings, `d = sqrt(2 - 2 cos)` (0 to 2), from the cosine similarities
//! the [`assay_index::SearchIndex`] computes. With `k` (default 5):
//!
//! - the **radius** of a real image `r` is the distance to its `k`-th
//!   nearest other real image (the k-NN ball of Kynkäänniemi et al. 2019,
//!   as in `prdc`); `R` is the median radius over the real set;
//! - the **outlier score** of a generated image `g` is `d_k(g) / R`, with
//!   `d_k(g)` the distance to its `k`-th nearest real image: about 1 for an
//!   image as close to the real data as real images are to each other;
//! - it is **flagged** above a threshold, by default the 0.99 quantile of
//!   the real images' own scores `radius(r) / R`, so about 1% of images
//!   drawn from the real distribution are flagged;
//! - its **realism** is `max_r radius(r) / max(d(g, r), 2e-3)` over all
//!   real images (Kynkäänniemi's realism score, without their pruning of
//!   the largest radii), computed exactly from a radius query; it is
//!   **inside** the real manifold when realism exceeds 1, that is when `g`
//!   lies strictly inside some real image's k-NN ball: the per-sample test
//!   whose mean is `prdc`'s precision on L2-normalised features. The floor
//!   of 2e-3 is the resolution of distances taken from `f32` similarities
//!   (two identical rows score about `1 - 1e-7`, a distance near 5e-4); it
//!   keeps realism finite for a copy of a real image.
//!
//! Searches are exact below [`IndexConfig::exact_below`] real images and
//! IVF (approximate) above.

use assay_index::{Hit, IndexConfig, SearchIndex, SearchOptions};
use rayon::prelude::*;

use crate::embeddings::{
    check_index, chordal, cosine_index, index_error, similarity_at, Embeddings, QUERY_BATCH,
};
use crate::GenError;

/// The default neighbour rank `k`.
pub const DEFAULT_K: usize = 5;

/// The default quantile of the real images' scores used as the threshold.
pub const DEFAULT_REAL_QUANTILE: f64 = 0.99;

/// Smallest distance told apart from 0 (the resolution of distances from
/// `f32` similarities); the least divisor of realism ratios.
const DISTANCE_FLOOR: f64 = 2e-3;

/// Where outlier scores are flagged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OutlierThreshold {
    /// Above this score (`d_k(g) / R`).
    Score(f64),
    /// Above this quantile (0 to 1, linear interpolation as numpy's
    /// default) of the real images' scores `radius(r) / R`.
    RealQuantile(f64),
}

impl Default for OutlierThreshold {
    fn default() -> Self {
        OutlierThreshold::RealQuantile(DEFAULT_REAL_QUANTILE)
    }
}

/// The real set's k-NN balls: an index over the real embeddings and each
/// real image's radius. Build once, score any number of generated sets.
#[derive(Debug, Clone)]
pub struct RealManifold {
    index: SearchIndex,
    radii: Vec<f64>,
    median: f64,
    max_radius: f64,
    k: usize,
}

/// One generated image's distance to the real data.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct OutlierScore {
    /// The nearest real image's row.
    pub nearest_real: usize,
    /// The chordal distance to the `k`-th nearest real image.
    pub kth_distance: f64,
    /// `kth_distance` divided by the median real radius.
    pub score: f64,
    /// Whether the score is above the threshold.
    pub flagged: bool,
    /// `max_r radius(r) / max(d(g, r), 2e-3)` over the real images.
    pub realism: f64,
    /// Whether `realism > 1`: inside some real image's k-NN ball.
    pub inside: bool,
}

impl RealManifold {
    /// Builds the balls of `real` with neighbour rank `k` (at least 1;
    /// `real` needs more than `k` rows).
    pub fn build(real: &Embeddings, k: usize, cfg: &IndexConfig) -> Result<RealManifold, GenError> {
        if k == 0 || real.len() <= k {
            return Err(GenError::TooFewSamples {
                metric: "the k-NN outlier score",
                needed: k.max(1) + 1,
                got: real.len(),
                hint: format!(" real images (k = {k}; k must be at least 1)"),
            });
        }
        let index = cosine_index(real, cfg)?;
        let radii = real_radii(real, &index, k)?;
        let median = quantile(&radii, 0.5);
        if median <= DISTANCE_FLOOR {
            return Err(GenError::Numerical(format!(
                "the median k-NN radius of the real set is 0: more than half of the \
                 real images have {k} exact duplicates; deduplicate them or raise k"
            )));
        }
        let max_radius = radii.iter().copied().fold(0.0, f64::max);
        Ok(RealManifold {
            index,
            radii,
            median,
            max_radius,
            k,
        })
    }

    /// The neighbour rank `k`.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Each real image's radius (chordal distance to its `k`-th nearest
    /// other real image).
    pub fn radii(&self) -> &[f64] {
        &self.radii
    }

    /// The median radius `R`.
    pub fn median_radius(&self) -> f64 {
        self.median
    }

    /// The score above which [`OutlierThreshold`] flags.
    pub fn threshold_score(&self, threshold: OutlierThreshold) -> Result<f64, GenError> {
        match threshold {
            OutlierThreshold::Score(s) if !s.is_nan() => Ok(s),
            OutlierThreshold::RealQuantile(q) if (0.0..=1.0).contains(&q) => {
                Ok(quantile(&self.radii, q) / self.median)
            }
            other => Err(GenError::Numerical(format!(
                "invalid outlier threshold {other:?}: a score must be a number, a quantile \
                 between 0 and 1"
            ))),
        }
    }

    /// Scores each generated image (none give an empty list).
    pub fn score(
        &self,
        generated: &Embeddings,
        threshold: OutlierThreshold,
    ) -> Result<Vec<OutlierScore>, GenError> {
        check_index(&self.index, generated.dim(), "real")?;
        let flag_above = self.threshold_score(threshold)?;
        let chunks: Vec<&[f32]> = generated
            .as_slice()
            .chunks(QUERY_BATCH * generated.dim())
            .collect();
        let mut out = Vec::with_capacity(generated.len());
        for queries in chunks {
            let hits = self
                .index
                .search_batch(queries, self.k, &SearchOptions::default())
                .map_err(index_error)?;
            let scored = queries
                .par_chunks(generated.dim())
                .zip(hits)
                .map(|(query, hits)| self.score_one(query, &hits, flag_above))
                .collect::<Result<Vec<_>, GenError>>()?;
            out.extend(scored);
        }
        Ok(out)
    }

    fn score_one(
        &self,
        query: &[f32],
        hits: &[Hit],
        flag_above: f64,
    ) -> Result<OutlierScore, GenError> {
        let (first, kth) = match (hits.first(), hits.last()) {
            (Some(f), Some(l)) if hits.len() == self.k => (f, l),
            _ => {
                return Err(GenError::Numerical(
                    "the real index returned too few neighbours".into(),
                ))
            }
        };
        let kth_distance = chordal(kth.score);
        let score = kth_distance / self.median;
        let realism = self.realism(query, hits, kth_distance)?;
        Ok(OutlierScore {
            nearest_real: first.id as usize,
            kth_distance,
            score,
            flagged: score > flag_above,
            realism,
            inside: realism > 1.0,
        })
    }

    /// `max_r radius(r) / max(d, floor)`: the best ratio among the `k`
    /// nearest, then a radius query for every real image that could beat
    /// it (`d < max_radius / best`), unless none beyond the `k` can.
    fn realism(&self, query: &[f32], hits: &[Hit], kth_distance: f64) -> Result<f64, GenError> {
        let best = self.best_ratio(hits);
        let beyond_bound = self.max_radius / kth_distance.max(DISTANCE_FLOOR);
        if beyond_bound <= best {
            return Ok(best);
        }
        // Widened a little so that f32 rounding of the similarity bound
        // cannot leave out a candidate.
        let reach = if best > 0.0 {
            self.max_radius / best * (1.0 + 1e-6) + 1e-6
        } else {
            2.0
        };
        let candidates = self
            .index
            .within(query, similarity_at(reach), &SearchOptions::default())
            .map_err(index_error)?;
        Ok(self.best_ratio(&candidates).max(best))
    }

    fn best_ratio(&self, hits: &[Hit]) -> f64 {
        hits.iter()
            .map(|h| self.radii[h.id as usize] / chordal(h.score).max(DISTANCE_FLOOR))
            .fold(0.0, f64::max)
    }
}

/// Each real image's chordal distance to its `k`-th nearest other one.
fn real_radii(real: &Embeddings, index: &SearchIndex, k: usize) -> Result<Vec<f64>, GenError> {
    let dim = real.dim();
    let mut radii = Vec::with_capacity(real.len());
    for (c, queries) in real.as_slice().chunks(QUERY_BATCH * dim).enumerate() {
        let hits = index
            .search_batch(queries, k + 1, &SearchOptions::default())
            .map_err(index_error)?;
        for (j, mut hits) in hits.into_iter().enumerate() {
            if hits.len() <= k {
                return Err(GenError::Numerical(
                    "the real index returned too few neighbours".into(),
                ));
            }
            let own = (c * QUERY_BATCH + j) as u32;
            // Drop the row itself, or the last hit when exact duplicates
            // with lower ids pushed it out of the k + 1.
            let at = hits
                .iter()
                .position(|h| h.id == own)
                .unwrap_or(hits.len() - 1);
            hits.remove(at);
            radii.push(chordal(hits[k - 1].score));
        }
    }
    Ok(radii)
}

/// The `q` quantile of `values` with linear interpolation (numpy's
/// default); `values` is not empty.
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests;
