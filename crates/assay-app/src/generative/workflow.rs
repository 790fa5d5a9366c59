//! The evaluation workflows: one generated set or a project's generators
//! against the reference, and several sets compared.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use assay_embed::Extractor;
use assay_store::Store;

use super::diagnostics::Diagnostician;
use super::inputs::{self, load_reference, load_set, FeatureSet};
use super::leaderboard::{leaderboard, Entry, Leaderboard};
use super::project;
use super::report::{evaluate as evaluate_set, ClipScoreArg, EvalReport, FidResize, GenMetric};
use crate::progress::Progress;

/// How generated sets are evaluated.
#[derive(Debug, Clone)]
pub struct GenerativeOptions {
    /// Real images: a folder, manifest, `.npy` features or `.npz` statistics.
    pub real: Option<PathBuf>,
    /// Or a project dataset as the reference.
    pub real_dataset: Option<String>,
    /// Only this split of `real_dataset`.
    pub real_split: Option<String>,
    /// The feature extractor: a weights path, or `builtin`.
    pub model: String,
    /// How images are resized for the FID Inception.
    pub resize: FidResize,
    /// Which metrics (default: all the inputs allow).
    pub metrics: Option<Vec<GenMetric>>,
    /// A CLIP model for CLIPScore.
    pub clip_model: Option<String>,
    /// Which CLIPScore.
    pub clip_score: ClipScoreArg,
    /// Training images searched for memorized copies.
    pub train: Option<PathBuf>,
    /// Half-samples drawn for the intervals (fewer than 2: none).
    pub interval_draws: usize,
    /// Seed of the half-samples.
    pub seed: u64,
    /// KID subsets.
    pub kid_subsets: usize,
    /// KID subset size.
    pub kid_subset_size: usize,
    /// Cosine similarity above which two generations are near-duplicates.
    pub near_threshold: Option<f32>,
    /// Cosine similarity above which a generation copies a training image.
    pub memorization_threshold: Option<f32>,
    /// Skip the neighbour-based findings.
    pub no_diagnostics: bool,
    /// Images embedded per batch.
    pub batch: usize,
}

/// What [`evaluate`] evaluated.
pub enum Evaluated {
    /// One generated set, and what reading it warned about.
    Set(Box<(EvalReport, assay_io::Warnings)>),
    /// The generators of a project dataset, each stored as a run.
    Dataset(Leaderboard),
}

/// The extractor, the reference and the diagnostics' searches, built once.
struct Setup {
    extractor: Extractor,
    reference: inputs::Reference,
    doctor: Diagnostician,
}

fn setup(
    store: Option<&Store>,
    options: &GenerativeOptions,
    progress: &dyn Progress,
) -> Result<Setup> {
    let extractor = Extractor::open(&options.model)?.with_inception_resize(options.resize.mode());
    let reference = load_reference(options, store, &extractor, progress)?;
    let doctor = Diagnostician::new(options, &extractor, &reference, progress)?;
    Ok(Setup {
        extractor,
        reference,
        doctor,
    })
}

/// Evaluates generated images against the reference: the set at `fake`, or
/// every generator of the project dataset `dataset` (each stored as a run).
pub fn evaluate(
    store: Option<&mut Store>,
    fake: Option<&Path>,
    dataset: Option<&str>,
    options: &GenerativeOptions,
    progress: &dyn Progress,
) -> Result<Evaluated> {
    let s = setup(store.as_deref(), options, progress)?;
    if let Some(fake) = fake {
        let set = load_set(fake, &s.extractor, options.batch, progress)?;
        let report = evaluate_set(&s.reference, &set, &s.extractor, &s.doctor, options)?;
        return Ok(Evaluated::Set(Box::new((report, set.warnings))));
    }
    let (Some(store), Some(dataset)) = (store, dataset) else {
        bail!("give the generated images with --fake, or a project dataset with --dataset");
    };
    let board = project::evaluate_dataset(
        store,
        dataset,
        &s.reference,
        &s.extractor,
        &s.doctor,
        options,
        progress,
    )?;
    Ok(Evaluated::Dataset(board))
}

/// Several generated sets against one reference: `sets` are (name, path);
/// with `by_model`, each manifest is split by its `model` column.
pub fn compare(
    store: Option<&Store>,
    sets: &[(String, PathBuf)],
    by_model: bool,
    options: &GenerativeOptions,
    progress: &dyn Progress,
) -> Result<(Leaderboard, assay_io::Warnings)> {
    let s = setup(store, options, progress)?;
    let mut loaded: Vec<(String, FeatureSet)> = Vec::new();
    let mut warnings = assay_io::Warnings::default();
    for (name, path) in sets {
        let mut set = load_set(path, &s.extractor, options.batch, progress)?;
        warnings.extend(std::mem::take(&mut set.warnings));
        if by_model {
            loaded.extend(set.split_by_model());
        } else {
            loaded.push((name.clone(), set));
        }
    }
    if loaded.len() < 2 {
        bail!("compare needs at least two generated sets (repeat --fake, or --by-model with a manifest naming several models)");
    }
    let mut entries = Vec::new();
    for (name, set) in &loaded {
        let report = evaluate_set(&s.reference, set, &s.extractor, &s.doctor, options)?;
        entries.push(Entry {
            name: name.clone(),
            report,
            run_id: None,
        });
    }
    Ok((leaderboard(entries), warnings))
}
