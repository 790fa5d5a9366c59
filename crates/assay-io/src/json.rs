//! JSON parsing with errors that name the JSON path and line of a problem.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{IoError, Result};

/// Parses `bytes` (the content of `path`) as `T`.
///
/// Errors carry the JSON path (`$.annotations[3].bbox`) and the line and
/// column, and say what was expected.
pub fn parse_json<T: DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(IoError::file(path, "the file is empty; expected JSON"));
    }
    // Tracking the path costs time on every value; parse without it first
    // and only parse again for the path when something is wrong.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let mut json_path = e.path().to_string();
        // A syntax error inside an object ends the path in an unknown key
        // (`images[0].?`); the object is the place to point at.
        while let Some(outer) = json_path.strip_suffix(".?") {
            json_path = outer.to_string();
        }
        let inner = e.into_inner();
        let location = if json_path == "." || json_path == "?" || json_path.is_empty() {
            "$".to_string()
        } else if json_path.starts_with('[') {
            // An index at the top level: `$[3].score`, not `$.[3].score`.
            format!("${json_path}")
        } else {
            format!("$.{}", json_path.trim_start_matches('.'))
        };
        IoError::at(path, location, describe(&inner, bytes))
    })?;
    de.end().map_err(|e| {
        IoError::at(
            path,
            "$",
            format!("unexpected text after the JSON value ({e})"),
        )
    })?;
    Ok(value)
}

fn describe(err: &serde_json::Error, bytes: &[u8]) -> String {
    let what = match err.classify() {
        serde_json::error::Category::Syntax => "malformed JSON",
        serde_json::error::Category::Eof => "truncated JSON",
        serde_json::error::Category::Data => "unexpected content",
        serde_json::error::Category::Io => "read error",
    };
    let hint = near_text(err, bytes)
        .filter(|t| {
            ["NaN", "Infinity", "-Infinity"]
                .iter()
                .any(|w| t.starts_with(w))
        })
        .map(|_| " (NaN and Infinity are not valid JSON numbers)")
        .unwrap_or_default();
    format!("{what}: {err}{hint}")
}

/// The text at the error's line and column, if any.
fn near_text<'a>(err: &serde_json::Error, bytes: &'a [u8]) -> Option<&'a str> {
    let line = bytes
        .split(|b| *b == b'\n')
        .nth(err.line().checked_sub(1)?)?;
    let start = err.column().saturating_sub(1).min(line.len());
    let start = line[..start]
        .iter()
        .rposition(|b| !b.is_ascii_alphabetic() && *b != b'-')
        .map_or(0, |p| p + 1);
    std::str::from_utf8(&line[start..]).ok()
}

/// Writes `value` as compact JSON to `path`.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| IoError::os(path, e))?;
    let mut writer = std::io::BufWriter::new(file);
    serde_json::to_writer(&mut writer, value)
        .map_err(|e| IoError::file(path, format!("cannot write JSON: {e}")))?;
    std::io::Write::flush(&mut writer).map_err(|e| IoError::os(path, e))
}
