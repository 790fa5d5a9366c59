//! Colour measures from one pass over the pixels: colourfulness, saturation,
//! whether the image is truly greyscale, how much of it shows colour, and
//! each channel's share.

use crate::decode::{ColorMode, Pixels};

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

/// Integer sums gathered in one pass.
struct Sums {
    n: u64,
    channel: [u64; 3],
    rg: i64,
    rg2: u64,
    yb2: i64,
    yb2_sq: u64,
    /// Per maximum channel value, the sum of (max - min): saturation is
    /// `Σ_m diff[m] / m`, exact without a division per pixel.
    diff_by_max: [u64; 256],
    coloured: u64,
    all_equal: bool,
}

impl Sums {
    fn new() -> Self {
        Sums {
            n: 0,
            channel: [0; 3],
            rg: 0,
            rg2: 0,
            yb2: 0,
            yb2_sq: 0,
            diff_by_max: [0; 256],
            coloured: 0,
            all_equal: true,
        }
    }

    fn add(&mut self, r: u8, g: u8, b: u8) {
        let (ri, gi, bi) = (i64::from(r), i64::from(g), i64::from(b));
        self.n += 1;
        self.channel[0] += r as u64;
        self.channel[1] += g as u64;
        self.channel[2] += b as u64;
        let rg = ri - gi;
        self.rg += rg;
        self.rg2 += (rg * rg) as u64;
        let yb2 = ri + gi - 2 * bi;
        self.yb2 += yb2;
        self.yb2_sq += (yb2 * yb2) as u64;
        let (max, min) = (r.max(g).max(b), r.min(g).min(b));
        self.diff_by_max[usize::from(max)] += u64::from(max - min);
        self.coloured += u64::from(max - min > COLOUR_TOLERANCE);
        self.all_equal &= r == g && g == b;
    }
}

/// Mean and population variance from integer sums.
fn mean_var(n: u64, sum: i64, sum_sq: u64) -> (f64, f64) {
    let n_f = n as f64;
    let mean = sum as f64 / n_f;
    let num = i128::from(n) * i128::from(sum_sq) - i128::from(sum) * i128::from(sum);
    (mean, num as f64 / (n_f * n_f))
}

/// Colour measures of an image; greyscale modes are grey by definition.
pub fn colour(pixels: &Pixels) -> Colour {
    let ch = pixels.mode.channels();
    if matches!(pixels.mode, ColorMode::L | ColorMode::La) {
        return grey_colour();
    }
    let mut sums = Sums::new();
    for px in pixels.data.chunks_exact(ch) {
        sums.add(px[0], px[1], px[2]);
    }
    if sums.n == 0 {
        return grey_colour();
    }
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
    let total: u64 = sums.channel.iter().sum();
    let share = |c: usize| {
        if total == 0 {
            1.0 / 3.0
        } else {
            sums.channel[c] as f64 / total as f64
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

    fn rgb(pixels: &[[u8; 3]]) -> Pixels {
        Pixels {
            width: pixels.len(),
            height: 1,
            mode: ColorMode::Rgb,
            data: pixels.iter().flatten().copied().collect(),
        }
    }

    #[test]
    fn rgb_with_equal_channels_is_greyscale() {
        let c = colour(&rgb(&[[10, 10, 10], [200, 200, 200]]));
        assert!(c.is_grayscale);
        assert_eq!(c.coloured_fraction, 0.0);
        assert_eq!(c.colourfulness, 0.0);
        assert_eq!(c.saturation, 0.0);
        assert!((c.red_fraction - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn pure_red() {
        let c = colour(&rgb(&[[255, 0, 0], [255, 0, 0]]));
        assert!(!c.is_grayscale);
        assert_eq!(c.saturation, 1.0);
        assert_eq!(c.red_fraction, 1.0);
        // rg = 255, yb = 127.5, no spread: 0.3 * sqrt(255² + 127.5²).
        let expected = 0.3 * (255.0f64 * 255.0 + 127.5 * 127.5).sqrt();
        assert!((c.colourfulness - expected).abs() < 1e-9);
    }

    #[test]
    fn near_grey_pixels_are_not_coloured() {
        let c = colour(&rgb(&[
            [100, 104, 98],
            [50, 50, 58],
            [10, 30, 10],
            [9, 9, 9],
        ]));
        assert!(!c.is_grayscale);
        assert_eq!(c.coloured_fraction, 0.25);
    }

    #[test]
    fn black_has_even_shares() {
        let c = colour(&rgb(&[[0, 0, 0]]));
        assert!((c.blue_fraction - 1.0 / 3.0).abs() < 1e-12);
    }
}
