//! The demo's classification task on the same images: each image is
//! labelled with the class of its largest shape (a few labels flipped on
//! purpose), and a simulated classifier gives every image a probability
//! per class, written as a user's files are (`.npy` plus a row list, a
//! labels CSV) and imported through the same paths.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use assay_store::Injection;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::problems::Exposure;
use super::scene::{bounds, Scene, CLASSES};

/// Share of labels flipped to another class.
const FLIPPED: f64 = 0.04;

/// What the classifier files hold and what was flipped.
pub struct ClassifierFiles {
    /// Injected label flips (kind `flipped_label`).
    pub injections: Vec<Injection>,
}

/// The class of the largest shape, or none for an empty scene.
fn main_class(scene: &Scene) -> Option<usize> {
    let area = |p: &[f64]| {
        let [x1, y1, x2, y2] = bounds(p);
        (x2 - x1) * (y2 - y1)
    };
    scene
        .objects
        .iter()
        .max_by(|a, b| area(&a.polygon).total_cmp(&area(&b.polygon)))
        .map(|o| o.class)
}

/// Writes `labels.csv` (file, label), `classifier_probs.npy`,
/// `classifier_rows.txt` (the file of each row) and
/// `classifier_classes.txt` (the class of each column) into `dir` for the
/// images `(file name, scene, exposure)`.
pub fn write(
    dir: &Path,
    images: &[(&str, &Scene, Option<Exposure>)],
    rng: &mut ChaCha8Rng,
) -> Result<ClassifierFiles> {
    let (mut labels, mut rows, mut probs) =
        (String::from("file,label\n"), String::new(), Vec::new());
    let mut injections = Vec::new();
    for &(file, scene, exposure) in images {
        let Some(truth) = main_class(scene) else {
            continue;
        };
        let mut given = truth;
        if rng.random::<f64>() < FLIPPED {
            given = (truth + rng.random_range(1..CLASSES.len())) % CLASSES.len();
            injections.push(Injection {
                file_name: file.to_string(),
                annotation_id: None,
                kind: "flipped_label".into(),
                detail: format!("{} labelled {}", CLASSES[truth], CLASSES[given]),
            });
        }
        let _ = writeln!(labels, "{file},{}", CLASSES[given]);
        let _ = writeln!(rows, "{file}");
        probs.extend(classify(truth, exposure, rng));
    }
    std::fs::write(dir.join("labels.csv"), labels).context("cannot write labels.csv")?;
    std::fs::write(dir.join("classifier_rows.txt"), rows)
        .context("cannot write classifier_rows.txt")?;
    std::fs::write(
        dir.join("classifier_classes.txt"),
        CLASSES.join("\n") + "\n",
    )
    .context("cannot write classifier_classes.txt")?;
    let n = probs.len() / CLASSES.len();
    assay_io::npy::write_npy_f64(
        &dir.join("classifier_probs.npy"),
        &[n, CLASSES.len()],
        &probs,
    )?;
    Ok(ClassifierFiles { injections })
}

/// Probabilities as a trained classifier gives them: a softmax of logits
/// where the true class leads by a margin that shrinks on badly exposed
/// images, circles and ellipses lie close, and noise does the rest.
fn classify(truth: usize, exposure: Option<Exposure>, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let clarity = match exposure {
        Some(Exposure::Dark) => 0.3,
        Some(Exposure::Light) => 0.6,
        Some(Exposure::Blurry) => 0.7,
        None => 1.0,
    };
    let mut noise =
        || 1.6 * (rng.random::<f64>() + rng.random::<f64>() + rng.random::<f64>() - 1.5);
    let mut logits: Vec<f64> = (0..CLASSES.len()).map(|_| noise()).collect();
    logits[truth] += 1.0 + 4.0 * clarity;
    let look_alike = match CLASSES[truth] {
        "circle" => Some(1),
        "ellipse" => Some(0),
        _ => None,
    };
    if let Some(other) = look_alike {
        logits[other] += 0.7 + 3.0 * clarity;
    }
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exp: Vec<f64> = logits.iter().map(|z| (z - max).exp()).collect();
    let sum: f64 = exp.iter().sum();
    // Rounded as a model's float output would be written.
    exp.iter().map(|e| ((e / sum) as f32) as f64).collect()
}
