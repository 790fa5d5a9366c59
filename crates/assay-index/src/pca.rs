//! Principal component analysis: the covariance matrix (f64, all cores)
//! and its leading eigenvectors by subspace iteration with Gram–Schmidt,
//! for projecting embeddings to 2-D (or `k`-D) maps.
//!
//! Deterministic: a fixed start, a fixed number of steps at most, and a
//! sign convention (each component's largest-magnitude coordinate is
//! positive; the first such coordinate on ties). Fit on a sample when the
//! data is large: the covariance costs `n·d²/2` multiply-adds.

use rayon::prelude::*;

use crate::error::IndexError;
use crate::rows::check_rows;

/// A fitted projection.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    /// Input dimension.
    pub dim: usize,
    /// Mean of the fitted rows.
    pub mean: Vec<f64>,
    /// `k` unit components of `dim` values, end to end, largest variance
    /// first.
    pub components: Vec<f64>,
    /// Variance along each component.
    pub variances: Vec<f64>,
}

/// Most subspace-iteration steps.
const MAX_STEPS: usize = 500;
/// Extra vectors iterated beside the `k` wanted (faster convergence).
const OVERSAMPLE: usize = 4;

impl Pca {
    /// Fits `k` components to `data` (rows of `dim` values end to end, at
    /// least two rows, `1 <= k <= dim`).
    pub fn fit(data: &[f32], dim: usize, k: usize) -> Result<Pca, IndexError> {
        let n = check_rows(dim, data)?;
        if n < 2 || k == 0 || k > dim {
            return Err(IndexError::InvalidParameter(format!(
                "PCA needs at least 2 rows and 1 <= k <= dim, got {n} rows, k = {k}, dim = {dim}"
            )));
        }
        let mean = column_means(data, dim);
        let cov = covariance(data, dim, &mean);
        let (components, variances) = leading_eigenvectors(&cov, dim, k);
        Ok(Pca {
            dim,
            mean,
            components,
            variances,
        })
    }

    /// Number of components.
    pub fn k(&self) -> usize {
        self.variances.len()
    }

    /// Projects rows onto the components: `k` values per row, end to end.
    pub fn transform(&self, data: &[f32]) -> Result<Vec<f32>, IndexError> {
        check_rows(self.dim, data)?;
        let k = self.k();
        let mut out = vec![0f32; data.len() / self.dim * k];
        out.par_chunks_mut(k.max(1))
            .zip(data.par_chunks(self.dim))
            .for_each(|(o, x)| {
                for (j, c) in self.components.chunks(self.dim).enumerate() {
                    o[j] = c
                        .iter()
                        .zip(x.iter().zip(&self.mean))
                        .map(|(c, (&v, m))| c * (v as f64 - m))
                        .sum::<f64>() as f32;
                }
            });
        Ok(out)
    }
}

fn column_means(data: &[f32], dim: usize) -> Vec<f64> {
    let n = (data.len() / dim) as f64;
    let sums = data
        .par_chunks(dim * 1024)
        .map(|block| {
            let mut s = vec![0f64; dim];
            for row in block.chunks(dim) {
                s.iter_mut().zip(row).for_each(|(a, &v)| *a += v as f64);
            }
            s
        })
        .reduce(
            || vec![0f64; dim],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );
    sums.into_iter().map(|s| s / n).collect()
}

/// Sample covariance (divided by n − 1), full `dim × dim`.
fn covariance(data: &[f32], dim: usize, mean: &[f64]) -> Vec<f64> {
    let n = data.len() / dim;
    let mut cov = data
        .par_chunks(dim * 256)
        .fold(
            || vec![0f64; dim * dim],
            |mut c, block| {
                let mut centred = vec![0f64; dim];
                for row in block.chunks(dim) {
                    centred
                        .iter_mut()
                        .zip(row.iter().zip(mean))
                        .for_each(|(c, (&v, m))| *c = v as f64 - m);
                    for i in 0..dim {
                        let ci = centred[i];
                        let line = &mut c[i * dim..i * dim + i + 1];
                        line.iter_mut()
                            .zip(&centred[..=i])
                            .for_each(|(a, &cj)| *a += ci * cj);
                    }
                }
                c
            },
        )
        .reduce(
            || vec![0f64; dim * dim],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );
    for i in 0..dim {
        for j in 0..=i {
            let v = cov[i * dim + j] / (n - 1) as f64;
            cov[i * dim + j] = v;
            cov[j * dim + i] = v;
        }
    }
    cov
}

/// The `k` leading eigenvectors and eigenvalues of a symmetric matrix.
fn leading_eigenvectors(cov: &[f64], dim: usize, k: usize) -> (Vec<f64>, Vec<f64>) {
    let m = (k + OVERSAMPLE).min(dim);
    // A fixed, well-spread start: basis vectors mixed with a ramp.
    let mut v: Vec<f64> = (0..m * dim)
        .map(|i| {
            let (r, c) = (i / dim, i % dim);
            if c % m == r { 1.0 } else { 0.0 }
        } + ((i as f64 * 0.618_034).fract() - 0.5) * 1e-3)
        .collect();
    orthonormalise(&mut v, dim);
    for _ in 0..MAX_STEPS {
        let mut next = mat_mul(cov, dim, &v);
        orthonormalise(&mut next, dim);
        let change: f64 = next
            .chunks(dim)
            .zip(v.chunks(dim))
            .take(k)
            .map(|(a, b)| 1.0 - dot64(a, b).abs())
            .fold(0.0, f64::max);
        v = next;
        if change < 1e-13 {
            break;
        }
    }
    let av = mat_mul(cov, dim, &v);
    let mut pairs: Vec<(f64, Vec<f64>)> = v
        .chunks(dim)
        .zip(av.chunks(dim))
        .map(|(x, ax)| (dot64(x, ax), x.to_vec()))
        .collect();
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    pairs.truncate(k);
    let values = pairs.iter().map(|p| p.0.max(0.0)).collect();
    let vectors = pairs.into_iter().flat_map(|(_, x)| fix_sign(x)).collect();
    (vectors, values)
}

/// Flips a vector so its largest-magnitude coordinate is positive.
fn fix_sign(mut x: Vec<f64>) -> Vec<f64> {
    let big = (0..x.len()).fold(0, |b, i| if x[i].abs() > x[b].abs() { i } else { b });
    if x.get(big).is_some_and(|&v| v < 0.0) {
        x.iter_mut().for_each(|v| *v = -*v);
    }
    x
}

fn dot64(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `cov · v` for each of the vectors in `v`.
fn mat_mul(cov: &[f64], dim: usize, v: &[f64]) -> Vec<f64> {
    v.par_chunks(dim)
        .flat_map_iter(|x| cov.chunks(dim).map(move |row| dot64(row, x)))
        .collect()
}

/// Modified Gram–Schmidt on the vectors of `v` (a vector that vanishes
/// stays zero).
fn orthonormalise(v: &mut [f64], dim: usize) {
    let m = v.len() / dim;
    for i in 0..m {
        for j in 0..i {
            let (done, rest) = v.split_at_mut(i * dim);
            let p = dot64(&done[j * dim..(j + 1) * dim], &rest[..dim]);
            rest[..dim]
                .iter_mut()
                .zip(&done[j * dim..(j + 1) * dim])
                .for_each(|(a, b)| *a -= p * b);
        }
        let row = &mut v[i * dim..(i + 1) * dim];
        let norm = dot64(row, row).sqrt();
        if norm > 1e-300 {
            row.iter_mut().for_each(|a| *a /= norm);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn finds_known_axes() {
        // Variance 25 along (1, 1, 0)/√2, 4 along (0, 0, 1), 0.25 along
        // (1, −1, 0)/√2, centred at (3, −2, 7).
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let s = std::f32::consts::FRAC_1_SQRT_2;
        let mut data = Vec::new();
        for _ in 0..4000 {
            let (a, b, c): (f32, f32, f32) = (
                rng.random_range(-1.0..1.0) * 5.0 * 3f32.sqrt(),
                rng.random_range(-1.0..1.0) * 2.0 * 3f32.sqrt(),
                rng.random_range(-1.0..1.0) * 0.5 * 3f32.sqrt(),
            );
            data.extend([3.0 + s * (a + c), -2.0 + s * (a - c), 7.0 + b]);
        }
        let pca = Pca::fit(&data, 3, 2).unwrap();
        let c = &pca.components;
        assert!((c[0] - 0.5f64.sqrt()).abs() < 0.02 && (c[1] - 0.5f64.sqrt()).abs() < 0.02);
        assert!(c[2].abs() < 0.02);
        assert!((c[5] - 1.0).abs() < 0.01, "{c:?}");
        assert!((pca.variances[0] - 25.0).abs() < 2.0 && (pca.variances[1] - 4.0).abs() < 0.4);
        assert!((pca.mean[0] - 3.0).abs() < 0.3);
        let y = pca.transform(&data).unwrap();
        assert_eq!(y.len(), 8000);
        assert_eq!(Pca::fit(&data, 3, 2).unwrap(), pca);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(Pca::fit(&[1.0, 2.0], 2, 1).is_err());
        assert!(Pca::fit(&[1.0, 2.0, 3.0, 4.0], 2, 3).is_err());
        let p = Pca::fit(&[1.0, 2.0, 3.0, 5.0], 2, 1).unwrap();
        assert!(p.transform(&[1.0]).is_err());
    }
}
