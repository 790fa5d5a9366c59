//! InceptionV3 (FID) against pytorch-fid 0.3.0: the fixture
//! (`tests/fixtures/inception.json`, written by
//! `tests/oracles/make_inception_fixture.py`) lists every tensor of the
//! state dict with the range of its seeded values and holds pytorch-fid's
//! pool features and logits for real images and an odd-size input. This
//! test rebuilds the same weights as a safetensors file, loads them through
//! the entry point the commands use (`Extractor::open`) and through
//! `load_inception`, decodes the same images and compares.

mod common;

use std::path::{Path, PathBuf};

use assay_embed::inception::{load_inception, pixels_to_tensor};
use assay_embed::{Extractor, ModelFiles};
use assay_image::decode::Pixels;
use candle_core::{Device, Tensor};
use common::seeded::{max_abs_diff, write_safetensors, TensorSpec};
use serde::Deserialize;

const TOLERANCE: f64 = 1e-4;

#[derive(Deserialize)]
struct Fixture {
    seed: u64,
    tensors: Vec<TensorSpec>,
    images: Vec<String>,
    odd_input: TensorSpec,
    pool: Vec<Vec<f64>>,
    logits: Vec<Vec<f64>>,
    logits_unbiased: Vec<Vec<f64>>,
}

fn fixture() -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/inception.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

fn decoded(images: &[String]) -> Vec<Pixels> {
    images
        .iter()
        .map(|path| {
            let bytes = std::fs::read(data_dir().join(path)).unwrap();
            assay_image::decode::decode(&bytes).unwrap().1
        })
        .collect()
}

#[test]
fn inception_matches_pytorch_fid() {
    let fixture = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = write_safetensors(dir.path(), &fixture.tensors, fixture.seed);
    let images = decoded(&fixture.images);

    // The images through the entry point the commands use: pool features.
    let extractor = Extractor::open(path.to_str().unwrap()).unwrap();
    assert_eq!((extractor.kind, extractor.dim()), ("inception", 2048));
    let pool = extractor.embed_images(&images).unwrap();
    let diff = max_abs_diff(&pool, &fixture.pool[..images.len()]);
    println!("pool (images): max abs diff {diff:e}");
    assert!(diff < TOLERANCE, "pool features differ by {diff}");

    // Every output, for the images and the odd-size input.
    let model = load_inception(&ModelFiles::locate(dir.path()).unwrap(), &Device::Cpu).unwrap();
    let odd = &fixture.odd_input;
    let mut inputs: Vec<Tensor> = images
        .iter()
        .map(|p| pixels_to_tensor(p, &Device::Cpu).unwrap())
        .collect();
    inputs.push(
        Tensor::from_vec(odd.values(fixture.seed), odd.shape.as_slice(), &Device::Cpu).unwrap(),
    );
    let (mut pool, mut logits, mut unbiased) = (Vec::new(), Vec::new(), Vec::new());
    for input in &inputs {
        let out = model.forward(input).unwrap();
        pool.extend(out.pool);
        logits.extend(out.logits);
        unbiased.extend(out.logits_unbiased);
    }
    for (name, ours, theirs) in [
        ("pool", &pool, &fixture.pool),
        ("logits", &logits, &fixture.logits),
        ("logits_unbiased", &unbiased, &fixture.logits_unbiased),
    ] {
        let diff = max_abs_diff(ours, theirs);
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
    let mut tensors = fixture.tensors;
    tensors.retain(|spec| spec.name.starts_with("Conv2d_1a"));
    for spec in &mut tensors {
        if spec.name == "Conv2d_1a_3x3.conv.weight" {
            spec.shape = vec![32, 3, 5, 5];
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write_safetensors(dir.path(), &tensors, fixture.seed);
    let err = load_inception(&ModelFiles::locate(&path).unwrap(), &Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Conv2d_1a_3x3.conv.weight"), "{err}");
    assert!(err.contains("model.safetensors"), "{err}");
}
