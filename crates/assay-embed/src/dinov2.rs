//! DINOv2 (ViT-S/14, B/14, L/14) as Hugging Face `transformers`'
//! `Dinov2Model` computes it, from weights in the Hub's layout
//! (`encoder.layer.N.attention.attention.query`, ...). The embedding is the
//! class token after the final LayerNorm (`pooler_output`), the feature
//! the FD-DINOv2 literature uses. Position embeddings are resized to the
//! input's patch grid by PyTorch's bicubic interpolation, as `transformers`
//! does for every input size other than the trained one.

use candle_core::{Device, Module, Tensor};
use candle_nn::{conv2d, Conv2dConfig, LayerNorm, VarBuilder};
use serde_json::Value;

use crate::config::{get_bool, get_f64, get_str, get_usize};
use crate::error::Result;
use crate::nn::{norm, Activation, AttentionNames, Mlp, SelfAttention};

/// A `Dinov2Model` configuration, with `transformers`' defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Dinov2Config {
    /// Width of the transformer.
    pub hidden_size: usize,
    /// Transformer layers.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
    /// Feed-forward width as a multiple of `hidden_size`.
    pub mlp_ratio: usize,
    /// Feed-forward activation.
    pub activation: Activation,
    /// LayerNorm epsilon.
    pub layer_norm_eps: f64,
    /// The side the position embeddings were trained for.
    pub image_size: usize,
    /// Patch side in pixels.
    pub patch_size: usize,
    /// Input channels.
    pub channels: usize,
}

impl Dinov2Config {
    /// Reads a `Dinov2Model` config.
    pub fn from_json(json: &Value) -> std::result::Result<Dinov2Config, String> {
        if get_bool(json, "use_swiglu_ffn", false)? {
            return Err(
                "use_swiglu_ffn (DINOv2 giant) is not supported; use ViT-S/14, B/14 or L/14".into(),
            );
        }
        if !get_bool(json, "qkv_bias", true)? {
            return Err("qkv_bias false is not supported".into());
        }
        let act = get_str(json, "hidden_act", "gelu")?;
        Ok(Dinov2Config {
            hidden_size: get_usize(json, "hidden_size", 768)?,
            layers: get_usize(json, "num_hidden_layers", 12)?,
            heads: get_usize(json, "num_attention_heads", 12)?,
            mlp_ratio: get_usize(json, "mlp_ratio", 4)?,
            activation: Activation::from_name(&act)
                .ok_or_else(|| format!("hidden_act \"{act}\" is not supported"))?,
            layer_norm_eps: get_f64(json, "layer_norm_eps", 1e-6)?,
            image_size: get_usize(json, "image_size", 224)?,
            patch_size: get_usize(json, "patch_size", 14)?,
            channels: get_usize(json, "num_channels", 3)?,
        })
    }
}

const DINOV2_ATTENTION: AttentionNames = AttentionNames {
    query: "attention.query",
    key: "attention.key",
    value: "attention.value",
    output: "output.dense",
};

#[derive(Debug, Clone)]
struct Layer {
    norm1: LayerNorm,
    attention: SelfAttention,
    scale1: Tensor,
    norm2: LayerNorm,
    mlp: Mlp,
    scale2: Tensor,
}

impl Layer {
    fn load(vb: VarBuilder, cfg: &Dinov2Config) -> candle_core::Result<Self> {
        let h = cfg.hidden_size;
        Ok(Layer {
            norm1: norm(h, cfg.layer_norm_eps, vb.pp("norm1"))?,
            attention: SelfAttention::load(vb.pp("attention"), h, cfg.heads, &DINOV2_ATTENTION)?,
            scale1: vb.get(h, "layer_scale1.lambda1")?,
            norm2: norm(h, cfg.layer_norm_eps, vb.pp("norm2"))?,
            mlp: Mlp::load(vb.pp("mlp"), h, h * cfg.mlp_ratio, cfg.activation)?,
            scale2: vb.get(h, "layer_scale2.lambda1")?,
        })
    }

    fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        let attended = self.attention.forward(&self.norm1.forward(xs)?, None)?;
        let xs = (xs + attended.broadcast_mul(&self.scale1)?)?;
        let fed = self.mlp.forward(&self.norm2.forward(&xs)?)?;
        xs + fed.broadcast_mul(&self.scale2)?
    }
}

/// A DINOv2 backbone.
#[derive(Debug, Clone)]
pub struct Dinov2 {
    /// The configuration it was built from.
    pub config: Dinov2Config,
    cls_token: Tensor,
    position_embeddings: Tensor,
    patch_embedding: candle_nn::Conv2d,
    layers: Vec<Layer>,
    final_norm: LayerNorm,
}

impl Dinov2 {
    /// Builds the model from weights in the Hub's `Dinov2Model` layout.
    pub fn load(vb: VarBuilder, config: Dinov2Config) -> candle_core::Result<Dinov2> {
        let h = config.hidden_size;
        let grid = config.image_size / config.patch_size;
        let conv = Conv2dConfig {
            stride: config.patch_size,
            ..Default::default()
        };
        let e = vb.pp("embeddings");
        let layers = (0..config.layers)
            .map(|i| Layer::load(vb.pp(format!("encoder.layer.{i}")), &config))
            .collect::<candle_core::Result<Vec<_>>>()?;
        Ok(Dinov2 {
            cls_token: e.get((1, 1, h), "cls_token")?,
            position_embeddings: e.get((1, grid * grid + 1, h), "position_embeddings")?,
            patch_embedding: conv2d(
                config.channels,
                h,
                config.patch_size,
                conv,
                e.pp("patch_embeddings.projection"),
            )?,
            layers,
            final_norm: norm(h, config.layer_norm_eps, vb.pp("layernorm"))?,
            config,
        })
    }

    /// Embeddings (batch, hidden_size): the class token after the final
    /// LayerNorm, from preprocessed pixels (batch, channels, height, width).
    pub fn forward(&self, pixels: &Tensor) -> candle_core::Result<Tensor> {
        let (batch, _, height, width) = pixels.dims4()?;
        let h = self.config.hidden_size;
        let patches = self
            .patch_embedding
            .forward(pixels)?
            .flatten_from(2)?
            .transpose(1, 2)?;
        let cls = self.cls_token.broadcast_as((batch, 1, h))?;
        let positions = self.positions_for(height, width)?;
        let mut xs = Tensor::cat(&[&cls, &patches], 1)?.broadcast_add(&positions)?;
        for layer in &self.layers {
            xs = layer.forward(&xs)?;
        }
        self.final_norm.forward(&xs.narrow(1, 0, 1)?.squeeze(1)?)
    }

    /// The position embeddings for an input of `height` x `width` pixels:
    /// the trained ones when the grid matches and the input is square,
    /// else the patch part resized by bicubic interpolation.
    fn positions_for(&self, height: usize, width: usize) -> candle_core::Result<Tensor> {
        let patch = self.config.patch_size;
        let (rows, cols) = (height / patch, width / patch);
        let trained = self.position_embeddings.dim(1)? - 1;
        if rows * cols == trained && height == width {
            return Ok(self.position_embeddings.clone());
        }
        let side = (trained as f64).sqrt() as usize;
        let h = self.config.hidden_size;
        let class = self.position_embeddings.narrow(1, 0, 1)?;
        let grid: Vec<f32> = self
            .position_embeddings
            .narrow(1, 1, trained)?
            .flatten_all()?
            .to_vec1()?;
        let resized = crate::interpolate::bicubic_resize_grid(&grid, side, side, h, rows, cols);
        let resized = Tensor::from_vec(
            resized,
            (1, rows * cols, h),
            self.position_embeddings.device(),
        )?;
        Tensor::cat(&[&class, &resized], 1)
    }
}

/// Loads a DINOv2 model's config and weights from `files`.
pub fn load_dinov2(files: &crate::files::ModelFiles, device: &Device) -> Result<Dinov2> {
    let json = files.read_config()?;
    let config = Dinov2Config::from_json(&json).map_err(|message| files.bad_config(message))?;
    let vb = crate::weights::var_builder(files, device)?;
    Dinov2::load(vb, config).map_err(|err| crate::weights::weights_error(files, err))
}
