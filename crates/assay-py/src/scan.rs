//! `assay.scan`: image issues of files or a folder, as `assay scan` finds
//! them, returned as a table.

use std::path::PathBuf;

use assay_app::quality::scan_table;
use assay_quality::scan::{scan_paths, Decoding};
use assay_quality::{scan_folder, IssueConfig};
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::table::ArrowTable;

/// Registers `scan`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan_files, m)?)?;
    m.add_function(wrap_pyfunction!(scan_directory, m)?)?;
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
