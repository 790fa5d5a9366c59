//! What `--real`, `--fake` and `--train` name: a folder of images, a
//! generated-images manifest, a `.npy` feature matrix, or (as a reference)
//! pytorch-fid statistics in a `.npz`; images are embedded here.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use assay_core::model::Generation;
use assay_embed::Extractor;
use assay_gen::frechet::FeatureStats;
use assay_gen::Features;
use assay_image::decode::decode;
use assay_store::{Selection, Store};
use rayon::prelude::*;

pub use super::results::Unreadable;
use super::workflow::GenerativeOptions;
use crate::progress::Progress;

/// A set of samples with their features.
pub struct FeatureSet {
    /// The path as given.
    pub source: String,
    /// One entry per row: the image's file (relative to its folder), or
    /// `row N` for features read from a file.
    pub names: Vec<String>,
    /// One entry per row: prompt, model and seed when a manifest gave them.
    pub generations: Vec<Option<Generation>>,
    /// One entry per row: the image file, when the row came from one.
    pub paths: Vec<Option<PathBuf>>,
    /// The features, one row per readable image.
    pub features: Features,
    /// Inception class logits (the Inception Score's input), when the
    /// extractor has them.
    pub logits: Option<Features>,
    /// Images that could not be read or decoded, with the reason.
    pub unreadable: Vec<Unreadable>,
    /// Whether the features were read from a file (`.npy`), not computed
    /// from images by the extractor.
    pub precomputed: bool,
    /// What reading a manifest warned about.
    pub warnings: assay_io::Warnings,
}

impl Reference {
    /// Whether the reference's features were read from a file (`.npy`
    /// features or `.npz` statistics) rather than computed by the extractor.
    pub fn precomputed(&self) -> bool {
        match self {
            Reference::Set(set) => set.precomputed,
            Reference::Stats { .. } => true,
        }
    }
}

/// The reference side: a set, or saved statistics (FID only).
pub enum Reference {
    /// Features (from images or a `.npy`).
    Set(FeatureSet),
    /// `mu` and `sigma` from a `.npz`.
    Stats {
        /// The path as given.
        source: String,
        /// The statistics.
        stats: FeatureStats,
    },
}

/// An image file to embed, with its manifest row.
struct ImageJob {
    name: String,
    path: PathBuf,
    generation: Option<Generation>,
}

/// Reads the reference: `--real` (images, `.npy`, or `.npz` statistics)
/// or `--real-dataset` of the project.
pub fn load_reference(
    opts: &GenerativeOptions,
    store: Option<&Store>,
    extractor: &Extractor,
    progress: &dyn Progress,
) -> Result<Reference> {
    if let Some(name) = &opts.real_dataset {
        let Some(store) = store else {
            bail!("--real-dataset needs a project (run inside one, or pass --project DIR)");
        };
        let set = load_dataset(
            store,
            name,
            opts.real_split.as_deref(),
            extractor,
            opts.batch,
            progress,
        )?;
        return Ok(Reference::Set(set));
    }
    let Some(path) = &opts.real else {
        bail!("give the real images with --real or --real-dataset");
    };
    load_real_files(path, extractor, opts.batch, progress)
}

/// Reads real images from files: a folder or manifest of images, `.npy`
/// features, or `.npz` statistics (FID only).
pub fn load_real_files(
    path: &Path,
    extractor: &Extractor,
    batch: usize,
    progress: &dyn Progress,
) -> Result<Reference> {
    if extension(path) == "npz" {
        let read = assay_io::npz::read_fid_stats(path)?;
        let count = read
            .extra("n")
            .and_then(|n| n.values.first())
            .map(|&n| n as usize);
        let stats = FeatureStats::new(read.mu, read.sigma, count)
            .with_context(|| format!("{}: not usable FID statistics", path.display()))?;
        return Ok(Reference::Stats {
            source: path.display().to_string(),
            stats,
        });
    }
    Ok(Reference::Set(load_set(path, extractor, batch, progress)?))
}

/// Embeds the images of a project dataset (one split, or all).
pub fn load_dataset(
    store: &Store,
    name: &str,
    split: Option<&str>,
    extractor: &Extractor,
    batch: usize,
    progress: &dyn Progress,
) -> Result<FeatureSet> {
    let selection = Selection {
        split: split.map(str::to_string),
        ..Selection::default()
    };
    let data = store.load_dataset(name, &selection)?;
    let paths = store.sample_paths(name)?;
    let jobs: Vec<ImageJob> = data
        .samples
        .into_iter()
        .filter_map(|s| {
            Some(ImageJob {
                path: paths.get(&s.id)?.clone(),
                name: s.file_name,
                generation: s.generation,
            })
        })
        .collect();
    if jobs.is_empty() {
        bail!(
            "dataset {name:?} has no samples with image files{}",
            split.map_or(String::new(), |s| format!(" in split {s:?}"))
        );
    }
    embed_jobs(format!("dataset {name}"), jobs, extractor, batch, progress)
}

/// Reads a folder of images, a manifest (`.csv`, `.jsonl`) or a `.npy`.
pub fn load_set(
    path: &Path,
    extractor: &Extractor,
    batch: usize,
    progress: &dyn Progress,
) -> Result<FeatureSet> {
    let source = path.display().to_string();
    match extension(path).as_str() {
        "npy" => return from_npy(path),
        "npz" => {
            bail!("{source}: .npz statistics can only be the reference (--real), for FID alone")
        }
        _ => {}
    }
    let (jobs, warnings) = if path.is_dir() {
        (folder_jobs(path)?, assay_io::Warnings::default())
    } else if path.is_file() {
        manifest_jobs(path)?
    } else {
        bail!("{source}: no such folder or file (expected a folder of images, a manifest .csv/.jsonl, or features .npy)")
    };
    if jobs.is_empty() {
        bail!("{source}: no images found");
    }
    let mut set = embed_jobs(source, jobs, extractor, batch, progress)?;
    set.warnings = warnings;
    Ok(set)
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn from_npy(path: &Path) -> Result<FeatureSet> {
    let array = assay_io::npy::read_npy(path)?;
    let (rows, dim) = array.dims2(path)?;
    let data: Vec<f64> = array.rows(path)?.flatten().copied().collect();
    let features = Features::new(data, dim)
        .with_context(|| format!("{}: not usable features", path.display()))?;
    Ok(FeatureSet {
        source: path.display().to_string(),
        names: (0..rows).map(|i| format!("row {i}")).collect(),
        generations: vec![None; rows],
        paths: vec![None; rows],
        features,
        logits: None,
        unreadable: Vec::new(),
        precomputed: true,
        warnings: assay_io::Warnings::default(),
    })
}

fn folder_jobs(root: &Path) -> Result<Vec<ImageJob>> {
    Ok(assay_io::images::list_files(root)?
        .into_iter()
        .filter(|rel| assay_io::images::is_image_path(rel))
        .map(|rel| ImageJob {
            name: assay_io::images::to_file_name(&rel),
            path: root.join(rel),
            generation: None,
        })
        .collect())
}

/// Embeds image files, in the given order and in batches of `batch`, as
/// `gen eval` embeds a folder: the readable ones' features, and the
/// unreadable ones with the reason (the Python package's `embed`).
pub fn embed_files(
    paths: &[PathBuf],
    extractor: &Extractor,
    batch: usize,
    progress: &dyn Progress,
) -> Result<FeatureSet> {
    let jobs = paths
        .iter()
        .map(|path| ImageJob {
            name: path.to_string_lossy().into_owned(),
            path: path.clone(),
            generation: None,
        })
        .collect();
    embed_jobs("the given files".into(), jobs, extractor, batch, progress)
}

/// A manifest's rows; files are relative to the manifest's folder.
fn manifest_jobs(path: &Path) -> Result<(Vec<ImageJob>, assay_io::Warnings)> {
    let read = assay_io::generated::read_manifest(path)?;
    let root = path.parent().unwrap_or(Path::new("."));
    let jobs = read
        .dataset
        .samples
        .into_iter()
        .map(|s| ImageJob {
            path: root.join(&s.file_name),
            name: s.file_name,
            generation: s.generation,
        })
        .collect();
    Ok((jobs, read.warnings))
}

fn embed_jobs(
    source: String,
    jobs: Vec<ImageJob>,
    extractor: &Extractor,
    batch: usize,
    progress: &dyn Progress,
) -> Result<FeatureSet> {
    progress.start("embedding", jobs.len() as u64);
    let (mut names, mut generations, mut paths) = (Vec::new(), Vec::new(), Vec::new());
    let (mut rows, mut logit_rows) = (Vec::new(), Vec::new());
    let mut unreadable = Vec::new();
    for chunk in jobs.chunks(batch.max(1)) {
        let decoded: Vec<_> = chunk
            .par_iter()
            .map(|job| {
                let bytes = std::fs::read(&job.path).map_err(|e| e.to_string())?;
                decode(&bytes).map(|(_, p)| p).map_err(|e| e.to_string())
            })
            .collect();
        let mut images = Vec::new();
        for (job, result) in chunk.iter().zip(decoded) {
            match result {
                Ok(pixels) => {
                    images.push(pixels);
                    names.push(job.name.clone());
                    generations.push(job.generation.clone());
                    paths.push(Some(job.path.clone()));
                }
                Err(reason) => unreadable.push(Unreadable {
                    file: job.name.clone(),
                    reason,
                }),
            }
        }
        let (vectors, logits) = extractor.embed_images_with_logits(&images)?;
        rows.extend(vectors);
        logit_rows.extend(logits.unwrap_or_default());
        progress.advance(chunk.len() as u64);
    }
    progress.finish();
    if rows.is_empty() {
        bail!("{source}: none of the {} images could be read", jobs.len());
    }
    let features = Features::from_f32(&rows.concat(), extractor.dim())?;
    let logits = match logit_rows.first() {
        Some(first) => Some(Features::from_f32(&logit_rows.concat(), first.len())?),
        None => None,
    };
    Ok(FeatureSet {
        source,
        names,
        generations,
        paths,
        features,
        logits,
        unreadable,
        precomputed: false,
        warnings: assay_io::Warnings::default(),
    })
}

impl FeatureSet {
    /// The rows at `indices` as a set of their own, named `source`.
    pub fn select(&self, indices: &[usize], source: String) -> FeatureSet {
        FeatureSet {
            source,
            names: indices.iter().map(|&i| self.names[i].clone()).collect(),
            generations: indices
                .iter()
                .map(|&i| self.generations[i].clone())
                .collect(),
            paths: indices.iter().map(|&i| self.paths[i].clone()).collect(),
            features: self.features.select(indices),
            logits: self.logits.as_ref().map(|l| l.select(indices)),
            unreadable: Vec::new(),
            precomputed: self.precomputed,
            warnings: assay_io::Warnings::default(),
        }
    }

    /// One set per generator named in the manifest's `model` column, in
    /// order of first appearance; rows without one go to `unknown`.
    pub fn split_by_model(&self) -> Vec<(String, FeatureSet)> {
        let mut order: Vec<String> = Vec::new();
        let mut rows: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, g) in self.generations.iter().enumerate() {
            let model = g
                .as_ref()
                .map_or("unknown".to_string(), |g| g.model.clone());
            if !rows.contains_key(&model) {
                order.push(model.clone());
            }
            rows.entry(model).or_default().push(i);
        }
        order
            .into_iter()
            .map(|model| {
                let set = self.select(&rows[&model], format!("{} [{model}]", self.source));
                (model, set)
            })
            .collect()
    }
}
