//! A minimal `.npy` reader for the test data: little-endian numeric dtypes
//! in C order, widened to `f64`.

use std::path::Path;

/// An array's shape and its values in C order.
pub struct Npy {
    pub shape: Vec<usize>,
    pub values: Vec<f64>,
}

/// Reads `path`, panicking with the reason on anything unexpected.
pub fn read(path: &Path) -> Npy {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert_eq!(
        &bytes[..6],
        b"\x93NUMPY",
        "{} is not a .npy file",
        path.display()
    );
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).expect("ASCII header");
    assert!(
        header.contains("'fortran_order': False"),
        "{}: C order expected",
        path.display()
    );
    let descr = field(header, "'descr': '", "'");
    let shape: Vec<usize> = field(header, "'shape': (", ")")
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().expect("shape"))
        .collect();
    let data = &bytes[start + header_len..];
    let values = decode(descr, data);
    assert_eq!(
        values.len(),
        shape.iter().product::<usize>(),
        "{}",
        path.display()
    );
    Npy { shape, values }
}

fn field<'a>(header: &'a str, open: &str, close: &str) -> &'a str {
    let from = header.find(open).expect("header field") + open.len();
    let to = from + header[from..].find(close).expect("field end");
    &header[from..to]
}

fn decode(descr: &str, data: &[u8]) -> Vec<f64> {
    fn each<const N: usize>(data: &[u8], f: fn([u8; N]) -> f64) -> Vec<f64> {
        data.chunks_exact(N)
            .map(|c| f(c.try_into().unwrap()))
            .collect()
    }
    match descr {
        "<f8" => each(data, f64::from_le_bytes),
        "<f4" => each(data, |b| f64::from(f32::from_le_bytes(b))),
        "<i8" => each(data, |b| i64::from_le_bytes(b) as f64),
        "<i4" => each(data, |b| f64::from(i32::from_le_bytes(b))),
        "<u2" => each(data, |b| f64::from(u16::from_le_bytes(b))),
        "|u1" => each(data, |b: [u8; 1]| f64::from(b[0])),
        other => panic!("unsupported .npy dtype {other}"),
    }
}
