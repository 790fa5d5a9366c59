//! Tokenisation: Python's whitespace split, and a stand-in for
//! pycocoevalcap's `PTBTokenizer`.
//!
//! pycocoevalcap runs Stanford CoreNLP 3.4.1's `PTBTokenizer -preserveLines
//! -lowerCase` (Java) over every caption and then drops the tokens in
//! [`PUNCTUATIONS`]. [`ptb_tokenize`] does what that gives for ordinary
//! English captions without Java:
//!
//! - lowercase; newlines become spaces;
//! - curly quotes become straight ones;
//! - punctuation at the start or end of a word is split off (`.` `,` `;`
//!   `:` `"` `'` `` ` `` `(` `)` `[` `]` `{` `}` `...` `+`), as are `%` at
//!   the end, `$` at the start and `#` before a digit (`#1`; a hashtag
//!   stays whole), and commas between letters (`red,white`); runs of `!`
//!   and `?` stay one token (`!!!`, `?!`), which pycocoevalcap keeps, while
//!   a single `!` or `?` is removed; `c++` and initials (`a.`) stay whole;
//! - brackets become CoreNLP's lowercased names (`-lrb-`, `-rrb-`, `-lsb-`,
//!   `-rsb-`, `-lcb-`, `-rcb-`), which pycocoevalcap's removal list (in
//!   upper case) does not catch, so they are scored;
//! - em and en dashes become `--` (removed); characters outside the Basic
//!   Multilingual Plane (emoji) are dropped, as CoreNLP drops them;
//! - the clitics `n't`, `'s`, `'re`, `'ve`, `'ll`, `'d`, `'m` are split off
//!   (`don't` -> `do n't`, `man's` -> `man 's`);
//! - the tokens pycocoevalcap removes are removed.
//!
//! `tests/ptb_tokenizer_parity.rs` runs the Java tokenizer on COCO-like and
//! generated captions with all of these and requires identical tokens.
//! Where it can still differ: abbreviations that keep their period there
//! (`mr.`, `st.`, `u.s.`), `cannot`/`gonna`-style splits, a caption ending
//! in a single letter and a period (CoreNLP sometimes splits it, depending
//! on the following lines), other Unicode normalisation, and captions
//! containing a carriage return (which shift pycocoevalcap's line
//! alignment). The metrics themselves take pre-tokenised text, so results
//! tokenised by the Java tokenizer score identically.

/// The tokens pycocoevalcap's `PTBTokenizer` wrapper removes.
pub const PUNCTUATIONS: [&str; 17] = [
    "''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-", "--",
    "...", ";",
];

/// Splits like Python's `str.split()` with no argument: on runs of
/// whitespace (Python's definition, which adds U+001C..U+001F to Rust's),
/// with no empty tokens.
pub fn python_split(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_python_space).filter(|t| !t.is_empty())
}

/// Python's `str.isspace()` for one character.
pub fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Tokenises a caption as pycocoevalcap does for COCO captions (see the
/// module documentation): lowercase tokens joined by single spaces.
pub fn ptb_tokenize(caption: &str) -> String {
    let mut text = String::with_capacity(caption.len());
    for c in caption.to_lowercase().chars() {
        match c {
            '\u{2018}' | '\u{2019}' => text.push('\''),
            '\u{201c}' | '\u{201d}' => text.push('"'),
            // Em and en dashes: CoreNLP's `--`, which pycocoevalcap removes.
            '\u{2013}' | '\u{2014}' => text.push_str(" -- "),
            // CoreNLP 3.4.1 cannot tokenise characters outside the Basic
            // Multilingual Plane (emoji): it drops them with a warning.
            c if u32::from(c) > 0xFFFF => text.push(' '),
            c => text.push(c),
        }
    }
    let mut tokens: Vec<String> = Vec::new();
    for word in python_split(&text) {
        for part in split_inner_commas(word) {
            split_word(part, &mut tokens);
        }
    }
    tokens.retain(|t| !is_removed(t));
    tokens.join(" ")
}

/// Leading characters split off a word (`#` only before a digit: `#1`
/// splits, a hashtag does not).
const LEADING: &[char] = &['"', '\'', '`', '(', '[', '{', '$'];
/// Trailing characters split off a word, one token each.
const TRAILING: &[char] = &['.', ',', ';', ':', '"', '\'', '`', ')', ']', '}', '%', '+'];
/// Trailing characters split off a word as one run (`!!!`, `?!`).
const TRAILING_RUN: &[char] = &['!', '?'];
/// Clitics split off the end of a word (after trailing punctuation).
const CLITICS: &[&str] = &["n't", "'s", "'re", "'ve", "'ll", "'d", "'m"];
/// Words CoreNLP keeps whole although they end in a trailing character.
const WHOLE: &[&str] = &["c++"];

/// A word split at commas between letters (`red,white` -> `red` `,`
/// `white`), as CoreNLP does; commas in numbers (`1,000`) stay.
fn split_inner_commas(word: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        let letters = i > 0
            && i + 1 < chars.len()
            && chars[i - 1].1.is_alphabetic()
            && chars[i + 1].1.is_alphabetic();
        if c == ',' && letters {
            parts.push(&word[start..at]);
            parts.push(",");
            start = at + 1;
        }
    }
    parts.push(&word[start..]);
    parts
}

/// CoreNLP's names for brackets, as `-lowerCase` writes them.
fn bracket_name(token: &str) -> Option<&'static str> {
    Some(match token {
        "(" => "-lrb-",
        ")" => "-rrb-",
        "[" => "-lsb-",
        "]" => "-rsb-",
        "{" => "-lcb-",
        "}" => "-rcb-",
        _ => return None,
    })
}

fn push_token(token: &str, tokens: &mut Vec<String>) {
    tokens.push(bracket_name(token).unwrap_or(token).to_string());
}

fn split_word(word: &str, tokens: &mut Vec<String>) {
    if PUNCTUATIONS.contains(&word) || WHOLE.contains(&word) {
        tokens.push(word.to_string());
        return;
    }
    let mut rest = word;
    loop {
        let mut chars = rest.chars();
        let leading = match (chars.next(), chars.next()) {
            (Some('#'), Some(next)) => next.is_ascii_digit(),
            (Some(c), _) => LEADING.contains(&c),
            (None, _) => false,
        };
        if !leading {
            break;
        }
        let (head, tail) = rest.split_at(1);
        push_token(head, tokens);
        rest = tail;
    }
    let mut tail_tokens: Vec<&str> = Vec::new();
    loop {
        if WHOLE.contains(&rest) || is_initial(rest) {
            break;
        }
        if let Some(stem) = rest.strip_suffix("...") {
            if is_initial(&rest[..stem.len() + 1]) {
                // `a...` is the initial `a.` and two periods, which
                // pycocoevalcap removes.
                rest = &rest[..stem.len() + 1];
                continue;
            }
            tail_tokens.push(&rest[stem.len()..]);
            rest = stem;
        } else if rest.ends_with(TRAILING_RUN) {
            let stem = rest.trim_end_matches(TRAILING_RUN);
            tail_tokens.push(&rest[stem.len()..]);
            rest = stem;
        } else if let Some(c) = rest.chars().last().filter(|c| TRAILING.contains(c)) {
            let cut = rest.len() - c.len_utf8();
            tail_tokens.push(&rest[cut..]);
            rest = &rest[..cut];
        } else {
            break;
        }
    }
    if let Some(clitic) = CLITICS
        .iter()
        .find(|c| rest.len() > c.len() && rest.ends_with(*c))
    {
        let cut = rest.len() - clitic.len();
        tail_tokens.push(&rest[cut..]);
        rest = &rest[..cut];
    }
    if !rest.is_empty() {
        push_token(rest, tokens);
    }
    for t in tail_tokens.into_iter().rev() {
        push_token(t, tokens);
    }
}

/// A single letter with its period (`a.`, `j.`): CoreNLP keeps it whole,
/// as an initial.
fn is_initial(word: &str) -> bool {
    let mut chars = word.chars();
    matches!(
        (chars.next(), chars.next(), chars.next()),
        (Some(c), Some('.'), None) if c.is_alphabetic()
    )
}

fn is_removed(token: &str) -> bool {
    PUNCTUATIONS.contains(&token) || token == "\""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coco_style_captions() {
        // Outputs as CoreNLP 3.4.1 gives them (after pycocoevalcap's
        // removals); `tests/ptb_tokenizer_parity.rs` runs it live.
        assert_eq!(
            ptb_tokenize("A man's dog, running (fast)."),
            "a man 's dog running -lrb- fast -rrb-"
        );
        assert_eq!(
            ptb_tokenize("Wow!!! A dog?! Player #1, an A+ 😀 — red,white"),
            "wow !!! a dog ?! player # 1 an a + red white"
        );
        assert_eq!(
            ptb_tokenize("a #hashtag and c++ x..."),
            "a #hashtag and c++ x."
        );
        assert_eq!(ptb_tokenize("They don't  stop!\n"), "they do n't stop");
        assert_eq!(
            ptb_tokenize("\"Quoted\" t-shirt - 3.5 $5 50%"),
            "quoted t-shirt 3.5 $ 5 50 %"
        );
        assert_eq!(ptb_tokenize("Wait... what?"), "wait what");
        assert_eq!(ptb_tokenize("a a a ."), "a a a");
        assert_eq!(ptb_tokenize(" . , "), "");
    }

    #[test]
    fn python_split_matches_str_split() {
        let v: Vec<&str> = python_split(" a\u{1c}b\t\nc \u{a0}d ").collect();
        assert_eq!(v, ["a", "b", "c", "d"]);
        assert_eq!(python_split("").count(), 0);
    }
}
