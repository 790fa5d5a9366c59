//! Helpers of the parity tests.

pub mod oracle;
