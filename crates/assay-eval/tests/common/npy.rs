//! A minimal reader of numpy `.npy` files: format versions 1 to 3,
//! little-endian (or single-byte) integers and floats, C order.

use std::path::Path;

/// An array read from a `.npy` file, its values widened to f64.
pub struct NpyArray {
    /// The dimensions, outermost first.
    pub shape: Vec<usize>,
    /// The values in C (row-major) order.
    pub values: Vec<f64>,
}

impl NpyArray {
    /// The values as class indices; panics on a value that is not a
    /// non-negative integer.
    pub fn as_classes(&self) -> Vec<usize> {
        self.values
            .iter()
            .map(|&v| {
                assert!(v >= 0.0 && v.fract() == 0.0, "{v} is not a class index");
                v as usize
            })
            .collect()
    }
}

/// Reads a `.npy` file; panics with a message on anything it cannot read.
pub fn read(path: &Path) -> NpyArray {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(bytes: &[u8]) -> Result<NpyArray, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (bad magic)".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 => {
            let len = bytes.get(8..12).ok_or("truncated header")?;
            (u32::from_le_bytes(len.try_into().unwrap()) as usize, 12)
        }
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = bytes
        .get(start..start + header_len)
        .ok_or("truncated header")?;
    let header = std::str::from_utf8(header).map_err(|e| e.to_string())?;
    if field(header, "fortran_order")? != "False" {
        return Err("Fortran-order arrays are not supported".into());
    }
    let descr = field(header, "descr")?.trim_matches('\'');
    let shape = parse_shape(field(header, "shape")?)?;
    let count: usize = shape.iter().product();
    let data = &bytes[start + header_len..];
    let values = decode(descr, data, count)?;
    Ok(NpyArray { shape, values })
}

/// The text of `'key': value` in the header dictionary, up to the next
/// top-level comma or the closing brace.
fn field<'a>(header: &'a str, key: &str) -> Result<&'a str, String> {
    let pattern = format!("'{key}':");
    let at = header
        .find(&pattern)
        .ok_or_else(|| format!("header has no {key}"))?;
    let rest = header[at + pattern.len()..].trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')').map(|i| i + 1)
    } else {
        rest.find([',', '}'])
    };
    Ok(rest[..end.ok_or("malformed header")?].trim())
}

fn parse_shape(text: &str) -> Result<Vec<usize>, String> {
    text.trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|e| format!("bad shape {text}: {e}")))
        .collect()
}

fn decode(descr: &str, data: &[u8], count: usize) -> Result<Vec<f64>, String> {
    let (order, kind) = descr.split_at(1);
    if order == ">" {
        return Err(format!("big-endian dtype {descr} is not supported"));
    }
    let width = match kind {
        "f4" | "i4" | "u4" => 4,
        "f8" | "i8" | "u8" => 8,
        "i2" | "u2" => 2,
        "i1" | "u1" | "b1" => 1,
        _ => return Err(format!("unsupported dtype {descr}")),
    };
    if data.len() != count * width {
        return Err(format!(
            "{} data bytes, expected {count} values of {width} bytes",
            data.len()
        ));
    }
    Ok(data.chunks_exact(width).map(|b| value(kind, b)).collect())
}

fn value(kind: &str, b: &[u8]) -> f64 {
    let bytes = |n: usize| -> [u8; 8] {
        let mut out = [0; 8];
        out[..n].copy_from_slice(b);
        out
    };
    match kind {
        "f4" => f64::from(f32::from_le_bytes(b.try_into().unwrap())),
        "f8" => f64::from_le_bytes(b.try_into().unwrap()),
        "i1" => f64::from(b[0] as i8),
        "i2" => f64::from(i16::from_le_bytes(b.try_into().unwrap())),
        "i4" => f64::from(i32::from_le_bytes(b.try_into().unwrap())),
        "i8" => i64::from_le_bytes(b.try_into().unwrap()) as f64,
        _ => u64::from_le_bytes(bytes(b.len())) as f64,
    }
}
