//! Mutual information against scikit-learn 1.9's `mutual_info_regression`
//! and correlations against SciPy 1.17's `pearsonr` and `spearmanr`, run
//! live: continuous values, heavy ties (counts, IoU with 0 for every
//! miss, as the per-object outcome is), constant columns, few and many
//! items, k = 3 and 5, several seeds; and real box columns of the COCO
//! val2014 100-image set in `../shared/data`. Each estimate must agree within
//! 1e-9 (correlations within 1e-12), and the legacy normal draws bit for
//! bit.

use assay_analysis::correlation::{pearson, spearman};
use assay_analysis::mutual_info::mutual_info_regression;
use assay_gen::numpy_random::RandomState;
use serde_json::{json, Value};

mod common;
use common::oracle::{run_oracle, shared_data};

/// A case: property, outcome, neighbours, seed.
struct Case {
    x: Vec<f64>,
    y: Vec<f64>,
    k: usize,
    seed: u32,
}

fn cases() -> Vec<Case> {
    let mut rng = RandomState::new(11);
    let mut out = Vec::new();
    for (i, &n) in [4usize, 7, 30, 200, 1000, 2500].iter().enumerate() {
        for k in [3usize, 5] {
            if n <= k {
                continue;
            }
            let seed = (i * 10 + k) as u32;
            // Continuous and related.
            let x: Vec<f64> = (0..n).map(|_| rng.standard_normal()).collect();
            let y: Vec<f64> = x.iter().map(|v| v * 0.5 + rng.standard_normal()).collect();
            out.push(Case {
                x: x.clone(),
                y,
                k,
                seed,
            });
            // Brightness-like property against IoU, 0 for misses.
            let iou: Vec<f64> = x
                .iter()
                .map(|v| {
                    let u = rng.random_sample();
                    if u < 0.3 + 0.2 * v.tanh() {
                        0.0
                    } else {
                        (0.5 + 0.5 * rng.random_sample()).min(1.0)
                    }
                })
                .collect();
            let brightness: Vec<f64> = x.iter().map(|v| 100.0 + 40.0 * v).collect();
            out.push(Case {
                x: brightness,
                y: iou.clone(),
                k,
                seed: seed + 1,
            });
            // Integer counts (many ties) against IoU.
            let counts: Vec<f64> = (0..n).map(|_| rng.random_interval(5) as f64).collect();
            out.push(Case {
                x: counts,
                y: iou.clone(),
                k,
                seed: seed + 2,
            });
            // A constant property.
            out.push(Case {
                x: vec![7.0; n],
                y: iou,
                k,
                seed: seed + 3,
            });
        }
    }
    out.extend(real_cases());
    out
}

/// Real columns: the boxes of the COCO val2014 100-image ground truth in
/// `../shared/data` (839 objects): log area against aspect ratio, and
/// width against height (integer-heavy, many ties).
fn real_cases() -> Vec<Case> {
    let path = shared_data()
        .join("faster_coco_eval_tests/tests/dataset/cocoapi/instances_val2014_100.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let coco: Value = serde_json::from_str(&text).unwrap();
    let boxes: Vec<[f64; 4]> = coco["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let b = a["bbox"].as_array().unwrap();
            [0, 1, 2, 3].map(|i| b[i].as_f64().unwrap())
        })
        .filter(|b| b[2] > 0.0 && b[3] > 0.0)
        .collect();
    let area: Vec<f64> = boxes.iter().map(|b| (b[2] * b[3]).ln()).collect();
    let aspect: Vec<f64> = boxes.iter().map(|b| b[2] / b[3]).collect();
    let width: Vec<f64> = boxes.iter().map(|b| b[2].round()).collect();
    let height: Vec<f64> = boxes.iter().map(|b| b[3].round()).collect();
    vec![
        Case {
            x: area,
            y: aspect,
            k: 3,
            seed: 0,
        },
        Case {
            x: width,
            y: height,
            k: 3,
            seed: 42,
        },
    ]
}

#[test]
fn mutual_information_matches_scikit_learn() {
    let cases = cases();
    let input: Vec<Value> = cases
        .iter()
        .map(|c| json!({"x": c.x, "y": c.y, "k": c.k, "seed": c.seed}))
        .collect();
    let expected = run_oracle("importance_oracle.py", &input);
    assert_eq!(expected.len(), cases.len());
    let mut worst = 0.0f64;
    for (i, (case, want)) in cases.iter().zip(&expected).enumerate() {
        let mut rng = RandomState::new(case.seed);
        let normals: Vec<u64> = (0..7).map(|_| rng.standard_normal().to_bits()).collect();
        let want_normals: Vec<u64> = want["normals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(normals, want_normals, "case {i}: standard_normal draws");
        for (name, got) in [
            ("pearson", pearson(&case.x, &case.y)),
            ("spearman", spearman(&case.x, &case.y)),
        ] {
            match (got, want[name].as_f64()) {
                (Some(g), Some(w)) => {
                    assert!((g - w).abs() <= 1e-12, "case {i}: {name} {g} against {w}")
                }
                (g, w) => assert_eq!(g, w, "case {i}: {name}"),
            }
        }
        let got = mutual_info_regression(&case.x, &case.y, case.k, case.seed).unwrap();
        let want = want["mi"].as_f64().unwrap();
        let diff = (got - want).abs();
        worst = worst.max(diff);
        assert!(
            diff <= 1e-9,
            "case {i} (n {}, k {}): {got} against scikit-learn's {want}",
            case.x.len(),
            case.k
        );
    }
    eprintln!("{} cases, largest difference {worst:e}", cases.len());
}
