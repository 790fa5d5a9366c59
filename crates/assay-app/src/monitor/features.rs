//! Window metrics that need a model's view of the images: `embedding_drift`
//! (the cosine distance between a window's mean embedding and the
//! reference windows', the analysis' centroid distance), and for
//! generators (records with a `generation`) `fid` against a reference and
//! `clip_score` of each image with its prompt.
//!
//! Vectors are computed once per record and stored as the stream's
//! embedding sets ([`embed_stream`], run by `assay monitor` and the
//! server's watch); measuring windows only reads them, so the Monitoring
//! page never runs a model over the images.

use std::path::PathBuf;

use assay_gen::clip_score::ClipScoreKind;
#[cfg(not(feature = "embed"))]
use {super::windows::Window, crate::progress::Progress, anyhow::Result, assay_store::Store};

#[cfg(feature = "embed")]
pub use with_models::{add_feature_metrics, embed_stream};

/// The `[monitor]` settings that name models and a reference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureSettings {
    /// `builtin`, or a model folder: the vectors of `embedding_drift` and
    /// of a generator's `fid`.
    pub embed_model: Option<String>,
    /// A CLIP model folder (with its tokenizer): a generator's
    /// `clip_score`.
    pub clip_model: Option<String>,
    /// Which CLIPScore (default Hessel et al.'s, as `assay gen eval`).
    pub clip_score: ClipScoreKind,
    /// FID's reference: real images (a folder or manifest), `.npy`
    /// features or `.npz` statistics. Default: the reference windows.
    pub real: Option<PathBuf>,
    /// Or a project dataset as FID's reference.
    pub real_dataset: Option<String>,
}

impl FeatureSettings {
    /// Whether any model is configured.
    pub fn any(&self) -> bool {
        self.embed_model.is_some() || self.clip_model.is_some()
    }
}

/// A record of a window: its sample (id within the stream's dataset) and
/// its prompt, when a generator made it.
pub type WindowSample = (i64, Option<String>);

/// Without the `embed` feature no model can run: nothing is embedded.
#[cfg(not(feature = "embed"))]
pub fn embed_stream(
    _store: &mut Store,
    _stream: &str,
    _settings: &FeatureSettings,
    _progress: &dyn Progress,
) -> Result<usize> {
    Ok(0)
}

/// Without the `embed` feature the model-based metrics cannot be
/// computed; says so when they are configured.
#[cfg(not(feature = "embed"))]
pub fn add_feature_metrics(
    _store: &Store,
    _stream: &str,
    _windows: &mut [Window],
    _samples: &[Vec<WindowSample>],
    _generator: bool,
    settings: &FeatureSettings,
) -> Result<Vec<String>> {
    Ok(if settings.any() {
        vec!["this build of assay has no embedding models (the embed feature): embedding_drift, fid and clip_score are not computed".into()]
    } else {
        Vec::new()
    })
}

/// The model-based metrics (the `embed` feature).
#[cfg(feature = "embed")]
mod with_models {
    use std::collections::{HashMap, HashSet};

    use anyhow::{bail, Context, Result};
    use assay_embed::Extractor;
    use assay_gen::clip_score::{clip_score, ClipScoreKind};
    use assay_gen::frechet::{frechet_distance, FeatureStats};
    use assay_gen::sample_size::sample_size_warnings;
    use assay_gen::Features;
    use assay_store::{EmbeddingLevel, Store};

    use super::{FeatureSettings, WindowSample};
    use crate::embed::embed_missing;
    use crate::generative::inputs::{load_dataset, load_real_files, Reference};
    use crate::monitor::windows::Window;
    use crate::progress::{Progress, Quiet};

    /// Images embedded per batch.
    const BATCH: usize = 32;

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

    /// The stored vectors of `extractor` for the stream's samples, by sample.
    fn stored_vectors(
        store: &Store,
        stream: &str,
        extractor: &Extractor,
    ) -> Result<HashMap<i64, Vec<f32>>> {
        let set = store.embedding_sets(Some(stream))?.into_iter().find(|s| {
            s.level == EmbeddingLevel::Image
                && s.extractor == extractor.name
                && s.weights_hash == extractor.weights_hash
        });
        let Some(set) = set else {
            return Ok(HashMap::new());
        };
        Ok(store
            .load_embeddings(&set)?
            .into_iter()
            .map(|((sample, _), v)| (sample, v))
            .collect())
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
        match &settings.embed_model {
        Some(spec) => {
            let extractor = open("embed_model", spec)?;
            let vectors = stored_vectors(store, stream, &extractor)?;
            notes.extend(missing_note(samples, &vectors, &extractor.name));
            let rows = WindowRows::new(samples, &vectors, extractor.dim());
            notes.extend(add_embedding_drift(windows, &rows));
            if generator {
                let reference = fid_reference(store, settings, &extractor)?;
                notes.extend(add_fid(windows, &rows, reference)?);
            }
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
                let vectors = stored_vectors(store, stream, &extractor)?;
                notes.extend(missing_note(samples, &vectors, &extractor.name));
                add_clip_score(windows, samples, &vectors, &extractor, settings.clip_score)?;
            }
            None => notes.push(
                "clip_score needs a CLIP model: set clip_model in [monitor] or pass --clip-model (a local model folder; assay downloads nothing)".into(),
            ),
        }
        }
        Ok(notes)
    }

    /// Says how many records have no stored vector (not embedded yet, or an
    /// unreadable image).
    fn missing_note(
        samples: &[Vec<WindowSample>],
        vectors: &HashMap<i64, Vec<f32>>,
        model: &str,
    ) -> Option<String> {
        let missing = samples
            .iter()
            .flatten()
            .filter(|(s, _)| !vectors.contains_key(s))
            .count();
        (missing > 0).then(|| {
            format!(
            "{missing} records have no {model} vector (not embedded yet, or no readable image): \
             `assay monitor` and the server's watch embed new records"
        )
        })
    }

    /// Each window's vectors as one row-major matrix.
    struct WindowRows {
        rows: Vec<Vec<f32>>,
        dim: usize,
    }

    impl WindowRows {
        fn new(
            samples: &[Vec<WindowSample>],
            vectors: &HashMap<i64, Vec<f32>>,
            dim: usize,
        ) -> Self {
            let rows = samples
                .iter()
                .map(|w| {
                    w.iter()
                        .filter_map(|(s, _)| vectors.get(s))
                        .flatten()
                        .copied()
                        .collect()
                })
                .collect();
            WindowRows { rows, dim }
        }

        fn count(&self, window: usize) -> usize {
            self.rows[window].len() / self.dim
        }

        /// The reference windows' rows together.
        fn reference(&self, windows: &[Window]) -> Vec<f32> {
            windows
                .iter()
                .filter(|w| w.reference)
                .flat_map(|w| self.rows[w.index].iter().copied())
                .collect()
        }
    }

    /// `embedding_drift`: cosine distance between each window's mean vector
    /// and the reference windows' (SciPy's `cosine` of the centroids).
    fn add_embedding_drift(windows: &mut [Window], rows: &WindowRows) -> Option<String> {
        let reference = rows.reference(windows);
        if reference.is_empty() {
            return Some("embedding_drift: the reference windows have no vectors".into());
        }
        for w in windows.iter_mut() {
            let current = &rows.rows[w.index];
            if current.is_empty() {
                continue;
            }
            let distance =
                assay_analysis::drift::embedding::centroid_distance(&reference, current, rows.dim);
            if let Ok(Some(cosine)) = distance.map(|d| d.cosine) {
                w.values.insert("embedding_drift".into(), cosine);
            }
        }
        None
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

    /// `fid`: the Fréchet distance between each window's vectors and the
    /// reference (pytorch-fid's formula), with the sample-size warnings.
    fn add_fid(
        windows: &mut [Window],
        rows: &WindowRows,
        reference: Option<Reference>,
    ) -> Result<Vec<String>> {
        let (stats, n_reference, what) = match reference {
            Some(Reference::Stats { stats, source }) => {
                let n = stats.count.unwrap_or(0);
                (stats, n, source)
            }
            Some(Reference::Set(set)) => {
                let n = set.features.len();
                (FeatureStats::from_features(&set.features)?, n, set.source)
            }
            None => {
                let pooled = rows.reference(windows);
                let n = pooled.len() / rows.dim;
                if n < 2 {
                    return Ok(vec![
                        "fid: the reference windows have fewer than 2 vectors".into()
                    ]);
                }
                let features = Features::from_f32(&pooled, rows.dim)?;
                (
                    FeatureStats::from_features(&features)?,
                    n,
                    "the reference windows (which are part of it themselves)".into(),
                )
            }
        };
        let mut smallest = usize::MAX;
        for w in windows.iter_mut() {
            let n = rows.count(w.index);
            if n < 2 {
                continue;
            }
            smallest = smallest.min(n);
            let features = Features::from_f32(&rows.rows[w.index], rows.dim)?;
            let fid = frechet_distance(&stats, &FeatureStats::from_features(&features)?)?;
            w.values.insert("fid".into(), fid);
        }
        let mut notes = vec![format!(
            "fid compares each window with {what} ({n_reference} images)"
        )];
        if smallest == usize::MAX {
            notes.push("fid: no window has 2 vectors".into());
        } else {
            let n_reference = if n_reference == 0 {
                smallest
            } else {
                n_reference
            };
            notes.extend(
                sample_size_warnings("fid", n_reference, smallest, rows.dim)
                    .into_iter()
                    .map(|w| format!("fid per window: {w}")),
            );
        }
        Ok(notes)
    }

    /// `clip_score`: the mean CLIPScore of each window's images with their
    /// prompts (prompts embedded once each).
    fn add_clip_score(
        windows: &mut [Window],
        samples: &[Vec<WindowSample>],
        vectors: &HashMap<i64, Vec<f32>>,
        extractor: &Extractor,
        kind: ClipScoreKind,
    ) -> Result<()> {
        let prompts: Vec<&str> = samples
            .iter()
            .flatten()
            .filter(|(s, _)| vectors.contains_key(s))
            .filter_map(|(_, p)| p.as_deref())
            .collect::<HashSet<&str>>()
            .into_iter()
            .collect();
        let mut texts: HashMap<&str, Vec<f32>> = HashMap::with_capacity(prompts.len());
        for chunk in prompts.chunks(BATCH) {
            texts.extend(chunk.iter().copied().zip(extractor.embed_texts(chunk)?));
        }
        let dim = extractor.dim();
        for w in windows.iter_mut() {
            let (mut images, mut prompts) = (Vec::new(), Vec::new());
            for (sample, prompt) in &samples[w.index] {
                let (Some(image), Some(text)) = (
                    vectors.get(sample),
                    prompt.as_deref().and_then(|p| texts.get(p)),
                ) else {
                    continue;
                };
                images.extend(image.iter().map(|&v| f64::from(v)));
                prompts.extend(text.iter().map(|&v| f64::from(v)));
            }
            if images.is_empty() {
                continue;
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
}
