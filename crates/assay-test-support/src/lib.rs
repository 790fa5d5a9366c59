//! Helpers shared by the tests of every assay crate (a dev-dependency
//! only): the runner of the Python reference implementations ("oracles"),
//! the runner of the `assay` binary, generated projects of any size, tiny
//! models with seeded weights, and the paths of the workspace and of the
//! shared test data.

pub mod binary;
pub mod oracle;
pub mod synthetic;
pub mod tiny_models;
