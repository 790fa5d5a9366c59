//! Issue detection over per-image metrics.
//!
//! Every issue type gives each image a score in [0, 1], lower is worse, and
//! flags images whose score is below the type's threshold. The types named
//! after CleanVision's follow CleanVision 0.3.7 (`image_property.py`,
//! `image_property_issue_manager.py`, `duplicate_issue_manager.py`): the
//! same scores, normalisations and default thresholds. Two of them depend on
//! the whole dataset: `odd_size` (distance from the middle of the IQR fences
//! of all sizes) and the duplicate types (one over the group's size).
//! `odd_aspect_ratio` is not dataset-relative in CleanVision 0.3.7: its
//! score is the image's own `min(w/h, h/w)`.
//!
//! CleanVision measures every image as Pillow opens it, in its own mode:
//! a palette image by its indices, mode 1 as 0/1, a 16-bit image by its
//! 16-bit values, CMYK as stored. assay measures the decoded 8-bit L, LA,
//! RGB or RGBA image. [`IssueConfig::mode_view`] says which of the two
//! CleanVision's types read ([`ModeView`]); `--preset cleanvision`
//! ([`IssueConfig::cleanvision`]) takes Pillow's, assay's default keeps the
//! decoded one. assay's own types always read the decoded image.
//!
//! assay's own types sit beside them and find the cases CleanVision
//! misses: `underexposed`, `overexposed`, `soft` (blur at full resolution),
//! `monochrome` (greyscale pixels in any file mode) and `low_contrast`
//! (flat tones) per image, `unusual_size` (the longer side against the
//! dataset's median) (`own.rs`), and `similar` (pHash within a radius, flat
//! images left out) over the dataset.

mod duplicates;
mod outlier;
mod own;
mod property;
mod split_leak;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::image_metrics::{CleanVisionProperties, ImageMetrics};
pub use duplicates::{exact_duplicate_groups, near_duplicate_groups, MAX_NEAR_RADIUS};
pub use outlier::{OutlierMetric, DEFAULT_OUTLIER_METRICS};
pub use own::{low_contrast_score, overexposed_score, soft_score, underexposed_score};
pub use split_leak::{is_training_split, split_leaks, SplitLeak, SplitLeaks};

/// The kinds of issue found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum IssueType {
    /// Too dark (CleanVision `dark`).
    Dark,
    /// Too bright (CleanVision `light`).
    Light,
    /// Blurry (CleanVision `blurry`).
    Blurry,
    /// Little information (CleanVision `low_information`).
    #[cfg_attr(feature = "clap", value(name = "low_information"))]
    LowInformation,
    /// Extreme shape (CleanVision `odd_aspect_ratio`).
    #[cfg_attr(feature = "clap", value(name = "odd_aspect_ratio"))]
    OddAspectRatio,
    /// Unusually small or large for the dataset (CleanVision `odd_size`).
    #[cfg_attr(feature = "clap", value(name = "odd_size"))]
    OddSize,
    /// Greyscale (CleanVision `grayscale`).
    Grayscale,
    /// Identical pixels to another image (CleanVision `exact_duplicates`).
    #[cfg_attr(feature = "clap", value(name = "exact_duplicates"))]
    ExactDuplicates,
    /// Same perceptual hash, within a radius (CleanVision `near_duplicates`).
    #[cfg_attr(feature = "clap", value(name = "near_duplicates"))]
    NearDuplicates,
    /// The file could not be decoded.
    Unreadable,
    /// A metric far outside the dataset's interquartile fences.
    Outlier,
    /// assay's: the brightest tones stay below mid-grey.
    Underexposed,
    /// assay's: washed out (no tone darker than light grey).
    Overexposed,
    /// assay's: little detail at full resolution (blur, focus, upscaling).
    Soft,
    /// assay's: no colour in the pixels, whatever the file's mode.
    Monochrome,
    /// assay's: pHash within a radius of another image's (crops, resizes,
    /// re-encodes), flat images left out.
    Similar,
    /// assay's: tones barely vary, even for the image's exposure (a blank
    /// frame, a flat colour with faint noise, a faded photo).
    #[cfg_attr(feature = "clap", value(name = "low_contrast"))]
    LowContrast,
    /// assay's: the longer side is far shorter or longer than the dataset's
    /// median longer side (thumbnails, icons, stray huge scans).
    #[cfg_attr(feature = "clap", value(name = "unusual_size"))]
    UnusualSize,
}

impl IssueType {
    /// Every issue type, in report order (assay's own after CleanVision's
    /// counterpart).
    pub const ALL: [IssueType; 18] = [
        IssueType::Unreadable,
        IssueType::ExactDuplicates,
        IssueType::NearDuplicates,
        IssueType::Similar,
        IssueType::Dark,
        IssueType::Underexposed,
        IssueType::Light,
        IssueType::Overexposed,
        IssueType::Blurry,
        IssueType::Soft,
        IssueType::LowInformation,
        IssueType::LowContrast,
        IssueType::Grayscale,
        IssueType::Monochrome,
        IssueType::OddAspectRatio,
        IssueType::OddSize,
        IssueType::UnusualSize,
        IssueType::Outlier,
    ];

    /// CleanVision 0.3.7's issue types (its defaults, `--preset cleanvision`).
    pub const CLEANVISION: [IssueType; 9] = [
        IssueType::ExactDuplicates,
        IssueType::NearDuplicates,
        IssueType::Dark,
        IssueType::Light,
        IssueType::Blurry,
        IssueType::LowInformation,
        IssueType::Grayscale,
        IssueType::OddAspectRatio,
        IssueType::OddSize,
    ];

    /// The snake_case name (CleanVision's for its types).
    pub fn name(self) -> &'static str {
        match self {
            IssueType::Dark => "dark",
            IssueType::Light => "light",
            IssueType::Blurry => "blurry",
            IssueType::LowInformation => "low_information",
            IssueType::OddAspectRatio => "odd_aspect_ratio",
            IssueType::OddSize => "odd_size",
            IssueType::Grayscale => "grayscale",
            IssueType::ExactDuplicates => "exact_duplicates",
            IssueType::NearDuplicates => "near_duplicates",
            IssueType::Unreadable => "unreadable",
            IssueType::Outlier => "outlier",
            IssueType::Underexposed => "underexposed",
            IssueType::Overexposed => "overexposed",
            IssueType::Soft => "soft",
            IssueType::Monochrome => "monochrome",
            IssueType::Similar => "similar",
            IssueType::LowContrast => "low_contrast",
            IssueType::UnusualSize => "unusual_size",
        }
    }

    /// Whether one image's measurements decide it (absolute thresholds),
    /// rather than a comparison with the other images (duplicates, sizes,
    /// outliers) or the reading of the file (unreadable).
    pub fn judged_alone(self) -> bool {
        !matches!(
            self,
            IssueType::Unreadable
                | IssueType::ExactDuplicates
                | IssueType::NearDuplicates
                | IssueType::Similar
                | IssueType::OddSize
                | IssueType::UnusualSize
                | IssueType::Outlier
        )
    }

    /// One line saying what the score measures, for people.
    pub fn explanation(self) -> &'static str {
        match self {
            IssueType::Dark => {
                "99th percentile of pixel brightness is low: the image is mostly dark"
            }
            IssueType::Light => {
                "5th percentile of pixel brightness is high: the image is washed out"
            }
            IssueType::Blurry => {
                "few edges in the image shrunk to 64 px (and its histogram is not flat)"
            }
            IssueType::LowInformation => "histogram entropy is low: few distinct pixel values",
            IssueType::OddAspectRatio => "width and height are very unequal",
            IssueType::OddSize => "size far outside the dataset's interquartile range of sizes",
            IssueType::Grayscale => "stored as a single greyscale channel",
            IssueType::ExactDuplicates => "decodes to exactly the same pixels as other images",
            IssueType::NearDuplicates => "perceptual hash (pHash) equal or close to other images'",
            IssueType::Unreadable => {
                "the file is empty, truncated, corrupt or not a supported image"
            }
            IssueType::Outlier => "a metric lies far outside the dataset's interquartile fences",
            IssueType::Underexposed => {
                "dim, and the brightest 0.1% of pixels are darker than mid-grey: it could be twice as bright"
            }
            IssueType::Overexposed => "washed out: no tone darker than light grey",
            IssueType::Soft => "little detail at full resolution: blurred, out of focus or upscaled",
            IssueType::Monochrome => {
                "under 0.1% of the pixels show any colour, and that colour is faint next to the contrast"
            }
            IssueType::Similar => {
                "perceptual hash within a few bits of another image's: a crop, resize or re-encode"
            }
            IssueType::LowContrast => {
                "tones barely vary: RMS contrast under 5% of the room between the mean and black or white"
            }
            IssueType::UnusualSize => {
                "longer side under a quarter, or over four times, the dataset's median longer side"
            }
        }
    }
}

impl fmt::Display for IssueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An issue type name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown issue type `{0}` (known: {known})", known = known_names())]
pub struct UnknownIssueType(pub String);

fn known_names() -> String {
    IssueType::ALL.map(IssueType::name).join(", ")
}

impl FromStr for IssueType {
    type Err = UnknownIssueType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        IssueType::ALL
            .into_iter()
            .find(|t| t.name() == wanted)
            .ok_or_else(|| UnknownIssueType(s.to_string()))
    }
}

/// What counts as greyscale for the `grayscale` issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum GrayscaleRule {
    /// CleanVision's: the decoded image has PIL mode `L` (one channel).
    Mode,
    /// Every pixel has equal channels, also in RGB files.
    Pixels,
}

/// Which form of each image CleanVision's issue types measure (dark, light,
/// blurry, low_information, grayscale, exact_duplicates, near_duplicates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModeView {
    /// assay's: the decoded 8-bit L, LA, RGB or RGBA pixels (palette
    /// colours, 16-bit values scaled to 8 bits, CMYK turned into RGB).
    Decoded,
    /// CleanVision's: the image as Pillow opens it, in its own mode
    /// (palette indices, mode 1 as 0/1, 16-bit values as stored, CMYK as
    /// stored); `grayscale` flags Pillow's mode L only, and exact
    /// duplicates compare NumPy's bytes of that image, without its size.
    Pillow,
}

/// Thresholds and parameters; the default is CleanVision's for its types
/// and assay's for its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueConfig {
    /// Issue types to find (all by default).
    pub issue_types: Vec<IssueType>,
    /// `dark` flags a 99th brightness percentile below this (0.32).
    pub dark_threshold: f64,
    /// `light` flags `1 - 5th percentile` below this (0.05).
    pub light_threshold: f64,
    /// `odd_aspect_ratio` flags `min(w/h, h/w)` below this (0.35).
    pub odd_aspect_ratio_threshold: f64,
    /// `low_information` flags `min(1, factor * entropy)` below this (0.3).
    pub low_information_threshold: f64,
    /// `low_information`'s normalising factor (0.1).
    pub low_information_normalizing_factor: f64,
    /// `blurry` flags its score below this (0.29).
    pub blurry_threshold: f64,
    /// `blurry`'s normalising factor (0.01).
    pub blurry_normalizing_factor: f64,
    /// `blurry`: histogram-spread scores up to this count as 0 (0.18).
    pub blurry_color_threshold: f64,
    /// `odd_size`'s IQR factor (3.0).
    pub odd_size_iqr_factor: f64,
    /// `odd_size`'s threshold; `None` is CleanVision's rule: 0.5, or 1.0
    /// when all sizes' quartiles are equal.
    pub odd_size_threshold: Option<f64>,
    /// What `grayscale` means.
    pub grayscale_rule: GrayscaleRule,
    /// Which form of each image CleanVision's types measure (the decoded
    /// one by default; Pillow's under [`IssueConfig::cleanvision`]).
    pub mode_view: ModeView,
    /// Largest pHash Hamming distance inside a near-duplicate group
    /// (0, CleanVision's: equal hashes).
    pub near_radius: u32,
    /// `outlier`'s IQR factor (3.0).
    pub outlier_iqr_factor: f64,
    /// Metrics the `outlier` type checks.
    pub outlier_metrics: Vec<OutlierMetric>,
    /// `underexposed` flags its score below this (0.5: see
    /// `underexposed_score`).
    pub underexposed_threshold: f64,
    /// `overexposed` flags its score below this (0.5: see `overexposed_score`).
    pub overexposed_threshold: f64,
    /// `soft` flags its score below this (1/3: a detail ratio under 1/3).
    pub soft_threshold: f64,
    /// `monochrome` flags its score below this (0.1: under 0.1% coloured).
    pub monochrome_threshold: f64,
    /// `low_contrast` flags its score below this (0.5: see
    /// `low_contrast_score`).
    pub low_contrast_threshold: f64,
    /// `unusual_size` flags a longer side under this fraction of the
    /// dataset's median longer side, or over its inverse (0.25).
    pub unusual_size_threshold: f64,
    /// Largest pHash Hamming distance inside a `similar` group (8).
    pub similar_radius: u32,
    /// Largest dHash Hamming distance confirming a `similar` pair (16).
    pub similar_dhash_radius: u32,
    /// Images with an RMS contrast below this take no part in `similar`
    /// (0.01: their hashes are noise).
    pub similar_min_contrast: f64,
}

impl Default for IssueConfig {
    fn default() -> Self {
        IssueConfig {
            issue_types: IssueType::ALL.to_vec(),
            dark_threshold: 0.32,
            light_threshold: 0.05,
            odd_aspect_ratio_threshold: 0.35,
            low_information_threshold: 0.3,
            low_information_normalizing_factor: 0.1,
            blurry_threshold: 0.29,
            blurry_normalizing_factor: 0.01,
            blurry_color_threshold: 0.18,
            odd_size_iqr_factor: 3.0,
            odd_size_threshold: None,
            grayscale_rule: GrayscaleRule::Mode,
            mode_view: ModeView::Decoded,
            near_radius: 0,
            outlier_iqr_factor: 3.0,
            outlier_metrics: DEFAULT_OUTLIER_METRICS.to_vec(),
            underexposed_threshold: 0.5,
            overexposed_threshold: 0.5,
            soft_threshold: 1.0 / 3.0,
            monochrome_threshold: 0.1,
            low_contrast_threshold: 0.5,
            unusual_size_threshold: 0.25,
            similar_radius: 8,
            similar_dhash_radius: 16,
            similar_min_contrast: 0.01,
        }
    }
}

impl IssueConfig {
    /// `--preset cleanvision`: CleanVision 0.3.7's issue types, its
    /// parameters, and every image measured as Pillow opens it
    /// ([`ModeView::Pillow`]).
    pub fn cleanvision() -> Self {
        IssueConfig {
            issue_types: IssueType::CLEANVISION.to_vec(),
            mode_view: ModeView::Pillow,
            ..IssueConfig::default()
        }
    }

    /// CleanVision's properties of an image in this configuration's view.
    pub fn properties(&self, m: &ImageMetrics) -> CleanVisionProperties {
        match self.mode_view {
            ModeView::Decoded => m.decoded_properties(),
            ModeView::Pillow => m.pillow_properties(),
        }
    }
}

/// One flagged image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    /// Index of the image in the input.
    pub image: usize,
    /// Its score (lower is worse).
    pub score: f64,
    /// What made it flagged, where the score alone does not say (the
    /// outlying metric, the decoder's message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The outcome of one issue type over all images.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueResult {
    /// The issue type.
    pub issue_type: IssueType,
    /// Images with a score below this are flagged.
    pub threshold: f64,
    /// Each image's score, by input index; `None` for images that could not
    /// be scored (unreadable ones, for every type but `unreadable`).
    pub scores: Vec<Option<f64>>,
    /// Flagged images, worst (lowest score) first.
    pub flagged: Vec<Flag>,
    /// For the duplicate types: the groups, each sorted, ordered by their
    /// first image.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Vec<usize>>,
}

impl IssueResult {
    fn from_scores(issue_type: IssueType, threshold: f64, scores: Vec<Option<f64>>) -> Self {
        let mut flagged: Vec<Flag> = scores
            .iter()
            .enumerate()
            .filter_map(|(image, s)| s.filter(|&s| s < threshold).map(|score| (image, score)))
            .map(|(image, score)| Flag {
                image,
                score,
                detail: None,
            })
            .collect();
        flagged.sort_by(|a, b| a.score.total_cmp(&b.score).then(a.image.cmp(&b.image)));
        IssueResult {
            issue_type,
            threshold,
            scores,
            flagged,
            groups: Vec::new(),
        }
    }

    /// Whether image `i` is flagged.
    pub fn is_flagged(&self, i: usize) -> bool {
        self.scores[i].is_some_and(|s| s < self.threshold)
    }
}

/// Every requested issue type's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueReport {
    /// Number of images looked at (readable or not).
    pub images: usize,
    /// One result per requested type, in [`IssueType::ALL`]'s order.
    pub results: Vec<IssueResult>,
}

impl IssueReport {
    /// The result of one type, if it was requested.
    pub fn get(&self, issue_type: IssueType) -> Option<&IssueResult> {
        self.results.iter().find(|r| r.issue_type == issue_type)
    }
}

/// One image as issue detection sees it: its metrics, or why it could not
/// be read.
pub type Measured<'a> = Result<&'a ImageMetrics, &'a str>;

/// Finds the configured issue types over all images (by input index).
pub fn find_issues(images: &[Measured<'_>], config: &IssueConfig) -> IssueReport {
    let results = IssueType::ALL
        .into_iter()
        .filter(|t| config.issue_types.contains(t))
        .map(|t| issue_result(t, images, config))
        .collect();
    IssueReport {
        images: images.len(),
        results,
    }
}

fn issue_result(t: IssueType, images: &[Measured<'_>], config: &IssueConfig) -> IssueResult {
    match t {
        IssueType::Unreadable => unreadable(images),
        IssueType::ExactDuplicates => duplicates::exact(images, config.mode_view),
        IssueType::NearDuplicates => duplicates::near(images, config),
        IssueType::Similar => duplicates::similar(images, config),
        IssueType::OddSize => property::odd_size(images, config),
        IssueType::Outlier => outlier::outliers(images, config),
        IssueType::UnusualSize => own::unusual_size(images, config),
        IssueType::Underexposed
        | IssueType::Overexposed
        | IssueType::Soft
        | IssueType::Monochrome
        | IssueType::LowContrast => own::per_image(t, images, config),
        other => property::per_image(other, images, config),
    }
}

fn unreadable(images: &[Measured<'_>]) -> IssueResult {
    let scores = images
        .iter()
        .map(|m| Some(if m.is_ok() { 1.0 } else { 0.0 }))
        .collect();
    let mut result = IssueResult::from_scores(IssueType::Unreadable, 1.0, scores);
    for flag in &mut result.flagged {
        flag.detail = images[flag.image].err().map(str::to_string);
    }
    result
}

#[cfg(test)]
mod tests;
