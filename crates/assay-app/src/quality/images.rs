//! The image side of `assay quality`: measures the files of a dataset's
//! samples on all cores, finds the image issues and split leaks among them,
//! and turns both into rows for the store.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use assay_core::model::{Dataset, Sample};
use assay_quality::columns::{MetricValue, METRIC_COLUMNS};
use assay_quality::issues::{split_leaks, IssueReport, Measured, SplitLeaks};
use assay_quality::scan::{measure_paths, Decoding};
use assay_quality::{find_issues, ImageMetrics, IssueConfig, IssueType, Unreadable};
use assay_store::{IssueRow, Metrics, Properties};

use crate::progress::Progress;

/// Issue kind of an image found again in another split.
pub const SPLIT_LEAK: &str = "split_leak";

/// What the image checks found, ready to store.
#[derive(Default)]
pub struct ImageQuality {
    /// Per measured sample: numeric metrics and issue scores.
    pub metrics: Vec<(i64, Metrics)>,
    /// Per measured sample: format, mode and hashes.
    pub properties: Vec<(i64, Properties)>,
    /// Image issues, split leaks included.
    pub issues: Vec<IssueRow>,
    /// Files measured (readable or not).
    pub measured: usize,
    /// Files that could not be decoded.
    pub unreadable: usize,
    /// Samples without a file on disk, by file name.
    pub missing: Vec<String>,
}

/// Measures the files of `data`'s samples (`paths` by sample id) and finds
/// image issues over them. Samples without a known path, or whose file is
/// gone, are listed as missing and take no part.
pub fn image_quality(
    data: &Dataset,
    paths: &HashMap<i64, PathBuf>,
    config: &IssueConfig,
    progress: &dyn Progress,
) -> ImageQuality {
    let (samples, results) = measure_samples(&data.samples, paths, progress);
    judge(&data.samples, samples, &results, config)
}

/// Measures the files of `samples` that exist (`paths` by sample id) on
/// all cores: the samples measured and their results, in order.
pub(super) fn measure_samples<'a>(
    samples: &'a [Sample],
    paths: &HashMap<i64, PathBuf>,
    progress: &dyn Progress,
) -> (Vec<&'a Sample>, Vec<Result<ImageMetrics, Unreadable>>) {
    let (mut measured, mut files): (Vec<&Sample>, Vec<PathBuf>) = (Vec::new(), Vec::new());
    for s in samples {
        if let Some(p) = paths.get(&s.id).filter(|p| p.is_file()) {
            measured.push(s);
            files.push(p.clone());
        }
    }
    if files.is_empty() {
        return (measured, Vec::new());
    }
    progress.start("images", files.len() as u64);
    let results = measure_paths(&files, Decoding::Exact, &|| progress.advance(1));
    progress.finish();
    (measured, results)
}

/// Finds the image issues and split leaks over the `results` of
/// `samples` (in order); the other samples of `all` are missing.
pub(super) fn judge(
    all: &[Sample],
    samples: Vec<&Sample>,
    results: &[Result<ImageMetrics, Unreadable>],
    config: &IssueConfig,
) -> ImageQuality {
    debug_assert_eq!(samples.len(), results.len());
    let ids: HashSet<i64> = samples.iter().map(|s| s.id).collect();
    let mut out = ImageQuality {
        missing: all
            .iter()
            .filter(|s| !ids.contains(&s.id))
            .map(|s| s.file_name.clone())
            .collect(),
        ..ImageQuality::default()
    };
    if results.is_empty() {
        return out;
    }
    let measured: Vec<Measured<'_>> = results.iter().map(as_measured).collect();
    let report = find_issues(&measured, config);
    let splits: Vec<Option<&str>> = samples.iter().map(|s| s.split.as_deref()).collect();
    let leaks = split_leaks(&measured, &splits, config.near_radius);
    out.measured = results.len();
    out.unreadable = results.iter().filter(|r| r.is_err()).count();
    for (i, result) in results.iter().enumerate() {
        if let Ok(m) = result {
            let (metrics, properties) = metric_rows(m, &report, i);
            out.metrics.push((samples[i].id, metrics));
            out.properties.push((samples[i].id, properties));
        }
    }
    out.issues = issue_rows(&report, &samples);
    out.issues.extend(leak_rows(&leaks, &samples));
    out
}

fn as_measured(r: &Result<ImageMetrics, Unreadable>) -> Measured<'_> {
    r.as_ref().map_err(|e| e.reason.as_str())
}

/// One image's numeric metrics (with a `<type>_score` per issue type) and
/// its text properties, named as `assay scan --out` names its columns.
fn metric_rows(m: &ImageMetrics, report: &IssueReport, i: usize) -> (Metrics, Properties) {
    let (mut metrics, mut properties) = (Vec::new(), Vec::new());
    for column in &METRIC_COLUMNS {
        match column.value(m) {
            // A measure that was not judged (NaN) is left out, not stored.
            MetricValue::Number(v) if v.is_nan() => {}
            MetricValue::Number(v) => metrics.push((column.name.to_string(), v)),
            MetricValue::Text(t) => properties.push((column.name.to_string(), t)),
        }
    }
    for r in &report.results {
        if let Some(score) = r.scores[i] {
            metrics.push((format!("{}_score", r.issue_type.name()), score));
        }
    }
    (metrics, properties)
}

/// One row per flagged image; duplicates carry their group and name the
/// other members.
fn issue_rows(report: &IssueReport, samples: &[&Sample]) -> Vec<IssueRow> {
    let mut rows = Vec::new();
    for r in &report.results {
        let kind = r.issue_type.name();
        let group_of: HashMap<usize, usize> = r
            .groups
            .iter()
            .enumerate()
            .flat_map(|(g, members)| members.iter().map(move |&i| (i, g)))
            .collect();
        for flag in &r.flagged {
            let group = group_of.get(&flag.image).copied();
            let explanation = match (group, &flag.detail) {
                (Some(g), _) => {
                    duplicate_explanation(r.issue_type, &r.groups[g], flag.image, samples)
                }
                (None, Some(detail)) => detail.clone(),
                (None, None) => r.issue_type.explanation().to_string(),
            };
            rows.push(IssueRow {
                sample_id: samples[flag.image].id,
                annotation_id: None,
                kind: kind.to_string(),
                score: flag.score,
                explanation,
                group: group.map(|g| format!("{kind}-{}", g + 1)),
            });
        }
    }
    rows
}

/// "same pixels as a.jpg, b.jpg (+3 more)"; `similar` groups are linked by
/// close hashes, not equal ones.
fn duplicate_explanation(t: IssueType, group: &[usize], me: usize, samples: &[&Sample]) -> String {
    let others: Vec<&str> = group
        .iter()
        .filter(|&&i| i != me)
        .map(|&i| samples[i].file_name.as_str())
        .collect();
    let how = match t {
        IssueType::ExactDuplicates => "same pixels as",
        IssueType::Similar => "perceptual hashes within a few bits of",
        _ => "same perceptual hash as",
    };
    let shown = others
        .iter()
        .take(3)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    match others.len().saturating_sub(3) {
        0 => format!("{how} {shown}"),
        more => format!("{how} {shown} (+{more} more)"),
    }
}

fn leak_rows(leaks: &SplitLeaks, samples: &[&Sample]) -> Vec<IssueRow> {
    leaks
        .leaks
        .iter()
        .map(|l| {
            let other = samples[l.other];
            let split = other.split.as_deref().unwrap_or_default();
            let how = if l.exact {
                "same pixels as".to_string()
            } else {
                format!("near duplicate (pHash distance {}) of", l.distance)
            };
            IssueRow {
                sample_id: samples[l.image].id,
                annotation_id: None,
                kind: SPLIT_LEAK.to_string(),
                score: l.score,
                explanation: format!("{how} {split} image {}", other.file_name),
                group: Some(format!("{SPLIT_LEAK}-{}", l.group + 1)),
            }
        })
        .collect()
}

/// Up to `n` names, then "and N more".
pub fn some_names(names: &[String], n: usize) -> String {
    let shown = names.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    match names.len().saturating_sub(n) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}
