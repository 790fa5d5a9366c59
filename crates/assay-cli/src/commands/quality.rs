//! `assay quality` and `assay issues`: data-quality results of a project.

use anyhow::Result;
use assay_quality::annotations::{annotation_issues, annotation_metrics, AnnotationThresholds};
use assay_store::{IssueRow, QualityRecord, Selection, Store};
use serde_json::json;

use super::choose_dataset;
use crate::output::table;

/// Computes the quality metrics and issues of a dataset and stores them,
/// replacing earlier ones.
pub fn compute(store: &mut Store, dataset: Option<&str>, as_json: bool) -> Result<()> {
    let name = choose_dataset(store, dataset)?;
    let data = store.load_dataset(&name, &Selection::default())?;
    let metrics = annotation_metrics(&data);
    let issues = annotation_issues(&metrics, &AnnotationThresholds::default());
    let record = QualityRecord {
        dataset: name.clone(),
        sample_metrics: Vec::new(),
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
    store.replace_quality(&record)?;
    let counts = store.issue_counts(&name)?;
    if as_json {
        let counts: serde_json::Map<String, serde_json::Value> =
            counts.into_iter().map(|(k, n)| (k, json!(n))).collect();
        println!(
            "{}",
            json!({"dataset": name, "annotations": metrics.len(), "issues": counts})
        );
        return Ok(());
    }
    println!(
        "Measured {} annotations of dataset {name:?}; {} issues stored.",
        metrics.len(),
        record.issues.len()
    );
    print_counts(&counts);
    println!("Next: assay issues --type TYPE   (worst examples first)");
    Ok(())
}

fn print_counts(counts: &[(String, usize)]) {
    if counts.is_empty() {
        println!("No issues found.");
        return;
    }
    let mut t = table(&["issue", "count"]);
    for (kind, n) in counts {
        t.add_row(vec![kind.clone(), n.to_string()]);
    }
    println!("{t}");
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
        println!(
            "{}",
            json!({"dataset": name, "counts": counts, "examples": examples})
        );
        return Ok(());
    }
    if counts.is_empty() {
        println!("No issues stored for dataset {name:?} (`assay quality` computes them).");
        return Ok(());
    }
    print_counts(&counts);
    for (k, list) in examples {
        println!("\n{k}: worst {}", list.len());
        let mut t = table(&["file", "split", "score", "what"]);
        for i in list {
            t.add_row(vec![
                i.path.unwrap_or(i.file_name),
                i.split.unwrap_or_default(),
                format!("{:.3}", i.issue.score),
                i.issue.explanation,
            ]);
        }
        println!("{t}");
    }
    Ok(())
}
