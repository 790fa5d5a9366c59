//! Generative-model validation: the distribution metrics (FID, KID, Inception
//! Score, precision/recall, density/coverage), prompt faithfulness
//! (CLIPScore), per-sample diagnostics (diversity, near-duplicate
//! generations, memorization, outliers), caption metrics, and leaderboards.
//!
//! Every metric with a reference implementation matches it; each module
//! names its reference. Inputs are plain feature matrices (row-major `f32`
//! or `f64` slices with a dimension), so the crate does no I/O.

pub mod captions;
pub mod clip_score;
pub mod diversity;
pub mod embeddings;
mod error;
pub mod features;
pub mod frechet;
pub mod inception_score;
pub mod interval;
pub mod kid;
pub mod memorization;
pub mod moments;
pub mod numpy_random;
pub mod outliers;
pub mod prdc;
pub mod ranking;
pub mod sample_size;

pub use error::GenError;
pub use features::Features;
