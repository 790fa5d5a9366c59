//! `assay embed` in shards: each shard embeds a contiguous run of the
//! dataset's images (or object crops) into a part file, cut at multiples
//! of the batch so every image is embedded in the same batch as in one
//! process; the merge stores every part's vectors in the project and then
//! computes the map and the neighbour findings over all of them, as one
//! unsharded `assay embed` does.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use assay_core::shard::{check_complete, Shard};
use assay_embed::Extractor;
use assay_store::{EmbeddingKey, EmbeddingLevel, NewEmbeddingSet, Selection, Store};
use serde::{Deserialize, Serialize};

use super::neighbours::analyse;
use super::{compute, jobs, set_notes, store_map, EmbedOptions, EmbedSummary};
use crate::progress::Progress;
use crate::project::choose_dataset;

/// What an embedding part file says it is.
pub const EMBED_PART_FORMAT: &str = "assay-embed-partial/1";

/// The longest vector a part may hold.
const MAX_DIM: usize = 65_536;

/// What a part holds besides its vectors: the extractor, the shard, and
/// each vector's key with its sample's file name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedPartHeader {
    /// [`EMBED_PART_FORMAT`].
    pub format: String,
    /// The dataset embedded.
    pub dataset: String,
    /// The extractor's name.
    pub extractor: String,
    /// Hash of its weights.
    pub weights_hash: String,
    /// Where it was opened from.
    pub source: String,
    /// Whether its vectors are comparable with published models' ones.
    pub comparable: bool,
    /// Images or objects.
    pub level: EmbeddingLevel,
    /// Vector length.
    pub dim: usize,
    /// Images per forward pass (shards are cut at multiples of it).
    pub batch: usize,
    /// Which shard, from 0.
    pub shard: usize,
    /// Of how many.
    pub shards: usize,
    /// Images (with a file) to embed in the whole dataset.
    pub images: usize,
    /// The shard's vectors' keys, in order.
    pub keys: Vec<EmbeddingKey>,
    /// The file name of each key's sample.
    pub file_names: Vec<String>,
    /// The shard's images that could not be decoded.
    pub unreadable: usize,
}

/// One shard's vectors: the header's keys, `dim` floats each.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbedPart {
    /// Everything but the vectors.
    pub header: EmbedPartHeader,
    /// The vectors, one after another.
    pub vectors: Vec<f32>,
}

/// Embeds shard `shard` of the dataset's images (every image with a file,
/// in the dataset's order, cut at multiples of the batch) without storing
/// anything.
pub fn embed_shard(
    store: &Store,
    options: &EmbedOptions,
    shard: Shard,
    progress: &dyn Progress,
) -> Result<EmbedPart> {
    let dataset = choose_dataset(store, options.dataset.as_deref())?;
    let extractor = Extractor::open(&options.model)?;
    let level = if options.objects {
        EmbeddingLevel::Object
    } else {
        EmbeddingLevel::Image
    };
    let data = store.load_dataset(&dataset, &Selection::default())?;
    let paths = store.sample_paths(&dataset)?;
    let (all, _) = jobs(&data, &paths, level, &HashSet::new());
    let batch = options.batch.max(1);
    let batches = shard.range(all.len().div_ceil(batch));
    let mine = &all[(batches.start * batch).min(all.len())..(batches.end * batch).min(all.len())];
    let (mut keys, mut vectors) = (Vec::new(), Vec::new());
    let (_, unreadable) = compute(&extractor, mine, batch, progress, |rows| {
        for (key, v) in rows {
            keys.push(*key);
            vectors.extend_from_slice(v);
        }
        Ok(())
    })?;
    let names: HashMap<i64, &str> = data
        .samples
        .iter()
        .map(|s| (s.id, s.file_name.as_str()))
        .collect();
    let file_names = keys
        .iter()
        .map(|(sample, _)| names.get(sample).copied().unwrap_or_default().to_string())
        .collect();
    Ok(EmbedPart {
        header: EmbedPartHeader {
            format: EMBED_PART_FORMAT.to_string(),
            dataset,
            extractor: extractor.name.clone(),
            weights_hash: extractor.weights_hash.clone(),
            source: options.model.clone(),
            comparable: extractor.comparable,
            level,
            dim: extractor.dim(),
            batch,
            shard: shard.index,
            shards: shard.count,
            images: all.len(),
            keys,
            file_names,
            unreadable,
        },
        vectors,
    })
}

/// Writes a part: its header as one line of JSON, then the vectors as
/// little-endian float32.
pub fn write_part(part: &EmbedPart, path: &Path) -> Result<()> {
    let write = || -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        serde_json::to_writer(&mut out, &part.header)?;
        out.write_all(b"\n")?;
        for v in &part.vectors {
            out.write_all(&v.to_le_bytes())?;
        }
        out.flush()
    };
    write().with_context(|| format!("cannot write {}", path.display()))
}

/// Reads a part written by [`write_part`], checking that its vectors fit
/// its header and are finite.
pub fn read_part(path: &Path) -> Result<EmbedPart> {
    let bytes = assay_io::error::read_file(path)?;
    let not_a_part = |why: String| {
        anyhow::anyhow!(
            "{}: not an embedding part of `assay embed --partial-out`: {why}",
            path.display()
        )
    };
    let line = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| not_a_part("no header line".into()))?;
    let header: EmbedPartHeader =
        serde_json::from_slice(&bytes[..line]).map_err(|e| not_a_part(e.to_string()))?;
    if header.format != EMBED_PART_FORMAT {
        return Err(not_a_part(format!(
            "format {:?}, expected {EMBED_PART_FORMAT:?}",
            header.format
        )));
    }
    if !(1..=MAX_DIM).contains(&header.dim) {
        return Err(not_a_part(format!(
            "vectors of {} floats (1 to {MAX_DIM} expected)",
            header.dim
        )));
    }
    if header.file_names.len() != header.keys.len() {
        return Err(not_a_part(format!(
            "{} file names for {} keys",
            header.file_names.len(),
            header.keys.len()
        )));
    }
    let body = &bytes[line + 1..];
    let expected = header
        .keys
        .len()
        .checked_mul(header.dim)
        .and_then(|n| n.checked_mul(4));
    if expected != Some(body.len()) {
        return Err(not_a_part(format!(
            "{} bytes of vectors for {} keys of {} floats",
            body.len(),
            header.keys.len(),
            header.dim
        )));
    }
    let vectors: Vec<f32> = body
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    if vectors.iter().any(|v| !v.is_finite()) {
        return Err(not_a_part(
            "a vector holds a value that is not finite".into(),
        ));
    }
    Ok(EmbedPart { header, vectors })
}

/// Stores every shard's vectors (each shard once, any order) and computes
/// the map and the neighbour findings over the whole set, as
/// [`super::embed`] does after embedding.
pub fn merge(
    store: &mut Store,
    options: &EmbedOptions,
    mut parts: Vec<EmbedPart>,
    progress: &dyn Progress,
) -> Result<EmbedSummary> {
    let started = Instant::now();
    let dataset = choose_dataset(store, options.dataset.as_deref())?;
    check_parts(&mut parts, &dataset)?;
    let without_file = check_keys(store, &dataset, &parts)?;
    let h = &parts[0].header;
    let (set, replaced) = store.open_embedding_set(&NewEmbeddingSet {
        dataset: &dataset,
        extractor: &h.extractor,
        level: h.level,
        weights_hash: &h.weights_hash,
        source: &h.source,
        dim: h.dim,
        comparable: h.comparable,
    })?;
    let (extractor, level, dim, comparable) = (h.extractor.clone(), h.level, h.dim, h.comparable);
    let notes = set_notes(&extractor, replaced, comparable);
    // As in an unsharded run, vectors already stored (of the same weights)
    // are kept; the others are stored in one transaction.
    let already = store.embedded_keys(&set)?;
    let mut new_rows = Vec::new();
    let mut unreadable = 0usize;
    for part in &parts {
        new_rows.extend(
            part.header
                .keys
                .iter()
                .zip(part.vectors.chunks_exact(dim))
                .filter(|(k, _)| !already.contains(k))
                .map(|(k, v)| (*k, v.to_vec())),
        );
        unreadable = unreadable.saturating_add(part.header.unreadable);
    }
    store.add_embeddings(&set, &new_rows)?;
    let computed = new_rows.len();
    drop(new_rows);
    let rows = store.load_embeddings(&set)?;
    let clusters = store_map(store, &set, &rows, options.clusters)?;
    let neighbours = analyse(store, &set, &rows, options.near_threshold, progress)?;
    Ok(EmbedSummary {
        dataset,
        extractor,
        level,
        dim,
        comparable,
        computed,
        already_stored: already.len(),
        unreadable,
        without_file,
        stored: rows.len(),
        clusters,
        neighbours,
        seconds: started.elapsed().as_secs_f64(),
        notes,
    })
}

/// Sorts the parts by shard and checks that they are every shard of one
/// sharded run over `dataset`, once each.
fn check_parts(parts: &mut [EmbedPart], dataset: &str) -> Result<()> {
    let Some(first) = parts.first() else {
        bail!("no embedding parts given");
    };
    // What every shard of one run shares (`source` is the path each
    // worker typed: the weights hash identifies the model).
    let same = |h: &EmbedPartHeader| EmbedPartHeader {
        shard: 0,
        source: String::new(),
        keys: Vec::new(),
        file_names: Vec::new(),
        unreadable: 0,
        ..h.clone()
    };
    let run = same(&first.header);
    if run.dataset != dataset {
        bail!(
            "the parts embedded dataset {:?}, not {dataset:?}: merge into the dataset the shards embedded",
            run.dataset
        );
    }
    parts.sort_by_key(|p| p.header.shard);
    for p in parts.iter() {
        let h = &p.header;
        if same(h) != run {
            bail!(
                "shard {}/{} does not belong with the others (another extractor, weights, batch, level or image count): merge the parts of one sharded run",
                h.shard + 1,
                h.shards
            );
        }
    }
    let sorted: Vec<usize> = parts.iter().map(|p| p.header.shard).collect();
    check_complete(&sorted, run.shards).map_err(anyhow::Error::msg)
}

/// Every key is one the dataset asks for now (an image with a file, or a
/// box of one, at the parts' level), with the file name the shard saw,
/// once; the parts cover as many images as the dataset has. Returns the
/// number of samples without a file.
fn check_keys(store: &Store, dataset: &str, parts: &[EmbedPart]) -> Result<usize> {
    let level = parts[0].header.level;
    let data = store.load_dataset(dataset, &Selection::default())?;
    let paths = store.sample_paths(dataset)?;
    let (jobs, without_file) = jobs(&data, &paths, level, &HashSet::new());
    let images = parts[0].header.images;
    if jobs.len() != images {
        bail!(
            "the shards embedded a dataset of {images} images, and {dataset:?} now has {} to embed: embed the shards again",
            jobs.len()
        );
    }
    let wanted: HashSet<EmbeddingKey> = jobs
        .iter()
        .flat_map(|j| j.objects.iter().map(move |(object, _)| (j.sample, *object)))
        .collect();
    let names: HashMap<i64, &str> = data
        .samples
        .iter()
        .map(|s| (s.id, s.file_name.as_str()))
        .collect();
    let mut seen = HashSet::new();
    for part in parts {
        let h = &part.header;
        for (key, name) in h.keys.iter().zip(&h.file_names) {
            let known = wanted.contains(key) && names.get(&key.0) == Some(&name.as_str());
            if !known || !seen.insert(*key) {
                let why = if known {
                    "given twice"
                } else {
                    "not one of this dataset"
                };
                bail!(
                    "shard {}/{} holds a vector of image {} ({name:?}, object {}), {why}: embed the shards of this project again",
                    h.shard + 1,
                    h.shards,
                    key.0,
                    key.1
                );
            }
        }
    }
    Ok(without_file)
}
