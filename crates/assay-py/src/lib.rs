//! The native part of the Python package `assay` (`assay._assay`).
//!
//! Each module converts between Python objects and the workspace's types
//! and calls the same code the command line runs; the Python modules in
//! `python/assay` give it pycocotools' and cleanlab's interfaces. Errors
//! are `assay.AssayError` with the message the command line prints, and
//! long work runs with the GIL released.

use pyo3::prelude::*;

mod coco;
mod errors;
mod label_issues;
mod metrics;
mod project;
mod scan;
mod table;

pub use errors::AssayError;

/// The module `assay._assay`.
#[pymodule]
fn _assay(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("AssayError", m.py().get_type::<AssayError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    coco::register(m)?;
    label_issues::register(m)?;
    metrics::register(m)?;
    scan::register(m)?;
    project::register(m)?;
    table::register(m)?;
    Ok(())
}
