//! Errors of index building and search.

/// What went wrong building or querying an index.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndexError {
    /// The dimension is zero.
    #[error("the vector dimension must be at least 1")]
    ZeroDimension,
    /// A flat buffer's length is not a multiple of the dimension.
    #[error("{len} values do not divide into rows of dimension {dim}")]
    RaggedData {
        /// Number of values given.
        len: usize,
        /// The expected dimension.
        dim: usize,
    },
    /// A query or vector has the wrong number of values.
    #[error("dimension mismatch: expected {expected} values, got {got}")]
    DimensionMismatch {
        /// The index's dimension.
        expected: usize,
        /// What was given.
        got: usize,
    },
    /// A vector holds NaN or infinity, or its norm exceeds [`MAX_NORM`].
    #[error("row {row}: values must be finite, with a norm below 1e15")]
    BadValue {
        /// The row (or query) number.
        row: usize,
    },
    /// More rows than row ids (`u32`) can name.
    #[error("{0} rows: at most 4,294,967,295 rows are supported")]
    TooManyRows(usize),
    /// A row id outside the index.
    #[error("row id {id} is out of range: the index has {len} rows")]
    UnknownId {
        /// The id asked for.
        id: u32,
        /// Number of rows.
        len: usize,
    },
    /// A parameter is out of its range.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
}

/// Largest vector norm accepted: keeps every f32 dot product and squared
/// distance finite.
pub const MAX_NORM: f64 = 1e15;
