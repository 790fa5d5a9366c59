//! Model evaluation for assay.
//!
//! Every metric here has a reference implementation and matches it exactly:
//! COCO detection, instance segmentation and keypoints follow `pycocotools`
//! 2.0.11 `COCOeval`; classification follows scikit-learn 1.9 (with
//! torchmetrics conventions behind options); semantic segmentation follows
//! mmseg's accumulated IoU; agreement between annotators follows
//! scikit-learn, statsmodels and the `krippendorff` package.

pub mod agreement;
pub mod classification;
pub mod coco;
mod error;
pub mod numeric;
pub mod semseg;
pub mod special;

pub use error::EvalError;
