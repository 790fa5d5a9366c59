//! `assay check` on the demo: the default suites with no configuration,
//! the demo's gate (sim-detector-v2 against sim-detector, which loses
//! triangle AP) failing with exit 1 and naming the condition, exit 2 for a
//! configuration mistake with its file, line and key, and a JUnit file that
//! junitparser reads with the same conditions as the JSON; and the
//! monitoring rules of the same `assay.toml` on the demo's production
//! stream, which alert on both planted changes within two windows and
//! never in the first 24 hours.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assay_test_support::oracle::run_oracle;
use serde_json::{json, Value};

use common::binary;

fn demo() -> &'static Path {
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-demo");
        binary().ok(None, &["demo", dir.to_str().unwrap()]);
        dir
    })
}

/// Runs `assay check ARGS` on the demo: exit code, stdout, stderr.
fn check(args: &[&str]) -> (i32, String, String) {
    let out = binary().output(Some(demo()), &[&["check"][..], args].concat());
    (
        out.status.code().expect("an exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_default_suites_run_with_no_configuration() {
    let (code, out, err) = check(&["--json"]);
    let report: Value = serde_json::from_str(&out).expect("JSON");
    let results = report["results"].as_array().unwrap();
    for suite in [
        "data_integrity",
        "train_test_validation",
        "model_evaluation",
    ] {
        assert!(
            results
                .iter()
                .any(|r| r["source"] == suite && r["status"] != "SKIP"),
            "{suite} checked nothing: {out}"
        );
    }
    // The demo plants split leaks and unreadable files: the gate fails.
    let failed: Vec<&Value> = results.iter().filter(|r| r["status"] == "FAIL").collect();
    assert_eq!(failed.len() as u64, report["failed"].as_u64().unwrap());
    assert!(
        failed.iter().any(|r| r["name"] == "images with split_leak"),
        "{out}"
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("images with split_leak"), "{err}");
}

#[test]
fn the_demo_gate_fails_on_the_class_the_retrained_detector_worsens() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("check.xml");
    let markdown = dir.path().join("check.md");
    let config = demo().join("assay.toml");
    let (code, out, err) = check(&[
        "--config",
        config.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--markdown",
        markdown.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("triangle AP does not drop"), "{err}");
    let report: Value = serde_json::from_str(&out).expect("JSON");
    let results = report["results"].as_array().unwrap();
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| r["status"] == "FAIL")
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["triangle AP does not drop"], "{out}");
    // ... and the paired bootstrap finds the drop significant.
    let triangle = results
        .iter()
        .find(|r| r["name"] == "triangle AP does not drop")
        .unwrap();
    assert!(
        triangle["detail"]
            .as_str()
            .unwrap()
            .contains("paired bootstrap"),
        "{triangle}"
    );
    // The overall AP drop stays within its bound.
    let overall = results
        .iter()
        .find(|r| r["name"] == "mAP does not drop")
        .unwrap();
    assert_eq!(overall["status"], "PASS", "{overall}");
    let md = std::fs::read_to_string(&markdown).unwrap();
    assert!(md.contains("❌ FAIL | triangle AP does not drop"), "{md}");

    let parsed = &run_oracle("junit_oracle.py", &[json!({ "path": junit })])[0];
    let cases: Vec<&Value> = parsed["suites"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["cases"].as_array().unwrap())
        .collect();
    assert_eq!(cases.len(), results.len(), "{parsed}");
    for (case, result) in cases.iter().zip(results) {
        let expected = match result["status"].as_str().unwrap() {
            "FAIL" => "failure",
            "SKIP" => "skipped",
            _ => "passed",
        };
        assert_eq!(case["result"], expected, "{case} vs {result}");
        assert!(
            case["name"]
                .as_str()
                .unwrap()
                .starts_with(result["name"].as_str().unwrap()),
            "{case}"
        );
    }
    let failures: u64 = parsed["suites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["failures"].as_u64().unwrap())
        .sum();
    assert_eq!(failures, report["failed"].as_u64().unwrap());
}

#[test]
fn a_configuration_mistake_exits_2_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gate.toml");
    std::fs::write(
        &config,
        "[check]\ndataset = \"shapes\"\n\n[[condition]]\nkind = \"metric\"\nmetric = \"ap50\"\nminimum = 0.3\n",
    )
    .unwrap();
    let (code, _, err) = check(&["--config", config.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("gate.toml:7: minimum: unknown field"), "{err}");
    std::fs::write(
        &config,
        "[check]\ndataset = \"shapes\"\n\n[[condition]]\nkind = \"regression\"\nmetric = \"ap\"\nclass = \"hexagon\"\nmax_drop = 0.1\n",
    )
    .unwrap();
    let (code, _, err) = check(&[
        "--config",
        config.to_str().unwrap(),
        "--baseline",
        "sim-detector",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("gate.toml:7: class:"), "{err}");
    assert!(err.contains("\"hexagon\""), "{err}");
    let (code, _, err) = check(&["--suite", "nonsense"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn the_generative_suite_flags_the_demos_planted_generator_problems() {
    let (code, out, err) = check(&["--suite", "generative", "--dataset", "generated", "--json"]);
    assert_eq!(code, 0, "warnings only: {err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let status = |name: &str| -> String {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no {name}: {out}"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // The poor generator collapsed; the good one copied a training image
    // and repeated two seeds.
    assert_eq!(status("recall of sim-gen-poor"), "WARN");
    assert_eq!(status("recall of sim-gen-good"), "PASS");
    assert_eq!(status("memorized of sim-gen-good"), "WARN");
    assert_eq!(status("near_duplicate_generations of sim-gen-good"), "WARN");
}

/// The demo's ground truth (its three splits in one COCO file, as the project
/// holds them), its image ids by file name, and the detector's boxes.
fn demo_coco(project: &Path, out: &Path) -> (PathBuf, Vec<(String, i64)>, PathBuf) {
    let data = project.join("data");
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(data.join(name)).unwrap()).unwrap()
    };
    let splits = ["train", "val", "shifted"].map(|s| read(&format!("annotations_{s}.json")));
    let join = |key: &str| -> Vec<Value> {
        splits
            .iter()
            .flat_map(|s| s[key].as_array().unwrap().iter().cloned())
            .collect()
    };
    let gt = out.join("gt.json");
    let merged = json!({"images": join("images"), "annotations": join("annotations"), "categories": splits[0]["categories"]});
    std::fs::write(&gt, merged.to_string()).unwrap();
    let images = join("images")
        .iter()
        .map(|i| {
            let name = i["file_name"].as_str().unwrap().to_string();
            (name, i["id"].as_i64().unwrap())
        })
        .collect();
    (gt, images, data.join("predictions.json"))
}

#[test]
fn slice_conditions_match_pycocotools_on_the_slices_images() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    common::build_demo(p);
    let (gt, images, dt) = demo_coco(p, p);
    // A custom metric that picks every third image: slices use custom
    // metrics as they use built-in ones.
    let picked: Vec<i64> = images
        .iter()
        .filter(|i| i.1 % 3 == 0)
        .map(|i| i.1)
        .collect();
    let csv: String = images
        .iter()
        .map(|(name, id)| format!("{name},{}\n", u8::from(id % 3 == 0)))
        .collect();
    let csv_path = p.join("picked.csv");
    std::fs::write(&csv_path, format!("file_name,picked\n{csv}")).unwrap();
    common::assay(
        p,
        &[
            "metrics",
            "import",
            "--dataset",
            "shapes",
            "--csv",
            csv_path.to_str().unwrap(),
        ],
    );
    let config = p.join("slices.toml");
    std::fs::write(
        &config,
        r#"[check]
dataset = "shapes"
run = "sim-detector"

[[condition]]
kind = "metric"
metric = "ap"
min = 0

[[condition]]
kind = "slice"
where = ["picked > 0.5"]
metric = "ap"
min = 0

[[condition]]
kind = "slice"
where = ["picked >= 1", "class = triangle"]
metric = "ap50"
min = 0

[[condition]]
kind = "slice"
where = ["picked = 1"]
metric = "ground_truths"
min = 1

[[condition]]
kind = "slice"
where = ["picked = 1"]
metric = "recall"
min = 1.01
level = "warn"

[[condition]]
kind = "slice"
where = ["picked > 5"]
metric = "recall"
min = 0.5
"#,
    )
    .unwrap();
    let out = binary().output(
        Some(p),
        &["check", "--config", config.to_str().unwrap(), "--json"],
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    let results = report["results"].as_array().unwrap();
    let value = |i: usize| {
        results[i]["value"]
            .as_f64()
            .unwrap_or_else(|| panic!("{stdout}"))
    };
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["PASS", "PASS", "PASS", "PASS", "WARN", "SKIP"],
        "{stdout}"
    );

    let categories: Value = serde_json::from_str(&std::fs::read_to_string(&gt).unwrap()).unwrap();
    let triangle = categories["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "triangle")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let case = |img_ids: Option<&[i64]>, cat_ids: Option<&[i64]>| {
        let known: std::collections::HashSet<i64> = images.iter().map(|i| i.1).collect();
        let boxes: Vec<Value> =
            serde_json::from_str::<Vec<Value>>(&std::fs::read_to_string(&dt).unwrap())
                .unwrap()
                .into_iter()
                .filter(|d| known.contains(&d["image_id"].as_i64().unwrap()))
                .collect();
        let dt_path = p.join(format!("dt{}.json", boxes.len()));
        std::fs::write(&dt_path, Value::from(boxes).to_string()).unwrap();
        json!({"gt": gt, "dt": dt_path, "iou_type": "bbox", "img_ids": img_ids, "cat_ids": cat_ids, "out": p.join("arrays.bin")})
    };
    let stats = run_oracle(
        "cocoeval_oracle.py",
        &[
            case(None, None),
            case(Some(&picked), None),
            case(Some(&picked), Some(&[triangle])),
        ],
    );
    let stat = |i: usize, k: usize| {
        stats[i]["stats"][k]
            .as_f64()
            .unwrap_or_else(|| panic!("{:?}", stats[i]))
    };
    // The merged files are the project's ground truth: the run's AP agrees.
    assert!(
        (stat(0, 0) - value(0)).abs() < 1e-12,
        "{} vs {}",
        stat(0, 0),
        value(0)
    );
    assert!(
        (stat(1, 0) - value(1)).abs() < 1e-12,
        "slice AP {} vs {}",
        value(1),
        stat(1, 0)
    );
    assert!(
        (stat(2, 1) - value(2)).abs() < 1e-12,
        "triangle AP50 {} vs {}",
        value(2),
        stat(2, 1)
    );
    assert!(value(1) != value(0), "the slice must differ from the whole");

    // Ground truths on the picked images, and a recall within [0, 1].
    let annotations = categories["annotations"].as_array().unwrap();
    let on_picked = annotations
        .iter()
        .filter(|a| {
            picked.contains(&a["image_id"].as_i64().unwrap())
                && a["iscrowd"].as_i64().unwrap_or(0) == 0
        })
        .count();
    assert_eq!(value(3), on_picked as f64, "{stdout}");
    assert!((0.0..=1.0).contains(&value(4)), "{stdout}");
}

#[test]
fn slice_predicates_that_do_not_fit_the_run_exit_2_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("slice.toml");
    let write = |body: &str| {
        std::fs::write(
            &config,
            format!("[check]\ndataset = \"shapes\"\nrun = \"sim-detector\"\n\n[[condition]]\nkind = \"slice\"\n{body}"),
        )
        .unwrap()
    };
    write("metric = \"recall\"\nmin = 0.5\nwhere = [\"brightnes < 0.3\"]\n");
    let (code, _, err) = check(&["--config", config.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("slice.toml:9: where:"), "{err}");
    assert!(
        err.contains("no column \"brightnes\"") && err.contains("brightness"),
        "{err}"
    );
    write("where = [\"object_area < 100\"]\nmetric = \"ap\"\nmin = 0.5\n");
    let (code, _, err) = check(&["--config", config.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("slice.toml:7: where:") && err.contains("about objects"),
        "{err}"
    );
    write("where = [\"class < 3\"]\nmetric = \"recall\"\nmin = 0.5\n");
    let (code, _, err) = check(&["--config", config.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("categorical"), "{err}");
}

#[test]
fn the_demo_production_stream_alerts_on_both_planted_changes() {
    let config = demo().join("assay.toml");
    let out = binary().ok(
        Some(demo()),
        &["monitor", "--config", config.to_str().unwrap(), "--json"],
    );
    let watched: Value = serde_json::from_str(&out).unwrap();
    let stream = &watched[0];
    assert_eq!(stream["windows"]["stream"], "production");
    assert_eq!(stream["windows"]["windows"].as_array().unwrap().len(), 72);
    // The stream starts at 2026-11-02 00:00 UTC.
    let hour = |a: &Value| (a["window_start_ms"].as_i64().unwrap() - 1_793_577_600_000) / 3_600_000;
    let alerts = stream["alerts"].as_array().unwrap();
    let first = |rule: &str| {
        alerts
            .iter()
            .filter(|a| a["rule"] == rule)
            .map(hour)
            .min()
            .unwrap_or_else(|| panic!("no {rule:?} alert: {alerts:?}"))
    };
    // Darker from hour 30, a new class from hour 50: each alerted in its
    // first or second window.
    let darker = first("images darker or brighter");
    assert!(
        (30..=31).contains(&darker),
        "darkening alerted at hour {darker}"
    );
    let classes = first("predicted classes changed");
    assert!(
        (50..=51).contains(&classes),
        "the new class alerted at hour {classes}"
    );
    let early: Vec<&Value> = alerts.iter().filter(|a| hour(a) < 24).collect();
    assert!(early.is_empty(), "alerts in the first 24 hours: {early:?}");
    // The demo ingested every record's true boxes: before anything changed
    // (hours 0-29), the precision estimated from the scores alone is the
    // precision measured, within 0.03.
    let windows = stream["windows"]["windows"].as_array().unwrap();
    let mean = |name: &str, hours: std::ops::Range<usize>| {
        let v: Vec<f64> = windows[hours]
            .iter()
            .map(|w| w["values"][name].as_f64().unwrap())
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let (estimated, measured) = (mean("estimated_precision", 0..30), mean("precision", 0..30));
    assert!(
        (estimated - measured).abs() < 0.03,
        "estimated {estimated}, measured {measured}"
    );
    // Every image's own issues were found at ingestion: once the images
    // darken, far more of them are flagged dark.
    let (before, after) = (
        mean("issue_rate:dark", 0..30),
        mean("issue_rate:dark", 36..72),
    );
    assert!(
        after > 0.05 && after > 5.0 * before,
        "dark images: {before} before, {after} after"
    );
}
