//! Evaluation runs: what was evaluated, with which parameters, and every
//! number it produced, kept side by side so runs can be compared.

use rusqlite::params;
use serde::Serialize;

use crate::{Result, Store, StoreError};

/// A run to record. Sample and category ids are the dataset's own (source)
/// ids, as in the dataset's files.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// The dataset evaluated.
    pub dataset: String,
    /// The model whose predictions were evaluated.
    pub model: String,
    /// `detection`, `segmentation`, `keypoints`, ...
    pub task: String,
    /// Parameters, as JSON.
    pub params: serde_json::Value,
    /// Everything else worth showing (summary lines, confusion matrix,
    /// error breakdown), as JSON.
    pub summary: serde_json::Value,
    /// A hash of the inputs (ground truth, predictions, parameters).
    pub inputs_hash: String,
    /// Headline metrics by name.
    pub metrics: Vec<(String, f64)>,
    /// Per-class metrics: (category id, name, value).
    pub class_metrics: Vec<(i64, String, f64)>,
    /// Precision-recall curves.
    pub curves: Vec<Curve>,
    /// Per-object outcomes.
    pub outcomes: Vec<ObjectOutcome>,
    /// Where each object landed in the confusion matrix: (image id, row,
    /// column), one entry per object; empty for tasks without one.
    pub confusion_objects: Vec<(i64, usize, usize)>,
}

/// One precision-recall curve of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Curve {
    /// The category, or `None` for the mean over categories.
    pub category_id: Option<i64>,
    /// IoU threshold.
    pub iou: f64,
    /// Recall values.
    pub recall: Vec<f64>,
    /// Interpolated precision at each recall value.
    pub precision: Vec<f64>,
    /// Score at which each precision is reached.
    pub scores: Vec<f64>,
}

/// The outcome of one prediction or ground truth in a run.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectOutcome {
    /// The image (dataset id).
    pub sample_id: i64,
    /// True for a prediction, false for a ground truth.
    pub prediction: bool,
    /// The object's id (annotation or prediction id in its source).
    pub object_id: i64,
    /// Its class (dataset id).
    pub category_id: i64,
    /// `tp`, `fp`, `fn` or `ignored`.
    pub outcome: String,
    /// The id of the object on the other side it matched.
    pub matched_id: Option<i64>,
    /// IoU with the match, or the best IoU within its class.
    pub iou: f64,
    /// Score (of the prediction, or of the one that found the ground truth).
    pub score: Option<f64>,
    /// Error kind (`classification`, `localization`, ...), if any.
    pub error: Option<String>,
    /// Bit t set when a true positive at the t-th IoU threshold of the sweep.
    pub tp_sweep: u64,
}

/// A recorded run, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// The run's id.
    pub id: i64,
    /// Dataset name.
    pub dataset: String,
    /// Model name.
    pub model: String,
    /// Task.
    pub task: String,
    /// When it was recorded (UTC, ISO 8601).
    pub created_at: String,
    /// Hash of its inputs.
    pub inputs_hash: String,
    /// Headline metrics.
    pub metrics: Vec<(String, f64)>,
}

impl Store {
    /// Records a run in one transaction and returns its id, adding the model
    /// when it is new. A run is never replaced: running again adds a new one.
    pub fn record_run(&mut self, run: &NewRun) -> Result<i64> {
        let dataset_id = self.dataset_id(&run.dataset)?;
        let tx = self.write()?;
        // A generator evaluated from its images has no predictions, so its
        // model row may not exist yet.
        let model_id = crate::import::get_or_create(&tx, "models", &run.model)?;
        tx.execute(
            "INSERT INTO runs (dataset_id, model_id, task, params, summary, inputs_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                dataset_id,
                model_id,
                run.task,
                run.params.to_string(),
                run.summary.to_string(),
                run.inputs_hash
            ],
        )?;
        let run_id = tx.last_insert_rowid();
        let lookup = |table: &str| -> Result<std::collections::HashMap<i64, i64>> {
            let sql = format!("SELECT source_id, id FROM {table} WHERE dataset_id = ?1");
            let mut stmt = tx.prepare(&sql)?;
            let rows = stmt.query_map([dataset_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        let (samples, categories) = (lookup("samples")?, lookup("categories")?);
        let row = |map: &std::collections::HashMap<i64, i64>, id: i64, what: &str| {
            map.get(&id).copied().ok_or_else(|| {
                StoreError::Conflict(format!("{what} {id} is not in dataset {:?}", run.dataset))
            })
        };
        {
            let mut stmt =
                tx.prepare("INSERT INTO run_metrics (run_id, name, value) VALUES (?1, ?2, ?3)")?;
            for (name, value) in &run.metrics {
                stmt.execute(params![run_id, name, finite(*value)])?;
            }
            let mut stmt = tx.prepare(
                "INSERT INTO run_class_metrics (run_id, category_id, name, value) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (category, name, value) in &run.class_metrics {
                let category = row(&categories, *category, "category")?;
                stmt.execute(params![run_id, category, name, finite(*value)])?;
            }
            let mut stmt = tx.prepare(
                "INSERT INTO run_curves (run_id, category_id, iou, recall, precision, scores)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for c in &run.curves {
                let category = c
                    .category_id
                    .map(|id| row(&categories, id, "category"))
                    .transpose()?;
                stmt.execute(params![
                    run_id,
                    category,
                    c.iou,
                    serde_json::to_string(&c.recall).unwrap_or_default(),
                    serde_json::to_string(&c.precision).unwrap_or_default(),
                    serde_json::to_string(&c.scores).unwrap_or_default()
                ])?;
            }
            let mut stmt = tx.prepare(
                "INSERT INTO run_outcomes (run_id, sample_id, side, object_id, category_id, outcome, matched_id, iou, score, error, tp_sweep)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for o in &run.outcomes {
                stmt.execute(params![
                    run_id,
                    row(&samples, o.sample_id, "image")?,
                    if o.prediction {
                        "prediction"
                    } else {
                        "ground_truth"
                    },
                    o.object_id,
                    row(&categories, o.category_id, "category")?,
                    o.outcome,
                    o.matched_id,
                    o.iou,
                    o.score,
                    o.error,
                    o.tp_sweep as i64
                ])?;
            }
        }
        record_confusion(&tx, run_id, &run.confusion_objects, |id| {
            row(&samples, id, "image")
        })?;
        tx.commit()?;
        Ok(run_id)
    }

    /// Runs, newest first, optionally of one dataset.
    pub fn runs(&self, dataset: Option<&str>) -> Result<Vec<RunInfo>> {
        let mut stmt = self.conn.prepare(
            "SELECT r.id, d.name, m.name, r.task, r.created_at, r.inputs_hash
             FROM runs r JOIN datasets d ON d.id = r.dataset_id JOIN models m ON m.id = r.model_id
             WHERE ?1 IS NULL OR d.name = ?1 ORDER BY r.id DESC",
        )?;
        let rows = stmt.query_map([dataset], |r| {
            Ok(RunInfo {
                id: r.get(0)?,
                dataset: r.get(1)?,
                model: r.get(2)?,
                task: r.get(3)?,
                created_at: r.get(4)?,
                inputs_hash: r.get(5)?,
                metrics: Vec::new(),
            })
        })?;
        let mut runs: Vec<RunInfo> = rows.collect::<rusqlite::Result<_>>()?;
        let mut stmt = self
            .conn
            .prepare("SELECT name, value FROM run_metrics WHERE run_id = ?1 ORDER BY rowid")?;
        for run in &mut runs {
            let rows = stmt.query_map([run.id], |r| {
                Ok((r.get(0)?, r.get::<_, Option<f64>>(1)?.unwrap_or(f64::NAN)))
            })?;
            run.metrics = rows.collect::<rusqlite::Result<_>>()?;
        }
        Ok(runs)
    }

    /// The outcomes stored for a run.
    pub fn run_outcomes(&self, run_id: i64) -> Result<Vec<ObjectOutcome>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.source_id, o.side, o.object_id, c.source_id, o.outcome, o.matched_id, o.iou, o.score, o.error, o.tp_sweep
             FROM run_outcomes o JOIN samples s ON s.id = o.sample_id JOIN categories c ON c.id = o.category_id
             WHERE o.run_id = ?1 ORDER BY o.rowid",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok(ObjectOutcome {
                sample_id: r.get(0)?,
                prediction: r.get::<_, String>(1)? == "prediction",
                object_id: r.get(2)?,
                category_id: r.get(3)?,
                outcome: r.get(4)?,
                matched_id: r.get(5)?,
                iou: r.get(6)?,
                score: r.get(7)?,
                error: r.get(8)?,
                tp_sweep: r.get::<_, i64>(9)? as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Stores how many objects of each image fell in each confusion cell.
fn record_confusion(
    tx: &rusqlite::Transaction,
    run_id: i64,
    objects: &[(i64, usize, usize)],
    sample_row: impl Fn(i64) -> Result<i64>,
) -> Result<()> {
    let mut cells: std::collections::BTreeMap<(usize, usize, i64), i64> = Default::default();
    for &(image, row, col) in objects {
        *cells.entry((row, col, sample_row(image)?)).or_default() += 1;
    }
    let mut stmt = tx.prepare(
        "INSERT INTO run_confusion (run_id, sample_id, row, col, objects) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for ((row, col, sample), n) in cells {
        stmt.execute(params![run_id, sample, row as i64, col as i64, n])?;
    }
    Ok(())
}

/// SQLite has no NaN; an unmeasurable value is stored as NULL.
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}
