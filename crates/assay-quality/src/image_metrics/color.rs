//! Colour measures from the sums of the pixel pass: colourfulness,
//! saturation, whether the image is truly greyscale, how much of it shows
//! colour, and each channel's share.

/// Colour measures of one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Colour {
    /// Hasler and Süsstrunk's colourfulness (2003):
    /// `sqrt(var(rg) + var(yb)) + 0.3 sqrt(mean(rg)² + mean(yb)²)` with
    /// `rg = R - G`, `yb = (R + G) / 2 - B`; 0 for grey images.
    pub colourfulness: f64,
    /// Mean HSV saturation `(max - min) / max` over the pixels, in [0, 1].
    pub saturation: f64,
    /// Whether every pixel has equal red, green and blue (any mode).
    pub is_grayscale: bool,
    /// Share of pixels whose channels differ by more than
    /// [`COLOUR_TOLERANCE`] (0 for greyscale modes).
    pub coloured_fraction: f64,
    /// Red's share of all channel sums, `ΣR / (ΣR + ΣG + ΣB)` (1/3 each for
    /// a black image).
    pub red_fraction: f64,
    /// Green's share of all channel sums.
    pub green_fraction: f64,
    /// Blue's share of all channel sums.
    pub blue_fraction: f64,
}

/// Largest difference between a pixel's channels that still counts as grey:
/// JPEG's chroma rounding moves the channels of a grey pixel by a few levels.
pub const COLOUR_TOLERANCE: u8 = 8;

/// Integer sums over the pixels, gathered by
/// [`pixel_pass`](super::pixel_pass::pixel_pass).
pub struct ColourSums {
    n: u64,
    rg: i64,
    rg2: u64,
    yb2: i64,
    yb2_sq: u64,
    /// Per maximum channel value, the sum of (max - min): saturation is
    /// `Σ_m diff[m] / m`, exact without a division per pixel.
    pub diff_by_max: [u64; 256],
    /// Pixels per maximum channel value (for exposure's highlights); filled
    /// by the caller.
    pub count_by_max: [u64; 256],
    /// Pixels whose channels differ by more than [`COLOUR_TOLERANCE`];
    /// filled by the caller.
    pub coloured: u64,
    all_equal: bool,
}

impl ColourSums {
    /// No pixels yet.
    pub fn new() -> Self {
        ColourSums {
            n: 0,
            rg: 0,
            rg2: 0,
            yb2: 0,
            yb2_sq: 0,
            diff_by_max: [0; 256],
            count_by_max: [0; 256],
            coloured: 0,
            all_equal: true,
        }
    }

    /// Adds a block of at most 64 pixels given as channel arrays (32-bit
    /// block sums cannot overflow; the loop vectorises). `diff_by_max` is
    /// filled by the caller.
    #[inline(always)]
    pub fn add_block(&mut self, r: &[u8], g: &[u8], b: &[u8]) {
        debug_assert!(r.len() <= 64);
        let (mut rg, mut rg2, mut yb2, mut yb2_sq, mut unequal) = (0i32, 0u32, 0i32, 0u32, 0u8);
        for ((&r, &g), &b) in r.iter().zip(g).zip(b) {
            let (ri, gi, bi) = (i32::from(r), i32::from(g), i32::from(b));
            let d = ri - gi;
            rg += d;
            rg2 += (d * d) as u32;
            let y = ri + gi - 2 * bi;
            yb2 += y;
            yb2_sq += (y * y) as u32;
            unequal |= (r ^ g) | (g ^ b);
        }
        self.n += r.len() as u64;
        self.rg += i64::from(rg);
        self.rg2 += u64::from(rg2);
        self.yb2 += i64::from(yb2);
        self.yb2_sq += u64::from(yb2_sq);
        self.all_equal &= unequal == 0;
    }
}

impl Default for ColourSums {
    fn default() -> Self {
        Self::new()
    }
}

/// Mean and population variance from integer sums.
fn mean_var(n: u64, sum: i64, sum_sq: u64) -> (f64, f64) {
    let n_f = n as f64;
    let mean = sum as f64 / n_f;
    let num = i128::from(n) * i128::from(sum_sq) - i128::from(sum) * i128::from(sum);
    (mean, num as f64 / (n_f * n_f))
}

/// Colour measures from the pass's sums and the channel histograms
/// (for the channel shares); `None` (greyscale modes) is grey by
/// definition.
pub fn colour(sums: Option<&ColourSums>, histograms: &[[u64; 256]]) -> Colour {
    let Some(sums) = sums.filter(|s| s.n > 0) else {
        return grey_colour();
    };
    let (mean_rg, var_rg) = mean_var(sums.n, sums.rg, sums.rg2);
    let (mean_yb2, var_yb2) = mean_var(sums.n, sums.yb2, sums.yb2_sq);
    let (mean_yb, var_yb) = (mean_yb2 / 2.0, var_yb2 / 4.0);
    let colourfulness =
        (var_rg + var_yb).max(0.0).sqrt() + 0.3 * (mean_rg * mean_rg + mean_yb * mean_yb).sqrt();
    let saturation = sums
        .diff_by_max
        .iter()
        .enumerate()
        .skip(1)
        .map(|(m, &d)| d as f64 / m as f64)
        .sum::<f64>()
        / sums.n as f64;
    let channel = |c: usize| -> u64 {
        histograms[c]
            .iter()
            .enumerate()
            .map(|(v, &n)| v as u64 * n)
            .sum()
    };
    let totals = [channel(0), channel(1), channel(2)];
    let total: u64 = totals.iter().sum();
    let share = |c: usize| {
        if total == 0 {
            1.0 / 3.0
        } else {
            totals[c] as f64 / total as f64
        }
    };
    Colour {
        colourfulness,
        saturation,
        is_grayscale: sums.all_equal,
        coloured_fraction: sums.coloured as f64 / sums.n as f64,
        red_fraction: share(0),
        green_fraction: share(1),
        blue_fraction: share(2),
    }
}

fn grey_colour() -> Colour {
    Colour {
        colourfulness: 0.0,
        saturation: 0.0,
        is_grayscale: true,
        coloured_fraction: 0.0,
        red_fraction: 1.0 / 3.0,
        green_fraction: 1.0 / 3.0,
        blue_fraction: 1.0 / 3.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image_metrics::pixel_pass::pixel_pass;
    use assay_image::decode::{ColorMode, Pixels};

    fn colour_of(pixels: &[[u8; 3]]) -> Colour {
        let px = Pixels {
            width: pixels.len(),
            height: 1,
            mode: ColorMode::Rgb,
            data: pixels.iter().flatten().copied().collect(),
        };
        let pass = pixel_pass(&px);
        colour(pass.colour.as_ref(), &pass.histograms)
    }

    #[test]
    fn rgb_with_equal_channels_is_greyscale() {
        let c = colour_of(&[[10, 10, 10], [200, 200, 200]]);
        assert!(c.is_grayscale);
        assert_eq!(c.coloured_fraction, 0.0);
        assert_eq!(c.colourfulness, 0.0);
        assert_eq!(c.saturation, 0.0);
        assert!((c.red_fraction - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn pure_red() {
        let c = colour_of(&[[255, 0, 0], [255, 0, 0]]);
        assert!(!c.is_grayscale);
        assert_eq!(c.saturation, 1.0);
        assert_eq!(c.red_fraction, 1.0);
        // rg = 255, yb = 127.5, no spread: 0.3 * sqrt(255² + 127.5²).
        let expected = 0.3 * (255.0f64 * 255.0 + 127.5 * 127.5).sqrt();
        assert!((c.colourfulness - expected).abs() < 1e-9);
    }

    #[test]
    fn near_grey_pixels_are_not_coloured() {
        let c = colour_of(&[[100, 104, 98], [50, 50, 58], [10, 30, 10], [9, 9, 9]]);
        assert!(!c.is_grayscale);
        assert_eq!(c.coloured_fraction, 0.25);
    }

    #[test]
    fn black_has_even_shares() {
        let c = colour_of(&[[0, 0, 0]]);
        assert!((c.blue_fraction - 1.0 / 3.0).abs() < 1e-12);
    }
}
