//! CLIP's tokenizer, from the model's `tokenizer.json`, giving the token
//! ids `transformers`' `CLIPTokenizer` gives with `truncation=True` and
//! `max_length` = the model's context length.

use std::path::{Path, PathBuf};

use tokenizers::{Tokenizer, TruncationParams};

use crate::error::{EmbedError, Result};

/// A loaded tokenizer, truncating to the model's context.
pub struct ClipTokenizer {
    inner: Tokenizer,
    file: PathBuf,
}

impl std::fmt::Debug for ClipTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipTokenizer")
            .field("file", &self.file)
            .finish()
    }
}

impl ClipTokenizer {
    /// Loads `tokenizer.json`, truncating sequences (special tokens
    /// included) to `max_length`.
    pub fn load(file: &Path, max_length: usize) -> Result<ClipTokenizer> {
        let bad = |message: String| EmbedError::BadFile {
            file: file.to_path_buf(),
            message,
        };
        let mut inner =
            Tokenizer::from_file(file).map_err(|e| bad(format!("not a tokenizer.json: {e}")))?;
        inner
            .with_truncation(Some(TruncationParams {
                max_length,
                ..Default::default()
            }))
            .map_err(|e| bad(e.to_string()))?;
        inner.with_padding(None);
        Ok(ClipTokenizer {
            inner,
            file: file.to_path_buf(),
        })
    }

    /// The token ids of each text, start and end tokens included, not padded.
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<u32>>> {
        texts
            .iter()
            .map(|text| {
                self.inner
                    .encode(*text, true)
                    .map(|encoding| encoding.get_ids().to_vec())
                    .map_err(|e| EmbedError::Input(format!("cannot tokenise {text:?}: {e}")))
            })
            .collect()
    }
}

/// Sequences padded with `pad` to the longest one's length.
pub fn pad_to_longest(ids: &[Vec<u32>], pad: u32) -> Vec<Vec<u32>> {
    let longest = ids.iter().map(Vec::len).max().unwrap_or(0);
    ids.iter()
        .map(|row| {
            let mut row = row.clone();
            row.resize(longest, pad);
            row
        })
        .collect()
}
