//! Which sort NumPy uses in an oracle's sorting mode ("portable" or
//! "native", see `tests/oracles/numpy_sort.py`), as a [`TieOrder`].

use assay_quality::label_issues::TieOrder;
use serde_json::json;

use super::oracle::run_oracle;

/// The tie order of NumPy's `argsort` in `mode`, as
/// `tests/oracles/argsort_oracle.py` reports it: x86-simd-sort's AVX2 sort,
/// or the portable introsort (ARM64, x86-64 without AVX2, or "portable").
pub fn tie_order(mode: &str) -> TieOrder {
    let probe = run_oracle("argsort_oracle.py", &[mode], &[json!({ "probe": true })]);
    match probe[0].as_str() {
        Some("avx2") => TieOrder::X86Avx2,
        Some("portable") => TieOrder::Portable,
        other => panic!("the argsort oracle reports an unknown sort {other:?}"),
    }
}
