//! Metrics on synthetic images with known answers, and unreadable files.

use super::*;
use image::{ExtendedColorType, ImageEncoder};

pub(crate) fn encode_png(w: u32, h: u32, color: ExtendedColorType, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(data, w, h, color)
        .expect("encode png");
    out
}

pub(crate) fn encode_jpeg(w: u32, h: u32, data: &[u8], quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(data, w, h, ExtendedColorType::Rgb8)
        .expect("encode jpeg");
    out
}

fn rgb_fill(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    (0..w * h).flat_map(|_| rgb).collect()
}

fn measure(bytes: &[u8]) -> ImageMetrics {
    measure_bytes(bytes).expect("readable")
}

#[test]
fn constant_grey_image() {
    let m = measure(&encode_png(40, 30, ExtendedColorType::L8, &[128; 1200]));
    assert_eq!(m.mode, ColorMode::L);
    assert_eq!(m.format, FileFormat::Png);
    assert_eq!((m.width, m.height, m.area), (40, 30, 1200));
    assert_eq!(m.entropy, 0.0);
    assert!(m.is_grayscale);
    assert_eq!(m.contrast, 0.0);
    assert_eq!(m.noise, 0.0);
    assert!((m.brightness - 128.0 / 255.0).abs() < 1e-12);
    assert!((m.grey_mean - 128.0 / 255.0).abs() < 1e-12);
    assert!((m.aspect_ratio - 0.75).abs() < 1e-12);
    assert!((m.size - 1200f64.sqrt()).abs() < 1e-9);
}

#[test]
fn black_is_dark_and_white_is_light() {
    let black = measure(&encode_png(16, 16, ExtendedColorType::Rgb8, &[0; 768]));
    assert_eq!(black.brightness_percentiles[6], 0.0);
    assert!(black.is_grayscale);
    let white = measure(&encode_png(16, 16, ExtendedColorType::Rgb8, &[255; 768]));
    assert!((white.brightness_percentiles[1] - 1.0).abs() < 1e-12);
}

#[test]
fn highlights_follow_the_brightest_channel() {
    // A vivid blue has a low perceived brightness but a bright blue channel:
    // it cannot be made brighter without clipping, so it is not dim.
    let blue = measure(&encode_png(
        8,
        8,
        ExtendedColorType::Rgb8,
        &rgb_fill(8, 8, [30, 40, 200]),
    ));
    assert!(blue.brightness < 0.34, "{}", blue.brightness);
    assert_eq!(blue.highlights, 200.0 / 255.0);
    let dim = measure(&encode_png(
        8,
        8,
        ExtendedColorType::Rgb8,
        &rgb_fill(8, 8, [30, 40, 100]),
    ));
    assert_eq!(dim.highlights, 100.0 / 255.0);
}

#[test]
fn rgb_with_equal_channels_is_greyscale_but_mode_rgb() {
    let data: Vec<u8> = (0..64u32 * 64)
        .flat_map(|i| {
            let v = (i % 251) as u8;
            [v, v, v]
        })
        .collect();
    let m = measure(&encode_png(64, 64, ExtendedColorType::Rgb8, &data));
    assert_eq!(m.mode, ColorMode::Rgb);
    assert!(m.is_grayscale);
    assert_eq!(m.colourfulness, 0.0);
    let colour = measure(&encode_png(
        8,
        8,
        ExtendedColorType::Rgb8,
        &rgb_fill(8, 8, [200, 30, 30]),
    ));
    assert!(!colour.is_grayscale);
    assert!(colour.red_fraction > 0.7);
}

#[test]
fn checkerboard_is_sharper_than_its_blurred_copy() {
    let (w, h) = (256u32, 192u32);
    let board: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).map(move |x| if (x / 8 + y / 8) % 2 == 0 { 20 } else { 230 }))
        .collect();
    let blurred = box_blur(&board, w as usize, h as usize, 6);
    let sharp = measure(&encode_png(w, h, ExtendedColorType::L8, &board));
    let soft = measure(&encode_png(w, h, ExtendedColorType::L8, &blurred));
    assert!(
        sharp.blurriness > soft.blurriness,
        "{} vs {}",
        sharp.blurriness,
        soft.blurriness
    );
    assert!(sharp.noise > soft.noise);
}

fn box_blur(data: &[u8], w: usize, h: usize, r: usize) -> Vec<u8> {
    let mut out = data.to_vec();
    for y in 0..h {
        for x in 0..w {
            let (y0, y1) = (y.saturating_sub(r), (y + r).min(h - 1));
            let (x0, x1) = (x.saturating_sub(r), (x + r).min(w - 1));
            let mut sum = 0u32;
            for yy in y0..=y1 {
                sum += data[yy * w + x0..=yy * w + x1]
                    .iter()
                    .map(|&v| u32::from(v))
                    .sum::<u32>();
            }
            out[y * w + x] = (sum / ((y1 - y0 + 1) * (x1 - x0 + 1)) as u32) as u8;
        }
    }
    out
}

#[test]
fn jpeg_decodes_through_libjpeg() {
    let data = rgb_fill(32, 24, [90, 120, 200]);
    let m = measure(&encode_jpeg(32, 24, &data, 95));
    assert_eq!(m.format, FileFormat::Jpeg);
    assert_eq!(m.mode, ColorMode::Rgb);
    assert_eq!((m.width, m.height), (32, 24));
    assert!(m.blue_fraction > m.red_fraction);
}

#[test]
fn same_pixels_same_pixel_hash_different_file_hash() {
    let data = rgb_fill(8, 8, [1, 2, 3]);
    let a = measure(&encode_png(8, 8, ExtendedColorType::Rgb8, &data));
    let mut other = encode_png(8, 8, ExtendedColorType::Rgb8, &data);
    // A trailing byte after IEND changes the file, not the pixels.
    other.push(0);
    let b = measure(&other);
    assert_eq!(a.pixel_hash, b.pixel_hash);
    assert_ne!(a.file_hash, b.file_hash);
}

#[test]
fn unreadable_files_are_recorded() {
    let jpeg = encode_jpeg(64, 64, &rgb_fill(64, 64, [10, 20, 30]), 90);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("zero bytes", Vec::new()),
        ("truncated jpeg", jpeg[..jpeg.len() / 2].to_vec()),
        ("jpeg header only", jpeg[..3].to_vec()),
        (
            "random bytes",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ),
        ("text", b"name,value\nnot,an image\n".to_vec()),
        ("png signature only", b"\x89PNG\r\n\x1a\n".to_vec()),
    ];
    for (name, bytes) in cases {
        let err = measure_bytes(&bytes).expect_err(name);
        assert!(!err.reason.is_empty(), "{name}");
    }
    assert_eq!(measure_bytes(&[]).unwrap_err().reason, "the file is empty");
}

#[test]
fn jpeg_cut_short_is_named_truncated() {
    // PIL refuses these too ("image file is truncated").
    let data: Vec<u8> = (0..256u32 * 256 * 3)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let jpeg = encode_jpeg(256, 256, &data, 90);
    let err = measure_bytes(&jpeg[..jpeg.len() * 7 / 10]).unwrap_err();
    assert!(err.reason.contains("truncated"), "{}", err.reason);
}

#[test]
fn missing_file_is_unreadable() {
    let err = measure_file(Path::new("/definitely/not/here.jpg")).unwrap_err();
    assert!(err.reason.starts_with("cannot read"));
}

#[test]
fn text_named_jpg_is_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.jpg");
    std::fs::write(&path, "these are notes, not pixels").unwrap();
    let err = measure_file(&path).unwrap_err();
    assert_eq!(err.reason, "not an image in a supported format");
}

#[test]
fn jpeg_warnings_do_not_make_it_unreadable() {
    // Stray bytes before the end marker: libjpeg warns ("extraneous bytes
    // before marker"), PIL decodes the image anyway, and so must we.
    let data = rgb_fill(48, 32, [60, 90, 120]);
    let clean = encode_jpeg(48, 32, &data, 90);
    assert!(clean.ends_with(&[0xFF, 0xD9]));
    let mut warned = clean[..clean.len() - 2].to_vec();
    warned.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
    let a = measure(&clean);
    let b = measure(&warned);
    assert_eq!(a.pixel_hash, b.pixel_hash);
}

#[test]
fn cpu_specific_copy_measures_as_the_plain_one() {
    use assay_image::decode::decode;
    let (w, h) = (203u32, 141u32);
    let rgb: Vec<u8> = (0..w * h * 3)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 / 2 + (i % 97) as u8)
        .collect();
    let grey: Vec<u8> = rgb.iter().step_by(3).copied().collect();
    let files = [
        encode_png(w, h, ExtendedColorType::Rgb8, &rgb),
        encode_jpeg(w, h, &rgb, 80),
        encode_png(w, h, ExtendedColorType::L8, &grey),
    ];
    for file in &files {
        let (format, pixels) = decode(file).unwrap();
        assert_eq!(
            super::measure_pixels(&pixels, format, file),
            super::measure_pixels_inlined(&pixels, format, file)
        );
    }
}
