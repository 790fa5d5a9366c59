//! Scoring a whole caption set with BLEU-1..4, CIDEr-D and ROUGE-L.

use std::collections::BTreeMap;
use std::fmt::Debug;

use super::bleu::coco_bleu;
use super::cider::coco_cider;
use super::rouge::coco_rouge_l;
use crate::GenError;

/// One image: its candidate caption and its reference captions, all
/// tokenised (tokens separated by spaces; see [`super::tokenize`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageCaptions<K> {
    /// The image's id.
    pub image_id: K,
    /// The candidate caption (pycocoevalcap takes exactly one per image).
    pub candidate: String,
    /// The reference captions (at least one).
    pub references: Vec<String>,
}

/// The corpus scores of a caption set, as pycocoevalcap reports them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CorpusCaptionScores {
    /// `Bleu_1` .. `Bleu_4` (from the summed statistics).
    pub bleu: [f64; 4],
    /// `CIDEr` (CIDEr-D; the mean of the per-image scores).
    pub cider: f64,
    /// `ROUGE_L` (the mean of the per-image scores).
    pub rouge_l: f64,
}

/// The scores of one image (pycocoevalcap's `imgToEval`).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageCaptionScores<K> {
    /// The image's id.
    pub image_id: K,
    /// Per-image `Bleu_1` .. `Bleu_4`.
    pub bleu: [f64; 4],
    /// Per-image CIDEr-D.
    pub cider: f64,
    /// Per-image ROUGE-L.
    pub rouge_l: f64,
}

/// Corpus and per-image scores of a caption set.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptionScores<K> {
    /// The corpus scores.
    pub corpus: CorpusCaptionScores,
    /// One entry per image, in input order.
    pub per_image: Vec<ImageCaptionScores<K>>,
}

impl<K> CaptionScores<K> {
    /// The images sorted from the lowest CIDEr-D up (ties keep input order).
    pub fn worst_by_cider(&self) -> Vec<&ImageCaptionScores<K>> {
        let mut sorted: Vec<&ImageCaptionScores<K>> = self.per_image.iter().collect();
        sorted.sort_by(|a, b| a.cider.total_cmp(&b.cider));
        sorted
    }
}

/// Scores `images` (one candidate and at least one reference each) with
/// BLEU-1..4, CIDEr-D and ROUGE-L exactly as pycocoevalcap 1.2 does when
/// given the images in this order. CIDEr-D's document frequencies depend on
/// the whole set, so scoring a subset changes every image's CIDEr-D.
pub fn score_captions<K: Clone + Debug>(
    images: &[ImageCaptions<K>],
) -> Result<CaptionScores<K>, GenError> {
    if images.is_empty() {
        return Err(GenError::TooFewSamples {
            metric: "caption metrics",
            needed: 1,
            got: 0,
            hint: " (no image has a candidate caption)".to_string(),
        });
    }
    if let Some(img) = images.iter().find(|i| i.references.is_empty()) {
        return Err(GenError::Shape(format!(
            "image {:?} has a candidate caption but no reference captions",
            img.image_id
        )));
    }
    let candidates: Vec<&str> = images.iter().map(|i| i.candidate.as_str()).collect();
    let references: Vec<&[String]> = images.iter().map(|i| i.references.as_slice()).collect();
    let bleu = coco_bleu(&candidates, &references);
    let cider = coco_cider(&candidates, &references);
    let rouge = coco_rouge_l(&candidates, &references);
    let per_image = images
        .iter()
        .enumerate()
        .map(|(i, img)| ImageCaptionScores {
            image_id: img.image_id.clone(),
            bleu: bleu.per_image[i],
            cider: cider.per_image[i],
            rouge_l: rouge.per_image[i],
        })
        .collect();
    Ok(CaptionScores {
        corpus: CorpusCaptionScores {
            bleu: bleu.corpus,
            cider: cider.corpus,
            rouge_l: rouge.corpus,
        },
        per_image,
    })
}

/// [`score_captions`] from maps keyed by image id (images in key order).
/// Every candidate needs references; references without a candidate are
/// left out (pycocoevalcap scores the images that have results).
pub fn score_caption_maps<K: Clone + Debug + Ord>(
    references: &BTreeMap<K, Vec<String>>,
    candidates: &BTreeMap<K, String>,
) -> Result<CaptionScores<K>, GenError> {
    let mut images = Vec::with_capacity(candidates.len());
    for (id, candidate) in candidates {
        let refs = references.get(id).ok_or_else(|| {
            GenError::Shape(format!(
                "image {id:?} has a candidate caption but no reference captions"
            ))
        })?;
        images.push(ImageCaptions {
            image_id: id.clone(),
            candidate: candidate.clone(),
            references: refs.clone(),
        });
    }
    score_captions(&images)
}
