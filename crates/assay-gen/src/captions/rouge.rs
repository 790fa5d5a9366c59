//! ROUGE-L as pycocoevalcap 1.2's `Rouge` computes it.
//!
//! Tokens are split on single spaces (Python's `split(" ")`, so an empty
//! caption is one empty token). Per image: the longest common subsequence
//! with each reference gives precision `lcs / len(candidate)` and recall
//! `lcs / len(reference)`; the best precision and the best recall (possibly
//! from different references) make the F-measure with beta 1.2. The corpus
//! score is the mean over images (numpy's summation order).

use super::numpy;

/// pycocoevalcap's beta (recall weighted 1.2 times precision).
pub const BETA: f64 = 1.2;

/// ROUGE-L of a set: the corpus mean and one score per image.
#[derive(Debug, Clone, PartialEq)]
pub struct RougeScores {
    /// The mean of the per-image scores.
    pub corpus: f64,
    /// ROUGE-L of each image, in input order.
    pub per_image: Vec<f64>,
}

/// Scores tokenised `candidates[i]` against `references[i]`.
pub fn coco_rouge_l(candidates: &[&str], references: &[&[String]]) -> RougeScores {
    let per_image: Vec<f64> = candidates
        .iter()
        .zip(references)
        .map(|(c, refs)| rouge_l(c, refs))
        .collect();
    RougeScores {
        corpus: numpy::mean(&per_image),
        per_image,
    }
}

/// ROUGE-L of one candidate against its references (0 without references).
pub fn rouge_l(candidate: &str, references: &[String]) -> f64 {
    let cand: Vec<&str> = candidate.split(' ').collect();
    let (mut prec_max, mut rec_max) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for reference in references {
        let refs: Vec<&str> = reference.split(' ').collect();
        let lcs = lcs_len(&refs, &cand) as f64;
        prec_max = prec_max.max(lcs / cand.len() as f64);
        rec_max = rec_max.max(lcs / refs.len() as f64);
    }
    if references.is_empty() || prec_max == 0.0 || rec_max == 0.0 {
        return 0.0;
    }
    let b2 = BETA.powf(2.0);
    ((1.0 + b2) * prec_max * rec_max) / (rec_max + b2 * prec_max)
}

/// The length of the longest common subsequence of two token lists.
pub fn lcs_len(a: &[&str], b: &[&str]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        for (j, y) in b.iter().enumerate() {
            row[j + 1] = if x == y {
                prev[j] + 1
            } else {
                prev[j + 1].max(row[j])
            };
        }
        std::mem::swap(&mut prev, &mut row);
    }
    prev[b.len()]
}
