//! Stored vectors: the f32 rows (normalised for cosine) and their int8
//! codes, in one order (insertion order for exact search, list order for
//! IVF).

use rayon::prelude::*;

use crate::error::{IndexError, MAX_NORM};
use crate::metric::{normalize, Metric};
use crate::quant::{code_stride, quantize, CodeMeta};

/// Rows of one dimension with their codes.
#[derive(Debug, Clone)]
pub(crate) struct Rows {
    pub metric: Metric,
    pub dim: usize,
    pub stride: usize,
    pub data: Vec<f32>,
    pub codes: Vec<i8>,
    pub meta: Vec<CodeMeta>,
}

/// Checks that `data` is a whole number of finite rows of dimension `dim`
/// with bounded norms, and returns the number of rows.
pub(crate) fn check_rows(dim: usize, data: &[f32]) -> Result<usize, IndexError> {
    if dim == 0 {
        return Err(IndexError::ZeroDimension);
    }
    if !data.len().is_multiple_of(dim) {
        return Err(IndexError::RaggedData {
            len: data.len(),
            dim,
        });
    }
    let n = data.len() / dim;
    if n > u32::MAX as usize {
        return Err(IndexError::TooManyRows(n));
    }
    let bad = data.par_chunks(dim).position_first(|row| !row_ok(row));
    match bad {
        Some(row) => Err(IndexError::BadValue { row }),
        None => Ok(n),
    }
}

/// Whether a row is finite with a norm below [`MAX_NORM`].
pub(crate) fn row_ok(row: &[f32]) -> bool {
    let mut s = 0f64;
    for &v in row {
        if !v.is_finite() {
            return false;
        }
        s += v as f64 * v as f64;
    }
    s.sqrt() < MAX_NORM
}

impl Rows {
    /// Takes the rows (normalising them for cosine) and quantises them.
    pub fn new(metric: Metric, dim: usize, mut data: Vec<f32>) -> Result<Rows, IndexError> {
        let n = check_rows(dim, &data)?;
        if metric == Metric::Cosine {
            data.par_chunks_mut(dim).for_each(normalize);
        }
        let stride = code_stride(dim);
        let mut codes = vec![0i8; n * stride];
        let mut meta = vec![CodeMeta::default(); n];
        codes
            .par_chunks_mut(stride)
            .zip(meta.par_iter_mut())
            .zip(data.par_chunks(dim))
            .for_each(|((c, m), row)| *m = quantize(row, c));
        Ok(Rows {
            metric,
            dim,
            stride,
            data,
            codes,
            meta,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.meta.len()
    }

    /// The f32 row at a position.
    #[inline]
    pub fn row(&self, pos: usize) -> &[f32] {
        &self.data[pos * self.dim..(pos + 1) * self.dim]
    }

    /// The codes of the row at a position.
    #[inline]
    pub fn code(&self, pos: usize) -> &[i8] {
        &self.codes[pos * self.stride..(pos + 1) * self.stride]
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.data.len() * 4 + self.codes.len() + self.meta.len() * std::mem::size_of::<CodeMeta>()
    }

    /// Reorders the rows in place: row `i` afterwards is row `order[i]`
    /// before (`order` must be a permutation of `0..len`; cycles are
    /// followed with one spare row, so no second copy is made).
    pub fn permute(&mut self, order: &[u32]) {
        permute_rows(&mut self.data, self.dim, order);
        permute_rows(&mut self.codes, self.stride, order);
        let meta = order.iter().map(|&o| self.meta[o as usize]).collect();
        self.meta = meta;
    }
}

/// Applies the gather permutation `new[i] = old[order[i]]` to rows of
/// `width` values, in place.
fn permute_rows<T: Copy + Default>(data: &mut [T], width: usize, order: &[u32]) {
    let mut done = vec![false; order.len()];
    let mut spare = vec![T::default(); width];
    for start in 0..order.len() {
        if done[start] {
            continue;
        }
        spare.copy_from_slice(&data[start * width..(start + 1) * width]);
        let mut j = start;
        loop {
            done[j] = true;
            let k = order[j] as usize;
            if k == start {
                data[j * width..(j + 1) * width].copy_from_slice(&spare);
                break;
            }
            data.copy_within(k * width..(k + 1) * width, j * width);
            j = k;
        }
    }
}
