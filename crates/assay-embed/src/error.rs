//! What can go wrong while loading a model or computing embeddings.

use std::path::PathBuf;

/// An error of this crate; every variant names the file or input at fault.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The weights were not where the user pointed.
    #[error("{}", missing_files_message(.what, .looked_for, .hint))]
    MissingFiles {
        /// What was being looked for ("CLIP weights", "tokenizer.json").
        what: String,
        /// Every path that was tried.
        looked_for: Vec<PathBuf>,
        /// How to provide them.
        hint: String,
    },
    /// A file exists but is not what the model needs.
    #[error("{file}: {message}")]
    BadFile {
        /// The file.
        file: PathBuf,
        /// What was expected and what was found.
        message: String,
    },
    /// The model's weights do not fit its configuration (missing tensor,
    /// wrong shape).
    #[error("{file}: the weights do not fit the model: {message}")]
    Weights {
        /// The weights file (or folder of shards).
        file: PathBuf,
        /// The tensor and shape at fault, as the inference library says it.
        message: String,
    },
    /// An input the caller gave is unusable (empty text list, image of
    /// zero size, ...).
    #[error("{0}")]
    Input(String),
    /// Computing the forward pass failed (out of memory, ...).
    #[error("inference failed: {0}")]
    Inference(String),
}

fn missing_files_message(what: &str, looked_for: &[PathBuf], hint: &str) -> String {
    let mut text = format!("no {what} found; looked for:");
    for path in looked_for {
        text.push_str(&format!("\n  {}", path.display()));
    }
    text.push('\n');
    text.push_str(hint);
    text
}

impl From<candle_core::Error> for EmbedError {
    fn from(err: candle_core::Error) -> Self {
        EmbedError::Inference(err.to_string())
    }
}

/// Result of this crate.
pub type Result<T, E = EmbedError> = std::result::Result<T, E>;
