//! CIDEr-D as pycocoevalcap 1.2's `Cider` computes it.
//!
//! Each sentence becomes, per n-gram order 1..4, a vector of
//! `term_frequency * (log(N) - log(max(1, df)))`, where `N` is the number
//! of images and `df` the number of images whose references contain the
//! n-gram (document frequencies come from the references only). For each
//! reference the candidate scores, per order, `sum(min(c, r) * r)` (the
//! clipping of CIDEr-D) over the cosine norms, times the length penalty
//! `e^(-(delta^2) / (2 * 6^2))`. Note that pycocoevalcap's `delta` is the
//! difference of the *bigram* counts (words - 1, and 0 for an empty
//! sentence), not of the word counts. The image score is the mean over
//! orders, averaged over references, times 10; the corpus score is the mean
//! over images.

use std::collections::{HashMap, HashSet};
use std::f64::consts::E;

use super::ngrams::{count_ngrams, Ngram, NgramCounts, Vocab, MAX_N};
use super::numpy;
use super::tokenize::python_split;

/// pycocoevalcap's Gaussian length-penalty width.
pub const SIGMA: f64 = 6.0;

/// CIDEr-D of a set: the corpus mean and one score per image.
#[derive(Debug, Clone, PartialEq)]
pub struct CiderScores {
    /// The mean of the per-image scores.
    pub corpus: f64,
    /// CIDEr-D of each image, in input order.
    pub per_image: Vec<f64>,
}

/// A tf-idf vector per order, its norms, and the sentence's bigram count.
struct TfIdf {
    vec: [Vec<(Ngram, f64)>; MAX_N],
    lookup: HashMap<(usize, Ngram), f64>,
    norm: [f64; MAX_N],
    length: f64,
}

/// Scores tokenised `candidates[i]` against `references[i]`; document
/// frequencies come from all the references of the set.
pub fn coco_cider(candidates: &[&str], references: &[&[String]]) -> CiderScores {
    let mut vocab = Vocab::default();
    let mut cook = |s: &str| count_ngrams(&vocab.ids(python_split(s)));
    let hyps: Vec<NgramCounts> = candidates.iter().map(|c| cook(c)).collect();
    let refs: Vec<Vec<NgramCounts>> = references
        .iter()
        .map(|rs| rs.iter().map(|r| cook(r)).collect())
        .collect();
    let df = document_frequency(&refs);
    let ref_len = (refs.len() as f64).ln();
    let per_image: Vec<f64> = hyps
        .iter()
        .zip(&refs)
        .map(|(hyp, rs)| image_cider(hyp, rs, &df, ref_len))
        .collect();
    CiderScores {
        corpus: numpy::mean(&per_image),
        per_image,
    }
}

/// In how many images' references each n-gram occurs.
fn document_frequency(refs: &[Vec<NgramCounts>]) -> HashMap<(usize, Ngram), f64> {
    let mut df = HashMap::new();
    for image_refs in refs {
        let grams: HashSet<(usize, Ngram)> = image_refs
            .iter()
            .flat_map(|r| r.iter().map(|(k, g, _)| (k, *g)))
            .collect();
        for gram in grams {
            *df.entry(gram).or_insert(0.0) += 1.0;
        }
    }
    df
}

fn image_cider(
    hyp: &NgramCounts,
    refs: &[NgramCounts],
    df: &HashMap<(usize, Ngram), f64>,
    ref_len: f64,
) -> f64 {
    let h = tf_idf(hyp, df, ref_len);
    let mut score = [0.0; MAX_N];
    for r in refs {
        let sims = similarity(&h, &tf_idf(r, df, ref_len));
        for (s, v) in score.iter_mut().zip(sims) {
            *s += v;
        }
    }
    let mut avg = numpy::mean(&score);
    avg /= refs.len() as f64;
    avg * 10.0
}

fn tf_idf(counts: &NgramCounts, df: &HashMap<(usize, Ngram), f64>, ref_len: f64) -> TfIdf {
    let mut out = TfIdf {
        vec: Default::default(),
        lookup: HashMap::new(),
        norm: [0.0; MAX_N],
        length: 0.0,
    };
    for (k, grams) in counts.by_order.iter().enumerate() {
        for (gram, tf) in grams {
            let freq = df.get(&(k, *gram)).copied().unwrap_or(0.0);
            let value = f64::from(*tf) * (ref_len - freq.max(1.0).ln());
            out.vec[k].push((*gram, value));
            out.lookup.insert((k, *gram), value);
            out.norm[k] += value.powf(2.0);
            if k == 1 {
                out.length += f64::from(*tf);
            }
        }
    }
    out.norm = out.norm.map(f64::sqrt);
    out
}

fn similarity(hyp: &TfIdf, reference: &TfIdf) -> [f64; MAX_N] {
    let delta = hyp.length - reference.length;
    let penalty = E.powf(-delta.powf(2.0) / (2.0 * SIGMA.powf(2.0)));
    let mut val = [0.0; MAX_N];
    for (k, v) in val.iter_mut().enumerate() {
        for (gram, h) in &hyp.vec[k] {
            let r = reference.lookup.get(&(k, *gram)).copied().unwrap_or(0.0);
            *v += python_min(*h, r) * r;
        }
        if hyp.norm[k] != 0.0 && reference.norm[k] != 0.0 {
            *v /= hyp.norm[k] * reference.norm[k];
        }
        *v *= penalty;
    }
    val
}

/// Python's `min(a, b)`: `b` only when it is strictly smaller.
fn python_min(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}
