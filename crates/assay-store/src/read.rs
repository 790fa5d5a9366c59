//! Reading datasets and predictions back out of the store.

use std::collections::{HashMap, HashSet};

use assay_core::geometry::BBox;
use assay_core::model::{Annotation, Category, Dataset, Generation, PredictionSet, Sample};
use rusqlite::{params, Row};

use crate::{Result, Store, StoreError};

/// Which samples of a dataset to read.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only samples of this split.
    pub split: Option<String>,
    /// Only samples with at least one annotation of one of these classes.
    pub classes: Vec<String>,
    /// Only samples with these file names or image ids (as text).
    pub samples: Option<HashSet<String>>,
}

/// Ids of a dataset's images and classes, for checking predictions.
#[derive(Debug, Clone, Default)]
pub struct DatasetIndex {
    /// Image id -> (row id, size).
    pub images: HashMap<i64, (i64, Option<(u32, u32)>)>,
    /// File name without extension -> image id, for formats that name files.
    pub stems: HashMap<String, i64>,
    /// The dataset's classes with their source ids.
    pub categories: Vec<Category>,
    category_rows: HashMap<i64, i64>,
}

impl DatasetIndex {
    pub(crate) fn row_of_sample(&self, image_id: i64) -> Result<i64> {
        self.images
            .get(&image_id)
            .map(|(row, _)| *row)
            .ok_or_else(|| {
                StoreError::Conflict(format!("image id {image_id} is not in the dataset"))
            })
    }

    pub(crate) fn row_of_category(&self, category_id: i64) -> Result<i64> {
        self.category_rows
            .get(&category_id)
            .copied()
            .ok_or_else(|| {
                StoreError::Conflict(format!("category id {category_id} is not in the dataset"))
            })
    }
}

impl Store {
    /// The images and classes of a dataset (optionally one split), by the
    /// ids the source files use. Two images with one id is an error.
    pub fn dataset_index(&self, dataset: &str, split: Option<&str>) -> Result<DatasetIndex> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut index = DatasetIndex::default();
        let mut stmt = self.conn.prepare(
            "SELECT id, source_id, file_name, width, height FROM samples
             WHERE dataset_id = ?1 AND (?2 IS NULL OR split = ?2)",
        )?;
        let mut rows = stmt.query(params![dataset_id, split])?;
        while let Some(r) = rows.next()? {
            let (row, id, file_name): (i64, i64, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let size = r.get::<_, Option<u32>>(3)?.zip(r.get::<_, Option<u32>>(4)?);
            if index.images.insert(id, (row, size)).is_some() {
                let msg = format!("dataset {dataset:?} has several images with id {id}; choose one split with --split");
                return Err(StoreError::Conflict(msg));
            }
            let stem = std::path::Path::new(&file_name).with_extension("");
            index
                .stems
                .insert(stem.to_string_lossy().replace('\\', "/"), id);
        }
        let categories = self.categories(dataset_id)?;
        index.category_rows = categories.iter().map(|(row, c)| (c.id, *row)).collect();
        index.categories = categories.into_iter().map(|(_, c)| c).collect();
        Ok(index)
    }

    fn categories(&self, dataset_id: i64) -> Result<Vec<(i64, Category)>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, source_id, name, supercategory, keypoints, skeleton FROM categories
             WHERE dataset_id = ?1 ORDER BY source_id, id",
        )?;
        let rows = stmt.query_map([dataset_id], |r| {
            let keypoints: Option<String> = r.get(4)?;
            let skeleton: Option<String> = r.get(5)?;
            let category = Category {
                id: r.get(1)?,
                name: r.get(2)?,
                supercategory: r.get(3)?,
                keypoints: keypoints
                    .and_then(|k| serde_json::from_str(&k).ok())
                    .unwrap_or_default(),
                skeleton: skeleton
                    .and_then(|s| serde_json::from_str(&s).ok())
                    .unwrap_or_default(),
            };
            Ok((r.get(0)?, category))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Reads a dataset (or a selection of it) with the ids of its sources.
    pub fn load_dataset(&self, dataset: &str, selection: &Selection) -> Result<Dataset> {
        self.read_dataset(dataset, selection, false)
    }

    /// Reads a dataset (or a selection of it) with fresh ids from 1 for its
    /// images, annotations and classes, in import order: for datasets merged
    /// from imports whose ids repeat, where the sources' ids would be
    /// ambiguous. Every annotation keeps its own image and class.
    pub fn load_dataset_renumbered(&self, dataset: &str, selection: &Selection) -> Result<Dataset> {
        self.read_dataset(dataset, selection, true)
    }

    fn read_dataset(
        &self,
        dataset: &str,
        selection: &Selection,
        renumber: bool,
    ) -> Result<Dataset> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut categories = self.categories(dataset_id)?;
        let source_of: HashMap<i64, i64> = categories.iter().map(|(row, c)| (*row, c.id)).collect();
        let samples = self.samples(dataset_id, selection)?;
        let mut annotations = Vec::new();
        let mut stmt = self.conn.prepare(
            "SELECT a.source_id, a.category_id, a.x, a.y, a.w, a.h, a.segmentation, a.keypoints, a.area, a.iscrowd
             FROM annotations a WHERE a.sample_id = ?1 ORDER BY a.source_id",
        )?;
        let wanted: HashSet<i64> = categories
            .iter()
            .filter(|(_, c)| selection.classes.contains(&c.name))
            .map(|(row, _)| *row)
            .collect();
        let mut kept = Vec::with_capacity(samples.len());
        for (row, mut sample) in samples {
            if renumber {
                sample.id = kept.len() as i64 + 1;
            }
            let rows = stmt.query_map([row], |r| {
                let (mut a, category_row) = annotation(r, sample.id, &source_of)?;
                a.iscrowd = r.get(9)?;
                Ok((a, category_row))
            })?;
            let mine: Vec<(Annotation, i64)> = rows.collect::<Result<_, _>>()?;
            if wanted.is_empty() || mine.iter().any(|(_, c)| wanted.contains(c)) {
                annotations.extend(mine);
                kept.push(sample);
            }
        }
        if renumber {
            let position: HashMap<i64, i64> = categories
                .iter()
                .enumerate()
                .map(|(i, (row, _))| (*row, i as i64 + 1))
                .collect();
            for (i, (_, c)) in categories.iter_mut().enumerate() {
                c.id = i as i64 + 1;
            }
            for (i, (a, category_row)) in annotations.iter_mut().enumerate() {
                a.id = i as i64 + 1;
                a.category_id = position[category_row];
            }
        }
        Ok(Dataset {
            samples: kept,
            categories: categories.into_iter().map(|(_, c)| c).collect(),
            annotations: annotations.into_iter().map(|(a, _)| a).collect(),
        })
    }

    /// Samples of a dataset with their row ids, in import order.
    fn samples(&self, dataset_id: i64, selection: &Selection) -> Result<Vec<(i64, Sample)>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.source_id, s.file_name, s.width, s.height, s.split, g.prompt, g.model, g.seed
             FROM samples s LEFT JOIN generations g ON g.sample_id = s.id
             WHERE s.dataset_id = ?1 AND (?2 IS NULL OR s.split = ?2) ORDER BY s.id",
        )?;
        let rows = stmt.query_map(params![dataset_id, selection.split], |r| {
            let generation = match r.get::<_, Option<String>>(6)? {
                Some(prompt) => Some(Generation {
                    prompt,
                    model: r.get(7)?,
                    seed: r.get(8)?,
                }),
                None => None,
            };
            let sample = Sample {
                id: r.get(1)?,
                file_name: r.get(2)?,
                width: r.get(3)?,
                height: r.get(4)?,
                split: r.get(5)?,
                generation,
            };
            Ok((r.get(0)?, sample))
        })?;
        let mut out: Vec<(i64, Sample)> = rows.collect::<Result<_, _>>()?;
        if let Some(wanted) = &selection.samples {
            out.retain(|(_, s)| {
                wanted.contains(&s.file_name) || wanted.contains(&s.id.to_string())
            });
        }
        Ok(out)
    }

    /// Absolute paths of the image files of a dataset's samples, by image id.
    pub fn sample_paths(&self, dataset: &str) -> Result<HashMap<i64, std::path::PathBuf>> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut stmt = self.conn.prepare(
            "SELECT source_id, path FROM samples WHERE dataset_id = ?1 AND path IS NOT NULL",
        )?;
        let rows = stmt.query_map([dataset_id], |r| {
            Ok((r.get(0)?, r.get::<_, crate::paths::StoredPath>(1)?.0))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The predictions of `model` on `dataset`, with the dataset's ids.
    pub fn load_predictions(&self, dataset: &str, model: &str) -> Result<PredictionSet> {
        let dataset_id = self.dataset_id(dataset)?;
        let source_of: HashMap<i64, i64> = self
            .categories(dataset_id)?
            .iter()
            .map(|(row, c)| (*row, c.id))
            .collect();
        let mut stmt = self.conn.prepare(
            "SELECT p.source_id, p.category_id, p.x, p.y, p.w, p.h, p.segmentation, p.keypoints, p.area, p.score, s.source_id
             FROM predictions p JOIN models m ON m.id = p.model_id JOIN samples s ON s.id = p.sample_id
             WHERE m.name = ?1 AND s.dataset_id = ?2 ORDER BY p.source_id",
        )?;
        let rows = stmt.query_map(params![model, dataset_id], |r| {
            let (mut a, _) = annotation(r, r.get(10)?, &source_of)?;
            a.score = r.get(9)?;
            Ok(a)
        })?;
        let predictions: Vec<Annotation> = rows.collect::<Result<_, _>>()?;
        if predictions.is_empty() {
            return Err(StoreError::NotFound(format!(
                "model {model:?} has no predictions on dataset {dataset:?}"
            )));
        }
        Ok(PredictionSet {
            model: model.to_string(),
            predictions,
        })
    }
}

/// An annotation from a row laid out as `source_id, category_id, x, y, w, h,
/// segmentation, keypoints, area`; also returns the category row id.
pub(crate) fn annotation(
    r: &Row,
    sample_id: i64,
    source_of: &HashMap<i64, i64>,
) -> rusqlite::Result<(Annotation, i64)> {
    let category_row: i64 = r.get(1)?;
    let mut a = Annotation::new(
        r.get(0)?,
        sample_id,
        source_of.get(&category_row).copied().unwrap_or(-1),
    );
    let coords: [Option<f64>; 4] = [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?];
    if let [Some(x), Some(y), Some(w), Some(h)] = coords {
        a.bbox = Some(BBox::new(x, y, w, h));
    }
    let json_error = |i: usize, e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    if let Some(text) = r.get::<_, Option<String>>(6)? {
        a.segmentation = Some(serde_json::from_str(&text).map_err(|e| json_error(6, e))?);
    }
    if let Some(text) = r.get::<_, Option<String>>(7)? {
        a.keypoints = Some(serde_json::from_str(&text).map_err(|e| json_error(7, e))?);
    }
    a.area = r.get(8)?;
    Ok((a, category_row))
}
