//! Per-image metrics, computed in one pass over an image decoded once.
//!
//! The values CleanVision records (brightness and its percentiles, aspect
//! ratio, size, entropy, blurriness, the greyscale histogram spread, pHash)
//! follow its definitions and PIL's arithmetic exactly; see each module.
//!
//! [`measure_pixels`] reads the full-resolution pixels in few passes:
//! [`pixel_pass`] (every per-pixel statistic and the greyscale image),
//! the brightness percentiles' selection among a few buckets of pixels,
//! [`grey_pass`] (3x3 measures on the greyscale image, the place for new
//! full-resolution greyscale measures), the three shrinking resizes (blur,
//! pHash, dHash) and the pixel hash; everything else works on their small
//! results.
//! assay's own measures (`exposure`, `sharpness`, the coloured share in
//! `color`) feed its own issue types.
//!
//! CleanVision measures the image as Pillow opens it, in its own mode
//! (palette indices, mode 1 as 0/1, 16-bit values, CMYK as stored); where
//! that is not the decoded image, [`pillow`] measures CleanVision's
//! properties on Pillow's form too ([`ImageMetrics::pil`]), for
//! `--preset cleanvision`.

pub mod blur;
pub mod brightness;
pub mod color;
pub mod exposure;
pub mod grey_pass;
pub mod pil;
pub mod pillow;
pub mod pixel_pass;
pub mod sharpness;
pub mod stats;

use std::path::Path;

use assay_image::pil_image::PilMode;
use serde::{Deserialize, Serialize};

use assay_image::decode::{
    decode_reduced, decode_with_pil, ColorMode, Decoded, FileFormat, Pixels,
};
use assay_image::hash::{self, ImageHash};

pub use pillow::CleanVisionProperties;

/// Everything measured on one image (read back exactly from its JSON, so
/// shards of a scan merge into the unsharded scan).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageMetrics {
    /// File format, from the file's first bytes.
    pub format: FileFormat,
    /// Channel layout after decoding (PIL's mode name).
    pub mode: ColorMode,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `min(w / h, h / w)`, in (0, 1] (CleanVision's `aspect_ratio`).
    pub aspect_ratio: f64,
    /// `w * h` pixels.
    pub area: u64,
    /// `sqrt(w) * sqrt(h)` (CleanVision's `size`).
    pub size: f64,
    /// File size in bytes.
    pub file_size: u64,
    /// Perceived brightness of the mean colour, in [0, 1].
    pub brightness: f64,
    /// Per-pixel brightness percentiles 1, 5, 10, 15, 90, 95, 99.
    pub brightness_percentiles: [f64; 7],
    /// RMS contrast of the greyscale image, in [0, 0.5].
    pub contrast: f64,
    /// Mean of the greyscale image (PIL's L values) over 255, in [0, 1]:
    /// the level `contrast` varies around.
    pub grey_mean: f64,
    /// CleanVision's blurriness: deviation of the edges of the image shrunk
    /// to at most 64 pixels a side (higher is sharper).
    pub blurriness: f64,
    /// Deviation of the counts of that small image's greyscale histogram.
    pub blurriness_grayscale_std: f64,
    /// PIL's histogram entropy in bits (CleanVision's `entropy`).
    pub entropy: f64,
    /// Hasler–Süsstrunk colourfulness (0 for grey images).
    pub colourfulness: f64,
    /// Mean HSV saturation, in [0, 1].
    pub saturation: f64,
    /// Every pixel has equal red, green and blue (whatever the file's mode).
    pub is_grayscale: bool,
    /// Share of pixels whose channels differ by more than a few levels.
    pub coloured_fraction: f64,
    /// Darkest tones: 1st percentile of greyscale values, in [0, 1].
    pub shadows: f64,
    /// Brightest tones: 99.9th percentile of each pixel's largest channel
    /// value, in [0, 1] (a vivid blue is bright here, though dim to the eye).
    pub highlights: f64,
    /// Share of pixels at 255 in the colour channel with the most of them.
    pub clipped_fraction: f64,
    /// Detail at full against half resolution (about 1/4 without fine
    /// detail, 1/2 for step edges); `None` for tiny or flat images.
    pub fine_detail: Option<f64>,
    /// The same at half against quarter resolution; `None` under 128 px.
    pub coarse_detail: Option<f64>,
    /// Red's share of the channel sums.
    pub red_fraction: f64,
    /// Green's share of the channel sums.
    pub green_fraction: f64,
    /// Blue's share of the channel sums.
    pub blue_fraction: f64,
    /// Estimated standard deviation of additive noise, in grey levels.
    pub noise: f64,
    /// BLAKE3 of the file's bytes, hex.
    pub file_hash: String,
    /// XXH3-128 of the decoded pixels (with size and channels), hex.
    pub pixel_hash: String,
    /// `imagehash.phash`.
    pub phash: ImageHash,
    /// `imagehash.dhash`.
    pub dhash: ImageHash,
    /// The mode Pillow opens the file in (CleanVision's `color_space`):
    /// "P" for a palette PNG that decodes to RGB, "1", "I;16", "CMYK"...;
    /// the decoded mode's name where Pillow's reading of the file is not
    /// reproduced (see `assay_image::decode::Decoded::pil_note`).
    pub pil_mode: PilMode,
    /// XXH3-128 of NumPy's bytes of Pillow's image, without size or mode,
    /// hex: CleanVision's exact-duplicate key (it hashes
    /// `np.asarray(image).tobytes()`).
    pub pil_pixel_hash: String,
    /// CleanVision's properties measured on Pillow's image, where that is
    /// not the decoded one (else the fields above are CleanVision's).
    pub pil: Option<CleanVisionProperties>,
}

impl ImageMetrics {
    /// CleanVision's properties of the decoded image.
    pub fn decoded_properties(&self) -> CleanVisionProperties {
        CleanVisionProperties {
            brightness: self.brightness,
            brightness_percentiles: self.brightness_percentiles,
            entropy: self.entropy,
            blurriness: self.blurriness,
            blurriness_grayscale_std: self.blurriness_grayscale_std,
            phash: self.phash,
            dhash: self.dhash,
        }
    }

    /// CleanVision's properties as CleanVision measures this file: on
    /// Pillow's image, in its own mode.
    pub fn pillow_properties(&self) -> CleanVisionProperties {
        self.pil.unwrap_or_else(|| self.decoded_properties())
    }
}

/// An image that could not be measured, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("unreadable image: {reason}")]
pub struct Unreadable {
    /// What went wrong, for people.
    pub reason: String,
}

impl Unreadable {
    fn new(reason: impl Into<String>) -> Self {
        Unreadable {
            reason: reason.into(),
        }
    }
}

/// Reads and measures one file. Never panics on bad input: a file that
/// cannot be read or decoded (empty, truncated, corrupt, not an image) is
/// an `Unreadable` with the reason.
pub fn measure_file(path: &Path) -> Result<ImageMetrics, Unreadable> {
    let bytes = std::fs::read(path).map_err(|e| Unreadable::new(format!("cannot read ({e})")))?;
    measure_bytes(&bytes)
}

/// Measures an image file held in memory; see [`measure_file`].
pub fn measure_bytes(bytes: &[u8]) -> Result<ImageMetrics, Unreadable> {
    // A decoder bug must not take the whole scan down with it.
    std::panic::catch_unwind(|| measure_unguarded(bytes))
        .unwrap_or_else(|_| Err(Unreadable::new("the decoder failed on this file")))
}

fn measure_unguarded(bytes: &[u8]) -> Result<ImageMetrics, Unreadable> {
    let decoded = decode_with_pil(bytes).map_err(|e| Unreadable::new(e.0))?;
    Ok(measure_decoded(&decoded, bytes))
}

/// The shorter side a fast measure keeps: enough for the 64-pixel
/// blurriness image and the 32-pixel pHash, and for the tones.
pub const FAST_MIN_SIDE: usize = 96;

/// Reads and measures one file fast (`assay scan --fast`): a JPEG is
/// decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's reduced-size IDCT;
/// [`FAST_MIN_SIDE`]) and measured there; size, aspect ratio, file size
/// and hash are the file's own. The pixel hashes are of the reduced
/// pixels: copies that differ only in their bytes (metadata) stay exact
/// duplicates, and so do files that differ only in detail finer than the
/// reduced size keeps. The values are estimates of
/// [`measure_file`]'s (CleanVision's are exact only there); files of other
/// formats, and small JPEGs, are measured exactly as by it, without
/// Pillow's form.
pub fn measure_file_fast(path: &Path) -> Result<ImageMetrics, Unreadable> {
    let bytes = std::fs::read(path).map_err(|e| Unreadable::new(format!("cannot read ({e})")))?;
    std::panic::catch_unwind(|| measure_reduced(&bytes))
        .unwrap_or_else(|_| Err(Unreadable::new("the decoder failed on this file")))
}

fn measure_reduced(bytes: &[u8]) -> Result<ImageMetrics, Unreadable> {
    let reduced = decode_reduced(bytes, FAST_MIN_SIDE).map_err(|e| Unreadable::new(e.0))?;
    let mut metrics = measure_pixels(&reduced.pixels, reduced.format, bytes);
    let (w, h) = reduced.full_size;
    metrics.width = w as u32;
    metrics.height = h as u32;
    metrics.aspect_ratio = (w as f64 / h as f64).min(h as f64 / w as f64);
    metrics.area = (w * h) as u64;
    metrics.size = (w as f64).sqrt() * (h as f64).sqrt();
    Ok(metrics)
}

/// Measures a decoded file (its pixels, and CleanVision's properties on
/// Pillow's form of it where that differs); `file` is the encoded file.
pub fn measure_decoded(decoded: &Decoded, file: &[u8]) -> ImageMetrics {
    let mut metrics = measure_pixels(&decoded.pixels, decoded.format, file);
    if let Some(pil) = &decoded.pil {
        metrics.pil_mode = pil.mode;
        metrics.pil_pixel_hash = hash::bytes_hash(&pil.numpy_bytes());
        metrics.pil = Some(pillow::measure_pil(pil));
    }
    metrics
}

/// Measures decoded pixels; `file` is the encoded file (for its size and hash).
///
/// On x86-64 CPUs with AVX2 the measuring loops are compiled a second time
/// for it (the passes over the pixels are inlined into one function built
/// with AVX2 enabled) and that copy runs: the same integer and IEEE
/// arithmetic (Rust never fuses multiplies and adds on its own), about a
/// fifth less time.
pub fn measure_pixels(pixels: &Pixels, format: FileFormat, file: &[u8]) -> ImageMetrics {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { measure_pixels_avx2(pixels, format, file) };
    }
    measure_pixels_inlined(pixels, format, file)
}

/// [`measure_pixels`] compiled with AVX2 enabled.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn measure_pixels_avx2(pixels: &Pixels, format: FileFormat, file: &[u8]) -> ImageMetrics {
    measure_pixels_inlined(pixels, format, file)
}

/// The body of [`measure_pixels`], inlined with the passes it calls into
/// each caller so each copy is compiled for its caller's CPU features.
#[inline(always)]
fn measure_pixels_inlined(pixels: &Pixels, format: FileFormat, file: &[u8]) -> ImageMetrics {
    let (w, h) = (pixels.width, pixels.height);
    let pass = pixel_pass::pixel_pass(pixels);
    let histograms = &pass.histograms;
    let bright = brightness::brightness(pixels, histograms, pass.brightness_buckets.as_ref());
    let grey = grey_pass::grey_pass(&pass.grey, w, h);
    let blur = blur::blur(pixels, pass.planes.as_ref());
    let colour = color::colour(pass.colour.as_ref(), histograms);
    let n = pixels.len() as u128;
    let grey_variance = pil::variance(n, pass.grey_sum.into(), pass.grey_sum_sq.into());
    // assay's own measures: exposure from the greyscale histogram, detail
    // ratios from the greyscale image.
    let max_channel = pass
        .colour
        .as_ref()
        .map_or(&pass.grey_histogram, |c| &c.count_by_max);
    let exposure = exposure::exposure(&pass.grey_histogram, max_channel, histograms);
    let sharp = sharpness::sharpness(&pass.grey, w, h);
    ImageMetrics {
        format,
        mode: pixels.mode,
        width: w as u32,
        height: h as u32,
        aspect_ratio: (w as f64 / h as f64).min(h as f64 / w as f64),
        area: (w * h) as u64,
        size: (w as f64).sqrt() * (h as f64).sqrt(),
        file_size: file.len() as u64,
        brightness: bright.mean,
        brightness_percentiles: bright.percentiles,
        contrast: stats::rms_contrast(grey_variance),
        grey_mean: pass.grey_sum as f64 / (n as f64).max(1.0) / 255.0,
        blurriness: blur.blurriness,
        blurriness_grayscale_std: blur.grayscale_std,
        entropy: stats::pil_entropy(histograms),
        colourfulness: colour.colourfulness,
        saturation: colour.saturation,
        is_grayscale: colour.is_grayscale,
        coloured_fraction: colour.coloured_fraction,
        shadows: exposure.shadows,
        highlights: exposure.highlights,
        clipped_fraction: exposure.clipped,
        fine_detail: sharp.fine,
        coarse_detail: sharp.coarse,
        red_fraction: colour.red_fraction,
        green_fraction: colour.green_fraction,
        blue_fraction: colour.blue_fraction,
        noise: grey.noise,
        file_hash: blake3::hash(file).to_hex().to_string(),
        pixel_hash: hash::pixel_hash(pixels),
        phash: hash::phash(&pass.grey, w, h),
        dhash: hash::dhash(&pass.grey, w, h),
        pil_mode: pixels.mode.into(),
        pil_pixel_hash: hash::bytes_hash(&pixels.data),
        pil: None,
    }
}

#[cfg(test)]
pub(crate) mod tests;
