//! PIL's `Image.resize` for 8-bit images, reimplemented to give the same
//! bytes (Pillow's `libImaging/Resample.c`): separable convolution, the
//! horizontal pass first (only over the rows the vertical pass reads),
//! rounded to 8 bits in between; coefficients normalised to 1 and turned
//! into fixed point with 22 fractional bits; sums start at one half and are
//! clipped to 0..=255.
//!
//! `fast_image_resize` was not used here: it follows Pillow-SIMD, whose
//! coefficients are limited to 16 bits, so some pixels come out one level
//! off PIL's, which moves pHash bits and CleanVision's blur score.

/// The resampling filters CleanVision and `imagehash` use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// PIL's BICUBIC (a = -0.5), the default of `Image.resize`.
    Bicubic,
    /// PIL's LANCZOS (a = 3), `imagehash`'s `ANTIALIAS`.
    Lanczos,
}

impl Filter {
    fn support(self) -> f64 {
        match self {
            Filter::Bicubic => 2.0,
            Filter::Lanczos => 3.0,
        }
    }

    fn weight(self, x: f64) -> f64 {
        match self {
            Filter::Bicubic => bicubic(x),
            Filter::Lanczos => lanczos(x),
        }
    }
}

fn bicubic(x: f64) -> f64 {
    const A: f64 = -0.5;
    let x = x.abs();
    if x < 1.0 {
        ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0
    } else if x < 2.0 {
        (((x - 5.0) * x + 8.0) * x - 4.0) * A
    } else {
        0.0
    }
}

fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let x = x * std::f64::consts::PI;
        x.sin() / x
    }
}

fn lanczos(x: f64) -> f64 {
    if (-3.0..3.0).contains(&x) {
        sinc(x) * sinc(x / 3.0)
    } else {
        0.0
    }
}

const PRECISION_BITS: u32 = 32 - 8 - 2;

/// Fixed-point coefficients of one pass: for output `i`, the input span
/// `starts[i]..starts[i] + lens[i]` weighted by `weights[i * ksize..]`.
struct Coefficients {
    ksize: usize,
    starts: Vec<usize>,
    lens: Vec<usize>,
    weights: Vec<i32>,
}

impl Coefficients {
    fn new(in_size: usize, out_size: usize, filter: Filter) -> Self {
        // PIL computes the box in single precision; exact for these sizes.
        let scale = in_size as f32 as f64 / out_size as f64;
        let filterscale = scale.max(1.0);
        let support = filter.support() * filterscale;
        let ksize = support.ceil() as usize * 2 + 1;
        let mut out = Coefficients {
            ksize,
            starts: Vec::with_capacity(out_size),
            lens: Vec::with_capacity(out_size),
            weights: vec![0; out_size * ksize],
        };
        let mut k = vec![0.0f64; ksize];
        for xx in 0..out_size {
            let center = (xx as f64 + 0.5) * scale;
            let ss = 1.0 / filterscale;
            // C's (int) cast truncates toward zero, as `as` does.
            let xmin = ((center - support + 0.5) as i64).max(0);
            let xmax = ((center + support + 0.5) as i64).min(in_size as i64) - xmin;
            let len = xmax.max(0) as usize;
            let mut ww = 0.0;
            for (x, slot) in k.iter_mut().enumerate().take(len) {
                let w = filter.weight((x as f64 + xmin as f64 - center + 0.5) * ss);
                *slot = w;
                ww += w;
            }
            let row = &mut out.weights[xx * ksize..xx * ksize + len];
            for (dst, &w) in row.iter_mut().zip(&k[..len]) {
                let w = if ww != 0.0 { w / ww } else { w };
                *dst = to_fixed(w);
            }
            out.starts.push(xmin as usize);
            out.lens.push(len);
        }
        out
    }

    fn span(&self, i: usize) -> (usize, &[i32]) {
        let start = self.starts[i];
        let k = &self.weights[i * self.ksize..i * self.ksize + self.lens[i]];
        (start, k)
    }
}

fn to_fixed(w: f64) -> i32 {
    let scaled = w * f64::from(1u32 << PRECISION_BITS);
    if w < 0.0 {
        (-0.5 + scaled) as i32
    } else {
        (0.5 + scaled) as i32
    }
}

#[inline]
fn clip8(ss: i32) -> u8 {
    (ss >> PRECISION_BITS).clamp(0, 255) as u8
}

const HALF: i32 = 1 << (PRECISION_BITS - 1);

/// Resizes interleaved 8-bit pixels (`channels` per pixel) exactly as PIL's
/// `Image.resize((out_w, out_h), filter)` does for modes L, LA (as `La`),
/// RGB and RGBA (as `RGBa`). Returns the image itself when the size is
/// unchanged, as PIL does.
pub fn resize(
    data: &[u8],
    (width, height): (usize, usize),
    channels: usize,
    (out_w, out_h): (usize, usize),
    filter: Filter,
) -> Vec<u8> {
    if (width, height) == (out_w, out_h) {
        return data.to_vec();
    }
    let vertical = Coefficients::new(height, out_h, filter);
    let first_row = vertical.starts[0];
    let last_row = vertical.starts[out_h - 1] + vertical.lens[out_h - 1];
    let rows = &data[first_row * width * channels..last_row * width * channels];
    let (temp, temp_w) = if out_w != width {
        let horizontal = Coefficients::new(width, out_w, filter);
        (
            horizontal_pass(rows, width, channels, &horizontal, out_w),
            out_w,
        )
    } else {
        (rows.to_vec(), width)
    };
    if out_h == height {
        return temp;
    }
    vertical_pass(&temp, temp_w * channels, &vertical, first_row, out_h)
}

fn horizontal_pass(
    rows: &[u8],
    width: usize,
    channels: usize,
    coeffs: &Coefficients,
    out_w: usize,
) -> Vec<u8> {
    let n_rows = rows.len() / (width * channels);
    let mut out = vec![0u8; n_rows * out_w * channels];
    for (row, out_row) in rows
        .chunks_exact(width * channels)
        .zip(out.chunks_exact_mut(out_w * channels))
    {
        for (xx, dst) in out_row.chunks_exact_mut(channels).enumerate() {
            let (start, k) = coeffs.span(xx);
            let src = &row[start * channels..(start + k.len()) * channels];
            convolve_pixel(src, k, dst);
        }
    }
    out
}

/// One output pixel of the horizontal pass: each channel's weighted sum
/// (specialised per channel count so the loops unroll).
#[inline]
fn convolve_pixel(src: &[u8], k: &[i32], dst: &mut [u8]) {
    match dst.len() {
        1 => dst[0] = clip8(dot::<1>(src, k)[0]),
        2 => store(dst, dot::<2>(src, k)),
        3 => store(dst, dot::<3>(src, k)),
        _ => store(dst, dot::<4>(src, k)),
    }
}

#[inline]
fn dot<const C: usize>(src: &[u8], k: &[i32]) -> [i32; C] {
    let mut ss = [HALF; C];
    for (px, &w) in src.chunks_exact(C).zip(k) {
        for c in 0..C {
            ss[c] += i32::from(px[c]) * w;
        }
    }
    ss
}

#[inline]
fn store<const C: usize>(dst: &mut [u8], ss: [i32; C]) {
    for (d, s) in dst.iter_mut().zip(ss) {
        *d = clip8(s);
    }
}

/// The vertical pass, accumulated row by row (integer sums, so the order
/// does not change the result).
fn vertical_pass(
    temp: &[u8],
    row_len: usize,
    coeffs: &Coefficients,
    offset: usize,
    out_h: usize,
) -> Vec<u8> {
    let mut out = vec![0u8; out_h * row_len];
    let mut acc = vec![0i32; row_len];
    for (yy, out_row) in out.chunks_exact_mut(row_len).enumerate() {
        let (start, k) = coeffs.span(yy);
        acc.fill(HALF);
        for (y, &w) in k.iter().enumerate() {
            let row = &temp[(start - offset + y) * row_len..(start - offset + y + 1) * row_len];
            for (a, &p) in acc.iter_mut().zip(row) {
                *a += i32::from(p) * w;
            }
        }
        for (d, &a) in out_row.iter_mut().zip(&acc) {
            *d = clip8(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_image_stays_constant() {
        let data = vec![77u8; 50 * 40 * 3];
        for filter in [Filter::Bicubic, Filter::Lanczos] {
            let out = resize(&data, (50, 40), 3, (9, 8), filter);
            assert_eq!(out.len(), 9 * 8 * 3);
            assert!(out.iter().all(|&v| v == 77));
        }
    }

    #[test]
    fn same_size_is_a_copy() {
        let data: Vec<u8> = (0..=255).collect();
        assert_eq!(resize(&data, (16, 16), 1, (16, 16), Filter::Lanczos), data);
    }

    #[test]
    fn matches_pil_on_a_small_ramp() {
        // PIL: Image.frombytes("L", (8, 1), bytes(range(0, 256, 32)))
        //      .resize((4, 1), Image.Resampling.BICUBIC) -> [17, 79, 145, 207]
        //      and .resize((3, 1), Image.Resampling.LANCZOS) -> [26, 112, 198]
        let data: Vec<u8> = (0..8).map(|i| (i * 32) as u8).collect();
        let out = resize(&data, (8, 1), 1, (4, 1), Filter::Bicubic);
        assert_eq!(out, vec![17, 79, 145, 207]);
        let out = resize(&data, (8, 1), 1, (3, 1), Filter::Lanczos);
        assert_eq!(out, vec![26, 112, 198]);
    }
}
