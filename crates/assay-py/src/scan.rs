//! `assay.scan`: image issues of files or a folder, as `assay scan` finds
//! them, returned as a table.

use std::path::PathBuf;

use assay_app::quality::scan_table;
use assay_core::shard::Shard;
use assay_quality::scan::{
    merge_scans as merge, scan_paths, scan_paths_shard, Decoding, PartialScan,
};
use assay_quality::{scan_folder, IssueConfig};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::{message, to_py};
use crate::table::ArrowTable;

/// Registers `scan`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan_files, m)?)?;
    m.add_function(wrap_pyfunction!(scan_directory, m)?)?;
    m.add_function(wrap_pyfunction!(scan_partial, m)?)?;
    m.add_function(wrap_pyfunction!(merge_scans, m)?)?;
    Ok(())
}

fn decoding(fast: bool) -> Decoding {
    if fast {
        Decoding::Fast
    } else {
        Decoding::Exact
    }
}

/// Scans the given files, in the given order (`fast`: JPEGs at reduced
/// size, as `assay scan --fast`).
#[pyfunction]
fn scan_files(py: Python<'_>, paths: Vec<PathBuf>, fast: bool) -> PyResult<ArrowTable> {
    let decoding = decoding(fast);
    let table = py.detach(|| {
        scan_table(&scan_paths(
            &paths,
            &IssueConfig::default(),
            decoding,
            &|| {},
        ))
    });
    ArrowTable::new(&table)
}

/// Scans every image file under a folder (paths relative to it, sorted).
#[pyfunction]
fn scan_directory(py: Python<'_>, root: PathBuf, fast: bool) -> PyResult<ArrowTable> {
    let decoding = decoding(fast);
    let report = py
        .detach(|| scan_folder(&root, &IssueConfig::default(), decoding, &|_| {}, &|| {}))
        .map_err(to_py)?;
    ArrowTable::new(&scan_table(&report))
}

/// Measures one batch of a file list, the `shard`-th (from 0) of `shards`
/// contiguous batches of `total` files: its rows as JSON bytes, for
/// [`merge_scans`].
#[pyfunction]
fn scan_partial<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    shard: usize,
    shards: usize,
    total: usize,
    fast: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    if shards == 0 || shard >= shards {
        return Err(message(format!(
            "batch {shard} of {shards} does not exist (batches count from 0)"
        )));
    }
    let shard = Shard {
        index: shard,
        count: shards,
    };
    let part = py.detach(|| scan_paths_shard(&paths, shard, total, decoding(fast)));
    let json = serde_json::to_vec(&part).map_err(to_py)?;
    Ok(PyBytes::new(py, &json))
}

/// All batches' rows, in batch order, searched for issues: the table
/// `scan_files` gives on the whole list.
#[pyfunction]
fn merge_scans(py: Python<'_>, parts: Vec<Vec<u8>>) -> PyResult<ArrowTable> {
    let parts = parts
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            serde_json::from_slice::<PartialScan>(bytes)
                .map_err(|e| message(format!("part {}: not a partial scan: {e}", i + 1)))
        })
        .collect::<PyResult<Vec<_>>>()?;
    let report = py
        .detach(|| merge(parts, &IssueConfig::default()))
        .map_err(|e| message(format!("cannot merge the scans: {e}")))?;
    ArrowTable::new(&scan_table(&report))
}
