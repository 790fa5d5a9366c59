//! Reads a project's store into a [`ReportData`]: datasets with their
//! issues, evaluation runs with their tables, generative leaderboards and
//! embedding maps; then the thumbnails of every image it shows.

mod analysis;
mod generative;
mod runs;

use std::collections::BTreeSet;

use assay_store::{EmbeddingSet, Store};

use crate::data::{DatasetReport, EmbeddingReport, IssueExamples, ReportData};
use crate::thumbs::{thumbnails, THUMBNAIL_SIDE};
use crate::Result;

/// What to put in the report.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Only this dataset (and its runs); all when `None`.
    pub dataset: Option<String>,
    /// Worst examples shown per issue type.
    pub examples_per_issue: usize,
    /// Whether to embed thumbnails (off for Markdown).
    pub thumbnails: bool,
    /// Longest side of a thumbnail.
    pub thumbnail_side: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            dataset: None,
            examples_per_issue: 6,
            thumbnails: true,
            thumbnail_side: THUMBNAIL_SIDE,
        }
    }
}

/// Most points of an embedding map kept in the report.
const MAP_POINTS: usize = 4000;

/// Reads everything the report shows from `store`.
pub fn collect(store: &Store, options: &ReportOptions) -> Result<ReportData> {
    let summary = store.summary()?;
    let wanted = |name: &str| options.dataset.as_deref().is_none_or(|d| d == name);
    if let Some(name) = &options.dataset {
        // Names the known datasets when the name is wrong.
        store.category_names(name)?;
    }
    let mut data = ReportData {
        assay_version: env!("CARGO_PKG_VERSION").to_string(),
        project: summary.project.clone(),
        schema_version: summary.schema_version,
        models: summary
            .models
            .into_iter()
            .filter(|m| wanted(&m.dataset))
            .collect(),
        ..ReportData::default()
    };
    for d in summary.datasets.into_iter().filter(|d| wanted(&d.name)) {
        data.datasets.push(dataset_report(store, d, options)?);
    }
    let runs = store.runs(options.dataset.as_deref())?;
    data.runs = runs::evaluation_runs(store, &runs)?;
    data.leaderboards = generative::leaderboards(store, &runs)?;
    data.analysis = analysis::analysis(store, &runs, &data.datasets)?;
    let request = assay_app::check::CheckRequest {
        dataset: options.dataset.clone(),
        ..Default::default()
    };
    match assay_app::check::check(store, &request) {
        Ok(report) => data.checks = Some(report),
        Err(e) => data.checks_error = Some(e.to_string()),
    }
    for set in store.embedding_sets(options.dataset.as_deref())? {
        data.embeddings.push(embedding_report(store, set)?);
    }
    if options.thumbnails {
        let root = store.root().to_path_buf();
        data.thumbnails = thumbnails(image_paths(&data), &root, options.thumbnail_side);
    }
    Ok(data)
}

fn dataset_report(
    store: &Store,
    summary: assay_store::DatasetSummary,
    options: &ReportOptions,
) -> Result<DatasetReport> {
    let issue_counts = store.issue_counts(&summary.name, None)?;
    let mut worst = Vec::new();
    for (kind, count) in &issue_counts {
        worst.push(IssueExamples {
            kind: kind.clone(),
            count: *count,
            examples: store.issues(&summary.name, Some(kind), None, options.examples_per_issue)?,
        });
    }
    Ok(DatasetReport {
        summary,
        issue_counts,
        worst,
    })
}

fn embedding_report(store: &Store, set: EmbeddingSet) -> Result<EmbeddingReport> {
    let points = store.embedding_map(&set, "pca")?;
    let step = points.len().div_ceil(MAP_POINTS).max(1);
    let map = points
        .iter()
        .step_by(step)
        .map(|p| (p.x, p.y, p.cluster))
        .collect();
    Ok(EmbeddingReport { set, map })
}

/// Every image path the report shows, once each.
fn image_paths(data: &ReportData) -> Vec<String> {
    let mut paths = BTreeSet::new();
    for d in &data.datasets {
        for w in &d.worst {
            paths.extend(w.examples.iter().filter_map(|e| e.path.clone()));
        }
    }
    for board in &data.leaderboards {
        for e in &board.entries {
            for m in &e.memorized {
                paths.extend(m.file_path.iter().chain(&m.nearest_path).cloned());
            }
            paths.extend(e.outliers.iter().filter_map(|o| o.path.clone()));
        }
    }
    paths.into_iter().collect()
}
