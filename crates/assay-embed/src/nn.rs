//! Transformer building blocks shared by CLIP and DINOv2, written to do the
//! same arithmetic as their Hugging Face `transformers` modules.

use candle_core::{DType, Module, Tensor, D};
use candle_nn::{layer_norm, linear, LayerNorm, Linear, VarBuilder};

/// A hidden activation, by its `transformers` name (`hidden_act`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `quick_gelu`: `x * sigmoid(1.702 x)` (OpenAI CLIP).
    QuickGelu,
    /// `gelu`: the exact, erf-based GELU.
    Gelu,
    /// `gelu_new` / `gelu_pytorch_tanh`: the tanh approximation.
    GeluTanh,
}

impl Activation {
    /// The activation called `name` in a `config.json`.
    pub fn from_name(name: &str) -> Option<Activation> {
        match name {
            "quick_gelu" => Some(Activation::QuickGelu),
            "gelu" => Some(Activation::Gelu),
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Some(Activation::GeluTanh),
            _ => None,
        }
    }

    fn apply(self, xs: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Activation::QuickGelu => xs * candle_nn::ops::sigmoid(&(xs * 1.702)?)?,
            Activation::Gelu => xs.gelu_erf(),
            Activation::GeluTanh => xs.gelu(),
        }
    }
}

/// Multi-head self-attention with separate query, key and value
/// projections (biases included), scaled by `head_dim^-0.5`.
#[derive(Debug, Clone)]
pub struct SelfAttention {
    query: Linear,
    key: Linear,
    value: Linear,
    output: Linear,
    heads: usize,
}

/// Where an attention block's four projections live in the weights.
pub struct AttentionNames<'a> {
    /// The query projection.
    pub query: &'a str,
    /// The key projection.
    pub key: &'a str,
    /// The value projection.
    pub value: &'a str,
    /// The output projection.
    pub output: &'a str,
}

impl SelfAttention {
    /// Loads the projections named in `names` under `vb`.
    pub fn load(
        vb: VarBuilder,
        hidden: usize,
        heads: usize,
        names: &AttentionNames,
    ) -> candle_core::Result<Self> {
        if heads == 0 || !hidden.is_multiple_of(heads) {
            candle_core::bail!("hidden size {hidden} is not a multiple of {heads} heads");
        }
        Ok(SelfAttention {
            query: linear(hidden, hidden, vb.pp(names.query))?,
            key: linear(hidden, hidden, vb.pp(names.key))?,
            value: linear(hidden, hidden, vb.pp(names.value))?,
            output: linear(hidden, hidden, vb.pp(names.output))?,
            heads,
        })
    }

    /// Attends over `xs` (batch, tokens, hidden); `mask` is added to the
    /// scores (0 or -inf, broadcast over batch and heads).
    pub fn forward(&self, xs: &Tensor, mask: Option<&Tensor>) -> candle_core::Result<Tensor> {
        let (batch, tokens, hidden) = xs.dims3()?;
        let head_dim = hidden / self.heads;
        let split = |t: Tensor| -> candle_core::Result<Tensor> {
            t.reshape((batch, tokens, self.heads, head_dim))?
                .transpose(1, 2)?
                .contiguous()
        };
        let scale = (head_dim as f64).powf(-0.5);
        let query = split(self.query.forward(xs)?)?;
        let key = split(self.key.forward(xs)?)?;
        let value = split(self.value.forward(xs)?)?;
        let mut scores = (query.matmul(&key.t()?.contiguous()?)? * scale)?;
        if let Some(mask) = mask {
            scores = scores.broadcast_add(mask)?;
        }
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let attended = weights
            .matmul(&value)?
            .transpose(1, 2)?
            .reshape((batch, tokens, hidden))?;
        self.output.forward(&attended)
    }
}

/// The feed-forward block: `fc2(act(fc1(x)))`.
#[derive(Debug, Clone)]
pub struct Mlp {
    fc1: Linear,
    fc2: Linear,
    activation: Activation,
}

impl Mlp {
    /// Loads `fc1` and `fc2` under `vb`.
    pub fn load(
        vb: VarBuilder,
        hidden: usize,
        intermediate: usize,
        activation: Activation,
    ) -> candle_core::Result<Self> {
        Ok(Mlp {
            fc1: linear(hidden, intermediate, vb.pp("fc1"))?,
            fc2: linear(intermediate, hidden, vb.pp("fc2"))?,
            activation,
        })
    }

    /// Applies the block.
    pub fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        let hidden = self.activation.apply(&self.fc1.forward(xs)?)?;
        self.fc2.forward(&hidden)
    }
}

/// A LayerNorm of `size` features with `eps`, loaded from `vb`.
pub fn norm(size: usize, eps: f64, vb: VarBuilder) -> candle_core::Result<LayerNorm> {
    layer_norm(size, eps, vb)
}

/// The additive causal mask (0 on and below the diagonal, -inf above) for
/// `tokens` positions, shaped to broadcast over batch and heads.
pub fn causal_mask(tokens: usize, device: &candle_core::Device) -> candle_core::Result<Tensor> {
    let values: Vec<f32> = (0..tokens)
        .flat_map(|row| (0..tokens).map(move |col| if col > row { f32::NEG_INFINITY } else { 0.0 }))
        .collect();
    Tensor::from_vec(values, (1, 1, tokens, tokens), device)
}

/// Rows of `xs` (batch, tokens, hidden) picked per batch item:
/// `xs[b, positions[b], :]`, shaped (batch, hidden).
pub fn gather_tokens(xs: &Tensor, positions: &[usize]) -> candle_core::Result<Tensor> {
    let rows = positions
        .iter()
        .enumerate()
        .map(|(b, &p)| xs.get(b)?.get(p))
        .collect::<candle_core::Result<Vec<_>>>()?;
    Tensor::stack(&rows, 0)
}

/// Tensor values as `f32` rows (batch, features).
pub fn to_rows(xs: &Tensor) -> candle_core::Result<Vec<Vec<f32>>> {
    xs.to_dtype(DType::F32)?.to_vec2()
}

/// L2-normalises each row of a (batch, features) tensor.
pub fn l2_normalize(xs: &Tensor) -> candle_core::Result<Tensor> {
    let norms = xs.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?;
    xs.broadcast_div(&norms)
}
