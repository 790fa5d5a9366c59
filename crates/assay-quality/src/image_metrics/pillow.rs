//! CleanVision's properties of an image as Pillow holds it
//! ([`PilImage`]), for the files whose Pillow image is not the decoded
//! 8-bit one: palette images (measured by their indices), mode 1 (NumPy's
//! 0/1), 16-bit greyscale (the 16-bit values), CMYK (as stored), 32-bit
//! integer and float images.
//!
//! CleanVision 0.3.7 reads each property its own way, and Pillow's
//! arithmetic differs by mode:
//! - brightness: `ImageStat.Stat(image).mean`, from `image.histogram()`,
//!   which is 256 bins a band; of three bands, the perceived brightness of
//!   the three means, else of the first band's mean alone. Pillow's
//!   histogram of an `I;16` image counts the first `width` bytes of each
//!   row's storage (half the row, both bytes of each value); of `I` and `F`
//!   images it bins the values between their extremes (single precision).
//! - brightness percentiles: `np.asarray(image)`: with three or more bands
//!   the per-pixel perceived brightness of the first three; else the values
//!   over 255 (mode 1 as 0 and 1/255, 16-bit values up to 257, F in single
//!   precision). CleanVision fails on LA and PA images here (it indexes a
//!   third band); this module measures their first band as for L and P.
//! - entropy: Pillow's `image.entropy()` of that histogram (NaN for a flat
//!   I or F image, whose histogram is empty).
//! - blurriness: `image.resize(...)` (NEAREST for modes 1 and P whatever
//!   the filter, 16- and 32-bit resampling for I;16, I and F, premultiplied
//!   alpha for LA and RGBA only) then `convert("L")`; a resized PA image
//!   has lost its palette in Pillow and converts to black.
//! - pHash and dHash: `imagehash` converts to L first.

use assay_image::decode::{ColorMode, Pixels};
use assay_image::hash::{self, ImageHash};
use assay_image::pil_image::{PilImage, PilMode, PilSamples};
use assay_image::resample::{resize, resize_f32, resize_int, resize_nearest, Filter};
use serde::Serialize;

use super::blur::{blur_size, pil_default_resize, Blur};
use super::brightness::{perceived, PERCENTILES};
use super::pil::{
    find_edges, histogram, histogram_mean, histogram_variance, lerp, percentile_ranks, std_dev,
};

/// CleanVision's image properties, measured on one form of an image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct CleanVisionProperties {
    /// `brightness`.
    pub brightness: f64,
    /// `brightness_perc_1` ... `brightness_perc_99`.
    pub brightness_percentiles: [f64; 7],
    /// `entropy`.
    pub entropy: f64,
    /// `blurriness`.
    pub blurriness: f64,
    /// `blurriness_grayscale_std`.
    pub blurriness_grayscale_std: f64,
    /// `imagehash.phash`.
    pub phash: ImageHash,
    /// `imagehash.dhash`.
    pub dhash: ImageHash,
}

/// CleanVision's properties of Pillow's image.
pub fn measure_pil(image: &PilImage) -> CleanVisionProperties {
    let histograms = pil_histogram(image);
    let grey = image.to_l();
    let blur = pil_blur(image);
    CleanVisionProperties {
        brightness: stat_brightness(&histograms),
        brightness_percentiles: pil_percentiles(image),
        entropy: entropy(&histograms),
        blurriness: blur.blurriness,
        blurriness_grayscale_std: blur.grayscale_std,
        phash: hash::phash(&grey, image.width, image.height),
        dhash: hash::dhash(&grey, image.width, image.height),
    }
}

/// `image.histogram()`: 256 bins a band.
pub fn pil_histogram(image: &PilImage) -> Vec<[u64; 256]> {
    let (w, h) = (image.width, image.height);
    match &image.samples {
        PilSamples::U8(v) => {
            let bands = image.mode.bands();
            let mut out = vec![[0u64; 256]; bands];
            for px in v.chunks_exact(bands) {
                for (hist, &value) in out.iter_mut().zip(px) {
                    hist[usize::from(value)] += 1;
                }
            }
            out
        }
        PilSamples::U16(v) => {
            // Pillow's histogram of a 16-bit image reads its rows as bytes
            // and counts the first `width` of them.
            let big = image.mode == PilMode::I16B;
            let mut out = [0u64; 256];
            for row in v.chunks_exact(w).take(h) {
                for x in 0..w {
                    let value = row[x / 2];
                    let bytes = if big {
                        value.to_be_bytes()
                    } else {
                        value.to_le_bytes()
                    };
                    out[usize::from(bytes[x % 2])] += 1;
                }
            }
            vec![out]
        }
        PilSamples::I32(v) => {
            let mut out = [0u64; 256];
            let (lo, hi) = v
                .iter()
                .fold((i32::MAX, i32::MIN), |(a, b), &x| (a.min(x), b.max(x)));
            if lo < hi {
                let scale = 255.0f32 / hi.wrapping_sub(lo) as f32;
                for &x in v {
                    let i = (x.wrapping_sub(lo) as f32 * scale) as i32;
                    if (0..256).contains(&i) {
                        out[i as usize] += 1;
                    }
                }
            }
            vec![out]
        }
        PilSamples::F32(v) => {
            let mut out = [0u64; 256];
            let first = v.first().copied().unwrap_or(0.0);
            let (lo, hi) = v.iter().fold((first, first), |(a, b), &x| {
                (if x < a { x } else { a }, if x > b { x } else { b })
            });
            if lo < hi {
                let scale = 255.0f32 / (hi - lo);
                for &x in v {
                    let i = ((x - lo) * scale) as i32;
                    if (0..256).contains(&i) {
                        out[i as usize] += 1;
                    }
                }
            }
            vec![out]
        }
    }
}

/// `calc_avg_brightness`: the perceived brightness of the three bands'
/// `ImageStat` means, or of the first band's for any other band count.
pub fn stat_brightness(histograms: &[[u64; 256]]) -> f64 {
    let mean = |b: usize| histogram_mean(&histograms[b]);
    if histograms.len() == 3 {
        perceived(mean(0), mean(1), mean(2))
    } else {
        let m = mean(0);
        perceived(m, m, m)
    }
}

/// Pillow's `image.entropy()` of a histogram: NaN when it is empty (a flat
/// I or F image), as Pillow divides zero by zero there.
pub fn entropy(histograms: &[[u64; 256]]) -> f64 {
    let total: u64 = histograms.iter().flatten().sum();
    if total == 0 {
        return f64::NAN;
    }
    super::stats::pil_entropy(histograms)
}

/// NumPy's linear percentiles of sorted values, at CleanVision's percentiles.
fn sorted_percentiles(sorted: &[f64]) -> [f64; 7] {
    PERCENTILES.map(|p| {
        let (lo, hi, t) = percentile_ranks(sorted.len(), f64::from(p));
        lerp(sorted[lo], sorted[hi], t)
    })
}

/// Percentiles of one-band integer values from their counts, each value
/// `v` read as `value(v)`.
fn counted_percentiles(counts: &[u64], n: usize, value: impl Fn(usize) -> f64) -> [f64; 7] {
    let value_at = |rank: usize| {
        let mut seen = 0u64;
        for (v, &count) in counts.iter().enumerate() {
            seen += count;
            if seen > rank as u64 {
                return value(v);
            }
        }
        value(counts.len() - 1)
    };
    PERCENTILES.map(|p| {
        let (lo, hi, t) = percentile_ranks(n, f64::from(p));
        lerp(value_at(lo), value_at(hi), t)
    })
}

/// `np.percentile(np.asarray(image) ..., PERCENTILES)` as
/// `calc_percentile_brightness` computes it.
pub fn pil_percentiles(image: &PilImage) -> [f64; 7] {
    let n = image.len();
    let bands = image.mode.bands();
    match &image.samples {
        PilSamples::U8(v) if bands >= 3 => {
            let mut values: Vec<f64> = v
                .chunks_exact(bands)
                .map(|p| perceived(f64::from(p[0]), f64::from(p[1]), f64::from(p[2])))
                .collect();
            values.sort_unstable_by(f64::total_cmp);
            sorted_percentiles(&values)
        }
        PilSamples::U8(v) => {
            // One band, or the first of LA and PA (where CleanVision fails).
            let mut counts = [0u64; 256];
            for px in v.chunks_exact(bands) {
                counts[usize::from(px[0])] += 1;
            }
            if image.mode == PilMode::One {
                // NumPy's booleans over 255.0: 0 or 1/255.
                counted_percentiles(&counts, n, |v| if v != 0 { 1.0 / 255.0 } else { 0.0 })
            } else {
                counted_percentiles(&counts, n, |v| v as f64 / 255.0)
            }
        }
        PilSamples::U16(v) => {
            let mut counts = vec![0u64; 65536];
            for &x in v {
                counts[usize::from(x)] += 1;
            }
            counted_percentiles(&counts, n, |v| v as f64 / 255.0)
        }
        PilSamples::I32(v) => {
            let mut values: Vec<f64> = v.iter().map(|&x| f64::from(x) / 255.0).collect();
            values.sort_unstable_by(f64::total_cmp);
            sorted_percentiles(&values)
        }
        PilSamples::F32(v) => {
            // float32 / 255.0 stays float32 in NumPy 2; the percentile
            // interpolates float32 neighbours with a float64 weight.
            let mut values: Vec<f32> = v.iter().map(|&x| x / 255.0f32).collect();
            values.sort_unstable_by(f32::total_cmp);
            PERCENTILES.map(|p| {
                let (lo, hi, t) = percentile_ranks(n, f64::from(p));
                let (a, b) = (values[lo], values[hi]);
                let diff = f64::from(b - a);
                if t >= 0.5 {
                    f64::from(b) - diff * (1.0 - t)
                } else {
                    f64::from(a) + diff * t
                }
            })
        }
    }
}

/// `image.resize(size)` with Pillow's default filter, per mode.
fn pil_resize(image: &PilImage, (w, h): (usize, usize)) -> PilImage {
    let from = (image.width, image.height);
    let samples = match (&image.samples, image.mode) {
        (PilSamples::U8(v), PilMode::One | PilMode::P) => {
            PilSamples::U8(resize_nearest(v, from, image.mode.bands(), (w, h)))
        }
        (PilSamples::U8(v), PilMode::La | PilMode::Rgba) => {
            let mode = if image.mode == PilMode::La {
                ColorMode::La
            } else {
                ColorMode::Rgba
            };
            let pixels = Pixels {
                width: image.width,
                height: image.height,
                mode,
                data: v.clone(),
            };
            PilSamples::U8(pil_default_resize(&pixels, (w, h)))
        }
        (PilSamples::U8(v), mode) => {
            PilSamples::U8(resize(v, from, mode.bands(), (w, h), Filter::Bicubic))
        }
        (PilSamples::U16(v), mode) => {
            // On a little-endian machine Pillow resamples I;16B storage as
            // little-endian values: swapped bytes.
            let big = mode == PilMode::I16B;
            let swap = |x: u16| if big { x.swap_bytes() } else { x };
            let plane: Vec<i32> = v.iter().map(|&x| i32::from(swap(x))).collect();
            let out = resize_int(&plane, from, (w, h), Filter::Bicubic, true);
            PilSamples::U16(out.iter().map(|&x| swap(x as u16)).collect())
        }
        (PilSamples::I32(v), _) => {
            PilSamples::I32(resize_int(v, from, (w, h), Filter::Bicubic, false))
        }
        (PilSamples::F32(v), _) => PilSamples::F32(resize_f32(v, from, (w, h), Filter::Bicubic)),
    };
    // Pillow's resampling makes a new PA image without copying the
    // palette into it, so `convert("L")` reads an all-black palette; P
    // images go through the affine transform, which copies it.
    let palette = match image.mode {
        PilMode::Pa => Some(Box::new([[0u8; 3]; 256])),
        _ => image.palette.clone(),
    };
    PilImage {
        width: w,
        height: h,
        mode: image.mode,
        samples,
        palette,
    }
}

/// CleanVision's `BlurrinessProperty.calculate` on Pillow's image.
pub fn pil_blur(image: &PilImage) -> Blur {
    let (w, h) = blur_size(image.width, image.height);
    let grey = if (w, h) == (image.width, image.height) {
        image.to_l()
    } else {
        pil_resize(image, (w, h)).to_l()
    };
    let edges = find_edges(&grey, w, h);
    let counts: Vec<f64> = histogram(&grey).iter().map(|&c| c as f64).collect();
    Blur {
        blurriness: histogram_variance(&histogram(&edges)).sqrt(),
        grayscale_std: std_dev(&counts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i16_image(width: usize, values: Vec<u16>, mode: PilMode) -> PilImage {
        PilImage {
            width,
            height: values.len() / width,
            mode,
            samples: PilSamples::U16(values),
            palette: None,
        }
    }

    #[test]
    fn sixteen_bit_histograms_count_half_of_each_row_as_bytes() {
        // Pillow: Image.fromarray(np.arange(12, dtype=np.uint16).reshape(3, 4)
        // * 300).histogram() -> {0: 2, 1: 1, 4: 1, 5: 1, 9: 1, 10: 1, 44: 1,
        // 96: 1, 140: 1, 176: 1, 220: 1}
        let values: Vec<u16> = (0..12).map(|i| i * 300).collect();
        let h = pil_histogram(&i16_image(4, values, PilMode::I16));
        let counts: Vec<(usize, u64)> = h[0]
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(v, &c)| (v, c))
            .collect();
        assert_eq!(
            counts,
            vec![
                (0, 2),
                (1, 1),
                (4, 1),
                (5, 1),
                (9, 1),
                (10, 1),
                (44, 1),
                (96, 1),
                (140, 1),
                (176, 1),
                (220, 1)
            ]
        );
    }

    #[test]
    fn mode_1_percentiles_are_zero_or_one_over_255() {
        let image = PilImage::new_u8(4, 1, PilMode::One, vec![0, 255, 255, 255]);
        let p = pil_percentiles(&image);
        // np.percentile(np.array([0, 1, 1, 1], bool) / 255.0, [1, 99])
        assert_eq!(p[6], 1.0 / 255.0);
        assert!((p[0] - 0.03 / 255.0).abs() < 1e-15);
    }

    #[test]
    fn flat_float_images_have_no_entropy() {
        let image = PilImage {
            width: 2,
            height: 2,
            mode: PilMode::F,
            samples: PilSamples::F32(vec![0.5; 4]),
            palette: None,
        };
        assert!(entropy(&pil_histogram(&image)).is_nan());
    }
}
