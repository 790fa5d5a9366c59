//! N-gram counting shared by BLEU and CIDEr, in pycocoevalcap's order.
//!
//! pycocoevalcap counts n-grams into a Python dict, whose iteration order
//! (first occurrence, unigrams first) decides the order of floating-point
//! sums in CIDEr; [`count_ngrams`] keeps that order.

use std::collections::HashMap;

/// The longest n-gram counted (pycocoevalcap's and sacrebleu's default).
pub const MAX_N: usize = 4;

/// An n-gram of interned token ids; unused slots hold `u32::MAX`.
pub type Ngram = [u32; MAX_N];

/// Interns tokens to small integers so n-grams are cheap to hash.
#[derive(Debug, Default)]
pub struct Vocab {
    ids: HashMap<String, u32>,
}

impl Vocab {
    /// The ids of `tokens`, adding new tokens to the vocabulary.
    pub fn ids<'a>(&mut self, tokens: impl Iterator<Item = &'a str>) -> Vec<u32> {
        tokens
            .map(|t| {
                let next = self.ids.len() as u32;
                *self.ids.entry(t.to_string()).or_insert(next)
            })
            .collect()
    }
}

/// N-gram counts of one sentence, in first-occurrence order per order.
#[derive(Debug, Clone, Default)]
pub struct NgramCounts {
    /// `by_order[k]`: the (k+1)-grams and their counts, first occurrence first.
    pub by_order: [Vec<(Ngram, u32)>; MAX_N],
    /// The number of tokens.
    pub len: usize,
}

impl NgramCounts {
    /// All n-grams of all orders with their counts.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Ngram, u32)> {
        self.by_order
            .iter()
            .enumerate()
            .flat_map(|(k, grams)| grams.iter().map(move |(g, c)| (k, g, *c)))
    }
}

/// Counts the 1..=4-grams of `ids`.
pub fn count_ngrams(ids: &[u32]) -> NgramCounts {
    let mut counts = NgramCounts {
        len: ids.len(),
        ..NgramCounts::default()
    };
    for k in 0..MAX_N {
        let mut index: HashMap<Ngram, usize> = HashMap::new();
        let grams = &mut counts.by_order[k];
        for window in ids.windows(k + 1) {
            let gram = make_ngram(window);
            match index.get(&gram) {
                Some(&i) => grams[i].1 += 1,
                None => {
                    index.insert(gram, grams.len());
                    grams.push((gram, 1));
                }
            }
        }
    }
    counts
}

fn make_ngram(window: &[u32]) -> Ngram {
    let mut gram = [u32::MAX; MAX_N];
    gram[..window.len()].copy_from_slice(window);
    gram
}
