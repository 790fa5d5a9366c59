//! The Rust feature generator against `tests/oracles/gen_features.py`:
//! the matrices must be identical to the bit (the fixtures hold only specs).

mod common;

use assay_io::npy::read_npy;
use common::features::{Kind, Spec};

fn specs() -> Vec<Spec> {
    vec![
        Spec::new(1, 7, 3, Kind::Uniform),
        Spec::new(2, 300, 17, Kind::Correlated),
        Spec::new(
            3,
            250,
            64,
            Kind::Shifted {
                offset: 0.125,
                scale: 1.3,
            },
        ),
        Spec::new(4, 400, 50, Kind::RankDeficient { rank: 7 }),
        Spec::new(5, 1000, 1008, Kind::Logits),
        Spec::new(6, 90, 2048, Kind::Correlated),
        Spec::new(7, 3, 10, Kind::Logits),
    ]
}

#[test]
fn rust_and_python_build_identical_matrices() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let specs = specs();
    let cases: Vec<_> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let mut case = spec.to_json();
            case["path"] = dir
                .path()
                .join(format!("{i}.npy"))
                .display()
                .to_string()
                .into();
            case
        })
        .collect();
    common::oracle::run_oracle("gen_features.py", &cases);
    for (i, spec) in specs.iter().enumerate() {
        let python = read_npy(&dir.path().join(format!("{i}.npy"))).expect("read the matrix");
        assert_eq!(python.shape, vec![spec.n, spec.d], "{spec:?}");
        let ours = spec.values();
        let first = ours
            .iter()
            .zip(&python.values)
            .position(|(a, b)| a.to_bits() != b.to_bits());
        assert_eq!(first, None, "{spec:?}: first differing value");
    }
}
