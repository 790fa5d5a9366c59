//! Corpus BLEU as sacrebleu 2.6.0's `corpus_bleu` computes it with its
//! defaults: the `13a` tokenizer on raw (detokenised, mixed-case) text,
//! exponential smoothing, BLEU-4, no effective order.
//!
//! Multiple references: each hypothesis is matched against the elementwise
//! maximum of its references' n-gram counts, and its reference length is
//! the one closest to the hypothesis length (ties: the shorter). A varying
//! number of references per hypothesis is what sacrebleu does when the
//! reference streams are padded with `None`.

use std::collections::HashMap;

use super::bleu::closest_ref_len;
use super::ngrams::{count_ngrams, Ngram, NgramCounts, Vocab, MAX_N};
use super::tokenize::{is_python_space, python_split};

/// sacrebleu's floor for `log(0)` (`my_log`).
const LOG_ZERO: f64 = -9_999_999_999.0;

/// A sacrebleu BLEU score with its statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct SacreBleu {
    /// BLEU on sacrebleu's 0..100 scale.
    pub score: f64,
    /// Matched n-grams of each order.
    pub counts: [usize; MAX_N],
    /// Hypothesis n-grams of each order.
    pub totals: [usize; MAX_N],
    /// Smoothed precisions (percent).
    pub precisions: [f64; MAX_N],
    /// Brevity penalty.
    pub bp: f64,
    /// Total hypothesis length (tokens).
    pub sys_len: usize,
    /// Total closest-reference length (tokens).
    pub ref_len: usize,
}

/// `sacrebleu.corpus_bleu` of `hypotheses[i]` against `references[i]`
/// (raw text; each hypothesis may have any number of references).
pub fn corpus_bleu(hypotheses: &[&str], references: &[Vec<&str>]) -> SacreBleu {
    let mut vocab = Vocab::default();
    let mut counts = [0usize; MAX_N];
    let mut totals = [0usize; MAX_N];
    let (mut sys_len, mut ref_len) = (0usize, 0usize);
    for (hyp, refs) in hypotheses.iter().zip(references) {
        let mut cook = |s: &str| count_ngrams(&vocab.ids(python_split(&tokenize_13a(rstrip(s)))));
        let hyp = cook(hyp);
        let refs: Vec<NgramCounts> = refs.iter().map(|r| cook(r)).collect();
        sys_len += hyp.len;
        ref_len += closest_ref_len(hyp.len, refs.iter().map(|r| r.len));
        let max_counts = max_ref_counts(&refs);
        for (k, gram, count) in hyp.iter() {
            totals[k] += count as usize;
            let max = max_counts.get(&(k, *gram)).copied().unwrap_or(0);
            counts[k] += count.min(max) as usize;
        }
    }
    compute_bleu(counts, totals, sys_len, ref_len)
}

fn max_ref_counts(refs: &[NgramCounts]) -> HashMap<(usize, Ngram), u32> {
    let mut max_counts = HashMap::new();
    for r in refs {
        for (k, gram, count) in r.iter() {
            let entry = max_counts.entry((k, *gram)).or_insert(0);
            *entry = count.max(*entry);
        }
    }
    max_counts
}

/// BLEU from corpus statistics (sacrebleu's `compute_bleu`, `exp` smoothing).
pub fn compute_bleu(
    counts: [usize; MAX_N],
    totals: [usize; MAX_N],
    sys_len: usize,
    ref_len: usize,
) -> SacreBleu {
    let bp = if sys_len >= ref_len {
        1.0
    } else if sys_len > 0 {
        (1.0 - ref_len as f64 / sys_len as f64).exp()
    } else {
        0.0
    };
    let mut out = SacreBleu {
        score: 0.0,
        counts,
        totals,
        precisions: [0.0; MAX_N],
        bp,
        sys_len,
        ref_len,
    };
    if counts.iter().all(|&c| c == 0) {
        return out;
    }
    let mut smooth = 1.0;
    for k in 0..MAX_N {
        if totals[k] == 0 {
            break;
        }
        out.precisions[k] = if counts[k] == 0 {
            smooth *= 2.0;
            100.0 / (smooth * totals[k] as f64)
        } else {
            100.0 * counts[k] as f64 / totals[k] as f64
        };
    }
    let log_sum = out.precisions.iter().fold(0.0, |acc, &p| {
        acc + if p == 0.0 { LOG_ZERO } else { p.ln() }
    });
    out.score = bp * (log_sum / MAX_N as f64).exp();
    out
}

/// Python's `str.rstrip()`.
fn rstrip(s: &str) -> &str {
    s.trim_end_matches(is_python_space)
}

/// sacrebleu's `13a` tokenizer (mteval-v13a): the result's tokens are
/// separated by single spaces.
pub fn tokenize_13a(line: &str) -> String {
    let mut line = line
        .replace("<skipped>", "")
        .replace("-\n", "")
        .replace('\n', " ");
    if line.contains('&') {
        line = line
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
    }
    let chars: Vec<char> = format!(" {line} ").chars().collect();
    let chars = pad_symbols(&chars);
    let chars = substitute_pairs(&chars, |a| !a.is_ascii_digit(), is_period_comma, true);
    let chars = substitute_pairs(&chars, is_period_comma, |b| !b.is_ascii_digit(), false);
    let chars = substitute_pairs(&chars, |a| a.is_ascii_digit(), |b| b == '-', true);
    let text: String = chars.into_iter().collect();
    python_split(&text).collect::<Vec<_>>().join(" ")
}

fn is_period_comma(c: char) -> bool {
    c == '.' || c == ','
}

/// 13a's first rule: spaces around ASCII symbols other than `'`, `-`, `.`,
/// `,` and digits/letters (`{|}~`, `[\]^_` and backtick, space to `&`,
/// `(` to `+`, `:` to `@`, `/`).
fn pad_symbols(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len() * 2);
    for &c in chars {
        let symbol = matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/');
        if symbol {
            out.extend([' ', c, ' ']);
        } else {
            out.push(c);
        }
    }
    out
}

/// Python's `re.sub` of a two-character pattern `(A)(B)`, left to right
/// without overlaps: `\1 \2 ` when `space_after`, else ` \1 \2`.
fn substitute_pairs(
    chars: &[char],
    first: impl Fn(char) -> bool,
    second: impl Fn(char) -> bool,
    space_after: bool,
) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        let (a, b) = (chars[i], chars.get(i + 1).copied());
        match b {
            Some(b) if first(a) && second(b) => {
                if space_after {
                    out.extend([a, ' ', b, ' ']);
                } else {
                    out.extend([' ', a, ' ', b]);
                }
                i += 2;
            }
            _ => {
                out.push(a);
                i += 1;
            }
        }
    }
    out
}
