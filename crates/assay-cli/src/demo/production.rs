//! A simulated production stream: the detector's outputs on new rendered
//! scenes over 72 hours, written as the JSON lines a deployed model would
//! send (`production/records.jsonl`, images beside it) and ingested as a
//! user would. Two changes are planted: the images get darker from hour
//! 30 (the camera's exposure drifts; the detector sees less), and stars,
//! a class the stream has not shown before, appear from hour 50.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde_json::json;

use super::detector::{detect, Detection};
use super::scene::{random_scene, Scene, CLASSES};

/// The stream's name.
pub const STREAM: &str = "production";
/// The model that sends the records.
pub const MODEL: &str = "sim-detector";
/// Hours simulated.
pub const HOURS: u32 = 72;
/// Records per hour.
pub const PER_HOUR: u32 = 60;
/// The images start getting darker in this hour.
pub const DARKER_FROM_HOUR: u32 = 30;
/// Stars appear in this hour.
pub const NEW_CLASS_FROM_HOUR: u32 = 50;
/// The new class.
pub const NEW_CLASS: &str = "star";
/// The first record's hour: 2026-11-02 00:00 UTC.
pub const START_MS: i64 = 1_793_577_600_000;
/// Rendered images are this fraction of the scene's size (small, as
/// thumbnails a deployed model would log).
const SCALE: f64 = 0.25;

/// The files of the stream.
pub struct Files {
    /// The records, one JSON object per line.
    pub records: PathBuf,
    /// The true boxes of the reference period's records (the first 24
    /// hours), as a team labels a sample.
    pub reference_labels: PathBuf,
    /// The true boxes of the later records, as they arrive later.
    pub later_labels: PathBuf,
}

/// Hours whose records are labelled up front.
pub const LABELLED_HOURS: u32 = 24;

/// Writes the stream's records, images and labels under `dir/production`.
pub fn write(dir: &Path, seed: u64) -> Result<Files> {
    let out = dir.join("production");
    std::fs::create_dir_all(out.join("images"))
        .with_context(|| format!("cannot create {}", out.display()))?;
    let n = HOURS * PER_HOUR;
    let lines: Vec<(String, String)> = (0..n)
        .into_par_iter()
        .map(|i| record(&out, seed, i))
        .collect::<Result<_>>()?;
    let files = Files {
        records: out.join("records.jsonl"),
        reference_labels: out.join("labels-reference.jsonl"),
        later_labels: out.join("labels-later.jsonl"),
    };
    let labelled = (LABELLED_HOURS * PER_HOUR) as usize;
    let write = |path: &Path, lines: Vec<&String>| -> Result<()> {
        let text = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    write(&files.records, lines.iter().map(|l| &l.0).collect())?;
    write(
        &files.reference_labels,
        lines[..labelled].iter().map(|l| &l.1).collect(),
    )?;
    write(
        &files.later_labels,
        lines[labelled..].iter().map(|l| &l.1).collect(),
    )?;
    Ok(files)
}

/// How bright the camera's images are in `hour`: 1 until hour 30, then
/// falling to 0.6 over three hours.
fn exposure(hour: f64) -> f64 {
    let dark = f64::from(DARKER_FROM_HOUR);
    if hour < dark {
        1.0
    } else {
        1.0 - 0.4 * ((hour - dark) / 3.0).min(1.0)
    }
}

/// One record and its true labels, as JSON lines.
fn record(out: &Path, seed: u64, i: u32) -> Result<(String, String)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5052_4f44 ^ (u64::from(i) << 20));
    let hour = i / PER_HOUR;
    let offset = rng.random_range(0..3_600_000);
    let time_ms = START_MS + i64::from(hour) * 3_600_000 + offset;
    let at_hour = f64::from(hour) + offset as f64 / 3_600_000.0;
    let mut scene = random_scene(&mut rng, false);
    if hour < NEW_CLASS_FROM_HOUR {
        scene.objects.retain(|o| CLASSES[o.class] != NEW_CLASS);
    }
    let light = exposure(at_hour);
    // Darker images hide some objects from the detector.
    let detections = detect(&scene, 0.5 + 0.5 * light, &mut rng);
    let small = shrink(&scene);
    let mut px = small.render(&mut rng);
    px.iter_mut()
        .for_each(|v| *v = (f64::from(*v) * light).round() as u8);
    let name = format!("{i:05}.jpg");
    super::write_jpeg(&out.join("images").join(&name), &px, &small, 90)?;
    let latency = 30.0 + 25.0 * rng.random::<f64>() + 3.0 * detections.len() as f64;
    let failed = rng.random::<f64>() < 0.004;
    let mut record = json!({
        "id": format!("prod-{i:05}"),
        "time": time_ms as f64 / 1000.0,
        "stream": STREAM,
        "model": MODEL,
        "version": "1.0",
        "image": {"path": format!("images/{name}")},
        "latency_ms": (latency * 10.0).round() / 10.0,
        "metadata": {"camera": i % 4},
    });
    if failed {
        record["error"] = json!("inference timed out");
    } else {
        record["boxes"] = detections.iter().map(box_json).collect();
    }
    let truth: Vec<serde_json::Value> = scene
        .objects
        .iter()
        .map(|o| {
            let [x1, y1, x2, y2] = super::scene::bounds(&o.polygon);
            let b = [x1, y1, x2 - x1, y2 - y1].map(|v| (v * SCALE * 100.0).round() / 100.0);
            json!({"class": CLASSES[o.class], "box": b})
        })
        .collect();
    let labels = json!({"id": format!("prod-{i:05}"), "boxes": truth});
    Ok((record.to_string(), labels.to_string()))
}

fn box_json(d: &Detection) -> serde_json::Value {
    let b = d.bbox.map(|v| (v * SCALE * 100.0).round() / 100.0);
    json!({"class": CLASSES[d.class], "score": (d.score * 1e4).round() / 1e4, "box": b})
}

/// The scene at [`SCALE`] of its size.
fn shrink(scene: &Scene) -> Scene {
    let mut small = scene.clone();
    small.width = (f64::from(scene.width) * SCALE).round() as u32;
    small.height = (f64::from(scene.height) * SCALE).round() as u32;
    for o in &mut small.objects {
        o.polygon.iter_mut().for_each(|v| *v *= SCALE);
    }
    small
}
