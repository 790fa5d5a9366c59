//! Errors and warnings of readers and writers.
//!
//! Every error names the file, where in it the problem is (a line, a JSON
//! path, an XML element) and what was expected. Problems that leave the data
//! usable are [`Warning`]s, counted by kind in the import summary.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A file that could not be read or understood.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {message}", file.display(), location.as_ref().map(|l| format!(": {l}")).unwrap_or_default())]
pub struct IoError {
    /// The file at fault.
    pub file: PathBuf,
    /// Where in the file: `line 3`, `$.annotations[4].bbox`, ...
    pub location: Option<String>,
    /// What was wrong and what was expected.
    pub message: String,
}

impl IoError {
    /// An error about a whole file.
    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        IoError {
            file: file.to_path_buf(),
            location: None,
            message: shorten(&message.into()),
        }
    }

    /// An error at a place in a file.
    pub fn at(file: &Path, location: impl Into<String>, message: impl Into<String>) -> Self {
        IoError {
            file: file.to_path_buf(),
            location: Some(shorten(&location.into())),
            message: shorten(&message.into()),
        }
    }

    /// An error from the operating system while reading or writing `file`.
    pub fn os(file: &Path, err: std::io::Error) -> Self {
        let message = match err.kind() {
            std::io::ErrorKind::NotFound => "file not found".to_string(),
            _ => err.to_string(),
        };
        IoError::file(file, message)
    }
}

impl From<assay_image::listing::ListError> for IoError {
    /// A folder that could not be listed, as an error about that path.
    fn from(e: assay_image::listing::ListError) -> Self {
        IoError::file(&e.path, e.message)
    }
}

/// Longest quoted value kept whole in a message, in characters.
const QUOTE_LIMIT: usize = 80;
/// Longest message kept whole, in characters.
const MESSAGE_LIMIT: usize = 2000;

/// `message` with every quoted value (`"..."` or `` `...` ``) longer than
/// a few dozen characters cut to a prefix, and the whole cut to a couple of
/// thousand characters: an error about a 200 MB string in a dataset quotes
/// its start, not all of it.
pub fn shorten(message: &str) -> String {
    if message.len() <= QUOTE_LIMIT {
        return message.to_string();
    }
    let mut out = String::with_capacity(message.len().min(MESSAGE_LIMIT + 64));
    let mut chars = message.char_indices().peekable();
    let mut written = 0usize;
    while let Some((at, c)) = chars.next() {
        if written >= MESSAGE_LIMIT {
            out.push_str(&format!("… ({} more bytes)", message.len() - at));
            break;
        }
        out.push(c);
        written += 1;
        if c != '"' && c != '`' {
            continue;
        }
        // Copy the quoted value up to the limit, skip the rest to its end.
        let (mut kept, mut skipped, mut escaped) = (0usize, 0usize, false);
        while let Some(&(_, q)) = chars.peek() {
            if q == c && !escaped {
                break;
            }
            escaped = c == '"' && q == '\\' && !escaped;
            chars.next();
            if kept < QUOTE_LIMIT {
                out.push(q);
                kept += 1;
                written += 1;
            } else {
                skipped += q.len_utf8();
            }
        }
        if skipped > 0 {
            out.push_str(&format!("… ({skipped} more bytes)"));
        }
        if let Some((_, q)) = chars.next() {
            out.push(q);
        }
    }
    out
}

/// Result of a reader or writer.
pub type Result<T, E = IoError> = std::result::Result<T, E>;

/// A problem that leaves the data usable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// Short machine name of the problem, e.g. `box_outside_image`.
    pub kind: &'static str,
    /// File and place the warning is about.
    pub location: String,
    /// What was found and what assay did about it.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.location, self.message, self.kind)
    }
}

/// Warnings collected while reading.
#[derive(Debug, Clone, Default)]
pub struct Warnings {
    list: Vec<Warning>,
}

impl Warnings {
    /// Records a warning.
    pub fn push(
        &mut self,
        kind: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.list.push(Warning {
            kind,
            location: location.into(),
            message: message.into(),
        });
    }

    /// Warns `box_outside_image` when `bbox` leaves a `width` x `height`
    /// image by more than a pixel; such boxes are kept as they are.
    pub fn box_outside_image(
        &mut self,
        bbox: &assay_core::geometry::BBox,
        (width, height): (u32, u32),
        location: impl FnOnce() -> String,
    ) {
        if !bbox.is_inside(f64::from(width), f64::from(height), 1.0) {
            let msg = format!(
                "box {:?} leaves the {width}x{height} image; kept as is",
                bbox.to_array()
            );
            self.push("box_outside_image", location(), msg);
        }
    }

    /// All warnings in the order they were found.
    pub fn all(&self) -> &[Warning] {
        &self.list
    }

    /// Number of warnings of each kind.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for w in &self.list {
            *counts.entry(w.kind).or_insert(0) += 1;
        }
        counts
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Moves the warnings of `other` to the end of these.
    pub fn extend(&mut self, other: Warnings) {
        self.list.extend(other.list);
    }
}

/// Reads a whole file, naming it in the error.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| IoError::os(path, e))
}

/// The error of an XML file that does not parse, at its line and column.
pub(crate) fn malformed_xml(path: &Path, e: roxmltree::Error) -> IoError {
    let pos = e.pos();
    IoError::at(
        path,
        format!("line {}, column {}", pos.row, pos.col),
        format!("malformed XML: {e}"),
    )
}

/// Reads a whole text file, naming it in the error.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = read_file(path)?;
    String::from_utf8(bytes).map_err(|e| {
        IoError::file(
            path,
            format!(
                "expected UTF-8 text, found invalid bytes at byte {}",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quoted_values_are_cut() {
        let long = "x".repeat(10_000);
        let msg = format!("invalid type: string \"{long}\", expected f64");
        let short = shorten(&msg);
        assert!(short.len() < 200, "{short}");
        assert!(short.starts_with("invalid type: string \"xxx"), "{short}");
        assert!(
            short.contains("(9920 more bytes)\", expected f64"),
            "{short}"
        );
        let err = IoError::at(Path::new("a.json"), "$.images[0].id", msg);
        assert!(err.to_string().len() < 250, "{err}");
    }

    #[test]
    fn short_messages_and_escapes_are_kept() {
        assert_eq!(shorten("a \"b\" c"), "a \"b\" c");
        let msg = format!("value \"a\\\"{}\" end", "y".repeat(100));
        let short = shorten(&msg);
        assert!(short.ends_with("\" end"), "{short}");
        let plain = "z".repeat(5000);
        assert!(shorten(&plain).chars().count() < 2100);
    }
}
