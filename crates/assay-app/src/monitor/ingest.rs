//! Ingesting records: checked, images stored once by content hash under
//! `.assay/blobs/` and measured, then written to the store in one
//! transaction per batch. The server and `assay ingest` both come here.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{bail, Context, Result};
use assay_image::decode::FileFormat;
use assay_quality::image_metrics::ImageMetrics;
use assay_quality::issues::{find_issues, IssueConfig, IssueType};
use assay_store::{IngestCounts, NewRecord, RecordBox, RecordImage, RecordIssue, Store};
use base64::Engine;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::record::{from_json, from_value, IngestRecord, RecordLabels};
use crate::progress::Progress;

/// The stream of records that name none.
pub const DEFAULT_STREAM: &str = "production";
/// Largest image a record may carry.
pub const MAX_IMAGE_BYTES: usize = 16 << 20;
/// Most records in one request.
pub const MAX_BATCH: usize = 10_000;
/// The image metrics stored per record (the names `assay quality` uses).
pub const IMAGE_METRICS: [&str; 7] = [
    "brightness",
    "contrast",
    "blurriness",
    "entropy",
    "colourfulness",
    "saturation",
    "noise",
];
/// Records written per transaction by `assay ingest`.
const FILE_CHUNK: usize = 2_000;

/// Which image paths a receiver may read: only files under these folders.
#[derive(Debug, Clone, Default)]
pub struct ImagePolicy {
    roots: Vec<PathBuf>,
}

impl ImagePolicy {
    /// No paths at all: images must come as bytes.
    pub fn bytes_only() -> Self {
        ImagePolicy::default()
    }

    /// Paths under these folders (relative paths are resolved against the
    /// first).
    pub fn under(roots: &[PathBuf]) -> Result<Self> {
        let roots = roots
            .iter()
            .map(|r| {
                r.canonicalize()
                    .with_context(|| format!("image root {}", r.display()))
            })
            .collect::<Result<_>>()?;
        Ok(ImagePolicy { roots })
    }

    /// The file `path` names, when the policy allows reading it.
    fn resolve(&self, path: &str) -> Result<PathBuf, String> {
        let first = self.roots.first().ok_or_else(|| {
            "$.image.path: this receiver reads no paths; send the image as base64".to_string()
        })?;
        let full = first
            .join(path)
            .canonicalize()
            .map_err(|e| format!("$.image.path: cannot read {path:?}: {e}"))?;
        if !self.roots.iter().any(|r| full.starts_with(r)) {
            return Err(format!(
                "$.image.path: {path:?} is outside the folders images may be read from"
            ));
        }
        Ok(full)
    }
}

/// Where a project keeps ingested images.
pub fn blob_dir(store: &Store) -> PathBuf {
    store.root().join(assay_store::PROJECT_DIR).join("blobs")
}

/// A request's records: `{"records": [...]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    records: Vec<IngestRecord>,
}

/// Reads and checks a request body; the error names the JSON path.
pub fn parse_batch(body: &[u8]) -> Result<Vec<IngestRecord>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_string())?;
    let batch: Batch = from_json(text)?;
    if batch.records.len() > MAX_BATCH {
        return Err(format!(
            "$.records: {} records; at most {MAX_BATCH} per request",
            batch.records.len()
        ));
    }
    for (i, r) in batch.records.iter().enumerate() {
        r.validate()
            .map_err(|e| e.replacen('$', &format!("$.records[{i}]"), 1))?;
    }
    Ok(batch.records)
}

/// Turns checked records into what the store writes, on all cores: each
/// image is read (by the policy), measured and stored under `blobs`.
pub fn prepare_all(
    records: &[IngestRecord],
    policy: &ImagePolicy,
    blobs: &Path,
) -> Result<Vec<NewRecord>, String> {
    records
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            prepare(r, policy, blobs).map_err(|e| format!("record {i} ({:?}): {e}", r.id))
        })
        .collect()
}

/// One record as the store writes it.
pub fn prepare(r: &IngestRecord, policy: &ImagePolicy, blobs: &Path) -> Result<NewRecord, String> {
    let time_ms = r.time_ms()?;
    let output = r.output();
    let mut metrics = vec![("timestamp".to_string(), time_ms as f64 / 1000.0)];
    if let Some(ms) = r.latency_ms {
        metrics.push(("latency_ms".to_string(), ms));
    }
    let (image, issues) = match &r.image {
        Some(input) => {
            let bytes = image_bytes(input, policy)?;
            let stored = store_image(&bytes, blobs)?;
            metrics.extend(stored.metrics);
            (Some(stored.image), stored.issues)
        }
        None => (None, Vec::new()),
    };
    Ok(NewRecord {
        record_id: r.id.clone(),
        stream: r
            .stream
            .clone()
            .unwrap_or_else(|| DEFAULT_STREAM.to_string()),
        model: r.model.clone(),
        version: r.version.clone(),
        time_ms,
        latency_ms: r.latency_ms,
        error: r.error.clone(),
        output: serde_json::to_string(&output).map_err(|e| e.to_string())?,
        metadata: r
            .metadata
            .as_ref()
            .map(|m| serde_json::to_string(m).map_err(|e| e.to_string()))
            .transpose()?,
        image,
        boxes: r
            .boxes
            .iter()
            .filter_map(|b| {
                Some(RecordBox {
                    class: b.class.clone(),
                    score: b.score,
                    bbox: b.bounds()?,
                    mask: b.mask.clone(),
                })
            })
            .collect(),
        generation: output
            .generation
            .as_ref()
            .map(|g| (g.prompt.clone(), g.seed)),
        metrics,
        issues,
    })
}

fn image_bytes(input: &super::record::ImageInput, policy: &ImagePolicy) -> Result<Vec<u8>, String> {
    let bytes = if let Some(b64) = &input.base64 {
        if b64.len() > MAX_IMAGE_BYTES / 3 * 4 + 4 {
            return Err(format!(
                "$.image.base64: larger than {MAX_IMAGE_BYTES} bytes"
            ));
        }
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| format!("$.image.base64: {e}"))?
    } else if let Some(path) = &input.path {
        let full = policy.resolve(path)?;
        let size = std::fs::metadata(&full).map(|m| m.len()).unwrap_or(0);
        if size > MAX_IMAGE_BYTES as u64 {
            return Err(format!(
                "$.image.path: {path:?} is larger than {MAX_IMAGE_BYTES} bytes"
            ));
        }
        std::fs::read(&full).map_err(|e| format!("$.image.path: cannot read {path:?}: {e}"))?
    } else {
        return Err("$.image: expected base64 or path".into());
    };
    Ok(bytes)
}

/// The issue types an image decides alone (absolute thresholds, the same
/// as `assay quality`'s): a record's flags need no other record. The
/// dataset-relative ones (odd size, outliers, duplicates) are left to
/// `assay quality` over the stream; an unreadable image is the
/// `unreadable` metric.
pub fn record_issue_types() -> Vec<IssueType> {
    IssueType::ALL
        .into_iter()
        .filter(|t| t.judged_alone())
        .collect()
}

/// A stored image: where, its metrics and its issues.
struct StoredImage {
    image: RecordImage,
    metrics: Vec<(String, f64)>,
    issues: Vec<RecordIssue>,
}

/// The quality issues of one measured image.
fn image_issues(m: &ImageMetrics) -> Vec<RecordIssue> {
    let config = IssueConfig {
        issue_types: record_issue_types(),
        ..IssueConfig::default()
    };
    let report = find_issues(&[Ok(m)], &config);
    report
        .results
        .iter()
        .flat_map(|r| {
            r.flagged.iter().map(|f| RecordIssue {
                kind: r.issue_type.name().to_string(),
                score: f.score,
                explanation: f
                    .detail
                    .clone()
                    .unwrap_or_else(|| r.issue_type.explanation().to_string()),
            })
        })
        .collect()
}

/// Stores an image by its content hash, measures it and finds its
/// issues; an image that does not decode is kept and counted
/// (`unreadable` = 1).
fn store_image(bytes: &[u8], blobs: &Path) -> Result<StoredImage, String> {
    let measured = assay_quality::image_metrics::measure_bytes(bytes).ok();
    let mut metrics = vec![(
        "unreadable".to_string(),
        if measured.is_some() { 0.0 } else { 1.0 },
    )];
    if let Some(m) = &measured {
        for name in IMAGE_METRICS {
            let value = assay_quality::columns::METRIC_COLUMNS
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.value(m));
            if let Some(assay_quality::columns::MetricValue::Number(v)) = value {
                metrics.push((name.to_string(), v));
            }
        }
    }
    // Measuring hashed the file already (BLAKE3, as here).
    let hash = measured.as_ref().map_or_else(
        || blake3::hash(bytes).to_hex().to_string(),
        |m| m.file_hash.clone(),
    );
    let ext = FileFormat::sniff(bytes).map_or("bin", FileFormat::name);
    let path = write_blob(blobs, &hash, ext, bytes)
        .map_err(|e| format!("cannot store the image under {}: {e}", blobs.display()))?;
    let image = RecordImage {
        path,
        hash,
        bytes: bytes.len() as u64,
        width: measured.as_ref().map_or(0, |m| m.width),
        height: measured.as_ref().map_or(0, |m| m.height),
    };
    Ok(StoredImage {
        image,
        metrics,
        issues: measured.as_ref().map(image_issues).unwrap_or_default(),
    })
}

/// Writes `bytes` as `<blobs>/<hash[..2]>/<hash>.<ext>` unless it is there:
/// to a temporary name first, then renamed, so a reader never sees half.
fn write_blob(blobs: &Path, hash: &str, ext: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = blobs.join(&hash[..2]);
    let path = dir.join(format!("{hash}.{ext}"));
    if path.is_file() {
        return Ok(path);
    }
    std::fs::create_dir_all(&dir)?;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{hash}.{}.{n}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// What `assay ingest` did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IngestSummary {
    /// The file read.
    pub file: String,
    /// Records read.
    pub records: usize,
    /// Stored and already-stored records.
    #[serde(flatten)]
    pub counts: IngestCounts,
}

/// `assay ingest FILE.jsonl|FILE.parquet`: every record is checked first
/// (nothing is stored when one is wrong), then the records are stored in
/// batches.
/// Image paths are read under the file's folder and `roots`.
pub fn ingest_file(
    store: &mut Store,
    file: &Path,
    roots: &[PathBuf],
    progress: &dyn Progress,
) -> Result<IngestSummary> {
    let folder = file.parent().map(|p| {
        if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        }
    });
    let mut all_roots: Vec<PathBuf> = folder.into_iter().map(Path::to_path_buf).collect();
    all_roots.extend(roots.iter().cloned());
    let policy = ImagePolicy::under(&all_roots)?;
    let total = check_file(file, &policy)?;
    let blobs = blob_dir(store);
    progress.start("ingesting records", total as u64);
    let mut summary = IngestSummary {
        file: file.display().to_string(),
        records: total,
        ..IngestSummary::default()
    };
    let mut chunk = Vec::with_capacity(FILE_CHUNK);
    let mut first = String::new();
    let mut flush = |chunk: &mut Vec<IngestRecord>, first: &str| -> Result<()> {
        let prepared = prepare_all(chunk, &policy, &blobs)
            .map_err(|e| anyhow::anyhow!("the batch from {first}: {e}"))?;
        let counts = store.ingest_records(&prepared).with_context(|| {
            format!("storing the records from {first} (those before it are stored; ingesting the file again stores only the rest)")
        })?;
        summary.counts.stored += counts.stored;
        summary.counts.duplicates += counts.duplicates;
        progress.advance(chunk.len() as u64);
        chunk.clear();
        Ok(())
    };
    for_each_record(file, |at, record| {
        if chunk.is_empty() {
            first = at.clone();
        }
        chunk.push(record.map_err(|e| anyhow::anyhow!("{at}: {e}"))?);
        if chunk.len() == FILE_CHUNK {
            flush(&mut chunk, &first)?;
        }
        Ok(())
    })?;
    if !chunk.is_empty() {
        flush(&mut chunk, &first)?;
    }
    progress.finish();
    Ok(summary)
}

/// Reads every record once, checking it; returns the number of records.
fn check_file(file: &Path, policy: &ImagePolicy) -> Result<usize> {
    let n = for_each_record(file, |at, record| {
        let fail = |e: String| anyhow::anyhow!("{at}: {e}");
        let record = record.map_err(fail)?;
        record.validate().map_err(fail)?;
        if let Some(path) = record.image.as_ref().and_then(|i| i.path.as_ref()) {
            policy.resolve(path).map_err(fail)?;
        }
        Ok(())
    })?;
    if n == 0 {
        bail!(
            "{}: no records (expected one JSON object per line, or a Parquet table)",
            file.display()
        );
    }
    Ok(n)
}

/// Calls `f` with each record of `file` (Parquet when its name ends in
/// `.parquet`, else JSON lines) and where it is (`file:line`, `file row
/// n`); returns the number of records. A Parquet table has a column per
/// field (nested lists and structs for `boxes`, a map or struct for
/// `probabilities`), with the image's bytes in a binary column `image` or
/// its path in `image_path`.
fn for_each_record(
    file: &Path,
    mut f: impl FnMut(String, Result<IngestRecord, String>) -> Result<()>,
) -> Result<usize> {
    let parquet = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if parquet {
        return assay_io::parquet_rows::for_each_parquet_row(file, |row, mut object| {
            // Flat columns for the image: `image` its bytes (read as
            // base64), `image_path` a path.
            if let Some(bytes) = object.remove("image") {
                object.insert("image".into(), serde_json::json!({ "base64": bytes }));
            }
            if let Some(path) = object.remove("image_path") {
                object.insert("image".into(), serde_json::json!({ "path": path }));
            }
            let record = from_value(serde_json::Value::Object(object));
            f(format!("{} row {row}", file.display()), record)
        });
    }
    let mut n = 0;
    for (i, line) in lines(file)?.enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        n += 1;
        f(format!("{}:{}", file.display(), i + 1), from_json(&line))?;
    }
    Ok(n)
}

fn lines(file: &Path) -> Result<impl Iterator<Item = Result<String>> + '_> {
    let f = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    Ok(BufReader::new(f).lines().enumerate().map(move |(i, l)| {
        l.with_context(|| format!("{}:{}: cannot read the line", file.display(), i + 1))
    }))
}

/// `assay ingest --labels FILE.jsonl`: true labels of stored records, all
/// or nothing. Returns the number of records labelled.
pub fn ingest_labels(store: &mut Store, file: &Path) -> Result<usize> {
    let mut labels = Vec::new();
    for (i, line) in lines(file)?.enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let at = |e: String| anyhow::anyhow!("{}:{}: {e}", file.display(), i + 1);
        let l: RecordLabels = from_json(&line).map_err(at)?;
        l.validate().map_err(at)?;
        labels.push((l.id.clone(), serde_json::to_string(&l)?));
    }
    let unknown = store.set_record_labels(&labels)?;
    if !unknown.is_empty() {
        let shown: Vec<&str> = unknown.iter().take(5).map(String::as_str).collect();
        bail!(
            "{}: {} labels name records that are not stored ({}{}); nothing was changed",
            file.display(),
            unknown.len(),
            shown.join(", "),
            if unknown.len() > 5 { ", ..." } else { "" }
        );
    }
    Ok(labels.len())
}
