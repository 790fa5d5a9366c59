//! The report's data model: what the store holds, read once, with no
//! rendering decisions in it. It is also the raw-numbers block of the HTML
//! report (thumbnails left out).

use std::collections::HashMap;

use assay_store::{DatasetSummary, EmbeddingSet, IssueInfo, ModelSummary, NamedCurve, RunInfo};
use serde::Serialize;

/// Everything a report shows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReportData {
    /// The assay version that wrote the report.
    pub assay_version: String,
    /// The project folder.
    pub project: String,
    /// Schema version of the store.
    pub schema_version: i64,
    /// Each dataset with its issues.
    pub datasets: Vec<DatasetReport>,
    /// Each model with predictions.
    pub models: Vec<ModelSummary>,
    /// Evaluation runs (every task but `generation`), newest first.
    pub runs: Vec<RunReport>,
    /// One leaderboard per dataset with generation runs.
    pub leaderboards: Vec<Leaderboard>,
    /// Stored embedding sets with their 2-D maps.
    pub embeddings: Vec<EmbeddingReport>,
    /// Failure analysis: importance, slices, drift, run comparisons.
    pub analysis: AnalysisReport,
    /// The default suites of `assay check` on the reported datasets.
    pub checks: Option<assay_app::check::CheckReport>,
    /// Why the checks could not be made, when they could not.
    pub checks_error: Option<String>,
    /// Thumbnails by image path.
    #[serde(skip)]
    pub thumbnails: HashMap<String, Thumbnail>,
}

/// A dataset: its counts, issue counts and worst examples.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DatasetReport {
    /// Counts as `assay info` shows them.
    #[serde(flatten)]
    pub summary: DatasetSummary,
    /// Issues per type, most frequent first (`assay issues`).
    pub issue_counts: Vec<(String, usize)>,
    /// The worst examples of each issue type.
    pub worst: Vec<IssueExamples>,
}

/// The worst examples of one issue type.
#[derive(Debug, Clone, Serialize)]
pub struct IssueExamples {
    /// Issue type.
    pub kind: String,
    /// Issues of the type in the dataset.
    pub count: usize,
    /// The worst ones, lowest score first.
    pub examples: Vec<IssueInfo>,
}

/// An evaluation run with its tables.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The run as `assay runs` lists it, with every headline metric.
    #[serde(flatten)]
    pub info: RunInfo,
    /// Per-class metrics, one row per class.
    pub classes: Vec<ClassRow>,
    /// Precision-recall curves.
    pub curves: Vec<NamedCurve>,
    /// The detection confusion matrix, when the run stored one.
    pub confusion: Option<Confusion>,
    /// The TIDE-style error breakdown, when the run stored one.
    pub errors: Option<assay_app::summary::ErrorSummary>,
}

/// One class's metrics in a run.
#[derive(Debug, Clone, Serialize)]
pub struct ClassRow {
    /// The class's id in the dataset.
    pub category_id: i64,
    /// Class name.
    pub class: String,
    /// Metrics by name, in stored order.
    pub metrics: Vec<(String, f64)>,
}

impl ClassRow {
    /// The value of a metric, if the class has it.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics.iter().find(|(n, _)| n == name).map(|m| m.1)
    }
}

/// A confusion matrix with its labels: rows are the true classes,
/// columns the predicted ones; a detection matrix ends with the background
/// row and column.
#[derive(Debug, Clone, Serialize)]
pub struct Confusion {
    /// Class names, then `background` for detection.
    pub labels: Vec<String>,
    /// Counts, `labels.len()` squared.
    pub counts: Vec<Vec<u64>>,
    /// The run's stored matrix (thresholds, whether there is a background).
    pub stored: assay_app::summary::Confusion,
}

/// The generators of one generated dataset, best first.
#[derive(Debug, Clone, Serialize)]
pub struct Leaderboard {
    /// The generated dataset.
    pub dataset: String,
    /// The metric the ranking uses and its direction.
    pub ranked_by: String,
    /// The newest run of each generator, best first.
    pub entries: Vec<GenEntry>,
}

impl Leaderboard {
    /// The metric columns: those of the best entry, in its order.
    pub fn metric_names(&self) -> Vec<&str> {
        self.entries
            .first()
            .map(|e| e.metrics.iter().map(|m| m.name.as_str()).collect())
            .unwrap_or_default()
    }
}

/// One generator's stored evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct GenEntry {
    /// The run.
    pub run_id: i64,
    /// The generator (the run's model).
    pub generator: String,
    /// Generated images with features.
    pub images: usize,
    /// What it was compared with.
    pub real: String,
    /// The distribution metrics, as `gen eval` reports them.
    pub metrics: Vec<GenMetric>,
    /// Sets of near-duplicate generations.
    pub near_duplicate_sets: usize,
    /// Generations nearly identical to a training image.
    pub memorized: Vec<Memorized>,
    /// Generations outside the real images' manifold.
    pub outlier_count: usize,
    /// The worst of them, worst first.
    pub outliers: Vec<Outlier>,
    /// Mean per-prompt diversity.
    pub mean_diversity: Option<f64>,
    /// Why a number may mislead.
    pub warnings: Vec<String>,
}

impl GenEntry {
    /// The metric called `name`, if the entry has it.
    pub fn metric(&self, name: &str) -> Option<&GenMetric> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

/// One generative metric.
#[derive(Debug, Clone, Serialize)]
pub struct GenMetric {
    /// `fid`, `kid`, `precision`, ...
    pub name: String,
    /// The value (NaN when the stored summary has none).
    pub value: f64,
    /// KID's and IS's spread.
    pub std: Option<f64>,
    /// The interval at the run's sample size.
    pub interval: Option<GenInterval>,
}

/// A metric's interval.
#[derive(Debug, Clone, Serialize)]
pub struct GenInterval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Confidence level.
    pub confidence: f64,
    /// Draws it was computed from.
    pub draws: usize,
    /// Its level and method in words (`95% intervals: ...`).
    pub note: String,
}

/// A generation and the training image it copies.
#[derive(Debug, Clone, Serialize)]
pub struct Memorized {
    /// The generated file.
    pub file: String,
    /// The nearest training image.
    pub nearest: String,
    /// Their cosine similarity.
    pub similarity: f64,
    /// Where the generated file is.
    pub file_path: Option<String>,
    /// Where the training image is.
    pub nearest_path: Option<String>,
}

/// A generation far from the real images.
#[derive(Debug, Clone, Serialize)]
pub struct Outlier {
    /// The generated file.
    pub file: String,
    /// Outlier score (distance over the median real radius).
    pub score: f64,
    /// Where the file is.
    pub path: Option<String>,
}

/// An embedding set and its map.
#[derive(Debug, Clone, Serialize)]
pub struct EmbeddingReport {
    /// The set.
    #[serde(flatten)]
    pub set: EmbeddingSet,
    /// Up to a few thousand points of its PCA map: (x, y, cluster).
    pub map: Vec<(f32, f32, Option<i64>)>,
}

/// An image as the report embeds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Thumbnail {
    /// A JPEG thumbnail as a `data:` URI.
    DataUri(String),
    /// The file could not be shown, and why.
    Unavailable(String),
}

/// The report's failure analysis.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AnalysisReport {
    /// Each detection run's importance (overall, top metrics) and slices.
    pub runs: Vec<RunAnalysis>,
    /// Each later split of a dataset against its first.
    pub drift: Vec<assay_app::analysis::drift::DriftReport>,
    /// Each detection run against the one before it on its dataset.
    pub comparisons: Vec<assay_app::analysis::compare::RunComparison>,
}

/// One run's importance and weak slices.
#[derive(Debug, Clone, Serialize)]
pub struct RunAnalysis {
    /// Metric importance (all classes, top metrics).
    pub importance: assay_app::analysis::importance::Importance,
    /// Weak slices of missed ground truths.
    pub slices: assay_app::analysis::slices::Slices,
}
