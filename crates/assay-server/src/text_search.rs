//! Text queries of the explorer ("by meaning"): the CLIP text tower of the
//! model that made a dataset's image embeddings, reopened from where it was
//! and kept per embedding set. Behind the `clip` feature (on by default);
//! without it the server builds without candle and says that text search
//! is not in this build.

use assay_store::EmbeddingSet;

/// What embedding a text with one set's model gave.
#[cfg_attr(not(feature = "clip"), allow(dead_code))]
pub enum TextVector {
    /// The text's vector (not yet normalised).
    Vector(Vec<f32>),
    /// The set's model embeds images only.
    ImagesOnly,
}

#[cfg(feature = "clip")]
mod imp {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use assay_embed::extractor::Extractor;

    use super::{EmbeddingSet, TextVector};

    /// The text encoders opened so far, by embedding set.
    #[derive(Default)]
    pub struct TextEncoders {
        opened: Mutex<HashMap<i64, Arc<Extractor>>>,
    }

    impl TextEncoders {
        /// Embeds `text` with the model that made `set`; `Err` says why
        /// the model cannot be used (moved, weights changed, ...).
        pub fn embed(&self, set: &EmbeddingSet, text: &str) -> Result<TextVector, String> {
            let encoder = self.encoder(set).map_err(|e| e.to_string())?;
            if !encoder.supports_text() {
                return Ok(TextVector::ImagesOnly);
            }
            let mut vectors = encoder
                .embed_texts(&[text])
                .map_err(|e| format!("cannot embed the text: {e}"))?;
            Ok(TextVector::Vector(vectors.remove(0)))
        }

        fn encoder(&self, set: &EmbeddingSet) -> Result<Arc<Extractor>, assay_embed::EmbedError> {
            let mut opened = self.opened.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(e) = opened.get(&set.id) {
                return Ok(Arc::clone(e));
            }
            let extractor = Arc::new(Extractor::reopen(
                &set.extractor,
                &set.source,
                &set.weights_hash,
            )?);
            opened.insert(set.id, Arc::clone(&extractor));
            Ok(extractor)
        }
    }
}

#[cfg(not(feature = "clip"))]
mod imp {
    use super::{EmbeddingSet, TextVector};

    /// No text encoders: this build has no candle.
    #[derive(Default)]
    pub struct TextEncoders;

    impl TextEncoders {
        /// Always refuses: the build has no text encoder.
        pub fn embed(&self, _set: &EmbeddingSet, _text: &str) -> Result<TextVector, String> {
            Err("this build of assay has no text encoder (built without the `clip` feature)".into())
        }
    }
}

pub use imp::TextEncoders;
