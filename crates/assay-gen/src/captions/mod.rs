//! Caption metrics: BLEU-1..4, CIDEr-D and ROUGE-L as pycocoevalcap computes
//! them on tokenised text, and BLEU as sacrebleu computes it.
