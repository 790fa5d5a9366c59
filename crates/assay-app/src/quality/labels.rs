//! Label errors of a detection dataset from a model's predictions
//! (cleanlab's object-detection label quality).

use anyhow::Result;
use assay_core::model::{Annotation, Dataset};
use assay_quality::detection_labels::{
    dataset_detections, detection_label_issues, DetectionLabelParams,
};
use assay_store::{IssueRow, Metrics};

/// Metrics computed from a model's predictions: they describe what the
/// model sees, not the data, so failure analysis keeps them apart.
pub const MODEL_METRICS: &[&str] = &["label_quality"];

/// Label errors found from a detector's predictions (cleanlab's object
/// detection scores): per image its label quality score as a metric; per
/// box the `swapped_class` and `badly_located` issues; per confident
/// prediction without a label an `overlooked_object` issue.
pub fn detection_label_errors(
    data: &Dataset,
    predictions: &[Annotation],
    model: &str,
) -> Result<LabelErrors> {
    let d = dataset_detections(data, predictions)?;
    let report = detection_label_issues(&d.input, &DetectionLabelParams::default())?;
    let mut metrics = Vec::new();
    let mut issues = Vec::new();
    for (i, image) in report.images.iter().enumerate() {
        let sample_id = d.sample_ids[i];
        metrics.push((sample_id, vec![("label_quality".to_string(), image.score)]));
        let issue = |annotation_id, kind: &str, score: f64, explanation: String| IssueRow {
            sample_id,
            annotation_id,
            kind: kind.to_string(),
            score,
            explanation,
            group: None,
        };
        for (b, scores) in image.labels.iter().enumerate() {
            let id = d.label_ids[i][b];
            if scores.swap_issue {
                let msg = format!("{model} sees another class at this box");
                issues.push(issue(Some(id), "swapped_class", scores.swap, msg));
            }
            if scores.badloc_issue {
                let msg = format!("{model} places this object elsewhere");
                issues.push(issue(Some(id), "badly_located", scores.badloc, msg));
            }
        }
        for (p, scores) in image.predictions.iter().enumerate() {
            if let (true, Some(score)) = (scores.overlooked_issue, scores.overlooked) {
                let b = d.input.images[i].predictions[p].bbox;
                let msg = format!(
                    "{model} confidently finds an object with no label at [{:.0}, {:.0}, {:.0}, {:.0}] (prediction {})",
                    b.x, b.y, b.w, b.h, d.prediction_ids[i][p]
                );
                issues.push(issue(None, "overlooked_object", score, msg));
            }
        }
    }
    Ok(LabelErrors { metrics, issues })
}

/// Per-image label quality scores and the label issues found.
#[derive(Default)]
pub struct LabelErrors {
    /// Per image: its label quality score.
    pub metrics: Vec<(i64, Metrics)>,
    /// The label issues found.
    pub issues: Vec<IssueRow>,
}
