//! Weak slices found automatically: subsets of the data, described by
//! simple predicates, where a model does worse than on the rest.
//!
//! - [`sliceline`]: SliceLine (Sagadeeva and Boehm, SIGMOD 2021) as the
//!   `sliceline` 0.3.0 Python package runs it, over categorical codes
//!   (bin numeric columns first with [`crate::binning`]);
//! - [`tree`]: deepchecks' weak-segments method, a shallow regression tree
//!   of the per-row score on each pair of properties, reporting its worst
//!   leaf;
//! - [`stats`]: a slice against the rest: difference of error rates (or
//!   mean errors), its 95% interval and p-value.

pub mod sliceline;
pub mod stats;
pub mod tree;

use serde::Serialize;

/// One condition of a slice: `feature == code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Predicate {
    /// Index of the feature (column of the input).
    pub feature: usize,
    /// The categorical code the feature must equal.
    pub code: u32,
}
