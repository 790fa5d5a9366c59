//! Caption metrics of a COCO captions results file against the captions
//! file, as pycocoevalcap scores them (its PTB tokenisation, BLEU, CIDEr-D,
//! ROUGE-L), with sacrebleu's corpus BLEU as an option.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use assay_gen::captions::sacrebleu::{corpus_bleu, SacreBleu};
use assay_gen::captions::tokenize::ptb_tokenize;
use assay_gen::captions::{score_captions, CaptionScores, ImageCaptions};
use assay_io::error::IoError;
use serde::Deserialize;

/// A results file scored against its captions file.
pub struct ScoredCaptions {
    /// The scored images in the captions file's order, as written.
    pub images: Vec<RawImage>,
    /// Corpus and per-image scores.
    pub scores: CaptionScores<i64>,
    /// sacrebleu's corpus BLEU, when asked for.
    pub sacrebleu: Option<SacreBleu>,
    /// Images of the captions file without a result.
    pub unscored: usize,
}

/// Scores the results file `results` against the captions file `refs`.
pub fn score_files(
    refs_path: &Path,
    results_path: &Path,
    sacrebleu: bool,
) -> Result<ScoredCaptions> {
    let refs: CaptionsFile = read_json(refs_path)?;
    let results: Vec<CaptionEntry> = read_json(results_path)?;
    let (images, unscored) = pair_up(refs_path, &refs, results_path, &results)?;
    let tokenised: Vec<ImageCaptions<i64>> = images
        .iter()
        .map(|img| ImageCaptions {
            image_id: img.id,
            candidate: ptb_tokenize(&img.candidate),
            references: img.references.iter().map(|r| ptb_tokenize(r)).collect(),
        })
        .collect();
    let scores = score_captions(&tokenised)
        .with_context(|| format!("cannot score {}", results_path.display()))?;
    let sacrebleu = sacrebleu.then(|| sacrebleu_of(&images));
    Ok(ScoredCaptions {
        images,
        scores,
        sacrebleu,
        unscored,
    })
}

/// A COCO captions file (`captions_val2017.json`): the fields used.
#[derive(Debug, Deserialize)]
struct CaptionsFile {
    #[serde(default)]
    images: Vec<ImageEntry>,
    annotations: Vec<CaptionEntry>,
}

#[derive(Debug, Deserialize)]
struct ImageEntry {
    id: i64,
}

/// One caption: an annotation of a captions file, or one result.
#[derive(Debug, Deserialize)]
struct CaptionEntry {
    image_id: i64,
    caption: String,
}

/// An image with its raw candidate and references.
pub struct RawImage {
    /// The image id.
    pub id: i64,
    /// The candidate caption as written.
    pub candidate: String,
    /// The reference captions as written.
    pub references: Vec<String>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = assay_io::error::read_file(path)?;
    Ok(assay_io::json::parse_json(path, &bytes)?)
}

/// The scored images in the captions file's image order, and how many of
/// its images have no result. Errors as pycocoevalcap fails: a result for
/// an image not in the captions file or without captions, or a second
/// result for an image.
fn pair_up(
    refs_path: &Path,
    refs: &CaptionsFile,
    results_path: &Path,
    results: &[CaptionEntry],
) -> Result<(Vec<RawImage>, usize)> {
    let mut references: HashMap<i64, Vec<String>> = HashMap::new();
    for a in &refs.annotations {
        references
            .entry(a.image_id)
            .or_default()
            .push(a.caption.clone());
    }
    let order = image_order(refs);
    let known: HashMap<i64, usize> = order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut candidates: HashMap<i64, (usize, &str)> = HashMap::new();
    for (i, r) in results.iter().enumerate() {
        let at = format!("$[{i}].image_id");
        if !known.contains_key(&r.image_id) {
            let msg = format!(
                "image {} is not an image of {} (pycocotools: \"Results do not correspond to current coco set\")",
                r.image_id,
                refs_path.display()
            );
            return Err(IoError::at(results_path, at, msg).into());
        }
        if !references.contains_key(&r.image_id) {
            let msg = format!(
                "image {} has no captions in {}, so its result cannot be scored",
                r.image_id,
                refs_path.display()
            );
            return Err(IoError::at(results_path, at, msg).into());
        }
        if let Some((first, _)) = candidates.insert(r.image_id, (i, &r.caption)) {
            let msg = format!(
                "a second result for image {} (the first is $[{first}]); pycocoevalcap scores \
                 exactly one caption per image and fails on duplicates: keep one",
                r.image_id
            );
            return Err(IoError::at(results_path, at, msg).into());
        }
    }
    let images: Vec<RawImage> = order
        .iter()
        .filter_map(|id| {
            let (_, caption) = candidates.get(id)?;
            Some(RawImage {
                id: *id,
                candidate: caption.to_string(),
                references: references.get(id).cloned().unwrap_or_default(),
            })
        })
        .collect();
    let with_refs = order
        .iter()
        .filter(|id| references.contains_key(id))
        .count();
    let unscored = with_refs - images.len();
    Ok((images, unscored))
}

/// The `images` ids in file order (or the annotations' first-seen order
/// when there is no `images` list), without repeats.
fn image_order(refs: &CaptionsFile) -> Vec<i64> {
    let ids: Vec<i64> = if refs.images.is_empty() {
        refs.annotations.iter().map(|a| a.image_id).collect()
    } else {
        refs.images.iter().map(|i| i.id).collect()
    };
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

fn sacrebleu_of(images: &[RawImage]) -> SacreBleu {
    let hyps: Vec<&str> = images.iter().map(|i| i.candidate.as_str()).collect();
    let refs: Vec<Vec<&str>> = images
        .iter()
        .map(|i| i.references.iter().map(String::as_str).collect())
        .collect();
    corpus_bleu(&hyps, &refs)
}
