//! Semantic segmentation of a project's images scored against label masks
//! and recorded as a run: the totals of `assay eval semseg` on the masks of
//! the dataset's images (mmseg's aAcc, mIoU, mDice, ...), per-class
//! metrics, and per image and class its own IoU as an outcome (a class of
//! the label mask found with IoU >= 0.5 is a hit, else missed; a predicted
//! class absent from the label, or found poorly, a false positive).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use assay_eval::semseg::SemsegAccumulator;
use assay_store::{NewRun, ObjectOutcome, RunInfo, Store};
use rayon::prelude::*;
use serde_json::json;

use super::{same_inputs, EvaluateOptions};
use crate::classification::files::{check_class_count, read_class_names};
use crate::progress::Progress;
use crate::semseg::add_pair;
use crate::semseg::masks::{pair_masks, MaskPair};
use crate::summary::{SegmentationSummary, SEMANTIC_SEGMENTATION};

/// IoU from which a class of an image counts as found.
pub const FOUND_IOU: f64 = 0.5;

/// Where the masks are and how to read them.
#[derive(Debug, Clone)]
pub struct MaskOptions {
    /// Predicted masks (PNG, one class index a pixel), paired with the
    /// label masks by path without extension.
    pub pred: PathBuf,
    /// Label masks, named after the dataset's images.
    pub gt: PathBuf,
    /// Number of classes.
    pub num_classes: usize,
    /// Label value whose pixels are left out.
    pub ignore_index: u32,
    /// mmseg's `reduce_zero_label`.
    pub reduce_zero_label: bool,
    /// Class names, one a line (default: `class 0`, `class 1`, ...).
    pub class_names: Option<PathBuf>,
}

/// A recorded segmentation run.
pub struct SegmentationRun {
    /// The recorded run's id.
    pub run_id: i64,
    /// An earlier run of the model on the same inputs, if any.
    pub earlier: Option<RunInfo>,
    /// The summary as stored (the totals and what was left out).
    pub summary: SegmentationSummary,
}

/// Scores the masks of `dataset`'s images and records the run.
pub fn evaluate(
    store: &mut Store,
    dataset: &str,
    options: &EvaluateOptions,
    masks: &MaskOptions,
    progress: &dyn Progress,
) -> Result<SegmentationRun> {
    let names = class_names(masks)?;
    let empty = SemsegAccumulator::new(masks.num_classes, masks.ignore_index)
        .context("--num-classes")?
        .with_reduce_zero_label(masks.reduce_zero_label)
        .with_class_names(names.clone())?;
    let pairing = pair_masks(&masks.pred, &masks.gt)?;
    if let Some(first) = pairing.missing().next() {
        bail!(
            "{} masks have no prediction in {} (first: {}); give a prediction for every label mask",
            pairing.missing().count(),
            masks.pred.display(),
            first.gt.display()
        );
    }
    let index = store.dataset_index(dataset, options.split.as_deref())?;
    let (pairs, without_image): (Vec<(i64, &MaskPair)>, usize) = {
        let mut found = Vec::new();
        let mut missing = 0;
        for pair in &pairing.pairs {
            match index.stems.get(&pair.key) {
                Some(&id) => found.push((id, pair)),
                None => missing += 1,
            }
        }
        (found, missing)
    };
    if pairs.is_empty() {
        bail!(
            "no label mask in {} is named after an image of dataset {dataset:?} (a mask `a/b.png` belongs to the image `a/b.jpg`)",
            masks.gt.display()
        );
    }
    progress.start("masks", pairs.len() as u64);
    let per_image: Vec<(i64, SemsegAccumulator)> = pairs
        .par_iter()
        .map(|&(id, pair)| {
            let mut acc = empty.empty_like();
            add_pair(&mut acc, pair)?;
            progress.advance(1);
            Ok((id, acc))
        })
        .collect::<Result<_>>()?;
    progress.finish();
    let mut total = empty.empty_like();
    for (_, acc) in &per_image {
        total.merge(acc)?;
    }
    let report = total.finish();
    let ids = store.ensure_categories(dataset, &names)?;
    let summary = SegmentationSummary {
        images_without_mask: index.images.len() - pairs.len(),
        masks_without_image: without_image,
        report,
    };
    let outcomes = outcomes(&per_image, &ids);
    let new = new_run(dataset, options, masks, &summary, &ids, outcomes)?;
    let earlier = same_inputs(store, dataset, &options.model, &new.inputs_hash)?;
    let run_id = store.record_run(&new)?;
    Ok(SegmentationRun {
        run_id,
        earlier,
        summary,
    })
}

/// The class names of the run: from the file, or `class 0`, `class 1`, ...
fn class_names(masks: &MaskOptions) -> Result<Vec<String>> {
    let Some(path) = &masks.class_names else {
        return Ok((0..masks.num_classes)
            .map(|c| format!("class {c}"))
            .collect());
    };
    let names = read_class_names(path)?;
    let source = format!("--num-classes is {}", masks.num_classes);
    check_class_count(&names, path, masks.num_classes, &source)?;
    Ok(names)
}

/// Per image and class present in its label or its prediction, the
/// image's own IoU of that class.
fn outcomes(per_image: &[(i64, SemsegAccumulator)], ids: &[i64]) -> Vec<ObjectOutcome> {
    let mut out = Vec::new();
    for (image, acc) in per_image {
        for c in acc.finish().classes {
            let iou = if c.iou.is_finite() { c.iou } else { 0.0 };
            let found = c.area_label > 0 && iou >= FOUND_IOU;
            let outcome = |prediction: bool, outcome: &str| ObjectOutcome {
                sample_id: *image,
                prediction,
                object_id: c.class as i64,
                category_id: ids[c.class],
                outcome: outcome.to_string(),
                matched_id: None,
                iou,
                score: None,
                error: None,
                tp_sweep: 0,
            };
            if c.area_label > 0 {
                out.push(outcome(false, if found { "tp" } else { "fn" }));
            }
            if c.area_pred_label > 0 {
                out.push(outcome(true, if found { "tp" } else { "fp" }));
            }
        }
    }
    out
}

fn new_run(
    dataset: &str,
    options: &EvaluateOptions,
    masks: &MaskOptions,
    summary: &SegmentationSummary,
    ids: &[i64],
    outcomes: Vec<ObjectOutcome>,
) -> Result<NewRun> {
    let r = &summary.report;
    let metrics = vec![
        ("aAcc".to_string(), r.a_acc),
        ("mIoU".to_string(), r.m_iou),
        ("mAcc".to_string(), r.m_acc),
        ("mDice".to_string(), r.m_dice),
        ("mFscore".to_string(), r.m_fscore),
        ("mPrecision".to_string(), r.m_precision),
        ("mRecall".to_string(), r.m_recall),
    ];
    let mut class_metrics = Vec::new();
    for c in &r.classes {
        let id = ids[c.class];
        for (name, value) in [
            ("iou", c.iou),
            ("acc", c.acc),
            ("dice", c.dice),
            ("fscore", c.fscore),
            ("precision", c.precision),
            ("recall", c.recall),
        ] {
            class_metrics.push((id, name.to_string(), value));
        }
    }
    let params = json!({
        "pred": masks.pred.display().to_string(),
        "gt": masks.gt.display().to_string(),
        "num_classes": masks.num_classes,
        "ignore_index": masks.ignore_index,
        "reduce_zero_label": masks.reduce_zero_label,
        "split": options.split,
        "found_iou": FOUND_IOU,
    });
    let totals: Vec<(u64, u64, u64, u64)> = r
        .classes
        .iter()
        .map(|c| {
            (
                c.area_intersect,
                c.area_union,
                c.area_pred_label,
                c.area_label,
            )
        })
        .collect();
    let hash = blake3::hash(format!("{dataset}\n{params}\n{totals:?}").as_bytes());
    Ok(NewRun {
        dataset: dataset.to_string(),
        model: options.model.clone(),
        task: SEMANTIC_SEGMENTATION.to_string(),
        params,
        summary: serde_json::to_value(summary)?,
        inputs_hash: hash.to_hex()[..16].to_string(),
        metrics,
        class_metrics,
        curves: Vec::new(),
        outcomes,
        confusion_objects: Vec::new(),
    })
}
