//! Helpers shared by the tests of every assay crate (a dev-dependency
//! only): the runner of the Python reference implementations ("oracles")
//! and the paths of the workspace and of the shared test data.

pub mod oracle;
