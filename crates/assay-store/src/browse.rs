//! Reads for browsing a project in the web UI: whole columns of a dataset
//! at once (for the explorer's in-memory index), one sample with
//! everything known about it, one run with its tables, and sample tags.
//! Sample ids here are the store's row ids.

use std::collections::HashMap;

use assay_core::model::Annotation;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::read::annotation;
use crate::{Result, Store, StoreError};

/// One sample of a dataset, as the explorer lists it.
#[derive(Debug, Clone, Serialize)]
pub struct SampleRow {
    /// Row id.
    pub id: i64,
    /// The dataset's own image id.
    pub source_id: i64,
    /// File name as imported.
    pub file_name: String,
    /// Split, when the import gave one.
    pub split: Option<String>,
    /// Width in pixels, when known.
    pub width: Option<u32>,
    /// Height in pixels, when known.
    pub height: Option<u32>,
    /// Whether a file was found for it.
    pub has_file: bool,
    /// Prompt, for generated images.
    pub prompt: Option<String>,
    /// Generator, for generated images.
    pub generator: Option<String>,
    /// Seed, for generated images.
    pub seed: Option<i64>,
}

/// One run as listed, with its stored tables.
#[derive(Debug, Clone, Serialize)]
pub struct RunDetail {
    /// The run as listed.
    #[serde(flatten)]
    pub info: crate::RunInfo,
    /// Its parameters, summary, per-class metrics and curves.
    #[serde(flatten)]
    pub tables: crate::RunTables,
}

/// A ground truth or prediction of one sample, with its class name.
#[derive(Debug, Clone)]
pub struct SampleObject {
    /// The model, for predictions.
    pub model: Option<String>,
    /// Class name.
    pub category: String,
    /// The object (ids are the dataset's own).
    pub annotation: Annotation,
}

/// A ground truth or prediction to draw on a thumbnail.
#[derive(Debug, Clone, Serialize)]
pub struct DrawnObject {
    /// `ground_truth` or `prediction`.
    pub side: &'static str,
    /// Class name.
    pub category: String,
    /// Box `[x, y, w, h]`.
    pub bbox: Option<[f64; 4]>,
    /// Polygons, when the segmentation is one (masks are left out).
    pub polygons: Option<Vec<Vec<f64>>>,
    /// Score of a prediction.
    pub score: Option<f64>,
    /// Outcome in the run asked for.
    pub outcome: Option<String>,
}

/// An object of a run with its outcome and size.
#[derive(Debug, Clone)]
pub struct ObjectArea {
    /// A prediction (else a ground truth).
    pub prediction: bool,
    /// `tp`, `fp`, `fn`, `ignored`.
    pub outcome: String,
    /// The sample (row id).
    pub sample_id: i64,
    /// The area as stored, else the box's.
    pub area: Option<f64>,
}

/// An object outcome of one sample in one run.
#[derive(Debug, Clone, Serialize)]
pub struct SampleOutcome {
    /// The run.
    pub run_id: i64,
    /// `prediction` or `ground_truth`.
    pub side: String,
    /// Annotation or prediction id (the source's).
    pub object_id: i64,
    /// Class name.
    pub category: String,
    /// `tp`, `fp`, `fn`, `ignored`.
    pub outcome: String,
    /// IoU with the match (or the best in its class).
    pub iou: f64,
    /// Score.
    pub score: Option<f64>,
    /// Error kind.
    pub error: Option<String>,
}

impl Store {
    /// Every sample of a dataset, by row id.
    pub fn sample_rows(&self, dataset: &str) -> Result<Vec<SampleRow>> {
        let dataset_id = self.dataset_id(dataset)?;
        self.sample_rows_where("s.dataset_id = ?1 ORDER BY s.id", dataset_id)
    }

    /// Samples matching `condition` on `samples s` with `?1` bound to `value`.
    fn sample_rows_where(&self, condition: &str, value: i64) -> Result<Vec<SampleRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT s.id, s.source_id, s.file_name, s.split, s.width, s.height, s.path IS NOT NULL,
                    g.prompt, g.model, g.seed
             FROM samples s LEFT JOIN generations g ON g.sample_id = s.id
             WHERE {condition}"
        ))?;
        let rows = stmt.query_map([value], |r| {
            Ok(SampleRow {
                id: r.get(0)?,
                source_id: r.get(1)?,
                file_name: r.get(2)?,
                split: r.get(3)?,
                width: r.get(4)?,
                height: r.get(5)?,
                has_file: r.get(6)?,
                prompt: r.get(7)?,
                generator: r.get(8)?,
                seed: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The classes of a dataset: (row id, name), in source-id order.
    pub fn class_names(&self, dataset: &str) -> Result<Vec<(i64, String)>> {
        let dataset_id = self.dataset_id(dataset)?;
        self.rows_of(
            "SELECT id, name FROM categories WHERE dataset_id = ?1 ORDER BY source_id",
            dataset_id,
        )
    }

    /// Every object of a run with its size.
    pub fn run_object_areas(&self, run_id: i64) -> Result<Vec<ObjectArea>> {
        let mut stmt = self.conn.prepare(
            "SELECT o.side = 'prediction', o.outcome, o.sample_id,
                    CASE WHEN o.side = 'prediction' THEN COALESCE(p.area, p.w * p.h)
                         ELSE COALESCE(a.area, a.w * a.h) END
             FROM run_outcomes o JOIN runs r ON r.id = o.run_id
             LEFT JOIN annotations a ON o.side = 'ground_truth' AND a.sample_id = o.sample_id
                  AND a.source_id = o.object_id
             LEFT JOIN predictions p ON o.side = 'prediction' AND p.sample_id = o.sample_id
                  AND p.source_id = o.object_id AND p.model_id = r.model_id
             WHERE o.run_id = ?1",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok(ObjectArea {
                prediction: r.get(0)?,
                outcome: r.get(1)?,
                sample_id: r.get(2)?,
                area: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// (sample, category row) for every class present in a sample's ground truth.
    pub fn sample_classes(&self, dataset: &str) -> Result<Vec<(i64, i64)>> {
        let dataset_id = self.dataset_id(dataset)?;
        self.rows_of(
            "SELECT DISTINCT a.sample_id, a.category_id FROM annotations a
             JOIN samples s ON s.id = a.sample_id WHERE s.dataset_id = ?1",
            dataset_id,
        )
    }

    /// Every measured sample metric of a dataset: (sample, name, value).
    pub fn sample_metric_values(&self, dataset: &str) -> Result<Vec<(i64, String, f64)>> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut stmt = self.conn.prepare(
            "SELECT m.sample_id, m.name, m.value FROM sample_metrics m
             JOIN samples s ON s.id = m.sample_id
             WHERE s.dataset_id = ?1 AND m.value IS NOT NULL",
        )?;
        let rows = stmt.query_map([dataset_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// (sample, issue type) for every type of issue a sample or one of its
    /// objects has.
    pub fn sample_issue_kinds(&self, dataset: &str) -> Result<Vec<(i64, String)>> {
        let dataset_id = self.dataset_id(dataset)?;
        self.rows_of(
            "SELECT DISTINCT sample_id, kind FROM issues WHERE dataset_id = ?1",
            dataset_id,
        )
    }

    /// (sample, tag) for every tag of a dataset's samples.
    pub fn sample_tags(&self, dataset: &str) -> Result<Vec<(i64, String)>> {
        let dataset_id = self.dataset_id(dataset)?;
        self.rows_of(
            "SELECT t.sample_id, t.tag FROM tags t JOIN samples s ON s.id = t.sample_id
             WHERE s.dataset_id = ?1 ORDER BY t.sample_id, t.tag",
            dataset_id,
        )
    }

    /// (sample, model) for every model with predictions on a sample.
    pub fn sample_models(&self, dataset: &str) -> Result<Vec<(i64, String)>> {
        let dataset_id = self.dataset_id(dataset)?;
        self.rows_of(
            "SELECT DISTINCT p.sample_id, m.name FROM predictions p
             JOIN models m ON m.id = p.model_id JOIN samples s ON s.id = p.sample_id
             WHERE s.dataset_id = ?1",
            dataset_id,
        )
    }

    /// True positives, false positives and false negatives per sample of a run.
    pub fn run_sample_counts(&self, run_id: i64) -> Result<Vec<(i64, [u32; 3])>> {
        let mut stmt = self.conn.prepare(
            "SELECT sample_id, SUM(outcome = 'tp' AND side = 'prediction'),
                    SUM(outcome = 'fp'), SUM(outcome = 'fn')
             FROM run_outcomes WHERE run_id = ?1 GROUP BY sample_id",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?]))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The samples with an object in cell (row, col) of a run's confusion
    /// matrix.
    pub fn confusion_samples(&self, run_id: i64, row: usize, col: usize) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT sample_id FROM run_confusion WHERE run_id = ?1 AND row = ?2 AND col = ?3
             ORDER BY sample_id",
        )?;
        let rows = stmt.query_map(params![run_id, row as i64, col as i64], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds `tag` to (or with `remove`, takes it from) the samples; returns
    /// how many changed. Unknown sample ids are an error and change nothing.
    pub fn set_tag(&mut self, samples: &[i64], tag: &str, remove: bool) -> Result<usize> {
        let tx = self.write()?;
        let mut changed = 0;
        {
            let mut exists = tx.prepare("SELECT 1 FROM samples WHERE id = ?1")?;
            let sql = if remove {
                "DELETE FROM tags WHERE sample_id = ?1 AND tag = ?2"
            } else {
                "INSERT OR IGNORE INTO tags (sample_id, tag) VALUES (?1, ?2)"
            };
            let mut stmt = tx.prepare(sql)?;
            for &id in samples {
                if !exists.exists([id])? {
                    return Err(StoreError::NotFound(format!("no sample with id {id}")));
                }
                changed += stmt.execute(params![id, tag])?;
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// The dataset and the recorded file path of a sample.
    pub fn sample_location(&self, id: i64) -> Result<Option<(String, Option<std::path::PathBuf>)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT d.name, s.path FROM samples s JOIN datasets d ON d.id = s.dataset_id
                 WHERE s.id = ?1",
                [id],
                |r| {
                    let path: Option<crate::paths::StoredPath> = r.get(1)?;
                    Ok((r.get(0)?, path.map(|p| p.0)))
                },
            )
            .optional()?)
    }

    /// One sample's row.
    pub fn sample_row(&self, id: i64) -> Result<SampleRow> {
        self.sample_rows_where("s.id = ?1", id)?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("no sample with id {id}")))
    }

    /// A sample's metrics, then its text properties.
    pub fn sample_measurements(&self, id: i64) -> Result<(crate::Metrics, crate::Properties)> {
        let metrics = self.named(
            "SELECT name, value FROM sample_metrics WHERE sample_id = ?1 AND value IS NOT NULL ORDER BY name",
            id,
        )?;
        let properties = self.named(
            "SELECT name, value FROM sample_properties WHERE sample_id = ?1 ORDER BY name",
            id,
        )?;
        Ok((metrics, properties))
    }

    /// Metrics of a sample's objects: annotation id -> [(name, value)].
    pub fn object_metrics(&self, id: i64) -> Result<HashMap<i64, Vec<(String, f64)>>> {
        let mut stmt = self.conn.prepare(
            "SELECT annotation_source_id, name, value FROM annotation_metrics
             WHERE sample_id = ?1 AND value IS NOT NULL ORDER BY annotation_source_id, name",
        )?;
        let mut out: HashMap<i64, Vec<(String, f64)>> = HashMap::new();
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            out.entry(r.get(0)?)
                .or_default()
                .push((r.get(1)?, r.get(2)?));
        }
        Ok(out)
    }

    /// A sample's issues.
    pub fn sample_issues(&self, id: i64) -> Result<Vec<crate::IssueRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT annotation_source_id, kind, score, explanation, group_key FROM issues
             WHERE sample_id = ?1 ORDER BY score, kind",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(crate::IssueRow {
                sample_id: id,
                annotation_id: r.get(0)?,
                kind: r.get(1)?,
                score: r.get(2)?,
                explanation: r.get(3)?,
                group: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A sample's tags.
    pub fn tags_of(&self, id: i64) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT tag FROM tags WHERE sample_id = ?1 ORDER BY tag")?;
        let rows = stmt.query_map([id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A sample's ground truth, then the predictions of every model on it.
    pub fn sample_objects(&self, id: i64) -> Result<(Vec<SampleObject>, Vec<SampleObject>)> {
        let gt = self.objects(
            "SELECT a.source_id, a.category_id, a.x, a.y, a.w, a.h, a.segmentation, a.keypoints, a.area,
                    c.name, NULL, a.iscrowd
             FROM annotations a JOIN categories c ON c.id = a.category_id
             WHERE a.sample_id = ?1 ORDER BY a.source_id",
            id,
        )?;
        let predictions = self.objects(
            "SELECT p.source_id, p.category_id, p.x, p.y, p.w, p.h, p.segmentation, p.keypoints, p.area,
                    c.name, m.name, p.score
             FROM predictions p JOIN categories c ON c.id = p.category_id JOIN models m ON m.id = p.model_id
             WHERE p.sample_id = ?1 ORDER BY m.name, p.score DESC, p.source_id",
            id,
        )?;
        Ok((gt, predictions))
    }

    /// The objects of each sample (row ids) to draw: ground truth, the
    /// predictions of `model`, and their outcomes in `run`.
    pub fn drawn_objects(
        &self,
        samples: &[i64],
        model: Option<&str>,
        run: Option<i64>,
    ) -> Result<HashMap<i64, Vec<DrawnObject>>> {
        let mut gt = self.conn.prepare(
            "SELECT a.source_id, c.name, a.x, a.y, a.w, a.h, a.segmentation, NULL
             FROM annotations a JOIN categories c ON c.id = a.category_id
             WHERE a.sample_id = ?1 ORDER BY a.source_id",
        )?;
        let mut predicted = self.conn.prepare(
            "SELECT p.source_id, c.name, p.x, p.y, p.w, p.h, p.segmentation, p.score
             FROM predictions p JOIN categories c ON c.id = p.category_id JOIN models m ON m.id = p.model_id
             WHERE p.sample_id = ?1 AND m.name = ?2 ORDER BY p.score DESC, p.source_id",
        )?;
        let mut outcomes = self.conn.prepare(
            "SELECT side, object_id, outcome FROM run_outcomes WHERE run_id = ?1 AND sample_id = ?2",
        )?;
        let mut out = HashMap::new();
        for &sample in samples {
            let mut of: HashMap<(bool, i64), String> = HashMap::new();
            if let Some(run) = run {
                let mut rows = outcomes.query(params![run, sample])?;
                while let Some(r) = rows.next()? {
                    let side: String = r.get(0)?;
                    of.insert((side == "prediction", r.get(1)?), r.get(2)?);
                }
            }
            let mut objects = drawn(&mut gt, params![sample], "ground_truth", &of)?;
            if let Some(model) = model {
                objects.extend(drawn(
                    &mut predicted,
                    params![sample, model],
                    "prediction",
                    &of,
                )?);
            }
            out.insert(sample, objects);
        }
        Ok(out)
    }

    /// Every outcome of a sample's objects, over all runs.
    pub fn sample_outcomes(&self, id: i64) -> Result<Vec<SampleOutcome>> {
        let mut stmt = self.conn.prepare(
            "SELECT o.run_id, o.side, o.object_id, c.name, o.outcome, o.iou, o.score, o.error
             FROM run_outcomes o JOIN categories c ON c.id = o.category_id
             WHERE o.sample_id = ?1 ORDER BY o.run_id DESC, o.side, o.object_id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(SampleOutcome {
                run_id: r.get(0)?,
                side: r.get(1)?,
                object_id: r.get(2)?,
                category: r.get(3)?,
                outcome: r.get(4)?,
                iou: r.get(5)?,
                score: r.get(6)?,
                error: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A run with its parameters, summary, per-class metrics and curves.
    pub fn run_detail(&self, run_id: i64) -> Result<RunDetail> {
        let info = self
            .runs(None)?
            .into_iter()
            .find(|r| r.id == run_id)
            .ok_or_else(|| StoreError::NotFound(format!("no run with id {run_id}")))?;
        Ok(RunDetail {
            info,
            tables: self.run_tables(run_id)?,
        })
    }

    fn objects(&self, sql: &str, id: i64) -> Result<Vec<SampleObject>> {
        let mut stmt = self.conn.prepare(sql)?;
        let none = HashMap::new();
        let rows = stmt.query_map([id], |r| {
            let (mut a, _) = annotation(r, id, &none)?;
            let model: Option<String> = r.get(10)?;
            if model.is_some() {
                a.score = r.get(11)?;
            } else {
                a.iscrowd = r.get(11)?;
            }
            Ok(SampleObject {
                model,
                category: r.get(9)?,
                annotation: a,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(crate) fn rows_of<A, B>(&self, sql: &str, id: i64) -> Result<Vec<(A, B)>>
    where
        A: rusqlite::types::FromSql,
        B: rusqlite::types::FromSql,
    {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn named<T: rusqlite::types::FromSql>(&self, sql: &str, id: i64) -> Result<Vec<(String, T)>> {
        self.rows_of(sql, id)
    }
}

/// Reads drawable objects from rows laid out as `source_id, class, x, y,
/// w, h, segmentation, score`.
fn drawn(
    stmt: &mut rusqlite::Statement,
    args: impl rusqlite::Params,
    side: &'static str,
    outcomes: &HashMap<(bool, i64), String>,
) -> Result<Vec<DrawnObject>> {
    let prediction = side == "prediction";
    let mut rows = stmt.query(args)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let coords: [Option<f64>; 4] = [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?];
        let bbox = match coords {
            [Some(x), Some(y), Some(w), Some(h)] => Some([x, y, w, h]),
            _ => None,
        };
        let segmentation: Option<String> = r.get(6)?;
        let polygons = segmentation.and_then(|text| {
            match serde_json::from_str::<assay_core::model::Segmentation>(&text).ok()? {
                assay_core::model::Segmentation::Polygons(p) => Some(p),
                assay_core::model::Segmentation::Rle { .. } => None,
            }
        });
        out.push(DrawnObject {
            side,
            category: r.get(1)?,
            bbox,
            polygons,
            score: r.get(7)?,
            outcome: outcomes.get(&(prediction, r.get(0)?)).cloned(),
        });
    }
    Ok(out)
}
