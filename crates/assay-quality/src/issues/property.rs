//! CleanVision's image-property issues: dark, light, blurry,
//! low_information, odd_aspect_ratio, grayscale (per image) and odd_size
//! (relative to the dataset).

use assay_image::decode::ColorMode;
use assay_image::pil_image::PilMode;

use super::{GrayscaleRule, IssueConfig, IssueResult, IssueType, Measured, ModeView};
use crate::image_metrics::pil::percentile;
use crate::image_metrics::ImageMetrics;

/// Score and threshold of a type whose score depends on the image alone.
pub(super) fn per_image(t: IssueType, images: &[Measured<'_>], c: &IssueConfig) -> IssueResult {
    let threshold = match t {
        IssueType::Dark => c.dark_threshold,
        IssueType::Light => c.light_threshold,
        IssueType::Blurry => c.blurry_threshold,
        IssueType::LowInformation => c.low_information_threshold,
        IssueType::OddAspectRatio => c.odd_aspect_ratio_threshold,
        // CleanVision flags `1 - score` as a boolean: score 0 is flagged.
        _ => 1.0,
    };
    let scores = images
        .iter()
        .map(|m| m.ok().map(|m| score(t, m, c)))
        .collect();
    IssueResult::from_scores(t, threshold, scores)
}

fn score(t: IssueType, m: &ImageMetrics, c: &IssueConfig) -> f64 {
    let p = c.properties(m);
    match t {
        IssueType::Dark => p.brightness_percentiles[6],
        IssueType::Light => 1.0 - p.brightness_percentiles[1],
        IssueType::Blurry => blurry_score(p.blurriness, p.blurriness_grayscale_std, c),
        IssueType::LowInformation => low_information_score(p.entropy, c),
        IssueType::OddAspectRatio => m.aspect_ratio,
        IssueType::Grayscale => grayscale_score(m, c),
        _ => 1.0,
    }
}

/// CleanVision's `normalizing_factor * entropy`, capped at 1 (a NaN
/// entropy, Pillow's for a flat I or F image, stays NaN and is not
/// flagged, as in pandas).
fn low_information_score(entropy: f64, c: &IssueConfig) -> f64 {
    let s = c.low_information_normalizing_factor * entropy;
    if s > 1.0 {
        1.0
    } else {
        s
    }
}

/// `min(1, (1 - e^(-f·blurriness)) + s)` where `s = 1 - e^(-f·histogram
/// spread)`, or 0 when `s` is at most the colour threshold.
pub(super) fn blurry_score(blurriness: f64, grayscale_std: f64, c: &IssueConfig) -> f64 {
    let f = c.blurry_normalizing_factor;
    let blur = 1.0 - (-blurriness * f).exp();
    let spread = 1.0 - (-grayscale_std * f).exp();
    let spread = if spread <= c.blurry_color_threshold {
        0.0
    } else {
        spread
    };
    (blur + spread).min(1.0)
}

fn grayscale_score(m: &ImageMetrics, c: &IssueConfig) -> f64 {
    let grey = match (c.grayscale_rule, c.mode_view) {
        (GrayscaleRule::Mode, ModeView::Decoded) => m.mode == ColorMode::L,
        (GrayscaleRule::Mode, ModeView::Pillow) => m.pil_mode == PilMode::L,
        (GrayscaleRule::Pixels, _) => m.is_grayscale,
    };
    if grey {
        0.0
    } else {
        1.0
    }
}

/// CleanVision's `SizeProperty`: sizes `sqrt(w)·sqrt(h)`; fences
/// `q1 - k·IQR` and `q3 + k·IQR`; score `1 - clip(|size - mid| / gap)`
/// with `mid` the fences' middle and `gap` their distance (or `mid` itself
/// when the gap is 0, with threshold 1 instead of 0.5).
pub(super) fn odd_size(images: &[Measured<'_>], c: &IssueConfig) -> IssueResult {
    let sizes: Vec<f64> = images
        .iter()
        .filter_map(|m| m.ok())
        .map(|m| m.size)
        .collect();
    if sizes.is_empty() {
        let scores = images.iter().map(|_| None).collect();
        return IssueResult::from_scores(IssueType::OddSize, 0.5, scores);
    }
    let (q1, q3) = (percentile(&sizes, 25.0), percentile(&sizes, 75.0));
    let iqr = q3 - q1;
    let (lo, hi) = (
        q1 - c.odd_size_iqr_factor * iqr,
        q3 + c.odd_size_iqr_factor * iqr,
    );
    let mid = (lo + hi) / 2.0;
    let gap = hi - lo;
    let (norm, default_threshold) = if gap > 0.0 { (gap, 0.5) } else { (mid, 1.0) };
    let scores = images
        .iter()
        .map(|m| {
            m.ok()
                .map(|m| 1.0 - ((m.size - mid).abs() / norm).clamp(0.0, 1.0))
        })
        .collect();
    let threshold = c.odd_size_threshold.unwrap_or(default_threshold);
    IssueResult::from_scores(IssueType::OddSize, threshold, scores)
}
