//! A project's contents as column tables for programmatic readers (the
//! Python package's `Project`), and what they write back: a model's
//! predictions and their own image metrics.

use std::collections::{BTreeMap, HashMap};

use anyhow::{bail, Context, Result};
use assay_io::table::{Column, Table};
use assay_store::{CustomMetric, MetricLevel, Store, IMAGE_LEVEL};

use crate::export::{self, ExportSelection, TableKind};
use crate::project::choose_dataset;

/// Which table of a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectTable {
    /// One row per image.
    Samples,
    /// One row per ground-truth annotation.
    Annotations,
    /// One row per prediction of the model.
    Predictions(String),
    /// One row per class with counts.
    Classes,
    /// One row per image, one column per stored image metric.
    Metrics,
    /// One row per issue found on an image or object.
    Issues,
    /// One row per object of the evaluation run with this id.
    Outcomes(i64),
}

/// The table of `dataset` (the only one when `None`).
pub fn project_table(store: &Store, dataset: Option<&str>, which: &ProjectTable) -> Result<Table> {
    let dataset = choose_dataset(store, dataset)?;
    let selection = ExportSelection {
        dataset: Some(dataset.clone()),
        ..ExportSelection::default()
    };
    let exported = |kind, model: Option<&str>| export::table(store, kind, model, &selection);
    match which {
        ProjectTable::Samples => exported(TableKind::Samples, None),
        ProjectTable::Annotations => exported(TableKind::Annotations, None),
        ProjectTable::Predictions(model) => exported(TableKind::Predictions, Some(model)),
        ProjectTable::Classes => exported(TableKind::Classes, None),
        ProjectTable::Metrics => metrics_table(store, &dataset),
        ProjectTable::Issues => issues_table(store, &dataset),
        ProjectTable::Outcomes(run) => outcomes_table(store, &dataset, *run),
    }
}

/// Image ids by the store's row id.
fn image_ids(store: &Store, dataset: &str) -> Result<HashMap<i64, i64>> {
    let index = store.dataset_index(dataset, None)?;
    Ok(index
        .images
        .iter()
        .map(|(image, (row, _))| (*row, *image))
        .collect())
}

fn metrics_table(store: &Store, dataset: &str) -> Result<Table> {
    let ids = image_ids(store, dataset)?;
    let mut images: Vec<i64> = ids.values().copied().collect();
    images.sort_unstable();
    let position: HashMap<i64, usize> = images.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let mut columns: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    for (row, name, value) in store.sample_metric_values(dataset)? {
        let Some(image) = ids.get(&row) else { continue };
        let column = columns
            .entry(name)
            .or_insert_with(|| vec![None; images.len()]);
        column[position[image]] = Some(value);
    }
    let mut t = Table::default();
    t.push(
        "image_id",
        Column::Int(images.iter().map(|&i| Some(i)).collect()),
    );
    for (name, values) in columns {
        t.push(&name, Column::Float(values));
    }
    Ok(t)
}

fn issues_table(store: &Store, dataset: &str) -> Result<Table> {
    let issues = store.issues(dataset, None, None, i64::MAX as usize)?;
    let mut t = Table::default();
    let text = |f: fn(&assay_store::IssueInfo) -> Option<String>| {
        Column::Text(issues.iter().map(f).collect())
    };
    t.push(
        "image_id",
        Column::Int(issues.iter().map(|i| Some(i.issue.sample_id)).collect()),
    );
    t.push("file_name", text(|i| Some(i.file_name.clone())));
    t.push(
        "annotation_id",
        Column::Int(issues.iter().map(|i| i.issue.annotation_id).collect()),
    );
    t.push("kind", text(|i| Some(i.issue.kind.clone())));
    t.push(
        "score",
        Column::Float(issues.iter().map(|i| Some(i.issue.score)).collect()),
    );
    t.push("explanation", text(|i| Some(i.issue.explanation.clone())));
    t.push("group", text(|i| i.issue.group.clone()));
    Ok(t)
}

fn outcomes_table(store: &Store, dataset: &str, run: i64) -> Result<Table> {
    let subject = store.run_subject(run)?;
    if subject.dataset != dataset {
        bail!(
            "run {run} evaluated dataset {:?}, not {dataset:?}",
            subject.dataset
        );
    }
    let ids = image_ids(store, dataset)?;
    let objects = store.run_objects(run)?;
    let mut t = Table::default();
    t.push(
        "image_id",
        Column::Int(
            objects
                .iter()
                .map(|o| ids.get(&o.sample).copied())
                .collect(),
        ),
    );
    let side = |o: &assay_store::RunObject| {
        if o.prediction {
            "prediction"
        } else {
            "ground_truth"
        }
    };
    t.push(
        "side",
        Column::Text(objects.iter().map(|o| Some(side(o).to_string())).collect()),
    );
    t.push(
        "object_id",
        Column::Int(objects.iter().map(|o| Some(o.object_id)).collect()),
    );
    t.push(
        "category",
        Column::Text(objects.iter().map(|o| Some(o.category.clone())).collect()),
    );
    t.push(
        "outcome",
        Column::Text(objects.iter().map(|o| Some(o.outcome.clone())).collect()),
    );
    t.push(
        "iou",
        Column::Float(objects.iter().map(|o| Some(o.iou)).collect()),
    );
    t.push(
        "score",
        Column::Float(objects.iter().map(|o| o.score).collect()),
    );
    t.push(
        "error",
        Column::Text(objects.iter().map(|o| o.error.clone()).collect()),
    );
    Ok(t)
}

/// Stores an image metric of `dataset` given by image id, replacing the
/// metric's earlier values. Every id must be an image of the dataset.
pub fn store_metric(
    store: &mut Store,
    dataset: Option<&str>,
    name: &str,
    values: &[(i64, f64)],
) -> Result<usize> {
    let dataset = choose_dataset(store, dataset)?;
    crate::metrics::check_name(name, "the metric name")?;
    let index = store.dataset_index(&dataset, None)?;
    if let Some((image, _)) = values.iter().find(|(i, _)| !index.images.contains_key(i)) {
        bail!("image id {image} is not an image of dataset {dataset:?}");
    }
    let metric = CustomMetric {
        name: name.to_string(),
        source: "python".into(),
        definition: "written by the Python package".into(),
        level: MetricLevel::Image,
        run: None,
        count: values.len(),
    };
    store
        .replace_custom_metric(&dataset, &metric, values)
        .with_context(|| format!("cannot store metric {name:?}"))?;
    Ok(values.len())
}

/// A dataset's stored image embeddings of one extractor (the only one
/// when `None`): image ids, sorted, and their vectors, row by row.
pub struct ImageEmbeddings {
    /// The extractor that made them.
    pub extractor: String,
    /// Image ids, one per row.
    pub image_ids: Vec<i64>,
    /// Vector length.
    pub dim: usize,
    /// `image_ids.len() * dim` values.
    pub vectors: Vec<f32>,
}

/// The image embeddings of `dataset` made by `extractor`.
pub fn image_embeddings(
    store: &Store,
    dataset: Option<&str>,
    extractor: Option<&str>,
) -> Result<ImageEmbeddings> {
    let dataset = choose_dataset(store, dataset)?;
    let sets: Vec<_> = store
        .embedding_sets(Some(&dataset))?
        .into_iter()
        .filter(|s| s.level == assay_store::EmbeddingLevel::Image)
        .filter(|s| extractor.is_none_or(|e| s.extractor == e))
        .collect();
    let set = match sets.as_slice() {
        [one] => one,
        [] => bail!(
            "dataset {dataset:?} has no image embeddings{}; run `assay embed` first",
            extractor.map(|e| format!(" of {e:?}")).unwrap_or_default()
        ),
        _ => bail!(
            "dataset {dataset:?} has image embeddings of several extractors ({}); name one",
            sets.iter()
                .map(|s| s.extractor.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let ids = image_ids(store, &dataset)?;
    let mut rows: Vec<(i64, Vec<f32>)> = store
        .load_embeddings(set)?
        .into_iter()
        .filter(|((_, level), _)| *level == IMAGE_LEVEL)
        .filter_map(|((row, _), v)| ids.get(&row).map(|&image| (image, v)))
        .collect();
    rows.sort_unstable_by_key(|(image, _)| *image);
    Ok(ImageEmbeddings {
        extractor: set.extractor.clone(),
        image_ids: rows.iter().map(|(i, _)| *i).collect(),
        dim: set.dim,
        vectors: rows.into_iter().flat_map(|(_, v)| v).collect(),
    })
}
