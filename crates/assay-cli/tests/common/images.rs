//! Writing test images: PNG and JPEG files of generated pixels.

use std::path::Path;

use image::{ExtendedColorType, ImageEncoder};

/// Writes a PNG.
pub fn png(path: &Path, w: u32, h: u32, color: ExtendedColorType, data: &[u8]) {
    let file = std::fs::File::create(path).unwrap();
    image::codecs::png::PngEncoder::new(file)
        .write_image(data, w, h, color)
        .unwrap();
}

/// Writes an RGB JPEG at `quality`.
pub fn jpeg(path: &Path, w: u32, h: u32, data: &[u8], quality: u8) {
    let file = std::fs::File::create(path).unwrap();
    image::codecs::jpeg::JpegEncoder::new_with_quality(file, quality)
        .write_image(data, w, h, ExtendedColorType::Rgb8)
        .unwrap();
}

/// A smooth random colour field: a 6x5 grid of random colours (from
/// `seed`) interpolated bilinearly, so unrelated seeds give unrelated pHashes.
pub fn texture(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut grid = [[0.0f64; 3]; 30];
    for cell in grid.iter_mut().flatten() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *cell = (state >> 56) as f64;
    }
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let gx = f64::from(x) / f64::from(w - 1) * 5.0;
            let gy = f64::from(y) / f64::from(h - 1) * 4.0;
            let (x0, y0) = ((gx as usize).min(4), (gy as usize).min(3));
            let (tx, ty) = (gx - x0 as f64, gy - y0 as f64);
            let (a, b) = (grid[y0 * 6 + x0], grid[y0 * 6 + x0 + 1]);
            let (c, d) = (grid[(y0 + 1) * 6 + x0], grid[(y0 + 1) * 6 + x0 + 1]);
            for (((a, b), c), d) in a.iter().zip(&b).zip(&c).zip(&d) {
                let top = a * (1.0 - tx) + b * tx;
                let bottom = c * (1.0 - tx) + d * tx;
                out.push((top * (1.0 - ty) + bottom * ty) as u8);
            }
        }
    }
    out
}

/// A small textured RGB PNG at `p` (folders created), different per `seed`.
pub fn write_png(p: &Path, seed: u64) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    png(p, 40, 30, ExtendedColorType::Rgb8, &texture(40, 30, seed));
}
