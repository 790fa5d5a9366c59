//! Column tables and their export to CSV and Parquet.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{ArrowError, DataType, Field, Schema};

use crate::error::{IoError, Result};

/// The values of one column; `None` is a missing value.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Integers.
    Int(Vec<Option<i64>>),
    /// Floating-point numbers.
    Float(Vec<Option<f64>>),
    /// Text.
    Text(Vec<Option<String>>),
    /// Yes or no.
    Bool(Vec<Option<bool>>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Int(v) => v.len(),
            Column::Float(v) => v.len(),
            Column::Text(v) => v.len(),
            Column::Bool(v) => v.len(),
        }
    }

    fn cell(&self, row: usize) -> String {
        match self {
            Column::Int(v) => v[row].map(|x| x.to_string()),
            Column::Float(v) => v[row].map(|x| x.to_string()),
            Column::Text(v) => v[row].clone(),
            Column::Bool(v) => v[row].map(|x| x.to_string()),
        }
        .unwrap_or_default()
    }

    fn to_arrow(&self) -> (DataType, ArrayRef) {
        match self {
            Column::Int(v) => (DataType::Int64, Arc::new(Int64Array::from(v.clone()))),
            Column::Float(v) => (DataType::Float64, Arc::new(Float64Array::from(v.clone()))),
            Column::Text(v) => (DataType::Utf8, Arc::new(StringArray::from(v.clone()))),
            Column::Bool(v) => (DataType::Boolean, Arc::new(BooleanArray::from(v.clone()))),
        }
    }
}

/// A table of named columns of equal length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column names and values, in order.
    pub columns: Vec<(String, Column)>,
}

impl Table {
    /// Adds a column.
    pub fn push(&mut self, name: &str, column: Column) {
        self.columns.push((name.to_string(), column));
    }

    /// Number of rows (of the first column).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }

    /// The table as one Arrow record batch; every column is nullable.
    pub fn to_record_batch(&self) -> std::result::Result<RecordBatch, ArrowError> {
        let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = self
            .columns
            .iter()
            .map(|(name, c)| {
                let (ty, array) = c.to_arrow();
                (Field::new(name, ty, true), array)
            })
            .unzip();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
    }

    fn check(&self, path: &Path) -> Result<()> {
        let rows = self.rows();
        match self.columns.iter().find(|(_, c)| c.len() != rows) {
            Some((name, c)) => Err(IoError::file(
                path,
                format!("column {name} has {} rows, expected {rows}", c.len()),
            )),
            None => Ok(()),
        }
    }
}

/// Writes a table as CSV or Parquet, chosen by the extension of `path`.
pub fn write_table(table: &Table, path: &Path) -> Result<()> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => write_csv(table, path),
        Some("parquet") => write_parquet(table, path),
        _ => Err(IoError::file(
            path,
            "unsupported table format; expected a .csv or .parquet file",
        )),
    }
}

/// Writes a table as CSV with a header row.
pub fn write_csv(table: &Table, path: &Path) -> Result<()> {
    table.check(path)?;
    let fail = |e: csv::Error| IoError::file(path, format!("cannot write CSV: {e}"));
    let mut w = csv::Writer::from_path(path).map_err(fail)?;
    w.write_record(table.columns.iter().map(|(n, _)| n))
        .map_err(fail)?;
    for row in 0..table.rows() {
        w.write_record(table.columns.iter().map(|(_, c)| c.cell(row)))
            .map_err(fail)?;
    }
    w.flush().map_err(|e| IoError::os(path, e))
}

/// Writes a table as one Parquet file (uncompressed; one row group per 1M rows).
pub fn write_parquet(table: &Table, path: &Path) -> Result<()> {
    table.check(path)?;
    let fail =
        |e: &dyn std::fmt::Display| IoError::file(path, format!("cannot write Parquet: {e}"));
    let batch = table.to_record_batch().map_err(|e| fail(&e))?;
    let schema = batch.schema();
    let file = std::fs::File::create(path).map_err(|e| IoError::os(path, e))?;
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, schema, None).map_err(|e| fail(&e))?;
    writer.write(&batch).map_err(|e| fail(&e))?;
    writer.close().map_err(|e| fail(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::default();
        t.push("id", Column::Int(vec![Some(1), Some(2)]));
        t.push("score", Column::Float(vec![Some(0.5), None]));
        t.push("name", Column::Text(vec![Some("a,b".into()), None]));
        t
    }

    #[test]
    fn csv_quotes_and_leaves_missing_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        write_table(&sample(), &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "id,score,name\n1,0.5,\"a,b\"\n2,,\n");
    }

    #[test]
    fn parquet_file_has_the_magic_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        write_table(&sample(), &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..4], b"PAR1");
        assert_eq!(&bytes[bytes.len() - 4..], b"PAR1");
    }

    #[test]
    fn unknown_extension_is_an_error() {
        let err = write_table(&sample(), Path::new("t.xlsx")).unwrap_err();
        assert!(err.to_string().contains("expected a .csv or .parquet"));
    }
}
