//! InceptionV3 (FID) against pytorch-fid 0.3.0: the fixture
//! (`tests/fixtures/inception.json`, written by
//! `tests/oracles/make_inception_fixture.py`) lists every tensor of the
//! state dict with the range of its seeded values and holds pytorch-fid's
//! pool features and logits for real images and an odd-size input. This
//! test rebuilds the same weights as a safetensors file, loads them through
//! `ModelFiles::locate` and `load_inception`, decodes the same images and
//! compares.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use assay_embed::inception::{load_inception, pixels_to_tensor, InceptionOutput};
use assay_embed::ModelFiles;
use candle_core::{Device, Tensor};
use serde_json::Value;

const TOLERANCE: f32 = 1e-4;

fn fixture() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/inception.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// A tensor described by `{name, shape, low, high}`, filled with its seeded
/// values.
fn seeded(spec: &Value, seed: u64) -> (String, Tensor) {
    let name = spec["name"].as_str().unwrap().to_string();
    let shape: Vec<usize> = spec["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let count = shape.iter().product();
    let (low, high) = (
        spec["low"].as_f64().unwrap(),
        spec["high"].as_f64().unwrap(),
    );
    let values = common::seeded::seeded_values(&name, count, low, high, seed);
    let tensor = Tensor::from_vec(values, shape, &Device::Cpu).unwrap();
    (name, tensor)
}

fn rows(value: &Value) -> Vec<Vec<f32>> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect()
        })
        .collect()
}

fn max_abs_diff(ours: &[Vec<f32>], theirs: &[Vec<f32>]) -> f32 {
    assert_eq!(ours.len(), theirs.len());
    ours.iter()
        .zip(theirs)
        .flat_map(|(a, b)| {
            assert_eq!(a.len(), b.len());
            a.iter().zip(b).map(|(x, y)| (x - y).abs())
        })
        .fold(0.0, f32::max)
}

/// The model inputs: the fixture's images, decoded by assay, then the
/// seeded odd-size input.
fn inputs(fixture: &Value) -> Vec<Tensor> {
    let seed = fixture["seed"].as_u64().unwrap();
    let mut inputs: Vec<Tensor> = fixture["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|path| {
            let bytes = std::fs::read(data_dir().join(path.as_str().unwrap())).unwrap();
            let (_, pixels) = assay_quality::decode::decode(&bytes).unwrap();
            pixels_to_tensor(&pixels, &Device::Cpu).unwrap()
        })
        .collect();
    inputs.push(seeded(&fixture["odd_input"], seed).1);
    inputs
}

#[test]
fn inception_matches_pytorch_fid() {
    let fixture = fixture();
    let seed = fixture["seed"].as_u64().unwrap();
    let tensors: HashMap<String, Tensor> = fixture["tensors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|spec| seeded(spec, seed))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    candle_core::safetensors::save(&tensors, &path).unwrap();
    drop(tensors);

    let files = ModelFiles::locate(dir.path()).unwrap();
    let model = load_inception(&files, &Device::Cpu).unwrap();
    let mut outputs = InceptionOutput {
        pool: Vec::new(),
        logits: Vec::new(),
        logits_unbiased: Vec::new(),
    };
    for input in inputs(&fixture) {
        let start = Instant::now();
        let out = model.forward(&input).unwrap();
        println!("{:?}: forward {:.2?}", input.dims(), start.elapsed());
        outputs.pool.extend(out.pool);
        outputs.logits.extend(out.logits);
        outputs.logits_unbiased.extend(out.logits_unbiased);
    }
    for (name, ours) in [
        ("pool", &outputs.pool),
        ("logits", &outputs.logits),
        ("logits_unbiased", &outputs.logits_unbiased),
    ] {
        let diff = max_abs_diff(ours, &rows(&fixture[name]));
        println!("{name}: max abs diff {diff:e}");
        assert!(
            diff < TOLERANCE,
            "{name}: max abs diff {diff} >= {TOLERANCE}"
        );
    }
}

#[test]
fn a_tensor_of_the_wrong_shape_is_a_weights_error() {
    let fixture = fixture();
    let seed = fixture["seed"].as_u64().unwrap();
    let mut tensors: HashMap<String, Tensor> = fixture["tensors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|spec| spec["name"].as_str().unwrap().starts_with("Conv2d_1a"))
        .map(|spec| seeded(spec, seed))
        .collect();
    let wrong = Tensor::zeros((32, 3, 5, 5), candle_core::DType::F32, &Device::Cpu).unwrap();
    tensors.insert("Conv2d_1a_3x3.conv.weight".into(), wrong);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inception.safetensors");
    candle_core::safetensors::save(&tensors, &path).unwrap();
    let files = ModelFiles::locate(&path).unwrap();
    let err = load_inception(&files, &Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Conv2d_1a_3x3.conv.weight"), "{err}");
    assert!(err.contains("inception.safetensors"), "{err}");
}
