//! Run summaries as typed structs: what a run stores beyond its metric
//! tables, written once by the workflow that records the run and read back
//! by the server, the report and the CLI through [`RunSummary::parse`].
//! No reader indexes the stored JSON by key.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// The task detection runs are stored under.
pub const DETECTION: &str = "detection";
/// The task instance-segmentation runs are stored under.
pub const SEGMENTATION: &str = "segmentation";
/// The task keypoint runs are stored under.
pub const KEYPOINTS: &str = "keypoints";
/// The task classification runs are stored under.
pub const CLASSIFICATION: &str = "classification";
/// The task semantic-segmentation runs are stored under.
pub const SEMANTIC_SEGMENTATION: &str = "semantic_segmentation";
/// The task runs of generators are stored under.
pub const GENERATION: &str = "generation";

/// A stored run's summary, by task.
#[derive(Debug, Clone)]
pub enum RunSummary {
    /// Detection, instance segmentation or keypoints (COCO evaluation).
    Detection(Box<DetectionSummary>),
    /// Image classification.
    Classification(Box<ClassificationSummary>),
    /// Semantic segmentation.
    Segmentation(Box<SegmentationSummary>),
    /// A generator's evaluation.
    Generation(Box<crate::generative::results::EvalReport>),
    /// A task this build does not know, or a summary it cannot read.
    Other,
}

impl RunSummary {
    /// Reads the summary of a run of `task`. A summary that does not have
    /// the task's shape (written by another version) reads as `Other`.
    pub fn parse(task: &str, summary: &serde_json::Value) -> RunSummary {
        let typed = |v: &serde_json::Value| match task {
            DETECTION | SEGMENTATION | KEYPOINTS => serde_json::from_value(v.clone())
                .ok()
                .map(|s| RunSummary::Detection(Box::new(s))),
            CLASSIFICATION => serde_json::from_value(v.clone())
                .ok()
                .map(|s| RunSummary::Classification(Box::new(s))),
            SEMANTIC_SEGMENTATION => serde_json::from_value(v.clone())
                .ok()
                .map(|s| RunSummary::Segmentation(Box::new(s))),
            GENERATION => serde_json::from_value(v.clone())
                .ok()
                .map(|s| RunSummary::Generation(Box::new(s))),
            _ => None,
        };
        typed(summary).unwrap_or(RunSummary::Other)
    }

    /// The confusion matrix, for tasks that have one.
    pub fn confusion(&self) -> Option<&Confusion> {
        match self {
            RunSummary::Detection(d) => Some(&d.confusion),
            RunSummary::Classification(c) => Some(&c.confusion),
            _ => None,
        }
    }

    /// The generator's evaluation, for generation runs.
    pub fn generation(&self) -> Option<&crate::generative::results::EvalReport> {
        match self {
            RunSummary::Generation(g) => Some(g),
            _ => None,
        }
    }

    /// The detection error breakdown, for detection tasks.
    pub fn errors(&self) -> Option<&ErrorSummary> {
        match self {
            RunSummary::Detection(d) => Some(&d.errors),
            _ => None,
        }
    }
}

/// What a COCO-style evaluation run keeps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DetectionSummary {
    /// pycocotools' `stats` array.
    #[serde(deserialize_with = "nan_vec")]
    pub stats: Vec<f64>,
    /// `COCOeval.summarize()`'s lines.
    pub summary: Vec<StatLine>,
    /// Recall at more detection limits than pycocotools prints.
    pub extra: Vec<StatLine>,
    /// AP and AR per category.
    pub per_category: Vec<CategoryAp>,
    /// The confusion matrix at the run's IoU and score thresholds.
    pub confusion: Confusion,
    /// The TIDE-style error breakdown.
    pub errors: ErrorSummary,
    /// TP, FP and FN per category id at the run's IoU threshold.
    pub counts: BTreeMap<i64, [u64; 3]>,
}

/// One line of pycocotools' summary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatLine {
    /// `AP` or `AR`.
    pub metric: String,
    /// The IoU threshold, or none for the mean over 0.50:0.95.
    pub iou: Option<f64>,
    /// The area range.
    pub area: String,
    /// Detections per image.
    pub max_dets: usize,
    /// The value, -1 when nothing could be measured.
    #[serde(deserialize_with = "nan")]
    pub value: f64,
}

/// AP and AR of one category.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CategoryAp {
    /// The category id.
    pub category_id: i64,
    /// AP over IoU 0.50:0.95.
    #[serde(deserialize_with = "nan")]
    pub ap: f64,
    /// AP at IoU 0.50.
    #[serde(deserialize_with = "nan")]
    pub ap50: f64,
    /// AP at IoU 0.75.
    #[serde(deserialize_with = "nan")]
    pub ap75: f64,
    /// AR over IoU 0.50:0.95.
    #[serde(deserialize_with = "nan")]
    pub ar: f64,
    /// AP per area range.
    pub ap_by_area: Vec<(String, f64)>,
}

/// A confusion matrix of a run: rows are true classes, columns predicted
/// ones. A detection matrix has a last background row and column (false
/// detections and missed objects); a classification matrix has none.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Confusion {
    /// Category ids of the rows and columns (before the background).
    pub category_ids: Vec<i64>,
    /// `counts[row][column]`.
    pub counts: Vec<Vec<u64>>,
    /// IoU threshold of the matching (detection only).
    #[serde(default)]
    pub iou_threshold: Option<f64>,
    /// Detections below this score are left out (detection only).
    #[serde(default)]
    pub min_score: Option<f64>,
    /// Whether the last row and column are the background.
    #[serde(default = "yes")]
    pub background: bool,
}

impl Confusion {
    /// Whether the matrix is square with one row per class (plus the
    /// background), so it can be drawn.
    pub fn is_well_formed(&self) -> bool {
        let n = self.category_ids.len() + usize::from(self.background);
        self.counts.len() == n && self.counts.iter().all(|r| r.len() == n)
    }

    /// Row and column labels: class names (`class 7` when unknown), then
    /// `background` for detection matrices.
    pub fn labels(&self, names: &std::collections::HashMap<i64, String>) -> Vec<String> {
        let mut labels: Vec<String> = self
            .category_ids
            .iter()
            .map(|id| {
                names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("class {id}"))
            })
            .collect();
        if self.background {
            labels.push("background".to_string());
        }
        labels
    }
}

fn yes() -> bool {
    true
}

/// The TIDE-style breakdown of a detection run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorSummary {
    /// AP50 as is.
    #[serde(deserialize_with = "nan")]
    pub ap50: f64,
    /// What each kind of error costs.
    pub costs: Vec<ErrorCost>,
}

/// One kind of detection error.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorCost {
    /// `classification`, `localization`, `both`, `duplicate`, `background`
    /// or `missed`.
    pub kind: String,
    /// How many.
    pub count: u64,
    /// AP50 gained by fixing them.
    #[serde(deserialize_with = "nan")]
    pub delta_ap: f64,
}

/// What a semantic-segmentation run keeps: mmseg's totals and per-class
/// metrics, and what was left out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SegmentationSummary {
    /// The totals, as `assay eval semseg` reports them.
    pub report: assay_eval::semseg::SemsegReport,
    /// Dataset images without a label mask.
    pub images_without_mask: usize,
    /// Label masks named after no image of the dataset (left out).
    pub masks_without_image: usize,
}

/// What a classification run keeps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClassificationSummary {
    /// Images evaluated (with one label and a prediction).
    pub num_samples: usize,
    /// Images left out: without a label, with several, or without a
    /// prediction.
    pub left_out: LeftOut,
    /// Accuracy of the predicted classes.
    #[serde(deserialize_with = "nan")]
    pub accuracy: f64,
    /// Top-k accuracies, when scores were given: (k, accuracy).
    pub top_k: Vec<(usize, f64)>,
    /// Expected calibration error (NaN without probabilities).
    #[serde(deserialize_with = "nan")]
    pub ece: f64,
    /// Brier score (NaN without probabilities).
    #[serde(deserialize_with = "nan")]
    pub brier: f64,
    /// Macro, micro and weighted averages of precision, recall and F1.
    pub averages: Vec<AverageRow>,
    /// The confusion matrix over the dataset's classes (no background).
    pub confusion: Confusion,
    /// The reliability diagram (empty without probabilities).
    pub calibration: Vec<CalibrationRow>,
    /// Images confident learning flags as probably mislabelled.
    pub label_issues: usize,
}

/// Why images were left out of a classification run.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct LeftOut {
    /// Predicted images without an image-level label.
    pub unlabelled: usize,
    /// Predicted images with several image-level labels.
    pub several_labels: usize,
    /// Labelled images the model has no prediction for.
    pub unpredicted: usize,
}

/// One average of precision, recall and F1.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AverageRow {
    /// `macro`, `micro` or `weighted`.
    pub average: String,
    /// Precision.
    #[serde(deserialize_with = "nan")]
    pub precision: f64,
    /// Recall.
    #[serde(deserialize_with = "nan")]
    pub recall: f64,
    /// F1.
    #[serde(deserialize_with = "nan")]
    pub f1: f64,
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CalibrationRow {
    /// Lower edge.
    pub lower: f64,
    /// Upper edge.
    pub upper: f64,
    /// Images in the bin.
    pub count: u64,
    /// Their mean confidence.
    pub confidence: f64,
    /// The fraction predicted right.
    pub accuracy: f64,
}

/// A number stored by serde_json, which writes NaN as `null`.
pub(crate) fn nan<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Numbers stored by serde_json, NaN written as `null`.
fn nan_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    let values = Vec::<Option<f64>>::deserialize(d)?;
    Ok(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_stored_detection_summary_reads_back_with_nan_as_null() {
        let stored = json!({
            "stats": [0.5, null], "summary": [], "extra": [], "per_category": [],
            "confusion": {"category_ids": [1], "counts": [[1, 0], [2, 0]], "iou_threshold": 0.5, "min_score": 0.0},
            "errors": {"ap50": null, "costs": [{"kind": "missed", "count": 2, "delta_ap": 0.1}]},
            "counts": {"1": [1, 0, 2]}
        });
        let RunSummary::Detection(d) = RunSummary::parse(DETECTION, &stored) else {
            panic!("not read as a detection summary");
        };
        assert!(d.stats[1].is_nan() && d.errors.ap50.is_nan());
        assert!(d.confusion.background && d.confusion.is_well_formed());
        assert_eq!(d.counts[&1], [1, 0, 2]);
    }

    #[test]
    fn a_summary_of_another_shape_reads_as_other() {
        let wrong = json!({"stats": "no"});
        assert!(matches!(
            RunSummary::parse(DETECTION, &wrong),
            RunSummary::Other
        ));
        assert!(matches!(
            RunSummary::parse("unknown", &json!({})),
            RunSummary::Other
        ));
    }

    #[test]
    fn labels_name_classes_and_the_background() {
        let c = Confusion {
            category_ids: vec![1, 7],
            counts: vec![vec![0; 3]; 3],
            iou_threshold: Some(0.5),
            min_score: Some(0.0),
            background: true,
        };
        let names = std::collections::HashMap::from([(1, "cat".to_string())]);
        assert_eq!(c.labels(&names), ["cat", "class 7", "background"]);
    }
}
