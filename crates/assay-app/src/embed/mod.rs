//! Embedding a dataset's images (or object crops) and storing the vectors
//! batch by batch, then the 2-D map (PCA) with k-means clusters the UI
//! draws and what nearest neighbours say ([`neighbours`]); vectors in and
//! out as `.npy` files.

pub mod neighbours;
pub mod search;
pub mod shards;

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use assay_core::geometry::BBox;
use assay_core::model::Dataset;
use assay_embed::Extractor;
use assay_image::decode::{decode, Pixels};
use assay_index::{KMeans, KMeansConfig, Pca};
use assay_store::{
    EmbeddingKey, EmbeddingLevel, EmbeddingSet, MapPoint, NewEmbeddingSet, Selection, Store,
    IMAGE_LEVEL,
};
use rayon::prelude::*;
use serde::Serialize;

use crate::progress::Progress;
use crate::project::choose_dataset;
use neighbours::{analyse, Findings};

/// What to embed and how.
#[derive(Debug, Clone)]
pub struct EmbedOptions {
    /// The dataset (default: the only one).
    pub dataset: Option<String>,
    /// `builtin`, or a model folder or `.safetensors` file.
    pub model: String,
    /// Embed the crops of ground-truth boxes instead of whole images.
    pub objects: bool,
    /// Images per forward pass (and per stored batch).
    pub batch: usize,
    /// k-means clusters of the map (default: about sqrt(n/2), 2 to 50).
    pub clusters: Option<usize>,
    /// Cosine similarity from which two vectors are near duplicates.
    pub near_threshold: f32,
}

/// Largest number of vectors the PCA of the map is fitted on.
const PCA_SAMPLE: usize = 20_000;

/// What an embedding run did.
#[derive(Debug, Serialize)]
pub struct EmbedSummary {
    /// The dataset.
    pub dataset: String,
    /// The extractor's name.
    pub extractor: String,
    /// Images or objects.
    pub level: EmbeddingLevel,
    /// Vector length.
    pub dim: usize,
    /// Whether the vectors are comparable with published models' ones.
    pub comparable: bool,
    /// Vectors computed now.
    pub computed: usize,
    /// Vectors stored before this run.
    pub already_stored: usize,
    /// Images that could not be decoded.
    pub unreadable: usize,
    /// Samples without an image file.
    pub without_file: usize,
    /// Vectors stored in all.
    pub stored: usize,
    /// k-means clusters of the map.
    pub clusters: usize,
    /// What the nearest neighbours showed.
    pub neighbours: Findings,
    /// Wall time.
    pub seconds: f64,
    /// Notes for the user (weights changed, vectors not comparable).
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// One image to read and the vectors to compute from it.
struct Job<'a> {
    sample: i64,
    path: &'a Path,
    /// `IMAGE_LEVEL` for the whole image, else the objects' ids and boxes.
    objects: Vec<(i64, Option<BBox>)>,
}

/// Embeds what is not yet stored, then refreshes the map and the
/// neighbour findings.
pub fn embed(
    store: &mut Store,
    args: &EmbedOptions,
    progress: &dyn Progress,
) -> Result<EmbedSummary> {
    let started = Instant::now();
    let dataset = choose_dataset(store, args.dataset.as_deref())?;
    let extractor = Extractor::open(&args.model)?;
    let level = if args.objects {
        EmbeddingLevel::Object
    } else {
        EmbeddingLevel::Image
    };
    let added = embed_missing(
        store,
        &dataset,
        &extractor,
        &args.model,
        level,
        args.batch,
        progress,
    )?;
    let rows = store.load_embeddings(&added.set)?;
    let clusters = store_map(store, &added.set, &rows, args.clusters)?;
    let neighbours = analyse(store, &added.set, &rows, args.near_threshold, progress)?;
    let summary = EmbedSummary {
        stored: rows.len(),
        dataset,
        extractor: extractor.name.clone(),
        level,
        dim: extractor.dim(),
        comparable: extractor.comparable,
        computed: added.computed,
        already_stored: added.already_stored,
        unreadable: added.unreadable,
        without_file: added.without_file,
        clusters,
        neighbours,
        seconds: started.elapsed().as_secs_f64(),
        notes: added.notes,
    };
    Ok(summary)
}

/// What [`embed_missing`] stored.
pub struct Added {
    /// The embedding set (made on first use).
    pub set: EmbeddingSet,
    /// Vectors computed now.
    pub computed: usize,
    /// Vectors stored before.
    pub already_stored: usize,
    /// Images that could not be decoded.
    pub unreadable: usize,
    /// Samples without an image file.
    pub without_file: usize,
    /// Weights changed, vectors not comparable.
    pub notes: Vec<String>,
}

/// Embeds the images (or object crops) of `dataset` that have no vector
/// from `extractor` yet (opened from `source`) and stores them batch by
/// batch; vectors of other weights are replaced.
pub fn embed_missing(
    store: &mut Store,
    dataset: &str,
    extractor: &Extractor,
    source: &str,
    level: EmbeddingLevel,
    batch: usize,
    progress: &dyn Progress,
) -> Result<Added> {
    let (set, replaced) = store.open_embedding_set(&NewEmbeddingSet {
        dataset,
        extractor: &extractor.name,
        level,
        weights_hash: &extractor.weights_hash,
        source,
        dim: extractor.dim(),
        comparable: extractor.comparable,
    })?;
    let notes = set_notes(&extractor.name, replaced, extractor.comparable);
    let data = store.load_dataset(dataset, &Selection::default())?;
    let paths = store.sample_paths(dataset)?;
    let done = store.embedded_keys(&set)?;
    let (jobs, without_file) = jobs(&data, &paths, level, &done);
    let (computed, unreadable) = compute(extractor, &jobs, batch, progress, |rows| {
        Ok(store.add_embeddings(&set, rows)?)
    })?;
    Ok(Added {
        set,
        computed,
        already_stored: done.len(),
        unreadable,
        without_file,
        notes,
    })
}

/// What to tell the user about a set just opened: its vectors of other
/// weights were dropped, or its vectors are not comparable with published
/// models' ones.
fn set_notes(extractor: &str, replaced: bool, comparable: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if replaced {
        notes.push(format!(
            "the stored {extractor} embeddings came from other weights; computing them again"
        ));
    }
    if !comparable {
        notes.push("the built-in extractor's vectors are not comparable with CLIP, Inception or DINOv2 ones".into());
    }
    notes
}

fn jobs<'a>(
    data: &Dataset,
    paths: &'a HashMap<i64, std::path::PathBuf>,
    level: EmbeddingLevel,
    done: &std::collections::HashSet<EmbeddingKey>,
) -> (Vec<Job<'a>>, usize) {
    let mut objects: HashMap<i64, Vec<(i64, Option<BBox>)>> = HashMap::new();
    if level == EmbeddingLevel::Object {
        for a in data.annotations.iter().filter(|a| a.bbox.is_some()) {
            objects.entry(a.sample_id).or_default().push((a.id, a.bbox));
        }
    }
    let mut without_file = 0;
    let mut out = Vec::new();
    for sample in &data.samples {
        let wanted: Vec<(i64, Option<BBox>)> = match level {
            EmbeddingLevel::Image => vec![(IMAGE_LEVEL, None)],
            EmbeddingLevel::Object => objects.remove(&sample.id).unwrap_or_default(),
        };
        let wanted: Vec<_> = wanted
            .into_iter()
            .filter(|(o, _)| !done.contains(&(sample.id, *o)))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        match paths.get(&sample.id) {
            Some(path) => out.push(Job {
                sample: sample.id,
                path,
                objects: wanted,
            }),
            None => without_file += 1,
        }
    }
    (out, without_file)
}

/// Embeds the jobs batch by batch, handing each batch's vectors to `keep`
/// (which stores them in one transaction, so an interrupted run keeps what
/// it finished). Returns (computed, unreadable).
fn compute(
    extractor: &Extractor,
    jobs: &[Job],
    batch: usize,
    progress: &dyn Progress,
    mut keep: impl FnMut(&[(EmbeddingKey, Vec<f32>)]) -> Result<()>,
) -> Result<(usize, usize)> {
    progress.start("embedding", jobs.len() as u64);
    let (mut computed, mut unreadable) = (0, 0);
    for chunk in jobs.chunks(batch) {
        let decoded: Vec<Option<Vec<(EmbeddingKey, Pixels)>>> =
            chunk.par_iter().map(read_job).collect();
        unreadable += decoded.iter().filter(|d| d.is_none()).count();
        let (keys, images): (Vec<EmbeddingKey>, Vec<Pixels>) =
            decoded.into_iter().flatten().flatten().unzip();
        if !images.is_empty() {
            let vectors = extractor.embed_images(&images)?;
            let rows: Vec<(EmbeddingKey, Vec<f32>)> = keys.into_iter().zip(vectors).collect();
            keep(&rows)?;
            computed += rows.len();
        }
        progress.advance(chunk.len() as u64);
    }
    progress.finish();
    Ok((computed, unreadable))
}

/// The images of one job (the whole image or its object crops); `None`
/// when the file cannot be read or decoded.
fn read_job(job: &Job) -> Option<Vec<(EmbeddingKey, Pixels)>> {
    let bytes = std::fs::read(job.path).ok()?;
    let (_, pixels) = decode(&bytes).ok()?;
    Some(
        job.objects
            .iter()
            .map(|(object, bbox)| {
                let image = match bbox {
                    Some(b) => crop(&pixels, b),
                    None => pixels.clone(),
                };
                ((job.sample, *object), image)
            })
            .collect(),
    )
}

/// The pixels inside `b`, at least one pixel, clamped to the image.
fn crop(pixels: &Pixels, b: &BBox) -> Pixels {
    let clamp = |v: f64, max: usize| (v.max(0.0) as usize).min(max.saturating_sub(1));
    let (x0, y0) = (
        clamp(b.x.floor(), pixels.width),
        clamp(b.y.floor(), pixels.height),
    );
    let x1 = ((b.x + b.w).ceil().max(0.0) as usize).clamp(x0 + 1, pixels.width.max(x0 + 1));
    let y1 = ((b.y + b.h).ceil().max(0.0) as usize).clamp(y0 + 1, pixels.height.max(y0 + 1));
    let ch = pixels.mode.channels();
    let (w, h) = (x1.min(pixels.width) - x0, y1.min(pixels.height) - y0);
    let mut data = Vec::with_capacity(w * h * ch);
    for y in y0..y0 + h {
        let row = (y * pixels.width + x0) * ch;
        data.extend_from_slice(&pixels.data[row..row + w * ch]);
    }
    Pixels {
        width: w,
        height: h,
        mode: pixels.mode,
        data,
    }
}

/// Fits PCA (on a sample) and k-means on the normalised vectors of `set`
/// and stores the map; returns the number of clusters (0: too few vectors).
fn store_map(
    store: &mut Store,
    set: &EmbeddingSet,
    rows: &[(EmbeddingKey, Vec<f32>)],
    clusters: Option<usize>,
) -> Result<usize> {
    if rows.len() < 3 {
        return Ok(0);
    }
    let dim = set.dim;
    let mut data: Vec<f32> = Vec::with_capacity(rows.len() * dim);
    for (_, v) in rows {
        let norm = v
            .iter()
            .map(|x| x * x)
            .sum::<f32>()
            .sqrt()
            .max(f32::MIN_POSITIVE);
        data.extend(v.iter().map(|x| x / norm));
    }
    let step = rows.len().div_ceil(PCA_SAMPLE);
    let sample: Vec<f32> = data
        .chunks_exact(dim)
        .step_by(step)
        .flatten()
        .copied()
        .collect();
    let pca = Pca::fit(&sample, dim, 2).context("PCA of the embeddings failed")?;
    let xy = pca.transform(&data)?;
    let default = || (((rows.len() / 2) as f64).sqrt().round() as usize).clamp(2, 50);
    let k = clusters.unwrap_or_else(default).clamp(1, rows.len());
    let kmeans = KMeans::fit(&data, dim, &KMeansConfig::new(k))
        .context("k-means of the embeddings failed")?;
    let points: Vec<MapPoint> = rows
        .iter()
        .enumerate()
        .map(|(i, (key, _))| MapPoint {
            key: *key,
            x: xy[i * 2],
            y: xy[i * 2 + 1],
            cluster: Some(i64::from(kmeans.assignments[i])),
        })
        .collect();
    store.replace_embedding_map(set, "pca", &points)?;
    Ok(k)
}

/// The set a command works on: the one named (by extractor), or the most
/// recent image-level set.
pub fn choose_set(store: &Store, dataset: &str, name: Option<&str>) -> Result<EmbeddingSet> {
    let sets = store.embedding_sets(Some(dataset))?;
    let found = match name {
        Some(name) => sets
            .iter()
            .rev()
            .find(|s| s.extractor == name && s.level == EmbeddingLevel::Image),
        None => sets.iter().rev().find(|s| s.level == EmbeddingLevel::Image),
    };
    match found {
        Some(set) => Ok(set.clone()),
        None if sets.is_empty() => bail!(
            "dataset {dataset:?} has no embeddings yet; compute them with `assay embed` (--model builtin needs no weights)"
        ),
        None => {
            let names: Vec<String> = sets.iter().map(|s| format!("{} ({})", s.extractor, s.level.name())).collect();
            bail!("no image embeddings named {:?}; stored: {}", name.unwrap_or_default(), names.join(", "))
        }
    }
}

/// Writes `set` as an `(n, d)` float32 `.npy` at `out` and a CSV naming
/// each row beside it; returns (rows, the CSV's path).
pub fn export(
    store: &Store,
    set: &EmbeddingSet,
    out: &Path,
) -> Result<(usize, std::path::PathBuf)> {
    let rows = store.load_embeddings(set)?;
    let names: HashMap<i64, String> = store
        .load_dataset(&set.dataset, &Selection::default())?
        .samples
        .into_iter()
        .map(|s| (s.id, s.file_name))
        .collect();
    let values: Vec<f32> = rows.iter().flat_map(|(_, v)| v.iter().copied()).collect();
    assay_io::npy::write_npy_f32(out, &[rows.len(), set.dim], &values)?;
    let csv_path = out.with_extension("csv");
    let mut csv = csv::Writer::from_path(&csv_path)
        .with_context(|| format!("cannot write {}", csv_path.display()))?;
    csv.write_record(["row", "image_id", "annotation_id", "file_name"])?;
    for (i, ((sample, object), _)) in rows.iter().enumerate() {
        let object = if *object == IMAGE_LEVEL {
            String::new()
        } else {
            object.to_string()
        };
        let name = names.get(sample).cloned().unwrap_or_default();
        csv.write_record([i.to_string(), sample.to_string(), object, name])?;
    }
    csv.flush()?;
    Ok((rows.len(), csv_path))
}

/// What importing vectors stored.
pub struct ImportedVectors {
    /// Vectors.
    pub rows: usize,
    /// Their length.
    pub dim: usize,
    /// k-means clusters of the new map.
    pub clusters: usize,
}

/// Stores vectors computed elsewhere as the set `name`: an `(n, d)` `.npy`
/// and a file naming each row's sample (file name or image id).
pub fn import(
    store: &mut Store,
    dataset: &str,
    npy: &Path,
    rows_file: &Path,
    name: &str,
) -> Result<ImportedVectors> {
    let array = assay_io::npy::read_npy(npy)?;
    let (n, dim) = array.dims2(npy)?;
    let text = std::fs::read_to_string(rows_file)
        .with_context(|| format!("cannot read {}", rows_file.display()))?;
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() != n {
        bail!(
            "{} names {} rows but {} holds {n} vectors",
            rows_file.display(),
            lines.len(),
            npy.display()
        );
    }
    let data = store.load_dataset(dataset, &Selection::default())?;
    let by_name: HashMap<&str, i64> = data
        .samples
        .iter()
        .map(|s| (s.file_name.as_str(), s.id))
        .collect();
    let ids: std::collections::HashSet<i64> = data.samples.iter().map(|s| s.id).collect();
    let mut vectors = Vec::with_capacity(n);
    for (line_no, (line, row)) in lines.iter().zip(array.rows(npy)?).enumerate() {
        let sample = by_name
            .get(line)
            .copied()
            .or_else(|| line.parse::<i64>().ok().filter(|id| ids.contains(id)))
            .with_context(|| {
                format!(
                    "{}:{}: {line:?} is neither a file name nor an image id of dataset {dataset:?}",
                    rows_file.display(),
                    line_no + 1
                )
            })?;
        if row.iter().any(|v| !v.is_finite()) {
            bail!(
                "{}: row {line_no} holds a value that is not finite",
                npy.display()
            );
        }
        vectors.push((
            (sample, IMAGE_LEVEL),
            row.iter().map(|&v| v as f32).collect::<Vec<f32>>(),
        ));
    }
    let hash = blake3::hash(&std::fs::read(npy)?).to_hex().to_string();
    let (set, _) = store.open_embedding_set(&NewEmbeddingSet {
        dataset,
        extractor: name,
        level: EmbeddingLevel::Image,
        weights_hash: &hash,
        source: "imported",
        dim,
        comparable: true,
    })?;
    store.add_embeddings(&set, &vectors)?;
    let rows = store.load_embeddings(&set)?;
    let clusters = store_map(store, &set, &rows, None)?;
    Ok(ImportedVectors {
        rows: n,
        dim,
        clusters,
    })
}
