//! numpy `.npy` arrays: a reader for numeric arrays and writers for `f32`
//! and `f64` ones.
//!
//! The reader takes format versions 1 to 3 with C (row-major) order and a
//! little-endian (or single-byte) dtype: booleans, signed and unsigned
//! integers of 1 to 8 bytes and floats of 2, 4 and 8 bytes. Values are
//! widened to `f64` (64-bit integers above 2^53 lose their last bits).
//! Anything else (big-endian, object, string, complex or structured dtypes,
//! Fortran order, truncated files) is an [`IoError`] naming the file and
//! what was expected; the reader never panics on a file's contents.
//!
//! The writers produce version 1.0 files, as `numpy.save` does, that
//! `numpy.load` reads back.

use std::io::Write;
use std::path::Path;

use crate::error::{read_file, IoError, Result};

const MAGIC: &[u8] = b"\x93NUMPY";

/// An array read from a `.npy` file, its values widened to `f64`.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// The dimensions, outermost first (empty for a 0-d array).
    pub shape: Vec<usize>,
    /// The values in C (row-major) order.
    pub values: Vec<f64>,
}

impl NpyArray {
    /// The shape as numpy prints it: `(10000, 10)`, `(5,)`, `()`.
    pub fn shape_text(&self) -> String {
        shape_text(&self.shape)
    }

    /// The number of rows and columns of a 2-D array.
    ///
    /// `path` is the file the array came from, for the error when the array
    /// is not 2-D.
    pub fn dims2(&self, path: &Path) -> Result<(usize, usize)> {
        match self.shape[..] {
            [rows, cols] => Ok((rows, cols)),
            _ => Err(IoError::file(
                path,
                format!(
                    "expected a 2-D array (one row per sample), found shape {}",
                    self.shape_text()
                ),
            )),
        }
    }

    /// The rows of a 2-D array (see [`NpyArray::dims2`]).
    pub fn rows(&self, path: &Path) -> Result<impl Iterator<Item = &[f64]> + '_> {
        let (rows, cols) = self.dims2(path)?;
        Ok((0..rows).map(move |r| &self.values[r * cols..(r + 1) * cols]))
    }

    /// The values as class indices (non-negative integers), for a 1-D array
    /// or a 2-D array with one column.
    ///
    /// `path` is the file the array came from; the error names it and the
    /// first element that is negative, fractional or not a number.
    pub fn as_class_indices(&self, path: &Path) -> Result<Vec<usize>> {
        if !matches!(self.shape[..], [_] | [_, 1]) {
            return Err(IoError::file(
                path,
                format!(
                    "expected a 1-D array of class indices (one per sample), found shape {}",
                    self.shape_text()
                ),
            ));
        }
        self.values
            .iter()
            .enumerate()
            .map(|(i, &v)| class_index(v).ok_or_else(|| not_a_class(path, i, v)))
            .collect()
    }
}

/// `v` as a class index, if it is a non-negative integer that fits.
fn class_index(v: f64) -> Option<usize> {
    let fits = v >= 0.0 && v.fract() == 0.0 && v <= usize::MAX as f64;
    fits.then_some(v as usize)
}

fn not_a_class(path: &Path, index: usize, value: f64) -> IoError {
    let what = if value.is_nan() {
        "NaN"
    } else if value < 0.0 {
        "negative"
    } else {
        "not a whole number"
    };
    IoError::at(
        path,
        format!("element {index}"),
        format!("{value} is {what}; expected a class index (an integer 0, 1, 2, ...)"),
    )
}

/// Reads a `.npy` file holding a numeric array.
pub fn read_npy(path: &Path) -> Result<NpyArray> {
    let bytes = read_file(path)?;
    parse(&bytes).map_err(|message| IoError::file(path, message))
}

/// Parses the bytes of a `.npy` file (a whole file, or a member of an
/// `.npz` archive); the error is the message only, for the caller to place.
pub(crate) fn parse(bytes: &[u8]) -> std::result::Result<NpyArray, String> {
    let (header, data) = split_header(bytes)?;
    if field(header, "fortran_order")? != "False" {
        return Err(
            "Fortran-order arrays are not supported; save a C-order array \
                    (numpy.ascontiguousarray(a)) instead"
                .into(),
        );
    }
    let dtype = Dtype::parse(field(header, "descr")?)?;
    let shape = parse_shape(field(header, "shape")?)?;
    let values = decode(dtype, &shape, data)?;
    Ok(NpyArray { shape, values })
}

/// The header dictionary's text and the data after it.
fn split_header(bytes: &[u8]) -> std::result::Result<(&str, &[u8]), String> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err("not a .npy file: expected it to start with \\x93NUMPY (bad magic)".into());
    }
    let (len, start) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 => match bytes.get(8..12) {
            Some(b) => (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12),
            None => return Err(truncated_header()),
        },
        v => {
            return Err(format!(
                "unsupported .npy format version {v}, expected 1, 2 or 3"
            ))
        }
    };
    let header = bytes.get(start..start + len).ok_or_else(truncated_header)?;
    let header = std::str::from_utf8(header)
        .map_err(|_| "the header is not text (UTF-8); is the file damaged?".to_string())?;
    Ok((header, &bytes[start + len..]))
}

fn truncated_header() -> String {
    "truncated: the file ends inside its header".into()
}

/// The text of `'key': value` in the header dictionary, up to the next
/// top-level comma or the closing brace.
fn field<'a>(header: &'a str, key: &str) -> std::result::Result<&'a str, String> {
    let at = [format!("'{key}':"), format!("\"{key}\":")]
        .iter()
        .find_map(|p| header.find(p.as_str()).map(|i| i + p.len()))
        .ok_or_else(|| format!("the header has no '{key}' entry: {}", header.trim()))?;
    let rest = header[at..].trim_start();
    let end = match rest.chars().next() {
        Some('(') => rest.find(')').map(|i| i + 1),
        Some('[') => closing_bracket(rest).map(|i| i + 1),
        _ => rest.find([',', '}']),
    };
    let end = end.ok_or_else(|| format!("malformed header: {}", header.trim()))?;
    Ok(rest[..end].trim())
}

/// The position of the `]` closing the `[` that `text` starts with.
fn closing_bracket(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' if depth == 1 => return Some(i),
            ']' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn parse_shape(text: &str) -> std::result::Result<Vec<usize>, String> {
    let bad = || format!("malformed shape {text}, expected a tuple of sizes such as (100, 10)");
    let inner = text
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(bad)?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse().map_err(|_| bad()))
        .collect()
}

/// The element types the reader understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Float,
    Int,
    Uint,
    Bool,
}

/// A little-endian (or single-byte) numeric dtype.
#[derive(Debug, Clone, Copy)]
struct Dtype {
    kind: Kind,
    width: usize,
}

impl Dtype {
    /// Parses a `descr` such as `'<f8'`.
    fn parse(descr: &str) -> std::result::Result<Self, String> {
        if descr.starts_with('[') {
            return Err(format!(
                "structured dtype {descr} is not supported; expected a plain numeric array"
            ));
        }
        let text = descr.trim_matches(|c| c == '\'' || c == '"');
        let unsupported = |why: &str| format!("unsupported dtype '{text}': {why}");
        let (order, code) = text.split_at(text.chars().next().map_or(0, char::len_utf8));
        let little = cfg!(target_endian = "little");
        match order {
            "<" | "|" => {}
            "=" if little => {}
            ">" | "=" => {
                return Err(unsupported(&format!(
                    "big-endian data is not supported; save it as little-endian \
                     (a.astype('<{code}'))"
                )))
            }
            _ => return Err(unsupported("expected a byte order (<, | or >) and a type")),
        }
        let kind = match code.get(..1) {
            Some("f") => Kind::Float,
            Some("i") => Kind::Int,
            Some("u") => Kind::Uint,
            Some("b") => Kind::Bool,
            Some("O") => {
                return Err(unsupported(
                    "object arrays hold Python objects (pickles); convert with \
                     a.astype(numpy.float64) before saving",
                ))
            }
            _ => {
                return Err(unsupported(
                    "expected booleans, integers or floats (b1, i1..i8, u1..u8, f2, f4, f8)",
                ))
            }
        };
        let width = code[1..].parse().unwrap_or(0);
        let valid = match kind {
            Kind::Float => matches!(width, 2 | 4 | 8),
            Kind::Int | Kind::Uint => matches!(width, 1 | 2 | 4 | 8),
            Kind::Bool => width == 1,
        };
        if !valid {
            return Err(unsupported(
                "expected booleans, integers or floats (b1, i1..i8, u1..u8, f2, f4, f8)",
            ));
        }
        Ok(Self { kind, width })
    }

    /// The value of one element's little-endian bytes.
    fn value(self, b: &[u8]) -> f64 {
        let mut raw = [0u8; 8];
        raw[..b.len()].copy_from_slice(b);
        let bits = u64::from_le_bytes(raw);
        match (self.kind, self.width) {
            (Kind::Float, 2) => f16_to_f64(bits as u16),
            (Kind::Float, 4) => f64::from(f32::from_bits(bits as u32)),
            (Kind::Float, _) => f64::from_bits(bits),
            (Kind::Int, w) => sign_extend(bits, w) as f64,
            (Kind::Uint | Kind::Bool, _) => bits as f64,
        }
    }
}

/// The signed value of the low `width` bytes of `bits`.
fn sign_extend(bits: u64, width: usize) -> i64 {
    let shift = 64 - 8 * width as u32;
    ((bits << shift) as i64) >> shift
}

/// An IEEE half-precision value, widened exactly.
fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((h >> 10) & 0x1f);
    let mantissa = f64::from(h & 0x3ff);
    sign * match exponent {
        0 => mantissa * 2f64.powi(-24),
        0x1f if mantissa == 0.0 => f64::INFINITY,
        0x1f => f64::NAN,
        e => (1.0 + mantissa / 1024.0) * 2f64.powi(e - 15),
    }
}

fn decode(dtype: Dtype, shape: &[usize], data: &[u8]) -> std::result::Result<Vec<f64>, String> {
    let count = shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| format!("shape {} is too large", shape_text(shape)))?;
    let expected = count.checked_mul(dtype.width);
    if expected != Some(data.len()) {
        let problem = if expected.is_some_and(|e| data.len() < e) {
            "truncated: "
        } else {
            ""
        };
        return Err(format!(
            "{problem}shape {} of {}-byte values needs {} bytes of data, found {}",
            shape_text(shape),
            dtype.width,
            expected.map_or("more than 2^64".to_string(), |e| e.to_string()),
            data.len()
        ));
    }
    Ok(data
        .chunks_exact(dtype.width)
        .map(|b| dtype.value(b))
        .collect())
}

/// A shape as Python writes a tuple: `()`, `(5,)`, `(3, 4)`.
pub(crate) fn shape_text(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => {
            let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
            format!("({})", dims.join(", "))
        }
    }
}

/// Writes `values` (C order) with the given `shape` as a `float32` `.npy` file.
pub fn write_npy_f32(path: &Path, shape: &[usize], values: &[f32]) -> Result<()> {
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    write_npy(path, "<f4", shape, values.len(), &data)
}

/// Writes `values` (C order) with the given `shape` as a `float64` `.npy` file.
pub fn write_npy_f64(path: &Path, shape: &[usize], values: &[f64]) -> Result<()> {
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    write_npy(path, "<f8", shape, values.len(), &data)
}

fn write_npy(path: &Path, descr: &str, shape: &[usize], count: usize, data: &[u8]) -> Result<()> {
    let bytes = encode(descr, shape, count, data).map_err(|m| IoError::file(path, m))?;
    let mut file = std::fs::File::create(path).map_err(|e| IoError::os(path, e))?;
    file.write_all(&bytes).map_err(|e| IoError::os(path, e))
}

/// The bytes of a `.npy` file `numpy.save` would write for `count` values
/// of type `descr` (`data`, little-endian, C order) with the given `shape`;
/// the error (the shape does not hold `count` values) is the message only.
pub(crate) fn encode(
    descr: &str,
    shape: &[usize],
    count: usize,
    data: &[u8],
) -> std::result::Result<Vec<u8>, String> {
    let expected = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    if expected != Some(count) {
        return Err(format!(
            "cannot write {count} values as an array of shape {}, which holds {}",
            shape_text(shape),
            expected.map_or("too many".to_string(), |e| e.to_string())
        ));
    }
    let mut bytes = header_bytes(descr, shape);
    bytes.extend_from_slice(data);
    Ok(bytes)
}

/// Magic, version, header length and the header dictionary, padded with
/// spaces and a newline so that the data starts at a multiple of 64 bytes.
fn header_bytes(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dict = format!(
        "{{'descr': '{descr}', 'fortran_order': False, 'shape': {}, }}",
        shape_text(shape)
    );
    let long = dict.len() + 1 + 10 > usize::from(u16::MAX);
    let prefix = if long { 12 } else { 10 };
    let total = (prefix + dict.len() + 1).div_ceil(64) * 64;
    let header_len = total - prefix;
    let mut bytes = MAGIC.to_vec();
    if long {
        bytes.extend_from_slice(&[2, 0]);
        bytes.extend_from_slice(&(header_len as u32).to_le_bytes());
    } else {
        bytes.extend_from_slice(&[1, 0]);
        bytes.extend_from_slice(&(header_len as u16).to_le_bytes());
    }
    bytes.extend_from_slice(dict.as_bytes());
    bytes.resize(total - 1, b' ');
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests;
