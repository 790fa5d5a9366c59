//! The legacy `RandomState` port against NumPy itself (run live).

mod common;

use assay_gen::numpy_random::RandomState;
use serde_json::{json, Value};

fn ints(value: &Value) -> Vec<u64> {
    value
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_u64().expect("an integer"))
        .collect()
}

fn usizes(values: Vec<usize>) -> Vec<u64> {
    values.into_iter().map(|v| v as u64).collect()
}

fn ours(case: &Value) -> Vec<u64> {
    let get = |k: &str| case[k].as_u64().expect(k);
    let mut rs = RandomState::new(get("seed") as u32);
    match case["op"].as_str().unwrap() {
        "random_sample" => (0..get("n"))
            .map(|_| rs.random_sample().to_bits())
            .collect(),
        "permutation" => usizes(rs.permutation(get("n") as usize)),
        "choice" => usizes(
            rs.choice_without_replacement(get("n") as usize, get("size") as usize)
                .unwrap(),
        ),
        "randint" => (0..get("size"))
            .map(|_| rs.random_interval(get("high") - 1))
            .collect(),
        "kid_choices" => {
            let mut out = Vec::new();
            for _ in 0..get("subsets") {
                for n in [get("n1"), get("n2")] {
                    let size = get("size") as usize;
                    out.extend(usizes(
                        rs.choice_without_replacement(n as usize, size).unwrap(),
                    ));
                }
            }
            out
        }
        op => panic!("unknown op {op}"),
    }
}

fn cases() -> Vec<Value> {
    let mut cases = Vec::new();
    for seed in [0u64, 1, 42, 1234, 2020, 4_294_967_295] {
        cases.push(json!({"op": "random_sample", "seed": seed, "n": 1500}));
        for n in [0u64, 1, 2, 3, 10, 1000, 65_535, 65_536, 65_537, 200_003] {
            cases.push(json!({"op": "permutation", "seed": seed, "n": n}));
        }
        cases.push(json!({"op": "choice", "seed": seed, "n": 5000, "size": 1000}));
        cases.push(json!({"op": "choice", "seed": seed, "n": 70_000, "size": 7}));
    }
    for (seed, high) in [(3u64, 5u64), (3, 1 << 31), (5, 1 << 32), (5, (1 << 32) + 1)] {
        cases.push(json!({"op": "randint", "seed": seed, "high": high, "size": 3000}));
    }
    for high in [(1u64 << 40) + 12_345, 1 << 62, u64::MAX >> 1] {
        cases.push(json!({"op": "randint", "seed": 9, "high": high, "size": 3000}));
    }
    cases.push(
        json!({"op": "kid_choices", "seed": 2020, "n1": 1500, "n2": 1200,
        "size": 1000, "subsets": 5}),
    );
    cases
}

#[test]
fn streams_match_numpy_legacy_random_state() {
    let cases = cases();
    let expected = common::oracle::run_oracle("numpy_random_oracle.py", &cases);
    for (case, want) in cases.iter().zip(&expected) {
        let got = ours(case);
        let want = ints(want);
        assert_eq!(got.len(), want.len(), "{case}");
        if let Some(i) = got.iter().zip(&want).position(|(a, b)| a != b) {
            panic!("{case}: first difference at {i}: {} vs {}", got[i], want[i]);
        }
    }
}
