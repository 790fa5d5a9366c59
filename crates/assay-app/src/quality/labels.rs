//! Label errors of a dataset from a model's predictions: for a detector,
//! cleanlab's object-detection label quality, FiftyOne Brain's
//! mistakenness scores, and assay's flags of wrong classes, bad boxes and
//! missing labels; for a classifier, FiftyOne Brain's hardness and
//! mistakenness of each image.

use std::collections::HashMap;

use anyhow::Result;
use assay_core::model::{Annotation, Dataset};
use assay_quality::detection_labels::{
    dataset_detections, detection_label_issues, DatasetDetections, DetectionLabelParams,
    DetectionLabelReport,
};
use assay_quality::mistakenness::{
    class_scores_mistakenness, detection_mistakenness, find_mistakes, ImageMistakenness,
    MistakeKind, MistakeParams,
};
use assay_store::{ClassPrediction, IssueRow, Metrics, Store};

/// Metrics computed from a model's predictions (cleanlab's scores,
/// FiftyOne Brain's mistakenness): they describe what the model sees, not
/// the data, so failure analysis keeps them apart.
pub const MODEL_METRICS: &[&str] = &[
    "label_quality",
    "swap_score",
    "badloc_score",
    "mistakenness",
    "mistakenness_loc",
    "possible_spurious",
    "possible_missing",
    "hardness",
];

/// A model's predictions on a dataset: boxes of a detector, or the
/// classes (and scores) of a classifier.
pub enum ModelPredictions {
    /// A detector's boxes.
    Boxes(Vec<Annotation>),
    /// A classifier's image classes.
    Classes(Vec<ClassPrediction>),
}

/// The predictions of `model` on `dataset`: its image classes when it has
/// any (a classifier), else its boxes (an error when it has none).
pub fn model_predictions(store: &Store, dataset: &str, model: &str) -> Result<ModelPredictions> {
    if store.has_class_predictions(dataset, model)? {
        return Ok(ModelPredictions::Classes(
            store.class_predictions(dataset, model)?,
        ));
    }
    Ok(ModelPredictions::Boxes(
        store.load_predictions(dataset, model)?.predictions,
    ))
}

/// FiftyOne Brain's scores of a classifier on each image it scored with
/// class probabilities: `hardness` (the entropy of the probabilities) and
/// `mistakenness` (from the confidence `exp(-hardness)` and whether the
/// predicted class is the image's label; NaN unless the image has exactly
/// one label). Images with classes only, or with invalid scores, get none.
pub fn classification_label_scores(data: &Dataset, predictions: &[ClassPrediction]) -> LabelErrors {
    let mut labels: HashMap<i64, Vec<i64>> = HashMap::new();
    for a in &data.annotations {
        labels.entry(a.sample_id).or_default().push(a.category_id);
    }
    let mut out = LabelErrors::default();
    for p in predictions {
        let label = match labels.get(&p.sample_id).map(Vec::as_slice) {
            Some(&[label]) => Some(label),
            _ => None,
        };
        let agrees = label == Some(p.category_id);
        let Some((hardness, mistakenness)) = class_scores_mistakenness(&p.scores, agrees) else {
            continue;
        };
        let mistakenness = if label.is_some() {
            mistakenness
        } else {
            f64::NAN
        };
        out.metrics.push((
            p.sample_id,
            vec![
                ("hardness".to_string(), hardness),
                ("mistakenness".to_string(), mistakenness),
            ],
        ));
    }
    out
}

/// Label errors found from a detector's predictions.
///
/// cleanlab's object detection scores: per image its label quality score
/// as a metric (`label_quality`); per box its `swap_score` and
/// `badloc_score` as object metrics and the `swapped_class` and
/// `badly_located` issues; per confident prediction without a label an
/// `overlooked_object` issue.
///
/// FiftyOne Brain's mistakenness (see `assay_quality::mistakenness`): per
/// box the object metrics `mistakenness`, `mistakenness_loc` (NaN for a
/// box no prediction matched) and `possible_spurious` (1 or 0); per image
/// the metrics `mistakenness` (the largest, -1 with no match),
/// `possible_missing` and `possible_spurious` (counts).
///
/// assay's flags with thresholds from the data: the issues
/// `mistaken_class`, `mistaken_box` and `missing_label`.
pub fn detection_label_errors(
    data: &Dataset,
    predictions: &[Annotation],
    model: &str,
) -> Result<LabelErrors> {
    let d = dataset_detections(data, predictions)?;
    let report = detection_label_issues(&d.input, &DetectionLabelParams::default())?;
    let scored = detection_mistakenness(&d.input)?;
    let mut out = LabelErrors::default();
    cleanlab_results(&d, &report, model, &mut out);
    mistakenness_results(&d, &scored, &mut out);
    mistake_issues(&d, &scored, model, &mut out);
    Ok(out)
}

/// An issue row.
fn issue(
    sample_id: i64,
    annotation_id: Option<i64>,
    kind: &str,
    score: f64,
    explanation: String,
) -> IssueRow {
    IssueRow {
        sample_id,
        annotation_id,
        kind: kind.to_string(),
        score,
        explanation,
        group: None,
    }
}

fn cleanlab_results(
    d: &DatasetDetections,
    report: &DetectionLabelReport,
    model: &str,
    out: &mut LabelErrors,
) {
    for (i, image) in report.images.iter().enumerate() {
        let sample_id = d.sample_ids[i];
        out.metrics
            .push((sample_id, vec![("label_quality".to_string(), image.score)]));
        for (b, scores) in image.labels.iter().enumerate() {
            let id = d.label_ids[i][b];
            out.annotation_metrics.push((
                sample_id,
                id,
                vec![
                    ("swap_score".to_string(), scores.swap),
                    ("badloc_score".to_string(), scores.badloc),
                ],
            ));
            if scores.swap_issue {
                let msg = format!("{model} sees another class at this box");
                out.issues.push(issue(
                    sample_id,
                    Some(id),
                    "swapped_class",
                    scores.swap,
                    msg,
                ));
            }
            if scores.badloc_issue {
                let msg = format!("{model} places this object elsewhere");
                out.issues.push(issue(
                    sample_id,
                    Some(id),
                    "badly_located",
                    scores.badloc,
                    msg,
                ));
            }
        }
        for (p, scores) in image.predictions.iter().enumerate() {
            if let (true, Some(score)) = (scores.overlooked_issue, scores.overlooked) {
                let b = d.input.images[i].predictions[p].bbox;
                let msg = format!(
                    "{model} confidently finds an object with no label at [{:.0}, {:.0}, {:.0}, {:.0}] (prediction {})",
                    b.x, b.y, b.w, b.h, d.prediction_ids[i][p]
                );
                out.issues
                    .push(issue(sample_id, None, "overlooked_object", score, msg));
            }
        }
    }
}

fn mistakenness_results(
    d: &DatasetDetections,
    scored: &[ImageMistakenness],
    out: &mut LabelErrors,
) {
    for (i, image) in scored.iter().enumerate() {
        let sample_id = d.sample_ids[i];
        out.metrics.push((
            sample_id,
            vec![
                ("mistakenness".to_string(), image.mistakenness),
                ("possible_missing".to_string(), image.num_missing as f64),
                ("possible_spurious".to_string(), image.num_spurious as f64),
            ],
        ));
        for (b, label) in image.labels.iter().enumerate() {
            out.annotation_metrics.push((
                sample_id,
                d.label_ids[i][b],
                vec![
                    (
                        "mistakenness".to_string(),
                        label.mistakenness.unwrap_or(f64::NAN),
                    ),
                    (
                        "mistakenness_loc".to_string(),
                        label.mistakenness_loc.unwrap_or(f64::NAN),
                    ),
                    (
                        "possible_spurious".to_string(),
                        f64::from(u8::from(label.possible_spurious)),
                    ),
                ],
            ));
        }
    }
}

fn mistake_issues(
    d: &DatasetDetections,
    scored: &[ImageMistakenness],
    model: &str,
    out: &mut LabelErrors,
) {
    let found = find_mistakes(&d.input, scored, &MistakeParams::default());
    let bar = found.confidence_bar.unwrap_or(f64::NAN);
    for m in &found.mistakes {
        let sample_id = d.sample_ids[m.image];
        let label = m.label.map(|l| d.label_ids[m.image][l]);
        let pred_id = d.prediction_ids[m.image][m.prediction];
        let b = d.input.images[m.image].predictions[m.prediction].bbox;
        let (score, msg) = match m.kind {
            MistakeKind::WrongClass => (
                (1.0 - m.confidence) / 2.0,
                format!(
                    "{model} sees another class here with confidence {:.3} (its bar: {bar:.3}; prediction {pred_id})",
                    m.confidence
                ),
            ),
            MistakeKind::BadBox => (
                m.iou,
                format!(
                    "the box fits {model}'s box of this object with IoU {:.2} only (below the dataset's fence {:.2}; prediction {pred_id})",
                    m.iou,
                    found.iou_fence.unwrap_or(f64::NAN)
                ),
            ),
            MistakeKind::MissingLabel => (
                1.0 - m.confidence,
                format!(
                    "{model} finds an unlabelled object at [{:.0}, {:.0}, {:.0}, {:.0}] with confidence {:.3} (its bar: {bar:.3}; prediction {pred_id})",
                    b.x, b.y, b.w, b.h, m.confidence
                ),
            ),
        };
        out.issues
            .push(issue(sample_id, label, m.kind.as_str(), score, msg));
    }
}

/// Per-image and per-box label scores and the label issues found.
#[derive(Default)]
pub struct LabelErrors {
    /// Per image: its metrics.
    pub metrics: Vec<(i64, Metrics)>,
    /// Per box: (sample id, annotation id, metrics).
    pub annotation_metrics: Vec<(i64, i64, Metrics)>,
    /// The label issues found.
    pub issues: Vec<IssueRow>,
}

#[cfg(test)]
mod tests {
    use assay_core::model::{Annotation, Dataset};
    use assay_store::ClassPrediction;

    use super::classification_label_scores;

    fn prediction(sample_id: i64, category_id: i64, scores: &[f64]) -> ClassPrediction {
        ClassPrediction {
            sample_id,
            category_id,
            scores: scores.to_vec(),
        }
    }

    #[test]
    fn a_classifier_gets_hardness_and_mistakenness_per_image() {
        let data = Dataset {
            annotations: vec![
                Annotation::new(1, 1, 1),
                Annotation::new(2, 2, 1),
                Annotation::new(3, 3, 1),
                Annotation::new(4, 3, 2),
            ],
            ..Dataset::default()
        };
        let predictions = [
            prediction(1, 1, &[0.8, 0.2]),
            prediction(2, 2, &[0.2, 0.8]),
            prediction(3, 1, &[0.5, 0.5]),
            prediction(4, 2, &[]),
            prediction(5, 2, &[0.0, 1.0]),
        ];
        let out = classification_label_scores(&data, &predictions);
        let h = -(0.8f64 * 0.8f64.ln() + 0.2 * 0.2f64.ln());
        let c = (-h).exp();
        let got: Vec<(i64, f64, f64)> = out
            .metrics
            .iter()
            .map(|(id, m)| {
                assert_eq!(
                    (m[0].0.as_str(), m[1].0.as_str()),
                    ("hardness", "mistakenness")
                );
                (*id, m[0].1, m[1].1)
            })
            .collect();
        // Images 1 and 2: the same hardness; the right class lowers
        // mistakenness, the wrong one raises it.
        assert_eq!(got[0].0, 1);
        assert!((got[0].1 - h).abs() < 1e-15 && (got[0].2 - (1.0 - c) / 2.0).abs() < 1e-15);
        assert!((got[1].1 - h).abs() < 1e-15 && (got[1].2 - (1.0 + c) / 2.0).abs() < 1e-15);
        // Image 3 has two labels: hardness only. Image 4 has no scores.
        assert_eq!(got[2].0, 3);
        assert!((got[2].1 - 2f64.ln()).abs() < 1e-15 && got[2].2.is_nan());
        // Image 5 has no label: hardness 0 (certain), no mistakenness.
        assert_eq!(got[3].0, 5);
        assert!(got[3].1 == 0.0 && got[3].2.is_nan());
        assert_eq!(got.len(), 4);
    }
}
