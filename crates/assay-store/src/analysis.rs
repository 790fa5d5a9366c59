//! Reads for failure analysis: a run's objects joined with what is known
//! about them (class, split, box size, image size), and the measured
//! metrics of a dataset's samples and objects, keyed by row ids.

use rusqlite::params;

use crate::{Result, Store, StoreError};

/// One object of a run (a ground truth or a prediction), as the analysis
/// reads it.
#[derive(Debug, Clone)]
pub struct RunObject {
    /// The image's row id.
    pub sample: i64,
    /// The image's split.
    pub split: Option<String>,
    /// True for a prediction, false for a ground truth.
    pub prediction: bool,
    /// The object's id in its source (annotation or prediction id).
    pub object_id: i64,
    /// Class name.
    pub category: String,
    /// `tp`, `fp`, `fn` or `ignored` (`gt` for a ground truth read
    /// without a run, [`Store::ground_truth_objects`]).
    pub outcome: String,
    /// IoU with the match, or the best IoU within its class.
    pub iou: f64,
    /// Score of the prediction (or of the one that found the ground truth).
    pub score: Option<f64>,
    /// Error kind, if any.
    pub error: Option<String>,
    /// Bit t set when a true positive at the t-th IoU threshold.
    pub tp_sweep: u64,
    /// Box width and height, when the object has a box.
    pub size: Option<(f64, f64)>,
    /// Image width and height, when known.
    pub image_size: Option<(u32, u32)>,
}

/// The dataset and model a run evaluated, and its task.
#[derive(Debug, Clone)]
pub struct RunSubject {
    /// Dataset name.
    pub dataset: String,
    /// Model name.
    pub model: String,
    /// `detection`, `classification`, ...
    pub task: String,
}

impl Store {
    /// The dataset, model and task of a run.
    pub fn run_subject(&self, run_id: i64) -> Result<RunSubject> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT d.name, m.name, r.task FROM runs r JOIN datasets d ON d.id = r.dataset_id
                 JOIN models m ON m.id = r.model_id WHERE r.id = ?1",
                [run_id],
                |r| {
                    Ok(RunSubject {
                        dataset: r.get(0)?,
                        model: r.get(1)?,
                        task: r.get(2)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no run with id {run_id}")))
    }

    /// Every object of a run with its class, split, box and image size.
    pub fn run_objects(&self, run_id: i64) -> Result<Vec<RunObject>> {
        let mut stmt = self.conn.prepare(
            "SELECT o.sample_id, s.split, o.side = 'prediction', o.object_id, c.name, o.outcome,
                    o.iou, o.score, o.error, o.tp_sweep,
                    CASE WHEN o.side = 'prediction' THEN p.w ELSE a.w END,
                    CASE WHEN o.side = 'prediction' THEN p.h ELSE a.h END,
                    s.width, s.height
             FROM run_outcomes o JOIN runs r ON r.id = o.run_id
             JOIN samples s ON s.id = o.sample_id JOIN categories c ON c.id = o.category_id
             LEFT JOIN annotations a ON o.side = 'ground_truth' AND a.sample_id = o.sample_id
                  AND a.source_id = o.object_id
             LEFT JOIN predictions p ON o.side = 'prediction' AND p.sample_id = o.sample_id
                  AND p.source_id = o.object_id AND p.model_id = r.model_id
             WHERE o.run_id = ?1 ORDER BY o.rowid",
        )?;
        let rows = stmt.query_map(params![run_id], |r| {
            let w: Option<f64> = r.get(10)?;
            let h: Option<f64> = r.get(11)?;
            let iw: Option<u32> = r.get(12)?;
            let ih: Option<u32> = r.get(13)?;
            Ok(RunObject {
                sample: r.get(0)?,
                split: r.get(1)?,
                prediction: r.get(2)?,
                object_id: r.get(3)?,
                category: r.get(4)?,
                outcome: r.get(5)?,
                iou: r.get(6)?,
                score: r.get(7)?,
                error: r.get(8)?,
                tp_sweep: r.get::<_, i64>(9)? as u64,
                size: w.zip(h),
                image_size: iw.zip(ih),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The ground-truth objects of `dataset` as run objects without a run:
    /// outcome `gt`, no IoU or score, in image then annotation order.
    pub fn ground_truth_objects(&self, dataset: &str) -> Result<Vec<RunObject>> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut stmt = self.conn.prepare(
            "SELECT a.sample_id, s.split, a.source_id, c.name, a.w, a.h, s.width, s.height
             FROM annotations a JOIN samples s ON s.id = a.sample_id
             JOIN categories c ON c.id = a.category_id
             WHERE s.dataset_id = ?1 ORDER BY a.sample_id, a.source_id",
        )?;
        let rows = stmt.query_map(params![dataset_id], |r| {
            let w: Option<f64> = r.get(4)?;
            let h: Option<f64> = r.get(5)?;
            let iw: Option<u32> = r.get(6)?;
            let ih: Option<u32> = r.get(7)?;
            Ok(RunObject {
                sample: r.get(0)?,
                split: r.get(1)?,
                prediction: false,
                object_id: r.get(2)?,
                category: r.get(3)?,
                outcome: "gt".into(),
                iou: 0.0,
                score: None,
                error: None,
                tp_sweep: 0,
                size: w.zip(h),
                image_size: iw.zip(ih),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every measured object metric of a dataset: (sample row, annotation
    /// source id, name, value).
    pub fn annotation_metric_values(&self, dataset: &str) -> Result<Vec<(i64, i64, String, f64)>> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut stmt = self.conn.prepare(
            "SELECT m.sample_id, m.annotation_source_id, m.name, m.value FROM annotation_metrics m
             JOIN samples s ON s.id = m.sample_id
             WHERE s.dataset_id = ?1 AND m.value IS NOT NULL",
        )?;
        let rows = stmt.query_map([dataset_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every sample of a dataset with what drift analysis compares, in row
    /// order.
    pub fn sample_facts(&self, dataset: &str) -> Result<Vec<SampleFacts>> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut stmt = self.conn.prepare(
            "SELECT id, source_id, split, file_name, width, height FROM samples
             WHERE dataset_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([dataset_id], |r| {
            let w: Option<u32> = r.get(4)?;
            let h: Option<u32> = r.get(5)?;
            Ok(SampleFacts {
                row: r.get(0)?,
                source_id: r.get(1)?,
                split: r.get(2)?,
                file_name: r.get(3)?,
                size: w.zip(h),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// (sample row, class name) of every ground-truth object of a dataset.
    pub fn object_classes(&self, dataset: &str) -> Result<Vec<(i64, String)>> {
        let dataset_id = self.dataset_id(dataset)?;
        self.rows_of(
            "SELECT a.sample_id, c.name FROM annotations a JOIN categories c ON c.id = a.category_id
             JOIN samples s ON s.id = a.sample_id WHERE s.dataset_id = ?1 ORDER BY a.id",
            dataset_id,
        )
    }
}

/// What drift analysis knows of a sample.
#[derive(Debug, Clone)]
pub struct SampleFacts {
    /// Row id.
    pub row: i64,
    /// The dataset's own image id.
    pub source_id: i64,
    /// Split.
    pub split: Option<String>,
    /// File name.
    pub file_name: String,
    /// Width and height, when known.
    pub size: Option<(u32, u32)>,
}
