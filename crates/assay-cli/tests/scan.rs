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

/// Detail at every scale, 1 to 32 px (hashed noise per cell, weighted by the
/// cell size), as greyscale values around mid-grey.
fn detailed(w: u32, h: u32) -> Vec<u8> {
    let hash = |x: u32, y: u32, s: u32| {
        let mut v = u64::from(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ u64::from(y).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ u64::from(s).wrapping_mul(0x1656_67B1_9E37_79F9);
        v ^= v >> 29;
        v = v.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        v ^= v >> 32;
        (v % 1000) as f64 / 1000.0 - 0.5
    };
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let v: f64 = (0..6)
                .map(|k| hash(x >> k, y >> k, k) * f64::from(1u32 << k))
                .sum();
            let g = (128.0 + v * 2.2).clamp(0.0, 255.0) as u8;
            out.extend([g, g.saturating_add(20), g.saturating_sub(20)]);
        }
    }
    out
}

/// A 3x3 box blur applied twice (about a 1.2 px Gaussian), per channel.
fn soften(data: &[u8], w: u32, h: u32) -> Vec<u8> {
    let (w, h) = (w as usize, h as usize);
    let pass = |src: &[u8]| {
        let mut out = src.to_vec();
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                for c in 0..3 {
                    let mut s = 0u32;
                    for dy in 0..3 {
                        for dx in 0..3 {
                            s += u32::from(src[((y + dy - 1) * w + x + dx - 1) * 3 + c]);
                        }
                    }
                    out[(y * w + x) * 3 + c] = (s / 9) as u8;
                }
            }
        }
        out
    };
    pass(&pass(data))
}

/// The mild cases CleanVision misses are found by assay's own types, and
/// the clean images are left alone.
#[test]
fn own_types_find_mild_cases() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (w, h) = (320u32, 240u32);
    for i in 0..6 {
        jpeg(
            &d.join(format!("clean_{i}.jpg")),
            w,
            h,
            &texture(w, h, i + 1),
            92,
        );
    }
    let sharp = detailed(w, h);
    jpeg(&d.join("sharp.jpg"), w, h, &sharp, 95);
    jpeg(&d.join("soft.jpg"), w, h, &soften(&sharp, w, h), 95);
    let base = texture(w, h, 40);
    let grey: Vec<u8> = base.chunks(3).flat_map(|p| [p[1]; 3]).collect();
    jpeg(&d.join("grey_rgb.jpg"), w, h, &grey, 90);
    let dim: Vec<u8> = texture(w, h, 41)
        .iter()
        .map(|&v| (f64::from(v) * 0.45) as u8)
        .collect();
    jpeg(&d.join("dim.jpg"), w, h, &dim, 90);
    let washed = texture(w, h, 42)
        .iter()
        .map(|&v| 255 - ((255.0 - f64::from(v)) * 0.15) as u8)
        .collect::<Vec<u8>>();
    jpeg(&d.join("overexposed.jpg"), w, h, &washed, 90);
    // A photo faded to 4% of its contrast around mid-grey.
    let faded = texture(w, h, 43)
        .iter()
        .map(|&v| (128.0 + (f64::from(v) - 128.0) * 0.04) as u8)
        .collect::<Vec<u8>>();
    jpeg(&d.join("faded.jpg"), w, h, &faded, 90);
    // clean_1 with 2% cut from the left and top, re-encoded at quality 65.
    let src = texture(w, h, 2);
    let (cx, cy) = (w * 2 / 100, h * 2 / 100);
    let cropped: Vec<u8> = (cy..h)
        .flat_map(|y| (cx..w).map(move |x| (x, y)))
        .flat_map(|(x, y)| {
            let i = ((y * w + x) * 3) as usize;
            [src[i], src[i + 1], src[i + 2]]
        })
        .collect();
    jpeg(&d.join("clean_1_cropped.jpg"), w - cx, h - cy, &cropped, 65);

    let (stdout, _) = scan(&[d.to_str().unwrap(), "--json"]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(flagged(&report, "monochrome"), ["grey_rgb.jpg"]);
    assert!(flagged(&report, "grayscale").is_empty());
    assert_eq!(flagged(&report, "underexposed"), ["dim.jpg"]);
    assert!(flagged(&report, "dark").is_empty());
    assert_eq!(flagged(&report, "overexposed"), ["overexposed.jpg"]);
    // Washed out is overexposed, not low-contrast; the faded photo is.
    assert_eq!(flagged(&report, "low_contrast"), ["faded.jpg"]);
    assert!(flagged(&report, "unusual_size").is_empty());
    assert!(flagged(&report, "soft").contains(&"soft.jpg".to_string()));
    assert!(!flagged(&report, "soft").contains(&"sharp.jpg".to_string()));
    // The soft image is a blurred copy of the sharp one: similar too.
    assert_eq!(
        flagged(&report, "similar"),
        [
            "clean_1.jpg",
            "clean_1_cropped.jpg",
            "sharp.jpg",
            "soft.jpg"
        ]
    );

    let (stdout, _) = scan(&[d.to_str().unwrap(), "--json", "--preset", "cleanvision"]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let counts = report["counts"].as_object().unwrap();
    assert_eq!(counts.len(), 9);
    assert!(!counts.contains_key("similar") && !counts.contains_key("unreadable"));
}

/// `--fast` decodes JPEGs at reduced size: on 640x480 photos-like JPEGs
/// the planted strong problems are the exact mode's, sizes stay the
/// files' own, and PNGs are measured exactly.
#[test]
fn fast_mode_finds_the_strong_problems_exact_mode_finds() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (640u32, 480u32);
    for i in 0..8 {
        jpeg(
            &dir.path().join(format!("good_{i}.jpg")),
            w,
            h,
            &texture(w, h, i + 1),
            90,
        );
    }
    jpeg(
        &dir.path().join("dark.jpg"),
        w,
        h,
        &vec![6; (w * h * 3) as usize],
        90,
    );
    jpeg(
        &dir.path().join("light.jpg"),
        w,
        h,
        &vec![251; (w * h * 3) as usize],
        90,
    );
    jpeg(
        &dir.path().join("wide.jpg"),
        1200,
        150,
        &texture(1200, 150, 30),
        90,
    );
    let good = std::fs::read(dir.path().join("good_0.jpg")).unwrap();
    std::fs::write(dir.path().join("copy_of_good_0.jpg"), &good).unwrap();
    std::fs::write(dir.path().join("cut.jpg"), &good[..good.len() / 2]).unwrap();
    png(
        &dir.path().join("dark.png"),
        160,
        120,
        ExtendedColorType::Rgb8,
        &vec![8; 160 * 120 * 3],
    );
    let folder = dir.path().to_str().unwrap();
    let table = dir.path().join("fast.csv");
    let exact_table = dir.path().join("exact.csv");
    let (exact, _) = scan(&[folder, "--json", "--out", exact_table.to_str().unwrap()]);
    let (fast, _) = scan(&[folder, "--json", "--fast", "--out", table.to_str().unwrap()]);
    let (exact, fast): (Value, Value) = (
        serde_json::from_str(&exact).unwrap(),
        serde_json::from_str(&fast).unwrap(),
    );
    for (issue, planted) in [
        ("dark", vec!["dark.jpg", "dark.png"]),
        ("light", vec!["light.jpg"]),
        ("odd_aspect_ratio", vec!["wide.jpg"]),
        ("exact_duplicates", vec!["copy_of_good_0.jpg", "good_0.jpg"]),
        ("unreadable", vec!["cut.jpg"]),
    ] {
        assert_eq!(flagged(&exact, issue), planted, "exact {issue}");
        assert_eq!(flagged(&fast, issue), planted, "fast {issue}");
    }
    let text = std::fs::read_to_string(&table).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let wide = text.lines().find(|l| l.starts_with("wide.jpg")).unwrap();
    let cells: Vec<&str> = wide.split(',').collect();
    assert_eq!((cells[col("width")], cells[col("height")]), ("1200", "150"));
    // JPEGs were decoded at reduced size (other pixels, so another pixel
    // hash), the PNG at full size.
    let exact_text = std::fs::read_to_string(&exact_table).unwrap();
    let hash = |text: &str, file: &str| {
        let line = text.lines().find(|l| l.starts_with(file)).unwrap();
        line.split(',').nth(col("pixel_hash")).unwrap().to_string()
    };
    assert_ne!(hash(&text, "good_1.jpg"), hash(&exact_text, "good_1.jpg"));
    assert_eq!(hash(&text, "dark.png"), hash(&exact_text, "dark.png"));
}
