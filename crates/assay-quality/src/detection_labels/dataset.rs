//! The input built from an assay dataset and a model's predictions.

use std::collections::HashMap;

use assay_core::model::{Annotation, Dataset};
use serde::Serialize;

use super::error::DetectionLabelError;
use super::input::{
    box_is_usable, score_is_probability, DetectionLabelInput, ImageBoxes, LabeledBox, PredictedBox,
};

/// A dataset's boxes as a [`DetectionLabelInput`], with the ids that map
/// positions back: image `i` is sample `sample_ids[i]`, class `k` is
/// category `category_ids[k]`, label `j` of image `i` is annotation
/// `label_ids[i][j]` and prediction `j` is `prediction_ids[i][j]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetDetections {
    /// The input, images in sample order, classes in category order.
    pub input: DetectionLabelInput,
    /// Sample id of each image.
    pub sample_ids: Vec<i64>,
    /// Category id of each class.
    pub category_ids: Vec<i64>,
    /// Annotation id of each label, per image.
    pub label_ids: Vec<Vec<i64>>,
    /// Prediction id of each prediction, per image.
    pub prediction_ids: Vec<Vec<i64>>,
}

/// The boxes of `ground_truth` and `predictions` (for instance a
/// [`PredictionSet`](assay_core::model::PredictionSet)'s) per sample.
///
/// Annotations and predictions without a box are left out, as are crowd
/// regions of the ground truth (they label no single object). Every
/// sample is an image, with or without boxes. Fails on an annotation of
/// an unknown sample or category, a prediction without a score or with a
/// score outside [0, 1], and a box with non-finite coordinates or a
/// negative size.
pub fn dataset_detections(
    ground_truth: &Dataset,
    predictions: &[Annotation],
) -> Result<DatasetDetections, DetectionLabelError> {
    let mut classes: HashMap<i64, usize> = HashMap::new();
    let mut category_ids = Vec::new();
    for c in &ground_truth.categories {
        classes.entry(c.id).or_insert_with(|| {
            category_ids.push(c.id);
            category_ids.len() - 1
        });
    }
    let mut images: HashMap<i64, usize> = HashMap::new();
    let mut sample_ids = Vec::new();
    for s in &ground_truth.samples {
        images.entry(s.id).or_insert_with(|| {
            sample_ids.push(s.id);
            sample_ids.len() - 1
        });
    }
    let n = sample_ids.len();
    let mut out = DatasetDetections {
        input: DetectionLabelInput {
            num_classes: category_ids.len(),
            images: vec![ImageBoxes::default(); n],
        },
        sample_ids,
        category_ids,
        label_ids: vec![Vec::new(); n],
        prediction_ids: vec![Vec::new(); n],
    };
    let locate = |a: &Annotation, kind: &'static str| -> Result<_, DetectionLabelError> {
        let image = *images
            .get(&a.sample_id)
            .ok_or(DetectionLabelError::UnknownImage {
                kind,
                id: a.id,
                sample_id: a.sample_id,
            })?;
        let class = *classes
            .get(&a.category_id)
            .ok_or(DetectionLabelError::UnknownCategory {
                kind,
                id: a.id,
                category_id: a.category_id,
            })?;
        Ok((image, class))
    };
    let usable = |a: &Annotation, kind: &'static str| match a.bbox {
        Some(b) if !box_is_usable(&b) => Err(DetectionLabelError::InvalidAnnotationBox {
            kind,
            id: a.id,
            bbox: b.to_array(),
        }),
        other => Ok(other),
    };
    for a in ground_truth.annotations.iter().filter(|a| !a.iscrowd) {
        let Some(bbox) = usable(a, "annotation")? else {
            continue;
        };
        let (image, class) = locate(a, "annotation")?;
        out.input.images[image]
            .labels
            .push(LabeledBox { bbox, class });
        out.label_ids[image].push(a.id);
    }
    for a in predictions {
        let Some(bbox) = usable(a, "prediction")? else {
            continue;
        };
        let (image, class) = locate(a, "prediction")?;
        let score = a
            .score
            .ok_or(DetectionLabelError::MissingScore { id: a.id })?;
        if !score_is_probability(score) {
            return Err(DetectionLabelError::InvalidAnnotationScore { id: a.id, score });
        }
        out.input.images[image]
            .predictions
            .push(PredictedBox { bbox, class, score });
        out.prediction_ids[image].push(a.id);
    }
    Ok(out)
}
