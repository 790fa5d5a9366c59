//! `assay embed` and `assay embeddings`: computing, storing, exporting and
//! importing embeddings, and the 2-D map (PCA) with k-means clusters the UI
//! draws.

use std::collections::HashMap;
use std::path::Path;
use std::path::PathBuf;
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

use super::choose_dataset;
use super::neighbours::{analyse, Findings};

use crate::output::{progress, table};

use clap::{Args, Subcommand};

/// Options of `assay embed`.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Dataset (default: the only one).
    #[arg(long)]
    pub dataset: Option<String>,
    /// `builtin` (weight-free, not comparable with published numbers), or
    /// a model folder in Hugging Face layout or a `.safetensors` file
    /// (CLIP, DINOv2). Nothing is downloaded.
    #[arg(long, default_value = "builtin", value_name = "PATH|builtin")]
    pub model: String,
    /// Embed the crops of ground-truth boxes instead of whole images.
    #[arg(long)]
    pub objects: bool,
    /// Images per forward pass (and per stored batch).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub batch: u32,
    /// Number of k-means clusters for the map (default: about sqrt(n/2), 2 to 50).
    #[arg(long, value_name = "K")]
    pub clusters: Option<usize>,
    /// Cosine similarity from which two images (or objects) are near
    /// duplicates (`embedding_near_duplicates`, `embedding_split_leak`).
    #[arg(long, default_value_t = 0.97, value_name = "COS")]
    pub near_threshold: f32,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

/// `assay embeddings` subcommands.
#[derive(Debug, Subcommand)]
pub enum EmbeddingsCommand {
    /// List the stored embedding sets.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a set as an `(n, d)` float32 `.npy` and a CSV of what each row is.
    #[command(
        after_help = "Example:\n  assay embeddings export --embeddings builtin --out feats.npy   # also writes feats.csv"
    )]
    Export {
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
        /// Which set (extractor name; default: the most recent image-level set).
        #[arg(long, value_name = "NAME")]
        embeddings: Option<String>,
        /// The `.npy` file to write; the row list goes beside it as `.csv`.
        #[arg(long)]
        out: PathBuf,
    },
    /// Store vectors computed elsewhere: an `(n, d)` `.npy` and a file
    /// naming the sample of each row (a file name or image id per line).
    #[command(
        after_help = "Example:\n  assay embeddings import --npy feats.npy --rows files.txt --name my-clip"
    )]
    Import {
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
        /// The vectors.
        #[arg(long)]
        npy: PathBuf,
        /// One line per row: the sample's file name or image id.
        #[arg(long)]
        rows: PathBuf,
        /// Name to store the set under.
        #[arg(long)]
        name: String,
    },
}

/// Largest number of vectors the PCA of the map is fitted on.
const PCA_SAMPLE: usize = 20_000;

/// What `assay embed` did.
#[derive(Debug, Serialize)]
pub struct EmbedSummary {
    dataset: String,
    extractor: String,
    level: EmbeddingLevel,
    dim: usize,
    comparable: bool,
    computed: usize,
    already_stored: usize,
    unreadable: usize,
    without_file: usize,
    stored: usize,
    clusters: usize,
    neighbours: Findings,
    seconds: f64,
}

/// One image to read and the vectors to compute from it.
struct Job<'a> {
    sample: i64,
    path: &'a std::path::Path,
    /// `IMAGE_LEVEL` for the whole image, else the objects' ids and boxes.
    objects: Vec<(i64, Option<BBox>)>,
}

/// Runs `assay embed`.
pub fn run(store: &mut Store, args: &EmbedArgs) -> Result<EmbedSummary> {
    let started = Instant::now();
    let dataset = choose_dataset(store, args.dataset.as_deref())?;
    let extractor = Extractor::open(&args.model)?;
    let level = if args.objects {
        EmbeddingLevel::Object
    } else {
        EmbeddingLevel::Image
    };
    let (set, replaced) = store.open_embedding_set(&NewEmbeddingSet {
        dataset: &dataset,
        extractor: &extractor.name,
        level,
        weights_hash: &extractor.weights_hash,
        source: &args.model,
        dim: extractor.dim(),
        comparable: extractor.comparable,
    })?;
    if replaced {
        eprintln!(
            "note: the stored {} embeddings came from other weights; computing them again",
            extractor.name
        );
    }
    if !extractor.comparable {
        eprintln!("note: the built-in extractor's vectors are not comparable with CLIP, Inception or DINOv2 ones");
    }
    let data = store.load_dataset(&dataset, &Selection::default())?;
    let paths = store.sample_paths(&dataset)?;
    let done = store.embedded_keys(&set)?;
    let (jobs, without_file) = jobs(&data, &paths, level, &done);
    let already_stored = done.len();
    let (computed, unreadable) = compute(store, &set, &extractor, &jobs, args.batch as usize)?;
    let rows = store.load_embeddings(&set)?;
    let clusters = store_map(store, &set, &rows, args.clusters)?;
    let neighbours = analyse(store, &set, &rows, args.near_threshold)?;
    let summary = EmbedSummary {
        stored: rows.len(),
        dataset,
        extractor: extractor.name.clone(),
        level,
        dim: extractor.dim(),
        comparable: extractor.comparable,
        computed,
        already_stored,
        unreadable,
        without_file,
        clusters,
        neighbours,
        seconds: started.elapsed().as_secs_f64(),
    };
    print_summary(&summary, args.json)?;
    Ok(summary)
}

fn print_summary(s: &EmbedSummary, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(s)?);
        return Ok(());
    }
    println!(
        "{} {}-d {} embeddings of {} stored ({} computed now, {} already there) in {:.1} s; map: PCA with {} k-means clusters",
        s.stored, s.dim, s.level.name(), s.dataset, s.computed, s.already_stored, s.seconds, s.clusters
    );
    let n = &s.neighbours;
    println!(
        "neighbours: {} near-duplicate groups, {} split leaks, {} label mismatches (assay issues --type embedding_near_duplicates)",
        n.near_duplicate_groups, n.split_leaks, n.label_mismatches
    );
    if s.unreadable > 0 {
        println!("{} images could not be decoded and have no embedding (assay quality lists them as unreadable)", s.unreadable);
    }
    if s.without_file > 0 {
        println!(
            "{} samples have no image file in the project and were skipped",
            s.without_file
        );
    }
    Ok(())
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

/// Embeds the jobs batch by batch, storing each batch (one transaction), so
/// an interrupted run keeps what it finished. Returns (computed, unreadable).
fn compute(
    store: &mut Store,
    set: &EmbeddingSet,
    extractor: &Extractor,
    jobs: &[Job],
    batch: usize,
) -> Result<(usize, usize)> {
    let bar = progress(jobs.len(), "embedding");
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
            store.add_embeddings(set, &rows)?;
            computed += rows.len();
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
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

/// Runs `assay embeddings ...`.
pub fn embeddings(store: &mut Store, cmd: EmbeddingsCommand) -> Result<()> {
    match cmd {
        EmbeddingsCommand::List { json } => list(store, json),
        EmbeddingsCommand::Export {
            dataset,
            embeddings,
            out,
        } => {
            let dataset = choose_dataset(store, dataset.as_deref())?;
            let set = choose_set(store, &dataset, embeddings.as_deref())?;
            export(store, &set, &out)
        }
        EmbeddingsCommand::Import {
            dataset,
            npy,
            rows,
            name,
        } => {
            let dataset = choose_dataset(store, dataset.as_deref())?;
            import(store, &dataset, &npy, &rows, &name)
        }
    }
}

fn list(store: &Store, json: bool) -> Result<()> {
    let sets = store.embedding_sets(None)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&sets)?);
        return Ok(());
    }
    let mut t = table(&[
        "dataset",
        "extractor",
        "level",
        "dim",
        "vectors",
        "comparable",
        "weights (BLAKE3)",
    ]);
    for s in &sets {
        let hash: String = s.weights_hash.chars().take(16).collect();
        t.add_row(vec![
            s.dataset.clone(),
            s.extractor.clone(),
            s.level.name().into(),
            s.dim.to_string(),
            s.count.to_string(),
            if s.comparable { "yes" } else { "no (built-in)" }.into(),
            hash,
        ]);
    }
    println!("{t}");
    Ok(())
}

fn export(store: &Store, set: &EmbeddingSet, out: &Path) -> Result<()> {
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
    println!(
        "wrote {} x {} vectors to {} and their rows to {}",
        rows.len(),
        set.dim,
        out.display(),
        csv_path.display()
    );
    Ok(())
}

fn import(
    store: &mut Store,
    dataset: &str,
    npy: &Path,
    rows_file: &Path,
    name: &str,
) -> Result<()> {
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
    println!(
        "imported {n} {dim}-d vectors as {name:?} into {dataset:?} (map: {clusters} clusters)"
    );
    Ok(())
}
