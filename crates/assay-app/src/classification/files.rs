//! Reading a classifier's files: a score matrix (`.npy` or CSV), class
//! lists (`.npy`, one class a line, or a CSV column), class names and the
//! file name of each row.

use std::path::Path;

use anyhow::{bail, Context, Result};
use assay_io::npy::read_npy;

/// CSV columns that hold true classes.
pub const LABEL_COLUMNS: &[&str] = &["label"];
/// CSV columns that hold predicted classes.
pub const PRED_COLUMNS: &[&str] = &["pred", "prediction", "predicted"];

/// A row-major score matrix read from a file.
#[derive(Debug)]
pub struct Scores {
    /// `rows x num_classes` values, row-major.
    pub values: Vec<f64>,
    /// Number of samples.
    pub rows: usize,
    /// Number of classes (columns).
    pub num_classes: usize,
    /// Column names of a CSV file.
    pub header: Option<Vec<String>>,
}

/// Classes read from a file, with where each one came from.
#[derive(Debug)]
pub struct Classes {
    /// One class index per sample.
    pub values: Vec<usize>,
    /// The line of each value in a text file; `None` for `.npy` files.
    lines: Option<Vec<u64>>,
}

impl Classes {
    /// Where value `i` is in its file: `line 7` or `element 6`.
    pub fn location(&self, i: usize) -> String {
        match &self.lines {
            Some(lines) => format!("line {}", lines[i]),
            None => format!("element {i}"),
        }
    }
}

/// Whether `path` has the extension `ext` (case-insensitive).
pub fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Reads a score matrix: a 2-D `.npy` array or a CSV file with a header.
pub fn read_scores(path: &Path) -> Result<Scores> {
    let scores = if has_extension(path, "npy") {
        read_scores_npy(path)?
    } else if has_extension(path, "csv") {
        read_scores_csv(path)?
    } else {
        bail!(
            "{}: expected a .npy array or a .csv file of scores (one row per sample, \
             one column per class)",
            path.display()
        );
    };
    if scores.num_classes == 0 || scores.rows == 0 {
        bail!(
            "{}: no scores ({} rows, {} columns); expected one row per sample and one column \
             per class",
            path.display(),
            scores.rows,
            scores.num_classes
        );
    }
    Ok(scores)
}

fn read_scores_npy(path: &Path) -> Result<Scores> {
    let array = read_npy(path)?;
    let (rows, num_classes) = array.dims2(path)?;
    Ok(Scores {
        values: array.values,
        rows,
        num_classes,
        header: None,
    })
}

/// A CSV file's reader with trimmed fields.
fn csv_reader(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))
}

fn read_scores_csv(path: &Path) -> Result<Scores> {
    let mut reader = csv_reader(path)?;
    let header = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header row", path.display()))?
        .clone();
    let columns: Vec<usize> = (0..header.len())
        .filter(|&i| !LABEL_COLUMNS.contains(&header[i].to_ascii_lowercase().as_str()))
        .collect();
    let mut values = Vec::new();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.with_context(|| format!("{}: cannot read a row", path.display()))?;
        let line = record.position().map_or(0, |p| p.line());
        for &c in &columns {
            let text = &record[c];
            let value = text.parse::<f64>().map_err(|_| {
                anyhow::anyhow!(
                    "{}: line {line}, column `{}`: `{text}` is not a number",
                    path.display(),
                    &header[c]
                )
            })?;
            values.push(value);
        }
        rows += 1;
    }
    Ok(Scores {
        values,
        rows,
        num_classes: columns.len(),
        header: Some(columns.iter().map(|&c| header[c].to_string()).collect()),
    })
}

/// Reads one class per sample: a `.npy` array of indices, a text file with
/// one class a line, or a CSV file with a header holding one of `columns`.
/// Classes are indices, or names found in `names`.
pub fn read_classes(path: &Path, columns: &[&str], names: Option<&[String]>) -> Result<Classes> {
    if has_extension(path, "npy") {
        let values = read_npy(path)?.as_class_indices(path)?;
        return Ok(Classes {
            values,
            lines: None,
        });
    }
    let text = assay_io::error::read_text(path)?;
    let tokens = match csv_column(&text, columns) {
        Some(column) => csv_tokens(path, column)?,
        None => {
            check_no_header(path, &text, columns)?;
            line_tokens(path, &text)?
        }
    };
    if tokens.is_empty() {
        bail!("{}: no classes found; expected one a line", path.display());
    }
    let values = tokens
        .iter()
        .map(|(line, token)| parse_class(token, names).map_err(|e| at_line(path, *line, &e)))
        .collect::<Result<_>>()?;
    let lines = Some(tokens.into_iter().map(|(line, _)| line).collect());
    Ok(Classes { values, lines })
}

fn at_line(path: &Path, line: u64, message: &str) -> anyhow::Error {
    anyhow::anyhow!("{}: line {line}: {message}", path.display())
}

/// The position of one of `columns` in the first line, if that line is a
/// CSV header holding it.
fn csv_column(text: &str, columns: &[&str]) -> Option<usize> {
    let first = text.lines().next()?;
    first
        .split(',')
        .map(|f| f.trim().trim_matches('"').to_ascii_lowercase())
        .position(|f| columns.contains(&f.as_str()))
}

/// Fails when the first line has several columns, none of them `columns`.
fn check_no_header(path: &Path, text: &str, columns: &[&str]) -> Result<()> {
    let first = text.lines().next().unwrap_or_default();
    if first.contains(',') {
        bail!(
            "{}: line 1 has several columns ({first}) but none is named {}; expected one \
             class a line, or a CSV whose header has a `{}` column",
            path.display(),
            columns
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or "),
            columns[0]
        );
    }
    Ok(())
}

/// The values of column `column` of a CSV file, with their lines.
fn csv_tokens(path: &Path, column: usize) -> Result<Vec<(u64, String)>> {
    let mut tokens = Vec::new();
    for record in csv_reader(path)?.records() {
        let record = record.with_context(|| format!("{}: cannot read a row", path.display()))?;
        let line = record.position().map_or(0, |p| p.line());
        tokens.push((line, record[column].to_string()));
    }
    Ok(tokens)
}

/// One value a line; only blank lines at the end are allowed.
fn line_tokens(path: &Path, text: &str) -> Result<Vec<(u64, String)>> {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let line_no = i as u64 + 1;
            let token = line.trim();
            if token.is_empty() {
                return Err(at_line(
                    path,
                    line_no,
                    "empty line; expected one class a line",
                ));
            }
            Ok((line_no, token.to_string()))
        })
        .collect()
}

/// A class index, or the index of a class name.
fn parse_class(token: &str, names: Option<&[String]>) -> Result<usize, String> {
    if let Ok(value) = token.parse::<f64>() {
        return if value >= 0.0 && value.fract() == 0.0 && value < 1e15 {
            Ok(value as usize)
        } else {
            Err(format!(
                "`{token}` is not a class index; expected an integer 0, 1, 2, ..."
            ))
        };
    }
    if let Some(index) = names.and_then(|n| n.iter().position(|name| name == token)) {
        return Ok(index);
    }
    Err(match names {
        Some(_) => format!("`{token}` is neither a class index (0, 1, 2, ...) nor a class name"),
        None => format!(
            "`{token}` is not a class index (0, 1, 2, ...); to use class names, pass \
             --class-names (or a --probs CSV whose header names the classes)"
        ),
    })
}

/// Reads class names, one a line (blank lines at the end are dropped).
pub fn read_class_names(path: &Path) -> Result<Vec<String>> {
    let text = assay_io::error::read_text(path)?;
    let mut names: Vec<String> = text.lines().map(|l| l.trim().to_string()).collect();
    while names.last().is_some_and(String::is_empty) {
        names.pop();
    }
    if let Some(line) = names.iter().position(String::is_empty) {
        bail!(
            "{}: line {} is empty; expected one class name a line, in class-index order",
            path.display(),
            line + 1
        );
    }
    if names.is_empty() {
        bail!("{}: no class names; expected one a line", path.display());
    }
    Ok(names)
}

/// Checks that `names` (read from `path`) has one name per class; `source`
/// says where the number of classes comes from (`probs.npy has 10 columns`).
pub fn check_class_count(
    names: &[String],
    path: &Path,
    num_classes: usize,
    source: &str,
) -> Result<()> {
    if names.len() != num_classes {
        bail!(
            "{}: {} class names, but {source}; expected one name per class, a line each, \
             in class-index order",
            path.display(),
            names.len()
        );
    }
    Ok(())
}

/// The file name of each row of a score array, with its line: one name a
/// line, or a CSV whose header has a `file` column.
pub fn read_row_names(path: &Path) -> Result<Vec<(u64, String)>> {
    let text = assay_io::error::read_text(path)?;
    let tokens = match csv_column(&text, &assay_io::names::FILE_COLUMNS) {
        Some(column) => csv_tokens(path, column)?,
        None => line_tokens(path, &text)?,
    };
    if tokens.is_empty() {
        bail!("{}: no file names; expected one a line", path.display());
    }
    Ok(tokens)
}

/// Turns each row into probabilities with a softmax.
pub fn softmax_rows(values: &mut [f64], num_classes: usize) {
    for row in values.chunks_exact_mut(num_classes) {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        row.iter_mut().for_each(|v| *v = (*v - max).exp());
        let sum: f64 = row.iter().sum();
        row.iter_mut().for_each(|v| *v /= sum);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_indices_or_names() {
        let names = ["cat".to_string(), "dog".to_string()];
        assert_eq!(parse_class("1", None), Ok(1));
        assert_eq!(parse_class("2.0", None), Ok(2));
        assert_eq!(parse_class("dog", Some(&names)), Ok(1));
        assert!(parse_class("-1", None)
            .unwrap_err()
            .contains("not a class index"));
        assert!(parse_class("1.5", None).is_err());
        assert!(parse_class("dog", None)
            .unwrap_err()
            .contains("--class-names"));
        assert!(parse_class("cow", Some(&names))
            .unwrap_err()
            .contains("nor a class name"));
    }

    #[test]
    fn csv_header_is_found_by_column_name() {
        assert_eq!(csv_column("file, Label\na,1", LABEL_COLUMNS), Some(1));
        assert_eq!(csv_column("3\n4", LABEL_COLUMNS), None);
        assert_eq!(csv_column("id,pred", PRED_COLUMNS), Some(1));
    }

    #[test]
    fn softmax_gives_probabilities() {
        let mut v = [0.0, 0.0, 1000.0, 1000.0];
        softmax_rows(&mut v, 2);
        assert_eq!(v, [0.5, 0.5, 0.5, 0.5]);
    }
}
