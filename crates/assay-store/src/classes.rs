//! A classifier's output per image: the predicted class and, when the user
//! gave them, one score per class. Scores are kept in the order of the
//! dataset's categories sorted by id, so row `i` of a stored matrix lines up
//! with the `i`-th category.

use rusqlite::{params, OptionalExtension};

use crate::import::clear_model_rows;
use crate::{Result, Store};

/// What a classifier said about one image. Ids are the dataset's own
/// (source) ids.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassPrediction {
    /// The image.
    pub sample_id: i64,
    /// The predicted class.
    pub category_id: i64,
    /// One score per category of the dataset, in category-id order; empty
    /// when only the class was given.
    pub scores: Vec<f64>,
}

impl Store {
    /// Stores the class predictions of `model` on `dataset`, replacing the
    /// model's earlier class predictions on that dataset.
    pub fn add_class_predictions(
        &mut self,
        dataset: &str,
        model: &str,
        predictions: &[ClassPrediction],
    ) -> Result<usize> {
        let dataset_id = self.dataset_id(dataset)?;
        let index = self.dataset_index(dataset, None)?;
        let tx = self.write()?;
        let model_id = clear_model_rows(&tx, "class_predictions", model, dataset_id)?;
        let mut stmt = tx.prepare(
            "INSERT INTO class_predictions (sample_id, model_id, category_id, scores, position)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (position, p) in predictions.iter().enumerate() {
            let scores = (!p.scores.is_empty()).then(|| to_blob(&p.scores));
            stmt.execute(params![
                index.row_of_sample(p.sample_id)?,
                model_id,
                index.row_of_category(p.category_id)?,
                scores,
                position as i64
            ])?;
        }
        drop(stmt);
        tx.commit()?;
        Ok(predictions.len())
    }

    /// The class predictions of `model` on `dataset`, in the order they
    /// were given.
    pub fn class_predictions(&self, dataset: &str, model: &str) -> Result<Vec<ClassPrediction>> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut stmt = self.conn.prepare(
            "SELECT s.source_id, c.source_id, p.scores FROM class_predictions p
             JOIN samples s ON s.id = p.sample_id JOIN categories c ON c.id = p.category_id
             JOIN models m ON m.id = p.model_id
             WHERE s.dataset_id = ?1 AND m.name = ?2 ORDER BY p.position",
        )?;
        let rows = stmt.query_map(params![dataset_id, model], |r| {
            let scores: Option<Vec<u8>> = r.get(2)?;
            Ok(ClassPrediction {
                sample_id: r.get(0)?,
                category_id: r.get(1)?,
                scores: scores.map(|b| from_blob(&b)).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether `model` has class predictions on `dataset`.
    pub fn has_class_predictions(&self, dataset: &str, model: &str) -> Result<bool> {
        let dataset_id = self.dataset_id(dataset)?;
        let found: i64 = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM class_predictions p JOIN samples s ON s.id = p.sample_id
             JOIN models m ON m.id = p.model_id WHERE s.dataset_id = ?1 AND m.name = ?2)",
            params![dataset_id, model],
            |r| r.get(0),
        )?;
        Ok(found != 0)
    }
}

fn to_blob(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn from_blob(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

impl Store {
    /// The source ids of the categories named `names` in `dataset`, adding
    /// those it lacks (numbered after its largest id): for tasks whose
    /// classes come with the model's output (semantic segmentation).
    pub fn ensure_categories(&mut self, dataset: &str, names: &[String]) -> Result<Vec<i64>> {
        let dataset_id = self.dataset_id(dataset)?;
        let tx = self.write()?;
        let mut ids = Vec::with_capacity(names.len());
        for name in names {
            let found: Option<i64> = tx
                .query_row(
                    "SELECT source_id FROM categories WHERE dataset_id = ?1 AND name = ?2",
                    params![dataset_id, name],
                    |r| r.get(0),
                )
                .optional()?;
            let id = match found {
                Some(id) => id,
                None => {
                    let next: i64 = tx.query_row(
                        "SELECT COALESCE(MAX(source_id), 0) + 1 FROM categories WHERE dataset_id = ?1",
                        [dataset_id],
                        |r| r.get(0),
                    )?;
                    tx.execute(
                        "INSERT INTO categories (dataset_id, source_id, name) VALUES (?1, ?2, ?3)",
                        params![dataset_id, next, name],
                    )?;
                    next
                }
            };
            ids.push(id);
        }
        tx.commit()?;
        Ok(ids)
    }
}
