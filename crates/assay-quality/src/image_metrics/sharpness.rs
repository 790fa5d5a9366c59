//! Sharpness at full resolution, for assay's own `soft` type (CleanVision's
//! blurriness looks at the image shrunk to 64 pixels, where a blur of a pixel
//! or two is invisible).
//!
//! The measure compares detail at neighbouring scales. `e0` is the mean
//! squared difference between neighbouring greyscale pixels; `e1` the same on
//! the image halved by 2x2 averaging, `e2` on it halved again. Content that
//! has no detail finer than a few pixels varies smoothly, and a difference
//! across two pixels is twice one across a single pixel: `e0 / e1` tends to
//! 1/4. A sharp step edge gives 1/2, and scale-invariant scenes (natural
//! photos) about 1. So `fine = e0 / e1` says whether the image has detail at
//! its own resolution, and `coarse = e1 / e2` the same at half resolution,
//! which is what a heavy blur is judged by (at full resolution the 8-bit
//! rounding noise of a very smooth image passes for detail).
//!
//! Integers only: one pass over the greyscale image for `e0` and its 2x2 sums,
//! then the same on the much smaller halves.

/// Sharpness of one image: ratios of detail at neighbouring scales, about
/// 1/4 for an image without detail at that scale, 1/2 for step edges, near
/// 1 or above for sharp photos.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sharpness {
    /// `e0 / e1`: detail at full resolution against half resolution; `None`
    /// when the image is under [`MIN_FINE_SIDE`] pixels a side or has no
    /// detail at half resolution.
    pub fine: Option<f64>,
    /// `e1 / e2`: detail at half against quarter resolution; `None` when the
    /// image is under [`MIN_COARSE_SIDE`] pixels a side or flat.
    pub coarse: Option<f64>,
}

/// Smallest side for [`Sharpness::fine`] (its half image is 8 pixels).
pub const MIN_FINE_SIDE: usize = 16;
/// Smallest side for [`Sharpness::coarse`] (its quarter image is 32 pixels).
pub const MIN_COARSE_SIDE: usize = 128;

/// An image level: values (sums of 1, 4 or 16 pixels) and its size.
struct Level {
    values: Vec<u16>,
    width: usize,
    height: usize,
}

/// Sum of squared neighbour differences (right and down) and their count.
#[inline(always)]
fn energy<T: Copy + Into<u32>>(values: &[T], width: usize, height: usize) -> (u64, u64) {
    let mut sum = 0u64;
    for y in 0..height {
        let row = &values[y * width..(y + 1) * width];
        sum += squared_steps(&row[..width.saturating_sub(1)], &row[1..]);
        if y + 1 < height {
            sum += squared_steps(row, &values[(y + 1) * width..(y + 2) * width]);
        }
    }
    let pairs = (height * width.saturating_sub(1) + width * height.saturating_sub(1)) as u64;
    (sum, pairs)
}

/// Pairs summed in 32 bits before widening: values are sums of at most 16
/// pixels (below 2^12), so a square is below 2^24 and 128 of them fit.
const STEP_CHUNK: usize = 128;

/// Sum of `(b[i] - a[i])^2`, in 32-bit arithmetic that vectorises.
#[inline(always)]
fn squared_steps<T: Copy + Into<u32>>(a: &[T], b: &[T]) -> u64 {
    a.chunks(STEP_CHUNK)
        .zip(b.chunks(STEP_CHUNK))
        .map(|(a, b)| {
            let chunk: u32 = a
                .iter()
                .zip(b)
                .map(|(&x, &y)| {
                    let d = y.into() as i32 - x.into() as i32;
                    (d * d) as u32
                })
                .sum();
            u64::from(chunk)
        })
        .sum()
}

/// 2x2 sums (an odd last row or column is dropped).
#[inline(always)]
fn halve<T: Copy + Into<u32>>(values: &[T], width: usize, height: usize) -> Level {
    let (w, h) = (width / 2, height / 2);
    let mut out = vec![0u16; w * h];
    for (y, out_row) in out.chunks_exact_mut(w.max(1)).take(h).enumerate() {
        let top = &values[2 * y * width..(2 * y + 1) * width];
        let bottom = &values[(2 * y + 1) * width..(2 * y + 2) * width];
        let pairs = top.chunks_exact(2).zip(bottom.chunks_exact(2));
        for (o, (t, b)) in out_row.iter_mut().zip(pairs) {
            *o = (t[0].into() + t[1].into() + b[0].into() + b[1].into()) as u16;
        }
    }
    Level {
        values: out,
        width: w,
        height: h,
    }
}

/// Mean squared difference, with the values scaled back to grey levels
/// (`scale` pixels were summed into each value).
fn mean_energy((sum, pairs): (u64, u64), scale: u64) -> f64 {
    if pairs == 0 {
        return 0.0;
    }
    sum as f64 / (pairs as f64 * (scale * scale) as f64)
}

fn ratio(finer: f64, coarser: f64) -> Option<f64> {
    (coarser > 0.0).then(|| finer / coarser)
}

/// Sharpness of a greyscale image (`width * height` bytes).
#[inline(always)]
pub fn sharpness(luma: &[u8], width: usize, height: usize) -> Sharpness {
    if width.min(height) < MIN_FINE_SIDE {
        return Sharpness {
            fine: None,
            coarse: None,
        };
    }
    let e0 = mean_energy(energy(luma, width, height), 1);
    let half = halve(luma, width, height);
    let e1 = mean_energy(energy(&half.values, half.width, half.height), 4);
    let coarse = if width.min(height) >= MIN_COARSE_SIDE {
        let quarter = halve(&half.values, half.width, half.height);
        let e2 = mean_energy(energy(&quarter.values, quarter.width, quarter.height), 16);
        ratio(e1, e2)
    } else {
        None
    };
    Sharpness {
        fine: ratio(e0, e1),
        coarse,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic texture with detail at every scale: the sum of
    /// hashed noise at cell sizes 1, 2, 4, ... 64, each level weighted by its
    /// cell size (so coarse and fine detail are balanced).
    fn texture(w: usize, h: usize) -> Vec<f64> {
        let hash = |x: usize, y: usize, s: usize| {
            let mut v = (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (y as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
                ^ (s as u64).wrapping_mul(0x1656_67B1_9E37_79F9);
            v ^= v >> 29;
            v = v.wrapping_mul(0xBF58_476D_1CE4_E5B9);
            v ^= v >> 32;
            (v % 1000) as f64 / 1000.0 - 0.5
        };
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| {
                (0..7)
                    .map(|k| {
                        let s = 1 << k;
                        hash(x / s, y / s, s) * s as f64
                    })
                    .sum::<f64>()
            })
            .collect()
    }

    fn to_bytes(values: &[f64]) -> Vec<u8> {
        let (lo, hi) = values
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        values
            .iter()
            .map(|v| (40.0 + 175.0 * (v - lo) / (hi - lo)).round() as u8)
            .collect()
    }

    /// Separable Gaussian blur with standard deviation `sigma` (clamped edges).
    fn gaussian(values: &[f64], w: usize, h: usize, sigma: f64) -> Vec<f64> {
        let r = (3.0 * sigma).ceil() as isize;
        let kernel: Vec<f64> = (-r..=r)
            .map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp())
            .collect();
        let total: f64 = kernel.iter().sum();
        let pass = |src: &[f64], horizontal: bool| -> Vec<f64> {
            let mut out = vec![0.0; src.len()];
            for y in 0..h as isize {
                for x in 0..w as isize {
                    let mut s = 0.0;
                    for (k, weight) in kernel.iter().enumerate() {
                        let o = k as isize - r;
                        let (sx, sy) = if horizontal {
                            ((x + o).clamp(0, w as isize - 1), y)
                        } else {
                            (x, (y + o).clamp(0, h as isize - 1))
                        };
                        s += weight * src[sy as usize * w + sx as usize];
                    }
                    out[y as usize * w + x as usize] = s / total;
                }
            }
            out
        };
        pass(&pass(values, true), false)
    }

    #[test]
    fn blur_lowers_fine_detail_towards_a_quarter() {
        let (w, h) = (256, 192);
        let sharp = texture(w, h);
        let s = sharpness(&to_bytes(&sharp), w, h);
        let soft = sharpness(&to_bytes(&gaussian(&sharp, w, h, 1.2)), w, h);
        let very_soft = sharpness(&to_bytes(&gaussian(&sharp, w, h, 6.0)), w, h);
        let (fine, soft_fine) = (s.fine.unwrap(), soft.fine.unwrap());
        assert!(fine > 0.5, "sharp texture: {fine}");
        assert!(soft_fine < 1.0 / 3.0, "blurred by 1.2 px: {soft_fine}");
        assert!(soft_fine > 0.25);
        assert!(very_soft.coarse.unwrap() < 1.0 / 3.0, "{very_soft:?}");
        assert!(s.coarse.unwrap() > 0.5);
    }

    #[test]
    fn step_edge_gives_a_half() {
        // Vertical stripes 8 px wide: every edge is a one-pixel step.
        let (w, h) = (128, 128);
        let stripes: Vec<u8> = (0..w * h)
            .map(|i| if (i % w) / 8 % 2 == 0 { 50 } else { 200 })
            .collect();
        let s = sharpness(&stripes, w, h);
        assert!((s.fine.unwrap() - 0.5).abs() < 0.02, "{s:?}");
    }

    #[test]
    fn small_and_flat_images_are_not_judged() {
        let s = sharpness(&[7; 15 * 40], 40, 15);
        assert_eq!((s.fine, s.coarse), (None, None));
        let flat = sharpness(&[7; 200 * 200], 200, 200);
        assert_eq!((flat.fine, flat.coarse), (None, None));
        let small = sharpness(&to_bytes(&texture(64, 64)), 64, 64);
        assert!(small.fine.is_some() && small.coarse.is_none());
    }
}
