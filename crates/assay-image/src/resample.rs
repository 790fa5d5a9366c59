//! PIL's `Image.resize` for 8-bit images, reimplemented to give the same
//! bytes (Pillow 13's `libImaging/Resample.c`): separable convolution, the
//! horizontal pass first (only over the rows the vertical pass reads) unless
//! the height shrinks by more than twice the width's pixels, then the
//! vertical pass first ([`vertical_first`]), rounded to 8 bits in between; coefficients normalised to 1 and turned
//! into fixed point with 22 fractional bits; sums start at one half and are
//! clipped to 0..=255.
//!
//! Speed without changing a bit: PIL's sums are exact integers, so any
//! order and any split of the products gives the same sum. Each 22-bit
//! weight is split as `hi * 2^11 + lo` (both fit 16 bits), so a tap is two
//! 16-bit products, the form SIMD units multiply and add in pairs
//! (`pmaddwd`); the loops are plain Rust that the compiler vectorises.
//! Kernels are padded with zero weights to a multiple of [`LANES`] taps,
//! and the coefficients of each (input size, output size, filter) are
//! computed once per thread and reused ([`coefficients`]).
//!
//! `fast_image_resize` was not used here: it follows Pillow-SIMD, whose
//! coefficients are limited to 16 bits, so some pixels come out one level
//! off PIL's, which moves pHash bits and CleanVision's blur score.

use std::cell::RefCell;
use std::rc::Rc;

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
const HALF: i32 = 1 << (PRECISION_BITS - 1);
/// Bits of a weight in its low half: `weight = hi << SPLIT_BITS | lo`.
const SPLIT_BITS: u32 = 11;
/// Kernels are padded to a multiple of this many taps (one 256-bit vector
/// of 16-bit values).
pub const LANES: usize = 16;

/// Fixed-point coefficients of one pass: for output `i`, the input span
/// starting at `starts[i]`, weighted by `weights[i * ksize..][..ksize]`
/// (zero past the filter's real extent), and the same weights split in
/// 16-bit halves.
pub struct Coefficients {
    ksize: usize,
    starts: Vec<usize>,
    weights: Vec<i32>,
    hi: Vec<i16>,
    lo: Vec<i16>,
}

impl Coefficients {
    fn new(in_size: usize, out_size: usize, filter: Filter) -> Self {
        let spans = normalised_weights(in_size, out_size, filter);
        let support = filter.support() * (in_size as f32 as f64 / out_size as f64).max(1.0);
        let ksize = (support.ceil() as usize * 2 + 1).next_multiple_of(LANES);
        let mut starts = Vec::with_capacity(out_size);
        let mut weights = vec![0; out_size * ksize];
        for (xx, (start, k)) in spans.iter().enumerate() {
            for (dst, &w) in weights[xx * ksize..].iter_mut().zip(k) {
                *dst = to_fixed(w);
            }
            starts.push(*start);
        }
        // Normalised weights are below 2 in magnitude, so `hi` is within
        // ±2^12 and both halves fit 16 bits.
        let hi = weights.iter().map(|&w| (w >> SPLIT_BITS) as i16).collect();
        let lo = weights
            .iter()
            .map(|&w| (w & ((1 << SPLIT_BITS) - 1)) as i16)
            .collect();
        Coefficients {
            ksize,
            starts,
            weights,
            hi,
            lo,
        }
    }

    /// Output `i`'s first input and its (padded) 32-bit weights.
    fn span(&self, i: usize) -> (usize, &[i32]) {
        let k = &self.weights[i * self.ksize..(i + 1) * self.ksize];
        (self.starts[i], k)
    }

    /// Output `i`'s first input and its weights' 16-bit halves.
    fn halves(&self, i: usize) -> (usize, &[i16], &[i16]) {
        let range = i * self.ksize..(i + 1) * self.ksize;
        (self.starts[i], &self.hi[range.clone()], &self.lo[range])
    }

    /// Input positions read past the end of the input (the padding).
    fn overhang(&self, in_size: usize) -> usize {
        self.starts
            .iter()
            .map(|&s| (s + self.ksize).saturating_sub(in_size))
            .max()
            .unwrap_or(0)
    }
}

/// PIL's `precompute_coeffs`: for each output sample, the first input
/// sample and the normalised weights of the inputs it reads.
fn normalised_weights(in_size: usize, out_size: usize, filter: Filter) -> Vec<(usize, Vec<f64>)> {
    // PIL computes the box in single precision; exact for these sizes.
    let scale = in_size as f32 as f64 / out_size as f64;
    let filterscale = scale.max(1.0);
    let support = filter.support() * filterscale;
    (0..out_size)
        .map(|xx| {
            let center = (xx as f64 + 0.5) * scale;
            let ss = 1.0 / filterscale;
            // C's (int) cast truncates toward zero, as `as` does.
            let xmin = ((center - support + 0.5) as i64).max(0);
            let xmax = ((center + support + 0.5) as i64).min(in_size as i64) - xmin;
            let k: Vec<f64> = (0..xmax.max(0))
                .map(|x| filter.weight((x as f64 + xmin as f64 - center + 0.5) * ss))
                .collect();
            let ww: f64 = k.iter().sum();
            let k = k
                .iter()
                .map(|&w| if ww != 0.0 { w / ww } else { w })
                .collect();
            (xmin as usize, k)
        })
        .collect()
}

/// Resizes one plane of 32-bit floats exactly as PIL's `Image.resize` does
/// for mode `F` (clean-fid's "clean" resize calls it per channel): the
/// passes in Pillow's order ([`vertical_first`]); each
/// output a sum in double precision, stored as `f32`; no rounding to 8
/// bits and no clipping. `plane` is `width * height` values, row-major.
pub fn resize_f32(
    plane: &[f32],
    size: (usize, usize),
    out: (usize, usize),
    filter: Filter,
) -> Vec<f32> {
    resize_plane(plane, size, out, filter, |ss| ss as f32)
}

/// Resizes one plane of integers as PIL's `Image.resize` does for modes
/// `I;16` (`clip16`) and `I`: the passes in Pillow's order
/// ([`vertical_first`]); each output a sum in double precision, rounded
/// half away from zero (PIL's `ROUND_UP`) after each pass, and for 16-bit
/// images clipped to 0..=65535. (Pillow resizes `I;16B` images on a
/// little-endian machine as if their bytes were swapped: swap them before
/// and after.)
pub fn resize_int(
    plane: &[i32],
    size: (usize, usize),
    out: (usize, usize),
    filter: Filter,
    clip16: bool,
) -> Vec<i32> {
    resize_plane(plane, size, out, filter, |ss| {
        // C's (int) of a double: truncation toward zero.
        let v = if ss >= 0.0 { ss + 0.5 } else { ss - 0.5 } as i32;
        if clip16 {
            v.clamp(0, 65535)
        } else {
            v
        }
    })
}

/// The separable resize of one plane of `T`, each pass's sums in double
/// precision and stored with `store`.
fn resize_plane<T: Copy + Into<f64>>(
    plane: &[T],
    (width, height): (usize, usize),
    (out_w, out_h): (usize, usize),
    filter: Filter,
    store: impl Fn(f64) -> T + Copy,
) -> Vec<T> {
    if (width, height) == (out_w, out_h) {
        return plane.to_vec();
    }
    let vertical = normalised_weights(height, out_h, filter);
    if vertical_first((width, height), (out_w, out_h)) {
        let temp: Vec<T> = vertical
            .iter()
            .flat_map(|(s, k)| {
                let column_start = &plane[s * width..];
                (0..width).map(move |x| store(wide_dot(&column_start[x..], k, width)))
            })
            .collect();
        if out_w == width {
            return temp;
        }
        let horizontal = normalised_weights(width, out_w, filter);
        return temp
            .chunks_exact(width)
            .flat_map(|row| {
                horizontal
                    .iter()
                    .map(move |(s, k)| store(wide_dot(&row[*s..], k, 1)))
            })
            .collect();
    }
    let first = vertical.first().map_or(0, |(s, _)| *s);
    let last = vertical
        .iter()
        .map(|(s, k)| s + k.len())
        .max()
        .unwrap_or(height)
        .min(height);
    let rows = &plane[first * width..last * width];
    let (temp, temp_w) = match out_w == width {
        true => (rows.to_vec(), width),
        false => {
            let horizontal = normalised_weights(width, out_w, filter);
            let temp = rows
                .chunks_exact(width)
                .flat_map(|row| {
                    horizontal
                        .iter()
                        .map(move |(s, k)| store(wide_dot(&row[*s..], k, 1)))
                })
                .collect();
            (temp, out_w)
        }
    };
    if out_h == height {
        return temp;
    }
    vertical
        .iter()
        .flat_map(|(s, k)| {
            let column_start = &temp[(s - first) * temp_w..];
            (0..temp_w).map(move |x| store(wide_dot(&column_start[x..], k, temp_w)))
        })
        .collect()
}

/// `sum_i values[i * stride] * k[i]` in double precision.
fn wide_dot<T: Copy + Into<f64>>(values: &[T], k: &[f64], stride: usize) -> f64 {
    let mut ss = 0.0f64;
    for (i, w) in k.iter().enumerate() {
        ss += values[i * stride].into() * w;
    }
    ss
}

/// PIL's `Image.resize` with NEAREST, which it uses for modes `1` and `P`
/// whatever filter is asked for (`ImagingScaleAffine`): output column `x`
/// reads input column `int(x0 + x * scale)` where the position starts at
/// half a step and grows by repeated addition of `in / out`, in double
/// precision; rows alike. `channels` interleaved bytes a pixel.
pub fn resize_nearest(
    data: &[u8],
    (width, height): (usize, usize),
    channels: usize,
    (out_w, out_h): (usize, usize),
) -> Vec<u8> {
    if (width, height) == (out_w, out_h) {
        return data.to_vec();
    }
    let positions = |n: usize, m: usize| -> Vec<usize> {
        let step = n as f64 / m as f64;
        let mut at = step * 0.5;
        (0..m)
            .map(|_| {
                let i = (at as usize).min(n - 1);
                at += step;
                i
            })
            .collect()
    };
    let xs = positions(width, out_w);
    let ys = positions(height, out_h);
    let mut out = Vec::with_capacity(out_w * out_h * channels);
    for &y in &ys {
        let row = &data[y * width * channels..(y + 1) * width * channels];
        for &x in &xs {
            out.extend_from_slice(&row[x * channels..(x + 1) * channels]);
        }
    }
    out
}

/// Coefficients kept per thread: a scan sees few distinct sizes.
const CACHED: usize = 16;

type CacheKey = (usize, usize, Filter);

thread_local! {
    static CACHE: RefCell<Vec<(CacheKey, Rc<Coefficients>)>> = const { RefCell::new(Vec::new()) };
}

/// The coefficients for resizing `in_size` to `out_size` samples, from this
/// thread's cache (the most recently used first).
fn coefficients(in_size: usize, out_size: usize, filter: Filter) -> Rc<Coefficients> {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let key = (in_size, out_size, filter);
        if let Some(i) = cache.iter().position(|(k, _)| *k == key) {
            let entry = cache.remove(i);
            cache.insert(0, entry);
        } else {
            cache.truncate(CACHED - 1);
            let fresh = Rc::new(Coefficients::new(in_size, out_size, filter));
            cache.insert(0, (key, fresh));
        }
        Rc::clone(&cache[0].1)
    })
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

/// Pillow 13's choice of pass order (`ImagingResampleInner`): the vertical
/// pass first when the height shrinks by more than twice as many pixels as
/// the width does (so the horizontal pass has fewer rows), else the
/// horizontal pass first. Each pass rounds to 8 bits, so the order shows in
/// the result.
pub fn vertical_first((width, height): (usize, usize), (out_w, out_h): (usize, usize)) -> bool {
    let shrink_y = height as i64 - out_h as i64;
    let shrink_x = width as i64 - out_w as i64;
    shrink_y > 0 && shrink_y > shrink_x * 2
}

/// Resizes interleaved 8-bit pixels (`channels` per pixel) exactly as PIL's
/// `Image.resize((out_w, out_h), filter)` does for modes L, LA (as `La`),
/// RGB and RGBA (as `RGBa`). Returns the image itself when the size is
/// unchanged, as PIL does.
pub fn resize(
    data: &[u8],
    size: (usize, usize),
    channels: usize,
    out: (usize, usize),
    filter: Filter,
) -> Vec<u8> {
    resize_source(&Source::Interleaved(data, channels), size, out, filter)
}

/// [`resize`] of an image given as one full-size plane per channel (the
/// planes the pixel pass splits off), with an interleaved result.
pub fn resize_planes(
    planes: &[&[u8]],
    size: (usize, usize),
    out: (usize, usize),
    filter: Filter,
) -> Vec<u8> {
    resize_source(&Source::Planes(planes), size, out, filter)
}

/// The pixels a resize reads.
enum Source<'a> {
    /// Interleaved samples, this many channels per pixel.
    Interleaved(&'a [u8], usize),
    /// One plane per channel.
    Planes(&'a [&'a [u8]]),
}

impl Source<'_> {
    fn channels(&self) -> usize {
        match self {
            Source::Interleaved(_, channels) => *channels,
            Source::Planes(planes) => planes.len(),
        }
    }

    /// Copies channel `c` of row `y` into `line[..width]`.
    fn fill_line(&self, y: usize, width: usize, c: usize, line: &mut [u8]) {
        match self {
            Source::Interleaved(data, 1) => {
                line[..width].copy_from_slice(&data[y * width..(y + 1) * width]);
            }
            Source::Interleaved(data, ch) => {
                let row = &data[y * width * ch..(y + 1) * width * ch];
                for (d, px) in line.iter_mut().zip(row.chunks_exact(*ch)) {
                    *d = px[c];
                }
            }
            Source::Planes(planes) => {
                line[..width].copy_from_slice(&planes[c][y * width..(y + 1) * width]);
            }
        }
    }

    /// Rows `rows`, interleaved.
    fn interleaved(&self, rows: std::ops::Range<usize>, width: usize) -> Vec<u8> {
        let ch = self.channels();
        match self {
            Source::Interleaved(data, _) => {
                data[rows.start * width * ch..rows.end * width * ch].to_vec()
            }
            Source::Planes(planes) => {
                let (start, end) = (rows.start * width, rows.end * width);
                (start..end)
                    .flat_map(|i| planes.iter().map(move |p| p[i]))
                    .collect()
            }
        }
    }
}

fn resize_source(
    source: &Source<'_>,
    (width, height): (usize, usize),
    (out_w, out_h): (usize, usize),
    filter: Filter,
) -> Vec<u8> {
    if (width, height) == (out_w, out_h) {
        return source.interleaved(0..height, width);
    }
    let channels = source.channels();
    let vertical = coefficients(height, out_h, filter);
    let first_row = vertical.starts[0];
    let last_row = (vertical.starts[out_h - 1] + vertical.ksize).min(height);
    if vertical_first((width, height), (out_w, out_h)) {
        let rows = source.interleaved(first_row..last_row, width);
        let temp = vertical_pass(&rows, width * channels, &vertical, first_row, out_h);
        if out_w == width {
            return temp;
        }
        let horizontal = coefficients(width, out_w, filter);
        let temp_source = Source::Interleaved(&temp, channels);
        return horizontal_pass(&temp_source, 0..out_h, width, &horizontal, out_w);
    }
    let (temp, temp_w) = if out_w != width {
        let horizontal = coefficients(width, out_w, filter);
        let temp = horizontal_pass(source, first_row..last_row, width, &horizontal, out_w);
        (temp, out_w)
    } else {
        (source.interleaved(first_row..last_row, width), width)
    };
    if out_h == height {
        return temp;
    }
    vertical_pass(&temp, temp_w * channels, &vertical, first_row, out_h)
}

/// The horizontal pass over whole rows: each row's channels are copied to a
/// line (zero-padded past its end), then every output sample is two dot
/// products with the weight halves.
fn horizontal_pass(
    source: &Source<'_>,
    rows: std::ops::Range<usize>,
    width: usize,
    coeffs: &Coefficients,
    out_w: usize,
) -> Vec<u8> {
    let channels = source.channels();
    let mut line = vec![0u8; width + coeffs.overhang(width)];
    let mut out = vec![0u8; rows.len() * out_w * channels];
    for (y, out_row) in rows.zip(out.chunks_exact_mut(out_w * channels)) {
        for c in 0..channels {
            source.fill_line(y, width, c, &mut line);
            row_samples(&line, coeffs, &mut out_row[c..], channels);
        }
    }
    out
}

/// One channel of one output row: `out[xx * step]` for each output `xx`.
fn row_samples(plane: &[u8], coeffs: &Coefficients, out: &mut [u8], step: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        unsafe { avx2::row_samples(plane, coeffs, out, step) };
        return;
    }
    portable_row_samples(plane, coeffs, out, step);
}

/// [`row_samples`] in plain Rust.
fn portable_row_samples(plane: &[u8], coeffs: &Coefficients, out: &mut [u8], step: usize) {
    for xx in 0..coeffs.starts.len() {
        let (start, hi, lo) = coeffs.halves(xx);
        let ss = dot_split(&plane[start..start + coeffs.ksize], hi, lo);
        out[xx * step] = clip8(ss);
    }
}

/// [`row_samples`] with AVX2's 16-bit multiply-adds (`vpmaddwd`), 16 taps
/// at a time; the compiler turns the plain loop into 32-bit multiplies,
/// which take twice the work for the same exact sums.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_add_epi32, _mm256_castsi256_si128, _mm256_cvtepu8_epi16,
        _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_setzero_si256,
        _mm256_slli_epi32, _mm_add_epi32, _mm_cvtsi128_si32, _mm_loadu_si128, _mm_shuffle_epi32,
    };

    use super::{clip8, Coefficients, HALF, LANES, SPLIT_BITS};

    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn row_samples(plane: &[u8], coeffs: &Coefficients, out: &mut [u8], step: usize) {
        for xx in 0..coeffs.starts.len() {
            let (start, hi, lo) = coeffs.halves(xx);
            let px = &plane[start..start + coeffs.ksize];
            let (mut acc_hi, mut acc_lo) = (_mm256_setzero_si256(), _mm256_setzero_si256());
            for ((p, h), l) in px
                .chunks_exact(LANES)
                .zip(hi.chunks_exact(LANES))
                .zip(lo.chunks_exact(LANES))
            {
                // SAFETY: each chunk holds LANES values.
                let (p, h, l) = unsafe { (widen(p), load(h), load(l)) };
                acc_hi = _mm256_add_epi32(acc_hi, _mm256_madd_epi16(p, h));
                acc_lo = _mm256_add_epi32(acc_lo, _mm256_madd_epi16(p, l));
            }
            // Lane-wise `hi << SPLIT_BITS + lo` wraps as PIL's sum would.
            let acc = _mm256_add_epi32(_mm256_slli_epi32::<{ SPLIT_BITS as i32 }>(acc_hi), acc_lo);
            out[xx * step] = clip8(HALF.wrapping_add(horizontal_sum(acc)));
        }
    }

    /// # Safety
    /// `v` must hold at least 16 values.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn load(v: &[i16]) -> __m256i {
        debug_assert!(v.len() >= 16);
        unsafe { _mm256_loadu_si256(v.as_ptr().cast()) }
    }

    /// # Safety
    /// `v` must hold at least 16 values.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn widen(v: &[u8]) -> __m256i {
        debug_assert!(v.len() >= 16);
        _mm256_cvtepu8_epi16(unsafe { _mm_loadu_si128(v.as_ptr().cast()) })
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn horizontal_sum(v: __m256i) -> i32 {
        let s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
        _mm_cvtsi128_si32(s)
    }
}

/// `HALF + sum(px * (hi << SPLIT_BITS | lo))`, as PIL's 32-bit sum.
#[inline]
fn dot_split(px: &[u8], hi: &[i16], lo: &[i16]) -> i32 {
    HALF.wrapping_add(dot(px, hi).wrapping_shl(SPLIT_BITS))
        .wrapping_add(dot(px, lo))
}

/// Dot product of 16-bit values whose products fit 32 bits, over whole
/// chunks of [`LANES`]. One accumulator per lane, summed at the end: this
/// form compiles to paired multiply-adds (`pmaddwd`).
#[inline]
fn dot(a: &[u8], b: &[i16]) -> i32 {
    let mut acc = [0i32; LANES];
    for (x, y) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for j in 0..LANES {
            acc[j] = acc[j].wrapping_add(i32::from(x[j]) * i32::from(y[j]));
        }
    }
    acc.iter().fold(0, |s, &v| s.wrapping_add(v))
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
    let n_rows = temp.len() / row_len;
    let mut out = vec![0u8; out_h * row_len];
    let mut acc = vec![0i32; row_len];
    for (yy, out_row) in out.chunks_exact_mut(row_len).enumerate() {
        let (start, k) = coeffs.span(yy);
        acc.fill(HALF);
        let first = start - offset;
        let taps = k.len().min(n_rows - first);
        for (y, &w) in k[..taps].iter().enumerate() {
            if w == 0 {
                continue;
            }
            let row = &temp[(first + y) * row_len..(first + y + 1) * row_len];
            for (a, &p) in acc.iter_mut().zip(row) {
                *a = a.wrapping_add(i32::from(p) * w);
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

    /// PIL's arithmetic written plainly: one 32-bit weight per tap.
    fn reference(
        data: &[u8],
        (w, h): (usize, usize),
        ch: usize,
        (ow, oh): (usize, usize),
        filter: Filter,
    ) -> Vec<u8> {
        let hc = Coefficients::new(w, ow, filter);
        let vc = Coefficients::new(h, oh, filter);
        let sample = |get: &dyn Fn(usize) -> u8, n: usize, c: &Coefficients, i: usize| {
            let (start, k) = c.span(i);
            let ss = k
                .iter()
                .enumerate()
                .filter(|&(j, _)| start + j < n)
                .fold(HALF, |s, (j, &w)| s + i32::from(get(start + j)) * w);
            clip8(ss)
        };
        // One pass each way; the horizontal pass always reads rows `w`
        // wide, the vertical one columns `h` tall.
        let horizontal = |src: &[u8], rows: usize| {
            let mut out = vec![0u8; rows * ow * ch];
            for y in 0..rows {
                for x in 0..ow {
                    for c in 0..ch {
                        let get = |i: usize| src[(y * w + i) * ch + c];
                        out[(y * ow + x) * ch + c] = sample(&get, w, &hc, x);
                    }
                }
            }
            out
        };
        let vertical = |src: &[u8], cols: usize| {
            let mut out = vec![0u8; oh * cols * ch];
            for y in 0..oh {
                for x in 0..cols {
                    for c in 0..ch {
                        let get = |i: usize| src[(i * cols + x) * ch + c];
                        out[(y * cols + x) * ch + c] = sample(&get, h, &vc, y);
                    }
                }
            }
            out
        };
        if vertical_first((w, h), (ow, oh)) {
            horizontal(&vertical(data, w), oh)
        } else {
            vertical(&horizontal(data, h), ow)
        }
    }

    #[test]
    fn split_weights_give_the_reference_sums() {
        let mut seed = 12345u32;
        let mut next = move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            seed >> 8
        };
        for case in 0..60 {
            let (w, h) = (1 + next() as usize % 300, 1 + next() as usize % 200);
            let ch = [1, 2, 3, 4][case % 4];
            let (ow, oh) = (1 + next() as usize % 70, 1 + next() as usize % 50);
            let filter = if case % 2 == 0 {
                Filter::Bicubic
            } else {
                Filter::Lanczos
            };
            let data: Vec<u8> = (0..w * h * ch).map(|_| next() as u8).collect();
            if (w, h) != (ow, oh) && ow != w && oh != h {
                assert_eq!(
                    resize(&data, (w, h), ch, (ow, oh), filter),
                    reference(&data, (w, h), ch, (ow, oh), filter),
                    "{w}x{h}x{ch} to {ow}x{oh} {filter:?}"
                );
            }
        }
    }

    #[test]
    fn simd_and_portable_rows_agree() {
        let mut seed = 99u32;
        for (width, out_w, filter) in [
            (640, 64, Filter::Bicubic),
            (640, 9, Filter::Lanczos),
            (37, 32, Filter::Lanczos),
            (5, 3, Filter::Bicubic),
        ] {
            let coeffs = Coefficients::new(width, out_w, filter);
            let plane: Vec<u8> = (0..width + coeffs.overhang(width))
                .map(|i| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    if i < width {
                        (seed >> 24) as u8
                    } else {
                        0
                    }
                })
                .collect();
            let mut want = vec![0u8; out_w];
            portable_row_samples(&plane, &coeffs, &mut want, 1);
            let mut got = vec![0u8; out_w];
            row_samples(&plane, &coeffs, &mut got, 1);
            assert_eq!(got, want, "{width} to {out_w} {filter:?}");
        }
    }

    #[test]
    fn planes_resize_as_interleaved_pixels() {
        let (w, h) = (97, 61);
        let data: Vec<u8> = (0..w * h * 3).map(|i| ((i * 7919) % 253) as u8).collect();
        let planes: Vec<Vec<u8>> = (0..3)
            .map(|c| data.iter().skip(c).step_by(3).copied().collect())
            .collect();
        let refs: Vec<&[u8]> = planes.iter().map(Vec::as_slice).collect();
        for out in [(9, 8), (64, 40), (97, 20), (30, 61), (97, 61)] {
            assert_eq!(
                resize_planes(&refs, (w, h), out, Filter::Bicubic),
                resize(&data, (w, h), 3, out, Filter::Bicubic),
                "{out:?}"
            );
        }
    }

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
