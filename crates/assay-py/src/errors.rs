//! `assay.AssayError`: every failure of the native code, with the message
//! the command line prints for it.

use std::fmt::Display;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::PyErr;

create_exception!(
    _assay,
    AssayError,
    PyException,
    "An input assay cannot use or a computation that failed; the message is the command line's."
);

/// An [`AssayError`] with the error's whole chain of causes, as the
/// command line prints it (`error: {:#}`).
pub fn to_py(error: impl Into<anyhow::Error>) -> PyErr {
    AssayError::new_err(format!("{:#}", error.into()))
}

/// An [`AssayError`] with a message.
pub fn message(text: impl Display) -> PyErr {
    AssayError::new_err(text.to_string())
}
