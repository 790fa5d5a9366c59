//! Small JPEG previews of images, for the web UI and the HTML report.

use crate::decode::{decode, ColorMode, DecodeError, Pixels};
use crate::resample::{resize, Filter};

/// JPEG quality of thumbnails.
const QUALITY: u8 = 82;

/// Encodes a JPEG preview of the image file `bytes` whose longer side is at
/// most `max_side` pixels (smaller images keep their size), bicubic-resized.
pub fn jpeg_thumbnail(bytes: &[u8], max_side: usize) -> Result<Vec<u8>, DecodeError> {
    let (_, pixels) = decode(bytes)?;
    let rgb = to_rgb(&pixels);
    let (w, h) = (pixels.width, pixels.height);
    let scale = (max_side as f64 / w.max(h) as f64).min(1.0);
    let out = (
        ((w as f64 * scale).round() as usize).max(1),
        ((h as f64 * scale).round() as usize).max(1),
    );
    let small = if out == (w, h) {
        rgb
    } else {
        resize(&rgb, (w, h), 3, out, Filter::Bicubic)
    };
    encode_jpeg(&small, out)
}

/// Encodes packed RGB rows of `size` (width, height) as a JPEG.
pub fn encode_jpeg(rgb: &[u8], size: (usize, usize)) -> Result<Vec<u8>, DecodeError> {
    crate::jpeg::encode_rgb(rgb, size.0, size.1, QUALITY)
        .map_err(|e| DecodeError(format!("cannot encode the thumbnail: {e}")))
}

/// Drops alpha and expands grey to three channels (alpha over black is not
/// attempted: previews show the colour channels as stored).
fn to_rgb(p: &Pixels) -> Vec<u8> {
    let c = p.mode.channels();
    match p.mode {
        ColorMode::Rgb => p.data.clone(),
        ColorMode::Rgba => p
            .data
            .chunks_exact(c)
            .flat_map(|px| [px[0], px[1], px[2]])
            .collect(),
        ColorMode::L | ColorMode::La => p
            .data
            .chunks_exact(c)
            .flat_map(|px| [px[0], px[0], px[0]])
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnail_keeps_aspect_and_bounds_the_longer_side() {
        let (w, h) = (300usize, 120usize);
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| (i % 251) as u8).collect();
        let jpeg = encode_jpeg(&rgb, (w, h)).unwrap();
        let thumb = jpeg_thumbnail(&jpeg, 100).unwrap();
        let (_, px) = decode(&thumb).unwrap();
        assert_eq!((px.width, px.height), (100, 40));
        let same = jpeg_thumbnail(&jpeg, 1000).unwrap();
        let (_, px) = decode(&same).unwrap();
        assert_eq!((px.width, px.height), (w, h));
    }

    #[test]
    fn thumbnail_of_garbage_is_an_error() {
        assert!(jpeg_thumbnail(b"not an image", 64).is_err());
        assert!(jpeg_thumbnail(&[], 64).is_err());
    }
}
