//! The model-based window metrics (the `embed` feature). Memory stays
//! bounded however long the stream: a window's vectors are read, used and
//! dropped one window at a time, from an even sample of at most
//! [`MAX_PER_WINDOW`] of its records (the reference pool: at most
//! [`MAX_REFERENCE`]).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::{bail, Context, Result};
use assay_embed::Extractor;
use assay_gen::clip_score::{clip_score, ClipScoreKind};
use assay_gen::frechet::{frechet_distance, FeatureStats};
use assay_gen::sample_size::sample_size_warnings;
use assay_gen::Features;
use assay_store::{EmbeddingLevel, EmbeddingSet, Store};

use super::FeatureSettings;
use crate::embed::embed_missing;
use crate::generative::inputs::{load_real_files, Reference};
use crate::monitor::windows::Window;
use crate::progress::{Progress, Quiet};

/// Images embedded per batch.
const BATCH: usize = 32;
/// Records of a window whose vectors are used, at most.
pub const MAX_PER_WINDOW: usize = 5_000;
/// Records of the reference windows pooled, at most.
pub const MAX_REFERENCE: usize = 20_000;

/// Embeds the images that have no vector yet from each configured model
/// and stores them: the stream's (CLIP's only when a generator made its
/// records) and FID's reference dataset. Returns what the user should
/// know (vectors of other weights replaced, and the like).
pub fn embed_stream(
    store: &mut Store,
    stream: &str,
    settings: &FeatureSettings,
    progress: &dyn Progress,
) -> Result<Vec<String>> {
    let generator = store.stream_has_generations(stream)?;
    // (setting, model, dataset) to embed.
    let mut jobs: Vec<(&str, &String, &str)> = Vec::new();
    if let Some(spec) = &settings.embed_model {
        jobs.push(("embed_model", spec, stream));
        if let (Some(real), true) = (&settings.real_dataset, generator) {
            jobs.push(("embed_model", spec, real));
        }
    }
    if let (Some(spec), true) = (&settings.clip_model, generator) {
        jobs.push(("clip_model", spec, stream));
    }
    let mut notes = Vec::new();
    for (key, spec, dataset) in jobs {
        let extractor = model(key, spec)?;
        let level = EmbeddingLevel::Image;
        let added = embed_missing(store, dataset, &extractor, spec, level, BATCH, progress)?;
        notes.extend(added.notes);
    }
    Ok(notes)
}

/// The model of setting `key`, opened once per process (a CLIP model
/// must have its text side).
fn model(key: &str, spec: &str) -> Result<Arc<Extractor>> {
    static MODELS: OnceLock<Mutex<HashMap<String, Arc<Extractor>>>> = OnceLock::new();
    let models = MODELS.get_or_init(Mutex::default);
    if let Some(m) = lock(models).get(spec) {
        return Ok(Arc::clone(m));
    }
    let extractor = Extractor::open(spec).with_context(|| format!("{key} = {spec:?}"))?;
    if key == "clip_model" && !extractor.supports_text() {
        bail!("clip_model = {spec:?}: CLIPScore needs a CLIP model with its tokenizer (tokenizer.json or vocab.json and merges.txt)");
    }
    let extractor = Arc::new(extractor);
    lock(models).insert(spec.to_string(), Arc::clone(&extractor));
    Ok(extractor)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Exactly `min(cap, n)` items, spread evenly (item `i * n / cap`).
fn even_sample(items: &[i64], cap: usize) -> Vec<i64> {
    if items.len() <= cap {
        return items.to_vec();
    }
    (0..cap).map(|i| items[i * items.len() / cap]).collect()
}

/// A model's stored vectors of a dataset, read by sample.
struct Vectors<'s> {
    store: &'s Store,
    set: Option<EmbeddingSet>,
    dim: usize,
    /// Records asked for, and those that had no vector.
    asked: usize,
    missing: usize,
    model: String,
}

impl<'s> Vectors<'s> {
    fn new(store: &'s Store, dataset: &str, extractor: &Extractor) -> Result<Self> {
        let set = store.embedding_sets(Some(dataset))?.into_iter().find(|s| {
            s.level == EmbeddingLevel::Image
                && s.extractor == extractor.name
                && s.weights_hash == extractor.weights_hash
        });
        Ok(Vectors {
            store,
            set,
            dim: extractor.dim(),
            asked: 0,
            missing: 0,
            model: extractor.name.clone(),
        })
    }

    /// The vectors of `samples` that have one, by sample, counting those
    /// without one when `count`.
    fn read(&mut self, samples: &[i64], count: bool) -> Result<Vec<(i64, Vec<f32>)>> {
        let mut found = match &self.set {
            Some(set) => self.store.image_embeddings_of(set, samples)?,
            None => HashMap::new(),
        };
        if count {
            self.asked += samples.len();
            self.missing += samples.len() - found.len();
        }
        Ok(samples
            .iter()
            .filter_map(|s| Some((*s, found.remove(s)?)))
            .collect())
    }

    /// The vectors of `samples`, row-major.
    fn rows(&mut self, samples: &[i64], count: bool) -> Result<Vec<f32>> {
        Ok(self
            .read(samples, count)?
            .into_iter()
            .flat_map(|(_, v)| v)
            .collect())
    }

    /// Says how many records have no stored vector.
    fn missing_note(&self) -> Option<String> {
        (self.missing > 0).then(|| {
            format!(
                "{} of the {} records measured have no {} vector (not embedded yet, or no \
                 readable image): `assay monitor` and the server's watch embed new records",
                self.missing, self.asked, self.model
            )
        })
    }
}

/// Adds the model-based metrics to the windows (`samples[i]` are window
/// `i`'s records, by sample row id; `generator`: some record has a
/// generation); returns what could not be computed, and why.
pub fn add_feature_metrics(
    store: &Store,
    stream: &str,
    windows: &mut [Window],
    samples: &[Vec<i64>],
    generator: bool,
    settings: &FeatureSettings,
) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    let kept: Vec<Vec<i64>> = samples
        .iter()
        .map(|w| even_sample(w, MAX_PER_WINDOW))
        .collect();
    if samples.iter().any(|w| w.len() > MAX_PER_WINDOW) {
        notes.push(format!(
            "windows of more than {MAX_PER_WINDOW} records are measured on an even sample of \
             {MAX_PER_WINDOW} for embedding_drift, fid and clip_score"
        ));
    }
    match &settings.embed_model {
        Some(spec) => {
            let extractor = model("embed_model", spec)?;
            let fid = match generator {
                true => Some(fid_reference(store, settings, &extractor)?),
                false => None,
            };
            let mut vectors = Vectors::new(store, stream, &extractor)?;
            notes.extend(add_distances(windows, &kept, &mut vectors, fid)?);
            notes.extend(vectors.missing_note());
        }
        None => notes.push(format!(
            "{} image features: set embed_model in [monitor] (\"builtin\" needs no weights) or pass --embed-model",
            if generator { "embedding_drift and fid need" } else { "embedding_drift needs" }
        )),
    }
    if generator {
        match &settings.clip_model {
            Some(spec) => {
                let extractor = model("clip_model", spec)?;
                let mut vectors = Vectors::new(store, stream, &extractor)?;
                add_clip_score(windows, &kept, &mut vectors, &extractor, settings.clip_score)?;
                notes.extend(vectors.missing_note());
            }
            None => notes.push(
                "clip_score needs a CLIP model: set clip_model in [monitor] or pass --clip-model (a local model folder; assay downloads nothing)".into(),
            ),
        }
    }
    Ok(notes)
}

/// FID's reference statistics, how many images they came from, and what
/// they are.
struct FidReference {
    stats: FeatureStats,
    count: usize,
    what: String,
}

/// FID's configured reference: real files (read once per process, again
/// when they change) or a project dataset's stored vectors; `None` for the
/// reference windows.
fn fid_reference(
    store: &Store,
    settings: &FeatureSettings,
    extractor: &Extractor,
) -> Result<Option<Arc<FidReference>>> {
    let dim = extractor.dim();
    if let Some(path) = &settings.real {
        let key = || format!("real = {:?}", path.display().to_string());
        return real_files(path, extractor).with_context(key).map(Some);
    }
    let Some(name) = &settings.real_dataset else {
        return Ok(None);
    };
    let key = || format!("real_dataset = {name:?}");
    let Some(set) = Vectors::new(store, name, extractor).with_context(key)?.set else {
        bail!("real_dataset = {name:?}: its images have no {} vectors yet (`assay monitor` embeds them)", extractor.name);
    };
    let rows: Vec<f32> = store
        .load_embeddings(&set)?
        .into_iter()
        .flat_map(|(_, v)| v)
        .collect();
    let features = Features::from_f32(&rows, dim)?;
    let stats = FeatureStats::from_features(&features).with_context(key)?;
    Ok(Some(Arc::new(FidReference {
        stats,
        count: features.len(),
        what: format!("dataset {name}"),
    })))
}

/// The statistics of real files, cached per process by path, size and
/// modification time.
fn real_files(path: &Path, extractor: &Extractor) -> Result<Arc<FidReference>> {
    static REFERENCES: OnceLock<Mutex<HashMap<String, Arc<FidReference>>>> = OnceLock::new();
    let cache = REFERENCES.get_or_init(Mutex::default);
    let meta = std::fs::metadata(path)?;
    let key = format!(
        "{}\n{}\n{}\n{:?}",
        extractor.weights_hash,
        path.display(),
        meta.len(),
        meta.modified().ok()
    );
    if let Some(r) = lock(cache).get(&key) {
        return Ok(Arc::clone(r));
    }
    let reference = match load_real_files(path, extractor, BATCH, &Quiet)? {
        Reference::Stats { stats, source } => FidReference {
            count: stats.count.unwrap_or(0),
            stats,
            what: source,
        },
        Reference::Set(set) => FidReference {
            count: set.features.len(),
            stats: FeatureStats::from_features(&set.features)?,
            what: set.source,
        },
    };
    if reference.stats.mu.len() != extractor.dim() {
        bail!(
            "its features have {} dimensions, {}'s have {}",
            reference.stats.mu.len(),
            extractor.name,
            extractor.dim()
        );
    }
    let reference = Arc::new(reference);
    lock(cache).insert(key, Arc::clone(&reference));
    Ok(reference)
}

/// `embedding_drift` of every window (the cosine distance between its
/// mean vector and the reference windows', SciPy's `cosine` of the
/// centroids) and, for a generator's stream (`fid` is `Some`), `fid`
/// against the configured reference or the reference windows
/// (pytorch-fid's formula) with the sample-size warnings.
fn add_distances(
    windows: &mut [Window],
    kept: &[Vec<i64>],
    vectors: &mut Vectors,
    fid: Option<Option<Arc<FidReference>>>,
) -> Result<Vec<String>> {
    let dim = vectors.dim;
    let pooled_samples: Vec<i64> = windows
        .iter()
        .filter(|w| w.reference)
        .flat_map(|w| kept[w.index].iter().copied())
        .collect();
    let mut notes = Vec::new();
    if pooled_samples.len() > MAX_REFERENCE {
        notes.push(format!(
            "the reference windows' {} records are pooled through an even sample of {MAX_REFERENCE}",
            pooled_samples.len()
        ));
    }
    let pooled = vectors.rows(&even_sample(&pooled_samples, MAX_REFERENCE), false)?;
    if pooled.is_empty() {
        notes.push("embedding_drift: the reference windows have no vectors".into());
    }
    let fid = match fid {
        Some(Some(r)) => Some(r),
        Some(None) if pooled.len() / dim >= 2 => Some(Arc::new(FidReference {
            count: pooled.len() / dim,
            stats: FeatureStats::from_features(&Features::from_f32(&pooled, dim)?)?,
            what: "the reference windows' images (which are part of it themselves)".into(),
        })),
        Some(None) => {
            notes.push("fid: the reference windows have fewer than 2 vectors".into());
            None
        }
        None => None,
    };
    let mut smallest = usize::MAX;
    for w in windows.iter_mut() {
        let rows = vectors.rows(&kept[w.index], true)?;
        if rows.is_empty() {
            continue;
        }
        if !pooled.is_empty() {
            let d = assay_analysis::drift::embedding::centroid_distance(&pooled, &rows, dim)?;
            if let Some(cosine) = d.cosine {
                w.values.insert("embedding_drift".into(), cosine);
            }
        }
        let n = rows.len() / dim;
        if let (Some(r), true) = (&fid, n >= 2) {
            let stats = FeatureStats::from_features(&Features::from_f32(&rows, dim)?)?;
            w.values
                .insert("fid".into(), frechet_distance(&r.stats, &stats)?);
            smallest = smallest.min(n);
        }
    }
    if let Some(r) = &fid {
        notes.extend(fid_notes(r, smallest, dim));
    }
    Ok(notes)
}

/// What FID was compared with, and its sample-size warnings for the
/// smallest window measured.
fn fid_notes(r: &FidReference, smallest: usize, dim: usize) -> Vec<String> {
    let mut notes = vec![format!(
        "fid compares each window with {} ({} images)",
        r.what, r.count
    )];
    if smallest == usize::MAX {
        notes.push("fid: no window has 2 vectors".into());
    } else {
        let n_reference = if r.count == 0 { smallest } else { r.count };
        notes.extend(
            sample_size_warnings("fid", n_reference, smallest, dim)
                .into_iter()
                .map(|w| format!("fid per window: {w}")),
        );
    }
    notes
}

/// `clip_score`: the mean CLIPScore of each window's images with their
/// prompts (each window's prompts embedded once).
fn add_clip_score(
    windows: &mut [Window],
    kept: &[Vec<i64>],
    vectors: &mut Vectors,
    extractor: &Extractor,
    kind: ClipScoreKind,
) -> Result<()> {
    let dim = extractor.dim();
    for w in windows.iter_mut() {
        let prompts = vectors.store.prompts_of(&kept[w.index])?;
        let generated: Vec<i64> = kept[w.index]
            .iter()
            .copied()
            .filter(|s| prompts.contains_key(s))
            .collect();
        let pairs = vectors.read(&generated, true)?;
        if pairs.is_empty() {
            continue;
        }
        let unique: Vec<&str> = pairs
            .iter()
            .map(|(s, _)| prompts[s].as_str())
            .collect::<HashSet<&str>>()
            .into_iter()
            .collect();
        let mut texts: HashMap<&str, Vec<f32>> = HashMap::with_capacity(unique.len());
        for chunk in unique.chunks(BATCH) {
            texts.extend(chunk.iter().copied().zip(extractor.embed_texts(chunk)?));
        }
        let (mut images, mut prompt_rows) = (Vec::new(), Vec::new());
        for (s, image) in &pairs {
            images.extend(image.iter().map(|&v| f64::from(v)));
            prompt_rows.extend(texts[prompts[s].as_str()].iter().map(|&v| f64::from(v)));
        }
        let scores = clip_score(
            &Features::new(images, dim)?,
            &Features::new(prompt_rows, dim)?,
            kind,
        )?;
        w.values.insert("clip_score".into(), scores.mean);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_even_sample_keeps_exactly_the_cap_spread_over_the_records() {
        let items: Vec<i64> = (0..12).collect();
        assert_eq!(even_sample(&items, 5), vec![0, 2, 4, 7, 9]);
        assert_eq!(even_sample(&items, 12), items);
        assert_eq!(even_sample(&items, 100), items);
        assert_eq!(even_sample(&items, 1), vec![0]);
        let many: Vec<i64> = (0..5_001).collect();
        assert_eq!(even_sample(&many, 5_000).len(), 5_000);
    }
}
