//! The one error type of the classification metrics, and the input checks
//! every metric runs before computing anything.

/// Why a classification metric could not be computed from the given inputs.
///
/// Every variant names the offending value and position so that the user can
/// find it in their data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClassificationError {
    /// There are no samples.
    #[error("no samples: classification metrics need at least one label")]
    Empty,
    /// McNemar's chi-squared test on a table without discordant pairs (or
    /// more than `u64::MAX` of them).
    #[error(
        "the two classifiers never disagree on which samples they get right, so the          chi-squared McNemar statistic is 0/0; use the exact test (p = 1)"
    )]
    NoDiscordantPairs,
    /// `num_classes` is zero.
    #[error("num_classes is 0: pass the number of classes the model predicts")]
    NoClasses,
    /// A per-sample input does not have one entry per label.
    #[error(
        "{what} has {found} entries but there are {expected} labels; give exactly one per sample"
    )]
    LengthMismatch {
        /// Which input is too long or too short (`"predicted"`).
        what: &'static str,
        /// The number of labels.
        expected: usize,
        /// The number of entries found.
        found: usize,
    },
    /// The row-major score matrix does not have `samples x num_classes` values.
    #[error(
        "the score matrix has {found} values, expected {samples} samples x {num_classes} classes \
         = {expected} (row-major, one row per sample)"
    )]
    MatrixShape {
        /// The number of labels (rows).
        samples: usize,
        /// The number of classes (columns).
        num_classes: usize,
        /// `samples * num_classes`.
        expected: usize,
        /// The number of values given.
        found: usize,
    },
    /// A row-major score matrix whose length is not a multiple of `num_classes`.
    #[error(
        "the score matrix has {found} values, not a whole number of rows of {num_classes} \
         classes (row-major, one row per sample)"
    )]
    RaggedMatrix {
        /// The number of classes (columns).
        num_classes: usize,
        /// The number of values given.
        found: usize,
    },
    /// A class index is not below `num_classes`.
    #[error(
        "{what}[{index}] is class {value}, but classes are numbered 0..{num_classes}; \
         check the label mapping or pass a larger num_classes"
    )]
    ClassOutOfRange {
        /// Which input holds the index (`"labels"` or `"predicted"`).
        what: &'static str,
        /// The sample position.
        index: usize,
        /// The class index found.
        value: usize,
        /// The number of classes.
        num_classes: usize,
    },
    /// A score or probability is NaN or infinite.
    #[error("the score of sample {sample} for class {class} is {value}; scores must be finite")]
    NotFinite {
        /// The sample (row).
        sample: usize,
        /// The class (column).
        class: usize,
        /// The value found.
        value: f64,
    },
    /// A probability lies outside `[0, 1]`.
    #[error(
        "the probability of sample {sample} for class {class} is {value}, outside [0, 1]; \
         pass probabilities (apply a softmax to logits first)"
    )]
    NotAProbability {
        /// The sample (row).
        sample: usize,
        /// The class (column).
        class: usize,
        /// The value found.
        value: f64,
    },
    /// Top-k accuracy was asked for with `k = 0`.
    #[error("top-k accuracy needs k >= 1")]
    ZeroK,
    /// A calibration error was asked for with no bins.
    #[error("the calibration error needs at least one bin (n_bins >= 1)")]
    ZeroBins,
}

/// Shorthand for results of this module.
pub type Result<T> = std::result::Result<T, ClassificationError>;

/// Checks that there is at least one class and one label, and that every
/// label is a class index.
pub(crate) fn check_labels(labels: &[usize], num_classes: usize) -> Result<()> {
    if num_classes == 0 {
        return Err(ClassificationError::NoClasses);
    }
    if labels.is_empty() {
        return Err(ClassificationError::Empty);
    }
    check_classes("labels", labels, num_classes)
}

/// Checks `labels` and a predicted class per label.
pub(crate) fn check_predicted(
    labels: &[usize],
    predicted: &[usize],
    num_classes: usize,
) -> Result<()> {
    check_length("predicted", labels.len(), predicted.len())?;
    check_labels(labels, num_classes)?;
    check_classes("predicted", predicted, num_classes)
}

/// Checks `labels` and a row-major `labels.len() x num_classes` matrix of
/// finite scores.
pub(crate) fn check_scores(labels: &[usize], scores: &[f64], num_classes: usize) -> Result<()> {
    check_labels(labels, num_classes)?;
    let expected = labels.len() * num_classes;
    if scores.len() != expected {
        return Err(ClassificationError::MatrixShape {
            samples: labels.len(),
            num_classes,
            expected,
            found: scores.len(),
        });
    }
    check_finite(scores, num_classes)
}

fn check_finite(scores: &[f64], num_classes: usize) -> Result<()> {
    match first_bad(scores, num_classes, |v| !v.is_finite()) {
        Some((sample, class, value)) => Err(ClassificationError::NotFinite {
            sample,
            class,
            value,
        }),
        None => Ok(()),
    }
}

/// Checks a row-major score matrix on its own: at least one class and one
/// row, whole rows, finite values.
pub(crate) fn check_matrix(scores: &[f64], num_classes: usize) -> Result<()> {
    if num_classes == 0 {
        return Err(ClassificationError::NoClasses);
    }
    if scores.is_empty() {
        return Err(ClassificationError::Empty);
    }
    if !scores.chunks_exact(num_classes).remainder().is_empty() {
        return Err(ClassificationError::RaggedMatrix {
            num_classes,
            found: scores.len(),
        });
    }
    check_finite(scores, num_classes)
}

/// Checks like [`check_scores`], and that every score lies in `[0, 1]`.
pub(crate) fn check_probabilities(
    labels: &[usize],
    probs: &[f64],
    num_classes: usize,
) -> Result<()> {
    check_scores(labels, probs, num_classes)?;
    match first_bad(probs, num_classes, |v| !(0.0..=1.0).contains(&v)) {
        Some((sample, class, value)) => Err(ClassificationError::NotAProbability {
            sample,
            class,
            value,
        }),
        None => Ok(()),
    }
}

fn check_length(what: &'static str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(ClassificationError::LengthMismatch {
            what,
            expected,
            found,
        })
    }
}

fn check_classes(what: &'static str, classes: &[usize], num_classes: usize) -> Result<()> {
    match classes.iter().position(|&c| c >= num_classes) {
        Some(index) => Err(ClassificationError::ClassOutOfRange {
            what,
            index,
            value: classes[index],
            num_classes,
        }),
        None => Ok(()),
    }
}

/// The (sample, class, value) of the first matrix entry for which `bad` holds.
fn first_bad(
    matrix: &[f64],
    num_classes: usize,
    bad: impl Fn(f64) -> bool,
) -> Option<(usize, usize, f64)> {
    let at = matrix.iter().position(|&v| bad(v))?;
    Some((at / num_classes, at % num_classes, matrix[at]))
}
