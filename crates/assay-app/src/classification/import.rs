//! A classifier's output brought into a project: per image, scores for
//! every class (or just the predicted class), matched to the dataset's
//! images by file name and to its classes by name.
//!
//! Accepted files:
//! - `--probs scores.npy --rows rows.txt`: an `N x K` array and the file
//!   name of each row (one a line, or a CSV with a `file` column);
//! - `--probs scores.csv`: a `file` column and one column per class, named
//!   after the classes;
//! - `--preds preds.csv`: a `file` column and a `pred` column (class names
//!   or indices);
//! - `--probs out.jsonl` / `--preds out.jsonl`: one object a line,
//!   `{"file": ..., "scores": [...]}` or `{"file": ..., "class": "cat"}`.
//!
//! Columns are matched to the dataset's classes by name (CSV header,
//! `--class-names`); without names, the `K` columns are the dataset's `K`
//! classes in id order. A row names an image by its file name in the
//! dataset, or by a longer path ending in it (`test/cat/0001.jpg` finds
//! `cat/0001.jpg`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use assay_core::model::Dataset;
use assay_io::names::{SampleNames, FILE_COLUMNS};
use assay_store::{ClassPrediction, Selection, Store};

use super::files::{self, has_extension, read_class_names, softmax_rows};

/// The files of a classifier's output.
#[derive(Debug, Clone, Default)]
pub struct ClassFiles {
    /// Scores or probabilities per image (`.npy`, `.csv`, `.jsonl`).
    pub probs: Option<PathBuf>,
    /// Predicted classes per image (`.csv`, `.jsonl`).
    pub preds: Option<PathBuf>,
    /// The file name of each row of a `.npy` array.
    pub rows: Option<PathBuf>,
    /// Class names of the columns, one a line.
    pub class_names: Option<PathBuf>,
    /// Turn each row of scores into probabilities (logits in).
    pub softmax: bool,
}

/// What an import stored.
#[derive(Debug, Clone)]
pub struct ClassImport {
    /// Images given a prediction.
    pub matched: usize,
    /// Rows naming no image of the dataset (at most ten shown).
    pub unmatched: Vec<String>,
    /// Number of unmatched rows.
    pub unmatched_count: usize,
    /// Dataset images without a row.
    pub missing: usize,
    /// How the columns were matched to classes, in words.
    pub columns: String,
}

/// One row of the files: an image name and its scores or class.
struct Row {
    file: String,
    /// Where the row is, for messages (`rows.txt line 4`).
    location: String,
    output: Output,
}

enum Output {
    Scores(Vec<f64>),
    Class(String),
}

/// Reads the classifier's output files and stores them as `model`'s class
/// predictions on `dataset`, replacing earlier ones. Nothing is stored when
/// a file is wrong.
pub fn import_classifications(
    store: &mut Store,
    dataset: &str,
    model: &str,
    input: &ClassFiles,
) -> Result<ClassImport> {
    let data = store.load_dataset(dataset, &Selection::default())?;
    if data.categories.is_empty() {
        bail!("dataset {dataset:?} has no classes; import it with its image labels first (e.g. `assay import folder --class-folders`)");
    }
    let names = input
        .class_names
        .as_deref()
        .map(read_class_names)
        .transpose()?;
    let (rows, header) = read_rows(input, names.as_deref())?;
    let mut classes = Classes::of(&data);
    let columns = classes.order_columns(header.as_deref().or(names.as_deref()), input)?;
    let by_name = SampleNames::new(&data);
    let mut predictions = Vec::new();
    let mut unmatched = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        let Some(sample_id) = by_name.find(&row.file) else {
            unmatched.push(row.file);
            continue;
        };
        if !seen.insert(sample_id) {
            bail!(
                "{}: image {:?} has a second row; expected one row per image",
                row.location,
                row.file
            );
        }
        predictions.push(classes.prediction(sample_id, row, &columns, input.softmax)?);
    }
    if predictions.is_empty() {
        bail!(
            "no row names an image of dataset {dataset:?} (first row: {:?}); rows name images by their file name in the dataset, e.g. {:?}",
            unmatched.first().map(String::as_str).unwrap_or(""),
            data.samples.first().map(|s| s.file_name.as_str()).unwrap_or("")
        );
    }
    let matched = store.add_class_predictions(dataset, model, &predictions)?;
    let unmatched_count = unmatched.len();
    unmatched.truncate(10);
    Ok(ClassImport {
        matched,
        unmatched,
        unmatched_count,
        missing: data.samples.len() - matched,
        columns: classes.described,
    })
}

/// The dataset's classes and how the file's columns map onto them.
struct Classes {
    /// Category ids in id order (the stored score order).
    ids: Vec<i64>,
    names: Vec<String>,
    described: String,
}

impl Classes {
    fn of(data: &Dataset) -> Self {
        let mut categories: Vec<(i64, String)> = data
            .categories
            .iter()
            .map(|c| (c.id, c.name.clone()))
            .collect();
        categories.sort();
        let (ids, names) = categories.into_iter().unzip();
        Self {
            ids,
            names,
            described: String::new(),
        }
    }

    /// For each dataset class (in id order), the file column holding it.
    fn order_columns(
        &mut self,
        column_names: Option<&[String]>,
        input: &ClassFiles,
    ) -> Result<Vec<usize>> {
        let Some(columns) = column_names else {
            self.described = format!(
                "columns taken as the dataset's {} classes in id order ({}, ...)",
                self.names.len(),
                self.names
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Ok((0..self.names.len()).collect());
        };
        let source = input
            .class_names
            .as_ref()
            .or(input.probs.as_ref())
            .map_or_else(String::new, |p| p.display().to_string());
        if let Some(unknown) = columns.iter().find(|c| !self.names.contains(c)) {
            bail!(
                "{source}: class {unknown:?} is not a class of the dataset ({})",
                self.names.join(", ")
            );
        }
        let order = self
            .names
            .iter()
            .map(|name| {
                columns.iter().position(|c| c == name).with_context(|| {
                    format!("{source}: no column for the dataset's class {name:?}")
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.described = "columns matched to the dataset's classes by name".to_string();
        Ok(order)
    }

    fn prediction(
        &self,
        sample_id: i64,
        row: Row,
        columns: &[usize],
        softmax: bool,
    ) -> Result<ClassPrediction> {
        match row.output {
            Output::Scores(mut values) => {
                if values.len() != columns.len() {
                    bail!(
                        "{}: {} scores, but the dataset has {} classes",
                        row.location,
                        values.len(),
                        columns.len()
                    );
                }
                if let Some(v) = values.iter().find(|v| !v.is_finite()) {
                    bail!("{}: score {v} is not a finite number", row.location);
                }
                if softmax {
                    softmax_rows(&mut values, columns.len());
                }
                let scores: Vec<f64> = columns.iter().map(|&c| values[c]).collect();
                let best =
                    (0..scores.len()).fold(0, |b, c| if scores[c] > scores[b] { c } else { b });
                Ok(ClassPrediction {
                    sample_id,
                    category_id: self.ids[best],
                    scores,
                })
            }
            Output::Class(class) => {
                let at = self.names.iter().position(|n| *n == class).or_else(|| {
                    let index: usize = class.parse().ok()?;
                    (index < self.ids.len()).then_some(index)
                });
                let at = at.with_context(|| {
                    format!(
                        "{}: {class:?} is neither a class of the dataset ({}) nor a class index below {}",
                        row.location,
                        self.names.join(", "),
                        self.ids.len()
                    )
                })?;
                Ok(ClassPrediction {
                    sample_id,
                    category_id: self.ids[at],
                    scores: Vec::new(),
                })
            }
        }
    }
}

/// The rows of the input files and, for a CSV of scores, its class columns.
fn read_rows(
    input: &ClassFiles,
    names: Option<&[String]>,
) -> Result<(Vec<Row>, Option<Vec<String>>)> {
    match (&input.probs, &input.preds) {
        (Some(_), Some(_)) => bail!("give --probs or --preds, not both"),
        (None, None) => {
            bail!("give --probs FILE (scores per class) or --preds FILE (a class per image)")
        }
        (Some(p), None) if has_extension(p, "npy") => {
            Ok((npy_rows(p, input.rows.as_deref())?, None))
        }
        (Some(p), None) | (None, Some(p)) if has_extension(p, "jsonl") => {
            Ok((jsonl_rows(p)?, None))
        }
        (Some(p), None) if has_extension(p, "csv") => csv_score_rows(p, names),
        (None, Some(p)) if has_extension(p, "csv") => Ok((csv_class_rows(p)?, None)),
        (Some(p), None) | (None, Some(p)) => bail!(
            "{}: expected a .npy array (with --rows), a .csv or a .jsonl file",
            p.display()
        ),
    }
}

fn npy_rows(path: &Path, rows: Option<&Path>) -> Result<Vec<Row>> {
    let Some(rows_path) = rows else {
        bail!(
            "{}: a .npy array has no file names; give --rows FILE with the file name of each row",
            path.display()
        );
    };
    let scores = files::read_scores(path)?;
    let names = files::read_row_names(rows_path)?;
    if names.len() != scores.rows {
        bail!(
            "{}: {} file names, but {} has {} rows; expected one name per row, in order",
            rows_path.display(),
            names.len(),
            path.display(),
            scores.rows
        );
    }
    let k = scores.num_classes;
    Ok(names
        .into_iter()
        .zip(scores.values.chunks_exact(k))
        .enumerate()
        .map(|(i, ((line, file), values))| Row {
            file,
            location: format!("{} line {line} (row {i})", rows_path.display()),
            output: Output::Scores(values.to_vec()),
        })
        .collect())
}

fn csv_reader(path: &Path) -> Result<(csv::Reader<std::fs::File>, csv::StringRecord, usize)> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let header = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header row", path.display()))?
        .clone();
    let file = header
        .iter()
        .position(|h| FILE_COLUMNS.contains(&h.to_ascii_lowercase().as_str()))
        .with_context(|| {
            format!(
                "{}: the header has no column naming the image (one of {})",
                path.display(),
                FILE_COLUMNS.join(", ")
            )
        })?;
    Ok((reader, header, file))
}

fn csv_score_rows(
    path: &Path,
    names: Option<&[String]>,
) -> Result<(Vec<Row>, Option<Vec<String>>)> {
    let (mut reader, header, file) = csv_reader(path)?;
    let columns: Vec<usize> = (0..header.len()).filter(|&c| c != file).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("{}: cannot read a row", path.display()))?;
        let line = record.position().map_or(0, |p| p.line());
        let values = columns
            .iter()
            .map(|&c| {
                record[c].parse::<f64>().map_err(|_| {
                    anyhow::anyhow!(
                        "{}: line {line}, column `{}`: `{}` is not a number",
                        path.display(),
                        &header[c],
                        &record[c]
                    )
                })
            })
            .collect::<Result<_>>()?;
        rows.push(Row {
            file: record[file].to_string(),
            location: format!("{} line {line}", path.display()),
            output: Output::Scores(values),
        });
    }
    let named: Vec<String> = columns.iter().map(|&c| header[c].to_string()).collect();
    let numbered = named.iter().enumerate().all(|(i, h)| *h == i.to_string());
    let header = (!numbered && names.is_none()).then_some(named);
    Ok((rows, header))
}

fn csv_class_rows(path: &Path) -> Result<Vec<Row>> {
    let (mut reader, header, file) = csv_reader(path)?;
    let class = header
        .iter()
        .position(|h| files::PRED_COLUMNS.contains(&h.to_ascii_lowercase().as_str()))
        .with_context(|| {
            format!(
                "{}: the header has no predicted-class column (one of {})",
                path.display(),
                files::PRED_COLUMNS.join(", ")
            )
        })?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("{}: cannot read a row", path.display()))?;
        let line = record.position().map_or(0, |p| p.line());
        rows.push(Row {
            file: record[file].to_string(),
            location: format!("{} line {line}", path.display()),
            output: Output::Class(record[class].to_string()),
        });
    }
    Ok(rows)
}

/// One line of a JSON-lines file.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRow {
    file: String,
    #[serde(default)]
    scores: Option<Vec<f64>>,
    #[serde(default)]
    class: Option<serde_json::Value>,
}

fn jsonl_rows(path: &Path) -> Result<Vec<Row>> {
    let text = assay_io::error::read_text(path)?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let location = format!("{} line {}", path.display(), i + 1);
        let row: JsonRow = serde_json::from_str(line).map_err(|e| {
            anyhow::anyhow!(
                "{location}: {e}; expected {{\"file\": ..., \"scores\": [...]}} or {{\"file\": ..., \"class\": ...}}"
            )
        })?;
        let output = match (row.scores, row.class) {
            (Some(s), None) => Output::Scores(s),
            (None, Some(serde_json::Value::String(c))) => Output::Class(c),
            (None, Some(serde_json::Value::Number(n))) => Output::Class(n.to_string()),
            _ => bail!("{location}: expected exactly one of \"scores\" (a list of numbers) or \"class\" (a name or index)"),
        };
        rows.push(Row {
            file: row.file,
            location,
            output,
        });
    }
    Ok(rows)
}
