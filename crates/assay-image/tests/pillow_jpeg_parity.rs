//! JPEG decoding equals Pillow's, pixel for pixel.
//!
//! `tests/oracles/pillow_jpeg_oracle.py` (Pillow 13, with its bundled
//! libjpeg-turbo) decodes every JPEG of `../shared/data` but the CIFAR-10
//! set (the COCO, DreamBooth and generated photos), the first 300 CIFAR-10
//! images, and 120 seeded JPEGs it writes itself (1x1 to 1024x7, quality
//! 5-100, 4:4:4/4:2:2/4:2:0, progressive, optimised, greyscale, restart
//! markers), and prints the mode, size and CRC-32 of the pixels of each.
//! assay's decoder (the system libjpeg through `assay_image::jpeg`) must
//! give the same mode, size and pixels for every file.
//!
//! The Python interpreter is `ASSAY_PYTHON` or `<workspace>/.venv/bin/python`
//! (installed by `scripts/test.sh`); without it the test fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use assay_image::decode::decode;
use serde_json::Value;

mod common;
use common::oracle::{python, workspace_root, SETUP_HINT};

/// The JPEG files under `dir`, sorted.
fn jpegs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(jpegs(&p));
        } else if p
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"))
        {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn jpeg_pixels_equal_pillows() {
    if !assay_image::jpeg::PILLOW_EXACT {
        panic!(
            "this build decodes JPEG with {}, which is not Pillow-exact: install libjpeg62-turbo-dev",
            assay_image::jpeg::BACKEND
        );
    }
    let data = workspace_root().join("../shared/data");
    let mut files = Vec::new();
    for dir in [
        "coco128_lightly",
        "dreambooth_real_photos_subset",
        "ai_generated",
    ] {
        files.extend(jpegs(&data.join(dir)));
    }
    files.extend(
        jpegs(&data.join("cifar10_test_cleanlab"))
            .into_iter()
            .take(300),
    );
    assert!(
        files.len() > 600,
        "expected the shared JPEGs, found {}",
        files.len()
    );
    let scratch = tempfile::tempdir().unwrap();
    let list = scratch.path().join("files.json");
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    std::fs::write(&list, serde_json::to_string(&names).unwrap()).unwrap();
    let generated = scratch.path().join("generated");
    std::fs::create_dir(&generated).unwrap();
    let out = Command::new(python())
        .arg(workspace_root().join("tests/oracles/pillow_jpeg_oracle.py"))
        .arg(&list)
        .arg(&generated)
        .output()
        .unwrap_or_else(|e| panic!("cannot run Python: {e} ({SETUP_HINT})"));
    assert!(
        out.status.success(),
        "pillow_jpeg_oracle.py failed ({SETUP_HINT}):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), files.len() + 120);
    let mut compared = 0;
    for r in &records {
        let path = r["path"].as_str().unwrap();
        let bytes = std::fs::read(path).unwrap();
        let ours = decode(&bytes);
        if let Some(error) = r["error"].as_str() {
            assert!(
                ours.is_err(),
                "{path}: Pillow refuses it ({error}), assay decodes it"
            );
            continue;
        }
        let (_, pixels) = ours.unwrap_or_else(|e| panic!("{path}: Pillow decodes it, assay: {e}"));
        assert_eq!(pixels.mode.name(), r["mode"], "{path}: mode");
        assert_eq!(
            [pixels.width, pixels.height],
            [
                r["size"][0].as_u64().unwrap() as usize,
                r["size"][1].as_u64().unwrap() as usize
            ],
            "{path}: size"
        );
        let crc = crc32fast::hash(&pixels.data);
        assert_eq!(
            u64::from(crc),
            r["crc32"].as_u64().unwrap(),
            "{path}: pixels differ"
        );
        compared += 1;
    }
    eprintln!(
        "{compared} of {} JPEGs decoded identically to Pillow ({})",
        records.len(),
        assay_image::jpeg::BACKEND
    );
    assert!(
        compared >= files.len() + 100,
        "too few files compared: {compared}"
    );
}
