//! Window metrics that need a model's view of the images: `embedding_drift`
//! (the cosine distance between a window's mean embedding and the
//! reference windows', the analysis' centroid distance), and for
//! generators (records with a `generation`) `fid` against a reference and
//! `clip_score` of each image with its prompt.
//!
//! Vectors are computed once per record and stored as the stream's
//! embedding sets ([`embed_stream`], run by `assay monitor` and the
//! server's watch); measuring windows only reads them, so the Monitoring
//! page never embeds the stream's images (it embeds the prompts of the
//! records it samples, and the models and FID's reference are loaded once
//! per process).

use std::path::PathBuf;

use assay_gen::clip_score::ClipScoreKind;
#[cfg(not(feature = "embed"))]
use {super::windows::Window, crate::progress::Progress, anyhow::Result, assay_store::Store};

#[cfg(feature = "embed")]
mod models;
#[cfg(feature = "embed")]
pub use models::{add_feature_metrics, embed_stream};

/// The `[monitor]` settings that name models and a reference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureSettings {
    /// `builtin`, or a model folder: the vectors of `embedding_drift` and
    /// of a generator's `fid`.
    pub embed_model: Option<String>,
    /// A CLIP model folder (with its tokenizer): a generator's
    /// `clip_score`.
    pub clip_model: Option<String>,
    /// Which CLIPScore (default Hessel et al.'s, as `assay gen eval`).
    pub clip_score: ClipScoreKind,
    /// FID's reference: real images (a folder or manifest), `.npy`
    /// features or `.npz` statistics. Default: the reference windows.
    pub real: Option<PathBuf>,
    /// Or a project dataset as FID's reference.
    pub real_dataset: Option<String>,
}

impl FeatureSettings {
    /// Whether any model is configured.
    pub fn any(&self) -> bool {
        self.embed_model.is_some() || self.clip_model.is_some()
    }
}

/// Without the `embed` feature no model can run: nothing is embedded.
#[cfg(not(feature = "embed"))]
pub fn embed_stream(
    _store: &mut Store,
    _stream: &str,
    _settings: &FeatureSettings,
    _progress: &dyn Progress,
) -> Result<Vec<String>> {
    Ok(Vec::new())
}

/// Without the `embed` feature the model-based metrics cannot be
/// computed; says so when they are configured.
#[cfg(not(feature = "embed"))]
pub fn add_feature_metrics(
    _store: &Store,
    _stream: &str,
    _windows: &mut [Window],
    _samples: &[Vec<i64>],
    _generator: bool,
    settings: &FeatureSettings,
) -> Result<Vec<String>> {
    Ok(if settings.any() {
        vec!["this build of assay has no embedding models (the embed feature): embedding_drift, fid and clip_score are not computed".into()]
    } else {
        Vec::new()
    })
}
