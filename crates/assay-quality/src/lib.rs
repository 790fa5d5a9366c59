//! Data and label quality for assay.
//!
//! Finds what is wrong with a dataset: degenerate, duplicated, leaked and
//! unreadable images, and wrong or missing labels. Issue types named after
//! CleanVision's follow its definitions and thresholds; classification label
//! errors follow cleanlab's confident learning exactly, and object-detection
//! label issues cleanlab's `object_detection` (ObjectLab).

#![warn(missing_docs)]

pub mod annotations;
pub mod detection_labels;
pub mod label_issues;
pub mod neighbours;
pub mod stats;
pub mod truth;
