//! Generated-image manifests: a CSV (with a header) or JSONL file with one row
//! per generated image and at least the columns `file`, `prompt`, `model`,
//! and optionally `seed`. Other columns are ignored.

use std::collections::HashMap;
use std::path::Path;

use assay_core::model::{Dataset, Generation, Sample};
use serde::Deserialize as _;

use crate::error::{read_text, IoError, Result, Warnings};

/// A manifest read into a dataset of generated images.
#[derive(Debug)]
pub struct ManifestRead {
    /// One sample per row, numbered from 1, with its prompt, model and seed.
    pub dataset: Dataset,
    /// Ignored columns and similar.
    pub warnings: Warnings,
}

#[derive(serde::Deserialize)]
struct Row {
    file: String,
    prompt: String,
    model: String,
    #[serde(default, deserialize_with = "seed")]
    seed: Option<i64>,
}

/// Seeds may be written as numbers, numeric strings or left empty.
fn seed<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<i64>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Seed {
        Int(i64),
        Text(String),
    }
    match Option::<Seed>::deserialize(d)? {
        None => Ok(None),
        Some(Seed::Int(v)) => Ok(Some(v)),
        Some(Seed::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Seed::Text(t)) => t.trim().parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("expected an integer seed, found {t:?}"))
        }),
    }
}

/// Reads a `.csv` or `.jsonl` manifest.
pub fn read_manifest(path: &Path) -> Result<ManifestRead> {
    let text = read_text(path)?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut warnings = Warnings::default();
    let rows = match ext.as_str() {
        "csv" => read_csv_rows(path, &text, &mut warnings)?,
        "jsonl" | "ndjson" => read_jsonl_rows(path, &text)?,
        _ => {
            return Err(IoError::file(
                path,
                "unsupported manifest format; expected a .csv or .jsonl file",
            ))
        }
    };
    if rows.is_empty() {
        return Err(IoError::file(path, "the manifest has no rows"));
    }
    let mut seen = HashMap::new();
    let mut dataset = Dataset::default();
    for (line, row) in rows {
        if let Some(first) = seen.insert(row.file.clone(), line) {
            let msg = format!(
                "file {:?} is listed twice (first on line {first})",
                row.file
            );
            return Err(IoError::at(path, format!("line {line}"), msg));
        }
        if row.file.trim().is_empty() {
            return Err(IoError::at(
                path,
                format!("line {line}"),
                "expected a file name in `file`",
            ));
        }
        dataset.samples.push(Sample {
            id: dataset.samples.len() as i64 + 1,
            file_name: row.file,
            width: None,
            height: None,
            split: None,
            generation: Some(Generation {
                prompt: row.prompt,
                model: row.model,
                seed: row.seed,
            }),
        });
    }
    Ok(ManifestRead { dataset, warnings })
}

fn read_csv_rows(path: &Path, text: &str, warnings: &mut Warnings) -> Result<Vec<(usize, Row)>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| IoError::at(path, "line 1", format!("expected a header row: {e}")))?
        .clone();
    for required in ["file", "prompt", "model"] {
        if !headers.iter().any(|h| h == required) {
            let msg = format!(
                "expected a `{required}` column; found columns {:?}",
                headers.iter().collect::<Vec<_>>()
            );
            return Err(IoError::at(path, "line 1", msg));
        }
    }
    let known = ["file", "prompt", "model", "seed"];
    let ignored: Vec<&str> = headers.iter().filter(|h| !known.contains(h)).collect();
    if !ignored.is_empty() {
        let location = format!("{}: line 1", path.display());
        warnings.push(
            "ignored_columns",
            location,
            format!("columns {ignored:?} are not used"),
        );
    }
    let mut rows = Vec::new();
    for record in reader.deserialize::<Row>() {
        let row = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            IoError::at(
                path,
                format!("line {line}"),
                format!("expected file, prompt, model[, seed]: {e}"),
            )
        })?;
        rows.push((rows.len() + 2, row));
    }
    Ok(rows)
}

fn read_jsonl_rows(path: &Path, text: &str) -> Result<Vec<(usize, Row)>> {
    let mut rows = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let row: Row = serde_json::from_str(line).map_err(|e| {
            IoError::at(
                path,
                format!("line {}", i + 1),
                format!("expected an object with file, prompt, model[, seed]: {e}"),
            )
        })?;
        rows.push((i + 1, row));
    }
    Ok(rows)
}
