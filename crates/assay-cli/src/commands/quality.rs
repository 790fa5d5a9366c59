//! `assay quality` and `assay issues`: data-quality results of a project.

use anyhow::Result;
use assay_core::model::{Annotation, Dataset};
use assay_quality::annotations::{annotation_issues, annotation_metrics, AnnotationThresholds};
use assay_quality::detection_labels::{
    dataset_detections, detection_label_issues, DetectionLabelParams,
};
use assay_store::{IssueRow, Metrics, QualityRecord, Selection, Store};
use serde_json::json;

use super::choose_dataset;
use crate::output::table;

/// Computes the quality metrics and issues of a dataset and stores them,
/// replacing earlier ones.
pub fn compute(
    store: &mut Store,
    dataset: Option<&str>,
    model: Option<&str>,
    as_json: bool,
) -> Result<()> {
    let name = choose_dataset(store, dataset)?;
    let data = store.load_dataset(&name, &Selection::default())?;
    let metrics = annotation_metrics(&data);
    let issues = annotation_issues(&metrics, &AnnotationThresholds::default());
    let label_errors = match model {
        Some(model) => {
            let predictions = store.load_predictions(&name, model)?.predictions;
            detection_label_errors(&data, &predictions, model)?
        }
        None => LabelErrors::default(),
    };
    let mut record = QualityRecord {
        dataset: name.clone(),
        sample_metrics: label_errors.metrics,
        annotation_metrics: metrics
            .iter()
            .map(|m| {
                let values = vec![
                    ("area".to_string(), m.area),
                    (
                        "relative_area".to_string(),
                        m.relative_area.unwrap_or(f64::NAN),
                    ),
                    ("aspect_ratio".to_string(), m.aspect_ratio),
                    (
                        "border_distance".to_string(),
                        m.border_distance.unwrap_or(f64::NAN),
                    ),
                    ("max_iou_same_class".to_string(), m.max_iou_same_class),
                    ("max_iou_other_class".to_string(), m.max_iou_other_class),
                    ("objects_in_image".to_string(), m.objects_in_image as f64),
                    ("class_frequency".to_string(), m.class_frequency),
                ];
                (m.sample_id, m.id, values)
            })
            .collect(),
        issues: issues
            .iter()
            .map(|i| IssueRow {
                sample_id: i.sample_id,
                annotation_id: Some(i.id),
                kind: i.kind.as_str().to_string(),
                score: i.score,
                explanation: i.explanation.clone(),
                group: None,
            })
            .collect(),
    };
    record.issues.extend(label_errors.issues);
    store.replace_quality(&record)?;
    let counts = store.issue_counts(&name)?;
    if as_json {
        let counts: serde_json::Map<String, serde_json::Value> =
            counts.into_iter().map(|(k, n)| (k, json!(n))).collect();
        outln!(
            "{}",
            json!({"dataset": name, "annotations": metrics.len(), "issues": counts})
        )?;
        return Ok(());
    }
    outln!(
        "Measured {} annotations of dataset {name:?}; {} issues stored.",
        metrics.len(),
        record.issues.len()
    )?;
    print_counts(&counts)?;
    outln!("Next: assay issues --type TYPE   (worst examples first)")?;
    Ok(())
}

fn print_counts(counts: &[(String, usize)]) -> std::io::Result<()> {
    if counts.is_empty() {
        return outln!("No issues found.");
    }
    let mut t = table(&["issue", "count"]);
    for (kind, n) in counts {
        t.add_row(vec![kind.clone(), n.to_string()]);
    }
    outln!("{t}")
}

/// Lists stored issues: counts per type and the worst examples of each.
pub fn list(
    store: &Store,
    dataset: Option<&str>,
    kind: Option<&str>,
    split: Option<&str>,
    limit: usize,
    as_json: bool,
) -> Result<()> {
    let name = choose_dataset(store, dataset)?;
    let counts = store.issue_counts(&name)?;
    let kinds: Vec<&str> = match kind {
        Some(k) => vec![k],
        None => counts.iter().map(|(k, _)| k.as_str()).collect(),
    };
    let mut examples = Vec::new();
    for k in &kinds {
        examples.push((k.to_string(), store.issues(&name, Some(k), split, limit)?));
    }
    if as_json {
        outln!(
            "{}",
            json!({"dataset": name, "counts": counts, "examples": examples})
        )?;
        return Ok(());
    }
    if counts.is_empty() {
        outln!("No issues stored for dataset {name:?} (`assay quality` computes them).")?;
        return Ok(());
    }
    print_counts(&counts)?;
    for (k, list) in examples {
        outln!("\n{k}: worst {}", list.len())?;
        let mut t = table(&["file", "split", "score", "what"]);
        for i in list {
            t.add_row(vec![
                i.path.unwrap_or(i.file_name),
                i.split.unwrap_or_default(),
                format!("{:.3}", i.issue.score),
                i.issue.explanation,
            ]);
        }
        outln!("{t}")?;
    }
    Ok(())
}

/// Label errors found from a detector's predictions (cleanlab's object
/// detection scores): per image its label quality score as a metric; per
/// box the `swapped_class` and `badly_located` issues; per confident
/// prediction without a label an `overlooked_object` issue.
fn detection_label_errors(
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
struct LabelErrors {
    metrics: Vec<(i64, Metrics)>,
    issues: Vec<IssueRow>,
}
