//! Why label issues could not be computed.

use thiserror::Error;

/// An input cleanlab would reject (or, where noted, one assay rejects
/// because cleanlab's result would be meaningless).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LabelIssueError {
    /// No examples at all (cleanlab fails on `min()` of an empty sequence).
    #[error("no examples: labels and pred_probs are empty")]
    Empty,
    /// Fewer than two columns. cleanlab's scores are NaN or fail with one
    /// class; assay refuses it.
    #[error("pred_probs needs at least 2 classes (columns), got {0}")]
    TooFewColumns(usize),
    /// `pred_probs` does not hold `labels.len() x num_classes` values.
    #[error(
        "pred_probs has {values} values, but {examples} labels x {num_classes} classes \
         needs {}", examples * num_classes
    )]
    ShapeMismatch {
        /// Number of labels.
        examples: usize,
        /// Number of classes (columns).
        num_classes: usize,
        /// Number of probabilities given.
        values: usize,
    },
    /// A label without a column in `pred_probs`.
    #[error(
        "label {label} of example {index} has no column: pred_probs has {num_classes} classes \
         (labels must be 0..{num_classes})"
    )]
    LabelOutOfRange {
        /// Example index.
        index: usize,
        /// Its label.
        label: usize,
        /// Number of classes.
        num_classes: usize,
    },
    /// NaN or infinity in `pred_probs` (cleanlab lets NaN through silently;
    /// assay rejects it).
    #[error("pred_probs[{index}][{class}] is {value}, not a finite probability")]
    NonFinite {
        /// Example index.
        index: usize,
        /// Class (column).
        class: usize,
        /// The value.
        value: f64,
    },
    /// A probability outside cleanlab's accepted range `[-1e-6, 1 + 1e-6]`.
    #[error(
        "pred_probs[{index}][{class}] = {value} is outside [0, 1] (cleanlab allows 1e-6 of \
         slack); pass probabilities, e.g. a softmax of the logits"
    )]
    OutOfRange {
        /// Example index.
        index: usize,
        /// Class (column).
        class: usize,
        /// The value.
        value: f64,
    },
    /// `confidence_weighted_entropy` needs every probability in `[0, 1]`
    /// exactly (cleanlab's `get_normalized_entropy`).
    #[error(
        "pred_probs[{index}][{class}] = {value} is outside [0, 1]; confidence_weighted_entropy \
         needs every probability in [0, 1] exactly (clip them first)"
    )]
    OutsideUnitInterval {
        /// Example index.
        index: usize,
        /// Class (column).
        class: usize,
        /// The value.
        value: f64,
    },
    /// Every label is the same class (cleanlab: "Labels must contain at
    /// least 2 classes"; it accepts all-zero labels for some `filter_by`).
    #[error("labels must contain at least 2 classes, but every label is {0}")]
    SingleClass(usize),
    /// `num_to_remove_per_class` does not have one count per class.
    #[error("num_to_remove_per_class has {got} entries; it needs one per class ({expected})")]
    RemoveCountLength {
        /// Entries given.
        got: usize,
        /// Number of classes.
        expected: usize,
    },
    /// `num_to_remove_per_class` with a `filter_by` that cannot use it.
    #[error(
        "num_to_remove_per_class works only with filter_by prune_by_noise_rate, prune_by_class \
         or both, not {0}"
    )]
    RemoveCountUnsupported(&'static str),
    /// `frac_noise` outside `[0, 1]` (cleanlab does not check; the result
    /// would be meaningless).
    #[error("frac_noise must be in [0, 1], got {0}")]
    FracNoise(f64),
    /// An issue mask of the wrong length.
    #[error("the issue mask has {got} entries for {expected} examples")]
    MaskLength {
        /// Entries given.
        got: usize,
        /// Number of examples.
        expected: usize,
    },
    /// An unknown `filter_by`, score method or tie order name.
    #[error("unknown {kind} {name:?}; expected one of: {expected}")]
    UnknownName {
        /// What was being parsed.
        kind: &'static str,
        /// The name given.
        name: String,
        /// The accepted names.
        expected: String,
    },
}

/// Result of the label-issue functions.
pub type Result<T> = std::result::Result<T, LabelIssueError>;
