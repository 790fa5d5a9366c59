//! Parity with CleanVision 0.3.7 (and `imagehash` 4.3) on real images.
//!
//! A temporary folder gets the 128 coco128 and 111 DreamBooth photos and
//! the 25 generated images (PNG, WebP, JPEG) of `../shared/data`, plus
//! derived files that exercise duplicates and modes:
//! a byte copy, a PNG of a JPEG's decoded pixels (an exact duplicate by
//! pixels, not by bytes), a re-encoded JPEG, a shrunk copy, a greyscale PNG
//! and an RGBA PNG; and degenerate images made from one photo (dark,
//! washed out, blurred, flat, strips, tiny, huge; several strengths each)
//! so that every issue type has flags to agree on.
//! `tests/oracles/cleanvision_oracle.py` runs CleanVision's
//! `Imagelab` on the same files. Raw properties must agree to 1e-9 (they
//! are computed with the same operations, so in practice to the last bits),
//! pHash and dHash exactly, and every issue flag, score and duplicate set.
//!
//! The Python interpreter is `ASSAY_PYTHON` or `<workspace>/.venv/bin/python`
//! (installed by `scripts/test.sh`); without it the test fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use assay_image::decode::{decode, ColorMode, Pixels};
use assay_image::resample::{resize, Filter};
use assay_quality::issues::{find_issues, IssueConfig, IssueReport, IssueType, Measured};
use assay_quality::ImageMetrics;
use image::{ExtendedColorType, ImageEncoder};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

mod common;
use common::oracle::{python, shared_data, workspace_root, SETUP_HINT};

/// JPEG, PNG and WebP files under `dir`, sorted.
fn images_under(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walk(dir)
        .into_iter()
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "jpg" || e == "png" || e == "webp")
        })
        .collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn png(w: usize, h: usize, color: ExtendedColorType, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(data, w as u32, h as u32, color)
        .expect("encode png");
    out
}

/// Copies the real images and writes the derived ones; returns all files.
fn build_folder(root: &Path) -> Vec<PathBuf> {
    let data = shared_data();
    let mut files = Vec::new();
    for (name, src) in [
        ("coco", data.join("coco128_lightly/images/train2017")),
        (
            "dreambooth",
            data.join("dreambooth_real_photos_subset/dataset"),
        ),
        ("generated", data.join("ai_generated")),
    ] {
        let dst = root.join(name);
        std::fs::create_dir_all(&dst).unwrap();
        for (i, path) in images_under(&src).iter().enumerate() {
            let to = dst.join(format!(
                "{i:03}_{}",
                path.file_name().unwrap().to_string_lossy()
            ));
            std::fs::copy(path, &to).unwrap();
            files.push(to);
        }
    }
    files.extend(derived_files(root, &files));
    files
}

fn derived_files(root: &Path, real: &[PathBuf]) -> Vec<PathBuf> {
    let dir = root.join("derived");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let a = std::fs::read(&real[0]).unwrap();
    let (_, pa) = decode(&a).unwrap();
    let (_, pb) = decode(&std::fs::read(&real[5]).unwrap()).unwrap();
    assert_eq!(pa.mode, ColorMode::Rgb);
    let mut reencoded = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut reencoded, 92)
        .write_image(
            &pa.data,
            pa.width as u32,
            pa.height as u32,
            ExtendedColorType::Rgb8,
        )
        .unwrap();
    let (sw, sh) = (pb.width * 3 / 4, pb.height * 3 / 4);
    let shrunk = resize(
        &pb.data,
        (pb.width, pb.height),
        3,
        (sw, sh),
        Filter::Bicubic,
    );
    let grey: Vec<u8> = pb.data.chunks_exact(3).map(|p| p[1]).collect();
    let rgba: Vec<u8> = pb
        .data
        .chunks_exact(3)
        .enumerate()
        .flat_map(|(i, p)| [p[0], p[1], p[2], (i % 251) as u8])
        .collect();
    vec![
        write("byte_copy.jpg", &a),
        write(
            "pixel_copy.png",
            &png(pa.width, pa.height, ExtendedColorType::Rgb8, &pa.data),
        ),
        write("reencoded.jpg", &reencoded),
        write("shrunk.png", &png(sw, sh, ExtendedColorType::Rgb8, &shrunk)),
        write(
            "grey.png",
            &png(pb.width, pb.height, ExtendedColorType::L8, &grey),
        ),
        write(
            "rgba.png",
            &png(pb.width, pb.height, ExtendedColorType::Rgba8, &rgba),
        ),
    ]
    .into_iter()
    .chain(degenerate_files(&dir, &pa))
    .collect()
}

/// Degenerate images made from one real RGB photo, one per CleanVision
/// issue type, several strengths each: dark, washed out, blurred, flat,
/// strips, tiny and huge.
fn degenerate_files(dir: &Path, photo: &Pixels) -> Vec<PathBuf> {
    let (w, h) = (photo.width, photo.height);
    let rgb = |name: String, w: usize, h: usize, data: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, png(w, h, ExtendedColorType::Rgb8, data)).unwrap();
        path
    };
    let map = |f: &dyn Fn(f64) -> f64| -> Vec<u8> {
        photo
            .data
            .iter()
            .map(|&v| f(v as f64).round().clamp(0.0, 255.0) as u8)
            .collect()
    };
    let mut files = Vec::new();
    for (k, gain) in [0.05, 0.1, 0.2, 0.35].into_iter().enumerate() {
        files.push(rgb(format!("dark_{k}.png"), w, h, &map(&|v| v * gain)));
    }
    for (k, keep) in [0.03, 0.08, 0.15, 0.3].into_iter().enumerate() {
        let washed = map(&|v| 255.0 - (255.0 - v) * keep);
        files.push(rgb(format!("light_{k}.png"), w, h, &washed));
    }
    for (k, factor) in [4, 8, 16].into_iter().enumerate() {
        // Shrunk and enlarged again: blurred at a scale of `factor` pixels.
        let small = (w / factor, h / factor);
        let shrunk = resize(&photo.data, (w, h), 3, small, Filter::Bicubic);
        let blurred = resize(&shrunk, small, 3, (w, h), Filter::Bicubic);
        files.push(rgb(format!("blurred_{k}.png"), w, h, &blurred));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for (k, sigma) in [0.0, 1.0, 3.0].into_iter().enumerate() {
        let flat: Vec<u8> = (0..w * h * 3)
            .map(|_| (128.0 + sigma * (rng.random::<f64>() - 0.5) * 3.4).round() as u8)
            .collect();
        files.push(rgb(format!("flat_{k}.png"), w, h, &flat));
    }
    for (k, rows) in [h / 16, h / 8, h / 4].into_iter().enumerate() {
        let strip = &photo.data[..rows * w * 3];
        files.push(rgb(format!("strip_{k}.png"), w, rows, strip));
    }
    for (k, side) in [12, 24, 48].into_iter().enumerate() {
        let tiny = resize(
            &photo.data,
            (w, h),
            3,
            (side, side * h / w),
            Filter::Bicubic,
        );
        files.push(rgb(format!("tiny_{k}.png"), side, side * h / w, &tiny));
    }
    let huge = resize(&photo.data, (w, h), 3, (w * 8, h * 8), Filter::Bicubic);
    files.push(rgb("huge.png".into(), w * 8, h * 8, &huge));
    files
}

fn run_oracle(files: &[PathBuf]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("files.json");
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    std::fs::write(&list, serde_json::to_string(&names).unwrap()).unwrap();
    let out = Command::new(python())
        .arg(workspace_root().join("tests/oracles/cleanvision_oracle.py"))
        .arg(&list)
        .output()
        .unwrap_or_else(|e| panic!("cannot run Python: {e} ({SETUP_HINT})"));
    assert!(
        out.status.success(),
        "cleanvision_oracle.py failed ({SETUP_HINT}):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("oracle prints JSON")
}

/// Agreement counts per compared quantity.
#[derive(Default)]
struct Tally {
    agree: BTreeMap<String, (usize, usize, f64)>,
    failures: Vec<String>,
}

impl Tally {
    fn number(&mut self, what: &str, file: &str, ours: f64, theirs: Option<f64>, tol: f64) {
        let theirs = theirs.unwrap_or(f64::NAN);
        let diff = (ours - theirs).abs();
        let ok = diff <= tol * theirs.abs().max(1.0);
        self.count(what, ok, if diff.is_nan() { f64::INFINITY } else { diff });
        if !ok {
            self.failures
                .push(format!("{what} {file}: ours {ours}, CleanVision {theirs}"));
        }
    }

    fn equal<T: PartialEq + std::fmt::Debug>(
        &mut self,
        what: &str,
        file: &str,
        ours: T,
        theirs: T,
    ) {
        let ok = ours == theirs;
        self.count(what, ok, 0.0);
        if !ok {
            self.failures.push(format!(
                "{what} {file}: ours {ours:?}, CleanVision {theirs:?}"
            ));
        }
    }

    fn count(&mut self, what: &str, ok: bool, diff: f64) {
        let entry = self.agree.entry(what.to_string()).or_default();
        entry.1 += 1;
        if ok {
            entry.0 += 1;
        }
        entry.2 = entry.2.max(diff);
    }
}

fn properties(m: &ImageMetrics) -> Vec<(String, f64)> {
    let mut out = vec![
        ("brightness".to_string(), m.brightness),
        ("aspect_ratio".into(), m.aspect_ratio),
        ("size".into(), m.size),
        ("entropy".into(), m.entropy),
        ("blurriness".into(), m.blurriness),
        (
            "blurriness_grayscale_std".into(),
            m.blurriness_grayscale_std,
        ),
    ];
    let percentiles = assay_quality::image_metrics::brightness::PERCENTILES;
    for (p, v) in percentiles.iter().zip(m.brightness_percentiles) {
        out.push((format!("brightness_perc_{p}"), v));
    }
    out
}

fn compare_image(t: &mut Tally, file: &str, m: &ImageMetrics, oracle: &Value) {
    let props = &oracle["properties"][file];
    for (name, ours) in properties(m) {
        t.number(&name, file, ours, props[&name].as_f64(), 1e-9);
    }
    let hashes = &oracle["hashes"][file];
    t.equal(
        "phash",
        file,
        m.phash.to_string(),
        hashes["phash"].as_str().unwrap().to_string(),
    );
    t.equal(
        "dhash",
        file,
        m.dhash.to_string(),
        hashes["dhash"].as_str().unwrap().to_string(),
    );
    t.equal(
        "mode",
        file,
        m.mode.name(),
        hashes["mode"].as_str().unwrap(),
    );
}

fn compare_issues(t: &mut Tally, files: &[String], report: &IssueReport, oracle: &Value) {
    for result in &report.results {
        let name = result.issue_type.name();
        for (i, file) in files.iter().enumerate() {
            let theirs = &oracle["issues"][file];
            let score = result.scores[i].unwrap_or(f64::NAN);
            t.number(
                &format!("{name}_score"),
                file,
                score,
                theirs[format!("{name}_score")].as_f64(),
                1e-9,
            );
            let flag = theirs[format!("is_{name}_issue")].as_bool().unwrap();
            t.equal(
                &format!("is_{name}_issue"),
                file,
                result.is_flagged(i),
                flag,
            );
        }
    }
    for (t_type, key) in [
        (IssueType::ExactDuplicates, "exact_duplicates"),
        (IssueType::NearDuplicates, "near_duplicates"),
    ] {
        let ours: BTreeSet<BTreeSet<&str>> = report
            .get(t_type)
            .unwrap()
            .groups
            .iter()
            .map(|g| g.iter().map(|&i| files[i].as_str()).collect())
            .collect();
        let theirs: BTreeSet<BTreeSet<&str>> = oracle["sets"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                s.as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap())
                    .collect()
            })
            .collect();
        t.equal(&format!("{key} sets"), "(all)", ours, theirs);
    }
}

#[test]
fn agrees_with_cleanvision_on_real_images() {
    let dir = tempfile::tempdir().unwrap();
    let files = build_folder(dir.path());
    let started = std::time::Instant::now();
    let exact = assay_quality::scan::Decoding::Exact;
    let rows = assay_quality::scan::measure_files(Path::new("/"), &files, exact, &|| {});
    let metrics: Vec<ImageMetrics> = rows.into_iter().map(|r| r.result.unwrap()).collect();
    let ours_seconds = started.elapsed().as_secs_f64();
    let oracle = run_oracle(&files);
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let config = IssueConfig {
        issue_types: IssueType::CLEANVISION.to_vec(),
        ..IssueConfig::default()
    };
    let measured: Vec<Measured<'_>> = metrics.iter().map(Ok).collect();
    let report = find_issues(&measured, &config);
    let mut tally = Tally::default();
    for (name, m) in names.iter().zip(&metrics) {
        compare_image(&mut tally, name, m, &oracle);
    }
    compare_issues(&mut tally, &names, &report, &oracle);
    eprintln!(
        "{} images; assay (all cores, as built) {ours_seconds:.1} s, CleanVision find_issues {:.1} s",
        files.len(),
        oracle["seconds"].as_f64().unwrap_or(f64::NAN)
    );
    for result in &report.results {
        let groups: Vec<Vec<&str>> = result
            .groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|&i| names[i].rsplit('/').next().unwrap_or(""))
                    .collect()
            })
            .collect();
        eprintln!(
            "  flagged {:<18} {:>3} {groups:?}",
            result.issue_type.name(),
            result.flagged.len()
        );
    }
    for (what, (agree, total, max_diff)) in &tally.agree {
        eprintln!("  {what:<32} {agree:>4}/{total:<4} max |diff| {max_diff:.3e}");
    }
    let shown: Vec<&String> = tally.failures.iter().take(40).collect();
    assert!(
        tally.failures.is_empty(),
        "{} disagreements:\n{shown:#?}",
        tally.failures.len()
    );
}
