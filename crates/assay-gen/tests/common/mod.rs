//! Helpers shared by the parity tests.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod features;
pub mod oracle;
