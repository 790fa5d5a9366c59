//! CLIP's image and text towers as Hugging Face `transformers`' `CLIPModel`
//! computes them (pre-LayerNorm ViT; causal text transformer pooled at the
//! end-of-text token; linear projections without bias). One code path for
//! every size (ViT-B/32, B/16, L/14): the sizes come from `config.json`,
//! missing keys take `transformers`' defaults.

use candle_core::{Device, Module, Tensor};
use candle_nn::{
    conv2d_no_bias, embedding, linear_no_bias, Conv2dConfig, Embedding, LayerNorm, Linear,
    VarBuilder,
};
use serde_json::Value;

use crate::config::{get_f64, get_str, get_usize, section};
use crate::error::Result;
use crate::nn::{causal_mask, gather_tokens, norm, Activation, AttentionNames, Mlp, SelfAttention};

/// The sizes of one CLIP tower.
#[derive(Debug, Clone, PartialEq)]
pub struct TowerConfig {
    /// Width of the transformer.
    pub hidden_size: usize,
    /// Width of the feed-forward block.
    pub intermediate_size: usize,
    /// Transformer layers.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
    /// LayerNorm epsilon.
    pub layer_norm_eps: f64,
    /// Feed-forward activation.
    pub activation: Activation,
}

/// A CLIP model's configuration (`config.json` of `CLIPModel`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClipConfig {
    /// The image tower.
    pub vision: TowerConfig,
    /// Input side in pixels (square).
    pub image_size: usize,
    /// Patch side in pixels.
    pub patch_size: usize,
    /// Input channels.
    pub channels: usize,
    /// The text tower.
    pub text: TowerConfig,
    /// Token vocabulary size.
    pub vocab_size: usize,
    /// Longest token sequence (77 for CLIP).
    pub max_positions: usize,
    /// End-of-text token id; 2 means the legacy rule (pool at the highest id).
    pub eos_token_id: usize,
    /// Width of the shared embedding space.
    pub projection_dim: usize,
}

impl ClipConfig {
    /// Reads a `CLIPModel` config, with `transformers`' defaults for
    /// missing keys.
    pub fn from_json(json: &Value) -> std::result::Result<ClipConfig, String> {
        let vision = section(json, &["vision_config", "vision_config_dict"]);
        let text = section(json, &["text_config", "text_config_dict"]);
        Ok(ClipConfig {
            vision: tower(&vision, 768, 3072, 12, 12)?,
            image_size: get_usize(&vision, "image_size", 224)?,
            patch_size: get_usize(&vision, "patch_size", 32)?,
            channels: get_usize(&vision, "num_channels", 3)?,
            text: tower(&text, 512, 2048, 12, 8)?,
            vocab_size: get_usize(&text, "vocab_size", 49408)?,
            max_positions: get_usize(&text, "max_position_embeddings", 77)?,
            eos_token_id: get_usize(&text, "eos_token_id", 49407)?,
            projection_dim: get_usize(json, "projection_dim", 512)?,
        })
    }
}

fn tower(
    json: &Value,
    hidden: usize,
    intermediate: usize,
    layers: usize,
    heads: usize,
) -> std::result::Result<TowerConfig, String> {
    let act = get_str(json, "hidden_act", "quick_gelu")?;
    Ok(TowerConfig {
        hidden_size: get_usize(json, "hidden_size", hidden)?,
        intermediate_size: get_usize(json, "intermediate_size", intermediate)?,
        layers: get_usize(json, "num_hidden_layers", layers)?,
        heads: get_usize(json, "num_attention_heads", heads)?,
        layer_norm_eps: get_f64(json, "layer_norm_eps", 1e-5)?,
        activation: Activation::from_name(&act).ok_or_else(|| {
            format!("hidden_act \"{act}\" is not supported (quick_gelu, gelu, gelu_new)")
        })?,
    })
}

/// One pre-LayerNorm encoder layer (`CLIPEncoderLayer`).
#[derive(Debug, Clone)]
struct EncoderLayer {
    norm1: LayerNorm,
    attention: SelfAttention,
    norm2: LayerNorm,
    mlp: Mlp,
}

const CLIP_ATTENTION: AttentionNames = AttentionNames {
    query: "q_proj",
    key: "k_proj",
    value: "v_proj",
    output: "out_proj",
};

impl EncoderLayer {
    fn load(vb: VarBuilder, cfg: &TowerConfig) -> candle_core::Result<Self> {
        Ok(EncoderLayer {
            norm1: norm(cfg.hidden_size, cfg.layer_norm_eps, vb.pp("layer_norm1"))?,
            attention: SelfAttention::load(
                vb.pp("self_attn"),
                cfg.hidden_size,
                cfg.heads,
                &CLIP_ATTENTION,
            )?,
            norm2: norm(cfg.hidden_size, cfg.layer_norm_eps, vb.pp("layer_norm2"))?,
            mlp: Mlp::load(
                vb.pp("mlp"),
                cfg.hidden_size,
                cfg.intermediate_size,
                cfg.activation,
            )?,
        })
    }

    fn forward(&self, xs: &Tensor, mask: Option<&Tensor>) -> candle_core::Result<Tensor> {
        let attended = self.attention.forward(&self.norm1.forward(xs)?, mask)?;
        let xs = (xs + attended)?;
        let fed = self.mlp.forward(&self.norm2.forward(&xs)?)?;
        xs + fed
    }
}

fn load_layers(vb: VarBuilder, cfg: &TowerConfig) -> candle_core::Result<Vec<EncoderLayer>> {
    (0..cfg.layers)
        .map(|i| EncoderLayer::load(vb.pp(format!("encoder.layers.{i}")), cfg))
        .collect()
}

fn run_layers(
    layers: &[EncoderLayer],
    xs: Tensor,
    mask: Option<&Tensor>,
) -> candle_core::Result<Tensor> {
    layers
        .iter()
        .try_fold(xs, |xs, layer| layer.forward(&xs, mask))
}

/// CLIP's image tower with its projection.
#[derive(Debug, Clone)]
pub struct ClipVision {
    class_embedding: Tensor,
    patch_embedding: candle_nn::Conv2d,
    position_embedding: Tensor,
    pre_norm: LayerNorm,
    layers: Vec<EncoderLayer>,
    post_norm: LayerNorm,
    projection: Linear,
    image_size: usize,
}

impl ClipVision {
    fn load(vb: VarBuilder, cfg: &ClipConfig) -> candle_core::Result<Self> {
        let v = vb.pp("vision_model");
        let hidden = cfg.vision.hidden_size;
        let grid = cfg.image_size / cfg.patch_size;
        let conv = Conv2dConfig {
            stride: cfg.patch_size,
            ..Default::default()
        };
        Ok(ClipVision {
            class_embedding: v.get(hidden, "embeddings.class_embedding")?,
            patch_embedding: conv2d_no_bias(
                cfg.channels,
                hidden,
                cfg.patch_size,
                conv,
                v.pp("embeddings.patch_embedding"),
            )?,
            position_embedding: v.get(
                (grid * grid + 1, hidden),
                "embeddings.position_embedding.weight",
            )?,
            pre_norm: norm(hidden, cfg.vision.layer_norm_eps, v.pp("pre_layrnorm"))?,
            layers: load_layers(v.clone(), &cfg.vision)?,
            post_norm: norm(hidden, cfg.vision.layer_norm_eps, v.pp("post_layernorm"))?,
            projection: linear_no_bias(hidden, cfg.projection_dim, vb.pp("visual_projection"))?,
            image_size: cfg.image_size,
        })
    }

    /// Image embeddings (batch, projection_dim), not normalised, from
    /// preprocessed pixels (batch, channels, image_size, image_size).
    pub fn forward(&self, pixels: &Tensor) -> candle_core::Result<Tensor> {
        let (batch, _, height, width) = pixels.dims4()?;
        if height != self.image_size || width != self.image_size {
            candle_core::bail!(
                "input is {height}x{width} pixels; this CLIP model takes {0}x{0}",
                self.image_size
            );
        }
        let patches = self
            .patch_embedding
            .forward(pixels)?
            .flatten_from(2)?
            .transpose(1, 2)?;
        let hidden = self.class_embedding.dim(0)?;
        let class = self
            .class_embedding
            .reshape((1, 1, hidden))?
            .broadcast_as((batch, 1, hidden))?;
        let xs = Tensor::cat(&[&class, &patches], 1)?.broadcast_add(&self.position_embedding)?;
        let xs = self.pre_norm.forward(&xs)?;
        let xs = run_layers(&self.layers, xs, None)?;
        let pooled = self.post_norm.forward(&xs.narrow(1, 0, 1)?.squeeze(1)?)?;
        self.projection.forward(&pooled)
    }
}

/// CLIP's text tower with its projection.
#[derive(Debug, Clone)]
pub struct ClipText {
    token_embedding: Embedding,
    position_embedding: Tensor,
    layers: Vec<EncoderLayer>,
    final_norm: LayerNorm,
    projection: Linear,
    eos_token_id: usize,
    max_positions: usize,
}

impl ClipText {
    fn load(vb: VarBuilder, cfg: &ClipConfig) -> candle_core::Result<Self> {
        let t = vb.pp("text_model");
        let hidden = cfg.text.hidden_size;
        Ok(ClipText {
            token_embedding: embedding(cfg.vocab_size, hidden, t.pp("embeddings.token_embedding"))?,
            position_embedding: t.get(
                (cfg.max_positions, hidden),
                "embeddings.position_embedding.weight",
            )?,
            layers: load_layers(t.clone(), &cfg.text)?,
            final_norm: norm(hidden, cfg.text.layer_norm_eps, t.pp("final_layer_norm"))?,
            projection: linear_no_bias(hidden, cfg.projection_dim, vb.pp("text_projection"))?,
            eos_token_id: cfg.eos_token_id,
            max_positions: cfg.max_positions,
        })
    }

    /// The longest token sequence the model takes.
    pub fn max_positions(&self) -> usize {
        self.max_positions
    }

    /// Text embeddings (batch, projection_dim), not normalised, of token
    /// sequences of equal length (pad after the end-of-text token: the
    /// causal mask keeps padding out of the pooled token).
    pub fn forward(&self, ids: &[Vec<u32>], device: &Device) -> candle_core::Result<Tensor> {
        let tokens = ids.first().map_or(0, Vec::len);
        if tokens == 0 || tokens > self.max_positions || ids.iter().any(|row| row.len() != tokens) {
            candle_core::bail!(
                "token sequences must be non-empty, of equal length and at most {} long",
                self.max_positions
            );
        }
        let flat: Vec<u32> = ids.concat();
        let input = Tensor::from_vec(flat, (ids.len(), tokens), device)?;
        let positions = self.position_embedding.narrow(0, 0, tokens)?;
        let xs = self
            .token_embedding
            .forward(&input)?
            .broadcast_add(&positions)?;
        let mask = causal_mask(tokens, device)?;
        let xs = run_layers(&self.layers, xs, Some(&mask))?;
        let xs = self.final_norm.forward(&xs)?;
        let pooled_at: Vec<usize> = ids.iter().map(|row| self.pooling_position(row)).collect();
        self.projection.forward(&gather_tokens(&xs, &pooled_at)?)
    }

    /// `transformers`' rule: with the legacy `eos_token_id` 2, the position
    /// of the highest token id (the first one among equals); otherwise the
    /// first end-of-text token (position 0 when there is none).
    fn pooling_position(&self, row: &[u32]) -> usize {
        if self.eos_token_id == 2 {
            let max = row.iter().copied().max().unwrap_or(0);
            row.iter().position(|&id| id == max).unwrap_or(0)
        } else {
            row.iter()
                .position(|&id| id as usize == self.eos_token_id)
                .unwrap_or(0)
        }
    }
}

/// A whole CLIP model: both towers.
#[derive(Debug, Clone)]
pub struct Clip {
    /// The configuration it was built from.
    pub config: ClipConfig,
    /// The image tower.
    pub vision: ClipVision,
    /// The text tower.
    pub text: ClipText,
}

impl Clip {
    /// Builds the model from weights named as `CLIPModel`'s state dict.
    pub fn load(vb: VarBuilder, config: ClipConfig) -> candle_core::Result<Clip> {
        Ok(Clip {
            vision: ClipVision::load(vb.clone(), &config)?,
            text: ClipText::load(vb, &config)?,
            config,
        })
    }
}

/// Loads a CLIP model's config and weights from `files`.
pub fn load_clip(files: &crate::files::ModelFiles, device: &Device) -> Result<Clip> {
    let json = files.read_config()?;
    let config = ClipConfig::from_json(&json).map_err(|message| files.bad_config(message))?;
    let vb = crate::weights::var_builder(files, device)?;
    Clip::load(vb, config).map_err(|err| crate::weights::weights_error(files, err))
}
