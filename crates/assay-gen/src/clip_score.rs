//! CLIPScore and RefCLIPScore (Hessel et al. 2021, github
//! jmhessel/clipscore), and torchmetrics' `CLIPScore`, from embeddings.
//!
//! No model runs here: callers embed the images and texts (with the same
//! CLIP model) and pass the rows. For the caption use, embed each caption
//! with [`CAPTION_PREFIX`] in front, as the clipscore repository does.
//!
//! - CLIP-S per image: `2.5 * max(cos(image, caption), 0)`; the corpus
//!   score is the mean.
//! - RefCLIP-S per image: the harmonic mean `2 c r / (c + r)` of the CLIP-S
//!   `c` and `r = max over the image's references of cos(caption, ref)`.
//!   As in the repository's code (not the paper's formula), `r` is neither
//!   clipped at 0 nor scaled by 2.5. Where `c + r == 0` the repository gives
//!   NaN; this gives 0.
//! - torchmetrics: `100 * cos(image, text)` per pair (no prefix, no clip);
//!   the corpus score is `max(mean, 0)` (torchmetrics clips the mean, not
//!   each pair, whatever its documentation's formula says).
//!
//! Computed in f64 after widening; the repository computes in float32 (or
//! float16 on a GPU), so expect agreement with it to about 1e-6.

use crate::captions::numpy;
use crate::{Features, GenError};

/// The text clipscore puts in front of each caption before embedding it.
pub const CAPTION_PREFIX: &str = "A photo depicts ";

/// CLIPScore's weight `w`.
pub const CLIPSCORE_WEIGHT: f64 = 2.5;

/// torchmetrics' scale (cosine times 100).
pub const TORCHMETRICS_SCALE: f64 = 100.0;

/// Which formula to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClipScoreKind {
    /// Hessel et al.: `2.5 * max(cos, 0)` per pair, corpus = mean.
    #[default]
    Hessel,
    /// torchmetrics: `100 * cos` per pair, corpus = `max(mean, 0)`.
    Torchmetrics,
}

/// Per-pair scores and the corpus score.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipScores {
    /// The corpus score.
    pub mean: f64,
    /// One score per image/text pair.
    pub per_pair: Vec<f64>,
}

/// CLIPScore of each `images[i]` with `texts[i]`.
pub fn clip_score(
    images: &Features,
    texts: &Features,
    kind: ClipScoreKind,
) -> Result<ClipScores, GenError> {
    check_pairs(images, texts)?;
    let mut per_pair = Vec::with_capacity(images.len());
    for i in 0..images.len() {
        let cos = cosine(images.row(i), texts.row(i), i)?;
        per_pair.push(match kind {
            ClipScoreKind::Hessel => CLIPSCORE_WEIGHT * cos.max(0.0),
            ClipScoreKind::Torchmetrics => TORCHMETRICS_SCALE * cos,
        });
    }
    let mean = numpy::mean(&per_pair);
    let mean = match kind {
        ClipScoreKind::Hessel => mean,
        ClipScoreKind::Torchmetrics => mean.max(0.0),
    };
    Ok(ClipScores { mean, per_pair })
}

/// CLIP-S and RefCLIP-S of each caption.
#[derive(Debug, Clone, PartialEq)]
pub struct RefClipScores {
    /// CLIP-S (image and caption).
    pub clip_s: ClipScores,
    /// The text-only side: the best cosine with a reference, per caption.
    pub ref_s: ClipScores,
    /// RefCLIP-S: the harmonic mean of the two, per caption, and its mean.
    pub ref_clip_s: ClipScores,
}

/// RefCLIP-S of `captions[i]` for `images[i]`, where `references` holds
/// the reference captions' embeddings and `owners[j]` is the caption index
/// that reference row `j` belongs to. Every caption needs a reference.
pub fn ref_clip_score(
    images: &Features,
    captions: &Features,
    references: &Features,
    owners: &[usize],
) -> Result<RefClipScores, GenError> {
    let clip_s = clip_score(images, captions, ClipScoreKind::Hessel)?;
    let best = best_reference_cosines(captions, references, owners)?;
    let ref_clip: Vec<f64> = clip_s
        .per_pair
        .iter()
        .zip(&best)
        .map(|(&c, &r)| harmonic(c, r))
        .collect();
    Ok(RefClipScores {
        clip_s,
        ref_s: ClipScores {
            mean: numpy::mean(&best),
            per_pair: best,
        },
        ref_clip_s: ClipScores {
            mean: numpy::mean(&ref_clip),
            per_pair: ref_clip,
        },
    })
}

fn harmonic(c: f64, r: f64) -> f64 {
    if c + r == 0.0 {
        0.0
    } else {
        2.0 * c * r / (c + r)
    }
}

fn best_reference_cosines(
    captions: &Features,
    references: &Features,
    owners: &[usize],
) -> Result<Vec<f64>, GenError> {
    if captions.dim() != references.dim() || owners.len() != references.len() {
        return Err(GenError::Shape(format!(
            "{} reference rows of dimension {} with {} owners, for captions of dimension {}",
            references.len(),
            references.dim(),
            owners.len(),
            captions.dim()
        )));
    }
    let mut best = vec![f64::NEG_INFINITY; captions.len()];
    for (j, &owner) in owners.iter().enumerate() {
        if owner >= captions.len() {
            return Err(GenError::Shape(format!(
                "reference {j} belongs to caption {owner}, but there are {}",
                captions.len()
            )));
        }
        let cos = cosine(captions.row(owner), references.row(j), owner)?;
        best[owner] = best[owner].max(cos);
    }
    if let Some(i) = best.iter().position(|b| b.is_infinite()) {
        return Err(GenError::Shape(format!("caption {i} has no reference")));
    }
    Ok(best)
}

fn check_pairs(images: &Features, texts: &Features) -> Result<(), GenError> {
    if images.is_empty() {
        return Err(GenError::TooFewSamples {
            metric: "CLIPScore",
            needed: 1,
            got: 0,
            hint: String::new(),
        });
    }
    if images.len() != texts.len() || images.dim() != texts.dim() {
        return Err(GenError::Shape(format!(
            "{} image embeddings of dimension {} and {} text embeddings of dimension {}: \
             CLIPScore pairs them row by row",
            images.len(),
            images.dim(),
            texts.len(),
            texts.dim()
        )));
    }
    Ok(())
}

/// The cosine of two rows, each divided by its L2 norm first (as the
/// repository does); a zero row is an error.
fn cosine(a: &[f64], b: &[f64], row: usize) -> Result<f64, GenError> {
    let (na, nb) = (norm(a), norm(b));
    if na == 0.0 || nb == 0.0 {
        return Err(GenError::Numerical(format!(
            "row {row}: an all-zero embedding has no direction"
        )));
    }
    Ok(a.iter().zip(b).map(|(x, y)| (x / na) * (y / nb)).sum())
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}
