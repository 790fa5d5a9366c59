//! [`Features`]: a row-major matrix of feature vectors, one row a sample.

use crate::GenError;

/// A row-major `n x dim` matrix of `f64` feature vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    data: Vec<f64>,
    dim: usize,
}

impl Features {
    /// Wraps row-major data; `data.len()` must be a multiple of `dim`.
    pub fn new(data: Vec<f64>, dim: usize) -> Result<Features, GenError> {
        if dim == 0 || !data.len().is_multiple_of(dim) {
            return Err(GenError::Shape(format!(
                "{} values do not make rows of {dim}",
                data.len()
            )));
        }
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            return Err(GenError::Numerical(format!(
                "feature row {} column {} is not finite ({})",
                i / dim,
                i % dim,
                data[i]
            )));
        }
        Ok(Features { data, dim })
    }

    /// Widens `f32` rows (what the extractors produce).
    pub fn from_f32(data: &[f32], dim: usize) -> Result<Features, GenError> {
        Features::new(data.iter().map(|&v| f64::from(v)).collect(), dim)
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The dimension of a row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// All values, row-major.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The rows at `indices`, in that order (repeats allowed).
    pub fn select(&self, indices: &[usize]) -> Features {
        let mut data = Vec::with_capacity(indices.len() * self.dim);
        for &i in indices {
            data.extend_from_slice(self.row(i));
        }
        Features {
            data,
            dim: self.dim,
        }
    }
}
