//! Helpers shared by the tests of every assay crate (a dev-dependency
//! only): the runner of the Python reference implementations ("oracles"),
//! the runner of the `assay` binary, generated projects of any size, and
//! the paths of the workspace and of the shared test data.

pub mod binary;
pub mod oracle;
pub mod synthetic;
