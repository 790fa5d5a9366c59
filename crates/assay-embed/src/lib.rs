//! Image and text embeddings for assay, computed on the CPU from weights the
//! user has on disk; nothing is downloaded.
//!
//! - [`files`]: where a model's files are (Hugging Face folders and cache
//!   entries, single `.safetensors` files) and the hash of its weights.
//! - [`clip`], [`dinov2`]: the models, doing the arithmetic of their
//!   PyTorch reference implementations, so the embeddings agree with them.
//! - [`inception`]: InceptionV3 as pytorch-fid computes it (FID pool
//!   features, Inception Score logits), from the published FID weights.
//! - [`builtin`]: the weight-free extractor (not comparable with published
//!   numbers).
//! - [`extractor`]: one entry point over all of them (`--model`).
//! - [`preprocess`], [`tokenizer`]: model inputs from decoded images and
//!   texts, as the references prepare them.
//! - [`nn`], [`interpolate`]: the shared transformer blocks and PyTorch's
//!   bicubic and bilinear interpolation.

#![warn(missing_docs)]

pub mod builtin;
pub mod clip;
pub mod config;
pub mod dinov2;
pub mod error;
pub mod extractor;
pub mod files;
pub mod inception;
pub mod interpolate;
pub mod nn;
pub mod preprocess;
pub mod tokenizer;
pub mod weights;

pub use error::{EmbedError, Result};
pub use extractor::Extractor;
pub use files::ModelFiles;
