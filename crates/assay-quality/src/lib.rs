//! Data and label quality for assay.
//!
//! Finds what is wrong with a dataset: degenerate, duplicated, leaked and
//! unreadable images, and wrong or missing labels. Issue types named after
//! CleanVision's follow its definitions and thresholds; classification label
//! errors follow cleanlab's confident learning exactly, and object-detection
//! label issues cleanlab's `object_detection` (ObjectLab).
//!
//! - [`image_metrics`]: everything measured on one image, in one pass, on
//!   pixels decoded once by `assay_image::decode` (libjpeg-turbo for JPEG,
//!   the `image` crate for the rest).
//! - [`issues`]: issue types with scores and thresholds over all images.
//! - [`scan`]: a folder scanned on all cores with bounded memory.
//! - [`columns`]: the per-image metrics as named columns.
//! - [`annotations`]: per-box metrics and annotation issues.
//! - [`label_issues`], [`detection_labels`]: cleanlab's label-error methods.
//! - [`mistakenness`]: FiftyOne Brain's mistakenness, missing and spurious
//!   objects and hardness, and assay's flags of wrong classes, bad boxes and
//!   missing labels from a model's predictions.
//!
//! Where this differs from running CleanVision 0.3.7:
//! - Unreadable files (empty, truncated, corrupt, not images) are recorded
//!   as the `unreadable` issue; CleanVision's run fails on them.
//! - Files are found by extension (jpg, jpeg, png, bmp, gif, tif, tiff,
//!   webp, any case; hidden files skipped); CleanVision also takes jp2 and
//!   not bmp or tif.
//! - By default everything is measured on 8-bit L, LA, RGB or RGBA pixels.
//!   PIL keeps palette (P), mode 1, 16-bit and CMYK images in their own
//!   modes, where CleanVision measures palette indices, 0/1, raw 16-bit
//!   values and CMYK bands, or fails (LA, PA); here palettes are expanded,
//!   16-bit values reduced to 8 bits and CMYK converted to RGB.
//!   `IssueConfig::cleanvision()` (`--preset cleanvision`) measures
//!   CleanVision's types on Pillow's form instead ([`issues::ModeView`]),
//!   LA and PA by their first band.
//! - Exact duplicates compare XXH3-128 of the pixels with the image's size
//!   and channel count (CleanVision: MD5 of the pixel bytes alone, which
//!   the Pillow view reproduces with XXH3-128 of the same bytes).
//! - pHash's DCT is summed directly in double precision instead of by
//!   FFTPACK (constant rows and columns give its exact zeros); a bit can
//!   differ only when a coefficient ties the median to about 1e-12.
//! - `near_duplicates` accepts a Hamming radius (CleanVision: equal hashes,
//!   the default here too), and `unreadable` and `outlier` are extra types.
//!
//! assay's own issue types, beside CleanVision's (all on by default; the
//! CLI's `--preset cleanvision` leaves them out), find the milder cases:
//! - `underexposed`: the brightest 0.1% of pixels darker than mid-grey and
//!   the mean colour more than a stop below middle grey;
//! - `overexposed`: washed out (darkest 1% lighter than 80% grey);
//! - `soft`: blur at full resolution, from the ratio of detail at
//!   neighbouring scales (below 1/3, where 1/4 means none and 1/2 step edges);
//! - `monochrome`: under 0.1% of the pixels show colour, whatever the file's
//!   mode (greyscale stored as RGB);
//! - `similar`: pHash within 8 bits of another image's (crops, resizes,
//!   re-encodes), nearly flat images left out;
//! - `low_contrast`: RMS contrast under 5% of the room between the
//!   greyscale mean and black or white (blank frames, flat colours, faded
//!   photos);
//! - `unusual_size`: the longer side under a quarter, or over four times,
//!   the dataset's median longer side.

#![warn(missing_docs)]

pub mod annotations;
pub mod columns;
pub mod detection_labels;
pub mod image_metrics;
pub mod issues;
pub mod label_issues;
pub mod mistakenness;
pub mod neighbours;
pub mod scan;
pub mod stats;
pub mod truth;

pub use image_metrics::{measure_bytes, measure_file, ImageMetrics, Unreadable};
pub use issues::{find_issues, IssueConfig, IssueReport, IssueResult, IssueType, ModeView};
pub use scan::{scan_folder, ScanError, ScanReport, ScanRow};
