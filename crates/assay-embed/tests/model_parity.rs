//! CLIP and DINOv2 against `transformers` on the same seeded weights.
//!
//! `tests/oracles/make_embed_fixtures.py` built tiny models with
//! `transformers`, replaced every tensor by seeded values, ran the reference
//! preprocessing and forward pass on real images from `../shared/data` and
//! stored the outputs in `tests/fixtures/`. Here the same tensors are
//! regenerated, saved as safetensors in the Hub's layout and loaded through
//! the code path users use (`ModelFiles::locate`, `load_clip`,
//! `load_dinov2`); embeddings must agree within 1e-4.

mod common;

use std::path::{Path, PathBuf};

use assay_embed::clip::load_clip;
use assay_embed::dinov2::load_dinov2;
use assay_embed::preprocess::ImagePreprocess;
use assay_embed::tokenizer::{pad_to_longest, ClipTokenizer};
use assay_embed::{Extractor, ModelFiles};
use assay_image::decode::Pixels;
use candle_core::{Device, Tensor};
use common::seeded::{max_abs_diff, seeded_values, write_safetensors, TensorSpec};
use serde::Deserialize;

const TOLERANCE: f64 = 1e-4;

#[derive(Deserialize)]
struct ClipFixture {
    seed: u64,
    config: serde_json::Value,
    tokenizer: serde_json::Value,
    tensors: Vec<TensorSpec>,
    images: Vec<String>,
    texts: Vec<String>,
    token_ids: Vec<Vec<u32>>,
    image_embeds: Vec<Vec<f64>>,
    text_embeds: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct Dinov2Fixture {
    seed: u64,
    config: serde_json::Value,
    tensors: Vec<TensorSpec>,
    images: Vec<String>,
    image_embeds: Vec<Vec<f64>>,
    nonsquare_input: TensorSpec,
    nonsquare_embeds: Vec<Vec<f64>>,
}

fn read_fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_slice(&std::fs::read(&path).expect("fixture present")).expect("fixture parses")
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// A model folder in Hugging Face layout holding the seeded weights.
fn model_folder(
    config: &serde_json::Value,
    tensors: &[TensorSpec],
    seed: u64,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    write_safetensors(dir.path(), tensors, seed);
    dir
}

fn decoded(images: &[String]) -> Vec<Pixels> {
    images
        .iter()
        .map(|image| {
            let bytes = std::fs::read(data_dir().join(image)).expect("shared data image");
            assay_image::decode::decode(&bytes).expect("decodes").1
        })
        .collect()
}

/// The fixture's images, preprocessed, as one batch.
fn pixel_batch(images: &[String], preprocess: &ImagePreprocess) -> Tensor {
    let mut values = Vec::new();
    for pixels in decoded(images) {
        values.extend(preprocess.apply(&pixels).unwrap());
    }
    let side = preprocess.crop;
    Tensor::from_vec(values, (images.len(), 3, side, side), &Device::Cpu).unwrap()
}

fn rows(tensor: &Tensor) -> Vec<Vec<f32>> {
    tensor.to_vec2().unwrap()
}

#[test]
fn clip_matches_transformers() {
    let fixture: ClipFixture = read_fixture("clip.json");
    let dir = model_folder(&fixture.config, &fixture.tensors, fixture.seed);
    std::fs::write(
        dir.path().join("tokenizer.json"),
        fixture.tokenizer.to_string(),
    )
    .unwrap();
    let files = ModelFiles::locate(dir.path()).unwrap();
    let model = load_clip(&files, &Device::Cpu).unwrap();

    let tokenizer = ClipTokenizer::load(
        files.require_tokenizer().unwrap(),
        model.text.max_positions(),
    )
    .unwrap();
    let texts: Vec<&str> = fixture.texts.iter().map(String::as_str).collect();
    let ids = tokenizer.encode(&texts).unwrap();
    assert_eq!(
        ids, fixture.token_ids,
        "token ids differ from CLIPTokenizer's"
    );

    let pad = model.config.eos_token_id as u32;
    let text = rows(
        &model
            .text
            .forward(&pad_to_longest(&ids, pad), &Device::Cpu)
            .unwrap(),
    );
    let text_diff = max_abs_diff(&text, &fixture.text_embeds);
    let pixels = pixel_batch(
        &fixture.images,
        &ImagePreprocess::clip(model.config.image_size),
    );
    let image = rows(&model.vision.forward(&pixels).unwrap());
    let image_diff = max_abs_diff(&image, &fixture.image_embeds);
    println!("CLIP max abs diff: image {image_diff:.3e}, text {text_diff:.3e}");
    assert!(
        image_diff < TOLERANCE,
        "image embeddings differ by {image_diff}"
    );
    assert!(
        text_diff < TOLERANCE,
        "text embeddings differ by {text_diff}"
    );

    // The same through the entry point the commands use.
    let extractor = Extractor::open(dir.path().to_str().unwrap()).unwrap();
    assert_eq!(
        (extractor.kind, extractor.dim(), extractor.supports_text()),
        ("clip", 16, true)
    );
    let images = extractor.embed_images(&decoded(&fixture.images)).unwrap();
    assert!(max_abs_diff(&images, &fixture.image_embeds) < TOLERANCE);
    let texts = extractor.embed_texts(&texts).unwrap();
    assert!(max_abs_diff(&texts, &fixture.text_embeds) < TOLERANCE);
}

#[test]
fn dinov2_matches_transformers() {
    let fixture: Dinov2Fixture = read_fixture("dinov2.json");
    let dir = model_folder(&fixture.config, &fixture.tensors, fixture.seed);
    let files = ModelFiles::locate(&dir.path().join("model.safetensors")).unwrap();
    let model = load_dinov2(&files, &Device::Cpu).unwrap();
    assert!(files.preprocessor.is_none());

    let pixels = pixel_batch(
        &fixture.images,
        &ImagePreprocess::dinov2(model.config.image_size),
    );
    let image = rows(&model.forward(&pixels).unwrap());
    let image_diff = max_abs_diff(&image, &fixture.image_embeds);

    let spec = &fixture.nonsquare_input;
    let odd = seeded_values(
        &spec.name,
        spec.shape.iter().product(),
        spec.low,
        spec.high,
        fixture.seed,
    );
    let odd = Tensor::from_vec(odd, spec.shape.as_slice(), &Device::Cpu).unwrap();
    let odd_diff = max_abs_diff(
        &rows(&model.forward(&odd).unwrap()),
        &fixture.nonsquare_embeds,
    );
    println!("DINOv2 max abs diff: images {image_diff:.3e}, 42x70 input {odd_diff:.3e}");
    assert!(
        image_diff < TOLERANCE,
        "image embeddings differ by {image_diff}"
    );
    assert!(
        odd_diff < TOLERANCE,
        "non-square input embeddings differ by {odd_diff}"
    );

    // Through the entry point the commands use, with the preprocessing the
    // fixture used given as a preprocessor_config.json (as Hub models have).
    let preprocessor = serde_json::json!({
        "size": {"shortest_edge": 64}, "crop_size": {"height": 56, "width": 56},
        "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]
    });
    std::fs::write(
        dir.path().join("preprocessor_config.json"),
        preprocessor.to_string(),
    )
    .unwrap();
    let extractor = Extractor::open(dir.path().to_str().unwrap()).unwrap();
    assert_eq!((extractor.kind, extractor.dim()), ("dinov2", 32));
    let images = extractor.embed_images(&decoded(&fixture.images)).unwrap();
    assert!(max_abs_diff(&images, &fixture.image_embeds) < TOLERANCE);
}

#[test]
fn wrong_weights_name_the_missing_tensor() {
    let fixture: Dinov2Fixture = read_fixture("dinov2.json");
    let mut tensors = fixture.tensors;
    tensors.retain(|t| t.name != "layernorm.weight");
    let dir = model_folder(&fixture.config, &tensors, fixture.seed);
    let files = ModelFiles::locate(dir.path()).unwrap();
    let err = load_dinov2(&files, &Device::Cpu).unwrap_err().to_string();
    assert!(err.contains("layernorm.weight"), "{err}");
    assert!(err.contains("model.safetensors"), "{err}");
}
