//! BLEU-1..4 as pycocoevalcap 1.2's `Bleu(4)` computes it.
//!
//! Per image: clipped n-gram matches against the elementwise maximum of the
//! references' counts, the reference length closest to the candidate's
//! (ties to the shorter), and `(correct + 1e-15) / (guess + 1e-9)` for each
//! order so that zero matches give (nearly) zero instead of dividing by zero.
//! BLEU-n is the n-th root of the running product of those ratios times the
//! brevity penalty `exp(1 - ref / test)` when the candidate is shorter. The
//! corpus score applies the same formula to the summed counts and lengths
//! (it is not the mean of the per-image scores).

use super::ngrams::{count_ngrams, NgramCounts, Vocab, MAX_N};
use super::tokenize::python_split;
use std::collections::HashMap;

/// pycocoevalcap's `tiny`, added to the matched counts.
const TINY: f64 = 1e-15;
/// pycocoevalcap's `small`, added to the guessed counts.
const SMALL: f64 = 1e-9;

/// The sufficient statistics of one candidate against its references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BleuStats {
    /// Candidate length in tokens.
    pub test_len: usize,
    /// The reference length closest to `test_len` (ties: the shorter).
    pub ref_len: usize,
    /// Candidate n-grams of each order, `max(0, len - n + 1)`.
    pub guess: [usize; MAX_N],
    /// Clipped matches of each order.
    pub correct: [usize; MAX_N],
}

/// BLEU-1..4 of a set: the corpus scores and one score per image.
#[derive(Debug, Clone, PartialEq)]
pub struct BleuScores {
    /// Corpus BLEU-1..4 (from the summed statistics).
    pub corpus: [f64; MAX_N],
    /// BLEU-1..4 of each image, in input order.
    pub per_image: Vec<[f64; MAX_N]>,
}

/// Scores tokenised `candidates[i]` against `references[i]` (whitespace
/// separates tokens, as Python's `str.split()`).
pub fn coco_bleu(candidates: &[&str], references: &[&[String]]) -> BleuScores {
    let mut vocab = Vocab::default();
    let stats: Vec<BleuStats> = candidates
        .iter()
        .zip(references)
        .map(|(cand, refs)| {
            let hyp = count_ngrams(&vocab.ids(python_split(cand)));
            let refs: Vec<NgramCounts> = refs
                .iter()
                .map(|r| count_ngrams(&vocab.ids(python_split(r))))
                .collect();
            sentence_stats(&hyp, &refs)
        })
        .collect();
    BleuScores {
        corpus: corpus_bleu(&stats),
        per_image: stats.iter().map(image_bleu).collect(),
    }
}

/// The statistics of one candidate against its references.
pub(crate) fn sentence_stats(hyp: &NgramCounts, refs: &[NgramCounts]) -> BleuStats {
    let mut max_counts: HashMap<(usize, [u32; MAX_N]), u32> = HashMap::new();
    for r in refs {
        for (k, gram, count) in r.iter() {
            let entry = max_counts.entry((k, *gram)).or_insert(0);
            *entry = (*entry).max(count);
        }
    }
    let mut stats = BleuStats {
        test_len: hyp.len,
        ref_len: closest_ref_len(hyp.len, refs.iter().map(|r| r.len)),
        ..BleuStats::default()
    };
    for k in 0..MAX_N {
        stats.guess[k] = (hyp.len + 1).saturating_sub(k + 1);
    }
    for (k, gram, count) in hyp.iter() {
        let max = max_counts.get(&(k, *gram)).copied().unwrap_or(0);
        stats.correct[k] += count.min(max) as usize;
    }
    stats
}

/// The reference length closest to `test_len`; ties go to the shorter one.
pub fn closest_ref_len(test_len: usize, ref_lens: impl Iterator<Item = usize>) -> usize {
    ref_lens
        .min_by_key(|&l| (l.abs_diff(test_len), l))
        .unwrap_or(0)
}

/// BLEU-1..4 of one image, as pycocoevalcap's per-image list.
pub fn image_bleu(stats: &BleuStats) -> [f64; MAX_N] {
    bleu_from(
        &stats.correct.map(|c| c as f64),
        &stats.guess.map(|g| g as f64),
        stats.test_len as f64,
        stats.ref_len as f64,
    )
}

/// Corpus BLEU-1..4 from the summed statistics of all images.
pub fn corpus_bleu(stats: &[BleuStats]) -> [f64; MAX_N] {
    let mut correct = [0usize; MAX_N];
    let mut guess = [0usize; MAX_N];
    let (mut test_len, mut ref_len) = (0usize, 0usize);
    for s in stats {
        test_len += s.test_len;
        ref_len += s.ref_len;
        for k in 0..MAX_N {
            correct[k] += s.correct[k];
            guess[k] += s.guess[k];
        }
    }
    bleu_from(
        &correct.map(|c| c as f64),
        &guess.map(|g| g as f64),
        test_len as f64,
        ref_len as f64,
    )
}

fn bleu_from(correct: &[f64; MAX_N], guess: &[f64; MAX_N], test: f64, reflen: f64) -> [f64; MAX_N] {
    let mut out = [0.0; MAX_N];
    let mut product = 1.0;
    for k in 0..MAX_N {
        product *= (correct[k] + TINY) / (guess[k] + SMALL);
        // Optimised builds would turn pow(x, 0.5) into a square root, one
        // ulp away from the C library's pow that Python calls; hiding the
        // exponent keeps the call.
        out[k] = product.powf(std::hint::black_box(1.0 / (k + 1) as f64));
    }
    let ratio = (test + TINY) / (reflen + SMALL);
    if ratio < 1.0 {
        let penalty = (1.0 - 1.0 / ratio).exp();
        for v in &mut out {
            *v *= penalty;
        }
    }
    out
}
