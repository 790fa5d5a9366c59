#![no_main]

#[path = "../../crates/assay-io/tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::npz(data));
