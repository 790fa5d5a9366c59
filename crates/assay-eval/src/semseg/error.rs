//! Errors of the semantic segmentation metrics.

/// Why an accumulator could not be built, fed or merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SemsegError {
    /// `num_classes` is 0.
    #[error("semantic segmentation needs at least one class, got num_classes = 0")]
    NoClasses,
    /// `num_classes` is beyond [`MAX_CLASSES`](super::MAX_CLASSES).
    #[error(
        "num_classes = {num_classes} is more than the {max} classes supported; \
         is it the number of classes and not, say, a pixel count?"
    )]
    TooManyClasses {
        /// The number given.
        num_classes: usize,
        /// The largest number supported.
        max: usize,
    },
    /// Class names were given, but not one per class.
    #[error(
        "{names} class names given for {num_classes} classes, \
         expected one name per class index, in order"
    )]
    ClassNames {
        /// Number of names given.
        names: usize,
        /// Number of classes of the accumulator.
        num_classes: usize,
    },
    /// Prediction and label of one image have different pixel counts.
    #[error(
        "the prediction has {pred} pixels but the label mask has {label}, \
         expected masks of the same size (resize the prediction to the label first)"
    )]
    LengthMismatch {
        /// Pixels in the prediction.
        pred: usize,
        /// Pixels in the label mask.
        label: usize,
    },
    /// A predicted value is not a class index ([`OutOfRange::Error`](super::OutOfRange::Error)).
    #[error(
        "predicted value {value} at pixel {pixel} is not a class index, \
         expected 0..={max} for {num_classes} classes \
         (OutOfRange::Count drops such pixels and counts them, as mmseg does)",
        max = .num_classes - 1
    )]
    PredictionOutOfRange {
        /// The value found.
        value: u32,
        /// Index of the pixel in the flat mask.
        pixel: usize,
        /// Number of classes of the accumulator.
        num_classes: usize,
    },
    /// A label is neither a class index nor ignored ([`OutOfRange::Error`](super::OutOfRange::Error)).
    #[error(
        "label value {raw}{reduced} at pixel {pixel} is not a class index, \
         expected 0..={max} for {num_classes} classes or the ignore index {ignore_index} \
         (OutOfRange::Count drops such pixels and counts them, as mmseg does)",
        reduced = reduced_note(.raw, .reduced),
        max = .num_classes - 1
    )]
    LabelOutOfRange {
        /// The value in the mask.
        raw: u32,
        /// The value after `reduce_zero_label`, which is what was checked.
        reduced: u32,
        /// Index of the pixel in the flat mask.
        pixel: usize,
        /// Number of classes of the accumulator.
        num_classes: usize,
        /// The ignore index of the accumulator.
        ignore_index: u32,
    },
    /// Two accumulators with different settings cannot be merged.
    #[error("cannot merge semantic segmentation totals: {setting} differs ({ours} here, {theirs} in the other)")]
    MergeMismatch {
        /// The setting that differs.
        setting: &'static str,
        /// Its value in the accumulator merged into.
        ours: String,
        /// Its value in the accumulator merged from.
        theirs: String,
    },
    /// An image of a batch failed; nothing of the batch was added.
    #[error("image {index} of the batch: {error}")]
    InImage {
        /// Position of the image in the batch.
        index: usize,
        /// What was wrong with it.
        error: Box<SemsegError>,
    },
}

/// ` (N after reduce_zero_label)` when the label was remapped.
fn reduced_note(raw: &u32, reduced: &u32) -> String {
    if raw == reduced {
        String::new()
    } else {
        format!(" ({reduced} after reduce_zero_label)")
    }
}
