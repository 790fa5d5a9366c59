//! The Python-oracle runner, shared by every crate's tests
//! (`assay-test-support`).

// Each test binary uses only some of these.
#![allow(unused_imports)]

pub use assay_test_support::oracle::{python, run_oracle, shared_data, workspace_root, SETUP_HINT};
