//! The PIL and NumPy operations CleanVision's properties are built from,
//! reimplemented to give the same numbers: greyscale conversion, alpha
//! premultiplication, the FIND_EDGES filter, histograms and `ImageStat`'s
//! variance, `np.percentile` (linear) and `np.std`.

use assay_image::decode::ColorMode;

/// PIL's RGB to L conversion (ITU-R 601-2 luma in 16-bit fixed point).
#[inline]
pub fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((u32::from(r) * 19595 + u32::from(g) * 38470 + u32::from(b) * 7471 + 0x8000) >> 16) as u8
}

/// `image.convert("L")` of raw interleaved pixels in `mode`: one byte a
/// pixel. RGBA ignores alpha and LA keeps its L channel, as PIL does.
pub fn luma_of(data: &[u8], mode: ColorMode) -> Vec<u8> {
    let ch = mode.channels();
    match mode {
        ColorMode::L => data.to_vec(),
        ColorMode::La => data.chunks_exact(ch).map(|p| p[0]).collect(),
        ColorMode::Rgb | ColorMode::Rgba => data
            .chunks_exact(ch)
            .map(|p| luma(p[0], p[1], p[2]))
            .collect(),
    }
}

#[inline]
fn muldiv255(a: u8, b: u8) -> u8 {
    let tmp = u32::from(a) * u32::from(b) + 128;
    (((tmp >> 8) + tmp) >> 8) as u8
}

/// PIL's RGBA to RGBa (and LA to La): colour channels multiplied by alpha.
/// `PIL.Image.resize` resizes images with alpha this way.
pub fn premultiply(data: &[u8], mode: ColorMode) -> Vec<u8> {
    let ch = mode.channels();
    let mut out = data.to_vec();
    for px in out.chunks_exact_mut(ch) {
        let alpha = px[ch - 1];
        for c in &mut px[..ch - 1] {
            *c = muldiv255(*c, alpha);
        }
    }
    out
}

/// PIL's RGBa to RGBA: divides the colour channels by alpha again.
pub fn unpremultiply(data: &mut [u8], mode: ColorMode) {
    let ch = mode.channels();
    for px in data.chunks_exact_mut(ch) {
        let alpha = u32::from(px[ch - 1]);
        if alpha == 255 || alpha == 0 {
            continue;
        }
        for c in &mut px[..ch - 1] {
            *c = ((255 * u32::from(*c)) / alpha).min(255) as u8;
        }
    }
}

/// PIL's `ImageFilter.FIND_EDGES` on a greyscale image: the 3x3 kernel
/// (8 in the centre, -1 around), clipped to 0..=255; the border keeps the
/// input's pixels; images smaller than 3x3 are returned unchanged.
pub fn find_edges(l: &[u8], width: usize, height: usize) -> Vec<u8> {
    let mut out = l.to_vec();
    if width < 3 || height < 3 {
        return out;
    }
    for y in 1..height - 1 {
        let (above, row, below) = (
            &l[(y - 1) * width..y * width],
            &l[y * width..(y + 1) * width],
            &l[(y + 1) * width..(y + 2) * width],
        );
        let out_row = &mut out[y * width..(y + 1) * width];
        for x in 1..width - 1 {
            let ring: i32 = [above, row, below]
                .iter()
                .map(|r| i32::from(r[x - 1]) + i32::from(r[x]) + i32::from(r[x + 1]))
                .sum::<i32>()
                - i32::from(row[x]);
            out_row[x] = (8 * i32::from(row[x]) - ring).clamp(0, 255) as u8;
        }
    }
    out
}

/// 256-bin histogram of one channel.
pub fn histogram(values: &[u8]) -> [u64; 256] {
    let mut h = [0u64; 256];
    for &v in values {
        h[usize::from(v)] += 1;
    }
    h
}

/// `ImageStat.Stat(...).var[0]` from a histogram:
/// `(sum2 - sum**2 / count) / count`, sums exact as Python's integers.
pub fn histogram_variance(h: &[u64; 256]) -> f64 {
    let (count, sum, sum2) =
        h.iter()
            .enumerate()
            .fold((0u128, 0u128, 0u128), |(c, s, s2), (v, &n)| {
                let (v, n) = (v as u128, u128::from(n));
                (c + n, s + v * n, s2 + v * v * n)
            });
    variance(count, sum, sum2)
}

/// `ImageStat`'s variance from the count, sum and sum of squares of the
/// values: `(sum2 - sum**2 / count) / count`.
pub fn variance(count: u128, sum: u128, sum2: u128) -> f64 {
    if count == 0 {
        return 0.0;
    }
    let count = count as f64;
    (sum2 as f64 - int_div(sum * sum, count)) / count
}

/// Python's `int / int`, for integers below 2^53 exactly as NumPy would.
fn int_div(numerator: u128, denominator: f64) -> f64 {
    numerator as f64 / denominator
}

/// `ImageStat.Stat(...).mean[0]` of one channel's histogram.
pub fn histogram_mean(h: &[u64; 256]) -> f64 {
    let (count, sum) = h
        .iter()
        .enumerate()
        .fold((0u64, 0u64), |(c, s), (v, &n)| (c + n, s + v as u64 * n));
    if count == 0 {
        0.0
    } else {
        sum as f64 / count as f64
    }
}

/// `np.std(values)` (population standard deviation).
pub fn std_dev(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sq = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>();
    (sq / n).sqrt()
}

/// Where `np.percentile(a, p)` (method "linear") reads a sorted array of
/// `n` values: the two order statistics and the weight of the second.
pub fn percentile_ranks(n: usize, p: f64) -> (usize, usize, f64) {
    let virtual_index = (n as f64 - 1.0) * (p / 100.0);
    if virtual_index >= n as f64 - 1.0 {
        return (n - 1, n - 1, 0.0);
    }
    if virtual_index < 0.0 {
        return (0, 0, 0.0);
    }
    let previous = virtual_index.floor();
    let gamma = virtual_index - previous;
    (previous as usize, previous as usize + 1, gamma)
}

/// NumPy's `_lerp`, which changes form at `t >= 0.5` for accuracy.
pub fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// `np.percentile(values, p)` of unsorted values.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (lo, hi, t) = percentile_ranks(sorted.len(), p);
    lerp(sorted[lo], sorted[hi], t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_matches_pil() {
        // PIL: Image.new("RGB", (1, 1), (10, 200, 30)).convert("L") -> 124
        assert_eq!(luma(10, 200, 30), 124);
        assert_eq!(luma(255, 255, 255), 255);
        assert_eq!(luma(0, 0, 0), 0);
    }

    #[test]
    fn edges_of_flat_image_are_zero_inside() {
        let l = vec![100u8; 5 * 4];
        let e = find_edges(&l, 5, 4);
        assert_eq!(e[6], 0);
        assert_eq!(e[0], 100, "border keeps the input");
    }

    #[test]
    fn percentile_matches_numpy() {
        // np.percentile([3, 1, 4, 1, 5], [1, 50, 99]) -> [1.0, 3.0, 4.96]
        let v = [3.0, 1.0, 4.0, 1.0, 5.0];
        assert_eq!(percentile(&v, 1.0), 1.0);
        assert_eq!(percentile(&v, 50.0), 3.0);
        assert!((percentile(&v, 99.0) - 4.96).abs() < 1e-12);
    }

    #[test]
    fn variance_from_histogram() {
        let mut h = [0u64; 256];
        h[0] = 2;
        h[2] = 2;
        assert_eq!(histogram_variance(&h), 1.0);
        assert_eq!(histogram_mean(&h), 1.0);
    }
}
