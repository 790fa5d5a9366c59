//! Kernel Inception Distance (KID) as torch-fidelity 0.4.0 computes it.
//!
//! torch-fidelity's `kid_features_to_metric(features_1, features_2)` draws
//! `kid_subsets` (100) pairs of subsets of `kid_subset_size` (1000) rows
//! without replacement from `np.random.RandomState(rng_seed)` (seed 2020,
//! torch-fidelity's default), in this order for each subset: first the rows
//! of `features_1`, then those of `features_2`. On each pair it computes
//! the unbiased estimate of the squared maximum mean discrepancy with the
//! polynomial kernel `k(x, y) = (gamma * x.y + coef0)^degree` (degree 3,
//! `gamma = 1 / dim`, `coef0 = 1`), and reports the mean and the
//! population (`ddof = 0`) standard deviation of the subset values.
//!
//! torch-fidelity's input 1 is usually the generated set and input 2 the
//! reference set; the metric is symmetric except for which set the stream
//! draws from first, so swapping them changes the subsets (and the value,
//! slightly). Here [`kid`] takes them in that order: `input1` (generated),
//! then `input2` (reference).
//!
//! Precision: this port computes in `f64`. torch-fidelity computes in the
//! dtype of its feature tensors: `float32` in its own pipeline (Inception
//! features), `float64` when it is given `float64` tensors. The parity test
//! `kid_is_parity` checks both cases and explains the tolerances.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rayon::prelude::*;

use crate::numpy_random::RandomState;
use crate::{Features, GenError};

/// The settings of [`kid`]; the defaults are torch-fidelity 0.4.0's.
#[derive(Debug, Clone, PartialEq)]
pub struct KidOptions {
    /// How many pairs of subsets (`kid_subsets`, 100).
    pub subsets: usize,
    /// Rows in each subset (`kid_subset_size`, 1000); both sets need at
    /// least this many rows.
    pub subset_size: usize,
    /// The polynomial kernel's degree (`kid_kernel_poly_degree`, 3).
    pub degree: u32,
    /// The kernel's scale (`kid_kernel_poly_gamma`); `None` is `1 / dim`.
    pub gamma: Option<f64>,
    /// The kernel's offset (`kid_kernel_poly_coef0`, 1).
    pub coef0: f64,
    /// The seed of the NumPy `RandomState` that draws the subsets
    /// (`rng_seed`, 2020).
    pub seed: u32,
}

impl Default for KidOptions {
    fn default() -> KidOptions {
        KidOptions {
            subsets: 100,
            subset_size: 1000,
            degree: 3,
            gamma: None,
            coef0: 1.0,
            seed: 2020,
        }
    }
}

/// The Kernel Inception Distance and the values it averages.
#[derive(Debug, Clone, PartialEq)]
pub struct Kid {
    /// The mean of the subset values (torch-fidelity's
    /// `kernel_inception_distance_mean`).
    pub mean: f64,
    /// Their population standard deviation, `ddof = 0`
    /// (`kernel_inception_distance_std`).
    pub std: f64,
    /// The unbiased MMD² of each pair of subsets, in draw order.
    pub subset_values: Vec<f64>,
}

/// KID between `input1` (torch-fidelity's input 1, usually the generated
/// samples) and `input2` (input 2, usually the reference samples).
///
/// Errors: the sets' dimensions differ, `subsets` is 0 or `subset_size`
/// below 2 ([`GenError::Shape`]), or a set has fewer rows than
/// `subset_size` ([`GenError::TooFewSamples`]; torch-fidelity refuses
/// these too). The subsets run in parallel; the result does not depend on
/// the number of threads.
pub fn kid(input1: &Features, input2: &Features, options: &KidOptions) -> Result<Kid, GenError> {
    check(input1, input2, options)?;
    let draws = draw_subsets(input1.len(), input2.len(), options)?;
    let gamma = options.gamma.unwrap_or(1.0 / input1.dim() as f64);
    let kernel = PolyKernel {
        gamma,
        coef0: options.coef0,
        degree: i32::try_from(options.degree).unwrap_or(i32::MAX),
    };
    let subset_values: Vec<f64> = draws
        .par_iter()
        .map(|(rows1, rows2)| kernel.mmd2_unbiased(&input1.select(rows1), &input2.select(rows2)))
        .collect();
    let (mean, std) = mean_and_std(&subset_values);
    Ok(Kid {
        mean,
        std,
        subset_values,
    })
}

/// The population mean and standard deviation (`ddof = 0`), as
/// `np.mean` and `np.std` report them.
pub(crate) fn mean_and_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

fn check(input1: &Features, input2: &Features, options: &KidOptions) -> Result<(), GenError> {
    if input1.dim() != input2.dim() {
        return Err(GenError::Shape(format!(
            "KID needs features of one dimension, got {} and {}",
            input1.dim(),
            input2.dim()
        )));
    }
    if options.subsets == 0 || options.subset_size < 2 {
        return Err(GenError::Shape(format!(
            "KID needs at least 1 subset of at least 2 rows, got {} subsets of {}",
            options.subsets, options.subset_size
        )));
    }
    let fewest = input1.len().min(input2.len());
    if fewest < options.subset_size {
        return Err(GenError::TooFewSamples {
            metric: "KID",
            needed: options.subset_size,
            got: fewest,
            hint: format!(
                " (input 1 has {}, input 2 has {}); lower the subset size to at most {fewest} \
                 (torch-fidelity's kid_subset_size), and say so when reporting the value",
                input1.len(),
                input2.len()
            ),
        });
    }
    Ok(())
}

/// The rows of each pair of subsets, drawn in torch-fidelity's order.
type SubsetRows = (Vec<usize>, Vec<usize>);

fn draw_subsets(n1: usize, n2: usize, options: &KidOptions) -> Result<Vec<SubsetRows>, GenError> {
    let mut rng = RandomState::new(options.seed);
    let size = options.subset_size;
    (0..options.subsets)
        .map(|_| {
            let rows1 = rng.choice_without_replacement(n1, size)?;
            let rows2 = rng.choice_without_replacement(n2, size)?;
            Ok((rows1, rows2))
        })
        .collect()
}

/// `k(x, y) = (gamma * x.y + coef0)^degree`.
struct PolyKernel {
    gamma: f64,
    coef0: f64,
    degree: i32,
}

impl PolyKernel {
    /// torch-fidelity's `mmd2(..., mmd_est="unbiased")` of two subsets of
    /// one size `m`: the off-diagonal means of `K_XX` and `K_YY` less twice
    /// the mean of `K_XY`.
    fn mmd2_unbiased(&self, x: &Features, y: &Features) -> f64 {
        let m = x.len() as f64;
        let xx = self.sum(x, x, true);
        let yy = self.sum(y, y, true);
        let xy = self.sum(x, y, false);
        (xx + yy) / (m * (m - 1.0)) - 2.0 * xy / (m * m)
    }

    /// The sum of the kernel matrix of `a` against `b` (column by column), its diagonal left
    /// out when `off_diagonal`.
    fn sum(&self, a: &Features, b: &Features, off_diagonal: bool) -> f64 {
        let dots = gram(a, b);
        let mut total = 0.0;
        for j in 0..dots.ncols() {
            let mut column = 0.0;
            for (i, &dot) in dots.col_as_slice(j).iter().enumerate() {
                if !(off_diagonal && i == j) {
                    column += self.apply(dot);
                }
            }
            total += column;
        }
        total
    }

    /// NumPy's `**` calls `pow`; repeated multiplication differs from it by
    /// an ulp or so, far below the parity tolerance, and is much faster.
    fn apply(&self, dot: f64) -> f64 {
        (dot * self.gamma + self.coef0).powi(self.degree)
    }
}

/// `a b^T`, single-threaded (the subsets are what runs in parallel).
fn gram(a: &Features, b: &Features) -> Mat<f64> {
    let a = MatRef::from_row_major_slice(a.as_slice(), a.len(), a.dim());
    let b = MatRef::from_row_major_slice(b.as_slice(), b.len(), b.dim());
    let mut out = Mat::<f64>::zeros(a.nrows(), b.nrows());
    matmul(
        out.as_mut(),
        Accum::Replace,
        a,
        b.transpose(),
        1.0,
        Par::Seq,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(n: usize, dim: usize, offset: f64) -> Features {
        let mut rs = RandomState::new(n as u32);
        let data = (0..n * dim).map(|_| rs.random_sample() + offset).collect();
        Features::new(data, dim).unwrap()
    }

    #[test]
    fn too_few_rows_is_an_error_with_a_hint() {
        let options = KidOptions::default();
        let err = kid(&features(20, 4, 0.0), &features(30, 4, 0.0), &options).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("at most 20"), "{text}");
        assert!(matches!(
            err,
            GenError::TooFewSamples {
                needed: 1000,
                got: 20,
                ..
            }
        ));
    }

    #[test]
    fn mismatched_dimensions_are_an_error() {
        let err = kid(
            &features(20, 4, 0.0),
            &features(20, 5, 0.0),
            &KidOptions::default(),
        );
        assert!(matches!(err, Err(GenError::Shape(_))));
    }

    #[test]
    fn a_shift_raises_kid() {
        let options = KidOptions {
            subsets: 10,
            subset_size: 50,
            ..KidOptions::default()
        };
        let same = kid(&features(100, 4, 0.0), &features(120, 4, 0.0), &options).unwrap();
        let shifted = kid(&features(100, 4, 0.0), &features(120, 4, 0.5), &options).unwrap();
        assert_eq!(same.subset_values.len(), 10);
        assert!(same.mean.abs() < 0.01, "{same:?}");
        assert!(shifted.mean > 10.0 * same.mean.abs(), "{shifted:?}");
    }
}
