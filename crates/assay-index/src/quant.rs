//! The int8 copy of every vector, and the integer dot-product kernels.
//!
//! A vector `x` is stored as codes `X` in [-127, 127] with one scale `s`
//! (its largest absolute value over 127), so `x̂ = s·X`. Beside the codes,
//! each row keeps upper bounds of `‖x − x̂‖₂`, `‖x̂‖₂` and `‖x‖₂`, from
//! which [`crate::scan`] bounds the error of every approximate score.

/// Padding of code rows: a multiple of the AVX2 kernel's block.
const BLOCK: usize = 32;

/// Row length of the codes for dimension `dim` (zero-padded).
pub(crate) fn code_stride(dim: usize) -> usize {
    dim.div_ceil(BLOCK) * BLOCK
}

/// Rounds a non-negative f64 up to an f32 at least as large.
pub(crate) fn up(v: f64) -> f32 {
    (v * (1.0 + 1e-6) + 1e-37) as f32
}

/// What is known about one quantised vector.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct CodeMeta {
    /// The scale `s`: `x̂ = s·X`.
    pub scale: f32,
    /// An upper bound of `‖x − x̂‖₂`.
    pub err: f32,
    /// An upper bound of `‖x̂‖₂`.
    pub code_norm: f32,
    /// An upper bound of `‖x‖₂`.
    pub norm: f32,
    /// `‖x‖₂²`, to f32 precision (relative error below 1e-7).
    pub sq_norm: f32,
}

/// Quantises `x` into `codes` (already zeroed, at least `x.len()` long)
/// with values of type `T` (i8 for stored rows, i16 for queries).
pub(crate) fn quantize<T: From<i8> + Copy>(x: &[f32], codes: &mut [T]) -> CodeMeta {
    let max = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    let scale = max / 127.0;
    let (mut err2, mut code2, mut x2) = (0f64, 0f64, 0f64);
    for (v, c) in x.iter().zip(codes.iter_mut()) {
        let q = if scale > 0.0 {
            (v / scale).round().clamp(-127.0, 127.0)
        } else {
            0.0
        };
        // In range by the clamp above.
        *c = T::from(q as i8);
        let hat = scale as f64 * q as f64;
        let v = *v as f64;
        err2 += (v - hat) * (v - hat);
        code2 += hat * hat;
        x2 += v * v;
    }
    CodeMeta {
        scale,
        err: up(err2.sqrt()),
        code_norm: up(code2.sqrt()),
        norm: up(x2.sqrt()),
        sq_norm: x2 as f32,
    }
}

fn dot_i8_scalar(q: &[i16], x: &[i8]) -> i32 {
    q.iter().zip(x).map(|(&a, &b)| a as i32 * b as i32).sum()
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use std::arch::x86_64::*;

    /// Integer dot product of i16 query codes and i8 row codes.
    ///
    /// # Safety
    /// The CPU must support AVX2; both slices hold `n` values, `n` a
    /// multiple of 32.
    #[target_feature(enable = "avx2")]
    pub unsafe fn dot_i8(q: &[i16], x: &[i8], n: usize) -> i32 {
        let mut acc0 = _mm256_setzero_si256();
        let mut acc1 = _mm256_setzero_si256();
        let (qp, xp) = (q.as_ptr(), x.as_ptr());
        let mut i = 0;
        while i < n {
            // SAFETY: i + 32 <= n and both slices hold n values; unaligned
            // loads are allowed.
            unsafe {
                let x0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(xp.add(i) as *const __m128i));
                let x1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(xp.add(i + 16) as *const __m128i));
                let q0 = _mm256_loadu_si256(qp.add(i) as *const __m256i);
                let q1 = _mm256_loadu_si256(qp.add(i + 16) as *const __m256i);
                // |q|, |x| <= 127: each pair sum is below 2^15, no overflow.
                acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(x0, q0));
                acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(x1, q1));
            }
            i += 32;
        }
        let acc = _mm256_add_epi32(acc0, acc1);
        let half = _mm_add_epi32(
            _mm256_castsi256_si128(acc),
            _mm256_extracti128_si256(acc, 1),
        );
        let quad = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0b01_00_11_10));
        let pair = _mm_add_epi32(quad, _mm_shuffle_epi32(quad, 0b10_11_00_01));
        _mm_cvtsi128_si32(pair)
    }
}

/// Integer dot product of query codes and row codes (the same value on
/// every CPU; AVX2 when present).
#[inline]
pub(crate) fn dot_i8(q: &[i16], x: &[i8]) -> i32 {
    let n = q.len().min(x.len());
    #[cfg(target_arch = "x86_64")]
    if n.is_multiple_of(BLOCK) && crate::metric::has_avx2() {
        // SAFETY: AVX2 was detected; both slices hold at least n values and
        // n is a multiple of 32.
        return unsafe { avx::dot_i8(q, x, n) };
    }
    dot_i8_scalar(&q[..n], &x[..n])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_agree_and_errors_are_bounded() {
        let d = 70;
        let x: Vec<f32> = (0..d)
            .map(|i| ((i * 7919) % 113) as f32 / 50.0 - 1.1)
            .collect();
        let s = code_stride(d);
        let mut xc = vec![0i8; s];
        let m = quantize(&x, &mut xc);
        let mut qc = vec![0i16; s];
        quantize(&x, &mut qc);
        assert_eq!(dot_i8(&qc, &xc), dot_i8_scalar(&qc, &xc));
        let err: f64 = x
            .iter()
            .zip(&xc)
            .map(|(&v, &c)| (v as f64 - m.scale as f64 * c as f64).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(err <= m.err as f64);
        assert!(m.err as f64 <= m.scale as f64 / 2.0 * (d as f64).sqrt() * 1.001);
    }

    #[test]
    fn zero_vector_has_zero_codes() {
        let mut c = vec![0i8; 32];
        let m = quantize(&[0.0; 5], &mut c);
        assert_eq!(m.scale, 0.0);
        assert!(c.iter().all(|&v| v == 0));
    }
}
