//! `.npz` parity with NumPy: archives `np.savez` / `np.savez_compressed`
//! write read back equal to what `np.load` gives, archives we write load in
//! NumPy equal to what we wrote, and malformed archives give errors that
//! name the file, the entry and what was expected.
//!
//! The oracle is `tests/oracles/npz_oracle.py`, run with `ASSAY_PYTHON` (or
//! `<workspace>/.venv/bin/python`); a missing interpreter fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;

use assay_io::npy::NpyArray;
use assay_io::npz::{
    read_fid_stats, read_npz, write_fid_stats, write_npz, FidStats, NpzArray, NpzCompression,
    NpzFile,
};
use serde_json::{json, Value};

const SETUP_HINT: &str = "run ./scripts/test.sh, which installs the Python oracles";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `tests/oracles/npz_oracle.py` on `cases`; one result per case.
fn run_oracle(cases: &[Value]) -> Vec<Value> {
    let python = std::env::var_os("ASSAY_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    assert!(
        python.exists(),
        "{} not found ({SETUP_HINT})",
        python.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cases.json");
    std::fs::write(&input, serde_json::to_string(cases).unwrap()).unwrap();
    let output = Command::new(&python)
        .arg(workspace_root().join("tests/oracles/npz_oracle.py"))
        .arg(&input)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e} ({SETUP_HINT})", python.display()));
    assert!(
        output.status.success(),
        "the oracle failed ({SETUP_HINT}):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(results.len(), cases.len());
    results
}

/// Deterministic values with fractions, signs and a wide range.
fn values(n: usize, seed: f64) -> Vec<f64> {
    (0..n)
        .map(|i| ((i as f64 + seed) * 0.7311).sin() * 10f64.powi((i % 7) as i32 - 3))
        .collect()
}

fn array_json(name: &str, dtype: &str, shape: &[usize]) -> Value {
    let n = shape.iter().product();
    let vals: Vec<f64> = match dtype {
        "f4" | "f8" | "f2" => values(n, shape.len() as f64),
        "?" => (0..n).map(|i| (i % 3 == 0) as u8 as f64).collect(),
        "u1" => (0..n).map(|i| (i * 37 % 256) as f64).collect(),
        _ => (0..n).map(|i| (i as f64 - 7.0) * 1e9).collect(),
    };
    json!({"name": name, "dtype": dtype, "shape": shape, "values": vals})
}

fn as_f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn as_shape(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

/// Checks that our reading of `path` equals NumPy's `load` result.
fn assert_same(path: &Path, numpy: &Value) {
    let ours = read_npz(path).unwrap_or_else(|e| panic!("{e}"));
    let theirs = numpy.as_array().unwrap();
    assert_eq!(ours.len(), theirs.len(), "{}", path.display());
    for ((name, array), t) in ours.iter().zip(theirs) {
        assert_eq!(name, t["name"].as_str().unwrap());
        assert_eq!(array.shape, as_shape(&t["shape"]), "{name}");
        let expected = as_f64s(&t["values"]);
        let same = array
            .values
            .iter()
            .zip(&expected)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(
            same && array.values.len() == expected.len(),
            "{name} in {}",
            path.display()
        );
    }
}

#[test]
fn archives_numpy_writes_read_back_equal() {
    let dir = tempfile::tempdir().unwrap();
    let layouts: Vec<Vec<Value>> = vec![
        vec![array_json("a", "f8", &[3, 4]), array_json("b", "f4", &[5])],
        vec![
            array_json("mu", "f4", &[7]),
            array_json("sigma", "f4", &[7, 7]),
        ],
        vec![
            array_json("cube", "f8", &[2, 3, 4]),
            array_json("scalar", "f8", &[]),
        ],
        vec![
            array_json("empty", "f4", &[0]),
            array_json("none", "f8", &[0, 3]),
        ],
        vec![
            array_json("half", "f2", &[6]),
            array_json("ints", "i8", &[2, 2]),
            array_json("bytes", "u1", &[9]),
            array_json("flags", "?", &[4]),
        ],
        vec![array_json("big", "f8", &[300, 64])],
        vec![],
    ];
    let mut cases = Vec::new();
    for (i, arrays) in layouts.iter().enumerate() {
        for compressed in [false, true] {
            let path = dir.path().join(format!("np{i}_{compressed}.npz"));
            cases.push(
                json!({"op": "save", "path": path, "compressed": compressed, "arrays": arrays}),
            );
        }
    }
    run_oracle(&cases);
    let loads: Vec<Value> = cases
        .iter()
        .map(|c| json!({"op": "load", "path": c["path"]}))
        .collect();
    for (case, numpy) in loads.iter().zip(run_oracle(&loads)) {
        assert_same(Path::new(case["path"].as_str().unwrap()), &numpy);
    }
}

#[test]
fn archives_we_write_load_equal_in_numpy() {
    let dir = tempfile::tempdir().unwrap();
    let (m, v, c, s) = (values(12, 1.0), values(5, 2.0), values(24, 3.0), [42.5]);
    let arrays = [
        NpzArray {
            name: "matrix",
            shape: &[3, 4],
            values: &m,
        },
        NpzArray {
            name: "vector",
            shape: &[5],
            values: &v,
        },
        NpzArray {
            name: "cube",
            shape: &[2, 3, 4],
            values: &c,
        },
        NpzArray {
            name: "scalar",
            shape: &[],
            values: &s,
        },
        NpzArray {
            name: "empty",
            shape: &[0, 4],
            values: &[],
        },
    ];
    let mut cases = Vec::new();
    for (compression, code) in [(NpzCompression::Stored, 0), (NpzCompression::Deflated, 8)] {
        let path = dir.path().join(format!("ours_{code}.npz"));
        write_npz(&path, &arrays, compression).unwrap();
        cases.push(json!({"op": "load", "path": path}));
        cases.push(json!({"op": "methods", "path": path}));
    }
    let empty = dir.path().join("nothing.npz");
    write_npz(&empty, &[], NpzCompression::Stored).unwrap();
    cases.push(json!({"op": "load", "path": empty}));
    let results = run_oracle(&cases);
    for (pair, code) in results.chunks(2).zip([0, 8]) {
        let loaded = pair[0].as_array().unwrap();
        assert_eq!(loaded.len(), arrays.len());
        for (a, l) in arrays.iter().zip(loaded) {
            assert_eq!(l["name"], a.name);
            assert_eq!(l["dtype"], "<f8");
            assert_eq!(as_shape(&l["shape"]), a.shape);
            assert_eq!(as_f64s(&l["values"]), a.values);
        }
        for method in pair[1].as_object().unwrap().values() {
            assert_eq!(method.as_u64(), Some(code));
        }
    }
    assert_eq!(results[4], json!([]));
    // And we read back what we wrote.
    let path = dir.path().join("ours_8.npz");
    let back = read_npz(&path).unwrap();
    assert_eq!(
        back[2].1,
        NpyArray {
            shape: vec![2, 3, 4],
            values: c.clone()
        }
    );
}

#[test]
fn fid_stats_as_pytorch_fid_writes_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ref.npz");
    let case = json!({"op": "save", "path": path, "compressed": true, "arrays": [
        array_json("mu", "f8", &[6]), array_json("sigma", "f8", &[6, 6])]});
    run_oracle(std::slice::from_ref(&case));
    let stats = read_fid_stats(&path).unwrap();
    assert_eq!(stats.dim(), 6);
    assert_eq!(stats.mu, as_f64s(&case["arrays"][0]["values"]));
    assert_eq!(stats.sigma, as_f64s(&case["arrays"][1]["values"]));
    assert!(stats.extra.is_empty());
}

#[test]
fn fid_stats_we_write_load_in_numpy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ours.npz");
    let n = NpyArray {
        shape: vec![],
        values: vec![50_000.0],
    };
    let stats = FidStats {
        mu: values(4, 5.0),
        sigma: values(16, 6.0),
        extra: vec![("n".to_string(), n.clone())],
    };
    write_fid_stats(&path, &stats).unwrap();
    let results = run_oracle(&[
        json!({"op": "load", "path": path}),
        json!({"op": "methods", "path": path}),
    ]);
    let loaded = results[0].as_array().unwrap();
    let names: Vec<&str> = loaded.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["mu", "sigma", "n"]);
    assert_eq!(as_f64s(&loaded[0]["values"]), stats.mu);
    assert_eq!(as_shape(&loaded[1]["shape"]), [4, 4]);
    assert_eq!(as_f64s(&loaded[1]["values"]), stats.sigma);
    assert_eq!(as_f64s(&loaded[2]["values"]), [50_000.0]);
    assert_eq!(results[1], json!({"mu.npy": 8, "sigma.npy": 8, "n.npy": 8}));
    let back = read_fid_stats(&path).unwrap();
    assert_eq!(back, stats);
    assert_eq!(back.extra("n"), Some(&n));
}

/// The error text of reading FID statistics from `path`.
fn fid_error(path: &Path) -> String {
    read_fid_stats(path).unwrap_err().to_string()
}

fn write_f64(path: &Path, arrays: &[(&str, &[usize], &[f64])]) {
    let arrays: Vec<NpzArray> = arrays
        .iter()
        .map(|&(name, shape, values)| NpzArray {
            name,
            shape,
            values,
        })
        .collect();
    write_npz(path, &arrays, NpzCompression::Deflated).unwrap();
}

#[test]
fn fid_stats_errors_name_the_file_and_entry() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let nine = [0.5; 9];
    write_f64(&p("no_mu.npz"), &[("sigma", &[3, 3], &nine)]);
    let e = fid_error(&p("no_mu.npz"));
    assert!(e.contains("no_mu.npz: entry 'mu': no array 'mu'"), "{e}");
    assert!(e.contains("it holds 'sigma'"), "{e}");

    write_f64(
        &p("mu2d.npz"),
        &[("mu", &[1, 3], &[1.0; 3]), ("sigma", &[3, 3], &nine)],
    );
    let e = fid_error(&p("mu2d.npz"));
    assert!(
        e.contains("entry 'mu': expected a non-empty 1-D array"),
        "{e}"
    );
    assert!(e.contains("found shape (1, 3)"), "{e}");

    write_f64(
        &p("sigma.npz"),
        &[("mu", &[4], &[1.0; 4]), ("sigma", &[3, 3], &nine)],
    );
    let e = fid_error(&p("sigma.npz"));
    assert!(e.contains("entry 'sigma': expected shape (4, 4)"), "{e}");
    assert!(e.contains("found (3, 3)"), "{e}");

    let mut bad = nine;
    bad[5] = f64::NAN;
    write_f64(
        &p("nan.npz"),
        &[("mu", &[3], &[1.0; 3]), ("sigma", &[3, 3], &bad)],
    );
    let e = fid_error(&p("nan.npz"));
    assert!(
        e.contains("entry 'sigma': element [1, 2] is NaN; expected finite"),
        "{e}"
    );
}

#[test]
fn unreadable_archives_say_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    std::fs::write(p("text.npz"), "mu,sigma\n1,2\n").unwrap();
    let e = fid_error(&p("text.npz"));
    assert!(
        e.contains("text.npz: not an .npz archive: expected a zip file"),
        "{e}"
    );

    assay_io::npy::write_npy_f64(&p("single.npz"), &[2], &[1.0, 2.0]).unwrap();
    let e = fid_error(&p("single.npz"));
    assert!(e.contains("this is a single .npy array"), "{e}");

    let e = fid_error(&p("absent.npz"));
    assert!(e.contains("absent.npz: file not found"), "{e}");

    let big = values(4096, 0.0);
    write_f64(
        &p("whole.npz"),
        &[("mu", &[64], &big[..64]), ("sigma", &[64, 64], &big)],
    );
    let bytes = std::fs::read(p("whole.npz")).unwrap();
    std::fs::write(p("cut.npz"), &bytes[..bytes.len() / 2]).unwrap();
    let e = fid_error(&p("cut.npz"));
    assert!(
        e.contains("cut.npz: truncated or damaged .npz (zip) archive"),
        "{e}"
    );
    std::fs::write(p("empty.npz"), b"").unwrap();
    assert!(fid_error(&p("empty.npz")).contains("not an .npz archive"));
}

#[test]
fn a_damaged_member_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flipped.npz");
    let big = values(4096, 0.0);
    write_f64(
        &path,
        &[("mu", &[64], &big[..64]), ("sigma", &[64, 64], &big)],
    );
    let mut bytes = std::fs::read(&path).unwrap();
    // Past mu's member, inside sigma's compressed data.
    let at = bytes.len() / 2;
    for b in &mut bytes[at..at + 16] {
        *b ^= 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    let npz = NpzFile::open(&path).unwrap();
    assert_eq!(npz.names(), ["mu", "sigma"]);
    assert!(npz.array("mu").is_ok());
    let e = npz.array("sigma").unwrap_err().to_string();
    assert!(
        e.contains("flipped.npz: entry 'sigma': truncated or damaged member 'sigma.npy'"),
        "{e}"
    );
}

#[test]
fn unsupported_dtypes_name_the_entry_and_fid_extras_skip_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.npz");
    let case = json!({"op": "save", "path": path, "compressed": false, "arrays": [
        array_json("mu", "f8", &[2]), array_json("sigma", "f8", &[2, 2]),
        {"name": "z", "dtype": "c16", "shape": [2], "values": [1.0, 2.0]},
        {"name": "model", "dtype": "U9", "shape": [], "values": 7}]});
    run_oracle(&[case]);
    let e = read_npz(&path).unwrap_err().to_string();
    assert!(
        e.contains("mixed.npz: entry 'z': unsupported dtype '<c16'"),
        "{e}"
    );
    let npz = NpzFile::open(&path).unwrap();
    assert_eq!(npz.names(), ["mu", "sigma", "z", "model"]);
    let e = npz.array("model").unwrap_err().to_string();
    assert!(e.contains("entry 'model': unsupported dtype '<U9'"), "{e}");
    let stats = read_fid_stats(&path).unwrap();
    assert_eq!(stats.dim(), 2);
    assert!(stats.extra.is_empty());
}

#[test]
fn writers_refuse_bad_names_and_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.npz");
    let one = [1.0];
    let write = |arrays: &[NpzArray]| {
        write_npz(&path, arrays, NpzCompression::Stored)
            .unwrap_err()
            .to_string()
    };
    let a = |name| NpzArray {
        name,
        shape: &[1],
        values: &one,
    };
    assert!(write(&[a("x"), a("x")]).contains("entry 'x': two arrays have this name"));
    assert!(write(&[a("")]).contains("must not be empty"));
    assert!(write(&[a("a/b")]).contains("must not contain '/'"));
    let wrong = NpzArray {
        name: "m",
        shape: &[2, 2],
        values: &one,
    };
    let e = write(&[wrong]);
    assert!(
        e.contains("entry 'm': cannot write 1 values as an array of shape (2, 2)"),
        "{e}"
    );
    assert!(
        !path.exists(),
        "nothing is written when the arrays are refused"
    );

    let stats = |mu: Vec<f64>, sigma: Vec<f64>| FidStats {
        mu,
        sigma,
        extra: vec![],
    };
    let e = write_fid_stats(&path, &stats(vec![], vec![]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("entry 'mu': mu is empty"), "{e}");
    let e = write_fid_stats(&path, &stats(vec![1.0; 2], vec![1.0; 3]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("entry 'sigma': expected 2 x 2 = 4 values"),
        "{e}"
    );
    let e = write_fid_stats(&path, &stats(vec![f64::INFINITY], vec![1.0]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("entry 'mu': element [0] is inf"), "{e}");
    let mut dup = stats(vec![1.0], vec![1.0]);
    dup.extra.push((
        "mu".into(),
        NpyArray {
            shape: vec![],
            values: vec![1.0],
        },
    ));
    let e = write_fid_stats(&path, &dup).unwrap_err().to_string();
    assert!(e.contains("entry 'mu': two arrays have this name"), "{e}");
}
