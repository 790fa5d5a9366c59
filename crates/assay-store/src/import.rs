//! Writing datasets and predictions, each import in one transaction.

use std::collections::{BTreeMap, HashMap};

use assay_core::model::{Annotation, Category, Dataset, Sample};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::paths::StoredPath;
use crate::{Result, Store, StoreError};

/// The file behind a sample, as found at import time.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleFile {
    /// Absolute path.
    pub path: std::path::PathBuf,
    /// BLAKE3 hash of the bytes, hex.
    pub content_hash: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// One dataset import: what was read and where it goes.
pub struct DatasetImport<'a> {
    /// Dataset to create or update.
    pub dataset: &'a str,
    /// Format name for the import log (`coco`, `yolo`, ...).
    pub format: &'a str,
    /// The file or folder imported, for the import log.
    pub source: &'a str,
    /// What was read.
    pub data: &'a Dataset,
    /// Files found for samples, by the reader's sample id.
    pub files: &'a HashMap<i64, SampleFile>,
    /// Keep the reader's image and annotation ids (formats with ids, such as
    /// COCO). Otherwise known images keep the ids they have in the store and
    /// new ones are numbered after the largest.
    pub keep_ids: bool,
    /// Split for every sample, overriding what the reader found.
    pub split: Option<&'a str>,
    /// Warning counts, kept in the import log.
    pub warnings: &'a BTreeMap<&'static str, usize>,
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Dataset imported into.
    pub dataset: String,
    /// Samples new to the store.
    pub samples_added: usize,
    /// Samples that were there already and were replaced.
    pub samples_updated: usize,
    /// Annotations written (replacing those of the samples imported).
    pub annotations: usize,
    /// Categories new to the dataset.
    pub categories_added: usize,
}

/// Something the demo injected on purpose, kept so later steps can measure
/// how much of it they find.
#[derive(Debug, Clone, PartialEq)]
pub struct Injection {
    /// File name of the affected sample.
    pub file_name: String,
    /// Id of the affected ground-truth annotation, for label problems.
    pub annotation_id: Option<i64>,
    /// What was injected: `dark`, `wrong_class`, ...
    pub kind: String,
    /// Free-form detail.
    pub detail: String,
}

impl Store {
    /// Imports a dataset in one transaction. Samples are matched by file
    /// name: a sample imported again gets its annotations replaced.
    pub fn import_dataset(&mut self, job: &DatasetImport) -> Result<ImportSummary> {
        let tx = self.write()?;
        let dataset_id = get_or_create(&tx, "datasets", job.dataset)?;
        let mut summary = ImportSummary {
            dataset: job.dataset.to_string(),
            ..ImportSummary::default()
        };
        let categories = upsert_categories(
            &tx,
            dataset_id,
            &job.data.categories,
            job.keep_ids,
            &mut summary,
        )?;
        let samples = upsert_samples(&tx, dataset_id, job, &mut summary)?;
        insert_annotations(&tx, dataset_id, job, &samples, &categories, &mut summary)?;
        let log = serde_json::json!({ "summary": summary, "warnings": job.warnings });
        tx.execute(
            "INSERT INTO imports (dataset_id, format, source, summary) VALUES (?1, ?2, ?3, ?4)",
            params![dataset_id, job.format, job.source, log.to_string()],
        )?;
        tx.commit()?;
        Ok(summary)
    }

    /// Stores the predictions of `model` on `dataset`, replacing the model's
    /// earlier predictions on that dataset. `sample_id`s are the dataset's
    /// image ids and `category_id`s its class ids, as in [`crate::DatasetIndex`].
    pub fn add_predictions(
        &mut self,
        dataset: &str,
        model: &str,
        predictions: &[Annotation],
    ) -> Result<usize> {
        let dataset_id = self.dataset_id(dataset)?;
        let index = self.dataset_index(dataset, None)?;
        let tx = self.write()?;
        let model_id = clear_model_rows(&tx, "predictions", model, dataset_id)?;
        let mut stmt = tx.prepare(
            "INSERT INTO predictions (model_id, sample_id, category_id, source_id, kind, score, x, y, w, h, area, segmentation, keypoints)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        for p in predictions {
            let sample = index.row_of_sample(p.sample_id)?;
            let category = index.row_of_category(p.category_id)?;
            let g = GeometryColumns::of(p);
            stmt.execute(params![
                model_id,
                sample,
                category,
                p.id,
                g.kind,
                p.score.unwrap_or(1.0),
                g.x,
                g.y,
                g.w,
                g.h,
                p.area,
                g.segmentation,
                g.keypoints
            ])?;
        }
        drop(stmt);
        tx.commit()?;
        Ok(predictions.len())
    }

    /// Records what the demo injected into `dataset`.
    pub fn record_injections(&mut self, dataset: &str, injections: &[Injection]) -> Result<()> {
        let dataset_id = self.dataset_id(dataset)?;
        let tx = self.write()?;
        tx.execute(
            "DELETE FROM injected_problems WHERE dataset_id = ?1",
            [dataset_id],
        )?;
        let mut stmt = tx.prepare(
            "INSERT INTO injected_problems (dataset_id, sample_id, annotation_source_id, kind, detail)
             VALUES (?1, (SELECT id FROM samples WHERE dataset_id = ?1 AND file_name = ?2), ?3, ?4, ?5)",
        )?;
        for i in injections {
            stmt.execute(params![
                dataset_id,
                i.file_name,
                i.annotation_id,
                i.kind,
                i.detail
            ])?;
        }
        drop(stmt);
        tx.commit()?;
        Ok(())
    }
}

/// The id of the row named `name` in `table`, inserted when missing.
/// The id of `model` (added when new), after removing its rows of `table`
/// on the dataset's samples: what storing a model's output replaces.
pub(crate) fn clear_model_rows(
    tx: &Transaction,
    table: &str,
    model: &str,
    dataset_id: i64,
) -> Result<i64> {
    let model_id = get_or_create(tx, "models", model)?;
    tx.execute(
        &format!(
            "DELETE FROM {table} WHERE model_id = ?1
             AND sample_id IN (SELECT id FROM samples WHERE dataset_id = ?2)"
        ),
        params![model_id, dataset_id],
    )?;
    Ok(model_id)
}

pub(crate) fn get_or_create(tx: &Transaction, table: &str, name: &str) -> Result<i64> {
    let existing = tx
        .query_row(
            &format!("SELECT id FROM {table} WHERE name = ?1"),
            [name],
            |r| r.get(0),
        )
        .optional()?;
    match existing {
        Some(id) => Ok(id),
        None => {
            tx.execute(&format!("INSERT INTO {table} (name) VALUES (?1)"), [name])?;
            Ok(tx.last_insert_rowid())
        }
    }
}

/// Upserts categories by name; returns the row id of each reader category id.
///
/// Formats with their own ids (COCO) set a known category's id; formats
/// without (YOLO, VOC, folders) keep the ids known categories have, and give
/// a new category the reader's id when it is free, the next free one otherwise.
fn upsert_categories(
    tx: &Transaction,
    dataset_id: i64,
    categories: &[Category],
    keep_ids: bool,
    summary: &mut ImportSummary,
) -> Result<HashMap<i64, i64>> {
    // What the dataset has, read once: lookups per category would make a
    // list of 50,000 classes quadratic.
    let mut known: HashMap<String, i64> = HashMap::new();
    let mut taken: std::collections::HashSet<i64> = std::collections::HashSet::new();
    {
        let mut stmt =
            tx.prepare("SELECT id, name, source_id FROM categories WHERE dataset_id = ?1")?;
        let rows = stmt.query_map([dataset_id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })?;
        for row in rows {
            let (id, name, source_id) = row?;
            known.insert(name, id);
            taken.insert(source_id);
        }
    }
    let mut next_free = taken.iter().max().map_or(0, |m| m + 1);
    let mut update = tx.prepare(
        "UPDATE categories SET source_id = ?2, supercategory = ?3, keypoints = ?4, skeleton = ?5 WHERE id = ?1",
    )?;
    let mut insert = tx.prepare(
        "INSERT INTO categories (dataset_id, source_id, name, supercategory, keypoints, skeleton)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut rows = HashMap::new();
    for c in categories {
        let keypoints = (!c.keypoints.is_empty())
            .then(|| serde_json::to_string(&c.keypoints).unwrap_or_default());
        let skeleton = (!c.skeleton.is_empty())
            .then(|| serde_json::to_string(&c.skeleton).unwrap_or_default());
        let row = match known.get(&c.name).copied() {
            Some(id) if keep_ids => {
                update.execute(params![id, c.id, c.supercategory, keypoints, skeleton])?;
                id
            }
            Some(id) => id,
            None => {
                // Formats without ids keep the reader's id when it is free,
                // else take one past the largest.
                let source_id = if keep_ids || !taken.contains(&c.id) {
                    c.id
                } else {
                    next_free
                };
                taken.insert(source_id);
                next_free = next_free.max(source_id + 1);
                insert.execute(params![
                    dataset_id,
                    source_id,
                    c.name,
                    c.supercategory,
                    keypoints,
                    skeleton
                ])?;
                summary.categories_added += 1;
                let id = tx.last_insert_rowid();
                known.insert(c.name.clone(), id);
                id
            }
        };
        rows.insert(c.id, row);
    }
    Ok(rows)
}

/// Upserts samples by file name and clears their annotations; returns the
/// row id of each reader sample id.
fn upsert_samples(
    tx: &Transaction,
    dataset_id: i64,
    job: &DatasetImport,
    summary: &mut ImportSummary,
) -> Result<HashMap<i64, i64>> {
    let mut next_id: i64 = tx.query_row(
        "SELECT COALESCE(MAX(source_id), 0) + 1 FROM samples WHERE dataset_id = ?1",
        [dataset_id],
        |r| r.get(0),
    )?;
    let mut rows = HashMap::with_capacity(job.data.samples.len());
    for s in &job.data.samples {
        let existing: Option<(i64, i64)> = tx
            .prepare_cached(
                "SELECT id, source_id FROM samples WHERE dataset_id = ?1 AND file_name = ?2",
            )?
            .query_row(params![dataset_id, s.file_name], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let source_id = match (job.keep_ids, existing) {
            (true, _) => s.id,
            (false, Some((_, id))) => id,
            (false, None) => {
                next_id += 1;
                next_id - 1
            }
        };
        let row = write_sample(tx, dataset_id, s, source_id, existing.map(|e| e.0), job)?;
        match existing {
            Some(_) => summary.samples_updated += 1,
            None => summary.samples_added += 1,
        }
        rows.insert(s.id, row);
    }
    Ok(rows)
}

fn write_sample(
    tx: &Transaction,
    dataset_id: i64,
    s: &Sample,
    source_id: i64,
    existing: Option<i64>,
    job: &DatasetImport,
) -> Result<i64> {
    let file = job.files.get(&s.id);
    let split = job.split.or(s.split.as_deref());
    let (path, hash, bytes) = (
        file.map(|f| StoredPath(f.path.clone())),
        file.map(|f| &f.content_hash),
        file.map(|f| f.bytes as i64),
    );
    let row = match existing {
        Some(row) => {
            tx.execute("DELETE FROM annotations WHERE sample_id = ?1", [row])?;
            tx.execute("DELETE FROM generations WHERE sample_id = ?1", [row])?;
            tx.execute(
                // A value the import does not know never replaces a known one.
                "UPDATE samples SET source_id = ?2, split = COALESCE(?3, split),
                 width = COALESCE(?4, width), height = COALESCE(?5, height),
                 path = COALESCE(?6, path), content_hash = COALESCE(?7, content_hash), bytes = COALESCE(?8, bytes)
                 WHERE id = ?1",
                params![row, source_id, split, s.width, s.height, path, hash, bytes],
            )?;
            row
        }
        None => {
            tx.execute(
                "INSERT INTO samples (dataset_id, source_id, file_name, split, width, height, path, content_hash, bytes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![dataset_id, source_id, s.file_name, split, s.width, s.height, path, hash, bytes],
            )?;
            tx.last_insert_rowid()
        }
    };
    if let Some(g) = &s.generation {
        tx.execute(
            "INSERT INTO generations (sample_id, prompt, model, seed) VALUES (?1, ?2, ?3, ?4)",
            params![row, g.prompt, g.model, g.seed],
        )?;
    }
    Ok(row)
}

fn insert_annotations(
    tx: &Transaction,
    dataset_id: i64,
    job: &DatasetImport,
    samples: &HashMap<i64, i64>,
    categories: &HashMap<i64, i64>,
    summary: &mut ImportSummary,
) -> Result<()> {
    let first_new_id: i64 = tx.query_row(
        "SELECT COALESCE(MAX(a.source_id), 0) + 1 FROM annotations a JOIN samples s ON s.id = a.sample_id
         WHERE s.dataset_id = ?1",
        [dataset_id],
        |r| r.get(0),
    )?;
    let mut stmt = tx.prepare(
        "INSERT INTO annotations (sample_id, category_id, source_id, kind, x, y, w, h, area, iscrowd, segmentation, keypoints)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for (i, a) in job.data.annotations.iter().enumerate() {
        let missing = |what: &str, id: i64| {
            StoreError::Conflict(format!("annotation {} refers to unknown {what} {id}", a.id))
        };
        let sample = *samples
            .get(&a.sample_id)
            .ok_or_else(|| missing("image", a.sample_id))?;
        let category = *categories
            .get(&a.category_id)
            .ok_or_else(|| missing("category", a.category_id))?;
        let source_id = if job.keep_ids {
            a.id
        } else {
            first_new_id + i as i64
        };
        let g = GeometryColumns::of(a);
        stmt.execute(params![
            sample,
            category,
            source_id,
            g.kind,
            g.x,
            g.y,
            g.w,
            g.h,
            a.area,
            a.iscrowd,
            g.segmentation,
            g.keypoints
        ])?;
    }
    summary.annotations = job.data.annotations.len();
    Ok(())
}

/// An annotation's geometry as stored: box columns and JSON text.
pub(crate) struct GeometryColumns {
    pub kind: &'static str,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub w: Option<f64>,
    pub h: Option<f64>,
    pub segmentation: Option<String>,
    pub keypoints: Option<String>,
}

impl GeometryColumns {
    pub fn of(a: &Annotation) -> Self {
        let b = a.bbox;
        GeometryColumns {
            kind: a.kind().as_str(),
            x: b.map(|b| b.x),
            y: b.map(|b| b.y),
            w: b.map(|b| b.w),
            h: b.map(|b| b.h),
            segmentation: a
                .segmentation
                .as_ref()
                .and_then(|s| serde_json::to_string(s).ok()),
            keypoints: a
                .keypoints
                .as_ref()
                .and_then(|k| serde_json::to_string(k).ok()),
        }
    }
}
