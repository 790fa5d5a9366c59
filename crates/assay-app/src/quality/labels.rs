//! Label errors of a detection dataset from a model's predictions:
//! cleanlab's object-detection label quality, FiftyOne Brain's
//! mistakenness scores, and assay's flags of wrong classes, bad boxes and
//! missing labels.

use anyhow::Result;
use assay_core::model::{Annotation, Dataset};
use assay_quality::detection_labels::{
    dataset_detections, detection_label_issues, DatasetDetections, DetectionLabelParams,
    DetectionLabelReport,
};
use assay_quality::mistakenness::{
    detection_mistakenness, find_mistakes, ImageMistakenness, MistakeKind, MistakeParams,
};
use assay_store::{IssueRow, Metrics};

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
];

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
