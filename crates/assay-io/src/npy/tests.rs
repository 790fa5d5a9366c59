use std::path::{Path, PathBuf};

use super::*;

const CLEANLAB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/cifar10_test_cleanlab/cleanlab"
);

/// The bytes of a version-1 `.npy` file with this header dictionary.
fn npy_bytes(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&[1, 0]);
    bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

fn dict(descr: &str, shape: &str) -> String {
    format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n")
}

/// Writes `bytes` to a file in `dir` and reads it back.
fn read_bytes(dir: &Path, bytes: &[u8]) -> (PathBuf, Result<NpyArray>) {
    let path = dir.join("a.npy");
    std::fs::write(&path, bytes).unwrap();
    let result = read_npy(&path);
    (path, result)
}

/// The error message of reading these bytes; it must name the file.
fn error_of(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (path, result) = read_bytes(dir.path(), bytes);
    let err = result.expect_err("expected an error").to_string();
    assert!(err.contains(&path.display().to_string()), "{err}");
    err
}

fn read_ok(bytes: &[u8]) -> NpyArray {
    let dir = tempfile::tempdir().unwrap();
    read_bytes(dir.path(), bytes).1.unwrap()
}

#[test]
fn f32_round_trips_1d_and_2d() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.npy");
    let values = [0.25f32, -1.5, 3.0e-8, f32::MAX, 0.1, 7.0];
    for shape in [vec![6], vec![2, 3], vec![3, 2]] {
        write_npy_f32(&path, &shape, &values).unwrap();
        let array = read_npy(&path).unwrap();
        assert_eq!(array.shape, shape);
        let expected: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
        assert_eq!(array.values, expected);
    }
}

#[test]
fn f64_round_trips_1d_2d_and_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.npy");
    let values = [0.1, -2.5e300, 1.0 / 3.0, 0.0, -0.0, 42.0];
    for shape in [vec![6], vec![1, 6], vec![6, 1]] {
        write_npy_f64(&path, &shape, &values).unwrap();
        let array = read_npy(&path).unwrap();
        assert_eq!(array.shape, shape);
        assert_eq!(array.values, values);
    }
    write_npy_f64(&path, &[0, 4], &[]).unwrap();
    let array = read_npy(&path).unwrap();
    assert_eq!((array.shape, array.values.len()), (vec![0, 4], 0));
}

#[test]
fn written_header_is_numpy_style_and_aligned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.npy");
    write_npy_f32(&path, &[2, 3], &[0.0; 6]).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    assert_eq!((10 + header_len) % 64, 0);
    let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
    assert!(header.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
    assert!(header.ends_with('\n'));
    assert_eq!(bytes.len(), 10 + header_len + 24);
    write_npy_f64(&path, &[5], &[0.0; 5]).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("'shape': (5,), }"));
}

#[test]
fn writing_a_shape_that_does_not_hold_the_values_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.npy");
    let err = write_npy_f32(&path, &[2, 3], &[0.0; 5])
        .unwrap_err()
        .to_string();
    assert!(err.contains("x.npy") && err.contains("(2, 3)"), "{err}");
    assert!(!path.exists());
}

#[test]
fn reads_every_integer_and_bool_width() {
    let cases: [(&str, Vec<u8>, Vec<f64>); 9] = [
        ("|b1", vec![0, 1], vec![0.0, 1.0]),
        ("|i1", vec![0xff, 5], vec![-1.0, 5.0]),
        ("|u1", vec![0xff, 5], vec![255.0, 5.0]),
        ("<i2", vec![0xfe, 0xff, 3, 1], vec![-2.0, 259.0]),
        ("<u2", vec![0xfe, 0xff, 3, 1], vec![65534.0, 259.0]),
        (
            "<i4",
            [(-7i32).to_le_bytes(), 9i32.to_le_bytes()].concat(),
            vec![-7.0, 9.0],
        ),
        (
            "<u4",
            [u32::MAX.to_le_bytes(), 9u32.to_le_bytes()].concat(),
            vec![4294967295.0, 9.0],
        ),
        (
            "<i8",
            [(-3i64).to_le_bytes(), 8i64.to_le_bytes()].concat(),
            vec![-3.0, 8.0],
        ),
        (
            "<u8",
            [1u64 << 40, 8]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
            vec![(1u64 << 40) as f64, 8.0],
        ),
    ];
    for (descr, data, expected) in cases {
        let array = read_ok(&npy_bytes(&dict(descr, "(2,)"), &data));
        assert_eq!(array.values, expected, "{descr}");
    }
}

#[test]
fn reads_half_floats() {
    let halves: [u16; 6] = [0x3c00, 0x3800, 0xc000, 0x0001, 0x7c00, 0x7bff];
    let data: Vec<u8> = halves.iter().flat_map(|h| h.to_le_bytes()).collect();
    let array = read_ok(&npy_bytes(&dict("<f2", "(6,)"), &data));
    let expected = [1.0, 0.5, -2.0, 2f64.powi(-24), f64::INFINITY, 65504.0];
    assert_eq!(array.values, expected);
    let nan = read_ok(&npy_bytes(&dict("<f2", "(1,)"), &0x7e00u16.to_le_bytes()));
    assert!(nan.values[0].is_nan());
}

#[test]
fn reads_versions_2_and_3_and_0d_arrays() {
    for version in [2u8, 3] {
        let header = dict("<f8", "(1,)");
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[version, 0]);
        bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&2.5f64.to_le_bytes());
        assert_eq!(read_ok(&bytes).values, vec![2.5]);
    }
    let scalar = read_ok(&npy_bytes(&dict("<f8", "()"), &4.0f64.to_le_bytes()));
    assert_eq!((scalar.shape.len(), scalar.values), (0, vec![4.0]));
}

#[test]
fn bad_magic_is_an_error() {
    let err = error_of(b"PK\x03\x04 this is a zip (an .npz?)");
    assert!(err.contains("bad magic"), "{err}");
    assert!(error_of(b"").contains("bad magic"));
}

#[test]
fn unsupported_version_is_an_error() {
    let mut bytes = npy_bytes(&dict("<f8", "(0,)"), &[]);
    bytes[6] = 9;
    assert!(error_of(&bytes).contains("version 9"));
}

#[test]
fn truncated_header_is_an_error() {
    let bytes = npy_bytes(&dict("<f8", "(1,)"), &[]);
    let err = error_of(&bytes[..30]);
    assert!(err.contains("truncated") && err.contains("header"), "{err}");
    let mut v2 = MAGIC.to_vec();
    v2.extend_from_slice(&[2, 0, 5, 0]);
    assert!(error_of(&v2).contains("truncated"));
}

#[test]
fn truncated_data_is_an_error() {
    let bytes = npy_bytes(&dict("<f8", "(3, 2)"), &[0u8; 40]);
    let err = error_of(&bytes);
    assert!(err.contains("truncated"), "{err}");
    assert!(err.contains("(3, 2)") && err.contains("48 bytes") && err.contains("found 40"));
}

#[test]
fn extra_data_is_an_error() {
    let err = error_of(&npy_bytes(&dict("<f4", "(2,)"), &[0u8; 12]));
    assert!(err.contains("needs 8 bytes of data, found 12"), "{err}");
}

#[test]
fn big_endian_is_an_error() {
    let err = error_of(&npy_bytes(&dict(">f8", "(1,)"), &[0u8; 8]));
    assert!(err.contains("big-endian") && err.contains(">f8"), "{err}");
    assert!(err.contains("astype('<f8')"), "{err}");
}

#[test]
fn object_arrays_are_an_error() {
    let err = error_of(&npy_bytes(&dict("|O", "(1,)"), &[0u8; 8]));
    assert!(err.contains("object arrays"), "{err}");
}

#[test]
fn strings_complex_and_odd_widths_are_errors() {
    for descr in ["<U5", "|S3", "<c16", "<f16", "<i3", "|b2", "<M8[ns]"] {
        let err = error_of(&npy_bytes(&dict(descr, "(1,)"), &[0u8; 8]));
        assert!(
            err.contains("unsupported dtype") && err.contains(descr),
            "{err}"
        );
    }
}

#[test]
fn structured_dtype_is_an_error() {
    let header =
        "{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (1,), }\n";
    let err = error_of(&npy_bytes(header, &[0u8; 8]));
    assert!(
        err.ends_with("structured dtype [('x', '<f4'), ('y', '<f4')] is not supported; expected a plain numeric array"),
        "{err}"
    );
}

#[test]
fn fortran_order_is_an_error() {
    let header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }\n";
    let err = error_of(&npy_bytes(header, &[0u8; 32]));
    assert!(err.contains("Fortran-order"), "{err}");
}

#[test]
fn malformed_headers_are_errors() {
    let no_shape = "{'descr': '<f8', 'fortran_order': False, }\n";
    assert!(error_of(&npy_bytes(no_shape, &[])).contains("no 'shape' entry"));
    let bad_shape = dict("<f8", "(2, x)");
    assert!(error_of(&npy_bytes(&bad_shape, &[])).contains("malformed shape"));
    let mut not_text = npy_bytes(&dict("<f8", "(0,)"), &[]);
    not_text[12] = 0xff;
    assert!(error_of(&not_text).contains("not text"));
    let huge = dict("<f8", "(4294967296, 4294967296, 4294967296)");
    assert!(error_of(&npy_bytes(&huge, &[])).contains("too large"));
}

#[test]
fn a_missing_file_is_an_error() {
    let err = read_npy(Path::new("/no/such/file.npy")).unwrap_err();
    assert_eq!(err.to_string(), "/no/such/file.npy: file not found");
}

fn array(shape: Vec<usize>, values: Vec<f64>) -> NpyArray {
    NpyArray { shape, values }
}

#[test]
fn class_indices_from_1d_and_column_arrays() {
    let path = Path::new("labels.npy");
    let a = array(vec![3], vec![0.0, 2.0, 9.0]);
    assert_eq!(a.as_class_indices(path).unwrap(), vec![0, 2, 9]);
    let column = array(vec![3, 1], vec![1.0, 0.0, 1.0]);
    assert_eq!(column.as_class_indices(path).unwrap(), vec![1, 0, 1]);
}

#[test]
fn class_index_errors_name_the_file_and_element() {
    let path = Path::new("labels.npy");
    let err = |values: Vec<f64>| {
        let n = values.len();
        array(vec![n], values)
            .as_class_indices(path)
            .unwrap_err()
            .to_string()
    };
    let negative = err(vec![0.0, 1.0, -1.0]);
    assert_eq!(
        negative,
        "labels.npy: element 2: -1 is negative; expected a class index (an integer 0, 1, 2, ...)"
    );
    assert!(err(vec![2.5]).contains("element 0: 2.5 is not a whole number"));
    assert!(err(vec![1.0, f64::NAN]).contains("element 1: NaN is NaN"));
    let wide = array(vec![2, 3], vec![0.0; 6]).as_class_indices(path);
    let wide = wide.unwrap_err().to_string();
    assert!(
        wide.contains("expected a 1-D array") && wide.contains("(2, 3)"),
        "{wide}"
    );
}

#[test]
fn dims2_and_rows() {
    let path = Path::new("probs.npy");
    let a = array(vec![2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(a.dims2(path).unwrap(), (2, 3));
    let rows: Vec<&[f64]> = a.rows(path).unwrap().collect();
    assert_eq!(rows, vec![&[1.0, 2.0, 3.0][..], &[4.0, 5.0, 6.0][..]]);
    let no_columns = array(vec![2, 0], vec![]);
    assert_eq!(no_columns.rows(path).unwrap().count(), 2);
    let flat = array(vec![6], vec![0.0; 6]);
    let err = flat.dims2(path).unwrap_err().to_string();
    assert_eq!(
        err,
        "probs.npy: expected a 2-D array (one row per sample), found shape (6,)"
    );
    assert!(flat.rows(path).is_err());
}

#[test]
fn reads_the_cifar10_cleanlab_arrays() {
    let dir = Path::new(CLEANLAB);
    let probs =
        read_npy(&dir.join("cross_validated_predicted_probabilities_cifar10_test_set_pyx.npy"))
            .unwrap();
    assert_eq!(probs.shape, vec![10_000, 10]);
    let rows: Vec<&[f64]> = probs.rows(dir).unwrap().collect();
    assert_eq!(rows.len(), 10_000);
    for row in rows {
        assert!(row.iter().all(|p| (0.0..=1.0).contains(p)));
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-6);
    }
    for name in [
        "original_test_labels_cifar10_test_set_original_labels.npy",
        "cross_validated_predicted_labels_cifar10_test_set_pyx_argmax_predicted_labels.npy",
    ] {
        let path = dir.join(name);
        let labels = read_npy(&path).unwrap();
        assert_eq!(labels.shape, vec![10_000]);
        let classes = labels.as_class_indices(&path).unwrap();
        assert_eq!(classes.iter().max(), Some(&9));
        let mut per_class = [0usize; 10];
        classes.iter().for_each(|&c| per_class[c] += 1);
        if name.starts_with("original") {
            assert_eq!(
                per_class, [1000; 10],
                "CIFAR-10 test has 1000 images per class"
            );
        }
    }
}
