//! What a generator's evaluation holds, as stored in its run and read
//! back by every front end: the metrics with their intervals, the sets
//! compared, the warnings and the per-prompt and per-sample findings.
//! These types need no model, so readers build without the extractors.

use std::collections::BTreeMap;

use assay_gen::interval::Interval;
use serde::{Deserialize, Serialize};

/// A metric `assay gen eval` can compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum GenMetric {
    /// Fréchet distance (FID with the Inception, FD-DINOv2 with DINOv2).
    Fid,
    /// Kernel Inception Distance (torch-fidelity's).
    Kid,
    /// Inception Score (needs the FID Inception's logits).
    Is,
    /// Precision and recall (k = 3), density and coverage (k = 5).
    Prdc,
    /// CLIPScore of each image against its prompt (needs a CLIP model and prompts).
    Clip,
}

impl GenMetric {
    /// The metric's key in output.
    pub fn key(self) -> &'static str {
        match self {
            GenMetric::Fid => "fid",
            GenMetric::Kid => "kid",
            GenMetric::Is => "is",
            GenMetric::Prdc => "prdc",
            GenMetric::Clip => "clip",
        }
    }
}

/// Everything `gen eval` reports about one generated set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalReport {
    /// The extractor the features came from.
    pub extractor: ExtractorInfo,
    /// The reference side.
    pub real: SetInfo,
    /// The generated side.
    pub fake: SetInfo,
    /// The distribution metrics (and CLIPScore), with intervals.
    pub metrics: Vec<MetricValue>,
    /// Why a number may mislead (small samples, incomparable extractor).
    pub warnings: Vec<String>,
    /// Per-prompt and per-sample findings.
    pub diagnostics: Diagnostics,
}

/// Which extractor made the features.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExtractorInfo {
    /// Its name.
    pub name: String,
    /// `builtin`, `inception`, `clip`, `dinov2`.
    pub kind: String,
    /// Whether numbers are comparable with published ones.
    pub comparable: bool,
}

/// A side's source and counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetInfo {
    /// The path as given.
    pub source: String,
    /// Samples with features.
    pub count: Option<usize>,
    /// Images left out.
    pub unreadable: Vec<Unreadable>,
}

/// The findings on one generated set.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Diagnostics {
    /// Whether the neighbour-based findings were computed (not with
    /// `--no-diagnostics`).
    pub computed: bool,
    /// Every prompt, worst first (by CLIPScore, else realism).
    pub prompts: Vec<PromptRow>,
    /// Near-duplicate generations of one prompt, as sets of files.
    pub near_duplicates: Vec<Vec<String>>,
    /// Generations flagged as copies of a training image.
    pub memorized: Vec<Match>,
    /// Generations far from every real image.
    pub outliers: Vec<Outlier>,
    /// Mean CLIPScore and the variant used, when computed.
    pub clip_score: Option<ClipSummary>,
    /// What could not be computed, and why.
    pub warnings: Vec<String>,
}

/// One prompt's numbers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PromptRow {
    /// The prompt.
    pub prompt: String,
    /// Images generated for it.
    pub images: usize,
    /// Mean pairwise cosine distance of its images (0 to 2).
    pub diversity: Option<f64>,
    /// Images that repeat another of the prompt (near-duplicates).
    pub near_duplicates: usize,
    /// Share of its images inside the real images' k-NN balls.
    pub realism: Option<f64>,
    /// Mean CLIPScore of its images.
    pub clip_score: Option<f64>,
}

/// A generation and its nearest training image.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Match {
    /// The generated file.
    pub file: String,
    /// The training file.
    pub nearest: String,
    /// Their cosine similarity.
    pub similarity: f32,
}

/// A generation far from the real data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outlier {
    /// The generated file.
    pub file: String,
    /// Distance to its k-th nearest real image over the median real radius.
    pub score: f64,
}

/// The CLIPScore summary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClipSummary {
    /// Mean over images with a prompt.
    pub mean: f64,
    /// Images scored.
    pub images: usize,
}

impl Diagnostics {
    /// CLIPScore as a reported metric, when computed.
    pub fn clip_score_metric(&self) -> Option<MetricValue> {
        self.clip_score.as_ref().map(|c| MetricValue {
            name: "clip_score".into(),
            value: c.mean,
            std: None,
            interval: None,
        })
    }

    /// The per-prompt score generators are compared on: `clip_score` when
    /// computed, else `realism`.
    pub fn prompt_score_name(&self) -> Option<String> {
        let first = self.prompts.first()?;
        if first.clip_score.is_some() {
            Some("clip_score".into())
        } else if first.realism.is_some() {
            Some("realism".into())
        } else {
            None
        }
    }

    /// Each prompt's value of `score` (`clip_score` or `realism`).
    pub fn prompt_scores(&self, score: &str) -> BTreeMap<String, f64> {
        self.prompts
            .iter()
            .filter_map(|p| {
                let v = if score == "clip_score" {
                    p.clip_score
                } else {
                    p.realism
                };
                Some((p.prompt.clone(), v?))
            })
            .collect()
    }
}

/// An image left out because it could not be read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Unreadable {
    /// The file.
    pub file: String,
    /// Why.
    pub reason: String,
}

/// One reported number.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricValue {
    /// `fid`, `kid`, `is`, `precision`, ...
    pub name: String,
    /// The value.
    #[serde(deserialize_with = "crate::summary::nan")]
    pub value: f64,
    /// The spread the reference implementation reports with it (KID's and
    /// IS's standard deviation over subsets or splits).
    pub std: Option<f64>,
    /// The interval, when asked for (its `method` says how it was
    /// computed).
    pub interval: Option<Interval>,
}
