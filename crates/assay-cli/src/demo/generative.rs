//! The demo's generative section: two simulated text-to-image generators
//! of different quality, imported with their manifest and evaluated against
//! the demo's real images (`assay gen eval --dataset generated
//! --real-dataset shapes`), with known findings injected:
//! - `sim-gen-good` draws fresh scenes like the real ones; two of its
//!   prompts were generated twice with the same seed on another "device"
//!   (near-duplicate generations), and one image is a training image
//!   (memorization).
//! - `sim-gen-poor` collapses: every image of a prompt has the same layout,
//!   blurred and colour-cast.

use std::path::Path;

use anyhow::{Context, Result};
use assay_io::images::to_file_name;
use rand_chacha::ChaCha8Rng;

use super::problems::degrade;
use super::scene::{random_scene, Scene, CLASSES};
use super::{image_rng, write_jpeg, DATASET};
use crate::commands::{gen, import};
use crate::output::Bars;
use assay_app::generative::leaderboard::Leaderboard;
use assay_app::generative::report::{ClipScoreArg, FidResize};
use assay_app::generative::{self, Evaluated, GenerativeOptions};
use assay_app::import::ImportTarget;
use assay_store::Store;

/// The generated dataset's name.
pub const GENERATED: &str = "generated";
const GOOD: &str = "sim-gen-good";
const POOR: &str = "sim-gen-poor";
const PROMPTS: usize = 10;
const SEEDS: u64 = 4;
/// Prompts generated a second time with the same seed (near-duplicates).
const SAME_SEED_PROMPTS: [usize; 2] = [0, 1];
/// The prompt whose last image is a copy of a training image.
const MEMORIZED_PROMPT: usize = 2;

/// One row of the manifest.
struct Row {
    file: String,
    prompt: String,
    model: &'static str,
    seed: u64,
}

/// Generates the images, imports them and evaluates both generators.
pub fn run(store: &mut Store, dir: &Path, seed: u64, training_image: &Path) -> Result<()> {
    let out = dir.join("data").join("generated");
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut rows = Vec::new();
    for p in 0..PROMPTS {
        let prompt = describe(&random_scene(&mut image_rng(seed ^ 0x6e6e, p * 100), false));
        rows.extend(good_images(seed, p, &prompt, &out)?);
        rows.extend(poor_images(seed, p, &prompt, &out)?);
    }
    let copy = out.join(format!("{GOOD}_p{MEMORIZED_PROMPT:02}_copy.jpg"));
    std::fs::copy(training_image, &copy).context("cannot copy a demo image")?;
    rows.push(Row {
        file: to_file_name(copy.strip_prefix(&out).unwrap_or(&copy)),
        prompt: describe(&random_scene(
            &mut image_rng(seed ^ 0x6e6e, MEMORIZED_PROMPT * 100),
            false,
        )),
        model: GOOD,
        seed: 99,
    });
    let manifest = out.join("manifest.csv");
    write_manifest(&manifest, &rows)?;
    println!(
        "Wrote {} generated images of {PROMPTS} prompts by {GOOD} and {POOR}, with {} \
         same-seed near-duplicate pairs and 1 copy of a training image ({}); importing {}",
        rows.len(),
        SAME_SEED_PROMPTS.len(),
        training_image.display(),
        manifest.display()
    );
    let target = ImportTarget {
        dataset: Some(GENERATED.into()),
        split: None,
        allow_absolute_paths: false,
    };
    import::import_dataset(
        store,
        assay_app::import::read_generated(&manifest, None, target, &Bars::default())?,
    )?;
    println!("\nEvaluating the generators against the real images (assay gen eval --dataset {GENERATED} --real-dataset {DATASET}):\n");
    let evaluated = generative::evaluate(
        Some(store),
        None,
        Some(GENERATED),
        &options(),
        &Bars::default(),
    )?;
    let Evaluated::Dataset(board) = evaluated else {
        return Ok(());
    };
    gen::compare::print_stored(&board, false, 5)?;
    print_truth(&board);
    Ok(())
}

/// How many of the injected findings the evaluation found.
fn print_truth(board: &Leaderboard) {
    let Some(good) = board.entries.iter().find(|e| e.name == GOOD) else {
        return;
    };
    let d = &good.report.diagnostics;
    let pairs = d
        .near_duplicates
        .iter()
        .filter(|set| set.iter().any(|f| f.contains("_device2")))
        .count();
    let copies = d
        .memorized
        .iter()
        .filter(|m| m.file.ends_with("_copy.jpg"))
        .count();
    println!(
        "Found {pairs} of the {} same-seed near-duplicate pairs and {copies} of the 1 memorized \
         training image injected into {GOOD}.",
        SAME_SEED_PROMPTS.len()
    );
}

fn options() -> GenerativeOptions {
    GenerativeOptions {
        real: None,
        real_dataset: Some(DATASET.into()),
        real_split: Some("train".into()),
        model: "builtin".into(),
        resize: FidResize::PytorchFid,
        metrics: None,
        clip_model: None,
        clip_score: ClipScoreArg::Hessel,
        train: None,
        interval_draws: 100,
        seed: 0,
        kid_subsets: 100,
        kid_subset_size: 1000,
        near_threshold: None,
        memorization_threshold: None,
        no_diagnostics: false,
        batch: 32,
    }
}

/// "a circle, two stars and a square" from a scene's objects.
fn describe(scene: &Scene) -> String {
    let mut counts = [0usize; CLASSES.len()];
    for o in &scene.objects {
        counts[o.class] += 1;
    }
    let words = ["", "a", "two", "three", "four", "five", "six"];
    let parts: Vec<String> = counts
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .map(|(c, &n)| match n {
            1 => format!("a {}", CLASSES[c]),
            _ => format!(
                "{} {}s",
                words.get(n).copied().unwrap_or("many"),
                CLASSES[c]
            ),
        })
        .collect();
    match parts.split_last() {
        None => "an empty textured background".into(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Fresh scenes per seed; same-seed prompts once more, recompressed.
fn good_images(seed: u64, p: usize, prompt: &str, out: &Path) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for s in 0..SEEDS {
        let mut rng = image_rng(seed ^ 0x600d, p * 100 + s as usize);
        let scene = random_scene(&mut rng, false);
        let px = scene.render(&mut rng);
        rows.push(save(out, row(GOOD, p, s, "", prompt), &px, &scene, 90)?);
        if s == 0 && SAME_SEED_PROMPTS.contains(&p) {
            rows.push(save(
                out,
                row(GOOD, p, s, "_device2", prompt),
                &px,
                &scene,
                70,
            )?);
        }
    }
    Ok(rows)
}

/// One layout per prompt, degraded: low realism, low diversity.
fn poor_images(seed: u64, p: usize, prompt: &str, out: &Path) -> Result<Vec<Row>> {
    let scene = random_scene(&mut image_rng(seed ^ 0xbad, p * 100), false);
    (0..SEEDS)
        .map(|s| {
            let mut rng: ChaCha8Rng = image_rng(seed ^ 0xbad, p * 100 + s as usize + 1);
            let mut px = scene.render(&mut rng);
            degrade(&mut px, scene.width as usize);
            save(out, row(POOR, p, s, "", prompt), &px, &scene, 90)
        })
        .collect()
}

/// The manifest row of generator `model`'s image of prompt `p` and seed `s`.
fn row(model: &'static str, p: usize, s: u64, suffix: &str, prompt: &str) -> Row {
    Row {
        file: format!("{model}_p{p:02}_s{s}{suffix}.jpg"),
        prompt: prompt.to_string(),
        model,
        seed: s,
    }
}

fn save(out: &Path, row: Row, px: &[u8], scene: &Scene, quality: u8) -> Result<Row> {
    write_jpeg(&out.join(&row.file), px, scene, quality)?;
    Ok(row)
}

fn write_manifest(path: &Path, rows: &[Row]) -> Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    w.write_record(["file", "prompt", "model", "seed"])?;
    for r in rows {
        w.write_record([r.file.as_str(), &r.prompt, r.model, &r.seed.to_string()])?;
    }
    w.flush()?;
    Ok(())
}
