//! Tracked command runs: a computing command records its resource usage,
//! which must agree with GNU time's measurement of the same process (wall
//! time and peak memory within 10%), and the evaluation runs it recorded.

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use common::{assay, build_demo};

/// `/usr/bin/time -v assay --project DIR ARGS`: (wall seconds, peak KiB).
fn gnu_time(project: &Path, args: &[&str]) -> (f64, f64) {
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_assay"))
        .arg("--project")
        .arg(project)
        .args(args)
        .output()
        .expect("GNU time runs (scripts/test.sh installs Debian's `time`)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stderr);
    let field = |name: &str| -> &str {
        report
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name:?} in {report}"))
            .trim()
    };
    let peak: f64 = field("Maximum resident set size (kbytes):")
        .parse()
        .unwrap();
    // h:mm:ss or m:ss.ss
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):")
        .split(':')
        .fold(0.0, |acc, part| acc * 60.0 + part.parse::<f64>().unwrap());
    (wall, peak)
}

fn newest(project: &Path, command: &str) -> Value {
    let runs: Value =
        serde_json::from_str(&assay(project, &["runs", "--command", command, "--json"])).unwrap();
    runs[0].clone()
}

#[test]
fn recorded_resource_usage_agrees_with_gnu_time() {
    let dir = tempfile::tempdir().unwrap();
    build_demo(dir.path());
    let args = ["quality", "--dataset", "shapes", "--model", "sim-detector"];
    let (wall, peak) = gnu_time(dir.path(), &args);
    let run = newest(dir.path(), "quality");
    assert_eq!(
        run["args"].as_array().unwrap().len(),
        args.len() + 2,
        "{run}"
    );
    assert_eq!(run["exit_code"], 0);
    let recorded_wall = run["wall_s"].as_f64().unwrap();
    let recorded_peak = run["peak_rss_kib"].as_f64().unwrap();
    // GNU time prints the wall time to 1/100 s: allow that besides 10%.
    assert!(
        (recorded_wall - wall).abs() <= 0.1 * wall + 0.01,
        "wall: recorded {recorded_wall} s, GNU time {wall} s"
    );
    assert!(
        (recorded_peak - peak).abs() <= 0.1 * peak,
        "peak: recorded {recorded_peak} KiB, GNU time {peak} KiB"
    );
    assert!(run["user_s"].as_f64().unwrap() > 0.0, "{run}");
    assert!(!run["assay_version"].as_str().unwrap().is_empty());
}

#[test]
fn an_evaluation_names_the_run_it_recorded() {
    let dir = tempfile::tempdir().unwrap();
    build_demo(dir.path());
    // An export computes nothing: it is not tracked (checked below).
    let gt = dir.path().join("predictions.json");
    assay(
        dir.path(),
        &[
            "export",
            "coco",
            "--dataset",
            "shapes",
            "--model",
            "sim-detector",
            "--out",
            gt.to_str().unwrap(),
        ],
    );
    let out: Value = serde_json::from_str(&assay(
        dir.path(),
        &[
            "evaluate",
            "--dataset",
            "shapes",
            "--model",
            "sim-detector",
            "--json",
        ],
    ))
    .unwrap();
    let run = newest(dir.path(), "evaluate");
    let ids: Vec<i64> = run["recorded_runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "{run}");
    assert_eq!(Some(ids[0]), out["run_id"].as_i64(), "{out}");
    // The export left no tracked run.
    assert!(newest(dir.path(), "export")["id"].is_null());
}

#[test]
fn runs_are_filtered_and_compared_with_the_best_marked() {
    let dir = tempfile::tempdir().unwrap();
    build_demo(dir.path());
    let p = dir.path();
    let ids = |args: &[&str]| -> Vec<i64> {
        let runs: Value =
            serde_json::from_str(&assay(p, &[&["runs", "--json"][..], args].concat())).unwrap();
        runs.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    };
    let detection = ids(&["--task", "detection"]);
    assert_eq!(detection.len(), 2, "{detection:?}");
    assert_eq!(
        ids(&["--task", "detection", "--model", "sim-detector"]).len(),
        1
    );
    assert_eq!(ids(&["--param", "iou_type=bbox"]), detection);
    assert!(ids(&["--since", "2999-01-01"]).is_empty());
    let table: Value = serde_json::from_str(&assay(
        p,
        &[
            "runs",
            "--compare",
            "1,2",
            "--metrics",
            "ap,tide_delta_missed",
            "--json",
        ],
    ))
    .unwrap();
    let value = |run: usize, metric: usize| table["values"][run][metric].as_f64().unwrap();
    let best_ap = if value(0, 0) >= value(1, 0) { 0 } else { 1 };
    let best_missed = if value(0, 1) <= value(1, 1) { 0 } else { 1 };
    assert_eq!(table["best"][0], best_ap);
    assert_eq!(table["best"][1], best_missed, "lower is better: {table}");
}

#[test]
fn logged_values_and_artifacts_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    assay(p, &["init"]);
    let file = p.join("weights.bin");
    std::fs::write(&file, b"not really weights").unwrap();
    assay(
        p,
        &[
            "log",
            "--run",
            "ft",
            "--step",
            "1",
            "loss=0.5",
            "map50=0.25",
        ],
    );
    assay(
        p,
        &[
            "log",
            "--run",
            "ft",
            "--step",
            "2",
            "loss=0.25",
            "--artifact",
            file.to_str().unwrap(),
        ],
    );
    let out: Value =
        serde_json::from_str(&assay(p, &["runs", "--series", "--name", "ft", "--json"])).unwrap();
    let loss: Vec<f64> = out["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["key"] == "loss")
        .map(|s| s["value"].as_f64().unwrap())
        .collect();
    assert_eq!(loss, [0.5, 0.25]);
    let artifact = &out["artifacts"][0];
    let hash = artifact["hash"].as_str().unwrap();
    assert_eq!(hash, blake3::hash(b"not really weights").to_hex().as_str());
    let kept = std::fs::read(p.join(".assay/artifacts").join(hash)).unwrap();
    assert_eq!(kept, b"not really weights");
    let err = common::assay_fails(p, &["log", "--run", "ft", "--step", "3", "loss=x"]);
    assert!(err.contains("must be a number"), "{err}");
}
