//! Data and label quality for assay.
//!
//! Finds what is wrong with a dataset: degenerate, duplicated, leaked and
//! unreadable images, and wrong or missing labels. Issue types named after
//! CleanVision's follow its definitions and thresholds; classification label
//! errors follow cleanlab's confident learning exactly.
//!
//! - [`decode`]: one decode per image (libjpeg-turbo for JPEG, the `image`
//!   crate for the rest).
//! - [`image_metrics`]: everything measured on one image, in one pass.
//! - [`issues`]: issue types with scores and thresholds over all images.
//! - [`scan`]: a folder scanned on all cores with bounded memory.

pub mod decode;
pub mod image_metrics;
pub mod issues;
pub mod scan;

pub use image_metrics::{measure_bytes, measure_file, ImageHash, ImageMetrics, Unreadable};
pub use issues::{find_issues, IssueConfig, IssueReport, IssueResult, IssueType};
pub use scan::{scan_folder, ScanError, ScanReport, ScanRow};
