//! What the server holds: the open store, the access token, and caches
//! built from the store (explorer tables, run outcome counts, maps,
//! embeddings), each built on first use.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use assay_store::Store;

use crate::error::{ApiError, ApiResult};
use crate::explorer::table::DatasetTable;
use crate::text_search::{TextEncoders, TextVector};

/// Outcome counts of one run, per sample index of its dataset's table.
#[derive(Debug)]
pub struct RunCounts {
    /// The run's dataset.
    pub dataset: String,
    /// TP, FP, FN per sample index.
    pub counts: Vec<[u32; 3]>,
}

/// One 2-D map of an embedding set, aligned with its dataset's table.
#[derive(Debug)]
pub struct MapPoints {
    /// The dataset.
    pub dataset: String,
    /// Horizontal coordinates.
    pub x: Vec<f32>,
    /// Vertical coordinates.
    pub y: Vec<f32>,
    /// Sample index of each point in the table.
    pub index: Vec<u32>,
}

/// Image embeddings of a dataset, aligned with its table (unit length).
#[derive(Debug)]
pub struct Vectors {
    /// Vector length.
    pub dim: usize,
    /// Per sample index, the offset of its vector in `data` (or none).
    pub slot: Vec<Option<u32>>,
    /// The vectors, normalised.
    pub data: Vec<f32>,
}

impl Vectors {
    /// The vector of sample index `i`, when it has one.
    pub fn row(&self, i: usize) -> Option<&[f32]> {
        let s = self.slot[i]? as usize;
        Some(&self.data[s * self.dim..(s + 1) * self.dim])
    }
}

/// The server's state, shared by every request.
pub struct AppState {
    /// The project folder.
    pub root: PathBuf,
    /// The token requests must carry, when one is required.
    pub token: Option<String>,
    store: Mutex<Store>,
    /// A second connection for the access check (users and tokens), so
    /// checking a request never waits for a long request's store work.
    auth: Mutex<Store>,
    /// The store's `data_version` the caches were built from.
    version: Mutex<Option<i64>>,
    tables: Mutex<HashMap<String, Arc<DatasetTable>>>,
    runs: Mutex<HashMap<i64, Arc<RunCounts>>>,
    maps: Mutex<HashMap<i64, Arc<MapPoints>>>,
    vectors: Mutex<HashMap<i64, Arc<Vectors>>>,
    encoders: TextEncoders,
    /// Which image paths ingested records may name.
    ingest_policy: std::sync::OnceLock<assay_app::monitor::ingest::ImagePolicy>,
    /// The ingestion writer, started by the first ingestion request.
    ingest: std::sync::OnceLock<Result<crate::ingest::IngestQueue, String>>,
}

impl AppState {
    /// Opens the project at (or above) `project`.
    pub fn open(project: &Path, token: Option<String>) -> assay_store::Result<Arc<Self>> {
        let store = Store::open(project)?;
        Ok(Arc::new(AppState {
            root: store.root().to_path_buf(),
            token,
            auth: Mutex::new(Store::open(project)?),
            store: Mutex::new(store),
            version: Mutex::default(),
            tables: Mutex::default(),
            runs: Mutex::default(),
            maps: Mutex::default(),
            vectors: Mutex::default(),
            encoders: TextEncoders::default(),
            ingest_policy: std::sync::OnceLock::new(),
            ingest: std::sync::OnceLock::new(),
        }))
    }

    /// Runs `f` with the store (one request at a time).
    pub fn store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        let mut store = lock(&self.store);
        f(&mut store)
    }

    /// Runs `f` with the access check's own connection (short reads of
    /// users and tokens only).
    pub fn auth<T>(&self, f: impl FnOnce(&Store) -> T) -> T {
        f(&lock(&self.auth))
    }

    /// Runs blocking work (SQLite, files, big loops) off the async workers.
    pub async fn blocking<T, F>(self: &Arc<Self>, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&AppState) -> ApiResult<T> + Send + 'static,
    {
        let state = Arc::clone(self);
        tokio::task::spawn_blocking(move || f(&state))
            .await
            .map_err(|e| ApiError::internal(format!("the request failed: {e}")))?
    }

    /// Lets ingested records name image files under these folders (by
    /// default they may only carry the bytes). Only the first call counts.
    pub fn allow_ingest_paths(&self, policy: assay_app::monitor::ingest::ImagePolicy) {
        let _ = self.ingest_policy.set(policy);
    }

    /// The ingestion writer, started on first use.
    pub fn ingest_queue(&self) -> ApiResult<&crate::ingest::IngestQueue> {
        let policy = self.ingest_policy.get().cloned().unwrap_or_default();
        self.ingest
            .get_or_init(|| {
                crate::ingest::IngestQueue::start(&self.root, policy)
                    .map_err(|e| format!("cannot start ingestion: {e}"))
            })
            .as_ref()
            .map_err(|e| ApiError::internal(e.clone()))
    }

    /// The explorer table of `dataset`, loaded on first use.
    pub fn table(&self, dataset: &str) -> ApiResult<Arc<DatasetTable>> {
        let mut tables = lock(&self.tables);
        if let Some(t) = tables.get(dataset) {
            return Ok(Arc::clone(t));
        }
        let table = Arc::new(self.store(|s| DatasetTable::load(s, dataset))?);
        tables.insert(dataset.to_string(), Arc::clone(&table));
        Ok(table)
    }

    /// Loads every dataset's table (so the first query is quick).
    pub fn preload(&self) -> ApiResult<()> {
        for name in self.store(|s| s.dataset_names())? {
            self.table(&name)?;
        }
        Ok(())
    }

    /// The outcome counts of `run_id`, loaded on first use.
    pub fn run_counts(&self, run_id: i64) -> ApiResult<Arc<RunCounts>> {
        cached(&self.runs, run_id, || {
            let (dataset, rows) = self.store(|s| -> assay_store::Result<_> {
                let detail = s.runs(None)?.into_iter().find(|r| r.id == run_id);
                let run = detail.ok_or_else(|| {
                    assay_store::StoreError::NotFound(format!("no run with id {run_id}"))
                })?;
                Ok((run.dataset, s.run_sample_counts(run_id)?))
            })?;
            let table = self.table(&dataset)?;
            let mut counts = vec![[0u32; 3]; table.len()];
            for (sample, c) in rows {
                if let Some(&i) = table.index_of.get(&sample) {
                    counts[i as usize] = c;
                }
            }
            Ok(RunCounts { dataset, counts })
        })
    }

    /// The PCA map of embedding set `set_id`, loaded on first use.
    pub fn map(&self, set_id: i64) -> ApiResult<Arc<MapPoints>> {
        cached(&self.maps, set_id, || {
            let (set, points) = self.store(|s| -> assay_store::Result<_> {
                let set = s.embedding_sets(None)?.into_iter().find(|e| e.id == set_id);
                let set = set.ok_or_else(|| {
                    assay_store::StoreError::NotFound(format!("no embedding set with id {set_id}"))
                })?;
                let points = s.embedding_map(&set, crate::api::maps::METHOD)?;
                Ok((set, points))
            })?;
            let table = self.table(&set.dataset)?;
            let mut map = MapPoints {
                dataset: set.dataset.clone(),
                x: Vec::with_capacity(points.len()),
                y: Vec::with_capacity(points.len()),
                index: Vec::with_capacity(points.len()),
            };
            for p in points {
                if let Some(&i) = table.index_of_source.get(&p.key.0) {
                    map.x.push(p.x);
                    map.y.push(p.y);
                    map.index.push(i);
                }
            }
            Ok(map)
        })
    }

    /// The image embeddings of `dataset` (its first image-level set), or
    /// none when it has none.
    pub fn vectors(&self, dataset: &str) -> ApiResult<Option<Arc<Vectors>>> {
        let sets = self.store(|s| s.embedding_sets(Some(dataset)))?;
        match sets.into_iter().find(|e| e.level.name() == "image") {
            Some(set) => Ok(Some(self.set_vectors(&set)?)),
            None => Ok(None),
        }
    }

    /// The vectors of `set`, aligned with its dataset's table, loaded on
    /// first use.
    fn set_vectors(&self, set: &assay_store::EmbeddingSet) -> ApiResult<Arc<Vectors>> {
        cached(&self.vectors, set.id, || {
            let table = self.table(&set.dataset)?;
            let rows = self.store(|s| s.load_embeddings(set))?;
            Ok(normalised(&table, set.dim, rows))
        })
    }

    /// Embeds `text` with the CLIP model that made one of `dataset`'s
    /// image embedding sets; returns that set's vectors and the unit
    /// text vector.
    pub fn text_query(&self, dataset: &str, text: &str) -> ApiResult<(Arc<Vectors>, Vec<f32>)> {
        let sets = self.store(|s| s.embedding_sets(Some(dataset)))?;
        let mut why = Vec::new();
        for set in sets.iter().filter(|e| e.level.name() == "image") {
            match self.encoders.embed(set, text) {
                Ok(TextVector::Vector(mut v)) => {
                    assay_index::metric::normalize(&mut v);
                    return Ok((self.set_vectors(set)?, v));
                }
                Ok(TextVector::ImagesOnly) => {
                    why.push(format!("{:?} embeds images only", set.extractor))
                }
                Err(e) => why.push(e),
            }
        }
        let mut msg = format!(
            "text search needs image embeddings of dataset {dataset:?} from a CLIP model: run `assay embed --model PATH-TO-CLIP`"
        );
        if !why.is_empty() {
            msg.push_str(&format!(" ({})", why.join("; ")));
        }
        Err(ApiError::bad_request(msg))
    }

    /// Drops every cache built from the store when another process (an
    /// `assay quality`, an import, ...) has committed a change since they
    /// were built, so the explorer never answers from stale columns.
    pub fn refresh_if_changed(&self) -> ApiResult<()> {
        let now = self.store(|s| s.data_version())?;
        let mut seen = lock(&self.version);
        if *seen != Some(now) {
            if seen.is_some() {
                lock(&self.tables).clear();
                lock(&self.runs).clear();
                lock(&self.maps).clear();
                lock(&self.vectors).clear();
            }
            *seen = Some(now);
        }
        Ok(())
    }

    /// Forgets cached tables (after a change such as tags), so the next
    /// request reloads them.
    pub fn forget(&self, dataset: &str) {
        lock(&self.tables).remove(dataset);
    }
}

/// Locks `m`, recovering the data when a panicking request poisoned it.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The value cached under `key`, built by `build` on first use (outside
/// the lock, so other keys stay available meanwhile).
fn cached<V>(
    cache: &Mutex<HashMap<i64, Arc<V>>>,
    key: i64,
    build: impl FnOnce() -> ApiResult<V>,
) -> ApiResult<Arc<V>> {
    if let Some(v) = lock(cache).get(&key) {
        return Ok(Arc::clone(v));
    }
    let value = Arc::new(build()?);
    lock(cache).insert(key, Arc::clone(&value));
    Ok(value)
}

fn normalised(table: &DatasetTable, dim: usize, rows: Vec<((i64, i64), Vec<f32>)>) -> Vectors {
    let mut slot = vec![None; table.len()];
    let mut data = Vec::new();
    for ((sample, object), v) in rows {
        let Some(&i) = table.index_of_source.get(&sample) else {
            continue;
        };
        if object != assay_store::IMAGE_LEVEL || v.len() != dim {
            continue;
        }
        let mut v = v;
        assay_index::metric::normalize(&mut v);
        slot[i as usize] = Some((data.len() / dim) as u32);
        data.extend(v);
    }
    Vectors { dim, slot, data }
}
