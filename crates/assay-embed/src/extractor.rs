//! One entry point for every extractor: open a model by path (or the
//! built-in one), embed decoded images in batches, and, for CLIP, texts.
//! The kind of model is read from `config.json` (`model_type`), or from the
//! tensor names when a bare `.safetensors` file has no config.

use std::path::Path;

use assay_image::decode::Pixels;
use candle_core::{Device, Tensor};
use rayon::prelude::*;

use crate::clip::{load_clip, Clip};
use crate::dinov2::{load_dinov2, Dinov2};
use crate::error::{EmbedError, Result};
use crate::files::ModelFiles;
use crate::inception::{
    clean_resize_tensor, load_inception, pixels_to_tensor, Inception, InceptionResize,
};
use crate::preprocess::ImagePreprocess;
use crate::tokenizer::{pad_to_longest, ClipTokenizer};

/// What `--model builtin` names.
pub const BUILTIN: &str = "builtin";

enum Model {
    Builtin,
    Clip {
        model: Box<Clip>,
        tokenizer: Option<Box<ClipTokenizer>>,
    },
    Dinov2(Box<Dinov2>),
    Inception(Box<Inception>),
}

impl Model {
    fn kind(&self) -> &'static str {
        match self {
            Model::Builtin => "builtin",
            Model::Clip { .. } => "clip",
            Model::Dinov2(_) => "dinov2",
            Model::Inception(_) => "inception",
        }
    }
}

/// One vector per image, and for the FID Inception the class logits of each.
pub type ImageEmbeddings = (Vec<Vec<f32>>, Option<Vec<Vec<f32>>>);

/// An opened extractor.
pub struct Extractor {
    /// Name its embeddings are stored under (`builtin`, or the model's
    /// name from its folder, `openai/clip-vit-base-patch32`).
    pub name: String,
    /// BLAKE3 hash of the weights (the built-in extractor's version).
    pub weights_hash: String,
    /// The kind of model (`builtin`, `clip`, `dinov2`, `inception`).
    pub kind: &'static str,
    /// Whether its numbers are comparable with published ones.
    pub comparable: bool,
    model: Model,
    preprocess: ImagePreprocess,
    inception_resize: InceptionResize,
    device: Device,
}

impl std::fmt::Debug for Extractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extractor")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish()
    }
}

impl Extractor {
    /// The built-in, weight-free extractor.
    pub fn builtin() -> Extractor {
        Extractor {
            name: crate::builtin::NAME.into(),
            weights_hash: crate::builtin::VERSION.into(),
            kind: "builtin",
            comparable: false,
            model: Model::Builtin,
            preprocess: ImagePreprocess::clip(224),
            inception_resize: InceptionResize::default(),
            device: Device::Cpu,
        }
    }

    /// Opens again the model that made stored embeddings (`name`, loaded
    /// from `source` with weights hashing to `weights_hash`), refusing
    /// imported vectors and weights that changed since.
    pub fn reopen(name: &str, source: &str, weights_hash: &str) -> Result<Extractor> {
        if source == "imported" {
            return Err(EmbedError::Input(format!(
                "{name:?} was imported from a .npy file; assay cannot embed new queries in its space; search by a stored sample instead"
            )));
        }
        let extractor = Extractor::open(source).map_err(|e| {
            EmbedError::Input(format!(
                "the model that made the {name:?} embeddings (from {source}) cannot be opened: {e}"
            ))
        })?;
        if extractor.weights_hash != weights_hash {
            return Err(EmbedError::Input(format!(
                "the weights at {source} changed since the {name:?} embeddings were computed; run `assay embed --model {source}` again"
            )));
        }
        Ok(extractor)
    }

    /// Opens `spec`: `builtin`, or a model folder or `.safetensors` file.
    pub fn open(spec: &str) -> Result<Extractor> {
        if spec == BUILTIN {
            return Ok(Extractor::builtin());
        }
        let files = ModelFiles::locate(Path::new(spec))?;
        let device = Device::Cpu;
        let model_type = model_type(&files)?;
        let model = match model_type.as_str() {
            "clip" => {
                let model = load_clip(&files, &device)?;
                let tokenizer = match &files.tokenizer {
                    Some(file) => Some(Box::new(ClipTokenizer::load(
                        file,
                        model.text.max_positions(),
                    )?)),
                    None => None,
                };
                Model::Clip {
                    model: Box::new(model),
                    tokenizer,
                }
            }
            "dinov2" => Model::Dinov2(Box::new(load_dinov2(&files, &device)?)),
            "inception" => Model::Inception(Box::new(load_inception(&files, &device)?)),
            other => {
                return Err(EmbedError::BadFile {
                    file: files.require_config()?.to_path_buf(),
                    message: format!("model_type \"{other}\" is not supported (clip, dinov2; Inception needs no config)"),
                })
            }
        };
        let preprocess = preprocess_for(&model, &files)?;
        Ok(Extractor {
            name: model_name(&files.root),
            preprocess,
            weights_hash: files.weights_hash()?,
            kind: model.kind(),
            comparable: true,
            model,
            inception_resize: InceptionResize::default(),
            device,
        })
    }

    /// Sets how images reach the FID Inception (other models ignore it).
    pub fn with_inception_resize(mut self, resize: InceptionResize) -> Extractor {
        self.inception_resize = resize;
        self
    }

    /// An image as the FID Inception takes it, under the chosen resize.
    fn inception_input(&self, image: &Pixels) -> Result<candle_core::Tensor> {
        match self.inception_resize {
            InceptionResize::PytorchFid => pixels_to_tensor(image, &self.device),
            InceptionResize::Clean => clean_resize_tensor(image, &self.device),
        }
    }

    /// Length of the vectors.
    pub fn dim(&self) -> usize {
        match &self.model {
            Model::Builtin => crate::builtin::DIM,
            Model::Clip { model, .. } => model.config.projection_dim,
            Model::Dinov2(model) => model.config.hidden_size,
            Model::Inception(_) => crate::inception::POOL_FEATURES,
        }
    }

    /// Whether texts can be embedded (CLIP with its tokenizer).
    pub fn supports_text(&self) -> bool {
        matches!(
            &self.model,
            Model::Clip {
                tokenizer: Some(_),
                ..
            }
        )
    }

    /// Embeddings of decoded images, one row each (not normalised; the
    /// projection output for CLIP, the class token for DINOv2, the 2048
    /// pool features for Inception).
    /// Preprocessing runs on all cores; the forward pass in one batch.
    pub fn embed_images(&self, images: &[Pixels]) -> Result<Vec<Vec<f32>>> {
        match &self.model {
            Model::Builtin => Ok(images.par_iter().map(crate::builtin::embed).collect()),
            Model::Clip { model, .. } => {
                let pixels = self.batch(images)?;
                Ok(crate::nn::to_rows(&model.vision.forward(&pixels)?)?)
            }
            Model::Dinov2(model) => {
                let pixels = self.batch(images)?;
                Ok(crate::nn::to_rows(&model.forward(&pixels)?)?)
            }
            // Images of different sizes: one at a time, each resized in the
            // network as pytorch-fid does.
            Model::Inception(model) => images
                .iter()
                .map(|image| {
                    let pool = model.pool_features(&self.inception_input(image)?)?;
                    Ok(crate::nn::to_rows(&pool)?.remove(0))
                })
                .collect(),
        }
    }

    /// Whether [`Extractor::embed_images_with_logits`] gives class logits
    /// (the FID Inception only).
    pub fn has_class_logits(&self) -> bool {
        matches!(self.model, Model::Inception(_))
    }

    /// [`Extractor::embed_images`] plus, for the FID Inception, the class
    /// logits without the fc bias of each image (torch-fidelity's
    /// `logits_unbiased`, the Inception Score's input) from the same
    /// forward pass; `None` for other models.
    pub fn embed_images_with_logits(&self, images: &[Pixels]) -> Result<ImageEmbeddings> {
        let Model::Inception(model) = &self.model else {
            return Ok((self.embed_images(images)?, None));
        };
        let mut pool = Vec::with_capacity(images.len());
        let mut logits = Vec::with_capacity(images.len());
        for image in images {
            let mut out = model.forward(&self.inception_input(image)?)?;
            pool.push(out.pool.remove(0));
            logits.push(out.logits_unbiased.remove(0));
        }
        Ok((pool, Some(logits)))
    }

    /// Embeddings of texts (CLIP only), in the image embeddings' space.
    pub fn embed_texts(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let Model::Clip { model, tokenizer } = &self.model else {
            return Err(EmbedError::Input(format!(
                "{} embeds images only; text search needs a CLIP model (--model PATH to a CLIP folder with tokenizer.json)",
                self.name
            )));
        };
        let Some(tokenizer) = tokenizer else {
            return Err(EmbedError::MissingFiles {
                what: "tokenizer.json".into(),
                looked_for: vec![],
                hint: "Text search needs the tokenizer.json of the CLIP model next to its weights."
                    .into(),
            });
        };
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let ids = tokenizer.encode(texts)?;
        let pad = model.config.eos_token_id as u32;
        Ok(crate::nn::to_rows(
            &model
                .text
                .forward(&pad_to_longest(&ids, pad), &self.device)?,
        )?)
    }

    fn batch(&self, images: &[Pixels]) -> Result<Tensor> {
        let values = images
            .par_iter()
            .map(|image| self.preprocess.apply(image))
            .collect::<Result<Vec<_>>>()?;
        let side = self.preprocess.crop;
        Ok(Tensor::from_vec(
            values.concat(),
            (images.len(), 3, side, side),
            &self.device,
        )?)
    }
}

/// The preprocessing of `model`: the reference's defaults (CLIP: its
/// image size; DINOv2: shortest edge 256, crop 224, whatever size the
/// position embeddings were trained at), overridden by the model's
/// `preprocessor_config.json` when it has one.
fn preprocess_for(model: &Model, files: &ModelFiles) -> Result<ImagePreprocess> {
    let default = match model {
        Model::Clip { model, .. } => ImagePreprocess::clip(model.config.image_size),
        _ => ImagePreprocess::dinov2(224),
    };
    let Some(path) = &files.preprocessor else {
        return Ok(default);
    };
    let bad = |message: String| EmbedError::BadFile {
        file: path.clone(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    default.with_hf_config(&json).map_err(bad)
}

/// The `model_type` of the config, or `inception` for the FID Inception's
/// tensors (which come without a config).
fn model_type(files: &ModelFiles) -> Result<String> {
    let vb = crate::weights::var_builder(files, &Device::Cpu)?;
    let probe = crate::inception::PROBE;
    if vb.contains_tensor(probe) || vb.contains_tensor(&format!("module.{probe}")) {
        return Ok("inception".into());
    }
    if files.config.is_none() {
        return Err(EmbedError::MissingFiles {
            what: "config.json".into(),
            looked_for: vec![files.folder().join("config.json")],
            hint: "CLIP and DINOv2 need the config.json of the model next to its weights \
                   (it is part of every Hugging Face model folder)."
                .into(),
        });
    }
    let json = files.read_config()?;
    let model_type = json
        .get("model_type")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    Ok(model_type.to_string())
}

/// A readable name for the model at `root`: `org/name` for a Hugging Face
/// cache entry, else the folder's or file's name.
pub fn model_name(root: &Path) -> String {
    for part in root.ancestors() {
        let name = part
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(rest) = name.strip_prefix("models--") {
            return rest.replacen("--", "/", 1);
        }
    }
    let stem = if root.is_file() {
        root.file_stem()
    } else {
        root.file_name()
    };
    stem.and_then(|n| n.to_str()).unwrap_or("model").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_cache_entry_or_the_folder() {
        let cached = Path::new("/c/hub/models--openai--clip-vit-base-patch32/snapshots/abc");
        assert_eq!(model_name(cached), "openai/clip-vit-base-patch32");
        assert_eq!(model_name(Path::new("/w/dinov2-small")), "dinov2-small");
    }

    #[test]
    fn the_builtin_extractor_needs_no_files() {
        let e = Extractor::open(BUILTIN).unwrap();
        assert!(!e.comparable);
        assert!(!e.supports_text());
        assert!(e
            .embed_texts(&["a cat"])
            .unwrap_err()
            .to_string()
            .contains("CLIP"));
    }

    #[test]
    fn a_missing_model_names_where_it_looked() {
        let dir = tempfile::tempdir().unwrap();
        let err = Extractor::open(dir.path().to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("model.safetensors"), "{err}");
        assert!(err.contains("never downloads"), "{err}");
    }
}
