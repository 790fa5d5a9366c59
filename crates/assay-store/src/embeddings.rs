//! Embeddings of a dataset's images and object crops. A set is identified
//! by dataset, extractor name and level; it records the hash of the weights
//! that made it, so vectors from different weights never mix. Vectors are
//! added in batches (each batch one transaction), which makes computing a
//! set resumable: what is stored is skipped next time.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::{Result, Store, StoreError};

/// The annotation id stored for image-level embeddings.
pub const IMAGE_LEVEL: i64 = -1;

/// What one vector describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmbeddingLevel {
    /// Whole images.
    Image,
    /// Object crops (ground-truth boxes).
    Object,
}

impl EmbeddingLevel {
    /// The name stored in the database.
    pub fn name(self) -> &'static str {
        match self {
            EmbeddingLevel::Image => "image",
            EmbeddingLevel::Object => "object",
        }
    }

    fn parse(text: &str) -> EmbeddingLevel {
        if text == "object" {
            EmbeddingLevel::Object
        } else {
            EmbeddingLevel::Image
        }
    }
}

/// A set to create or continue.
#[derive(Debug, Clone)]
pub struct NewEmbeddingSet<'a> {
    /// The dataset.
    pub dataset: &'a str,
    /// The extractor's name (`builtin`, `openai/clip-vit-base-patch32`, ...).
    pub extractor: &'a str,
    /// Images or object crops.
    pub level: EmbeddingLevel,
    /// BLAKE3 hash of the weights (or the built-in extractor's version).
    pub weights_hash: &'a str,
    /// Where the model was loaded from (`builtin`, a path, `imported`).
    pub source: &'a str,
    /// Vector length.
    pub dim: usize,
    /// Whether the numbers are comparable with published ones (false for
    /// the built-in extractor).
    pub comparable: bool,
}

/// A stored set.
#[derive(Debug, Clone, Serialize)]
pub struct EmbeddingSet {
    /// Database id.
    pub id: i64,
    /// The dataset.
    pub dataset: String,
    /// The extractor's name.
    pub extractor: String,
    /// Images or object crops.
    pub level: EmbeddingLevel,
    /// Hash of the weights that made it.
    pub weights_hash: String,
    /// Where the model was loaded from (`builtin`, a path, `imported`).
    pub source: String,
    /// Vector length.
    pub dim: usize,
    /// Whether the numbers are comparable with published ones.
    pub comparable: bool,
    /// Vectors stored.
    pub count: usize,
}

/// Which sample (dataset image id) and object ([`IMAGE_LEVEL`] for the
/// whole image) a vector belongs to.
pub type EmbeddingKey = (i64, i64);

/// One point of a 2-D map.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MapPoint {
    /// Sample and object.
    pub key: EmbeddingKey,
    /// Horizontal coordinate.
    pub x: f32,
    /// Vertical coordinate.
    pub y: f32,
    /// Cluster, when clustered.
    pub cluster: Option<i64>,
}

impl Store {
    /// Opens the set `new` describes, creating it when absent. A set made
    /// with other weights or another dimension is emptied first (returns
    /// true then), so a set never mixes vectors of two models.
    pub fn open_embedding_set(&mut self, new: &NewEmbeddingSet) -> Result<(EmbeddingSet, bool)> {
        let dataset_id = self.dataset_id(new.dataset)?;
        let existing: Option<(i64, String, i64)> = self
            .conn
            .query_row(
                "SELECT id, weights_hash, dim FROM embedding_sets WHERE dataset_id = ?1 AND extractor = ?2 AND level = ?3",
                params![dataset_id, new.extractor, new.level.name()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let mut replaced = false;
        if let Some((id, hash, dim)) = &existing {
            if hash != new.weights_hash || *dim as usize != new.dim {
                self.conn
                    .execute("DELETE FROM embedding_sets WHERE id = ?1", [id])?;
                replaced = true;
            }
        }
        if existing.is_none() || replaced {
            self.conn.execute(
                "INSERT INTO embedding_sets (dataset_id, extractor, level, weights_hash, source, dim, comparable)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![dataset_id, new.extractor, new.level.name(), new.weights_hash, new.source, new.dim as i64, new.comparable],
            )?;
        }
        let set = self
            .embedding_sets(Some(new.dataset))?
            .into_iter()
            .find(|s| s.extractor == new.extractor && s.level == new.level)
            .ok_or_else(|| {
                StoreError::NotFound("embedding set vanished while opening it".into())
            })?;
        Ok((set, replaced))
    }

    /// The sets stored, of one dataset or all.
    pub fn embedding_sets(&self, dataset: Option<&str>) -> Result<Vec<EmbeddingSet>> {
        let mut stmt = self.conn.prepare(
            "SELECT e.id, d.name, e.extractor, e.level, e.weights_hash, e.source, e.dim, e.comparable,
                    (SELECT COUNT(*) FROM embeddings v WHERE v.set_id = e.id)
             FROM embedding_sets e JOIN datasets d ON d.id = e.dataset_id
             WHERE ?1 IS NULL OR d.name = ?1 ORDER BY e.id",
        )?;
        let rows = stmt.query_map([dataset], |r| {
            Ok(EmbeddingSet {
                id: r.get(0)?,
                dataset: r.get(1)?,
                extractor: r.get(2)?,
                level: EmbeddingLevel::parse(&r.get::<_, String>(3)?),
                weights_hash: r.get(4)?,
                source: r.get(5)?,
                dim: r.get::<_, i64>(6)? as usize,
                comparable: r.get(7)?,
                count: r.get::<_, i64>(8)? as usize,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The keys that already have a vector in `set`.
    pub fn embedded_keys(&self, set: &EmbeddingSet) -> Result<HashSet<EmbeddingKey>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.source_id, v.annotation_source_id FROM embeddings v JOIN samples s ON s.id = v.sample_id
             WHERE v.set_id = ?1",
        )?;
        let rows = stmt.query_map([set.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds (or replaces) vectors of `set` in one transaction.
    pub fn add_embeddings(
        &mut self,
        set: &EmbeddingSet,
        vectors: &[(EmbeddingKey, Vec<f32>)],
    ) -> Result<()> {
        let tx = self.write()?;
        let rows = sample_rows(&tx, &set.dataset)?;
        {
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO embeddings (set_id, sample_id, annotation_source_id, vector) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for ((sample, object), vector) in vectors {
                if vector.len() != set.dim {
                    return Err(StoreError::Conflict(format!(
                        "a vector of length {} does not fit the {}-d set {:?}",
                        vector.len(),
                        set.dim,
                        set.extractor
                    )));
                }
                let row = sample_row(&rows, *sample, &set.dataset)?;
                stmt.execute(params![set.id, row, object, to_blob(vector)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every vector of `set`, ordered by sample and object.
    pub fn load_embeddings(&self, set: &EmbeddingSet) -> Result<Vec<(EmbeddingKey, Vec<f32>)>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.source_id, v.annotation_source_id, v.vector FROM embeddings v JOIN samples s ON s.id = v.sample_id
             WHERE v.set_id = ?1 ORDER BY s.source_id, v.annotation_source_id",
        )?;
        let rows = stmt.query_map([set.id], |r| {
            Ok(((r.get(0)?, r.get(1)?), r.get::<_, Vec<u8>>(2)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (key, blob) = row?;
            out.push((key, from_blob(&blob, set.dim)?));
        }
        Ok(out)
    }

    /// The image-level vectors of `set` for the samples `samples` (row
    /// ids) that have one, by sample.
    pub fn image_embeddings_of(
        &self,
        set: &EmbeddingSet,
        samples: &[i64],
    ) -> Result<HashMap<i64, Vec<f32>>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT vector FROM embeddings WHERE set_id = ?1 AND sample_id = ?2 AND annotation_source_id = ?3",
        )?;
        let mut out = HashMap::with_capacity(samples.len());
        for &sample in samples {
            let blob: Option<Vec<u8>> = stmt
                .query_row(params![set.id, sample, IMAGE_LEVEL], |r| r.get(0))
                .optional()?;
            if let Some(blob) = blob {
                out.insert(sample, from_blob(&blob, set.dim)?);
            }
        }
        Ok(out)
    }

    /// Replaces the 2-D map called `method` of `set`.
    pub fn replace_embedding_map(
        &mut self,
        set: &EmbeddingSet,
        method: &str,
        points: &[MapPoint],
    ) -> Result<()> {
        let tx = self.write()?;
        let rows = sample_rows(&tx, &set.dataset)?;
        tx.execute(
            "DELETE FROM embedding_maps WHERE set_id = ?1 AND method = ?2",
            params![set.id, method],
        )?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO embedding_maps (set_id, method, sample_id, annotation_source_id, x, y, cluster)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for p in points {
                let row = sample_row(&rows, p.key.0, &set.dataset)?;
                stmt.execute(params![set.id, method, row, p.key.1, p.x, p.y, p.cluster])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The 2-D map called `method` of `set`.
    pub fn embedding_map(&self, set: &EmbeddingSet, method: &str) -> Result<Vec<MapPoint>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.source_id, m.annotation_source_id, m.x, m.y, m.cluster
             FROM embedding_maps m JOIN samples s ON s.id = m.sample_id
             WHERE m.set_id = ?1 AND m.method = ?2 ORDER BY s.source_id, m.annotation_source_id",
        )?;
        let rows = stmt.query_map(params![set.id, method], |r| {
            Ok(MapPoint {
                key: (r.get(0)?, r.get(1)?),
                x: r.get::<_, f64>(2)? as f32,
                y: r.get::<_, f64>(3)? as f32,
                cluster: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn sample_rows(tx: &rusqlite::Transaction, dataset: &str) -> Result<HashMap<i64, i64>> {
    let mut stmt = tx.prepare(
        "SELECT s.source_id, s.id FROM samples s JOIN datasets d ON d.id = s.dataset_id WHERE d.name = ?1",
    )?;
    let rows = stmt.query_map([dataset], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn sample_row(rows: &HashMap<i64, i64>, sample: i64, dataset: &str) -> Result<i64> {
    rows.get(&sample).copied().ok_or_else(|| {
        StoreError::Conflict(format!("image {sample} is not in dataset {dataset:?}"))
    })
}

fn to_blob(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn from_blob(blob: &[u8], dim: usize) -> Result<Vec<f32>> {
    if blob.len() != dim * 4 {
        return Err(StoreError::Conflict(format!(
            "a stored vector has {} bytes, expected {} for {dim} dimensions; the project database is damaged",
            blob.len(),
            dim * 4
        )));
    }
    Ok(blob
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}
