//! Caption metrics: BLEU-1..4, CIDEr-D and ROUGE-L as pycocoevalcap computes
//! them on tokenised text, and BLEU as sacrebleu computes it.
//!
//! - [`score_captions`] scores a set of images (one candidate caption and
//!   one or more references each) with BLEU-1..4 ([`bleu`]), CIDEr-D
//!   ([`cider`]) and ROUGE-L ([`rouge`]), corpus and per-image, identical to
//!   pycocoevalcap 1.2 on the same pre-tokenised text.
//! - [`tokenize::ptb_tokenize`] stands in for pycocoevalcap's Java
//!   `PTBTokenizer` (lowercase, punctuation split off and removed); see its
//!   documentation for where the two can differ.
//! - [`sacrebleu::corpus_bleu`] is `sacrebleu.corpus_bleu` (2.6.0) with its
//!   defaults: the 13a tokenizer on raw text, exponential smoothing.

pub mod bleu;
pub mod cider;
mod eval;
mod ngrams;
pub mod numpy;
pub mod rouge;
pub mod sacrebleu;
pub mod tokenize;

pub use eval::{
    score_caption_maps, score_captions, CaptionScores, CorpusCaptionScores, ImageCaptionScores,
    ImageCaptions,
};
