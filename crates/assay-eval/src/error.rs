//! Errors of evaluation: inputs that cannot be evaluated as asked.

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// Partial evaluations that do not make one evaluation together.
    #[error("cannot merge: {0}")]
    Merge(String),
    /// An annotation lacks the geometry the chosen IoU type needs.
    #[error("{what} {id} on image {image_id} has no {needed}; {hint}")]
    MissingGeometry {
        /// "ground truth" or "detection".
        what: &'static str,
        /// The annotation's id.
        id: i64,
        /// Its image.
        image_id: i64,
        /// The missing field (`bbox`, `segmentation`, `keypoints`).
        needed: &'static str,
        /// What to do about it.
        hint: &'static str,
    },
    /// Mask evaluation needs every image's size.
    #[error("image {image_id} has no width and height; segm evaluation needs image sizes to rasterise polygons")]
    MissingImageSize {
        /// The image without a size.
        image_id: i64,
    },
    /// An annotation refers to an image that is not in the ground truth.
    #[error("{what} {id} refers to image {image_id}, which is not among the ground-truth images")]
    UnknownImage {
        /// "ground truth" or "detection".
        what: &'static str,
        /// The annotation's id.
        id: i64,
        /// The unknown image id.
        image_id: i64,
    },
    /// Keypoint counts disagree with the OKS sigmas.
    #[error("{what} {id} has {found} keypoints but {expected} OKS sigmas are set; pass one sigma per keypoint (--sigmas)")]
    KeypointCount {
        /// "ground truth" or "detection".
        what: &'static str,
        /// The annotation's id.
        id: i64,
        /// Keypoints in the annotation.
        found: usize,
        /// Number of sigmas.
        expected: usize,
    },
    /// A mask could not be rasterised or compared.
    #[error("{what} {id}: {source}")]
    Mask {
        /// "ground truth" or "detection".
        what: &'static str,
        /// The annotation's id.
        id: i64,
        /// The mask problem.
        source: assay_core::mask::MaskError,
    },
    /// A statistic that the input leaves undefined (no items, one label).
    #[error("{0}")]
    Undefined(String),
    /// Parameters that make no sense.
    #[error("invalid evaluation parameters: {0}")]
    Params(String),
}
