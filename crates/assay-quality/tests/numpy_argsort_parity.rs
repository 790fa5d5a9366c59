//! Parity of `assay_quality::label_issues::argsort` with NumPy 2.4.6's
//! `np.argsort` (default kind), the sort whose order of equal values
//! decides cleanlab's ties.
//!
//! Runs `tests/oracles/argsort_oracle.py` (interpreter from `ASSAY_PYTHON`,
//! default `<workspace>/.venv/bin/python`) on seeded random float64 arrays
//! of every length from 1 to 300 and some up to 20,000: few distinct values
//! (heavy ties), quantized probabilities, random floats, -0.0/+0.0 and
//! infinities, values with some NaN, nearly sorted and already sorted
//! arrays. The oracle runs twice: "portable" (NumPy's introsort, compared
//! with `TieOrder::Portable`) and "native" (NumPy as the machine has it,
//! AVX-512 turned off, compared with `TieOrder::X86Avx2` where the oracle
//! reports NumPy's AVX2 sort, else with `TieOrder::Portable`). Every
//! permutation must be identical. A missing interpreter or NumPy fails the
//! test.

mod common;

use assay_quality::label_issues::argsort;
use common::numpy_sort::tie_order;
use common::oracle::run_oracle;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

const SEED: u64 = 0x000a_5057_5eed;
const ORACLE: &str = "argsort_oracle.py";
/// Lengths tested with every kind of values besides 1 to 300: around the
/// network sort's limit (256) and the partition's block (16), and large.
const LONG: [usize; 12] = [
    400, 511, 512, 513, 1000, 1024, 2047, 4096, 4097, 5000, 10_000, 20_000,
];

/// The kinds of arrays generated for each length.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Integers 0 to 2: mostly ties.
    FewValues,
    /// Uniform values rounded to 1/4, 1/10, 1/20 or 1/100.
    Quantized,
    /// Uniform values: ties unlikely.
    Random,
    /// -0.0, +0.0, the infinities and a few numbers.
    Specials,
    /// Integers up to a third of the length: some ties.
    SomeTies,
    /// Integers 0 to 4 with about a tenth NaN.
    WithNan,
    /// Ascending values with ties and a few swapped pairs.
    NearlySorted,
}

const KINDS: [Kind; 7] = [
    Kind::FewValues,
    Kind::Quantized,
    Kind::Random,
    Kind::Specials,
    Kind::SomeTies,
    Kind::WithNan,
    Kind::NearlySorted,
];

fn values(rng: &mut ChaCha8Rng, n: usize, kind: Kind) -> Vec<f64> {
    let specials = [-0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY, 1.0, 0.5, -2.0];
    let q = [4.0, 10.0, 20.0, 100.0][rng.random_range(0..4)];
    let mut v: Vec<f64> = (0..n)
        .map(|i| match kind {
            Kind::FewValues => rng.random_range(0..3) as f64,
            Kind::Quantized => (rng.random::<f64>() * q).round() / q,
            Kind::Random => rng.random::<f64>(),
            Kind::Specials => specials[rng.random_range(0..specials.len())],
            Kind::SomeTies => rng.random_range(0..n / 3 + 1) as f64,
            Kind::WithNan if rng.random_bool(0.1) => f64::NAN,
            Kind::WithNan => rng.random_range(0..5) as f64,
            Kind::NearlySorted => (i / 3) as f64,
        })
        .collect();
    if matches!(kind, Kind::NearlySorted) && n > 1 {
        for _ in 0..rng.random_range(0..3) {
            v.swap(rng.random_range(0..n), rng.random_range(0..n));
        }
    }
    v
}

fn cases() -> Vec<(String, Vec<f64>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut cases = Vec::new();
    for n in (1..=300).chain(LONG) {
        for kind in KINDS {
            cases.push((format!("n={n} {kind:?}"), values(&mut rng, n, kind)));
        }
    }
    cases.push(("all equal".into(), vec![0.25; 1000]));
    cases.push((
        "descending".into(),
        (0..1000).rev().map(f64::from).collect(),
    ));
    cases
}

/// Compares our permutations with NumPy's in `mode`.
fn compare(mode: &str, cases: &[(String, Vec<f64>)]) {
    let ties = tie_order(mode);
    let json: Vec<Value> = cases
        .iter()
        .map(|(_, v)| json!({ "bits": v.iter().map(|x| x.to_bits()).collect::<Vec<_>>() }))
        .collect();
    let results = run_oracle(ORACLE, &[mode], &json);
    let mut mismatches = Vec::new();
    for ((name, v), theirs) in cases.iter().zip(&results) {
        let theirs: Vec<usize> = serde_json::from_value(theirs.clone()).expect("a permutation");
        let ours = argsort(v, ties);
        if let Some(at) = (0..v.len()).find(|&i| ours.get(i) != theirs.get(i)) {
            mismatches.push(format!("{name}: first difference at {at}"));
        }
    }
    eprintln!(
        "NumPy {mode} ({ties}): {} of {} permutations identical",
        cases.len() - mismatches.len(),
        cases.len()
    );
    for m in mismatches.iter().take(20) {
        eprintln!("MISMATCH {m}");
    }
    assert!(
        mismatches.is_empty(),
        "{mode}: {} arrays differ",
        mismatches.len()
    );
}

#[test]
fn argsort_matches_numpy_portable() {
    compare("portable", &cases());
}

#[test]
fn argsort_matches_numpy_native() {
    compare("native", &cases());
}
