//! k-means: k-means++ seeding (seeded, reproducible), Lloyd iterations on
//! all cores, squared Euclidean distance. Used for IVF lists and for
//! clustering embeddings.
//!
//! Distances use [`crate::metric`]'s kernels (`‖c‖² − 2·x·c` for
//! assignment), so a run is the same on every CPU. Ties go to the lower
//! centroid index. An emptied cluster takes the point farthest from its
//! centroid.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::error::IndexError;
use crate::metric::{dot, dot4, l2_squared};
use crate::rows::check_rows;

/// Settings of a k-means run.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansConfig {
    /// Number of clusters (at least 1, at most the number of rows).
    pub k: usize,
    /// Most Lloyd iterations.
    pub max_iter: usize,
    /// Stop when the inertia improves by less than this share.
    pub tol: f64,
    /// Seed of the k-means++ sampling.
    pub seed: u64,
}

impl KMeansConfig {
    /// `k` clusters, 25 iterations at most, tolerance 1e-4, seed 0.
    pub fn new(k: usize) -> KMeansConfig {
        KMeansConfig {
            k,
            max_iter: 25,
            tol: 1e-4,
            seed: 0,
        }
    }
}

/// A fitted k-means model.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    /// Vector dimension.
    pub dim: usize,
    /// `k` centroids of `dim` values, end to end.
    pub centroids: Vec<f32>,
    /// The cluster of every training row.
    pub assignments: Vec<u32>,
    /// Sum of squared distances of the rows to their centroids.
    pub inertia: f64,
    /// Lloyd iterations run.
    pub iterations: usize,
}

/// Centroids compared per block (a block of points and of centroids
/// stay in cache together).
const CENTROID_BLOCK: usize = 64;
/// Points per parallel assignment task.
const POINT_BLOCK: usize = 64;

impl KMeans {
    /// Fits `cfg.k` clusters to `data` (rows of `dim` values end to end).
    pub fn fit(data: &[f32], dim: usize, cfg: &KMeansConfig) -> Result<KMeans, IndexError> {
        let n = check_rows(dim, data)?;
        if cfg.k == 0 || cfg.k > n {
            return Err(IndexError::InvalidParameter(format!(
                "k-means needs 1 <= k <= rows, got k = {} for {n} rows",
                cfg.k
            )));
        }
        let mut centroids = seed_plus_plus(data, dim, cfg.k, cfg.seed);
        let mut assign = assign_all(data, dim, &centroids);
        let mut inertia = inertia_of(&assign);
        let mut iterations = 0;
        while iterations < cfg.max_iter {
            iterations += 1;
            centroids = update(data, dim, cfg.k, &assign);
            let next = assign_all(data, dim, &centroids);
            let next_inertia = inertia_of(&next);
            let unchanged = next.iter().zip(&assign).all(|(a, b)| a.0 == b.0);
            let gain = (inertia - next_inertia) / inertia.max(f64::MIN_POSITIVE);
            assign = next;
            inertia = next_inertia;
            if unchanged || gain < cfg.tol {
                break;
            }
        }
        Ok(KMeans {
            dim,
            centroids,
            assignments: assign.iter().map(|a| a.0).collect(),
            inertia,
            iterations,
        })
    }

    /// Number of clusters.
    pub fn k(&self) -> usize {
        self.centroids.len() / self.dim
    }

    /// Centroid `i`.
    pub fn centroid(&self, i: usize) -> &[f32] {
        &self.centroids[i * self.dim..(i + 1) * self.dim]
    }

    /// The nearest centroid of every row of `data`.
    pub fn assign(&self, data: &[f32]) -> Result<Vec<u32>, IndexError> {
        check_rows(self.dim, data)?;
        Ok(assign_all(data, self.dim, &self.centroids)
            .into_iter()
            .map(|a| a.0)
            .collect())
    }
}

fn inertia_of(assign: &[(u32, f32)]) -> f64 {
    assign.iter().map(|a| a.1.max(0.0) as f64).sum()
}

/// k-means++: the first centre uniformly, each next one with probability
/// proportional to the squared distance to the nearest centre so far.
fn seed_plus_plus(data: &[f32], dim: usize, k: usize, seed: u64) -> Vec<f32> {
    let n = data.len() / dim;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut chosen = vec![rng.random_range(0..n)];
    let mut best: Vec<f32> = vec![f32::INFINITY; n];
    while chosen.len() < k {
        let c = &data[chosen[chosen.len() - 1] * dim..][..dim];
        best.par_iter_mut()
            .zip(data.par_chunks(dim))
            .for_each(|(b, x)| *b = b.min(l2_squared(x, c)));
        let total: f64 = best.iter().map(|&b| b as f64).sum();
        let next = if total > 0.0 {
            let target = rng.random_range(0.0..total);
            let mut acc = 0.0;
            best.iter()
                .position(|&b| {
                    acc += b as f64;
                    acc > target
                })
                .unwrap_or(n - 1)
        } else {
            // All remaining points coincide with centres: take unused rows.
            (0..n).find(|i| !chosen.contains(i)).unwrap_or(0)
        };
        chosen.push(next);
    }
    chosen
        .iter()
        .flat_map(|&i| data[i * dim..(i + 1) * dim].iter().copied())
        .collect()
}

/// Nearest centroid and squared distance of every row, on all cores.
pub(crate) fn assign_all(data: &[f32], dim: usize, centroids: &[f32]) -> Vec<(u32, f32)> {
    let norms: Vec<f32> = centroids.chunks(dim).map(|c| dot(c, c)).collect();
    let mut out = vec![(0u32, 0f32); data.len() / dim];
    out.par_chunks_mut(POINT_BLOCK)
        .zip(data.par_chunks(dim * POINT_BLOCK))
        .for_each(|(o, pts)| assign_block(pts, dim, centroids, &norms, o));
    out
}

/// Assigns a block of points, centroids taken in cache-sized blocks.
fn assign_block(pts: &[f32], dim: usize, centroids: &[f32], norms: &[f32], out: &mut [(u32, f32)]) {
    let mut best = vec![(0u32, f32::INFINITY); out.len()];
    let k = norms.len();
    for cb in (0..k).step_by(CENTROID_BLOCK) {
        let ce = (cb + CENTROID_BLOCK).min(k);
        for (x, b) in pts.chunks(dim).zip(best.iter_mut()) {
            let mut c = cb;
            while c < ce {
                if c + 4 <= ce {
                    let r = |j: usize| &centroids[(c + j) * dim..(c + j + 1) * dim];
                    let d4 = dot4(x, [r(0), r(1), r(2), r(3)]);
                    for (j, d) in d4.iter().enumerate() {
                        consider(b, (c + j) as u32, norms[c + j] - 2.0 * d);
                    }
                    c += 4;
                } else {
                    let d = dot(x, &centroids[c * dim..(c + 1) * dim]);
                    consider(b, c as u32, norms[c] - 2.0 * d);
                    c += 1;
                }
            }
        }
    }
    for ((o, b), x) in out.iter_mut().zip(best).zip(pts.chunks(dim)) {
        *o = (b.0, (b.1 + dot(x, x)).max(0.0));
    }
}

#[inline(always)]
fn consider(best: &mut (u32, f32), c: u32, score: f32) {
    if score < best.1 {
        *best = (c, score);
    }
}

/// Means of the clusters; an empty cluster takes the farthest point.
fn update(data: &[f32], dim: usize, k: usize, assign: &[(u32, f32)]) -> Vec<f32> {
    let (sums, counts) = data
        .par_chunks(dim * 4096)
        .zip(assign.par_chunks(4096))
        .fold(
            || (vec![0f64; k * dim], vec![0usize; k]),
            |(mut s, mut c), (pts, a)| {
                for (x, &(ci, _)) in pts.chunks(dim).zip(a) {
                    let ci = ci as usize;
                    c[ci] += 1;
                    for (acc, v) in s[ci * dim..(ci + 1) * dim].iter_mut().zip(x) {
                        *acc += *v as f64;
                    }
                }
                (s, c)
            },
        )
        .reduce(
            || (vec![0f64; k * dim], vec![0usize; k]),
            |(mut s, mut c), (s2, c2)| {
                s.iter_mut().zip(s2).for_each(|(a, b)| *a += b);
                c.iter_mut().zip(c2).for_each(|(a, b)| *a += b);
                (s, c)
            },
        );
    let mut far: Vec<usize> = (0..assign.len()).collect();
    far.sort_by(|&a, &b| assign[b].1.total_cmp(&assign[a].1).then(a.cmp(&b)));
    let mut far = far.into_iter();
    let mut out = vec![0f32; k * dim];
    for (ci, row) in out.chunks_mut(dim).enumerate() {
        if counts[ci] > 0 {
            let s = &sums[ci * dim..(ci + 1) * dim];
            row.iter_mut()
                .zip(s)
                .for_each(|(o, v)| *o = (v / counts[ci] as f64) as f32);
        } else if let Some(p) = far.next() {
            row.copy_from_slice(&data[p * dim..(p + 1) * dim]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs(per: usize, seed: u64) -> (Vec<f32>, Vec<usize>) {
        let centres = [
            [0.0f32, 0.0, 0.0],
            [10.0, 0.0, 0.0],
            [0.0, 10.0, 5.0],
            [-8.0, -8.0, 8.0],
        ];
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut v, mut truth) = (Vec::new(), Vec::new());
        for i in 0..per * 4 {
            let c = i % 4;
            truth.push(c);
            for x in centres[c] {
                v.push(x + rng.random_range(-1.0f32..1.0));
            }
        }
        (v, truth)
    }

    #[test]
    fn separates_well_separated_blobs() {
        let (v, truth) = blobs(200, 3);
        let km = KMeans::fit(&v, 3, &KMeansConfig::new(4)).unwrap();
        // Every true blob maps to exactly one cluster, and vice versa.
        let mut map = [None; 4];
        for (a, &t) in km.assignments.iter().zip(&truth) {
            let m = map[t].get_or_insert(*a);
            assert_eq!(*m, *a);
        }
        let mut seen: Vec<u32> = map.iter().map(|m| m.unwrap()).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 4);
        assert_eq!(km.assign(&v).unwrap(), km.assignments);
        let again = KMeans::fit(&v, 3, &KMeansConfig::new(4)).unwrap();
        assert_eq!(again, km);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let v = vec![0.0f32; 6];
        assert!(KMeans::fit(&v, 3, &KMeansConfig::new(3)).is_err());
        assert!(KMeans::fit(&v, 3, &KMeansConfig::new(0)).is_err());
        let km = KMeans::fit(&v, 3, &KMeansConfig::new(2)).unwrap();
        assert_eq!(km.k(), 2);
        assert!(km.assign(&[1.0]).is_err());
    }
}
