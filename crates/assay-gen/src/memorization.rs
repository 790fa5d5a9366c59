//! Memorization: for each generated image, its most similar reference
//! (training) image, and whether that similarity is high enough to call the
//! generation a copy.
//!
//! Search is by cosine similarity through an [`assay_index::SearchIndex`]
//! over the reference embeddings (exact below
//! [`assay_index::IndexConfig::exact_below`] rows, IVF above), so a large
//! training set costs one index build and a batched scan, never an
//! `n x m` matrix. Build the index once with [`reference_index`] and reuse
//! it for every model compared against that training set.
//!
//! The default threshold, [`DEFAULT_MEMORIZATION_SIMILARITY`], is the
//! near-duplicate threshold of `assay embed` (0.97): a generation that close
//! to a training image is that image with small changes. Memorization
//! studies that use copy-detection embeddings (SSCD) flag far lower
//! similarities (around 0.5); pass the threshold that suits the extractor.

use assay_index::{IndexConfig, SearchIndex, SearchOptions};
use rayon::prelude::*;

use crate::embeddings::{
    check_index, check_similarity, cosine_index, index_error, Embeddings, QUERY_BATCH,
};
use crate::GenError;

/// Cosine similarity from which a generated image is flagged as a copy of
/// its nearest reference image.
pub const DEFAULT_MEMORIZATION_SIMILARITY: f32 = 0.97;

/// A generated image's nearest reference image.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct NearestReference {
    /// The reference image's row.
    pub reference: usize,
    /// Their cosine similarity (`f32`, as the index computes it).
    pub similarity: f32,
    /// Whether the similarity is at or above the threshold.
    pub memorized: bool,
}

/// A cosine index over the reference (training) embeddings, for
/// [`nearest_references`]; at least one row.
pub fn reference_index(reference: &Embeddings, cfg: &IndexConfig) -> Result<SearchIndex, GenError> {
    if reference.is_empty() {
        return Err(GenError::TooFewSamples {
            metric: "memorization",
            needed: 1,
            got: 0,
            hint: " reference images".into(),
        });
    }
    cosine_index(reference, cfg)
}

/// The nearest reference image of each generated image, flagged when the
/// similarity is at or above `threshold` (a cosine similarity in `[-1, 1]`).
///
/// `index` comes from [`reference_index`] (a cosine index of the same
/// dimension). No generated images give an empty list. Ties go to the lower
/// reference row.
pub fn nearest_references(
    generated: &Embeddings,
    index: &SearchIndex,
    threshold: f32,
) -> Result<Vec<NearestReference>, GenError> {
    check_similarity("the memorization threshold", threshold)?;
    check_index(index, generated.dim(), "reference")?;
    if index.is_empty() {
        return Err(GenError::TooFewSamples {
            metric: "memorization",
            needed: 1,
            got: 0,
            hint: " reference images".into(),
        });
    }
    let chunks: Vec<&[f32]> = generated
        .as_slice()
        .chunks(QUERY_BATCH * generated.dim())
        .collect();
    let per_chunk = chunks
        .par_iter()
        .map(|queries| nearest_of_chunk(index, queries, threshold))
        .collect::<Result<Vec<_>, GenError>>()?;
    Ok(per_chunk.into_iter().flatten().collect())
}

fn nearest_of_chunk(
    index: &SearchIndex,
    queries: &[f32],
    threshold: f32,
) -> Result<Vec<NearestReference>, GenError> {
    let hits = index
        .search_batch(queries, 1, &SearchOptions::default())
        .map_err(index_error)?;
    hits.into_iter()
        .map(|h| {
            let best = h.first().ok_or_else(|| {
                GenError::Numerical("the reference index returned no neighbour".into())
            })?;
            Ok(NearestReference {
                reference: best.id as usize,
                similarity: best.score,
                memorized: best.score >= threshold,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emb(data: &[f32], dim: usize) -> Embeddings<'_> {
        Embeddings::new(data, dim).unwrap()
    }

    #[test]
    fn finds_the_nearest_reference_and_flags_copies() {
        let reference = [1.0, 0.0, 0.0, 1.0, -1.0, 0.0];
        let index = reference_index(&emb(&reference, 2), &IndexConfig::default()).unwrap();
        // A near copy of row 1, something between rows 0 and 1, and one
        // closest to row 2.
        let generated = [0.01, 1.0, 1.0, 1.0, -1.0, 0.2];
        let got = nearest_references(&emb(&generated, 2), &index, 0.97).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!((got[0].reference, got[0].memorized), (1, true));
        assert!((got[0].similarity - 0.99995).abs() < 1e-4);
        // Equal similarity to rows 0 and 1: the lower row wins.
        assert_eq!((got[1].reference, got[1].memorized), (0, false));
        assert!((got[1].similarity - 0.70710677).abs() < 1e-6);
        assert_eq!(got[2].reference, 2);
        assert!(got[2].memorized);
        let strict = nearest_references(&emb(&generated, 2), &index, 1.0).unwrap();
        assert!(strict.iter().all(|n| !n.memorized));
    }

    #[test]
    fn matches_brute_force_over_many_batches() {
        let (n, m, dim) = (QUERY_BATCH + 37, 300, 8);
        let value = |i: usize| ((i as f32) * 0.618).sin();
        let reference: Vec<f32> = (0..m * dim).map(value).collect();
        let generated: Vec<f32> = (0..n * dim).map(|i| value(i + 7919)).collect();
        let (r, g) = (emb(&reference, dim), emb(&generated, dim));
        let index = reference_index(&r, &IndexConfig::default()).unwrap();
        let got = nearest_references(&g, &index, 0.9).unwrap();
        assert_eq!(got.len(), n);
        for (i, near) in got.iter().enumerate().step_by(97) {
            let cos = |j: usize| cosine(g.row(i), r.row(j));
            let best = (0..m).map(cos).fold(f64::MIN, f64::max);
            assert!((f64::from(near.similarity) - best).abs() < 1e-5, "{i}");
            assert_eq!(near.memorized, near.similarity >= 0.9);
        }
    }

    fn cosine(a: &[f32], b: &[f32]) -> f64 {
        let dot = |x: &[f32], y: &[f32]| -> f64 {
            x.iter()
                .zip(y)
                .map(|(p, q)| f64::from(*p) * f64::from(*q))
                .sum()
        };
        dot(a, b) / (dot(a, a) * dot(b, b)).sqrt()
    }

    #[test]
    fn empty_inputs_and_bad_arguments() {
        let index = reference_index(&emb(&[1.0, 0.0], 2), &IndexConfig::default()).unwrap();
        assert!(nearest_references(&emb(&[], 2), &index, 0.9)
            .unwrap()
            .is_empty());
        assert!(reference_index(&emb(&[], 2), &IndexConfig::default()).is_err());
        let three = [1.0, 0.0, 0.0];
        let e = nearest_references(&emb(&three, 3), &index, 0.9).unwrap_err();
        assert!(e.to_string().contains("2-dimensional"), "{e}");
        assert!(nearest_references(&emb(&[1.0, 0.0], 2), &index, f32::NAN).is_err());
        assert!(nearest_references(&emb(&[1.0, 0.0], 2), &index, 1.5).is_err());
    }
}
