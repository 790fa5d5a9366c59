//! Rows of a Parquet file as JSON objects, batch by batch (memory stays
//! bounded): a column per field, nested lists, structs and maps as JSON
//! lists and objects, binary columns as base64 text, timestamps as seconds
//! since 1970, nulls left out. Snappy, gzip and zstd pages read (pandas,
//! pyarrow and polars write these by default).

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Map, Number, Value};

use crate::error::IoError;

/// Calls `f` with each row (from 1) of the Parquet file `path` as a JSON
/// object; stops at the first error, `f`'s or the file's.
pub fn for_each_parquet_row<E: From<IoError>>(
    path: &Path,
    mut f: impl FnMut(usize, Map<String, Value>) -> Result<(), E>,
) -> Result<usize, E> {
    let file = File::open(path).map_err(|e| IoError::os(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(4096).build())
        .map_err(|e| IoError::file(path, format!("not a Parquet file assay can read: {e}")))?;
    let mut row = 0;
    for batch in reader {
        let batch =
            batch.map_err(|e| IoError::at(path, format!("after row {row}"), e.to_string()))?;
        let columns = columns_of(&batch);
        for i in 0..batch.num_rows() {
            row += 1;
            let mut object = Map::new();
            for (name, column) in &columns {
                let value = json_at(column, i)
                    .map_err(|e| IoError::at(path, format!("row {row}, column {name}"), e))?;
                if !value.is_null() {
                    object.insert(name.clone(), value);
                }
            }
            f(row, object)?;
        }
    }
    Ok(row)
}

fn columns_of(batch: &RecordBatch) -> Vec<(String, ArrayRef)> {
    batch
        .schema()
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(f, c)| (f.name().clone(), c.clone()))
        .collect()
}

fn number(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// The value at row `i` of `a` as JSON.
fn json_at(a: &dyn Array, i: usize) -> Result<Value, String> {
    use base64::Engine;
    if a.is_null(i) {
        return Ok(Value::Null);
    }
    Ok(match a.data_type() {
        DataType::Null => Value::Null,
        DataType::Boolean => Value::Bool(a.as_boolean().value(i)),
        DataType::Int8 => Value::from(a.as_primitive::<Int8Type>().value(i)),
        DataType::Int16 => Value::from(a.as_primitive::<Int16Type>().value(i)),
        DataType::Int32 => Value::from(a.as_primitive::<Int32Type>().value(i)),
        DataType::Int64 => Value::from(a.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => Value::from(a.as_primitive::<UInt8Type>().value(i)),
        DataType::UInt16 => Value::from(a.as_primitive::<UInt16Type>().value(i)),
        DataType::UInt32 => Value::from(a.as_primitive::<UInt32Type>().value(i)),
        DataType::UInt64 => Value::from(a.as_primitive::<UInt64Type>().value(i)),
        DataType::Float32 => number(f64::from(a.as_primitive::<Float32Type>().value(i))),
        DataType::Float64 => number(a.as_primitive::<Float64Type>().value(i)),
        DataType::Utf8 => Value::from(a.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => Value::from(a.as_string::<i64>().value(i)),
        DataType::Utf8View => Value::from(a.as_string_view().value(i)),
        DataType::Binary => Value::from(
            base64::engine::general_purpose::STANDARD.encode(a.as_binary::<i32>().value(i)),
        ),
        DataType::LargeBinary => Value::from(
            base64::engine::general_purpose::STANDARD.encode(a.as_binary::<i64>().value(i)),
        ),
        DataType::BinaryView => Value::from(
            base64::engine::general_purpose::STANDARD.encode(a.as_binary_view().value(i)),
        ),
        DataType::Timestamp(unit, _) => number(match unit {
            TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(i) as f64,
            TimeUnit::Millisecond => {
                a.as_primitive::<TimestampMillisecondType>().value(i) as f64 / 1e3
            }
            TimeUnit::Microsecond => {
                a.as_primitive::<TimestampMicrosecondType>().value(i) as f64 / 1e6
            }
            TimeUnit::Nanosecond => {
                a.as_primitive::<TimestampNanosecondType>().value(i) as f64 / 1e9
            }
        }),
        DataType::List(_) => list(a.as_list::<i32>().value(i).as_ref())?,
        DataType::LargeList(_) => list(a.as_list::<i64>().value(i).as_ref())?,
        DataType::FixedSizeList(_, _) => list(a.as_fixed_size_list().value(i).as_ref())?,
        DataType::Struct(fields) => {
            let s = a.as_struct();
            let mut object = Map::new();
            for (field, column) in fields.iter().zip(s.columns()) {
                let v = json_at(column.as_ref(), i)?;
                if !v.is_null() {
                    object.insert(field.name().clone(), v);
                }
            }
            Value::Object(object)
        }
        DataType::Map(_, _) => {
            let entries = a.as_map().value(i);
            let (keys, values) = (entries.column(0), entries.column(1));
            let mut object = Map::new();
            for k in 0..entries.len() {
                let key = match json_at(keys.as_ref(), k)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                object.insert(key, json_at(values.as_ref(), k)?);
            }
            Value::Object(object)
        }
        other => return Err(format!("columns of type {other} cannot be read")),
    })
}

fn list(values: &dyn Array) -> Result<Value, String> {
    (0..values.len())
        .map(|k| json_at(values, k))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}
