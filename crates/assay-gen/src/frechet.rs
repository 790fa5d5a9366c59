//! The Fréchet distance between two Gaussians fitted to feature sets: FID
//! on Inception pool features, FD-DINOv2 on DINOv2 features.
//!
//! Reference: pytorch-fid 0.3.0, `calculate_activation_statistics` (mean and
//! `np.cov(rowvar=False)` in float64) and `calculate_frechet_distance`:
//! `|mu1 - mu2|² + tr(S1) + tr(S2) - 2 tr(sqrtm(S1 S2))`.
//!
//! pytorch-fid takes the general matrix square root of the non-symmetric
//! `S1 S2` (`scipy.linalg.sqrtm`, then its real part), which takes minutes
//! at d = 2048. Only its trace is needed: with `S1 = L1 L1ᵀ` and
//! `S2 = L2 L2ᵀ` (from symmetric eigendecompositions), it is the sum of the
//! singular values of `L2ᵀ L1` (faer, float64). Eigenvalues that rounding
//! makes slightly negative count as zero, where scipy would give them a
//! tiny imaginary root that pytorch-fid drops; on rank-deficient
//! covariances (n <= d) this is the only difference between the two.

use faer::linalg::matmul::triangular::{matmul, BlockStructure};
use faer::{Accum, Mat, MatRef, Par, Side};

use crate::{Features, GenError};

/// The Gaussian statistics of a feature set: what pytorch-fid stores in its
/// `.npz` files (`mu`, `sigma`).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureStats {
    /// The mean feature vector.
    pub mu: Vec<f64>,
    /// The covariance matrix (unbiased, `n - 1`), row-major `dim x dim`.
    pub sigma: Vec<f64>,
    /// How many samples the statistics came from, when known.
    pub count: Option<usize>,
}

impl FeatureStats {
    /// Mean and covariance of `features` (`np.mean(axis=0)` and
    /// `np.cov(rowvar=False)` to within rounding), from the shardable sums
    /// of [`crate::moments`]: a merge of any sharding gives exactly these.
    pub fn from_features(features: &Features) -> Result<FeatureStats, GenError> {
        crate::moments::statistics(features)
    }

    /// Statistics read from elsewhere (e.g. a pytorch-fid `.npz`), checked:
    /// `sigma` must be `dim x dim` for `dim = mu.len()`, finite and
    /// symmetric.
    pub fn new(
        mu: Vec<f64>,
        sigma: Vec<f64>,
        count: Option<usize>,
    ) -> Result<FeatureStats, GenError> {
        let d = mu.len();
        if d == 0 || sigma.len() != d * d {
            return Err(GenError::Shape(format!(
                "sigma has {} values, expected {d} x {d} for a mean of length {d}",
                sigma.len()
            )));
        }
        if mu.iter().chain(&sigma).any(|v| !v.is_finite()) {
            return Err(GenError::Numerical(
                "the statistics hold non-finite values".into(),
            ));
        }
        let scale = sigma.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for i in 0..d {
            for j in 0..i {
                if (sigma[i * d + j] - sigma[j * d + i]).abs() > 1e-9 * scale.max(1e-300) {
                    return Err(GenError::Numerical(format!(
                        "sigma is not symmetric (entries [{i}, {j}] and [{j}, {i}] differ)"
                    )));
                }
            }
        }
        Ok(FeatureStats { mu, sigma, count })
    }

    /// The feature dimension.
    pub fn dim(&self) -> usize {
        self.mu.len()
    }

    fn sigma_mat(&self) -> MatRef<'_, f64> {
        MatRef::from_row_major_slice(&self.sigma, self.dim(), self.dim())
    }

    fn trace(&self) -> f64 {
        (0..self.dim())
            .map(|i| self.sigma[i * self.dim() + i])
            .sum()
    }
}

/// The Fréchet distance between the Gaussians of `a` and `b` (FID when the
/// statistics are of Inception pool features).
pub fn frechet_distance(a: &FeatureStats, b: &FeatureStats) -> Result<f64, GenError> {
    if a.dim() != b.dim() {
        return Err(GenError::Shape(format!(
            "the statistics have different dimensions ({} and {})",
            a.dim(),
            b.dim()
        )));
    }
    let mean_term: f64 = a.mu.iter().zip(&b.mu).map(|(x, y)| (x - y) * (x - y)).sum();
    let cross = trace_sqrt_product(a.sigma_mat(), b.sigma_mat())?;
    Ok(mean_term + a.trace() + b.trace() - 2.0 * cross)
}

/// `tr(sqrtm(S1 S2))` for symmetric positive semi-definite `S1`, `S2`:
/// with `S1 = L1 L1ᵀ` and `S2 = L2 L2ᵀ`, the eigenvalues of `S1 S2` are the
/// squared singular values of `L2ᵀ L1`, so the trace is that matrix's
/// nuclear norm. Summing singular values computed directly (not square
/// roots of eigenvalues of `L1ᵀ S2 L1`, whose small ones carry an absolute
/// error of about `eps * ‖S1 S2‖` that a square root magnifies) keeps the
/// result accurate when feature variances span many orders of magnitude.
fn trace_sqrt_product(s1: MatRef<'_, f64>, s2: MatRef<'_, f64>) -> Result<f64, GenError> {
    let l1 = psd_factor(s1)?;
    let l2 = psd_factor(s2)?;
    let d = s1.nrows();
    let mut product = Mat::<f64>::zeros(d, d);
    matmul(
        product.as_mut(),
        BlockStructure::Rectangular,
        Accum::Replace,
        l2.transpose(),
        BlockStructure::Rectangular,
        l1.as_ref(),
        BlockStructure::Rectangular,
        1.0,
        Par::rayon(0),
    );
    let failed = |e| GenError::Numerical(format!("singular value decomposition failed: {e:?}"));
    let singular = product.singular_values().map_err(failed)?;
    Ok(singular.iter().map(|v| v.max(0.0)).sum())
}

/// `L = U sqrt(max(Λ, 0))` from the eigendecomposition `S = U Λ Uᵀ`, so
/// `S = L Lᵀ` (eigenvalues rounding made slightly negative count as zero).
fn psd_factor(s: MatRef<'_, f64>) -> Result<Mat<f64>, GenError> {
    let failed = |e| GenError::Numerical(format!("eigendecomposition failed: {e:?}"));
    let eig = s.self_adjoint_eigen(Side::Lower).map_err(failed)?;
    let (u, values) = (eig.U(), eig.S().column_vector());
    let d = s.nrows();
    Ok(Mat::from_fn(d, d, |i, j| {
        u[(i, j)] * values[j].max(0.0).sqrt()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(rows: &[[f64; 2]]) -> FeatureStats {
        let data = rows.iter().flatten().copied().collect();
        FeatureStats::from_features(&Features::new(data, 2).unwrap()).unwrap()
    }

    #[test]
    fn covariance_is_numpys() {
        let s = stats(&[[1.0, 2.0], [3.0, 1.0], [5.0, 6.0]]);
        assert_eq!(s.mu, vec![3.0, 3.0]);
        // np.cov([[1, 3, 5], [2, 1, 6]]) = [[4, 4], [4, 7]]
        assert_eq!(s.sigma, vec![4.0, 4.0, 4.0, 7.0]);
    }

    #[test]
    fn distance_of_a_set_to_itself_is_zero_and_shift_adds_its_square() {
        let a = stats(&[[1.0, 2.0], [3.0, 1.0], [5.0, 6.0], [0.0, 1.0]]);
        assert!(frechet_distance(&a, &a).unwrap().abs() < 1e-12);
        let mut b = a.clone();
        b.mu[0] += 3.0;
        b.mu[1] -= 4.0;
        assert!((frechet_distance(&a, &b).unwrap() - 25.0).abs() < 1e-12);
    }

    #[test]
    fn diagonal_gaussians_have_the_closed_form() {
        // For diagonal S1, S2: sum (sqrt(a) - sqrt(b))^2.
        let a = FeatureStats::new(vec![0.0; 2], vec![4.0, 0.0, 0.0, 9.0], None).unwrap();
        let b = FeatureStats::new(vec![0.0; 2], vec![1.0, 0.0, 0.0, 16.0], None).unwrap();
        assert!((frechet_distance(&a, &b).unwrap() - 2.0).abs() < 1e-12);
    }

    #[test]
    fn bad_statistics_are_refused() {
        assert!(FeatureStats::new(vec![0.0; 2], vec![1.0; 3], None).is_err());
        assert!(FeatureStats::new(vec![0.0; 2], vec![1.0, 2.0, 0.0, 1.0], None).is_err());
        assert!(FeatureStats::new(vec![f64::NAN; 1], vec![1.0], None).is_err());
        let one = Features::new(vec![1.0, 2.0], 2).unwrap();
        assert!(FeatureStats::from_features(&one).is_err());
    }
}
