//! `assay scan` end to end: a generated folder with known problems (a dark,
//! a light, a greyscale and a very wide image, an exact and a near
//! duplicate, unreadable files), and the real coco128 images.

mod common;

use std::path::Path;
use std::process::Command;

use common::images::{jpeg, png, texture};
use image::ExtendedColorType;
use serde_json::Value;

/// Writes the folder; returns nothing, names are fixed.
fn build(dir: &Path) {
    for i in 0..8 {
        jpeg(
            &dir.join(format!("good_{i}.jpg")),
            160,
            120,
            &texture(160, 120, i + 1),
            90,
        );
    }
    let (w, h) = (160u32, 120u32);
    png(
        &dir.join("dark.png"),
        w,
        h,
        ExtendedColorType::Rgb8,
        &vec![8; (w * h * 3) as usize],
    );
    png(
        &dir.join("light.png"),
        w,
        h,
        ExtendedColorType::Rgb8,
        &vec![250; (w * h * 3) as usize],
    );
    let grey: Vec<u8> = texture(w, h, 20).chunks(3).map(|p| p[0]).collect();
    png(&dir.join("grey.png"), w, h, ExtendedColorType::L8, &grey);
    png(
        &dir.join("wide.png"),
        600,
        40,
        ExtendedColorType::Rgb8,
        &texture(600, 40, 30),
    );
    std::fs::copy(dir.join("good_0.jpg"), dir.join("copy_of_good_0.jpg")).unwrap();
    // good_1 again, re-encoded at a lower quality.
    jpeg(&dir.join("good_1_again.jpg"), w, h, &texture(w, h, 2), 60);
    std::fs::create_dir(dir.join("broken")).unwrap();
    std::fs::write(dir.join("broken/empty.jpg"), b"").unwrap();
    std::fs::write(dir.join("broken/notes.jpg"), b"not an image").unwrap();
    let good = std::fs::read(dir.join("good_2.jpg")).unwrap();
    std::fs::write(dir.join("broken/cut.jpg"), &good[..good.len() * 2 / 3]).unwrap();
    std::fs::write(dir.join("readme.txt"), b"ignored: not an image extension").unwrap();
}

fn scan(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .arg("scan")
        .args(args)
        .output()
        .expect("the assay binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "assay scan {args:?} failed:\n{stderr}"
    );
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

fn flagged(report: &Value, issue: &str) -> Vec<String> {
    let entry = report["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["issue_type"] == issue)
        .unwrap_or_else(|| panic!("no {issue} in the report"));
    let mut paths: Vec<String> = entry["flagged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    paths
}

#[test]
fn finds_the_planted_problems() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let folder = dir.path().to_str().unwrap();
    let (stdout, _) = scan(&[folder, "--json", "--near-radius", "6"]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["images"], 17);
    assert_eq!(
        flagged(&report, "unreadable"),
        ["broken/cut.jpg", "broken/empty.jpg", "broken/notes.jpg"]
    );
    assert_eq!(flagged(&report, "dark"), ["dark.png"]);
    assert_eq!(flagged(&report, "light"), ["light.png"]);
    assert_eq!(flagged(&report, "grayscale"), ["grey.png"]);
    assert_eq!(flagged(&report, "odd_aspect_ratio"), ["wide.png"]);
    assert_eq!(
        flagged(&report, "exact_duplicates"),
        ["copy_of_good_0.jpg", "good_0.jpg"]
    );
    // Flat images share CleanVision's pHash (only the DC bit is set), so
    // the flat dark and light images are near-duplicates too, as there.
    assert_eq!(
        flagged(&report, "near_duplicates"),
        ["dark.png", "good_1.jpg", "good_1_again.jpg", "light.png"]
    );
    assert!(flagged(&report, "low_information").contains(&"dark.png".to_string()));
    let near = &report["issues"].as_array().unwrap()[2];
    assert_eq!(near["groups"][0].as_array().unwrap().len(), 2);
}

#[test]
fn writes_the_metrics_table_and_prints_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let out = dir.path().join("metrics.csv");
    let folder = dir.path().to_str().unwrap();
    let (stdout, _) = scan(&[folder, "--out", out.to_str().unwrap()]);
    assert!(stdout.contains("Scanned 17 images"), "{stdout}");
    assert!(stdout.contains("unreadable"));
    assert!(stdout.contains("broken/empty.jpg"));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for column in [
        "path",
        "error",
        "brightness",
        "blurriness",
        "phash",
        "dark_score",
        "is_dark_issue",
    ] {
        assert!(header.contains(&column), "missing column {column}");
    }
    assert_eq!(lines.count(), 17);
    let parquet = dir.path().join("metrics.parquet");
    scan(&[
        folder,
        "--out",
        parquet.to_str().unwrap(),
        "--issue",
        "dark",
    ]);
    assert!(std::fs::metadata(&parquet).unwrap().len() > 0);
}

#[test]
fn only_the_requested_issue_types() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let (stdout, _) = scan(&[dir.path().to_str().unwrap(), "--json", "--issue", "dark"]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let counts = report["counts"].as_object().unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!(counts["dark"], 1);
}

#[test]
fn scans_real_coco128() {
    let images = common::data().join("coco128_lightly/images/train2017");
    let (stdout, _) = scan(&[images.to_str().unwrap(), "--json"]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["images"], 128);
    assert_eq!(report["counts"]["unreadable"], 0);
    // The one single-channel JPEG of coco128.
    assert_eq!(flagged(&report, "grayscale"), ["000000000086.jpg"]);
}

#[test]
fn missing_folder_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["scan", "/no/such/folder"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("folder not found"), "{stderr}");
}
