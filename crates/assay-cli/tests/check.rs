//! `assay check` on the demo: the default suites with no configuration,
//! the demo's gate (sim-detector-v2 against sim-detector, which loses
//! triangle AP) failing with exit 1 and naming the condition, exit 2 for a
//! configuration mistake with its file, line and key, and a JUnit file that
//! junitparser reads with the same conditions as the JSON.

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
