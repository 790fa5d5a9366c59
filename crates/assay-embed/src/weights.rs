//! Opening a model's weight files for the inference library.

use candle_core::{DType, Device};
use candle_nn::VarBuilder;

use crate::error::{EmbedError, Result};
use crate::files::ModelFiles;

/// A `VarBuilder` over the memory-mapped safetensors files of `files`;
/// tensors stored in half precision are widened to `f32` when read.
pub fn var_builder(files: &ModelFiles, device: &Device) -> Result<VarBuilder<'static>> {
    for file in &files.weights {
        check_header(file)?;
    }
    // SAFETY: the files are mapped read-only; as with every memory-mapped
    // file, a concurrent writer truncating them would be undefined
    // behaviour, which is the documented contract of `from_mmaped_safetensors`.
    unsafe { VarBuilder::from_mmaped_safetensors(&files.weights, DType::F32, device) }.map_err(
        |err| EmbedError::BadFile {
            file: files.weights[0].clone(),
            message: format!("not a readable safetensors file: {err}"),
        },
    )
}

/// A load failure (missing tensor, wrong shape) as an error naming the
/// weights.
pub(crate) fn weights_error(files: &ModelFiles, err: candle_core::Error) -> EmbedError {
    EmbedError::Weights {
        file: files.weights[0].clone(),
        message: err.to_string(),
    }
}

/// A safetensors file starts with an 8-byte header length and a JSON header;
/// checked first so that a truncated or foreign file gets a plain message.
fn check_header(file: &std::path::Path) -> Result<()> {
    use std::io::Read;
    let bad = |message: String| EmbedError::BadFile {
        file: file.to_path_buf(),
        message,
    };
    let mut handle = std::fs::File::open(file).map_err(|e| bad(e.to_string()))?;
    let size = handle.metadata().map_err(|e| bad(e.to_string()))?.len();
    let mut prefix = [0u8; 9];
    let read = handle.read(&mut prefix).map_err(|e| bad(e.to_string()))?;
    let header = u64::from_le_bytes(prefix[..8].try_into().unwrap_or([0; 8]));
    if read < 9 || header == 0 || header + 8 > size || prefix[8] != b'{' {
        return Err(bad(
            "not a safetensors file (expected an 8-byte header length and a JSON header)".into(),
        ));
    }
    Ok(())
}
