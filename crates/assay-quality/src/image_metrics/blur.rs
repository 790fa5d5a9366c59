//! CleanVision's blurriness: the image is shrunk (PIL bicubic) so its longer
//! side is at most 64 pixels, turned greyscale, passed through PIL's
//! FIND_EDGES filter; the score's raw value is the standard deviation of the
//! edge image. A second value, the standard deviation of the 256 counts of
//! the greyscale histogram, keeps flat images out of the blurry issue.

use assay_image::decode::{ColorMode, Pixels};
use assay_image::resample::{resize, resize_planes, Filter};

use super::pil::{find_edges, histogram, histogram_variance, luma_of, premultiply, std_dev};

/// CleanVision's `MAX_RESOLUTION_FOR_BLURRY_DETECTION`.
pub const MAX_RESOLUTION: f64 = 64.0;

/// Raw blur values of one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blur {
    /// Standard deviation of the edge image (higher is sharper).
    pub blurriness: f64,
    /// Standard deviation of the greyscale histogram's 256 counts.
    pub grayscale_std: f64,
}

/// Python's `float // float` for positive operands (CPython's
/// `float_floor_div`: `fmod`, then a floor with a correction).
fn py_floor_div(vx: f64, wx: f64) -> f64 {
    let modulo = vx % wx;
    let div = (vx - modulo) / wx;
    if div == 0.0 {
        return 0.0;
    }
    let mut floordiv = div.floor();
    if div - floordiv > 0.5 {
        floordiv += 1.0;
    }
    floordiv
}

/// The size CleanVision shrinks an image to before finding edges.
pub fn blur_size(width: usize, height: usize) -> (usize, usize) {
    let ratio = width.max(height) as f64 / MAX_RESOLUTION;
    if ratio <= 1.0 {
        return (width, height);
    }
    let side = |s: usize| (py_floor_div(s as f64, ratio) as usize).max(1);
    (side(width), side(height))
}

/// `image.resize(size)` with PIL's default filter (bicubic), colour
/// premultiplied by alpha for images that have one, as PIL does.
pub fn pil_default_resize(pixels: &Pixels, size: (usize, usize)) -> Vec<u8> {
    let ch = pixels.mode.channels();
    let from = (pixels.width, pixels.height);
    match pixels.mode {
        ColorMode::L | ColorMode::Rgb => resize(&pixels.data, from, ch, size, Filter::Bicubic),
        ColorMode::La | ColorMode::Rgba => {
            if from == size {
                return pixels.data.clone();
            }
            let pre = premultiply(&pixels.data, pixels.mode);
            let mut out = resize(&pre, from, ch, size, Filter::Bicubic);
            super::pil::unpremultiply(&mut out, pixels.mode);
            out
        }
    }
}

/// CleanVision's `BlurrinessProperty.calculate`; `planes` are an RGB
/// image's colour planes, if split already (the same result, faster).
pub fn blur(pixels: &Pixels, planes: Option<&[Vec<u8>; 3]>) -> Blur {
    let (w, h) = blur_size(pixels.width, pixels.height);
    let from = (pixels.width, pixels.height);
    let small = match planes {
        Some([r, g, b]) if pixels.mode == ColorMode::Rgb => {
            resize_planes(&[r, g, b], from, (w, h), Filter::Bicubic)
        }
        _ => pil_default_resize(pixels, (w, h)),
    };
    let grey = luma_of(&small, pixels.mode);
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

    fn grey(w: usize, h: usize, f: impl Fn(usize, usize) -> u8) -> Pixels {
        let data = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| f(x, y));
        Pixels {
            width: w,
            height: h,
            mode: ColorMode::L,
            data: data.collect(),
        }
    }

    #[test]
    fn sizes_as_cleanvision() {
        assert_eq!(blur_size(640, 480), (64, 48));
        assert_eq!(blur_size(640, 427), (64, 42));
        assert_eq!(blur_size(32, 20), (32, 20));
        assert_eq!(blur_size(10_000, 10), (64, 1));
    }

    #[test]
    fn checkerboard_is_sharper_than_its_blur() {
        let board = grey(
            64,
            64,
            |x, y| if (x / 2 + y / 2) % 2 == 0 { 0 } else { 255 },
        );
        let mut soft = board.clone();
        // A 3x3 box blur of the checkerboard.
        for y in 1..63 {
            for x in 1..63 {
                let mut s = 0u32;
                for dy in 0..3 {
                    for dx in 0..3 {
                        s += u32::from(board.data[(y + dy - 1) * 64 + x + dx - 1]);
                    }
                }
                soft.data[y * 64 + x] = (s / 9) as u8;
            }
        }
        assert!(blur(&board, None).blurriness > blur(&soft, None).blurriness);
    }

    #[test]
    fn flat_image_has_edges_only_on_its_border() {
        // Shrunk to 64x51; FIND_EDGES keeps the 226 border pixels (128) and
        // gives 0 inside, so the deviation is 128 * sqrt(p (1 - p)).
        let flat = grey(100, 80, |_, _| 128);
        let b = blur(&flat, None);
        let p: f64 = 226.0 / (64.0 * 51.0);
        assert!((b.blurriness - 128.0 * (p * (1.0 - p)).sqrt()).abs() < 1e-9);
        assert!(b.grayscale_std > 100.0);
    }
}
