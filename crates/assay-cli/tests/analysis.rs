//! `assay analyze ...` on the demo (the default size, built once): what
//! the analysis finds must be what the simulated detector does (it misses
//! small objects, sees dark images badly and calls circles ellipses), the
//! planted shift of the `shifted` split must be flagged where it is and
//! hardly anywhere else, and two runs compare with honest intervals.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use common::{assay, binary};

fn demo() -> &'static Path {
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("analysis-demo");
        binary().ok(None, &["demo", dir.to_str().unwrap()]);
        dir
    })
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&assay(demo(), args)).expect("valid JSON")
}

fn is_size(column: &str) -> bool {
    column.ends_with("area")
}

/// Whether an image metric measures exposure or sharpness: what the
/// simulated detector's visibility depends on (dark, light and blurred
/// images).
fn is_exposure_or_blur(column: &str) -> bool {
    [
        "bright", "dark", "light", "exposed", "blur", "detail", "soft",
    ]
    .iter()
    .any(|k| column.contains(k))
}

#[test]
fn importance_ranks_object_size_and_image_exposure_first() {
    let result = json(&["analyze", "importance", "--run", "1", "--json"]);
    let overall = &result["groups"][0];
    assert!(overall["class"].is_null());
    let top = |key: &str, n: usize| -> Vec<String> {
        overall[key].as_array().unwrap()[..n]
            .iter()
            .map(|m| m["metric"].as_str().unwrap().to_string())
            .collect()
    };
    let objects = top("metrics", 3);
    assert!(
        objects.iter().any(|m| is_size(m)),
        "top object metrics: {objects:?}"
    );
    let images = top("image_metrics", 3);
    assert!(
        images.iter().filter(|m| is_exposure_or_blur(m)).count() >= 2,
        "top image metrics: {images:?}"
    );
    let n_images = overall["images"].as_u64().unwrap();
    for (key, level_n) in [
        ("metrics", overall["objects"].as_u64()),
        ("image_metrics", Some(n_images)),
    ] {
        for m in overall[key].as_array().unwrap() {
            let (mi, null, excess) = (
                m["mutual_info"].as_f64().unwrap(),
                m["null_mean"].as_f64().unwrap(),
                m["excess"].as_f64().unwrap(),
            );
            assert!((mi - null - excess).abs() < 1e-12, "{m}");
            assert!(m["level"] != "model", "a model-derived metric ranked: {m}");
            assert_eq!(key == "image_metrics", m["level"] == "image", "{m}");
            assert!(m["n"].as_u64() <= level_n, "{m}");
        }
    }
}

#[test]
fn slices_find_small_objects_missed_and_ellipse_confusions() {
    let missed = json(&["analyze", "slices", "--run", "1", "--json"]);
    let first = &missed["slices"][0];
    assert!(first["significant"].as_bool().unwrap(), "{first}");
    assert!(
        first["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| is_size(c["column"].as_str().unwrap())),
        "the weakest slice is not about size: {first}"
    );
    assert!(first["error_rate"].as_f64().unwrap() > missed["error_rate"].as_f64().unwrap() + 0.2);
    let [low, high] = [0, 1].map(|i| first["interval"][i].as_f64().unwrap());
    let d = first["difference"].as_f64().unwrap();
    assert!(low <= d && d <= high && low > 0.0, "{first}");

    let confused = json(&[
        "analyze",
        "slices",
        "--run",
        "1",
        "--target",
        "classification",
        "--json",
    ]);
    let top = confused["slices"][0]["description"].as_str().unwrap();
    assert!(
        top.contains("class ellipse") || top.contains("class circle"),
        "classification errors are not about circles and ellipses: {top}"
    );
    let kinds = &confused["slices"][0]["error_kinds"][0];
    assert_eq!(kinds[0], "classification", "{kinds}");
}

#[test]
fn recall_grows_with_box_size() {
    let result = json(&[
        "analyze",
        "buckets",
        "--run",
        "1",
        "--metric",
        "box_area",
        "--resamples",
        "100",
        "--json",
    ]);
    let buckets = result["groups"][0]["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 5);
    let recall = |b: &Value| b["recall"]["value"].as_f64().unwrap();
    let (small, large) = (&buckets[0], &buckets[4]);
    assert!(
        small["recall"]["high"].as_f64().unwrap() < large["recall"]["low"].as_f64().unwrap(),
        "small {} vs large {}",
        recall(small),
        recall(large)
    );
    for b in buckets {
        for key in ["recall", "precision", "ap"] {
            let e = &b[key];
            let (v, lo, hi) = (
                e["value"].as_f64().unwrap(),
                e["low"].as_f64().unwrap(),
                e["high"].as_f64().unwrap(),
            );
            assert!(lo <= hi && (0.0..=1.0).contains(&v), "{key}: {e}");
        }
    }
}

/// Columns the planted shift (darker, slightly blurred images of the same
/// scenes) cannot change: geometry, format, duplicates, and every object
/// measurement and the class mix.
const UNCHANGED_IMAGE_COLUMNS: &[&str] = &[
    "width",
    "height",
    "area",
    "aspect_ratio",
    "size",
    "odd_size_score",
    "odd_aspect_ratio_score",
    "file_format",
    "image_size",
    "exact_duplicates_score",
    "near_duplicates_score",
    "is_grayscale",
    "grayscale_score",
    "monochrome_score",
    "unusual_size_score",
    "unreadable_score",
];

#[test]
fn drift_flags_the_planted_shift_and_little_else() {
    let result = json(&[
        "analyze",
        "drift",
        "--dataset",
        "shapes",
        "--reference",
        "train",
        "--current",
        "shifted",
        "--json",
    ]);
    let images = result["images"]["columns"].as_array().unwrap();
    let drifted = |name: &str| {
        images
            .iter()
            .find(|c| c["column"] == name)
            .unwrap_or_else(|| panic!("no column {name}"))["drifted"]
            .as_bool()
            .unwrap()
    };
    for name in ["brightness", "blurriness", "dark_score"] {
        assert!(drifted(name), "{name} not flagged");
    }
    let mut unchanged: Vec<&Value> = images
        .iter()
        .filter(|c| UNCHANGED_IMAGE_COLUMNS.contains(&c["column"].as_str().unwrap()))
        .collect();
    assert!(unchanged.len() >= 10, "{unchanged:?}");
    unchanged.extend(result["objects"]["columns"].as_array().unwrap());
    let flagged: Vec<&str> = unchanged
        .iter()
        .filter(|c| c["drifted"].as_bool().unwrap())
        .map(|c| c["column"].as_str().unwrap())
        .collect();
    assert!(
        flagged.len() as f64 <= 0.05 * unchanged.len() as f64,
        "{} of {} unchanged columns flagged: {flagged:?}",
        flagged.len(),
        unchanged.len()
    );
    // Evidently's dataset verdict: drifted when at least `drift_share` of
    // the columns drift. Nearly half the image columns measure exposure or
    // detail, and they drift; the rest do not.
    let share = result["images"]["share_drifted"].as_f64().unwrap();
    assert!(share >= 0.45, "{share}");
    let verdict = share >= result["images"]["drift_share"].as_f64().unwrap();
    assert_eq!(result["images"]["drifted"], verdict);
}

#[test]
fn compare_reports_an_interval_for_the_retrained_detector() {
    let result = json(&[
        "analyze",
        "compare",
        "--a",
        "1",
        "--b",
        "2",
        "--resamples",
        "300",
        "--json",
    ]);
    assert_eq!(result["a"]["model"], "sim-detector");
    assert_eq!(result["b"]["model"], "sim-detector-v2");
    let ap = result["bootstrap"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "AP" && m["class"].is_null())
        .unwrap();
    let (a, b, d) = (
        ap["a"].as_f64().unwrap(),
        ap["b"].as_f64().unwrap(),
        ap["difference"].as_f64().unwrap(),
    );
    assert!((b - a - d).abs() < 1e-12);
    let (lo, hi) = (ap["low"].as_f64().unwrap(), ap["high"].as_f64().unwrap());
    assert!(lo < d && d < hi, "{ap}");
    let p = ap["p_value"].as_f64().unwrap();
    assert!(p > 0.0 && p <= 1.0);
}

#[test]
fn mcnemar_compares_two_classifiers() {
    // A second classifier: right on two images in three, else a wrong class.
    let labels = std::fs::read_to_string(demo().join("data").join("labels.csv")).unwrap();
    let mut preds = String::from("file,pred\n");
    for (i, line) in labels.lines().skip(1).enumerate() {
        let (file, label) = line.split_once(',').unwrap();
        let pred = match (i % 3, label) {
            (0, "circle") => "square",
            (0, _) => "circle",
            _ => label,
        };
        preds += &format!("{file},{pred}\n");
    }
    let file = demo().join("second_preds.csv");
    std::fs::write(&file, preds).unwrap();
    let dataset = ["--dataset", "shapes-main"];
    let model = ["--model", "second-classifier"];
    assay(
        demo(),
        &[
            &["predictions", "classes", "--preds", file.to_str().unwrap()][..],
            &model,
            &dataset,
        ]
        .concat(),
    );
    assay(demo(), &[&["evaluate"][..], &model, &dataset].concat());
    let runs: Value = serde_json::from_str(&assay(
        demo(),
        &["runs", "--dataset", "shapes-main", "--json"],
    ))
    .unwrap();
    let run = |model: &str| {
        runs.as_array()
            .unwrap()
            .iter()
            .find(|r| r["model"] == model)
            .unwrap()
            .clone()
    };
    let accuracy = |r: &Value| {
        r["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m[0] == "accuracy")
            .unwrap()[1]
            .as_f64()
            .unwrap()
    };
    let (a, b) = (run("sim-classifier"), run("second-classifier"));
    let (ida, idb) = (a["id"].to_string(), b["id"].to_string());
    let result = json(&["analyze", "compare", "--a", &ida, "--b", &idb, "--json"]);
    let table = &result["table"];
    let cell = |i: usize, j: usize| table[i][j].as_u64().unwrap();
    let n = result["samples"].as_u64().unwrap();
    assert_eq!(cell(0, 0) + cell(0, 1) + cell(1, 0) + cell(1, 1), n);
    assert!(
        (result["accuracy_a"].as_f64().unwrap() - accuracy(&a)).abs() < 1e-12,
        "{result}"
    );
    assert!(
        (result["accuracy_b"].as_f64().unwrap() - accuracy(&b)).abs() < 1e-12,
        "{result}"
    );
    assert_eq!(
        result["exact"]["statistic"].as_f64().unwrap(),
        cell(0, 1).min(cell(1, 0)) as f64
    );
    let p = result["exact"]["p_value"].as_f64().unwrap();
    assert!(
        p < 1e-6,
        "a classifier wrong on a third of the images is worse: {result}"
    );
}

#[test]
fn quality_with_a_classifier_stores_hardness_and_mistakenness() {
    let dataset = ["--dataset", "shapes-main"];
    assay(
        demo(),
        &[&["quality", "--model", "sim-classifier"][..], &dataset].concat(),
    );
    let store = assay_store::Store::open(demo()).unwrap();
    let scored = store
        .class_predictions("shapes-main", "sim-classifier")
        .unwrap()
        .into_iter()
        .filter(|p| !p.scores.is_empty())
        .count();
    let values = store.sample_metric_values("shapes-main").unwrap();
    let of = |name: &str| -> Vec<f64> {
        values
            .iter()
            .filter(|(_, n, _)| n == name)
            .map(|v| v.2)
            .collect()
    };
    let hardness = of("hardness");
    assert!(scored > 0);
    assert_eq!(hardness.len(), scored);
    let most = 5f64.ln() + 1e-12;
    assert!(
        hardness.iter().all(|h| (0.0..=most).contains(h)),
        "{hardness:?}"
    );
    let mistakenness = of("mistakenness");
    assert!(!mistakenness.is_empty() && mistakenness.len() <= scored);
    // Wrong predictions score above 1/2, right ones below; the classifier
    // is right on most images.
    let wrong = mistakenness.iter().filter(|m| **m > 0.5).count();
    assert!(wrong > 0 && wrong < mistakenness.len() / 4, "{wrong}");
}
