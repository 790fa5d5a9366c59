//! Reads of one run's stored tables and of sample locations, for reports:
//! everything a run recorded (parameters, summary, per-class metrics,
//! curves) with class names, and where a sample's file is.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::{Result, Store, StoreError};

/// Everything one run stored besides its outcomes.
#[derive(Debug, Clone, Serialize)]
pub struct RunTables {
    /// Its parameters.
    pub params: serde_json::Value,
    /// Its stored summary (`Null` when unreadable).
    pub summary: serde_json::Value,
    /// Per-class metrics in stored order.
    pub class_metrics: Vec<ClassMetric>,
    /// Precision-recall curves, with class names.
    pub curves: Vec<NamedCurve>,
}

/// One per-class metric of a run.
#[derive(Debug, Clone, Serialize)]
pub struct ClassMetric {
    /// The class's id in the dataset (source id).
    pub category_id: i64,
    /// Class name.
    pub class: String,
    /// Metric name (`ap`, `ap50`, `tp`, ...).
    pub name: String,
    /// Its value (NaN when stored as unmeasurable).
    pub value: f64,
}

/// A precision-recall curve with its class name.
#[derive(Debug, Clone, Serialize)]
pub struct NamedCurve {
    /// The class name, or `None` for the mean over classes.
    pub class: Option<String>,
    /// The curve (category id as in the dataset's files).
    #[serde(flatten)]
    pub curve: crate::Curve,
}

impl Store {
    /// The parameters, summary, per-class metrics and curves of a run.
    pub fn run_tables(&self, run_id: i64) -> Result<RunTables> {
        let (params, summary): (String, String) = self
            .conn
            .query_row(
                "SELECT params, summary FROM runs WHERE id = ?1",
                [run_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no run with id {run_id}")))?;
        let parse = |s: &str| serde_json::from_str(s).unwrap_or(serde_json::Value::Null);
        Ok(RunTables {
            params: parse(&params),
            summary: parse(&summary),
            class_metrics: self.class_metrics_of(run_id)?,
            curves: self.curves_of(run_id)?,
        })
    }

    fn class_metrics_of(&self, run_id: i64) -> Result<Vec<ClassMetric>> {
        let mut stmt = self.conn.prepare(
            "SELECT c.source_id, c.name, m.name, m.value FROM run_class_metrics m
             JOIN categories c ON c.id = m.category_id WHERE m.run_id = ?1 ORDER BY m.rowid",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok(ClassMetric {
                category_id: r.get(0)?,
                class: r.get(1)?,
                name: r.get(2)?,
                value: r.get::<_, Option<f64>>(3)?.unwrap_or(f64::NAN),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn curves_of(&self, run_id: i64) -> Result<Vec<NamedCurve>> {
        let mut stmt = self.conn.prepare(
            "SELECT c.source_id, c.name, k.iou, k.recall, k.precision, k.scores FROM run_curves k
             LEFT JOIN categories c ON c.id = k.category_id WHERE k.run_id = ?1 ORDER BY k.rowid",
        )?;
        let list = |s: String| serde_json::from_str::<Vec<f64>>(&s).unwrap_or_default();
        let rows = stmt.query_map([run_id], |r| {
            Ok(NamedCurve {
                class: r.get(1)?,
                curve: crate::Curve {
                    category_id: r.get(0)?,
                    iou: r.get(2)?,
                    recall: list(r.get(3)?),
                    precision: list(r.get(4)?),
                    scores: list(r.get(5)?),
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The classes of a dataset: (id in the dataset's files, name), by id.
    pub fn category_names(&self, dataset: &str) -> Result<Vec<(i64, String)>> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut stmt = self.conn.prepare(
            "SELECT source_id, name FROM categories WHERE dataset_id = ?1 ORDER BY source_id",
        )?;
        let rows = stmt.query_map([dataset_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The stored path of a dataset's sample by file name: `None` when the
    /// sample has no file or does not exist.
    pub fn sample_path(&self, dataset: &str, file_name: &str) -> Result<Option<String>> {
        let dataset_id = self.dataset_id(dataset)?;
        let path = self
            .conn
            .query_row(
                "SELECT path FROM samples WHERE dataset_id = ?1 AND file_name = ?2",
                params![dataset_id, file_name],
                |r| r.get::<_, Option<crate::paths::StoredPath>>(0),
            )
            .optional()?;
        Ok(path.flatten().map(|p| p.0.to_string_lossy().into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_run_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::init(dir.path()).unwrap();
        let err = store.run_tables(42).unwrap_err().to_string();
        assert!(err.contains("no run with id 42"), "{err}");
    }
}
