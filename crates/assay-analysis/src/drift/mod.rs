//! Drift between a reference sample and a current one (issue 19, section
//! 3): plain numbers in, serializable results out; no I/O.
//!
//! Per column ([`column`]), Evidently 0.7.23's statistics and its default
//! choice between them: SciPy's two-sample Kolmogorov-Smirnov test
//! ([`ks`]), the normed Wasserstein distance, Jensen-Shannon distance,
//! PSI, chi-squared, the two-proportion z-test and Cramér's V
//! ([`stattests`]), and the table's verdict by the share of drifted
//! columns. Everything works on sorted samples, `O(n log n)` per column,
//! columns in parallel.
//!
//! For embeddings ([`embedding`]): the distance between the mean
//! embeddings, MMD² with alibi-detect's RBF kernel and permutation test
//! ([`mmd`]), and a domain classifier's cross-validated ROC AUC
//! ([`classifier`], [`auc`]).

pub mod auc;
pub mod binning;
pub mod classifier;
pub mod column;
pub mod embedding;
pub mod kolmogorov;
pub mod ks;
pub mod mmd;
pub mod stattests;

pub use column::{
    column_drift, dataset_drift, default_method, ColumnDrift, ColumnKind, ColumnSamples,
    DatasetDrift, DriftMethod, DriftOptions,
};
pub use stattests::PsiDefinition;

/// Why drift cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DriftError {
    /// A sample has no usable values.
    #[error("the {side} sample of column {column:?} has no finite values; drift needs at least one value on each side")]
    Empty {
        /// The column.
        column: String,
        /// "reference" or "current".
        side: &'static str,
    },
    /// The method does not apply to the column's kind.
    #[error("{method} needs a numeric column, but {column:?} is categorical")]
    Method {
        /// The column.
        column: String,
        /// The method's name.
        method: String,
    },
    /// No columns were given.
    #[error("no columns to test; expected at least one")]
    NoColumns,
    /// An embedding matrix does not have the stated shape.
    #[error("the {side} embeddings hold {len} numbers, not a multiple of the dimension {dim}; expected row-major n x {dim}")]
    Shape {
        /// "reference" or "current".
        side: &'static str,
        /// Numbers given.
        len: usize,
        /// The dimension.
        dim: usize,
    },
    /// Too few rows for the statistic.
    #[error("{what} needs at least {needed} {side} rows, got {got}")]
    TooFew {
        /// The statistic.
        what: &'static str,
        /// "reference" or "current".
        side: &'static str,
        /// Rows needed.
        needed: usize,
        /// Rows given.
        got: usize,
    },
    /// A value is NaN or infinite where it cannot be dropped.
    #[error("{side} value {index} is not a finite number; embeddings must be finite")]
    NotFinite {
        /// "reference" or "current".
        side: &'static str,
        /// Its position in the flat matrix.
        index: usize,
    },
    /// An option is out of range.
    #[error("invalid option: {0}")]
    Option(String),
}

/// `n` rows of `dim` standard normal values plus `shift`, for the tests of
/// the embedding drift detectors.
#[cfg(test)]
pub(crate) fn gaussian(n: usize, dim: usize, shift: f32, seed: u32) -> Vec<f32> {
    let mut rng = assay_gen::numpy_random::RandomState::new(seed);
    (0..n * dim)
        .map(|_| rng.standard_normal() as f32 + shift)
        .collect()
}
