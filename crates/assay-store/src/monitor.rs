//! Production monitoring: ingested records and the alerts fired on them.
//!
//! A stream is a dataset whose samples are the records' images: each
//! record becomes one sample (named by the record's id, its file stored
//! once by content hash), the detector's boxes become the model's
//! predictions, and what the model did is kept whole in
//! `monitor_records`. Ingesting a record whose id is stored already
//! changes nothing, so a client may send a batch again after a failure.

use std::collections::HashMap;
use std::path::PathBuf;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use assay_core::geometry::polygon_area;
use assay_core::model::Segmentation;

use crate::paths::StoredPath;
use crate::{Result, Store, StoreError};

/// A record's image file, stored under the project by its content hash.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordImage {
    /// Where the file lies (named by its hash, never by the client).
    pub path: PathBuf,
    /// BLAKE3 hash of the bytes, hex.
    pub hash: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// A predicted box of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordBox {
    /// Class name (a new class becomes one of the stream's classes).
    pub class: String,
    /// Confidence.
    pub score: f64,
    /// `[x, y, w, h]` in pixels.
    pub bbox: [f64; 4],
    /// The mask, when the model made one.
    pub mask: Option<Segmentation>,
}

impl RecordBox {
    /// The stored kind, area and segmentation JSON (the area: an RLE
    /// mask's pixels, polygons' shoelace area, else the box's).
    fn geometry(&self) -> (&'static str, f64, Option<String>) {
        match &self.mask {
            None => ("box", self.bbox[2] * self.bbox[3], None),
            Some(m) => {
                let (kind, area) = match m {
                    Segmentation::Rle { rle, .. } => ("mask", rle.area() as f64),
                    Segmentation::Polygons(parts) => {
                        ("polygon", parts.iter().map(|p| polygon_area(p)).sum())
                    }
                };
                (kind, area, serde_json::to_string(m).ok())
            }
        }
    }
}

/// One record to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    /// The client's id: unique over the project.
    pub record_id: String,
    /// The stream (a dataset, made on first use).
    pub stream: String,
    /// The model's name.
    pub model: String,
    /// Its version.
    pub version: Option<String>,
    /// When the model saw the image, in milliseconds since 1970 (UTC).
    pub time_ms: i64,
    /// How long the model took.
    pub latency_ms: Option<f64>,
    /// The model's failure, when it failed.
    pub error: Option<String>,
    /// What the model made, as JSON (kept whole).
    pub output: String,
    /// The client's free metadata, as a JSON object.
    pub metadata: Option<String>,
    /// The image, when the record has one.
    pub image: Option<RecordImage>,
    /// Predicted boxes (also stored as the model's predictions).
    pub boxes: Vec<RecordBox>,
    /// A generator's prompt and seed.
    pub generation: Option<(String, Option<i64>)>,
    /// Per-record metrics stored as sample metrics (time, latency, image
    /// metrics).
    pub metrics: Vec<(String, f64)>,
    /// The image's quality issues (stored as the sample's issues, so the
    /// explorer filters by them).
    pub issues: Vec<RecordIssue>,
}

/// A quality issue of a record's image.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordIssue {
    /// Issue type (`dark`, `blurry`, ...).
    pub kind: String,
    /// In [0, 1]; lower is worse.
    pub score: f64,
    /// What is wrong, in words.
    pub explanation: String,
}

/// What one ingestion stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IngestCounts {
    /// Records new to the store.
    pub stored: usize,
    /// Records whose id was stored already (left as they were).
    pub duplicates: usize,
}

/// A stored record, as windows read it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    /// The client's id.
    pub record_id: String,
    /// Its sample.
    pub sample_id: Option<i64>,
    /// The model's name.
    pub model: String,
    /// Its version.
    pub version: Option<String>,
    /// Milliseconds since 1970 (UTC).
    pub time_ms: i64,
    /// How long the model took.
    pub latency_ms: Option<f64>,
    /// The model's failure.
    pub error: Option<String>,
    /// What the model made (JSON).
    pub output: String,
    /// The true labels, once they arrived (JSON).
    pub labels: Option<String>,
}

/// The image issues of a stream's samples.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleIssues {
    /// The issue types seen (at most 64), bit `i` standing for `kinds[i]`.
    pub kinds: Vec<String>,
    /// Each flagged sample's types, by the sample's row id (as
    /// [`RecordRow::sample_id`]).
    pub flags: HashMap<i64, u64>,
}

/// A stream and how much it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamInfo {
    /// Its name (a dataset's).
    pub name: String,
    /// Records stored.
    pub records: usize,
    /// Time of the first record (ms since 1970).
    pub first_ms: Option<i64>,
    /// Time of the last record (ms since 1970).
    pub last_ms: Option<i64>,
}

/// An alert to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewAlert {
    /// The rule's name.
    pub rule: String,
    /// The metric it watches.
    pub metric: String,
    /// Start of the window (ms since 1970), inclusive.
    pub window_start_ms: i64,
    /// End of the window, exclusive.
    pub window_end_ms: i64,
    /// The window's value.
    pub value: Option<f64>,
    /// Lowest value that passes.
    pub lower: Option<f64>,
    /// Highest value that passes.
    pub upper: Option<f64>,
    /// What is wrong, in words.
    pub message: String,
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRow {
    /// Row id.
    pub id: i64,
    /// The stream.
    pub stream: String,
    /// What fired, with the window and values.
    #[serde(flatten)]
    pub alert: NewAlert,
    /// When it was stored (UTC).
    pub created_at: String,
}

impl Store {
    /// Stores records in one transaction: each new id becomes a sample of
    /// its stream with its predictions and metrics; ids stored already are
    /// counted and left alone. Returns when the transaction is committed.
    pub fn ingest_records(&mut self, records: &[NewRecord]) -> Result<IngestCounts> {
        let counts = self.ingest_groups(&[records])?;
        Ok(counts[0])
    }

    /// Stores several batches (several clients' requests) in one
    /// transaction, with the counts of each: one commit, one wait for the
    /// disk, however many requests arrived meanwhile.
    pub fn ingest_groups(&mut self, groups: &[&[NewRecord]]) -> Result<Vec<IngestCounts>> {
        let tx = self.write()?;
        let mut writer = RecordWriter::new(&tx);
        let mut out = Vec::with_capacity(groups.len());
        for records in groups {
            let mut counts = IngestCounts::default();
            for record in records.iter() {
                if writer.write(record)? {
                    counts.stored += 1;
                } else {
                    counts.duplicates += 1;
                }
            }
            out.push(counts);
        }
        drop(writer);
        tx.commit()?;
        Ok(out)
    }

    /// The streams: datasets that hold ingested records.
    pub fn monitor_streams(&self) -> Result<Vec<StreamInfo>> {
        let mut stmt = self.conn.prepare(
            "SELECT d.name, COUNT(*), MIN(r.time_ms), MAX(r.time_ms) FROM monitor_records r
             JOIN datasets d ON d.id = r.dataset_id GROUP BY d.id ORDER BY d.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(StreamInfo {
                name: r.get(0)?,
                records: r.get::<_, i64>(1)? as usize,
                first_ms: r.get(2)?,
                last_ms: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The image issues of kinds `kinds` of a stream's samples, as one bit
    /// per issue type (compact: a million flagged samples take a few
    /// megabytes).
    pub fn stream_issues(&self, stream: &str, kinds: &[&str]) -> Result<SampleIssues> {
        let dataset_id = self.dataset_id(stream)?;
        let mut stmt = self.conn.prepare(
            "SELECT sample_id, kind FROM issues WHERE dataset_id = ?1 AND annotation_source_id IS NULL",
        )?;
        let mut rows = stmt.query([dataset_id])?;
        let mut out = SampleIssues::default();
        while let Some(row) = rows.next()? {
            let (sample, kind): (i64, String) = (row.get(0)?, row.get(1)?);
            if !kinds.contains(&kind.as_str()) {
                continue;
            }
            let bit = match out.kinds.iter().position(|k| *k == kind) {
                Some(i) => i,
                None if out.kinds.len() < 64 => {
                    out.kinds.push(kind);
                    out.kinds.len() - 1
                }
                None => continue,
            };
            *out.flags.entry(sample).or_default() |= 1 << bit;
        }
        Ok(out)
    }

    /// The prompts of the generated samples among `samples` (row ids).
    pub fn prompts_of(&self, samples: &[i64]) -> Result<HashMap<i64, String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT prompt FROM generations WHERE sample_id = ?1")?;
        let mut out = HashMap::new();
        for &sample in samples {
            let prompt: Option<String> = stmt.query_row([sample], |r| r.get(0)).optional()?;
            if let Some(p) = prompt {
                out.insert(sample, p);
            }
        }
        Ok(out)
    }

    /// Whether some record of the stream came from a generator.
    pub fn stream_has_generations(&self, stream: &str) -> Result<bool> {
        let dataset_id = self.dataset_id(stream)?;
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM generations g JOIN samples s ON s.id = g.sample_id
                 WHERE s.dataset_id = ?1 LIMIT 1",
                [dataset_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Calls `f` with each of a stream's records in time order and the
    /// values of `metrics` its sample has (aligned with `metrics`), in one
    /// pass over the store: memory stays bounded however long the stream.
    /// Returns the number of records.
    pub fn for_each_monitor_record<E: From<StoreError>>(
        &self,
        stream: &str,
        metrics: &[&str],
        mut f: impl FnMut(RecordRow, &[Option<f64>]) -> Result<(), E>,
    ) -> Result<usize, E> {
        let dataset_id = self.dataset_id(stream)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.id, r.record_id, r.sample_id, r.model, r.version, r.time_ms, r.latency_ms,
                        r.error, r.output, r.labels, m.name, m.value
                 FROM monitor_records r LEFT JOIN sample_metrics m ON m.sample_id = r.sample_id
                 WHERE r.dataset_id = ?1 ORDER BY r.time_ms, r.id",
            )
            .map_err(StoreError::from)?;
        let mut rows = stmt.query([dataset_id]).map_err(StoreError::from)?;
        let mut current: Option<(i64, RecordRow)> = None;
        let mut values = vec![None; metrics.len()];
        let mut count = 0;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            let id: i64 = row.get(0).map_err(StoreError::from)?;
            if current.as_ref().is_none_or(|(c, _)| *c != id) {
                if let Some((_, done)) = current.take() {
                    f(done, &values)?;
                    count += 1;
                }
                values.iter_mut().for_each(|v| *v = None);
                let record = RecordRow {
                    record_id: row.get(1).map_err(StoreError::from)?,
                    sample_id: row.get(2).map_err(StoreError::from)?,
                    model: row.get(3).map_err(StoreError::from)?,
                    version: row.get(4).map_err(StoreError::from)?,
                    time_ms: row.get(5).map_err(StoreError::from)?,
                    latency_ms: row.get(6).map_err(StoreError::from)?,
                    error: row.get(7).map_err(StoreError::from)?,
                    output: row.get(8).map_err(StoreError::from)?,
                    labels: row.get(9).map_err(StoreError::from)?,
                };
                current = Some((id, record));
            }
            let name: Option<String> = row.get(10).map_err(StoreError::from)?;
            if let Some(at) = name.and_then(|n| metrics.iter().position(|m| *m == n)) {
                values[at] = row.get(11).map_err(StoreError::from)?;
            }
        }
        if let Some((_, done)) = current {
            f(done, &values)?;
            count += 1;
        }
        Ok(count)
    }

    /// Sets the true labels (JSON) of records by id, in one transaction.
    /// Returns the ids that are not stored; when there are any, nothing is
    /// changed.
    pub fn set_record_labels(&mut self, labels: &[(String, String)]) -> Result<Vec<String>> {
        let tx = self.write()?;
        let mut unknown = Vec::new();
        {
            let mut stmt =
                tx.prepare("UPDATE monitor_records SET labels = ?2 WHERE record_id = ?1")?;
            for (id, json) in labels {
                if stmt.execute(params![id, json])? == 0 {
                    unknown.push(id.clone());
                }
            }
        }
        if unknown.is_empty() {
            tx.commit()?;
        }
        Ok(unknown)
    }

    /// Stores alerts; an alert of the same rule on the same window of the
    /// same stream is kept once. Returns, per alert, whether it is new.
    pub fn record_alerts(&mut self, stream: &str, alerts: &[NewAlert]) -> Result<Vec<bool>> {
        let dataset_id = self.dataset_id(stream)?;
        let tx = self.write()?;
        let mut new = Vec::with_capacity(alerts.len());
        {
            let mut stmt = tx.prepare(
                "INSERT OR IGNORE INTO monitor_alerts
                 (dataset_id, rule, metric, window_start_ms, window_end_ms, value, lower, upper, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for a in alerts {
                let n = stmt.execute(params![
                    dataset_id,
                    a.rule,
                    a.metric,
                    a.window_start_ms,
                    a.window_end_ms,
                    a.value,
                    a.lower,
                    a.upper,
                    a.message
                ])?;
                new.push(n == 1);
            }
        }
        tx.commit()?;
        Ok(new)
    }

    /// Stored alerts, oldest window first (of one stream, or all).
    pub fn monitor_alerts(&self, stream: Option<&str>) -> Result<Vec<AlertRow>> {
        let dataset_id = stream.map(|s| self.dataset_id(s)).transpose()?;
        let mut stmt = self.conn.prepare(
            "SELECT a.id, d.name, a.rule, a.metric, a.window_start_ms, a.window_end_ms, a.value,
                    a.lower, a.upper, a.message, a.created_at
             FROM monitor_alerts a JOIN datasets d ON d.id = a.dataset_id
             WHERE ?1 IS NULL OR a.dataset_id = ?1
             ORDER BY a.window_start_ms, a.id",
        )?;
        let rows = stmt.query_map([dataset_id], |r| {
            Ok(AlertRow {
                id: r.get(0)?,
                stream: r.get(1)?,
                alert: NewAlert {
                    rule: r.get(2)?,
                    metric: r.get(3)?,
                    window_start_ms: r.get(4)?,
                    window_end_ms: r.get(5)?,
                    value: r.get(6)?,
                    lower: r.get(7)?,
                    upper: r.get(8)?,
                    message: r.get(9)?,
                },
                created_at: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Writes records inside one transaction, remembering the streams',
/// classes' and models' rows it has looked up.
struct RecordWriter<'t> {
    tx: &'t Transaction<'t>,
    streams: HashMap<String, i64>,
    classes: HashMap<(i64, String), i64>,
    models: HashMap<String, i64>,
    next_sample: HashMap<i64, i64>,
}

impl<'t> RecordWriter<'t> {
    fn new(tx: &'t Transaction<'t>) -> Self {
        RecordWriter {
            tx,
            streams: HashMap::new(),
            classes: HashMap::new(),
            models: HashMap::new(),
            next_sample: HashMap::new(),
        }
    }

    /// Writes one record; false when its id is stored already.
    fn write(&mut self, r: &NewRecord) -> Result<bool> {
        let known: Option<i64> = self
            .tx
            .prepare_cached("SELECT 1 FROM monitor_records WHERE record_id = ?1")?
            .query_row([&r.record_id], |row| row.get(0))
            .optional()?;
        if known.is_some() {
            return Ok(false);
        }
        let dataset = self.stream(&r.stream)?;
        let sample = self.sample(dataset, r)?;
        self.tx
            .prepare_cached(
                "INSERT INTO monitor_records
                 (record_id, dataset_id, sample_id, model, version, time_ms, latency_ms, error, output, metadata)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                r.record_id,
                dataset,
                sample,
                r.model,
                r.version,
                r.time_ms,
                r.latency_ms,
                r.error,
                r.output,
                r.metadata
            ])?;
        if let Some((prompt, seed)) = &r.generation {
            self.tx
                .prepare_cached(
                    "INSERT INTO generations (sample_id, prompt, model, seed) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![sample, prompt, r.model, seed])?;
        }
        let mut metric = self.tx.prepare_cached(
            "INSERT INTO sample_metrics (sample_id, name, value) VALUES (?1, ?2, ?3)",
        )?;
        for (name, value) in &r.metrics {
            metric.execute(params![sample, name, value.is_finite().then_some(*value)])?;
        }
        drop(metric);
        for i in &r.issues {
            self.tx
                .prepare_cached(
                    "INSERT INTO issues (dataset_id, sample_id, kind, score, explanation)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![dataset, sample, i.kind, i.score, i.explanation])?;
        }
        if !r.boxes.is_empty() {
            let model = self.model(&r.model)?;
            for (i, b) in r.boxes.iter().enumerate() {
                let category = self.class(dataset, &b.class)?;
                let (kind, area, segmentation) = b.geometry();
                self.tx
                    .prepare_cached(
                        "INSERT INTO predictions (model_id, sample_id, category_id, source_id, kind, score, x, y, w, h, area, segmentation)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    )?
                    .execute(params![
                        model,
                        sample,
                        category,
                        i as i64 + 1,
                        kind,
                        b.score,
                        b.bbox[0],
                        b.bbox[1],
                        b.bbox[2],
                        b.bbox[3],
                        area,
                        segmentation
                    ])?;
            }
        }
        Ok(true)
    }

    /// The sample row of a record: its id as the file name.
    fn sample(&mut self, dataset: i64, r: &NewRecord) -> Result<i64> {
        let next = match self.next_sample.get(&dataset) {
            Some(&n) => n,
            None => self.tx.query_row(
                "SELECT COALESCE(MAX(source_id), 0) + 1 FROM samples WHERE dataset_id = ?1",
                [dataset],
                |row| row.get(0),
            )?,
        };
        self.next_sample.insert(dataset, next + 1);
        let image = r.image.as_ref();
        self.tx
            .prepare_cached(
                "INSERT INTO samples (dataset_id, source_id, file_name, width, height, path, content_hash, bytes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                dataset,
                next,
                r.record_id,
                image.map(|i| i.width),
                image.map(|i| i.height),
                image.map(|i| StoredPath(i.path.clone())),
                image.map(|i| &i.hash),
                image.map(|i| i.bytes as i64)
            ])?;
        Ok(self.tx.last_insert_rowid())
    }

    fn stream(&mut self, name: &str) -> Result<i64> {
        if let Some(&id) = self.streams.get(name) {
            return Ok(id);
        }
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO datasets (name) VALUES (?1)")?
            .execute([name])?;
        let id: i64 =
            self.tx
                .query_row("SELECT id FROM datasets WHERE name = ?1", [name], |r| {
                    r.get(0)
                })?;
        // A dataset imported as such is not a stream: records would mix
        // with its images.
        let imported: bool = self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM samples WHERE dataset_id = ?1)
                AND NOT EXISTS (SELECT 1 FROM monitor_records WHERE dataset_id = ?1)",
            [id],
            |r| r.get(0),
        )?;
        if imported {
            return Err(StoreError::Conflict(format!(
                "{name:?} is an imported dataset, not a monitoring stream; send the records to another stream"
            )));
        }
        self.streams.insert(name.to_string(), id);
        Ok(id)
    }

    fn model(&mut self, name: &str) -> Result<i64> {
        if let Some(&id) = self.models.get(name) {
            return Ok(id);
        }
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO models (name) VALUES (?1)")?
            .execute([name])?;
        let id: i64 = self
            .tx
            .query_row("SELECT id FROM models WHERE name = ?1", [name], |r| {
                r.get(0)
            })?;
        self.models.insert(name.to_string(), id);
        Ok(id)
    }

    /// The category row of a class of the stream, made on first use.
    fn class(&mut self, dataset: i64, name: &str) -> Result<i64> {
        let key = (dataset, name.to_string());
        if let Some(&id) = self.classes.get(&key) {
            return Ok(id);
        }
        let found: Option<i64> = self
            .tx
            .query_row(
                "SELECT id FROM categories WHERE dataset_id = ?1 AND name = ?2",
                params![dataset, name],
                |r| r.get(0),
            )
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                self.tx.execute(
                    "INSERT INTO categories (dataset_id, source_id, name)
                     SELECT ?1, COALESCE(MAX(source_id), 0) + 1, ?2 FROM categories WHERE dataset_id = ?1",
                    params![dataset, name],
                )?;
                self.tx.last_insert_rowid()
            }
        };
        self.classes.insert(key, id);
        Ok(id)
    }
}
