//! Helpers of the parity tests: the Python oracle runner.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod oracle;
