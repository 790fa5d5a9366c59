//! Search among a dataset's stored image embeddings: the samples nearest
//! to a text, an image file or a sample, exact below a size threshold and
//! through the approximate index above it.

use std::collections::{HashMap, HashSet};

use anyhow::{bail, Context, Result};
use assay_embed::Extractor;
use assay_index::{IndexConfig, Metric, SearchIndex, SearchOptions};
use assay_store::{EmbeddingSet, Selection, Store};
use serde::Serialize;

use std::path::PathBuf;

use super::choose_set;
use crate::project::choose_dataset;

/// What to search for, where.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// Text query (needs embeddings from a CLIP model).
    pub text: Option<String>,
    /// Image file to find similar samples to.
    pub image: Option<PathBuf>,
    /// A sample of the dataset (file name or image id).
    pub sample: Option<String>,
    /// Number of results.
    pub k: usize,
    /// Dataset (default: the only one).
    pub dataset: Option<String>,
    /// Which stored embeddings (default: the most recent image-level set).
    pub embeddings: Option<String>,
    /// Only samples of this split.
    pub split: Option<String>,
    /// Only samples with an object of this class.
    pub class: Option<String>,
    /// Cosine similarity or Euclidean distance.
    pub metric: Metric,
}

/// One result.
#[derive(Debug, Serialize)]
pub struct Found {
    /// 1 for the nearest.
    pub rank: usize,
    /// Cosine similarity or distance.
    pub score: f32,
    /// The sample's image id.
    pub image_id: i64,
    /// Its file name.
    pub file_name: String,
    /// Its image file.
    pub path: Option<String>,
    /// Its split.
    pub split: Option<String>,
}

/// The nearest samples, and the set searched.
pub fn search(store: &Store, args: &SearchQuery) -> Result<(Vec<Found>, EmbeddingSet)> {
    let dataset = choose_dataset(store, args.dataset.as_deref())?;
    let set = choose_set(store, &dataset, args.embeddings.as_deref())?;
    let rows = store.load_embeddings(&set)?;
    let data = store.load_dataset(&dataset, &Selection::default())?;
    let paths = store.sample_paths(&dataset)?;
    let row_of: HashMap<i64, u32> = rows
        .iter()
        .enumerate()
        .map(|(i, ((s, _), _))| (*s, i as u32))
        .collect();

    let (query, exclude) = query_vector(args, &set, &data, &rows, &row_of)?;
    let metric = args.metric;
    let flat: Vec<f32> = rows.iter().flat_map(|(_, v)| v.iter().copied()).collect();
    let index = SearchIndex::build(metric, set.dim, flat, &IndexConfig::default())?;
    let allowed = allowed_rows(store, &dataset, args, &row_of)?;
    let allow = |id: u32| allowed.as_ref().is_none_or(|a| a.contains(&id));
    let opts = SearchOptions {
        allow: Some(&allow),
        exclude,
    };
    let hits = index.search(&query, args.k, &opts)?;

    let samples: HashMap<i64, &assay_core::model::Sample> =
        data.samples.iter().map(|s| (s.id, s)).collect();
    let found: Vec<Found> = hits
        .iter()
        .enumerate()
        .map(|(rank, hit)| {
            let id = rows[hit.id as usize].0 .0;
            let sample = samples.get(&id);
            Found {
                rank: rank + 1,
                score: hit.score,
                image_id: id,
                file_name: sample.map(|s| s.file_name.clone()).unwrap_or_default(),
                path: paths.get(&id).map(|p| p.display().to_string()),
                split: sample.and_then(|s| s.split.clone()),
            }
        })
        .collect();
    Ok((found, set))
}

/// The query's vector and, for `--sample`, its own row (left out).
fn query_vector(
    args: &SearchQuery,
    set: &EmbeddingSet,
    data: &assay_core::model::Dataset,
    rows: &[((i64, i64), Vec<f32>)],
    row_of: &HashMap<i64, u32>,
) -> Result<(Vec<f32>, Option<u32>)> {
    if let Some(sample) = &args.sample {
        let id = data
            .samples
            .iter()
            .find(|s| &s.file_name == sample || s.id.to_string() == *sample)
            .map(|s| s.id)
            .with_context(|| format!("no sample {sample:?} in dataset {:?}", set.dataset))?;
        let row = *row_of.get(&id).with_context(|| {
            format!(
                "sample {sample:?} has no stored {} embedding (unreadable image?)",
                set.extractor
            )
        })?;
        return Ok((rows[row as usize].1.clone(), Some(row)));
    }
    let extractor = reopen(set)?;
    if let Some(text) = &args.text {
        if !extractor.supports_text() {
            bail!(
                "text search needs embeddings from a CLIP model with its tokenizer; {:?} embeds images only. \
                 Run `assay embed --model PATH-TO-CLIP` and search with --embeddings NAME",
                set.extractor
            );
        }
        return Ok((extractor.embed_texts(&[text])?.remove(0), None));
    }
    let file = args
        .image
        .as_ref()
        .context("give --text, --image or --sample")?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (_, pixels) = assay_image::decode::decode(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    Ok((extractor.embed_images(&[pixels])?.remove(0), None))
}

/// Opens the extractor that made `set` again, refusing other weights.
fn reopen(set: &EmbeddingSet) -> Result<Extractor> {
    Extractor::reopen(&set.extractor, &set.source, &set.weights_hash)
        .map_err(|e| anyhow::anyhow!("{e} (or search by a stored image with --sample)"))
}

/// The rows a `--split` or `--class` filter admits (`None`: all).
fn allowed_rows(
    store: &Store,
    dataset: &str,
    args: &SearchQuery,
    row_of: &HashMap<i64, u32>,
) -> Result<Option<HashSet<u32>>> {
    if args.split.is_none() && args.class.is_none() {
        return Ok(None);
    }
    let selection = Selection {
        split: args.split.clone(),
        classes: args.class.iter().cloned().collect(),
        samples: None,
    };
    let kept = store.load_dataset(dataset, &selection)?;
    Ok(Some(
        kept.samples
            .iter()
            .filter_map(|s| row_of.get(&s.id).copied())
            .collect(),
    ))
}
