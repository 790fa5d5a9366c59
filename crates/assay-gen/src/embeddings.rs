//! [`Embeddings`]: a checked, borrowed `f32` matrix of image embeddings (as
//! the `assay-embed` extractors produce), and the cosine helpers the
//! per-sample diagnostics share.
//!
//! Cosine similarity is taken on L2-normalised rows with the kernels of
//! [`assay_index::metric`] (the same bits as `assay embed` and the search
//! index); a zero row scores 0 against everything.

use assay_index::{IndexConfig, IndexError, Metric, SearchIndex};

use crate::GenError;

/// A row-major `n x dim` matrix of `f32` embeddings, one row an image.
#[derive(Debug, Clone, Copy)]
pub struct Embeddings<'a> {
    data: &'a [f32],
    dim: usize,
}

impl<'a> Embeddings<'a> {
    /// Wraps `data`; `dim` must be at least 1, divide `data.len()`, and
    /// every value be finite. No rows is allowed.
    pub fn new(data: &'a [f32], dim: usize) -> Result<Embeddings<'a>, GenError> {
        if dim == 0 || !data.len().is_multiple_of(dim) {
            return Err(GenError::Shape(format!(
                "{} embedding values do not make rows of {dim}",
                data.len()
            )));
        }
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            return Err(GenError::Numerical(format!(
                "embedding row {} column {} is not finite ({})",
                i / dim,
                i % dim,
                data[i]
            )));
        }
        Ok(Embeddings { data, dim })
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

    /// Row `i` (panics when `i` is out of range, like slice indexing).
    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// All values, row-major.
    pub fn as_slice(&self) -> &'a [f32] {
        self.data
    }

    /// The rows at `indices`, end to end (for an index over a subset).
    pub(crate) fn gather(&self, indices: &[usize]) -> Vec<f32> {
        let mut out = Vec::with_capacity(indices.len() * self.dim);
        for &i in indices {
            out.extend_from_slice(self.row(i));
        }
        out
    }
}

/// A cosine index over all rows of `emb` (row `i` gets id `i`).
pub(crate) fn cosine_index(emb: &Embeddings, cfg: &IndexConfig) -> Result<SearchIndex, GenError> {
    SearchIndex::build(Metric::Cosine, emb.dim(), emb.as_slice().to_vec(), cfg).map_err(index_error)
}

/// Checks that `index` is a cosine index over rows of `dim` values.
pub(crate) fn check_index(index: &SearchIndex, dim: usize, what: &str) -> Result<(), GenError> {
    if index.metric() != Metric::Cosine {
        return Err(GenError::Shape(format!(
            "the {what} index must use the cosine metric"
        )));
    }
    if index.dim() != dim {
        return Err(GenError::Shape(format!(
            "the {what} index holds {}-dimensional rows, the generated embeddings have {dim}",
            index.dim()
        )));
    }
    Ok(())
}

/// An index error as a [`GenError`].
pub(crate) fn index_error(e: IndexError) -> GenError {
    match e {
        IndexError::BadValue { .. } => {
            GenError::Numerical(format!("nearest-neighbour search: {e}"))
        }
        _ => GenError::Shape(format!("nearest-neighbour search: {e}")),
    }
}

/// Checks a cosine-similarity threshold: a number in `[-1, 1]`.
pub(crate) fn check_similarity(name: &str, value: f32) -> Result<(), GenError> {
    if (-1.0..=1.0).contains(&value) {
        return Ok(());
    }
    Err(GenError::Numerical(format!(
        "{name} is {value}; expected a cosine similarity between -1 and 1"
    )))
}

/// The unit-length chordal (Euclidean) distance of a cosine similarity:
/// `sqrt(2 - 2 cos)`, 0 to 2.
pub(crate) fn chordal(similarity: f32) -> f64 {
    (2.0 - 2.0 * f64::from(similarity)).max(0.0).sqrt()
}

/// The cosine similarity at chordal distance `distance` (the inverse of
/// [`chordal`]), for radius queries.
pub(crate) fn similarity_at(distance: f64) -> f32 {
    (1.0 - distance * distance / 2.0).max(-1.0) as f32
}

/// Queries per batched search: bounds the memory of the hit lists.
pub(crate) const QUERY_BATCH: usize = 2048;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_values_are_checked() {
        assert!(Embeddings::new(&[1.0, 2.0, 3.0], 2).is_err());
        assert!(Embeddings::new(&[1.0], 0).is_err());
        assert!(Embeddings::new(&[1.0, f32::NAN], 2).is_err());
        let e = Embeddings::new(&[], 4).unwrap();
        assert!(e.is_empty());
        let e = Embeddings::new(&[1.0, 2.0, 3.0, 4.0], 2).unwrap();
        assert_eq!((e.len(), e.dim(), e.row(1)), (2, 2, &[3.0, 4.0][..]));
        assert_eq!(e.gather(&[1, 0]), [3.0, 4.0, 1.0, 2.0]);
    }

    #[test]
    fn chordal_distance_inverts() {
        assert_eq!(chordal(1.0), 0.0);
        assert!((chordal(0.0) - 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(chordal(-1.0), 2.0);
        assert!((f64::from(similarity_at(chordal(0.5))) - 0.5).abs() < 1e-6);
        assert_eq!(similarity_at(5.0), -1.0);
    }
}
