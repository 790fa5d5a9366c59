//! [`SearchIndex`]: exact search for small collections, IVF for large.

use crate::error::IndexError;
use crate::exact::ExactIndex;
use crate::ivf::{IvfConfig, IvfIndex};
use crate::metric::Metric;
use crate::options::{Hit, SearchOptions};

/// How [`SearchIndex::build`] chooses.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexConfig {
    /// Below this many rows the index is exact; at or above, IVF.
    pub exact_below: usize,
    /// Settings of the IVF index.
    pub ivf: IvfConfig,
}

impl Default for IndexConfig {
    fn default() -> IndexConfig {
        IndexConfig {
            exact_below: 200_000,
            ivf: IvfConfig::default(),
        }
    }
}

/// The index behind a [`SearchIndex`].
#[derive(Debug, Clone)]
pub enum Backend {
    /// Exact search (results identical to a brute-force f32 scan).
    Exact(ExactIndex),
    /// IVF with a tuned `nprobe` (approximate).
    Ivf(IvfIndex),
}

/// Nearest-neighbour search over one set of vectors, exact or IVF by size.
#[derive(Debug, Clone)]
pub struct SearchIndex {
    backend: Backend,
}

impl SearchIndex {
    /// Builds the index over `data` (rows of `dim` values end to end; row
    /// `i` gets id `i`): exact below `cfg.exact_below` rows, IVF above.
    pub fn build(
        metric: Metric,
        dim: usize,
        data: Vec<f32>,
        cfg: &IndexConfig,
    ) -> Result<SearchIndex, IndexError> {
        let n = data.len().checked_div(dim).unwrap_or(0);
        let backend = if n < cfg.exact_below {
            Backend::Exact(ExactIndex::new(metric, dim, data)?)
        } else {
            Backend::Ivf(IvfIndex::build(metric, dim, data, &cfg.ivf)?)
        };
        Ok(SearchIndex { backend })
    }

    /// The index behind this one (for IVF settings such as `nprobe`).
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Mutable access to the index behind this one.
    pub fn backend_mut(&mut self) -> &mut Backend {
        &mut self.backend
    }

    /// Whether results are exact.
    pub fn is_exact(&self) -> bool {
        matches!(self.backend, Backend::Exact(_))
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match &self.backend {
            Backend::Exact(i) => i.len(),
            Backend::Ivf(i) => i.len(),
        }
    }

    /// Whether the index has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The vector dimension.
    pub fn dim(&self) -> usize {
        match &self.backend {
            Backend::Exact(i) => i.dim(),
            Backend::Ivf(i) => i.dim(),
        }
    }

    /// The metric.
    pub fn metric(&self) -> Metric {
        match &self.backend {
            Backend::Exact(i) => i.metric(),
            Backend::Ivf(i) => i.metric(),
        }
    }

    /// Bytes held by the index.
    pub fn memory_bytes(&self) -> usize {
        match &self.backend {
            Backend::Exact(i) => i.memory_bytes(),
            Backend::Ivf(i) => i.memory_bytes(),
        }
    }

    /// The `k` nearest rows to `query`, best first (ties: lower id).
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        opts: &SearchOptions,
    ) -> Result<Vec<Hit>, IndexError> {
        match &self.backend {
            Backend::Exact(i) => i.search(query, k, opts),
            Backend::Ivf(i) => i.search(query, k, opts),
        }
    }

    /// The `k` nearest rows of each query (`queries` end to end).
    pub fn search_batch(
        &self,
        queries: &[f32],
        k: usize,
        opts: &SearchOptions,
    ) -> Result<Vec<Vec<Hit>>, IndexError> {
        match &self.backend {
            Backend::Exact(i) => i.search_batch(queries, k, opts),
            Backend::Ivf(i) => i.search_batch(queries, k, i.nprobe(), opts),
        }
    }

    /// Every row within `radius` of `query` (similarity at least `radius`
    /// for cosine, distance at most `radius` for Euclidean), best first.
    /// With IVF, only the probed lists are searched.
    pub fn within(
        &self,
        query: &[f32],
        radius: f32,
        opts: &SearchOptions,
    ) -> Result<Vec<Hit>, IndexError> {
        match &self.backend {
            Backend::Exact(i) => i.within(query, radius, opts),
            Backend::Ivf(i) => i.within(query, radius, i.nprobe(), opts),
        }
    }

    /// The `k` nearest rows to row `id`, `id` itself left out.
    pub fn neighbours_of(
        &self,
        id: u32,
        k: usize,
        opts: &SearchOptions,
    ) -> Result<Vec<Hit>, IndexError> {
        let query = match &self.backend {
            Backend::Exact(i) => i.vector(id)?,
            Backend::Ivf(i) => i.vector(id)?,
        };
        let opts = SearchOptions {
            exclude: Some(id),
            ..*opts
        };
        self.search(query, k, &opts)
    }
}
