//! `assay quality` and `assay issues`: data-quality results of a project.
//!
//! `assay quality` computes everything first and stores it in one
//! transaction at the end, so a command that fails leaves the earlier
//! results as they were.

mod images;
mod labels;

use anyhow::{bail, Result};
use assay_core::model::Dataset;
use assay_quality::annotations::{annotation_issues, annotation_metrics, AnnotationThresholds};
use assay_quality::issues::{OutlierMetric, DEFAULT_OUTLIER_METRICS};
use assay_quality::IssueConfig;
use assay_store::{IssueRow, Metrics, QualityRecord, Selection, Store};
use serde_json::json;

use super::choose_dataset;

use crate::output::table;
pub use images::SPLIT_LEAK;
use images::{image_quality, some_names, ImageQuality};
use labels::{detection_label_errors, LabelErrors};

use clap::Args;

/// Options of `assay quality`.
#[derive(Debug, Args)]
pub struct QualityArgs {
    /// Dataset (default: the only one).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Also find label errors from this model's predictions (cleanlab's
    /// object-detection scores: overlooked objects, swapped classes,
    /// badly located boxes).
    #[arg(long)]
    pub model: Option<String>,
    /// Per-image metrics the `outlier` issue checks, comma-separated
    /// (default: brightness,contrast,blurriness,entropy,colourfulness,saturation,noise).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "METRICS")]
    pub outlier_metrics: Vec<OutlierMetric>,
    /// Tukey fence factor of the `outlier` issue: a value beyond
    /// `Q1 - K·IQR` or `Q3 + K·IQR` of the dataset is an outlier.
    #[arg(long, default_value_t = 3.0, value_name = "K")]
    pub outlier_k: f64,
    /// Largest pHash Hamming distance between near duplicates and between
    /// the images of a split leak (0: equal hashes, as CleanVision).
    #[arg(long, default_value_t = 0, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=32))]
    pub near_radius: u32,
    /// Print the counts as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Computes the quality metrics and issues of a dataset and stores them,
/// replacing earlier ones.
pub fn compute(store: &mut Store, args: &QualityArgs) -> Result<()> {
    let config = issue_config(args)?;
    let name = choose_dataset(store, args.dataset.as_deref())?;
    let data = store.load_dataset(&name, &Selection::default())?;
    let predictions = match &args.model {
        Some(model) => Some((model, store.load_predictions(&name, model)?.predictions)),
        None => None,
    };
    let paths = store.sample_paths(&name)?;
    let mut images = image_quality(&data, &paths, &config);
    let (annotation_metrics, annotation_issues) = annotation_rows(&data);
    let labels = match &predictions {
        Some((model, predictions)) => detection_label_errors(&data, predictions, model)?,
        None => LabelErrors::default(),
    };
    let annotations = annotation_metrics.len();
    let mut record = QualityRecord {
        dataset: name.clone(),
        sample_metrics: std::mem::take(&mut images.metrics),
        sample_properties: std::mem::take(&mut images.properties),
        annotation_metrics,
        issues: std::mem::take(&mut images.issues),
    };
    record.sample_metrics.extend(labels.metrics);
    record.issues.extend(annotation_issues);
    record.issues.extend(labels.issues);
    store.replace_quality(&record)?;
    let counts = store.issue_counts(&name, None)?;
    if args.json {
        let counts: serde_json::Map<String, serde_json::Value> =
            counts.into_iter().map(|(k, n)| (k, json!(n))).collect();
        let files = json!({
            "measured": images.measured,
            "unreadable": images.unreadable,
            "missing": images.missing.len(),
        });
        println!(
            "{}",
            json!({"dataset": name, "images": files, "annotations": annotations, "issues": counts})
        );
        return Ok(());
    }
    print_files(&name, &data, &images);
    println!(
        "Measured {annotations} annotations; {} issues stored.",
        record.issues.len()
    );
    print_counts(&counts);
    println!("Next: assay issues --type TYPE   (worst examples first)");
    Ok(())
}

/// The image checks' settings from the command line.
fn issue_config(args: &QualityArgs) -> Result<IssueConfig> {
    if !(args.outlier_k.is_finite() && args.outlier_k > 0.0) {
        bail!(
            "--outlier-k must be a positive number (the Tukey fence factor, e.g. 3), got {}",
            args.outlier_k
        );
    }
    let outlier_metrics = if args.outlier_metrics.is_empty() {
        DEFAULT_OUTLIER_METRICS.to_vec()
    } else {
        args.outlier_metrics.to_vec()
    };
    Ok(IssueConfig {
        near_radius: args.near_radius,
        outlier_iqr_factor: args.outlier_k,
        outlier_metrics,
        ..IssueConfig::default()
    })
}

/// Per-annotation metrics and the annotation issues.
fn annotation_rows(data: &Dataset) -> (Vec<(i64, i64, Metrics)>, Vec<IssueRow>) {
    let metrics = annotation_metrics(data);
    let issues = annotation_issues(&metrics, &AnnotationThresholds::default())
        .iter()
        .map(|i| IssueRow {
            sample_id: i.sample_id,
            annotation_id: Some(i.id),
            kind: i.kind.as_str().to_string(),
            score: i.score,
            explanation: i.explanation.clone(),
            group: None,
        })
        .collect();
    let rows = metrics
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
        .collect();
    (rows, issues)
}

/// What the image checks looked at, and the samples they could not.
fn print_files(name: &str, data: &Dataset, images: &ImageQuality) {
    let n = data.samples.len();
    println!(
        "Measured {} of the {n} image files of dataset {name:?} ({} unreadable).",
        images.measured, images.unreadable
    );
    if images.missing.is_empty() {
        return;
    }
    let missing = images.missing.len();
    if missing == n {
        println!("No sample has an image file on disk (imported without --images?): only annotations were checked.");
    } else {
        println!(
            "{missing} samples have no image file on disk and were left out of the image checks: {}",
            some_names(&images.missing, 3)
        );
    }
    println!("  Import again with --images DIR to attach the files.");
}

pub fn print_counts(counts: &[(String, usize)]) {
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
