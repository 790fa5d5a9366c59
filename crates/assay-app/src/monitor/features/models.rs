//! The model-based window metrics (the `embed` feature). Memory stays
//! bounded however long the stream: a window's vectors are read, used and
//! dropped one window at a time, from an even sample of at most
//! [`MAX_PER_WINDOW`] of its records (the reference pool: at most
//! [`MAX_REFERENCE`]).

use std::collections::{HashMap, HashSet};

use anyhow::{bail, Context, Result};
use assay_embed::Extractor;
use assay_gen::clip_score::{clip_score, ClipScoreKind};
use assay_gen::frechet::{frechet_distance, FeatureStats};
use assay_gen::sample_size::sample_size_warnings;
use assay_gen::Features;
use assay_store::{EmbeddingLevel, EmbeddingSet, Store};

use super::{FeatureSettings, WindowSample};
use crate::embed::embed_missing;
use crate::generative::inputs::{load_dataset, load_real_files, Reference};
use crate::monitor::windows::Window;
use crate::progress::{Progress, Quiet};

/// Images embedded per batch.
const BATCH: usize = 32;
/// Records of a window whose vectors are used, at most.
pub const MAX_PER_WINDOW: usize = 5_000;
/// Records of the reference windows pooled, at most.
pub const MAX_REFERENCE: usize = 20_000;

/// Embeds the stream's images that have no vector yet from each
/// configured model and stores them; returns the records embedded now.
pub fn embed_stream(
    store: &mut Store,
    stream: &str,
    settings: &FeatureSettings,
    progress: &dyn Progress,
) -> Result<usize> {
    let mut computed = 0;
    for (key, spec) in models(settings) {
        let extractor = open(key, spec)?;
        let added = embed_missing(
            store,
            stream,
            &extractor,
            spec,
            EmbeddingLevel::Image,
            BATCH,
            progress,
        )?;
        computed += added.computed;
    }
    Ok(computed)
}

fn models(settings: &FeatureSettings) -> impl Iterator<Item = (&'static str, &String)> {
    [
        ("embed_model", settings.embed_model.as_ref()),
        ("clip_model", settings.clip_model.as_ref()),
    ]
    .into_iter()
    .filter_map(|(key, spec)| Some((key, spec?)))
}

/// Opens the model of setting `key`; a CLIP model must have its text side.
fn open(key: &str, spec: &str) -> Result<Extractor> {
    let extractor = Extractor::open(spec).with_context(|| format!("{key} = {spec:?}"))?;
    if key == "clip_model" && !extractor.supports_text() {
        bail!("clip_model = {spec:?}: CLIPScore needs a CLIP model with its tokenizer (tokenizer.json or vocab.json and merges.txt)");
    }
    Ok(extractor)
}

/// Every `k`-th item so that at most `cap` remain (all when fewer).
fn even_sample(items: &[WindowSample], cap: usize) -> Vec<&WindowSample> {
    let step = items.len().div_ceil(cap).max(1);
    items.iter().step_by(step).collect()
}

/// A model's stored vectors of the stream, read by sample.
struct Vectors<'s> {
    store: &'s Store,
    set: Option<EmbeddingSet>,
    dim: usize,
    /// Records asked for that had no vector.
    missing: usize,
    model: String,
}

impl<'s> Vectors<'s> {
    fn new(store: &'s Store, stream: &str, extractor: &Extractor) -> Result<Self> {
        let set = store.embedding_sets(Some(stream))?.into_iter().find(|s| {
            s.level == EmbeddingLevel::Image
                && s.extractor == extractor.name
                && s.weights_hash == extractor.weights_hash
        });
        Ok(Vectors {
            store,
            set,
            dim: extractor.dim(),
            missing: 0,
            model: extractor.name.clone(),
        })
    }

    /// The vectors of `samples` that have one, with their records.
    fn read<'w>(
        &mut self,
        samples: &[&'w WindowSample],
    ) -> Result<Vec<(&'w WindowSample, Vec<f32>)>> {
        let ids: Vec<i64> = samples.iter().map(|s| s.0).collect();
        let found = match &self.set {
            Some(set) => self.store.image_embeddings_of(set, &ids)?,
            None => HashMap::new(),
        };
        let mut out = Vec::with_capacity(found.len());
        for s in samples {
            match found.get(&s.0) {
                Some(v) => out.push((*s, v.clone())),
                None => self.missing += 1,
            }
        }
        Ok(out)
    }

    /// The vectors of `samples`, row-major.
    fn rows(&mut self, samples: &[&WindowSample]) -> Result<Vec<f32>> {
        Ok(self
            .read(samples)?
            .into_iter()
            .flat_map(|(_, v)| v)
            .collect())
    }

    /// Says how many records have no stored vector.
    fn missing_note(&self) -> Option<String> {
        (self.missing > 0).then(|| {
            format!(
                "{} records have no {} vector (not embedded yet, or no readable image): \
                 `assay monitor` and the server's watch embed new records",
                self.missing, self.model
            )
        })
    }
}

/// Adds the model-based metrics to the windows (`samples[i]` are window
/// `i`'s records; `generator`: some record has a generation); returns
/// what could not be computed, and why.
pub fn add_feature_metrics(
    store: &Store,
    stream: &str,
    windows: &mut [Window],
    samples: &[Vec<WindowSample>],
    generator: bool,
    settings: &FeatureSettings,
) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    let kept: Vec<Vec<&WindowSample>> = samples
        .iter()
        .map(|w| even_sample(w, MAX_PER_WINDOW))
        .collect();
    if samples.iter().any(|w| w.len() > MAX_PER_WINDOW) {
        notes.push(format!(
            "windows of more than {MAX_PER_WINDOW} records are measured on an even sample of \
             {MAX_PER_WINDOW} for embedding_drift, fid and clip_score (the reference windows \
             together: {MAX_REFERENCE})"
        ));
    }
    match &settings.embed_model {
        Some(spec) => {
            let extractor = open("embed_model", spec)?;
            let fid = generator.then(|| fid_reference(store, settings, &extractor));
            let mut vectors = Vectors::new(store, stream, &extractor)?;
            notes.extend(add_distances(windows, &kept, &mut vectors, fid.transpose()?)?);
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
                let extractor = open("clip_model", spec)?;
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

/// FID's reference: the configured real images or dataset, or `None` for
/// the reference windows.
fn fid_reference(
    store: &Store,
    settings: &FeatureSettings,
    extractor: &Extractor,
) -> Result<Option<Reference>> {
    let quiet: &dyn Progress = &Quiet;
    Ok(match (&settings.real, &settings.real_dataset) {
        (Some(path), _) => Some(
            load_real_files(path, extractor, BATCH, quiet)
                .with_context(|| format!("real = {:?}", path.display().to_string()))?,
        ),
        (None, Some(name)) => Some(Reference::Set(
            load_dataset(store, name, None, extractor, BATCH, quiet)
                .with_context(|| format!("real_dataset = {name:?}"))?,
        )),
        (None, None) => None,
    })
}

/// FID's reference statistics, how many images they came from, and what
/// they are.
struct FidReference {
    stats: FeatureStats,
    count: usize,
    what: String,
}

impl FidReference {
    /// The configured reference, else the reference windows' `pooled`
    /// vectors; `None` when too few.
    fn new(reference: Option<Reference>, pooled: &[f32], dim: usize) -> Result<Option<Self>> {
        Ok(Some(match reference {
            Some(Reference::Stats { stats, source }) => FidReference {
                count: stats.count.unwrap_or(0),
                stats,
                what: source,
            },
            Some(Reference::Set(set)) => FidReference {
                count: set.features.len(),
                stats: FeatureStats::from_features(&set.features)?,
                what: set.source,
            },
            None if pooled.len() / dim < 2 => return Ok(None),
            None => FidReference {
                count: pooled.len() / dim,
                stats: FeatureStats::from_features(&Features::from_f32(pooled, dim)?)?,
                what: "the reference windows' images (which are part of it themselves)".into(),
            },
        }))
    }
}

/// `embedding_drift` of every window (the cosine distance between its
/// mean vector and the reference windows', SciPy's `cosine` of the
/// centroids) and, when `fid` is given (a generator's stream), `fid`
/// against it (pytorch-fid's formula) with the sample-size warnings.
fn add_distances(
    windows: &mut [Window],
    kept: &[Vec<&WindowSample>],
    vectors: &mut Vectors,
    fid: Option<Option<Reference>>,
) -> Result<Vec<String>> {
    let dim = vectors.dim;
    let pooled_samples: Vec<&WindowSample> = windows
        .iter()
        .filter(|w| w.reference)
        .flat_map(|w| kept[w.index].iter().copied())
        .collect();
    let step = pooled_samples.len().div_ceil(MAX_REFERENCE).max(1);
    let pooled_samples: Vec<&WindowSample> = pooled_samples.into_iter().step_by(step).collect();
    let pooled = vectors.rows(&pooled_samples)?;
    let mut notes = Vec::new();
    if pooled.is_empty() {
        notes.push("embedding_drift: the reference windows have no vectors".into());
    }
    let fid = match fid {
        Some(reference) => {
            let r = FidReference::new(reference, &pooled, dim)?;
            if r.is_none() {
                notes.push("fid: the reference windows have fewer than 2 vectors".into());
            }
            r
        }
        None => None,
    };
    let mut smallest = usize::MAX;
    for w in windows.iter_mut() {
        let rows = vectors.rows(&kept[w.index])?;
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
        notes.push(format!(
            "fid compares each window with {} ({} images)",
            r.what, r.count
        ));
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
    }
    Ok(notes)
}

/// `clip_score`: the mean CLIPScore of each window's images with their
/// prompts (each window's prompts embedded once).
fn add_clip_score(
    windows: &mut [Window],
    kept: &[Vec<&WindowSample>],
    vectors: &mut Vectors,
    extractor: &Extractor,
    kind: ClipScoreKind,
) -> Result<()> {
    let dim = extractor.dim();
    for w in windows.iter_mut() {
        let with_prompt: Vec<&WindowSample> = kept[w.index]
            .iter()
            .copied()
            .filter(|s| s.1.is_some())
            .collect();
        let pairs = vectors.read(&with_prompt)?;
        if pairs.is_empty() {
            continue;
        }
        let prompts: Vec<&str> = pairs
            .iter()
            .filter_map(|(s, _)| s.1.as_deref())
            .collect::<HashSet<&str>>()
            .into_iter()
            .collect();
        let mut texts: HashMap<&str, Vec<f32>> = HashMap::with_capacity(prompts.len());
        for chunk in prompts.chunks(BATCH) {
            texts.extend(chunk.iter().copied().zip(extractor.embed_texts(chunk)?));
        }
        let (mut images, mut prompts) = (Vec::new(), Vec::new());
        for (s, image) in &pairs {
            let Some(text) = s.1.as_deref().and_then(|p| texts.get(p)) else {
                continue;
            };
            images.extend(image.iter().map(|&v| f64::from(v)));
            prompts.extend(text.iter().map(|&v| f64::from(v)));
        }
        let scores = clip_score(
            &Features::new(images, dim)?,
            &Features::new(prompts, dim)?,
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
    fn an_even_sample_keeps_every_kth_record_up_to_the_cap() {
        let items: Vec<WindowSample> = (0..12).map(|i| (i, None)).collect();
        let ids = |cap| -> Vec<i64> { even_sample(&items, cap).iter().map(|s| s.0).collect() };
        assert_eq!(ids(5), vec![0, 3, 6, 9]);
        assert_eq!(ids(12), (0..12).collect::<Vec<_>>());
        assert_eq!(ids(100).len(), 12);
        assert_eq!(ids(1), vec![0]);
    }
}
