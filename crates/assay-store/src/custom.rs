//! The user's own metrics: their definitions (`custom_metrics`) and their
//! values, kept with the built-in ones (image metrics in `sample_metrics`,
//! object metrics in `annotation_metrics`) so every reader finds them.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::{Result, Store, StoreError};

/// What a custom metric describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricLevel {
    /// An image (a value per sample).
    Image,
    /// A ground-truth object (a value per annotation).
    Object,
}

impl MetricLevel {
    /// Its name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricLevel::Image => "image",
            MetricLevel::Object => "object",
        }
    }

    fn parse(s: &str) -> MetricLevel {
        match s {
            "object" => MetricLevel::Object,
            _ => MetricLevel::Image,
        }
    }

    /// The table holding its values.
    fn table(self) -> &'static str {
        match self {
            MetricLevel::Image => "sample_metrics",
            MetricLevel::Object => "annotation_metrics",
        }
    }
}

/// A metric the user defined: imported from a CSV file, computed from an
/// expression over stored metrics, or returned by a program.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomMetric {
    /// Its name (an image or object metric name of the dataset).
    pub name: String,
    /// Images or objects.
    pub level: MetricLevel,
    /// Where it comes from: `csv`, `expression` or `command`.
    pub source: String,
    /// The file, the expression or the command.
    pub definition: String,
    /// The run whose outcomes an object expression read, if it did.
    pub run: Option<i64>,
    /// Images (image metrics) or objects (object metrics) with a value.
    pub count: usize,
}

impl Store {
    /// Stores a custom image metric of `dataset`: its definition and one
    /// value per image (by the dataset's own image id), replacing its
    /// earlier values, in one transaction. A name that a built-in metric of
    /// the dataset already uses is refused.
    pub fn replace_custom_metric(
        &mut self,
        dataset: &str,
        metric: &CustomMetric,
        values: &[(i64, f64)],
    ) -> Result<()> {
        let dataset_id = self.dataset_id(dataset)?;
        let tx = self.write()?;
        define(&tx, dataset_id, dataset, metric)?;
        {
            let mut row =
                tx.prepare("SELECT id FROM samples WHERE dataset_id = ?1 AND source_id = ?2")?;
            let mut insert = tx.prepare(
                "INSERT INTO sample_metrics (sample_id, name, value) VALUES (?1, ?2, ?3)",
            )?;
            for (image, value) in values {
                let sample: i64 = row.query_row(params![dataset_id, image], |r| r.get(0))?;
                insert.execute(params![
                    sample,
                    metric.name,
                    value.is_finite().then_some(*value)
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores a custom object metric of `dataset`: its definition and one
    /// value per ground-truth object, given as (sample row id, annotation
    /// id in its source, value), replacing its earlier values, in one
    /// transaction. A name that a built-in object metric already uses is
    /// refused.
    pub fn replace_custom_object_metric(
        &mut self,
        dataset: &str,
        metric: &CustomMetric,
        values: &[(i64, i64, f64)],
    ) -> Result<()> {
        let dataset_id = self.dataset_id(dataset)?;
        let tx = self.write()?;
        define(&tx, dataset_id, dataset, metric)?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO annotation_metrics (sample_id, annotation_source_id, name, value)
                 SELECT ?1, ?2, ?3, ?4 WHERE EXISTS
                   (SELECT 1 FROM samples WHERE id = ?1 AND dataset_id = ?5)",
            )?;
            for (sample, annotation, value) in values {
                insert.execute(params![
                    sample,
                    annotation,
                    metric.name,
                    value.is_finite().then_some(*value),
                    dataset_id
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The custom metrics of `dataset`, by name, with how many images or
    /// objects have a value.
    pub fn custom_metrics(&self, dataset: &str) -> Result<Vec<CustomMetric>> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut stmt = self.conn.prepare(
            "SELECT c.name, c.level, c.source, c.definition, c.run_id,
                    CASE c.level WHEN 'object' THEN
                      (SELECT COUNT(*) FROM annotation_metrics m JOIN samples s ON s.id = m.sample_id
                       WHERE s.dataset_id = c.dataset_id AND m.name = c.name AND m.value IS NOT NULL)
                    ELSE
                      (SELECT COUNT(*) FROM sample_metrics m JOIN samples s ON s.id = m.sample_id
                       WHERE s.dataset_id = c.dataset_id AND m.name = c.name AND m.value IS NOT NULL)
                    END
             FROM custom_metrics c WHERE c.dataset_id = ?1 ORDER BY c.name",
        )?;
        let rows = stmt.query_map([dataset_id], |r| {
            Ok(CustomMetric {
                name: r.get(0)?,
                level: MetricLevel::parse(&r.get::<_, String>(1)?),
                source: r.get(2)?,
                definition: r.get(3)?,
                run: r.get(4)?,
                count: r.get::<_, i64>(5)? as usize,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Records `metric`'s definition and removes its earlier values (at
/// either level), after refusing a name a built-in metric of its level
/// uses.
fn define(tx: &Transaction, dataset_id: i64, dataset: &str, metric: &CustomMetric) -> Result<()> {
    let earlier: Option<String> = tx
        .query_row(
            "SELECT level FROM custom_metrics WHERE dataset_id = ?1 AND name = ?2",
            params![dataset_id, metric.name],
            |r| r.get(0),
        )
        .optional()?;
    let table = metric.level.table();
    if earlier.as_deref() != Some(metric.level.as_str()) {
        let built_in: bool = tx.query_row(
            &format!(
                "SELECT EXISTS (SELECT 1 FROM {table} m JOIN samples s ON s.id = m.sample_id
                 WHERE s.dataset_id = ?1 AND m.name = ?2)"
            ),
            params![dataset_id, metric.name],
            |r| r.get(0),
        )?;
        if built_in {
            return Err(StoreError::Conflict(format!(
                "{:?} is a built-in {} metric of dataset {dataset:?}; give the custom metric another name",
                metric.name,
                metric.level.as_str()
            )));
        }
    }
    if let Some(level) = earlier {
        tx.execute(
            &format!(
                "DELETE FROM {} WHERE name = ?2
                 AND sample_id IN (SELECT id FROM samples WHERE dataset_id = ?1)",
                MetricLevel::parse(&level).table()
            ),
            params![dataset_id, metric.name],
        )?;
    }
    tx.execute(
        "INSERT OR REPLACE INTO custom_metrics (dataset_id, name, source, definition, level, run_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            dataset_id,
            metric.name,
            metric.source,
            metric.definition,
            metric.level.as_str(),
            metric.run
        ],
    )?;
    Ok(())
}
