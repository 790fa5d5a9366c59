//! Helpers shared by the parity tests: the Python oracle runner. (`.npy`
//! files are read with `assay_io::npy`.)

pub mod oracle;
