//! Metrics and the exact f32 kernels every search result is defined by.
//!
//! Summation order (fixed, so results are the same bits with and without
//! AVX): element `i` is added into lane `i % 8` of eight f32 partial sums
//! (a multiply, then an add; never a fused multiply-add), and the lanes are
//! combined as `((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))`.

use serde::{Deserialize, Serialize};

/// How vectors are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Metric {
    /// Cosine similarity: vectors are normalised to unit length when added
    /// and when queried, and the score is their dot product (higher is
    /// better). A zero vector stays zero and scores 0 against everything.
    Cosine,
    /// Euclidean (L2) distance, lower is better. Squared internally; the
    /// reported score is the square root of the squared distance.
    Euclidean,
}

impl Metric {
    /// Whether a higher score is better (cosine) or a lower one (Euclidean).
    pub fn higher_is_better(self) -> bool {
        matches!(self, Metric::Cosine)
    }

    /// The ranking key of a prepared query and a stored vector: higher is
    /// better (the dot product, or minus the squared distance).
    pub fn key(self, query: &[f32], row: &[f32]) -> f32 {
        match self {
            Metric::Cosine => dot(query, row),
            Metric::Euclidean => -l2_squared(query, row),
        }
    }

    /// The reported score for a ranking key.
    pub fn score_of_key(self, key: f32) -> f32 {
        match self {
            Metric::Cosine => key,
            Metric::Euclidean => (-key).max(0.0).sqrt(),
        }
    }
}

const LANES: usize = 8;

#[inline(always)]
fn reduce(l: [f32; LANES]) -> f32 {
    ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
}

#[inline(always)]
fn dot_impl(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for j in 0..LANES {
            acc[j] += x[j] * y[j];
        }
    }
    for (j, (x, y)) in ca.remainder().iter().zip(cb.remainder()).enumerate() {
        acc[j] += x * y;
    }
    reduce(acc)
}

#[inline(always)]
fn l2_impl(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for j in 0..LANES {
            let t = x[j] - y[j];
            acc[j] += t * t;
        }
    }
    for (j, (x, y)) in ca.remainder().iter().zip(cb.remainder()).enumerate() {
        let t = x - y;
        acc[j] += t * t;
    }
    reduce(acc)
}

/// Dot products of `a` with four rows at once, each the same bits as
/// [`dot`] (used by k-means and IVF routing).
#[inline(always)]
fn dot4_impl(a: &[f32], rows: [&[f32]; 4]) -> [f32; 4] {
    let n = rows.iter().fold(a.len(), |n, r| n.min(r.len()));
    let full = n - n % LANES;
    let mut acc = [[0f32; LANES]; 4];
    let mut i = 0;
    while i < full {
        let x = &a[i..i + LANES];
        for (r, row) in rows.iter().enumerate() {
            let y = &row[i..i + LANES];
            for j in 0..LANES {
                acc[r][j] += x[j] * y[j];
            }
        }
        i += LANES;
    }
    for (r, row) in rows.iter().enumerate() {
        for (j, k) in (full..n).enumerate() {
            acc[r][j] += a[k] * row[k];
        }
    }
    acc.map(reduce)
}

#[cfg(target_arch = "x86_64")]
mod avx {
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn dot(a: &[f32], b: &[f32]) -> f32 {
        super::dot_impl(a, b)
    }

    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn l2(a: &[f32], b: &[f32]) -> f32 {
        super::l2_impl(a, b)
    }

    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn dot4(a: &[f32], rows: [&[f32]; 4]) -> [f32; 4] {
        super::dot4_impl(a, rows)
    }
}

/// Whether the AVX2 kernels can run on this CPU (detected once, cached by
/// the standard library).
#[inline]
pub(crate) fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Dot product in the fixed summation order described in the module
/// documentation (over the shorter length).
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: AVX2 support was checked just above.
        return unsafe { avx::dot(a, b) };
    }
    dot_impl(a, b)
}

/// Squared Euclidean distance in the fixed summation order (over the
/// shorter length).
#[inline]
pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: AVX2 support was checked just above.
        return unsafe { avx::l2(a, b) };
    }
    l2_impl(a, b)
}

/// Four dot products at once, each equal to [`dot`] of `a` and that row.
#[inline]
pub fn dot4(a: &[f32], rows: [&[f32]; 4]) -> [f32; 4] {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: AVX2 support was checked just above.
        return unsafe { avx::dot4(a, rows) };
    }
    dot4_impl(a, rows)
}

/// Normalises `v` in place to unit length: each value divided by
/// `sqrt(dot(v, v))`. A zero vector is left as it is.
pub fn normalize(v: &mut [f32]) {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 {
        for x in v.iter_mut() {
            *x /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_dot(a: &[f32], b: &[f32]) -> f32 {
        let mut acc = [0f32; 8];
        for i in 0..a.len() {
            acc[i % 8] += a[i] * b[i];
        }
        reduce(acc)
    }

    #[test]
    fn kernels_follow_the_documented_order() {
        for d in [1, 3, 8, 17, 64, 100] {
            let a: Vec<f32> = (0..d).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..d).map(|i| (i as f32 * 1.3).cos()).collect();
            assert_eq!(dot(&a, &b).to_bits(), naive_dot(&a, &b).to_bits());
            assert_eq!(dot_impl(&a, &b).to_bits(), naive_dot(&a, &b).to_bits());
            let four = dot4(&a, [&b, &a, &b, &a]);
            assert_eq!(four[0].to_bits(), dot(&a, &b).to_bits());
            assert_eq!(four[1].to_bits(), dot(&a, &a).to_bits());
            let diff: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
            assert_eq!(
                l2_squared(&a, &b).to_bits(),
                naive_dot(&diff, &diff).to_bits()
            );
        }
    }

    #[test]
    fn normalize_leaves_zero_vectors() {
        let mut z = vec![0.0; 5];
        normalize(&mut z);
        assert_eq!(z, vec![0.0; 5]);
        let mut v = vec![3.0, 4.0];
        normalize(&mut v);
        assert!((v[0] - 0.6).abs() < 1e-7 && (v[1] - 0.8).abs() < 1e-7);
    }
}
