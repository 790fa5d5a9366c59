//! Slices against their reference tools, run live:
//! - SliceLine against the `sliceline` 0.3.0 package on random codes and
//!   errors (several sizes, features, cardinalities, alpha, k, max_l and
//!   min_sup as counts and fractions, binary and continuous errors) and on
//!   COCO ground truth (category, size class, aspect and position bins;
//!   errors from the fake detections' best IoU): the same top slices in
//!   the same order, statistics within 1e-9;
//! - Benjamini-Hochberg against statsmodels' `multipletests(fdr_bh)`
//!   within 1e-12;
//! - Newcombe's interval and the z-test against statsmodels, Welch's test
//!   against SciPy;
//! - binning against NumPy's quantile, linspace and searchsorted.

use assay_analysis::binning::{equal_count, equal_width};
use assay_analysis::multiple_testing::benjamini_hochberg;
use assay_analysis::slices::sliceline::{sliceline, MinSup, SliceLineParams};
use assay_analysis::slices::stats::{means, proportions};
use assay_gen::numpy_random::RandomState;
use serde_json::{json, Value};

mod common;
use common::oracle::{run_oracle, shared_data};

struct SliceCase {
    columns: Vec<Vec<u32>>,
    errors: Vec<f64>,
    params: SliceLineParams,
    label: String,
}

fn random_cases() -> Vec<SliceCase> {
    let mut rng = RandomState::new(19);
    let mut out = Vec::new();
    let settings: &[(usize, usize, usize)] = &[
        (40, 2, 3),
        (100, 3, 4),
        (300, 4, 3),
        (500, 5, 4),
        (1000, 4, 5),
        (2000, 6, 3),
    ];
    let alphas = [0.6, 0.95, 1.0, 0.3];
    let mut variant = 0usize;
    for &(n, m, card) in settings {
        for binary in [true, false] {
            variant += 1;
            // Cardinality per feature 2..=card, codes spread out (x3 + 1)
            // so that the one-hot mapping matters.
            let cards: Vec<u32> = (0..m)
                .map(|_| 2 + rng.random_interval((card - 2) as u64) as u32)
                .collect();
            let columns: Vec<Vec<u32>> = cards
                .iter()
                .map(|&c| {
                    (0..n)
                        .map(|_| 3 * rng.random_interval(c as u64 - 1) as u32 + 1)
                        .collect()
                })
                .collect();
            // A planted weak slice on the first two features.
            let errors: Vec<f64> = (0..n)
                .map(|i| {
                    let weak = columns[0][i] == 1 && columns[1][i] == 4;
                    let base = if weak { 0.7 } else { 0.15 };
                    let u = rng.random_sample();
                    if binary {
                        (u < base) as u8 as f64
                    } else if u < 0.2 {
                        0.0
                    } else {
                        base * rng.random_sample() * 2.0
                    }
                })
                .collect();
            let min_sups = [
                MinSup::Count(0),
                MinSup::Count(5),
                MinSup::Fraction(0.05),
                MinSup::Count(1),
            ];
            for (j, &k) in [1usize, 6, 20].iter().enumerate() {
                let max_l = 1 + (variant + j) % m.max(1) + usize::from(j == 2);
                let params = SliceLineParams {
                    alpha: alphas[(variant + j) % alphas.len()],
                    k,
                    max_l,
                    min_sup: min_sups[(variant + j) % min_sups.len()],
                };
                out.push(SliceCase {
                    columns: columns.clone(),
                    errors: errors.clone(),
                    params,
                    label: format!("random n {n} m {m} binary {binary} k {k}"),
                });
            }
        }
    }
    out
}

/// Box IoU of two COCO `[x, y, w, h]` boxes.
fn iou(a: &[f64], b: &[f64]) -> f64 {
    let w = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
    let h = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
    if w <= 0.0 || h <= 0.0 {
        return 0.0;
    }
    let inter = w * h;
    inter / (a[2] * a[3] + b[2] * b[3] - inter)
}

/// COCO val2014 ground truth (100 images, 839 objects): per object its
/// category id, COCO size class (area below 32^2, 96^2, above), aspect
/// (w / h, 4 equal-count bins), horizontal position (box centre over image
/// width, 3 equal-width bins) and crowd flag; errors `1 - best IoU` with a
/// fake detection of the same image and category, and that below 0.5
/// (missed at IoU 0.5).
fn coco_cases() -> Vec<SliceCase> {
    let dir = shared_data().join("faster_coco_eval_tests/tests/dataset/cocoapi");
    let read = |name: &str| -> Value {
        serde_json::from_slice(&std::fs::read(dir.join(name)).expect("COCO fixture")).expect("JSON")
    };
    let gt = read("instances_val2014_100.json");
    let dt = read("instances_val2014_fakebbox100_results.json");
    let widths: std::collections::HashMap<u64, f64> = gt["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|im| (im["id"].as_u64().unwrap(), im["width"].as_f64().unwrap()))
        .collect();
    let dets = dt.as_array().unwrap();
    let anns = gt["annotations"].as_array().unwrap();
    let mut category = Vec::new();
    let mut size = Vec::new();
    let mut aspect = Vec::new();
    let mut position = Vec::new();
    let mut crowd = Vec::new();
    let mut errors = Vec::new();
    for a in anns {
        let b: Vec<f64> = a["bbox"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let (image, cat) = (
            a["image_id"].as_u64().unwrap(),
            a["category_id"].as_u64().unwrap(),
        );
        let area = a["area"].as_f64().unwrap();
        category.push(cat as u32);
        size.push(if area < 1024.0 {
            0
        } else if area < 9216.0 {
            1
        } else {
            2
        });
        aspect.push(b[2] / b[3]);
        position.push((b[0] + b[2] / 2.0) / widths[&image]);
        crowd.push(a["iscrowd"].as_u64().unwrap() as u32);
        let best = dets
            .iter()
            .filter(|d| {
                d["image_id"].as_u64() == Some(image) && d["category_id"].as_u64() == Some(cat)
            })
            .map(|d| {
                let db: Vec<f64> = d["bbox"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect();
                iou(&b, &db)
            })
            .fold(0.0, f64::max);
        errors.push((1.0 - best).max(0.0));
    }
    let columns = vec![
        category,
        size,
        equal_count(&aspect, 4).unwrap().codes,
        equal_width(&position, 3).unwrap().codes,
        crowd,
    ];
    let missed: Vec<f64> = errors.iter().map(|e| (*e > 0.5) as u8 as f64).collect();
    let mut out = Vec::new();
    for (errors, name) in [(errors, "1 - IoU"), (missed, "missed at 0.5")] {
        for (k, max_l, min_sup) in [(5, 3, MinSup::Count(10)), (10, 4, MinSup::Fraction(0.02))] {
            out.push(SliceCase {
                columns: columns.clone(),
                errors: errors.clone(),
                params: SliceLineParams {
                    alpha: 0.6,
                    k,
                    max_l,
                    min_sup,
                },
                label: format!("COCO {name} k {k} max_l {max_l}"),
            });
        }
    }
    out
}

fn min_sup_json(m: MinSup) -> Value {
    match m {
        MinSup::Count(c) => json!(c),
        MinSup::Fraction(f) => json!(f),
    }
}

#[test]
fn sliceline_matches_the_package() {
    let cases: Vec<SliceCase> = random_cases().into_iter().chain(coco_cases()).collect();
    let input: Vec<Value> = cases
        .iter()
        .map(|c| {
            let n = c.errors.len();
            let rows: Vec<Vec<u32>> = (0..n)
                .map(|i| c.columns.iter().map(|col| col[i]).collect())
                .collect();
            json!({
                "kind": "sliceline", "x": rows, "errors": c.errors, "alpha": c.params.alpha,
                "k": c.params.k, "max_l": c.params.max_l, "min_sup": min_sup_json(c.params.min_sup),
            })
        })
        .collect();
    let expected = run_oracle("slices_oracle.py", &input);
    assert_eq!(expected.len(), cases.len());
    let (mut worst, mut slices_seen, mut multi) = (0.0f64, 0usize, 0usize);
    for (case, want) in cases.iter().zip(&expected) {
        let got = sliceline(&case.columns, &case.errors, &case.params).unwrap();
        let label = &case.label;
        let want_avg = want["average_error"].as_f64().unwrap();
        assert_eq!(got.average_error, want_avg, "{label}: average error");
        let want_slices = want["slices"].as_array().unwrap();
        let got_preds: Vec<Vec<(usize, u32)>> = got
            .slices
            .iter()
            .map(|s| s.predicates.iter().map(|p| (p.feature, p.code)).collect())
            .collect();
        let want_preds: Vec<Vec<(usize, u32)>> = want_slices
            .iter()
            .map(|s| {
                s.as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (
                            p[0].as_u64().unwrap() as usize,
                            p[1].as_u64().unwrap() as u32,
                        )
                    })
                    .collect()
            })
            .collect();
        assert_eq!(
            got_preds, want_preds,
            "{label}: top slices ({:?})",
            case.params
        );
        for (s, w) in got.slices.iter().zip(want["stats"].as_array().unwrap()) {
            let pairs = [
                (s.score, "slice_score"),
                (s.error_sum, "sum_slice_error"),
                (s.max_error, "max_slice_error"),
                (s.size as f64, "slice_size"),
                (s.mean_error, "slice_average_error"),
            ];
            for (g, name) in pairs {
                let w = w[name].as_f64().unwrap();
                let d = (g - w).abs();
                worst = worst.max(d);
                assert!(d <= 1e-9, "{label}: {name} {g} against {w}");
            }
            slices_seen += 1;
            multi += usize::from(s.predicates.len() > 1);
        }
    }
    // The cases must exercise the search: many slices, many with several
    // predicates.
    assert!(
        slices_seen > 100 && multi > 30,
        "{slices_seen} slices, {multi} with several predicates"
    );
    eprintln!(
        "{} cases, {slices_seen} slices ({multi} multi-predicate), largest difference {worst:e}",
        cases.len()
    );
}

#[test]
fn benjamini_hochberg_and_slice_tests_match_statsmodels_and_scipy() {
    let mut rng = RandomState::new(7);
    let mut p_sets: Vec<Vec<f64>> = vec![vec![0.5], vec![0.01, 0.01, 0.02, 0.5, 1.0, 0.0]];
    for &m in &[3usize, 10, 57, 400] {
        p_sets.push((0..m).map(|_| rng.random_sample().powi(3)).collect());
        // Ties.
        p_sets.push(
            (0..m)
                .map(|_| (rng.random_interval(5) as f64) / 20.0)
                .collect(),
        );
    }
    let props: Vec<(usize, usize, usize, usize)> = vec![
        (3, 10, 20, 100),
        (0, 15, 4, 300),
        (15, 15, 0, 30),
        (1, 1, 5, 9),
        (450, 1000, 12000, 50000),
        (7, 60, 7, 60),
    ];
    let mut mean_sets: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
    for &(na, nb) in &[(5usize, 8usize), (30, 400), (200, 1000)] {
        let a: Vec<f64> = (0..na).map(|_| 0.4 + 0.5 * rng.random_sample()).collect();
        let b: Vec<f64> = (0..nb)
            .map(|_| 0.3 * rng.random_sample() + rng.random_sample().powi(4))
            .collect();
        mean_sets.push((a, b));
    }
    let mut input: Vec<Value> = p_sets
        .iter()
        .map(|p| json!({"kind": "bh", "p": p}))
        .collect();
    input.extend(props.iter().map(
        |&(c1, n1, c2, n2)| json!({"kind": "proportions", "c1": c1, "n1": n1, "c2": c2, "n2": n2}),
    ));
    input.extend(
        mean_sets
            .iter()
            .map(|(a, b)| json!({"kind": "means", "a": a, "b": b})),
    );
    let expected = run_oracle("slices_oracle.py", &input);
    let mut worst_bh = 0.0f64;
    for (p, want) in p_sets.iter().zip(&expected) {
        let got = benjamini_hochberg(p).unwrap();
        for (g, w) in got.iter().zip(want["adjusted"].as_array().unwrap()) {
            let d = (g - w.as_f64().unwrap()).abs();
            worst_bh = worst_bh.max(d);
            assert!(d <= 1e-12, "BH {g} against {w} for {p:?}");
        }
    }
    let mut worst_ci = 0.0f64;
    let mut worst_p = 0.0f64;
    for (&(c1, n1, c2, n2), want) in props.iter().zip(&expected[p_sets.len()..]) {
        let got = proportions(c1, n1, c2, n2);
        for (g, name) in [(got.ci_low, "low"), (got.ci_high, "high")] {
            let w = want[name].as_f64().unwrap();
            worst_ci = worst_ci.max((g - w).abs());
            assert!(
                (g - w).abs() <= 1e-12,
                "Newcombe {name} {g} against {w} for {c1}/{n1} vs {c2}/{n2}"
            );
        }
        match want["p"].as_f64() {
            Some(w) => {
                worst_p = worst_p.max((got.p_value - w).abs());
                assert!(
                    (got.p_value - w).abs() <= 1e-12,
                    "z-test {} against {w}",
                    got.p_value
                )
            }
            // statsmodels: NaN without variance; here 1.
            None => assert_eq!(got.p_value, 1.0),
        }
    }
    for ((a, b), want) in mean_sets
        .iter()
        .zip(&expected[p_sets.len() + props.len()..])
    {
        let got = means(a, b);
        assert_eq!(got.slice_error, want["mean_a"].as_f64().unwrap());
        assert_eq!(got.rest_error, want["mean_b"].as_f64().unwrap());
        let w = want["p"].as_f64().unwrap();
        worst_p = worst_p.max((got.p_value - w).abs());
        assert!(
            (got.p_value - w).abs() <= 1e-12,
            "Welch {} against {w}",
            got.p_value
        );
    }
    eprintln!("BH largest difference {worst_bh:e}, intervals {worst_ci:e}, p-values {worst_p:e}");
}

#[test]
fn binning_matches_numpy() {
    let mut rng = RandomState::new(3);
    let mut sets: Vec<(Vec<f64>, usize)> = Vec::new();
    for &(n, bins) in &[(10usize, 3usize), (101, 4), (1000, 10), (777, 7)] {
        let x: Vec<f64> = (0..n)
            .map(|i| {
                if i % 13 == 5 {
                    f64::NAN
                } else {
                    rng.standard_normal() * 3.0 + 1.0
                }
            })
            .collect();
        sets.push((x, bins));
        // Heavy ties (counts), duplicate quantile edges.
        let t: Vec<f64> = (0..n)
            .map(|_| (rng.random_interval(6) as f64).powi(2))
            .collect();
        sets.push((t, bins));
    }
    let input: Vec<Value> = sets
        .iter()
        .map(|(x, bins)| {
            let x: Vec<Value> = x
                .iter()
                .map(|v| if v.is_nan() { Value::Null } else { json!(v) })
                .collect();
            json!({"kind": "binning", "x": x, "bins": bins})
        })
        .collect();
    let expected = run_oracle("slices_oracle.py", &input);
    for ((x, bins), want) in sets.iter().zip(&expected) {
        for (got, name) in [
            (equal_count(x, *bins).unwrap(), "count"),
            (equal_width(x, *bins).unwrap(), "width"),
        ] {
            let edges: Vec<f64> = want[name]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let codes: Vec<u32> = want[name]["codes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect();
            assert_eq!(got.edges, edges, "{name} edges, {bins} bins");
            assert_eq!(got.codes, codes, "{name} codes, {bins} bins");
        }
    }
}
