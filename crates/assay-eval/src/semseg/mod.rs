//! Semantic segmentation metrics, computed as mmsegmentation 1.x does.
//!
//! [`SemsegAccumulator`] follows mmseg's `IoUMetric`
//! (`mmseg/evaluation/metrics/iou_metric.py`): every image adds its per-class
//! areas (intersection, union, predicted pixels, labelled pixels) to dataset
//! totals, and [`SemsegAccumulator::finish`] turns the totals into ratios
//! only at the end, as `total_area_to_metrics` does. Pixels whose label is
//! the ignore index are left out. With `reduce_zero_label` the label is first
//! remapped as mmseg's `LoadAnnotations` does: 0 becomes the ignore index,
//! the ignore index stays, every other value `v` becomes `v - 1` (so `v`
//! equal to `ignore_index + 1` is ignored too).
//!
//! The [`SemsegReport`] holds, per class, IoU, Dice, Acc (recall), Precision,
//! Recall and F-score (β = 1), and overall aAcc plus the means mIoU, mAcc,
//! mDice, mFscore, mPrecision and mRecall. A class whose denominator is 0
//! gets NaN and the means skip it, like `np.nanmean`; NaN is written as
//! `null` when the report is serialized. As in mmseg, a class that is both
//! predicted and labelled but never overlaps has an F-score of 0 / 0 = NaN
//! (its IoU and Dice are 0), so mFscore skips it.
//!
//! # Values that are not classes
//!
//! mmseg counts areas with `torch.histc` over `[0, num_classes - 1]`, which
//! silently drops predicted or label values outside that range (the pixel
//! still counts on the other side: a bad label with a valid prediction adds
//! to that class's predicted area). By default ([`OutOfRange::Count`]) this
//! module does the same and counts such pixels, so the report can say how
//! many there were; [`OutOfRange::Error`] rejects the image instead.
//!
//! # Deliberate differences from mmseg
//!
//! - Areas are exact `u64` counts and ratios are `f64`. mmseg's histograms
//!   are float32 tensors, exact only up to 2^24 pixels per class, and its
//!   ratios carry float32 rounding (about 1e-7).
//! - Metrics are fractions in `[0, 1]`; mmseg's summary prints
//!   `round(100 * x, 2)`.
//! - With `num_classes == 1`, `torch.histc(min=0, max=0)` falls back to the
//!   data's own range and counts every value as class 0; here values other
//!   than 0 are out of range, as for any other class count.
//! - An empty dataset makes mmseg fail an assertion; here the report has no
//!   pixels and every metric is NaN.
//!
//! Image decoding lives elsewhere: this module takes flat label slices.

mod accumulator;
mod error;
mod report;
#[cfg(test)]
mod tests;

pub use accumulator::{OutOfRange, SemsegAccumulator, DEFAULT_IGNORE_INDEX, MAX_CLASSES};
pub use error::SemsegError;
pub use report::{ClassMetrics, SemsegReport};
