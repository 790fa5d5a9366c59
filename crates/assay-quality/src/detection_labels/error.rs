//! What can be wrong with the inputs.

use thiserror::Error;

/// An input that the detection label checks cannot use.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DetectionLabelError {
    /// A box's class is not below the number of classes.
    #[error(
        "image {image}: {kind} {index} has class {class}, but there are {num_classes} classes"
    )]
    ClassOutOfRange {
        /// Position of the image.
        image: usize,
        /// "label" or "prediction".
        kind: &'static str,
        /// Position of the box in its image.
        index: usize,
        /// Its class.
        class: usize,
        /// The number of classes.
        num_classes: usize,
    },
    /// A box with a non-finite coordinate or a negative size.
    #[error(
        "image {image}: {kind} {index} has box {bbox:?} ([x, y, w, h]); coordinates must be \
         finite and sizes not negative"
    )]
    InvalidBox {
        /// Position of the image.
        image: usize,
        /// "label" or "prediction".
        kind: &'static str,
        /// Position of the box in its image.
        index: usize,
        /// The box as `[x, y, w, h]`.
        bbox: [f64; 4],
    },
    /// A prediction whose confidence is not a probability.
    #[error("image {image}: prediction {index} has score {score}; scores must lie in [0, 1]")]
    InvalidScore {
        /// Position of the image.
        image: usize,
        /// Position of the prediction in its image.
        index: usize,
        /// The score.
        score: f64,
    },
    /// Parameters cleanlab would reject or that are not numbers.
    #[error("invalid parameters: {0}")]
    InvalidParams(String),
    /// An annotation (ground truth or prediction) of an unknown image.
    #[error("{kind} {id} belongs to image {sample_id}, which is not in the dataset")]
    UnknownImage {
        /// "annotation" or "prediction".
        kind: &'static str,
        /// The annotation's id.
        id: i64,
        /// The image it names.
        sample_id: i64,
    },
    /// An annotation (ground truth or prediction) of an unknown category.
    #[error("{kind} {id} has category {category_id}, which is not in the dataset")]
    UnknownCategory {
        /// "annotation" or "prediction".
        kind: &'static str,
        /// The annotation's id.
        id: i64,
        /// The category it names.
        category_id: i64,
    },
    /// A prediction without a score.
    #[error("prediction {id} has no score")]
    MissingScore {
        /// The prediction's id.
        id: i64,
    },
    /// An annotation whose box cannot be used.
    #[error("{kind} {id} has box {bbox:?} ([x, y, w, h]); coordinates must be finite and sizes not negative")]
    InvalidAnnotationBox {
        /// "annotation" or "prediction".
        kind: &'static str,
        /// The annotation's id.
        id: i64,
        /// The box.
        bbox: [f64; 4],
    },
    /// A prediction whose score is not a probability.
    #[error("prediction {id} has score {score}; scores must lie in [0, 1]")]
    InvalidAnnotationScore {
        /// The prediction's id.
        id: i64,
        /// The score.
        score: f64,
    },
}
