//! KID and the Inception Score against torch-fidelity 0.4.0.
//!
//! The expected values are in `tests/fixtures/gen_metrics.json`, written
//! once by `tests/oracles/make_gen_fixtures.py` with torch-fidelity itself;
//! the feature matrices are rebuilt here from the fixture's specs
//! (bit-identical to the script's, see `gen_features_parity`). A live test
//! also checks each subset's value against a NumPy transcription of
//! torch-fidelity's loop (`tests/oracles/kid_oracle.py`) on random small
//! cases.
//!
//! Tolerances (observed worst case in brackets, last fixture run):
//!
//! - KID on `float64` tensors: torch-fidelity then computes the kernels in
//!   `float64` (NumPy `matmul`, i.e. BLAS; `**` calls `pow`), this crate in
//!   `f64` with faer and `powi`; only the order of the additions in the dot
//!   products and in the kernel sums differs, and the last bit of the cube.
//!   Each kernel mean (of order 1) carries a rounding error of a few `1e-16`
//!   times the square root of its up to `1e6` terms at worst, and KID is a
//!   difference of three such means: `1e-13` absolute [1.5e-15].
//! - KID on `float32` tensors (torch-fidelity's own pipeline): its kernels
//!   and their sums are then `float32` (`6e-8` relative, grown by the
//!   `d`-term dot products and the `1e6`-term sums), which no `f64`
//!   computation reproduces; this crate computes in `f64` on the same
//!   rounded inputs, so the difference is torch-fidelity's `float32` error:
//!   `1e-6` absolute [1.5e-7, on a std of 6.8e-6: near-equal sets' KID is
//!   only good to a few percent in `float32`].
//! - Inception Score: torch-fidelity widens the logits to `float64` and so
//!   does this crate; they differ by the last bits of `exp` and `log` and
//!   the order of the sums: `1e-13` relative [2.6e-15], and `1e-13`
//!   absolute plus `1e-12` relative on the std [3.6e-14].

mod common;

use assay_gen::inception_score::{inception_score, IsOptions};
use assay_gen::kid::{kid, Kid, KidOptions};
use assay_gen::Features;
use common::features::{Kind, Spec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/gen_metrics.json"
    );
    let text = std::fs::read_to_string(path).expect("read the fixture");
    serde_json::from_str(&text).expect("the fixture is JSON")
}

fn rounded_to_f32(features: &Features) -> Features {
    let narrow: Vec<f32> = features.as_slice().iter().map(|&v| v as f32).collect();
    Features::from_f32(&narrow, features.dim()).expect("finite")
}

fn close(got: f64, want: f64, abs: f64, rel: f64) -> bool {
    (got - want).abs() <= abs + rel * want.abs()
}

fn kid_options(case: &Value) -> KidOptions {
    KidOptions {
        subsets: case["kid_subsets"].as_u64().unwrap() as usize,
        subset_size: case["kid_subset_size"].as_u64().unwrap() as usize,
        ..KidOptions::default()
    }
}

fn check_kid(name: &str, got: &Kid, want: &Value, abs: f64, rel: f64) {
    let (mean, std) = (
        want["mean"].as_f64().unwrap(),
        want["std"].as_f64().unwrap(),
    );
    eprintln!(
        "{name}: mean {:.3e} off by {:.1e}, std {:.3e} off by {:.1e}",
        mean,
        got.mean - mean,
        std,
        got.std - std
    );
    assert!(
        close(got.mean, mean, abs, rel),
        "{name}: KID mean {} vs {mean}",
        got.mean
    );
    assert!(
        close(got.std, std, abs, rel),
        "{name}: KID std {} vs {std}",
        got.std
    );
}

#[test]
fn kid_matches_torch_fidelity() {
    let fixture = fixture();
    for case in fixture["distance_cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x1 = Spec::from_json(&case["input1"]).features();
        let x2 = Spec::from_json(&case["input2"]).features();
        let options = kid_options(case);
        let got = kid(&x1, &x2, &options).expect("KID");
        assert_eq!(got.subset_values.len(), options.subsets);
        check_kid(name, &got, &case["kid_f64"], 1e-13, 0.0);
        let got32 = kid(&rounded_to_f32(&x1), &rounded_to_f32(&x2), &options).expect("KID");
        check_kid(
            &format!("{name} (float32)"),
            &got32,
            &case["kid_f32"],
            2e-5,
            0.0,
        );
    }
}

#[test]
fn inception_score_matches_torch_fidelity() {
    let fixture = fixture();
    for case in fixture["is_cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let logits = Spec::from_json(&case["logits"]).features();
        let options = IsOptions {
            splits: case["splits"].as_u64().unwrap() as usize,
            shuffle: case["shuffle"].as_bool().unwrap(),
            ..IsOptions::default()
        };
        for (input, key) in [
            (logits.clone(), "isc_f64"),
            (rounded_to_f32(&logits), "isc_f32"),
        ] {
            let got = inception_score(&input, &options).expect("IS");
            let (mean, std) = (
                case[key]["mean"].as_f64().unwrap(),
                case[key]["std"].as_f64().unwrap(),
            );
            eprintln!(
                "{name} {key}: mean {mean:.4} off by {:.1e}, std off by {:.1e}",
                got.mean - mean,
                got.std - std
            );
            assert_eq!(got.split_scores.len(), options.splits);
            assert!(
                close(got.mean, mean, 0.0, 1e-13),
                "{name} {key}: IS {} vs {mean}",
                got.mean
            );
            assert!(
                close(got.std, std, 1e-13, 1e-12),
                "{name} {key}: std {} vs {std}",
                got.std
            );
        }
    }
}

fn random_spec(rng: &mut ChaCha8Rng, n: usize, d: usize) -> Spec {
    let kind = match rng.random_range(0..4) {
        0 => Kind::Uniform,
        1 => Kind::Correlated,
        2 => Kind::Shifted {
            offset: rng.random_range(-0.5..0.5),
            scale: rng.random_range(0.5..2.0),
        },
        _ => Kind::RankDeficient {
            rank: rng.random_range(1..=d),
        },
    };
    Spec::new(rng.random(), n, d, kind)
}

#[test]
fn kid_subsets_match_a_numpy_transcription() {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let mut cases = Vec::new();
    let mut inputs = Vec::new();
    for _ in 0..25 {
        let d = rng.random_range(1..=48);
        let (n1, n2) = (rng.random_range(2..150), rng.random_range(2..150));
        let (s1, s2) = (random_spec(&mut rng, n1, d), random_spec(&mut rng, n2, d));
        let options = KidOptions {
            subsets: rng.random_range(1..=8),
            subset_size: rng.random_range(2..=n1.min(n2)),
            seed: rng.random(),
            ..KidOptions::default()
        };
        cases.push(json!({"input1": s1.to_json(), "input2": s2.to_json(),
            "subsets": options.subsets, "subset_size": options.subset_size, "seed": options.seed}));
        inputs.push((s1, s2, options));
    }
    let expected = common::oracle::run_oracle("kid_oracle.py", &cases);
    for ((s1, s2, options), want) in inputs.iter().zip(&expected) {
        let got = kid(&s1.features(), &s2.features(), options).expect("KID");
        let values: Vec<f64> = want["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(got.subset_values.len(), values.len());
        for (g, w) in got.subset_values.iter().zip(&values) {
            assert!(
                close(*g, *w, 1e-13, 0.0),
                "{s1:?} {s2:?} {options:?}: {g} vs {w}"
            );
        }
        assert!(close(got.std, want["std"].as_f64().unwrap(), 1e-13, 0.0));
    }
}

#[test]
fn kid_does_not_depend_on_the_thread_count() {
    let x1 = Spec::new(1, 300, 20, Kind::Correlated).features();
    let x2 = Spec::new(2, 250, 20, Kind::Uniform).features();
    let options = KidOptions {
        subsets: 12,
        subset_size: 100,
        ..KidOptions::default()
    };
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| kid(&x1, &x2, &options).unwrap())
    };
    let (one, three) = (run(1), run(3));
    let bits = |k: &Kid| {
        k.subset_values
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&one), bits(&three));
    assert_eq!(one.mean.to_bits(), three.mean.to_bits());
}
