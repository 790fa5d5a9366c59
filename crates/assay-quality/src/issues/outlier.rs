//! Outliers by Tukey's rule on chosen metrics: a value outside
//! `[q1 - k·IQR, q3 + k·IQR]` over the dataset is an outlier. The score is
//! CleanVision's odd_size score applied to each metric (1 at the middle of
//! the fences, 0.5 on a fence, 0 a fence-width beyond), the lowest over the
//! metrics; flagged below 0.5. Metrics whose quartiles are equal are
//! skipped (every other value would be an outlier), and fewer than
//! [`MIN_IMAGES`] readable images give no outliers.

use serde::Serialize;

use super::{IssueConfig, IssueResult, IssueType, Measured};
use crate::image_metrics::pil::percentile;
use crate::image_metrics::ImageMetrics;

/// Fewest readable images for quartiles to mean anything.
pub const MIN_IMAGES: usize = 8;

/// Metrics the `outlier` type can check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum OutlierMetric {
    /// Mean brightness.
    Brightness,
    /// RMS contrast.
    Contrast,
    /// CleanVision's blurriness.
    Blurriness,
    /// Histogram entropy.
    Entropy,
    /// Colourfulness.
    Colourfulness,
    /// Mean saturation.
    Saturation,
    /// Noise estimate.
    Noise,
    /// `min(w/h, h/w)`.
    #[cfg_attr(feature = "clap", value(name = "aspect_ratio"))]
    AspectRatio,
    /// `sqrt(w)·sqrt(h)`.
    Size,
}

/// The metrics checked by default: appearance, not geometry (which
/// `odd_size` and `odd_aspect_ratio` cover).
pub const DEFAULT_OUTLIER_METRICS: [OutlierMetric; 7] = [
    OutlierMetric::Brightness,
    OutlierMetric::Contrast,
    OutlierMetric::Blurriness,
    OutlierMetric::Entropy,
    OutlierMetric::Colourfulness,
    OutlierMetric::Saturation,
    OutlierMetric::Noise,
];

impl OutlierMetric {
    /// The metric's column name.
    pub fn name(self) -> &'static str {
        match self {
            OutlierMetric::Brightness => "brightness",
            OutlierMetric::Contrast => "contrast",
            OutlierMetric::Blurriness => "blurriness",
            OutlierMetric::Entropy => "entropy",
            OutlierMetric::Colourfulness => "colourfulness",
            OutlierMetric::Saturation => "saturation",
            OutlierMetric::Noise => "noise",
            OutlierMetric::AspectRatio => "aspect_ratio",
            OutlierMetric::Size => "size",
        }
    }

    /// The metric's value for one image.
    pub fn value(self, m: &ImageMetrics) -> f64 {
        match self {
            OutlierMetric::Brightness => m.brightness,
            OutlierMetric::Contrast => m.contrast,
            OutlierMetric::Blurriness => m.blurriness,
            OutlierMetric::Entropy => m.entropy,
            OutlierMetric::Colourfulness => m.colourfulness,
            OutlierMetric::Saturation => m.saturation,
            OutlierMetric::Noise => m.noise,
            OutlierMetric::AspectRatio => m.aspect_ratio,
            OutlierMetric::Size => m.size,
        }
    }
}

/// Tukey fences of one metric over the dataset.
struct Fences {
    metric: OutlierMetric,
    low: f64,
    high: f64,
}

impl Fences {
    fn score(&self, v: f64) -> f64 {
        let mid = (self.low + self.high) / 2.0;
        1.0 - ((v - mid).abs() / (self.high - self.low)).clamp(0.0, 1.0)
    }
}

fn fences(metric: OutlierMetric, values: &[f64], k: f64) -> Option<Fences> {
    let (q1, q3) = (percentile(values, 25.0), percentile(values, 75.0));
    let iqr = q3 - q1;
    (iqr > 0.0).then_some(Fences {
        metric,
        low: q1 - k * iqr,
        high: q3 + k * iqr,
    })
}

pub(super) fn outliers(images: &[Measured<'_>], c: &IssueConfig) -> IssueResult {
    let readable: Vec<&ImageMetrics> = images.iter().filter_map(|m| m.ok()).collect();
    let all_fences: Vec<Fences> = if readable.len() < MIN_IMAGES {
        Vec::new()
    } else {
        c.outlier_metrics
            .iter()
            .filter_map(|&metric| {
                let values: Vec<f64> = readable.iter().map(|m| metric.value(m)).collect();
                fences(metric, &values, c.outlier_iqr_factor)
            })
            .collect()
    };
    let worst: Vec<Option<(f64, Option<&Fences>)>> = images
        .iter()
        .map(|m| m.ok().map(|m| worst_metric(m, &all_fences)))
        .collect();
    let scores = worst.iter().map(|w| w.map(|(s, _)| s)).collect();
    let mut result = IssueResult::from_scores(IssueType::Outlier, 0.5, scores);
    for flag in &mut result.flagged {
        if let (Some((_, Some(f))), Ok(m)) = (worst[flag.image], images[flag.image]) {
            flag.detail = Some(describe(f, f.metric.value(m)));
        }
    }
    result
}

fn worst_metric<'f>(m: &ImageMetrics, all: &'f [Fences]) -> (f64, Option<&'f Fences>) {
    all.iter()
        .map(|f| (f.score(f.metric.value(m)), Some(f)))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap_or((1.0, None))
}

fn describe(f: &Fences, v: f64) -> String {
    let (side, fence) = if v < f.low {
        ("below", f.low)
    } else {
        ("above", f.high)
    };
    format!("{} {:.4} {side} {:.4}", f.metric.name(), v, fence)
}
