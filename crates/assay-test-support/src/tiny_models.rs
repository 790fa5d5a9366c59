//! Tiny models in the real file formats, with seeded weights, for tests
//! that need a model end to end: the CLIP of `assay-embed`'s parity
//! fixture (whose embeddings `assay-embed/tests/model_parity.rs` checks
//! against `transformers`), written as a Hugging Face model folder.

use std::path::Path;

#[allow(dead_code)]
#[path = "../../assay-embed/tests/common/seeded.rs"]
mod seeded;

#[derive(serde::Deserialize)]
struct Fixture {
    seed: u64,
    config: serde_json::Value,
    tokenizer: serde_json::Value,
    tensors: Vec<seeded::TensorSpec>,
}

/// Writes the fixture's tiny CLIP (16-d embeddings, its tokenizer) into
/// `folder`: `config.json`, `tokenizer.json` and `model.safetensors`.
pub fn tiny_clip(folder: &Path) {
    let path = crate::oracle::workspace_root().join("crates/assay-embed/tests/fixtures/clip.json");
    let text = std::fs::read(&path).expect("the CLIP fixture");
    let fixture: Fixture = serde_json::from_slice(&text).expect("the CLIP fixture parses");
    std::fs::create_dir_all(folder).expect("model folder");
    std::fs::write(folder.join("config.json"), fixture.config.to_string()).expect("config");
    std::fs::write(folder.join("tokenizer.json"), fixture.tokenizer.to_string())
        .expect("tokenizer");
    seeded::write_safetensors(folder, &fixture.tensors, fixture.seed);
}
