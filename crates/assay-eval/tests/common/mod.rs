//! Helpers shared by the parity tests: the Python oracle runner. (`.npy`
//! files are read with `assay_io::npy`.)

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod oracle;
