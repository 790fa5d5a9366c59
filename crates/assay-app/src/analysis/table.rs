//! A run's objects as a table for analysis: one row per ground truth and
//! per unmatched prediction, with the outcome, and the data's measurements
//! as columns (image metrics, object metrics, box geometry, class, split,
//! tags).

use std::collections::{BTreeMap, HashMap};

use anyhow::{bail, Result};
use assay_store::{RunObject, RunSubject, Store};

use crate::quality::MODEL_METRICS;

/// What one row of a run's table is.
#[derive(Debug, Clone)]
pub struct Row {
    /// The image's row id (the explorer's sample id).
    pub sample: i64,
    /// A ground truth (found or missed) or an unmatched prediction.
    pub prediction: bool,
    /// The object's id in its source.
    pub object_id: i64,
    /// Index into [`RunTable::classes`].
    pub class: u32,
    /// IoU of the matched prediction, 0 for misses and false positives.
    pub iou: f64,
    /// Score of the prediction (of the one that found a ground truth).
    pub score: Option<f64>,
    /// A miss or a false positive.
    pub error: bool,
    /// The error's kind: a false positive's (`classification`,
    /// `localization`, `both`, `duplicate`, `background`), or a missed
    /// ground truth's (`missed` when nothing was near it,
    /// [`WRONG_DETECTION`] when a wrong detection claimed it).
    pub error_kind: Option<String>,
}

/// Where a numeric column's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A metric of the image (brightness, blur, ...), shared by its objects.
    Image,
    /// A metric of the ground-truth object (missing on predictions).
    Object,
    /// The object's box (area, aspect ratio, share of the image).
    Box,
    /// Computed from a model's predictions (label quality, mistakenness,
    /// a custom object metric that read a run's outcomes): it describes
    /// the model, so importance and slices leave it out.
    Model,
}

/// A numeric column: one value per row, NaN where unmeasured.
#[derive(Debug, Clone)]
pub struct NumericColumn {
    /// Metric name (image and object metrics as stored; box columns
    /// `box_area`, `box_aspect_ratio`, `box_relative_area`).
    pub name: String,
    /// Where it comes from.
    pub level: Level,
    /// Values by row.
    pub values: Vec<f64>,
}

/// A categorical column: one code per row into its labels.
#[derive(Debug, Clone)]
pub struct CategoricalColumn {
    /// `class`, `split` or `tag`.
    pub name: String,
    /// Labels by code.
    pub labels: Vec<String>,
    /// Codes by row.
    pub codes: Vec<u32>,
}

/// A detection run's objects with the data's measurements.
#[derive(Debug, Clone)]
pub struct RunTable {
    /// The run.
    pub run: i64,
    /// What it evaluated.
    pub subject: RunSubject,
    /// Class names by index.
    pub classes: Vec<String>,
    /// The rows.
    pub rows: Vec<Row>,
    /// Numeric columns, in name order within each level.
    pub numeric: Vec<NumericColumn>,
    /// Categorical columns.
    pub categorical: Vec<CategoricalColumn>,
}

/// The error kind of a ground truth that a detection of the wrong class or
/// a loose box claimed (its error is counted on that detection).
pub const WRONG_DETECTION: &str = "wrong_detection";

/// The label of rows without a split or tag.
pub const NONE_LABEL: &str = "(none)";

impl RunTable {
    /// Reads a detection or segmentation run's table from the store.
    pub fn load(store: &Store, run: i64) -> Result<RunTable> {
        let subject = store.run_subject(run)?;
        if !matches!(subject.task.as_str(), "detection" | "segmentation") {
            bail!(
                "run {run} is a {} run; failure analysis by object needs a detection or segmentation run",
                subject.task
            );
        }
        let objects: Vec<RunObject> = store.run_objects(run)?.into_iter().filter(keep).collect();
        if objects.is_empty() {
            bail!("run {run} stored no object outcomes to analyse");
        }
        let mut classes = Codes::default();
        let rows: Vec<Row> = objects
            .iter()
            .map(|o| Row {
                sample: o.sample,
                prediction: o.prediction,
                object_id: o.object_id,
                class: classes.code(&o.category),
                iou: if o.outcome == "tp" { o.iou } else { 0.0 },
                score: o.score,
                error: o.outcome != "tp",
                error_kind: o
                    .error
                    .clone()
                    .or_else(|| (o.outcome == "fn").then(|| "missed".to_string())),
            })
            .collect();
        let numeric = measurements(store, &subject.dataset, &objects)?;
        let categorical = vec![
            CategoricalColumn {
                name: "class".into(),
                labels: classes.labels.clone(),
                codes: rows.iter().map(|r| r.class).collect(),
            },
            categorical("split", objects.iter().map(|o| o.split.clone())),
            tag_column(store, &subject.dataset, &objects)?,
        ];
        Ok(RunTable {
            run,
            subject,
            classes: classes.labels,
            rows,
            numeric,
            categorical,
        })
    }

    /// The numeric column named `name`.
    pub fn numeric(&self, name: &str) -> Result<&NumericColumn> {
        match self.numeric.iter().find(|c| c.name == name) {
            Some(c) => Ok(c),
            None => bail!(
                "run {} has no metric {name:?}; it has: {}",
                self.run,
                self.numeric
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// The data's measurements of `objects` (of `dataset`), one value per
/// object: image metrics (by name), object metrics (`object_<name>`, on
/// ground truths) and box geometry (`box_*`).
pub fn measurements(
    store: &Store,
    dataset: &str,
    objects: &[RunObject],
) -> Result<Vec<NumericColumn>> {
    let mut numeric = image_columns(store, dataset, objects)?;
    numeric.extend(object_columns(store, dataset, objects)?);
    numeric.extend(box_columns(objects));
    Ok(numeric)
}

/// Ground truths and unmatched predictions; a matched prediction is the
/// same event as its ground truth, and ignored objects are not counted.
fn keep(o: &RunObject) -> bool {
    match o.outcome.as_str() {
        "fn" => true,
        "tp" => !o.prediction,
        "fp" => o.prediction,
        _ => false,
    }
}

/// Labels numbered in the order first seen.
#[derive(Default)]
struct Codes {
    labels: Vec<String>,
    index: HashMap<String, u32>,
}

impl Codes {
    fn code(&mut self, label: &str) -> u32 {
        if let Some(&c) = self.index.get(label) {
            return c;
        }
        let c = self.labels.len() as u32;
        self.labels.push(label.to_string());
        self.index.insert(label.to_string(), c);
        c
    }
}

fn categorical(name: &str, values: impl Iterator<Item = Option<String>>) -> CategoricalColumn {
    let mut codes = Codes::default();
    let rows = values
        .map(|v| codes.code(v.as_deref().unwrap_or(NONE_LABEL)))
        .collect();
    CategoricalColumn {
        name: name.into(),
        labels: codes.labels,
        codes: rows,
    }
}

/// Image metrics by row: each object gets its image's value.
fn image_columns(
    store: &Store,
    dataset: &str,
    objects: &[RunObject],
) -> Result<Vec<NumericColumn>> {
    let mut by_name: BTreeMap<String, HashMap<i64, f64>> = BTreeMap::new();
    for (sample, name, value) in store.sample_metric_values(dataset)? {
        by_name.entry(name).or_default().insert(sample, value);
    }
    Ok(by_name
        .into_iter()
        .map(|(name, values)| NumericColumn {
            level: match MODEL_METRICS.contains(&name.as_str()) {
                true => Level::Model,
                false => Level::Image,
            },
            name,
            values: objects
                .iter()
                .map(|o| values.get(&o.sample).copied().unwrap_or(f64::NAN))
                .collect(),
        })
        .collect())
}

/// Object metrics by row (ground truths only).
fn object_columns(
    store: &Store,
    dataset: &str,
    objects: &[RunObject],
) -> Result<Vec<NumericColumn>> {
    // Custom object metrics that read a run's outcomes describe the model.
    let of_runs: Vec<String> = store
        .custom_metrics(dataset)?
        .into_iter()
        .filter(|m| m.run.is_some())
        .map(|m| m.name)
        .collect();
    let mut by_name: BTreeMap<String, HashMap<(i64, i64), f64>> = BTreeMap::new();
    for (sample, object, name, value) in store.annotation_metric_values(dataset)? {
        by_name
            .entry(name)
            .or_default()
            .insert((sample, object), value);
    }
    Ok(by_name
        .into_iter()
        .map(|(name, values)| NumericColumn {
            level: match MODEL_METRICS.contains(&name.as_str()) || of_runs.contains(&name) {
                true => Level::Model,
                false => Level::Object,
            },
            name: format!("object_{name}"),
            values: objects
                .iter()
                .map(|o| match o.prediction {
                    true => f64::NAN,
                    false => values
                        .get(&(o.sample, o.object_id))
                        .copied()
                        .unwrap_or(f64::NAN),
                })
                .collect(),
        })
        .collect())
}

/// Box area, aspect ratio (width over height) and share of the image.
fn box_columns(objects: &[RunObject]) -> Vec<NumericColumn> {
    let column = |name: &str, f: &dyn Fn(&RunObject) -> Option<f64>| NumericColumn {
        name: name.into(),
        level: Level::Box,
        values: objects.iter().map(|o| f(o).unwrap_or(f64::NAN)).collect(),
    };
    vec![
        column("box_area", &|o| o.size.map(|(w, h)| w * h)),
        column("box_aspect_ratio", &|o| {
            o.size.filter(|&(_, h)| h > 0.0).map(|(w, h)| w / h)
        }),
        column("box_relative_area", &|o| {
            let (w, h) = o.size?;
            let (iw, ih) = o.image_size.filter(|&(iw, ih)| iw > 0 && ih > 0)?;
            Some(w * h / (iw as f64 * ih as f64))
        }),
    ]
}

/// The image's tags, joined (`(none)` without tags).
fn tag_column(store: &Store, dataset: &str, objects: &[RunObject]) -> Result<CategoricalColumn> {
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for (sample, tag) in store.sample_tags(dataset)? {
        tags.entry(sample).or_default().push(tag);
    }
    Ok(categorical(
        "tag",
        objects
            .iter()
            .map(|o| tags.get(&o.sample).map(|t| t.join("+"))),
    ))
}
