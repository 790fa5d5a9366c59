//! The per-image metrics as named columns, in one place: `assay scan`
//! writes them as a table and `assay quality` stores them per sample, under
//! the same names (CleanVision's where it has one).

use crate::image_metrics::ImageMetrics;

/// How to read one column's value from an image's metrics.
#[derive(Clone, Copy)]
pub enum Getter {
    /// A whole number (sizes, counts, 0/1 flags).
    Int(fn(&ImageMetrics) -> i64),
    /// A measurement.
    Float(fn(&ImageMetrics) -> f64),
    /// Text: formats, modes, hashes.
    Text(fn(&ImageMetrics) -> String),
}

/// One named column of the per-image metrics.
#[derive(Clone, Copy)]
pub struct MetricColumn {
    /// Column name.
    pub name: &'static str,
    /// How its value is read.
    pub get: Getter,
}

/// A column's value for one image.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue {
    /// A number (whole numbers widened).
    Number(f64),
    /// Text.
    Text(String),
}

impl MetricColumn {
    /// The column's value for one image.
    pub fn value(&self, m: &ImageMetrics) -> MetricValue {
        match self.get {
            Getter::Int(f) => MetricValue::Number(f(m) as f64),
            Getter::Float(f) => MetricValue::Number(f(m)),
            Getter::Text(f) => MetricValue::Text(f(m)),
        }
    }
}

const fn col(name: &'static str, get: Getter) -> MetricColumn {
    MetricColumn { name, get }
}

/// Every per-image metric, in table order. The brightness percentiles are
/// those of [`crate::image_metrics::brightness::PERCENTILES`].
pub const METRIC_COLUMNS: [MetricColumn; 37] = [
    col("format", Getter::Text(|m| m.format.name().to_string())),
    col("mode", Getter::Text(|m| m.mode.name().to_string())),
    col("width", Getter::Int(|m| i64::from(m.width))),
    col("height", Getter::Int(|m| i64::from(m.height))),
    col("aspect_ratio", Getter::Float(|m| m.aspect_ratio)),
    col("area", Getter::Int(|m| m.area as i64)),
    col("size", Getter::Float(|m| m.size)),
    col("file_size", Getter::Int(|m| m.file_size as i64)),
    col("brightness", Getter::Float(|m| m.brightness)),
    col(
        "brightness_perc_1",
        Getter::Float(|m| m.brightness_percentiles[0]),
    ),
    col(
        "brightness_perc_5",
        Getter::Float(|m| m.brightness_percentiles[1]),
    ),
    col(
        "brightness_perc_10",
        Getter::Float(|m| m.brightness_percentiles[2]),
    ),
    col(
        "brightness_perc_15",
        Getter::Float(|m| m.brightness_percentiles[3]),
    ),
    col(
        "brightness_perc_90",
        Getter::Float(|m| m.brightness_percentiles[4]),
    ),
    col(
        "brightness_perc_95",
        Getter::Float(|m| m.brightness_percentiles[5]),
    ),
    col(
        "brightness_perc_99",
        Getter::Float(|m| m.brightness_percentiles[6]),
    ),
    col("contrast", Getter::Float(|m| m.contrast)),
    col("blurriness", Getter::Float(|m| m.blurriness)),
    col(
        "blurriness_grayscale_std",
        Getter::Float(|m| m.blurriness_grayscale_std),
    ),
    col("entropy", Getter::Float(|m| m.entropy)),
    col("colourfulness", Getter::Float(|m| m.colourfulness)),
    col("saturation", Getter::Float(|m| m.saturation)),
    col("is_grayscale", Getter::Int(|m| i64::from(m.is_grayscale))),
    col("coloured_fraction", Getter::Float(|m| m.coloured_fraction)),
    col("shadows", Getter::Float(|m| m.shadows)),
    col("highlights", Getter::Float(|m| m.highlights)),
    col("clipped_fraction", Getter::Float(|m| m.clipped_fraction)),
    col("red_fraction", Getter::Float(|m| m.red_fraction)),
    col("green_fraction", Getter::Float(|m| m.green_fraction)),
    col("blue_fraction", Getter::Float(|m| m.blue_fraction)),
    col("noise", Getter::Float(|m| m.noise)),
    // Not judged on tiny or flat images: NaN (an empty cell) there.
    col(
        "fine_detail",
        Getter::Float(|m| m.fine_detail.unwrap_or(f64::NAN)),
    ),
    col(
        "coarse_detail",
        Getter::Float(|m| m.coarse_detail.unwrap_or(f64::NAN)),
    ),
    col("file_hash", Getter::Text(|m| m.file_hash.clone())),
    col("pixel_hash", Getter::Text(|m| m.pixel_hash.clone())),
    col("phash", Getter::Text(|m| m.phash.to_string())),
    col("dhash", Getter::Text(|m| m.dhash.to_string())),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image_metrics::brightness::PERCENTILES;

    #[test]
    fn percentile_columns_follow_the_percentiles() {
        let names: Vec<&str> = METRIC_COLUMNS.iter().map(|c| c.name).collect();
        let at = names.iter().position(|n| *n == "brightness").unwrap();
        for (k, p) in PERCENTILES.iter().enumerate() {
            assert_eq!(names[at + 1 + k], format!("brightness_perc_{p}"));
        }
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
    }
}
