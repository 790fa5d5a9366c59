//! Exact search: every row is scored through its int8 copy with a
//! rigorous error bound, and the rows that can still be among the best are
//! reranked in f32 (see [`crate::scan`]). Results equal a brute-force f32
//! scan with [`crate::metric`]'s kernels, ties broken by lower id.

use crate::error::IndexError;
use crate::metric::Metric;
use crate::options::{Hit, SearchOptions};
use crate::rows::Rows;
use crate::scan::{scan, Goal, Job, PreparedQuery};

/// Brute-force search with an int8 pre-scan; exact results.
#[derive(Debug, Clone)]
pub struct ExactIndex {
    rows: Rows,
}

impl ExactIndex {
    /// Builds the index from `data`, `n` rows of `dim` values laid end to
    /// end; row `i` gets id `i`. Rows must be finite (norm below 1e15).
    pub fn new(metric: Metric, dim: usize, data: Vec<f32>) -> Result<ExactIndex, IndexError> {
        Ok(ExactIndex {
            rows: Rows::new(metric, dim, data)?,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the index has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.len() == 0
    }

    /// The vector dimension.
    pub fn dim(&self) -> usize {
        self.rows.dim
    }

    /// The metric.
    pub fn metric(&self) -> Metric {
        self.rows.metric
    }

    /// Bytes held by the vectors, their codes and bounds.
    pub fn memory_bytes(&self) -> usize {
        self.rows.memory_bytes()
    }

    /// The stored (for cosine, normalised) vector of row `id`.
    pub fn vector(&self, id: u32) -> Result<&[f32], IndexError> {
        if id as usize >= self.len() {
            return Err(IndexError::UnknownId {
                id,
                len: self.len(),
            });
        }
        Ok(self.rows.row(id as usize))
    }

    /// The `k` nearest rows to `query`, best first.
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        opts: &SearchOptions,
    ) -> Result<Vec<Hit>, IndexError> {
        Ok(self.run(query, Goal::Top(k), opts)?.remove(0))
    }

    /// The `k` nearest rows for each query (`queries`: rows of `dim`
    /// values end to end), in one pass over the data.
    pub fn search_batch(
        &self,
        queries: &[f32],
        k: usize,
        opts: &SearchOptions,
    ) -> Result<Vec<Vec<Hit>>, IndexError> {
        self.run(queries, Goal::Top(k), opts)
    }

    /// Every row within `radius` of `query`: similarity at least `radius`
    /// for cosine, distance at most `radius` for Euclidean; best first.
    pub fn within(
        &self,
        query: &[f32],
        radius: f32,
        opts: &SearchOptions,
    ) -> Result<Vec<Hit>, IndexError> {
        Ok(self.run(query, Goal::Within(radius), opts)?.remove(0))
    }

    fn run(
        &self,
        queries: &[f32],
        goal: Goal,
        opts: &SearchOptions,
    ) -> Result<Vec<Vec<Hit>>, IndexError> {
        let prepared = prepare_queries(&self.rows, queries)?;
        if matches!(goal, Goal::Top(0)) || self.is_empty() {
            return Ok(vec![Vec::new(); prepared.len()]);
        }
        let jobs: Vec<Job> = prepared
            .iter()
            .map(|q| Job {
                query: q,
                goal,
                exclude: None,
            })
            .collect();
        let all = 0..self.len();
        Ok(scan(
            &self.rows,
            None,
            std::slice::from_ref(&all),
            &jobs,
            opts,
        ))
    }
}

/// Checks and prepares queries laid end to end (at least one).
pub(crate) fn prepare_queries(
    rows: &Rows,
    queries: &[f32],
) -> Result<Vec<PreparedQuery>, IndexError> {
    let dim = rows.dim;
    if queries.is_empty() || !queries.len().is_multiple_of(dim) {
        return Err(IndexError::DimensionMismatch {
            expected: dim,
            got: queries.len(),
        });
    }
    queries
        .chunks(dim)
        .enumerate()
        .map(|(i, q)| PreparedQuery::new(rows, q, i))
        .collect()
}
