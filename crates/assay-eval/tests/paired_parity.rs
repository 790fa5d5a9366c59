//! Parity of the paired comparison of two runs with the reference tools.
//!
//! - The bootstrap's weighted re-accumulation (`ResampleEvaluator`): for
//!   explicit resamples (image index lists with repeats, in a chosen order),
//!   the COCO summary (`stats`) and per-category AP must equal pycocotools
//!   2.0.11 run on the materialised resample (each occurrence a new image,
//!   ids ascending in resample order) within 1e-12. Cases: the real
//!   val2014 100-image set with its fake box results (run A) and a
//!   perturbed copy (run B: boxes jittered, scores permuted, so tied scores
//!   stay), its fake mask results, and seeded random cases (heavy score
//!   ties across images, crowds, areas on the range bounds, more
//!   detections than `maxDets`).
//! - McNemar's test: statistic and p-value equal statsmodels 0.15's
//!   `mcnemar` within 1e-12 on random tables (small, zero and large
//!   discordant counts), exact and chi-squared with and without the
//!   continuity correction.
//!
//! The oracle is `tests/oracles/paired_oracle.py`, run with `ASSAY_PYTHON`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use assay_core::model::{Annotation, Dataset};
use assay_eval::classification::{mcnemar, ClassificationError, McNemarTest};
use assay_eval::coco::{paired_bootstrap, BootstrapOptions, IouType, Params, ResampleEvaluator};
use assay_io::coco::{read_coco, read_coco_results};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

mod common;
use common::oracle::{run_oracle, shared_data};

const TOLERANCE: f64 = 1e-12;
const SEED: u64 = 0x9a1_12ed_b007;
const SYNTHETIC_CASES: usize = 30;

/// One run on one ground truth, evaluated on several resamples.
struct Case {
    label: String,
    gt: PathBuf,
    dt: PathBuf,
    iou_type: IouType,
    resamples: Vec<Vec<usize>>,
}

fn cocoapi(name: &str) -> PathBuf {
    let path = shared_data()
        .join("faster_coco_eval_tests/tests/dataset/cocoapi")
        .join(name);
    assert!(path.is_file(), "test data {} not found", path.display());
    path
}

fn load(gt: &Path, dt: &Path) -> (Dataset, Vec<Annotation>) {
    let gt = read_coco(gt).expect("read the ground truth");
    let sizes: HashMap<i64, Option<(u32, u32)>> = gt
        .dataset
        .samples
        .iter()
        .map(|s| (s.id, s.width.zip(s.height)))
        .collect();
    let categories: HashSet<i64> = gt.dataset.categories.iter().map(|c| c.id).collect();
    let (dt, _) = read_coco_results(dt, &sizes, &categories).expect("read the results");
    (gt.dataset, dt)
}

/// Run B: run A's boxes jittered and its scores permuted.
fn perturbed(a: &Path, out: &Path, rng: &mut ChaCha8Rng) -> PathBuf {
    let text = std::fs::read_to_string(a).expect("read the results");
    let mut results: Vec<Value> = serde_json::from_str(&text).expect("results are JSON");
    let mut scores: Vec<f64> = results
        .iter()
        .map(|r| r["score"].as_f64().expect("a score"))
        .collect();
    scores.shuffle(rng);
    let round = |v: f64| (v * 100.0).round() / 100.0;
    for (r, score) in results.iter_mut().zip(scores) {
        let b: Vec<f64> = serde_json::from_value(r["bbox"].clone()).expect("a bbox");
        let mut shift = || rng.random_range(-3.0..3.0);
        let (dx, dy) = (shift(), shift());
        let mut scale = || rng.random_range(0.9..1.1);
        let (sw, sh) = (scale(), scale());
        r["bbox"] = json!([
            round(b[0] + dx),
            round(b[1] + dy),
            round(b[2] * sw),
            round(b[3] * sh)
        ]);
        r["score"] = json!(score);
    }
    let path = out.join("fakebbox100_perturbed.json");
    std::fs::write(&path, Value::Array(results).to_string()).expect("write run B");
    path
}

/// Resamples of `n` images: the identity, its reverse, draws with
/// replacement, heavy repeats, and shorter and longer lists.
fn resample_lists(n: usize, rng: &mut ChaCha8Rng, draws: usize) -> Vec<Vec<usize>> {
    let mut lists = vec![(0..n).collect::<Vec<_>>(), (0..n).rev().collect()];
    for _ in 0..draws {
        lists.push((0..n).map(|_| rng.random_range(0..n)).collect());
    }
    let mut heavy: Vec<usize> = (0..n).map(|_| rng.random_range(0..n.min(3))).collect();
    heavy.shuffle(rng);
    lists.push(heavy);
    let len = rng.random_range(1..2 * n + 1);
    lists.push((0..len).map(|_| rng.random_range(0..n)).collect());
    lists
}

/// A random ground truth and results as COCO files, written to `dir`.
fn synthetic(rng: &mut ChaCha8Rng, dir: &Path, index: usize) -> (PathBuf, PathBuf, usize) {
    let n = rng.random_range(2..9);
    let image_ids: Vec<i64> = (0..n as i64).map(|j| 3 * j + 7).collect();
    let categories = [1i64, 4, 9];
    let sides = [8.0, 31.0, 32.0, 60.0, 96.0, 150.0];
    let (mut gts, mut dts) = (Vec::new(), Vec::new());
    let score = |rng: &mut ChaCha8Rng| rng.random_range(1..10) as f64 / 10.0;
    for &image in &image_ids {
        for &cat in &categories {
            for _ in 0..rng.random_range(0..4) {
                let side: f64 = sides[rng.random_range(0..sides.len())];
                let (x, y) = (
                    rng.random_range(0.0..400.0f64),
                    rng.random_range(0.0..300.0f64),
                );
                let (x, y) = (x.round(), y.round());
                gts.push(json!({
                    "id": gts.len() + 1, "image_id": image, "category_id": cat,
                    "bbox": [x, y, side, side], "area": side * side,
                    "iscrowd": u8::from(rng.random_bool(0.1)),
                }));
                for _ in 0..rng.random_range(0..3) {
                    let j = rng.random_range(-0.25..0.25) * side;
                    let k = rng.random_range(-0.25..0.25) * side;
                    dts.push(json!({
                        "image_id": image, "category_id": cat,
                        "bbox": [x + j, y + k, side, side], "score": score(rng),
                    }));
                }
            }
            let extra = if rng.random_bool(0.05) { 105 } else { 3 };
            for _ in 0..rng.random_range(0..extra) {
                let (x, y) = (rng.random_range(0.0..400.0), rng.random_range(0.0..300.0));
                dts.push(json!({
                    "image_id": image, "category_id": cat,
                    "bbox": [x, y, 40.0, 30.0], "score": score(rng),
                }));
            }
        }
    }
    if dts.is_empty() {
        dts.push(json!({
            "image_id": image_ids[0], "category_id": 1,
            "bbox": [1.0, 1.0, 10.0, 10.0], "score": 0.5,
        }));
    }
    let gt = json!({
        "images": image_ids.iter().map(|&id| json!({
            "id": id, "file_name": format!("{id}.jpg"), "width": 640, "height": 480,
        })).collect::<Vec<_>>(),
        "categories": categories.iter().map(|&id| json!({"id": id, "name": format!("c{id}")}))
            .collect::<Vec<_>>(),
        "annotations": gts,
    });
    let (gt_path, dt_path) = (
        dir.join(format!("synthetic{index}_gt.json")),
        dir.join(format!("synthetic{index}_dt.json")),
    );
    std::fs::write(&gt_path, gt.to_string()).expect("write the ground truth");
    std::fs::write(&dt_path, Value::Array(dts).to_string()).expect("write the results");
    (gt_path, dt_path, n)
}

fn floats(v: &Value) -> Vec<f64> {
    serde_json::from_value(v.clone()).expect("a list of numbers")
}

#[test]
fn resampled_coco_metrics_match_pycocotools_on_materialised_resamples() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let gt = cocoapi("instances_val2014_100.json");
    let run_a = cocoapi("instances_val2014_fakebbox100_results.json");
    let run_b = perturbed(&run_a, dir.path(), &mut rng);
    let real = resample_lists(100, &mut rng, 3);
    let mut cases = vec![
        Case {
            label: "val2014 bbox run A".into(),
            gt: gt.clone(),
            dt: run_a.clone(),
            iou_type: IouType::Bbox,
            resamples: real.clone(),
        },
        Case {
            label: "val2014 bbox run B".into(),
            gt: gt.clone(),
            dt: run_b.clone(),
            iou_type: IouType::Bbox,
            resamples: real.clone(),
        },
        Case {
            label: "val2014 segm".into(),
            gt: gt.clone(),
            dt: cocoapi("instances_val2014_fakesegm100_results.json"),
            iou_type: IouType::Segm,
            resamples: real[2..4].to_vec(),
        },
    ];
    for i in 0..SYNTHETIC_CASES {
        let (gt, dt, n) = synthetic(&mut rng, dir.path(), i);
        let mut resamples = resample_lists(n, &mut rng, 2);
        resamples.remove(0);
        cases.push(Case {
            label: format!("synthetic {i}"),
            gt,
            dt,
            iou_type: IouType::Bbox,
            resamples,
        });
    }
    let requests: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "kind": "coco", "gt": c.gt, "dt": c.dt,
                "iou_type": c.iou_type.as_str(), "resamples": c.resamples,
            })
        })
        .collect();
    let started = Instant::now();
    let expected = run_oracle("paired_oracle.py", &requests);
    let oracle_time = started.elapsed();
    let (mut worst, mut compared, mut failures) = (0.0f64, 0usize, Vec::new());
    let mut identity = Vec::new();
    for (case, expected) in cases.iter().zip(&expected) {
        let (dataset, predictions) = load(&case.gt, &case.dt);
        let params = Params::new(case.iou_type);
        let evaluator =
            ResampleEvaluator::new(&dataset, &predictions, &params).expect("assay evaluates");
        for (picks, want) in case
            .resamples
            .iter()
            .zip(expected["resamples"].as_array().expect("a list"))
        {
            let got = evaluator.evaluate(picks).expect("a valid resample");
            let pairs = [
                ("stats", &got.summary, floats(&want["stats"])),
                (
                    "category AP",
                    &got.category_ap,
                    floats(&want["category_ap"]),
                ),
            ];
            for (what, got, want) in pairs {
                assert_eq!(got.len(), want.len(), "{}: {what} lengths", case.label);
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    let diff = (g - w).abs();
                    worst = worst.max(diff);
                    compared += 1;
                    if diff > TOLERANCE || diff.is_nan() {
                        failures.push(format!(
                            "{} ({} images): {what}[{i}] assay {g} pycocotools {w}",
                            case.label,
                            picks.len()
                        ));
                    }
                }
            }
            if picks.iter().copied().eq(0..evaluator.image_ids().len()) {
                identity.push((case.label.clone(), got.summary.clone()));
            }
        }
    }
    println!(
        "{compared} values over {} resamples of {} cases; max |assay - pycocotools| = {worst:e}; \
         pycocotools took {oracle_time:.1?}",
        cases.iter().map(|c| c.resamples.len()).sum::<usize>(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} values differ from pycocotools:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The bootstrap's point estimates are the full-set metrics.
    let (dataset, a) = load(&gt, &run_a);
    let (_, b) = load(&gt, &run_b);
    let resamples = if cfg!(debug_assertions) { 20 } else { 1000 };
    let options = BootstrapOptions {
        resamples,
        ..BootstrapOptions::default()
    };
    let started = Instant::now();
    let report = paired_bootstrap(&dataset, &a, &b, &Params::new(IouType::Bbox), &options)
        .expect("the bootstrap runs");
    println!(
        "paired bootstrap, val2014 100 images, {resamples} resamples: {:.2?}",
        started.elapsed()
    );
    let full = |label: &str| {
        identity
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, s)| s.clone())
            .expect("the identity resample was compared")
    };
    let (full_a, full_b) = (full("val2014 bbox run A"), full("val2014 bbox run B"));
    for (j, m) in report.metrics.iter().take(full_a.len()).enumerate() {
        assert_eq!(m.class, None);
        assert_eq!((m.a, m.b), (full_a[j], full_b[j]), "{}", m.name);
        let (low, high) = (m.low.expect("an interval"), m.high.expect("an interval"));
        assert!(low <= high && m.p_value.is_some_and(|p| p > 0.0 && p <= 1.0));
    }
    assert_eq!(report.metrics[0].name, "AP");
    assert!(report.metrics.iter().any(|m| m.class.is_some()));
    println!(
        "AP: A {:.4} B {:.4} B-A {:+.4} [{:+.4}, {:+.4}] p = {:.4}",
        report.metrics[0].a,
        report.metrics[0].b,
        report.metrics[0].difference,
        report.metrics[0].low.unwrap_or(f64::NAN),
        report.metrics[0].high.unwrap_or(f64::NAN),
        report.metrics[0].p_value.unwrap_or(f64::NAN),
    );
}

#[test]
fn mcnemar_matches_statsmodels() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ 0x3c);
    let mut tables: Vec<[[u64; 2]; 2]> = vec![
        [[10, 0], [0, 7]],
        [[0, 0], [0, 0]],
        [[3, 0], [5, 2]],
        [[3, 1], [0, 2]],
        [[0, 4], [4, 0]],
        [[50, 1], [1, 50]],
        [[1000, 40000], [40321, 9]],
        [[5, 100000], [99000, 5]],
    ];
    for i in 0..300 {
        let max = [3u64, 12, 60, 1000, 100_000][i % 5];
        let mut cell = || rng.random_range(0..=max);
        tables.push([[cell(), cell()], [cell(), cell()]]);
    }
    let tests = [
        McNemarTest::Exact,
        McNemarTest::ChiSquared { correction: true },
        McNemarTest::ChiSquared { correction: false },
    ];
    let mut requests = Vec::new();
    let mut asked = Vec::new();
    for table in &tables {
        for test in tests {
            let discordant = table[0][1] + table[1][0];
            if discordant == 0 && test != McNemarTest::Exact {
                assert_eq!(
                    mcnemar(*table, test),
                    Err(ClassificationError::NoDiscordantPairs)
                );
                continue;
            }
            let (exact, correction) = match test {
                McNemarTest::Exact => (true, true),
                McNemarTest::ChiSquared { correction } => (false, correction),
            };
            requests.push(json!({"table": table, "exact": exact, "correction": correction}));
            asked.push((*table, test));
        }
    }
    let expected = run_oracle(
        "paired_oracle.py",
        &[json!({"kind": "mcnemar", "tables": requests})],
    );
    let expected = expected[0]["tests"].as_array().expect("a list");
    assert_eq!(expected.len(), asked.len());
    let (mut worst, mut worst_relative, mut failures) = (0.0f64, 0.0f64, Vec::new());
    for ((table, test), want) in asked.iter().zip(expected) {
        let got = mcnemar(*table, *test).expect("defined");
        for (what, g, w) in [
            (
                "statistic",
                got.statistic,
                want["statistic"].as_f64().expect("a number"),
            ),
            (
                "p-value",
                got.p_value,
                want["p_value"].as_f64().expect("a number"),
            ),
        ] {
            let diff = (g - w).abs();
            worst = worst.max(diff);
            if w != 0.0 {
                worst_relative = worst_relative.max(diff / w.abs());
            }
            if diff.is_nan() || diff > TOLERANCE {
                failures.push(format!(
                    "{table:?} {test:?}: {what} assay {g} statsmodels {w}"
                ));
            }
        }
    }
    println!(
        "{} McNemar tests: max |assay - statsmodels| = {worst:e}, max relative {worst_relative:e}",
        asked.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
