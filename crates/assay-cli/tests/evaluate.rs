//! End-to-end tests of evaluation inside a project: `assay evaluate` on
//! stored ground truth and predictions gives the same numbers as `assay eval
//! coco` on the files, records each run with its outcomes, and never
//! replaces an earlier run.

use std::path::{Path, PathBuf};
use std::process::Command;

use assay_store::Store;
use serde_json::Value;

mod common;
use common::{assay, data};

fn cocoapi() -> PathBuf {
    data().join("faster_coco_eval_tests/tests/dataset/cocoapi")
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("one JSON object")
}

/// A project holding the val2014-100 ground truth and the fake box results.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let p = dir.path();
    let d = cocoapi();
    assay(p, &["init", p.to_str().unwrap()]);
    let gt = d.join("instances_val2014_100.json");
    assay(
        p,
        &["import", "coco", "--annotations", gt.to_str().unwrap()],
    );
    let dt = d.join("instances_val2014_fakebbox100_results.json");
    let dt = dt.to_str().unwrap();
    assay(p, &["predictions", "add", "--model", "fake", "--coco", dt]);
    dir
}

#[test]
fn project_evaluation_equals_file_evaluation_and_is_recorded() {
    let dir = project();
    let p = dir.path();
    let d = cocoapi();
    let files = json(&assay(
        p,
        &[
            "eval",
            "coco",
            "--gt",
            d.join("instances_val2014_100.json").to_str().unwrap(),
            "--dt",
            d.join("instances_val2014_fakebbox100_results.json")
                .to_str()
                .unwrap(),
            "--json",
        ],
    ));
    let first = json(&assay(p, &["evaluate", "--model", "fake", "--json"]));
    assert_eq!(
        first["stats"], files["stats"],
        "same numbers from the store as from the files"
    );
    let ap = first["stats"][0].as_f64().unwrap();
    assert!(
        (ap - 0.5046).abs() < 5e-5,
        "pycocotools reports AP 0.5046, got {ap}"
    );

    let second = json(&assay(p, &["evaluate", "--model", "fake", "--json"]));
    assert_ne!(first["run_id"], second["run_id"], "a re-run is a new run");
    let runs = json(&assay(p, &["runs", "--json"]));
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["inputs_hash"], runs[1]["inputs_hash"]);
    assert_ne!(runs[0]["created_at"], Value::Null);

    let store = Store::open(p).unwrap();
    let outcomes = store
        .run_outcomes(first["run_id"].as_i64().unwrap())
        .unwrap();
    let count = |prediction: bool, outcome: &str| {
        outcomes
            .iter()
            .filter(|o| o.prediction == prediction && o.outcome == outcome)
            .count()
    };
    let (tp_dets, tp_gts) = (count(true, "tp"), count(false, "tp"));
    assert!(tp_dets > 0);
    assert_eq!(
        tp_dets, tp_gts,
        "every true positive pairs a prediction with a ground truth"
    );
    let predictions = outcomes.iter().filter(|o| o.prediction).count();
    let ground_truths = outcomes.len() - predictions;
    assert_eq!(ground_truths, 839, "every ground truth has an outcome");
    assert!(predictions > 0);
    for o in outcomes.iter().filter(|o| o.outcome == "tp") {
        assert!(o.iou >= 0.5 && o.matched_id.is_some(), "{o:?}");
    }
    for o in outcomes.iter().filter(|o| o.outcome == "fp") {
        assert!(
            o.error.is_some(),
            "every false positive has an error kind: {o:?}"
        );
    }
}

#[test]
fn a_stricter_threshold_finds_fewer_true_positives() {
    let dir = project();
    let p = dir.path();
    let tp = |iou: &str| {
        let run = json(&assay(
            p,
            &["evaluate", "--model", "fake", "--iou", iou, "--json"],
        ));
        let counts = run["counts"].as_object().unwrap().clone();
        let total: u64 = counts.values().map(|c| c[0].as_u64().unwrap()).sum();
        (total, run)
    };
    let (loose, run) = tp("0.5");
    let (strict, _) = tp("0.9");
    assert!(strict < loose, "{strict} TPs at 0.9, {loose} at 0.5");
    let k = run["confusion"]["category_ids"].as_array().unwrap().len();
    let counts = run["confusion"]["counts"].as_array().unwrap();
    assert_eq!(counts.len(), k + 1, "a background row");
    let diagonal: u64 = (0..k).map(|i| counts[i][i].as_u64().unwrap()).sum();
    assert_eq!(diagonal, loose, "true positives fill the diagonal");
}

#[test]
fn results_of_unknown_categories_are_left_out_with_a_warning() {
    let d = cocoapi();
    let tmp = tempfile::tempdir().unwrap();
    let gt = d.join("instances_val2014_100.json");
    let dt = d.join("instances_val2014_fakebbox100_results.json");
    let mut results: Vec<Value> = serde_json::from_slice(&std::fs::read(&dt).unwrap()).unwrap();
    let mut stray = results[0].clone();
    stray["category_id"] = 9999.into();
    stray["score"] = 1.0.into();
    results.insert(1, stray);
    let with_stray = tmp.path().join("results.json");
    std::fs::write(&with_stray, serde_json::to_vec(&results).unwrap()).unwrap();
    let run = |dt: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_assay"))
            .args(["eval", "coco", "--json", "--gt", gt.to_str().unwrap()])
            .args(["--dt", dt.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stats = json(&String::from_utf8(out.stdout).unwrap())["stats"].clone();
        (stats, String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (plain, _) = run(&dt);
    let (stray, stderr) = run(&with_stray);
    assert_eq!(plain, stray, "pycocotools leaves unknown categories out");
    assert!(
        stderr.contains("unknown_category") && stderr.contains("9999"),
        "{stderr}"
    );
}
