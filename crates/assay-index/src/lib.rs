//! Nearest-neighbour search over embeddings for assay.
//!
//! - [`metric`]: cosine and Euclidean, and the f32 kernels that define
//!   every score (a fixed summation order, the same bits with or without
//!   SIMD).
//! - [`exact`]: brute force through an int8 copy with rigorous error
//!   bounds and an exact f32 rerank; results identical to a plain f32 scan.
//! - [`ivf`]: an inverted-file index (k-means lists, `nprobe` lists
//!   searched exactly), `nprobe` tuned at build time for a target recall.
//! - [`SearchIndex`]: exact below a size threshold, IVF above; k nearest,
//!   radius queries, filters and self-exclusion.
//! - [`kmeans`], [`pca`]: clustering and projection of embeddings (for the
//!   UI's map).
//!
//! Row ids are `u32` positions in the data an index was built from.
//! Nothing here panics on user input: bad dimensions, NaN and empty inputs
//! are [`IndexError`]s.

#![warn(missing_docs)]

pub mod error;
pub mod exact;
pub mod index;
pub mod ivf;
pub mod kmeans;
pub mod metric;
pub mod options;
pub mod pca;
mod quant;
mod rows;
mod scan;

pub use error::IndexError;
pub use exact::ExactIndex;
pub use index::{Backend, IndexConfig, SearchIndex};
pub use ivf::{IvfConfig, IvfIndex, Tuning};
pub use kmeans::{KMeans, KMeansConfig};
pub use metric::Metric;
pub use options::{AllowFn, Hit, IdSet, SearchOptions};
pub use pca::Pca;
