//! An evaluation cut by image: each shard matches its images
//! ([`CocoEvaluator::partial`](super::CocoEvaluator::partial)), and
//! [`merge`] accumulates all shards' matches in image id order, as one
//! process would, so the merged precision, recall and scores are the
//! unsharded ones bit for bit. Matching needs only an image's own objects
//! (pycocotools' `evaluateImg`); only accumulation needs every image, and
//! it reads nothing but the matches.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::accumulate::{accumulate_matches, ImageMatches};
use super::{assemble, CocoEvaluation, Params};
use crate::EvalError;

/// What a partial evaluation file says it is.
pub const FORMAT: &str = "assay-coco-partial/1";

/// One shard's part of a COCO evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialEvaluation {
    /// [`FORMAT`].
    pub format: String,
    /// The parameters (every shard's must be the same).
    pub params: Params,
    /// The shard's images, sorted.
    pub image_ids: Vec<i64>,
    /// Every category of the ground truth, sorted (the same in every
    /// shard).
    pub category_ids: Vec<i64>,
    /// Per category (in `category_ids`' order), its matched images in id
    /// order.
    pub categories: Vec<Vec<ImageMatches>>,
}

impl PartialEvaluation {
    pub(crate) fn new(
        params: Params,
        image_ids: Vec<i64>,
        category_ids: Vec<i64>,
        categories: Vec<Vec<ImageMatches>>,
    ) -> Self {
        PartialEvaluation {
            format: FORMAT.to_string(),
            params,
            image_ids,
            category_ids,
            categories,
        }
    }
}

/// Accumulates the shards' matches into one evaluation: the images are
/// the shards' together, in id order. The parts must share parameters and
/// categories and hold each image once.
pub fn merge(parts: &[PartialEvaluation]) -> Result<CocoEvaluation, EvalError> {
    let Some(first) = parts.first() else {
        return Err(EvalError::Merge("no partial evaluations given".into()));
    };
    let mut owner: HashMap<i64, usize> = HashMap::new();
    for (i, part) in parts.iter().enumerate() {
        check_part(i, part, first)?;
        for &image in &part.image_ids {
            if let Some(other) = owner.insert(image, i) {
                return Err(EvalError::Merge(format!(
                    "image {image} is in parts {} and {}: shards must not overlap",
                    other + 1,
                    i + 1
                )));
            }
        }
    }
    let mut image_ids: Vec<i64> = owner.into_keys().collect();
    image_ids.sort_unstable();
    let params = &first.params;
    let per_category: Vec<_> = (0..first.category_ids.len())
        .into_par_iter()
        .map(|k| {
            let mut images: Vec<&ImageMatches> =
                parts.iter().flat_map(|p| &p.categories[k]).collect();
            images.sort_by_key(|m| m.image);
            accumulate_matches(&images, params)
        })
        .collect();
    Ok(assemble(
        params,
        image_ids,
        first.category_ids.clone(),
        &per_category,
    ))
}

/// Checks that part `i` can be merged with the first.
fn check_part(
    i: usize,
    part: &PartialEvaluation,
    first: &PartialEvaluation,
) -> Result<(), EvalError> {
    let fail = |what: String| Err(EvalError::Merge(format!("part {}: {what}", i + 1)));
    if part.format != FORMAT {
        return fail(format!("format {:?}, expected {FORMAT:?}", part.format));
    }
    if part.params != first.params {
        return fail("its parameters differ from part 1's (IoU type, thresholds, areas, max detections, sigmas)".into());
    }
    if part.category_ids != first.category_ids {
        return fail("its categories differ from part 1's: every shard needs the whole ground truth's categories".into());
    }
    if part.categories.len() != part.category_ids.len() {
        return fail(format!(
            "{} category lists for {} categories",
            part.categories.len(),
            part.category_ids.len()
        ));
    }
    let a_n = part.params.area_ranges.len();
    let images: std::collections::HashSet<i64> = part.image_ids.iter().copied().collect();
    for (k, list) in part.categories.iter().enumerate() {
        for m in list {
            let consistent = images.contains(&m.image)
                && m.areas.len() == a_n
                && m.areas.iter().all(|a| {
                    a.matched.len() == m.scores.len() && a.ignored.len() == m.scores.len()
                });
            if !consistent {
                return fail(format!(
                    "category {} image {}: matches inconsistent with the part's images, areas or scores",
                    part.category_ids[k], m.image
                ));
            }
        }
    }
    Ok(())
}
