//! Generative-model validation: generated images (or features) against a
//! reference, with the distribution metrics and their intervals, the
//! per-prompt and per-sample findings, leaderboards of several generators,
//! and runs of a project's generators.

pub mod leaderboard;
pub mod results;
pub mod shards;

// The workflows need the extractors (assay-embed, candle); readers of
// stored results do not.
#[cfg(feature = "embed")]
pub mod diagnostics;
#[cfg(feature = "embed")]
pub mod inputs;
#[cfg(feature = "embed")]
pub mod metrics;
#[cfg(feature = "embed")]
pub mod project;
#[cfg(feature = "embed")]
pub mod report;
#[cfg(feature = "embed")]
mod workflow;

#[cfg(feature = "embed")]
pub use workflow::{compare, evaluate, Evaluated, GenerativeOptions};
