//! Helpers shared by the parity tests: the Python oracle runner and a
//! minimal `.npy` reader.

pub mod npy;
pub mod oracle;
