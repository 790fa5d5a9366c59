//! Maximum mean discrepancy between reference and current embeddings, as
//! alibi-detect's `MMDDrift` (PyTorch backend) computes it with its
//! defaults:
//!
//! - kernel: `GaussianRBF`, `k(x, y) = exp(-‖x - y‖² / (2σ²))` with the
//!   squared distances floored at 1e-30;
//! - bandwidth (`configure_kernel_from_x_ref=True`, `sigma_median`): σ =
//!   `sqrt(0.5 · d)` where `d` is the median off-diagonal squared distance
//!   of the reference to itself (the element at `n + (n² - n) // 2 - 1`
//!   of all `n²` sorted distances);
//! - `MMD² = Σ K_xx / (n(n-1)) + Σ K_yy / (m(m-1)) - 2 mean(K_xy)` over
//!   the kernel matrix of `[reference; current]` with its diagonal zeroed;
//! - p-value: the share of `n_permutations` (100) permutations of the
//!   pooled rows whose MMD² is at least the observed one; drift when
//!   `p < p_val` (0.05); `distance_threshold` is the permuted MMD² at
//!   index `int(p_val · n_permutations)` sorted descending.
//!
//! Everything runs in `f64` (alibi-detect runs in the input's precision,
//! `f32` for `f32` embeddings). The kernel matrix is quadratic in the
//! rows, so each side is subsampled without replacement to at most
//! [`DEFAULT_MAX_SAMPLES`] rows by default, and the result says so.
//! Permutations are NumPy's `RandomState(seed).permutation`, so the
//! parity test hands the same ones to the reference.

use assay_gen::numpy_random::RandomState;
use rayon::prelude::*;

use super::embedding::Rows;
use super::DriftError;

/// The default cap on rows per side.
pub const DEFAULT_MAX_SAMPLES: usize = 1000;
/// alibi-detect's default number of permutations.
pub const DEFAULT_PERMUTATIONS: usize = 100;
/// alibi-detect's default significance.
pub const DEFAULT_P_VAL: f64 = 0.05;

/// Options of [`mmd_drift`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MmdOptions {
    /// Rows per side above which a random subsample of this size is used.
    pub max_samples: usize,
    /// Permutations of the test.
    pub n_permutations: usize,
    /// Significance: drift when the p-value is below it.
    pub p_val: f64,
    /// Seed of the subsampling and the permutations.
    pub seed: u32,
    /// A fixed bandwidth instead of the median heuristic.
    pub sigma: Option<f64>,
}

impl Default for MmdOptions {
    fn default() -> Self {
        MmdOptions {
            max_samples: DEFAULT_MAX_SAMPLES,
            n_permutations: DEFAULT_PERMUTATIONS,
            p_val: DEFAULT_P_VAL,
            seed: 0,
            sigma: None,
        }
    }
}

/// An MMD permutation test's outcome.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MmdDrift {
    /// The observed MMD².
    pub mmd2: f64,
    /// The permutation p-value.
    pub p_value: f64,
    /// The significance used.
    pub p_val: f64,
    /// Whether `p_value < p_val`.
    pub drifted: bool,
    /// The MMD² above which drift would be flagged.
    pub distance_threshold: f64,
    /// The kernel bandwidth.
    pub sigma: f64,
    /// Permutations run.
    pub n_permutations: usize,
    /// Reference rows given.
    pub n_reference: usize,
    /// Current rows given.
    pub n_current: usize,
    /// Reference rows used.
    pub n_reference_used: usize,
    /// Current rows used.
    pub n_current_used: usize,
    /// Whether either side was subsampled (to at most `max_samples`).
    pub subsampled: bool,
}

/// `count` permutations of `0..n`: `RandomState(seed).permutation(n)`
/// drawn `count` times in a row.
pub fn permutations(n: usize, count: usize, seed: u32) -> Vec<Vec<usize>> {
    let mut rng = RandomState::new(seed);
    (0..count).map(|_| rng.permutation(n)).collect()
}

/// The median-heuristic bandwidth of alibi-detect's `sigma_median` for
/// the reference against itself.
fn sigma_median(x: &[Vec<f64>]) -> f64 {
    let n = x.len();
    if n < 2 {
        return (0.5 * 1e-30f64).sqrt();
    }
    let mut upper = Vec::with_capacity(n * (n - 1) / 2);
    for i in 0..n {
        for j in (i + 1)..n {
            upper.push(squared_distance(&x[i], &x[j]));
        }
    }
    // All n² distances sorted: n diagonal floors, then each pair twice.
    let t = (n * n - n) / 2 - 1;
    let k = t / 2;
    let (_, d, _) = upper.select_nth_unstable_by(k, f64::total_cmp);
    (0.5 * *d).sqrt()
}

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .max(1e-30)
}

/// The outcome of [`mmd_permutation_test`].
#[derive(Debug, Clone, PartialEq)]
pub struct MmdTest {
    /// The bandwidth used.
    pub sigma: f64,
    /// The observed MMD².
    pub mmd2: f64,
    /// Each permutation's MMD².
    pub permuted: Vec<f64>,
    /// The share of permuted MMD² at least the observed one.
    pub p_value: f64,
}

/// MMD² of the rows given, with the bandwidth `sigma` or the median
/// heuristic, and its permutation p-value over `perms` (each a
/// permutation of `0..n + m`, the first `n` positions taken as the
/// reference).
pub fn mmd_permutation_test(
    reference: &[f32],
    current: &[f32],
    dim: usize,
    sigma: Option<f64>,
    perms: &[Vec<usize>],
) -> Result<MmdTest, DriftError> {
    let r = Rows::new(reference, dim, "reference")?;
    let c = Rows::new(current, dim, "current")?;
    let (n, m) = (r.len(), c.len());
    for (side, got) in [("reference", n), ("current", m)] {
        if got < 2 {
            return Err(DriftError::TooFew {
                what: "MMD",
                side,
                needed: 2,
                got,
            });
        }
    }
    let total = n + m;
    if let Some(bad) = perms
        .iter()
        .find(|p| p.len() != total || !is_permutation(p))
    {
        return Err(DriftError::Option(format!(
            "a permutation of {} indices must hold each of 0..{total} once",
            bad.len()
        )));
    }
    let rows: Vec<Vec<f64>> = (0..n)
        .map(|i| r.row(i).iter().map(|&v| f64::from(v)).collect())
        .chain((0..m).map(|i| c.row(i).iter().map(|&v| f64::from(v)).collect()))
        .collect();
    let sigma = match sigma {
        Some(s) if s > 0.0 && s.is_finite() => s,
        Some(s) => {
            return Err(DriftError::Option(format!(
                "sigma must be positive and finite, got {s}"
            )))
        }
        None => sigma_median(&rows[..n]),
    };
    let gamma = 1.0 / (2.0 * sigma * sigma);
    // Upper triangle of the kernel matrix, row by row.
    let kernel: Vec<Vec<f64>> = (0..total)
        .into_par_iter()
        .map(|i| {
            ((i + 1)..total)
                .map(|j| (-gamma * squared_distance(&rows[i], &rows[j])).exp())
                .collect()
        })
        .collect();
    let identity: Vec<usize> = (0..total).collect();
    let mmd2 = mmd2_of(&kernel, &identity, n, m);
    let permuted: Vec<f64> = perms
        .par_iter()
        .map(|p| mmd2_of(&kernel, p, n, m))
        .collect();
    let p_value = if permuted.is_empty() {
        f64::NAN
    } else {
        permuted.iter().filter(|&&v| mmd2 <= v).count() as f64 / permuted.len() as f64
    };
    Ok(MmdTest {
        sigma,
        mmd2,
        permuted,
        p_value,
    })
}

fn is_permutation(p: &[usize]) -> bool {
    let mut seen = vec![false; p.len()];
    p.iter()
        .all(|&i| i < seen.len() && !std::mem::replace(&mut seen[i], true))
}

/// MMD² with the rows at positions `perm[..n]` as the reference.
fn mmd2_of(kernel: &[Vec<f64>], perm: &[usize], n: usize, m: usize) -> f64 {
    let mut is_x = vec![false; perm.len()];
    for &i in &perm[..n] {
        is_x[i] = true;
    }
    let (mut sxx, mut syy, mut sxy) = (0.0f64, 0.0f64, 0.0f64);
    for (i, row) in kernel.iter().enumerate() {
        let (mut rxx, mut ryy, mut rxy) = (0.0f64, 0.0f64, 0.0f64);
        for (k, &v) in row.iter().enumerate() {
            let j = i + 1 + k;
            match (is_x[i], is_x[j]) {
                (true, true) => rxx += v,
                (false, false) => ryy += v,
                _ => rxy += v,
            }
        }
        sxx += rxx;
        syy += ryy;
        sxy += rxy;
    }
    let (nf, mf) = (n as f64, m as f64);
    2.0 * sxx / (nf * (nf - 1.0)) + 2.0 * syy / (mf * (mf - 1.0)) - 2.0 * sxy / (nf * mf)
}

fn subsample<'a>(
    rows: &Rows<'a>,
    max: usize,
    rng: &mut RandomState,
) -> Result<(Vec<f32>, bool), DriftError> {
    if rows.len() <= max {
        return Ok((rows.data.to_vec(), false));
    }
    let mut idx = rng
        .choice_without_replacement(rows.len(), max)
        .map_err(|e| DriftError::Option(e.to_string()))?;
    idx.sort_unstable();
    let mut out = Vec::with_capacity(max * rows.dim);
    for i in idx {
        out.extend_from_slice(rows.row(i));
    }
    Ok((out, true))
}

/// alibi-detect's `MMDDrift` test of reference against current
/// embeddings (row-major `n x dim`), subsampling each side to at most
/// `options.max_samples` rows (`RandomState(seed)` draws the reference's
/// rows, then the current's; permutations come from `RandomState(seed +
/// 1)`).
pub fn mmd_drift(
    reference: &[f32],
    current: &[f32],
    dim: usize,
    options: &MmdOptions,
) -> Result<MmdDrift, DriftError> {
    if options.max_samples < 2 {
        return Err(DriftError::Option(format!(
            "max_samples must be at least 2, got {}",
            options.max_samples
        )));
    }
    if options.n_permutations == 0 {
        return Err(DriftError::Option(
            "n_permutations must be at least 1".to_string(),
        ));
    }
    let r = Rows::new(reference, dim, "reference")?;
    let c = Rows::new(current, dim, "current")?;
    let mut rng = RandomState::new(options.seed);
    let (rs, r_sub) = subsample(&r, options.max_samples, &mut rng)?;
    let (cs, c_sub) = subsample(&c, options.max_samples, &mut rng)?;
    let (n_used, m_used) = (rs.len() / dim, cs.len() / dim);
    let perms = permutations(
        n_used + m_used,
        options.n_permutations,
        options.seed.wrapping_add(1),
    );
    let test = mmd_permutation_test(&rs, &cs, dim, options.sigma, &perms)?;
    let mut sorted = test.permuted.clone();
    sorted.sort_unstable_by(|a, b| b.total_cmp(a));
    let idx = ((options.p_val * sorted.len() as f64) as usize).min(sorted.len() - 1);
    Ok(MmdDrift {
        mmd2: test.mmd2,
        p_value: test.p_value,
        p_val: options.p_val,
        drifted: test.p_value < options.p_val,
        distance_threshold: sorted[idx],
        sigma: test.sigma,
        n_permutations: options.n_permutations,
        n_reference: r.len(),
        n_current: c.len(),
        n_reference_used: n_used,
        n_current_used: m_used,
        subsampled: r_sub || c_sub,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::gaussian;

    #[test]
    fn detects_a_shift_and_not_its_absence() {
        let a = gaussian(100, 3, 0.0, 1);
        let b = gaussian(100, 3, 0.0, 2);
        let c = gaussian(100, 3, 1.0, 3);
        let o = MmdOptions::default();
        let same = mmd_drift(&a, &b, 3, &o).unwrap();
        let moved = mmd_drift(&a, &c, 3, &o).unwrap();
        assert!(!same.drifted, "{same:?}");
        assert!(moved.drifted && moved.p_value == 0.0, "{moved:?}");
        assert!(moved.mmd2 > moved.distance_threshold);
        assert!(!moved.subsampled);
    }

    #[test]
    fn subsamples_and_says_so() {
        let a = gaussian(50, 2, 0.0, 1);
        let b = gaussian(30, 2, 0.0, 2);
        let o = MmdOptions {
            max_samples: 20,
            n_permutations: 10,
            ..MmdOptions::default()
        };
        let d = mmd_drift(&a, &b, 2, &o).unwrap();
        assert!(d.subsampled);
        assert_eq!((d.n_reference_used, d.n_current_used), (20, 20));
        assert_eq!((d.n_reference, d.n_current), (50, 30));
    }

    #[test]
    fn rejects_bad_permutations() {
        let a = gaussian(3, 1, 0.0, 1);
        let r = mmd_permutation_test(&a, &a, 1, None, &[vec![0, 1, 2, 3, 4, 4]]);
        assert!(matches!(r, Err(DriftError::Option(_))));
    }
}
