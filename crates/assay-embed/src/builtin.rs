//! The weight-free extractor: a fixed, hand-made description of an image
//! that needs no model files, so the demo and tests run anywhere. It is
//! good at what hashes miss (the same picture brighter, recompressed,
//! resized) and at coarse similarity of layout and colour; it knows nothing
//! of semantics, and its distances are not comparable with published
//! numbers from CLIP, Inception or DINOv2.
//!
//! From a 32 x 32 area-averaged thumbnail it takes:
//! - layout: each channel at 8 x 8, centred and scaled to unit variance
//!   (brightness and contrast do not move it), 192 values;
//! - colour: a 6 x 6 histogram of chromaticity (r, g share of the sum),
//!   square-rooted, 36 values;
//! - edges: gradient orientation histograms (8 bins) of the grey
//!   thumbnail over a 4 x 4 grid, 128 values.
//!
//! Each block is L2-normalised, weighted, and the whole vector normalised.

use assay_image::decode::Pixels;

use crate::preprocess::to_rgb;

/// Name under which its embeddings are stored.
pub const NAME: &str = "builtin";
/// Version, stored in place of a weights hash; bumped whenever the
/// features change, so stored vectors of an older version are recomputed.
pub const VERSION: &str = "builtin-v1";
/// Vector length.
pub const DIM: usize = 192 + 36 + 128;

const THUMB: usize = 32;
const WEIGHTS: [f32; 3] = [1.0, 0.5, 0.6];

/// The embedding of one image (L2-normalised, [`DIM`] values).
pub fn embed(pixels: &Pixels) -> Vec<f32> {
    let rgb = to_rgb(pixels);
    let thumb = area_average(&rgb, pixels.width, pixels.height, THUMB);
    let mut out = Vec::with_capacity(DIM);
    for (block, weight) in [layout(&thumb), colour(&thumb), edges(&thumb)]
        .into_iter()
        .zip(WEIGHTS)
    {
        out.extend(normalised(block).into_iter().map(|v| v * weight));
    }
    normalised(out)
}

/// Three planes of `side x side` means over equal areas of the image.
fn area_average(rgb: &[u8], width: usize, height: usize, side: usize) -> [Vec<f32>; 3] {
    let mut sums = [
        vec![0f64; side * side],
        vec![0f64; side * side],
        vec![0f64; side * side],
    ];
    let mut counts = vec![0u32; side * side];
    if width == 0 || height == 0 {
        return sums.map(|s| s.into_iter().map(|v| v as f32).collect());
    }
    for y in 0..height {
        let cy = y * side / height;
        for x in 0..width {
            let cell = cy * side + x * side / width;
            let p = &rgb[(y * width + x) * 3..][..3];
            for c in 0..3 {
                sums[c][cell] += f64::from(p[c]);
            }
            counts[cell] += 1;
        }
    }
    // Images smaller than the thumbnail leave cells empty; they take the
    // value of the pixel that covers them.
    for cy in 0..side {
        for cx in 0..side {
            let cell = cy * side + cx;
            if counts[cell] == 0 {
                let p = &rgb[((cy * height / side) * width + cx * width / side) * 3..][..3];
                for c in 0..3 {
                    sums[c][cell] = f64::from(p[c]);
                }
                counts[cell] = 1;
            }
        }
    }
    sums.map(|s| {
        s.iter()
            .zip(&counts)
            .map(|(v, n)| (v / f64::from(*n)) as f32)
            .collect()
    })
}

fn layout(thumb: &[Vec<f32>; 3]) -> Vec<f32> {
    let coarse = THUMB / 8;
    let mut out = Vec::with_capacity(192);
    for plane in thumb {
        let cells: Vec<f32> = (0..64)
            .map(|i| {
                let (cy, cx) = (i / 8, i % 8);
                let mut sum = 0.0;
                for y in 0..coarse {
                    for x in 0..coarse {
                        sum += plane[(cy * coarse + y) * THUMB + cx * coarse + x];
                    }
                }
                sum / (coarse * coarse) as f32
            })
            .collect();
        let mean = cells.iter().sum::<f32>() / 64.0;
        let std = (cells.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / 64.0).sqrt();
        out.extend(cells.iter().map(|v| (v - mean) / std.max(1.0)));
    }
    out
}

fn colour(thumb: &[Vec<f32>; 3]) -> Vec<f32> {
    let mut hist = vec![0f32; 36];
    for ((&r, &g), &b) in thumb[0].iter().zip(&thumb[1]).zip(&thumb[2]) {
        let sum = r + g + b;
        let (rs, gs) = if sum < 1.0 {
            (1.0 / 3.0, 1.0 / 3.0)
        } else {
            (r / sum, g / sum)
        };
        let bin = |v: f32| ((v * 6.0) as usize).min(5);
        hist[bin(rs) * 6 + bin(gs)] += 1.0;
    }
    hist.into_iter().map(f32::sqrt).collect()
}

fn edges(thumb: &[Vec<f32>; 3]) -> Vec<f32> {
    let grey: Vec<f32> = (0..THUMB * THUMB)
        .map(|i| 0.299 * thumb[0][i] + 0.587 * thumb[1][i] + 0.114 * thumb[2][i])
        .collect();
    let at = |x: usize, y: usize| grey[y.min(THUMB - 1) * THUMB + x.min(THUMB - 1)];
    let mut hist = vec![0f32; 128];
    let cell = THUMB / 4;
    for y in 0..THUMB {
        for x in 0..THUMB {
            let gx = at(x + 1, y) - at(x.saturating_sub(1), y);
            let gy = at(x, y + 1) - at(x, y.saturating_sub(1));
            let magnitude = (gx * gx + gy * gy).sqrt();
            let angle = gy.atan2(gx) + std::f32::consts::PI;
            let bin = ((angle / (2.0 * std::f32::consts::PI) * 8.0) as usize).min(7);
            hist[((y / cell) * 4 + x / cell) * 8 + bin] += magnitude;
        }
    }
    hist
}

fn normalised(mut values: Vec<f32>) -> Vec<f32> {
    let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        values.iter_mut().for_each(|v| *v /= norm);
    }
    values
}

#[cfg(test)]
mod tests {
    use assay_image::decode::ColorMode;

    use super::*;

    fn scene(width: usize, height: usize, shift: i32, seed: usize) -> Pixels {
        let data = (0..width * height)
            .flat_map(|i| {
                let (x, y) = (i % width, i / width);
                let v = ((x * 7 + y * 3 + seed * 50) % 200) as i32
                    + if (x / 10 + y / 10 + seed).is_multiple_of(2) {
                        40
                    } else {
                        0
                    };
                [v, 255 - v, (v * seed as i32) % 256].map(|c| (c + shift).clamp(0, 255) as u8)
            })
            .collect();
        Pixels {
            width,
            height,
            mode: ColorMode::Rgb,
            data,
        }
    }

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn brighter_or_resized_copies_stay_closer_than_other_images() {
        let original = embed(&scene(120, 90, 0, 1));
        let brighter = embed(&scene(120, 90, 12, 1));
        let other = embed(&scene(120, 90, 0, 2));
        assert_eq!(original.len(), DIM);
        assert!((cosine(&original, &original) - 1.0).abs() < 1e-5);
        assert!(
            cosine(&original, &brighter) > 0.97,
            "{}",
            cosine(&original, &brighter)
        );
        assert!(cosine(&original, &brighter) > cosine(&original, &other) + 0.05);
    }

    #[test]
    fn tiny_and_flat_images_are_handled() {
        for (w, h) in [(1, 1), (3, 40), (40, 2)] {
            let v = embed(&scene(w, h, 0, 3));
            assert!(v.iter().all(|x| x.is_finite()));
        }
        let flat = Pixels {
            width: 8,
            height: 8,
            mode: ColorMode::L,
            data: vec![0; 64],
        };
        assert!(embed(&flat).iter().all(|x| x.is_finite()));
    }
}
