//! Binning of a numeric column into a chosen number of bins, equal-count
//! (quantile) or equal-width, giving each row a bin code: the categorical
//! features slice finding needs, and the buckets of "performance per
//! metric bucket".
//!
//! Conventions, the same for both methods:
//! - the edges ascend; bin `i` holds `edges[i] <= v < edges[i + 1]`, the
//!   last bin also holds its upper edge (`np.histogram`'s bins), so a code
//!   is `np.searchsorted(edges, v, side="right") - 1` clipped to the bins;
//! - NaN is "missing": it gets its own code, [`Bins::missing_code`], one
//!   past the last bin, and takes no part in the edges;
//! - equal-count edges are NumPy's `np.quantile(values, np.linspace(0, 1,
//!   n_bins + 1))` (linear interpolation) over the non-missing values, with
//!   duplicate edges dropped (`np.unique`), so heavy ties give fewer bins
//!   than asked and equal values always share a bin;
//! - equal-width edges are `np.linspace(min, max, n_bins + 1)`;
//! - a column whose non-missing values are all equal has one bin, both of
//!   whose edges are that value; a column with no non-missing value has
//!   no bin (every row missing, code 0).

use assay_eval::numeric::linspace;
use serde::Serialize;

/// A binned column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bins {
    /// Per row, its bin (`0..n_bins`) or [`Bins::missing_code`] for NaN.
    pub codes: Vec<u32>,
    /// The `n_bins + 1` ascending edges (empty when there is no bin).
    pub edges: Vec<f64>,
    /// The code of missing (NaN) values: `n_bins`.
    pub missing_code: u32,
}

impl Bins {
    /// The number of bins (codes of non-missing values are below it).
    pub fn n_bins(&self) -> usize {
        self.edges.len().saturating_sub(1)
    }
}

/// Why a column could not be binned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BinningError {
    /// Zero bins were asked for.
    #[error("expected at least one bin")]
    NoBins,
    /// More bins than a `u32` code can name.
    #[error("expected fewer than 2^32 - 1 bins, got {0}")]
    TooManyBins(usize),
    /// An infinite value (NaN is allowed, as missing).
    #[error("expected finite values or NaN, row {index} is {value}")]
    Infinite {
        /// The row.
        index: usize,
        /// Its value.
        value: f64,
    },
}

fn checked_sorted(values: &[f64], n_bins: usize) -> Result<Vec<f64>, BinningError> {
    if n_bins == 0 {
        return Err(BinningError::NoBins);
    }
    if n_bins >= u32::MAX as usize {
        return Err(BinningError::TooManyBins(n_bins));
    }
    if let Some(index) = values.iter().position(|v| v.is_infinite()) {
        return Err(BinningError::Infinite {
            index,
            value: values[index],
        });
    }
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_unstable_by(f64::total_cmp);
    Ok(sorted)
}

/// Equal-count (quantile) bins: see the module's conventions.
pub fn equal_count(values: &[f64], n_bins: usize) -> Result<Bins, BinningError> {
    let sorted = checked_sorted(values, n_bins)?;
    if sorted.is_empty() {
        return Ok(assign(values, Vec::new()));
    }
    let mut edges: Vec<f64> = linspace(0.0, 1.0, n_bins + 1)
        .into_iter()
        .map(|q| quantile_sorted(&sorted, q))
        .collect();
    // `np.quantile` of sorted levels ascends; `np.unique` drops repeats.
    edges.sort_unstable_by(f64::total_cmp);
    edges.dedup_by(|a, b| a == b);
    Ok(assign(values, widen_single(edges)))
}

/// Equal-width bins: see the module's conventions.
pub fn equal_width(values: &[f64], n_bins: usize) -> Result<Bins, BinningError> {
    let sorted = checked_sorted(values, n_bins)?;
    let (Some(&lo), Some(&hi)) = (sorted.first(), sorted.last()) else {
        return Ok(assign(values, Vec::new()));
    };
    let edges = if lo == hi {
        vec![lo]
    } else {
        linspace(lo, hi, n_bins + 1)
    };
    Ok(assign(values, widen_single(edges)))
}

/// One edge (a constant column) becomes the one bin `[v, v]`.
fn widen_single(edges: Vec<f64>) -> Vec<f64> {
    if edges.len() == 1 {
        vec![edges[0], edges[0]]
    } else {
        edges
    }
}

fn assign(values: &[f64], edges: Vec<f64>) -> Bins {
    let n_bins = edges.len().saturating_sub(1);
    let missing_code = n_bins as u32;
    let codes = values
        .iter()
        .map(|&v| {
            if v.is_nan() || n_bins == 0 {
                missing_code
            } else {
                let right = edges.partition_point(|&e| e <= v);
                (right.saturating_sub(1)).min(n_bins - 1) as u32
            }
        })
        .collect();
    Bins {
        codes,
        edges,
        missing_code,
    }
}

/// `np.quantile(sorted, q)` with the default linear method, `sorted`
/// ascending and not empty.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let virtual_index = (n - 1) as f64 * q;
    if virtual_index >= (n - 1) as f64 {
        return sorted[n - 1];
    }
    if virtual_index < 0.0 {
        return sorted[0];
    }
    let previous = virtual_index.floor();
    let gamma = virtual_index - previous;
    let i = previous as usize;
    let (a, b) = (sorted[i], sorted[(i + 1).min(n - 1)]);
    // NumPy's `_lerp`: from the nearer end, so q at 1 gives b exactly.
    let diff = b - a;
    if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_count_drops_duplicate_edges_and_keeps_ties_together() {
        let v = [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0];
        let b = equal_count(&v, 4).unwrap();
        // Quantiles 0, 0, 0, 1.25, 3: the three zeros are one edge.
        assert_eq!(b.edges, [0.0, 1.25, 3.0]);
        assert_eq!(b.codes, [0, 0, 0, 0, 0, 0, 1, 1]);
        assert_eq!(b.n_bins(), 2);
    }

    #[test]
    fn nan_gets_its_own_code() {
        let b = equal_width(&[1.0, f64::NAN, 3.0, 2.0], 2).unwrap();
        assert_eq!(b.edges, [1.0, 2.0, 3.0]);
        assert_eq!(b.codes, [0, 2, 1, 1]);
        assert_eq!(b.missing_code, 2);
    }

    #[test]
    fn constant_and_empty_columns() {
        let b = equal_width(&[5.0, 5.0, f64::NAN], 3).unwrap();
        assert_eq!(
            (b.edges.clone(), b.codes.clone()),
            (vec![5.0, 5.0], vec![0, 0, 1])
        );
        let b = equal_count(&[f64::NAN], 3).unwrap();
        assert_eq!((b.n_bins(), b.codes), (0, vec![0]));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(equal_count(&[1.0], 0), Err(BinningError::NoBins));
        assert!(matches!(
            equal_width(&[1.0, f64::INFINITY], 2),
            Err(BinningError::Infinite { index: 1, .. })
        ));
    }
}
