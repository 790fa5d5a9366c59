//! Errors of the generative metrics.

use thiserror::Error;

/// Why a metric could not be computed.
#[derive(Debug, Error)]
pub enum GenError {
    /// Too few samples for the metric as asked.
    #[error("{metric} needs at least {needed} samples in each set, got {got}{hint}")]
    TooFewSamples {
        /// The metric.
        metric: &'static str,
        /// How many it needs.
        needed: usize,
        /// How many there were.
        got: usize,
        /// What to do about it (may be empty).
        hint: String,
    },
    /// Feature matrices whose shapes do not fit together.
    #[error("{0}")]
    Shape(String),
    /// A numerical failure (non-finite values, a failed decomposition).
    #[error("{0}")]
    Numerical(String),
}
