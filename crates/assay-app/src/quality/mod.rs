//! `quality`: data-quality metrics and issues of a dataset, computed in
//! full and then stored in one transaction, so a run that fails leaves the
//! earlier results as they were: image metrics and issues of the samples'
//! files (with split leaks), annotation metrics and issues, and, given a
//! model, detection label errors from its predictions.

mod images;
mod labels;
mod scan_table;
pub mod shards;

pub use labels::MODEL_METRICS;
pub use scan_table::scan_table;

use anyhow::{bail, Result};
use assay_core::model::Dataset;
use assay_quality::annotations::{annotation_issues, annotation_metrics, AnnotationThresholds};
use assay_quality::issues::{OutlierMetric, DEFAULT_OUTLIER_METRICS};
use assay_quality::IssueConfig;
use assay_store::{IssueRow, Metrics, QualityRecord, Selection, Store};

use images::image_quality;
pub use images::{some_names, ImageQuality, SPLIT_LEAK};
use labels::{
    classification_label_scores, detection_label_errors, model_predictions, LabelErrors,
    ModelPredictions,
};

use crate::progress::Progress;
use crate::project::choose_dataset;

/// What `quality` checks and how.
#[derive(Debug, Clone)]
pub struct QualityOptions {
    /// The dataset (default: the only one).
    pub dataset: Option<String>,
    /// Also find label errors from this model's predictions.
    pub model: Option<String>,
    /// Metrics the `outlier` issue checks (empty: the defaults).
    pub outlier_metrics: Vec<OutlierMetric>,
    /// Tukey fence factor of the `outlier` issue.
    pub outlier_k: f64,
    /// Largest pHash distance of near duplicates and split leaks.
    pub near_radius: u32,
}

impl Default for QualityOptions {
    fn default() -> Self {
        Self {
            dataset: None,
            model: None,
            outlier_metrics: Vec::new(),
            outlier_k: 3.0,
            near_radius: 0,
        }
    }
}

/// What a quality run measured and stored.
pub struct QualityOutcome {
    /// The dataset.
    pub dataset: String,
    /// Its samples.
    pub samples: usize,
    /// The image side: files measured, unreadable and missing.
    pub images: ImageQuality,
    /// Annotations measured.
    pub annotations: usize,
    /// Issues stored.
    pub issues: usize,
    /// Issues per type in the store afterwards, most frequent first.
    pub counts: Vec<(String, usize)>,
}

/// Computes the quality metrics and issues of a dataset and stores them,
/// replacing earlier ones.
pub fn compute(
    store: &mut Store,
    options: &QualityOptions,
    progress: &dyn Progress,
) -> Result<QualityOutcome> {
    compute_from(store, options, |store, name, data, config| {
        let paths = store.sample_paths(name)?;
        Ok(image_quality(data, &paths, config, progress))
    })
}

/// [`compute`] with the image side from `images` (given the store, the
/// dataset's name and samples, and the issue settings): measured here, or
/// merged from the shards' parts ([`shards::merge`]).
fn compute_from(
    store: &mut Store,
    options: &QualityOptions,
    images: impl FnOnce(&Store, &str, &Dataset, &IssueConfig) -> Result<ImageQuality>,
) -> Result<QualityOutcome> {
    let config = issue_config(options)?;
    let name = choose_dataset(store, options.dataset.as_deref())?;
    let data = store.load_dataset(&name, &Selection::default())?;
    let predictions = match &options.model {
        Some(model) => Some((model, model_predictions(store, &name, model)?)),
        None => None,
    };
    let mut images = images(store, &name, &data, &config)?;
    let (annotation_metrics, annotation_issues) = annotation_rows(&data);
    let labels = match &predictions {
        Some((model, ModelPredictions::Boxes(boxes))) => {
            detection_label_errors(&data, boxes, model)?
        }
        Some((_, ModelPredictions::Classes(classes))) => {
            classification_label_scores(&data, classes)
        }
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
    record.annotation_metrics.extend(labels.annotation_metrics);
    record.issues.extend(annotation_issues);
    record.issues.extend(labels.issues);
    store.replace_quality(&record)?;
    Ok(QualityOutcome {
        counts: store.issue_counts(&name, None)?,
        dataset: name,
        samples: data.samples.len(),
        images,
        annotations,
        issues: record.issues.len(),
    })
}

/// The image checks' settings, checked.
fn issue_config(args: &QualityOptions) -> Result<IssueConfig> {
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
