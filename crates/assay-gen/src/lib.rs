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
mod error;
pub mod features;

pub use error::GenError;
pub use features::Features;
