//! `evaluate`: a model's stored output scored against a dataset's ground
//! truth and recorded as a run. The task follows what the model left in
//! the project: boxes, masks or keypoints are a COCO evaluation
//! ([`detection`]); a class per image is a classification
//! ([`classification`]).

pub mod classification;
pub mod detection;
pub mod segmentation;

use anyhow::Result;
use assay_eval::coco::IouType;
use assay_store::{RunInfo, Store};

use crate::progress::Progress;
use crate::project::choose_dataset;

/// What to evaluate and how.
#[derive(Debug, Clone)]
pub struct EvaluateOptions {
    /// The dataset (default: the only one).
    pub dataset: Option<String>,
    /// The model whose stored output is evaluated.
    pub model: String,
    /// Only images of this split.
    pub split: Option<String>,
    /// IoU threshold of per-object outcomes and the confusion matrix.
    pub iou: f64,
    /// What IoU is computed on.
    pub iou_type: IouType,
    /// Detections below this score are left out of the confusion matrix.
    pub conf: f64,
    /// Count matches with ground truth whose id is 0.
    pub fix_zero_id: bool,
    /// Label masks and predicted masks: a semantic-segmentation run.
    pub masks: Option<segmentation::MaskOptions>,
}

impl EvaluateOptions {
    /// COCO's defaults for `model`: boxes, IoU 0.5, every detection.
    pub fn new(model: &str) -> Self {
        Self {
            dataset: None,
            model: model.to_string(),
            split: None,
            iou: 0.5,
            iou_type: IouType::Bbox,
            conf: 0.0,
            fix_zero_id: false,
            masks: None,
        }
    }
}

/// A recorded run and what produced it.
pub enum Evaluated {
    /// A COCO-style evaluation.
    Detection(Box<detection::DetectionRun>),
    /// A classification.
    Classification(Box<classification::ClassificationRun>),
    /// A semantic segmentation.
    Segmentation(Box<segmentation::SegmentationRun>),
}

impl Evaluated {
    /// The id of the recorded run.
    pub fn run_id(&self) -> i64 {
        match self {
            Evaluated::Detection(d) => d.run_id,
            Evaluated::Classification(c) => c.run_id,
            Evaluated::Segmentation(s) => s.run_id,
        }
    }

    /// An earlier run of the same model on the same inputs, if any.
    pub fn earlier(&self) -> Option<&RunInfo> {
        match self {
            Evaluated::Detection(d) => d.earlier.as_ref(),
            Evaluated::Classification(c) => c.earlier.as_ref(),
            Evaluated::Segmentation(s) => s.earlier.as_ref(),
        }
    }
}

/// Evaluates the model's output and records the run: a semantic
/// segmentation when masks are given, a classification when the model has
/// class predictions on the dataset, else a COCO evaluation of its
/// predicted objects.
pub fn evaluate(
    store: &mut Store,
    options: &EvaluateOptions,
    progress: &dyn Progress,
) -> Result<Evaluated> {
    let dataset = choose_dataset(store, options.dataset.as_deref())?;
    if let Some(masks) = &options.masks {
        let run = segmentation::evaluate(store, &dataset, options, masks, progress)?;
        return Ok(Evaluated::Segmentation(Box::new(run)));
    }
    if store.has_class_predictions(&dataset, &options.model)? {
        let run = classification::evaluate(store, &dataset, options)?;
        return Ok(Evaluated::Classification(Box::new(run)));
    }
    let run = detection::evaluate(store, &dataset, options)?;
    Ok(Evaluated::Detection(Box::new(run)))
}

/// The newest earlier run of `model` on `dataset` with these inputs.
fn same_inputs(store: &Store, dataset: &str, model: &str, hash: &str) -> Result<Option<RunInfo>> {
    Ok(store
        .runs(Some(dataset))?
        .into_iter()
        .find(|r| r.inputs_hash == hash && r.model == model))
}
