//! Helpers of the parity tests: the Python oracle runner and a small
//! `.npy` reader.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod npy;
pub mod numpy_sort;
pub mod oracle;
