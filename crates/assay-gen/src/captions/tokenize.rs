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
//! - punctuation at the start or end of a word is split off (`.` `,` `!`
//!   `?` `;` `:` `"` `'` `` ` `` `(` `)` `[` `]` `{` `}` `...`), as are
//!   `%` at the end and `$` at the start (both kept as tokens);
//! - the clitics `n't`, `'s`, `'re`, `'ve`, `'ll`, `'d`, `'m` are split off
//!   (`don't` -> `do n't`, `man's` -> `man 's`);
//! - the tokens pycocoevalcap removes are removed, and so are brackets.
//!
//! Where it can differ from the Java tokenizer: abbreviations that keep
//! their period there (`mr.`, `st.`, `u.s.`), punctuation inside a word
//! (`red,white`), `cannot`/`gonna`-style splits, brackets and braces (CoreNLP
//! escapes them as `-LRB-` and so on; pycocoevalcap removes `-LRB-`,
//! `-RRB-`, `-LCB-`, `-RCB-`), other Unicode normalisation, and captions
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
    let text: String = caption
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{201c}' | '\u{201d}' => '"',
            _ => c,
        })
        .collect();
    let mut tokens: Vec<&str> = Vec::new();
    for word in python_split(&text) {
        split_word(word, &mut tokens);
    }
    tokens.retain(|t| !is_removed(t));
    tokens.join(" ")
}

/// Leading characters split off a word.
const LEADING: &[char] = &['"', '\'', '`', '(', '[', '{', '$'];
/// Trailing characters split off a word.
const TRAILING: &[char] = &[
    '.', ',', '!', '?', ';', ':', '"', '\'', '`', ')', ']', '}', '%',
];
/// Clitics split off the end of a word (after trailing punctuation).
const CLITICS: &[&str] = &["n't", "'s", "'re", "'ve", "'ll", "'d", "'m"];

fn split_word<'a>(word: &'a str, tokens: &mut Vec<&'a str>) {
    if PUNCTUATIONS.contains(&word) {
        tokens.push(word);
        return;
    }
    let mut rest = word;
    while let Some(c) = rest.chars().next().filter(|c| LEADING.contains(c)) {
        let (head, tail) = rest.split_at(c.len_utf8());
        tokens.push(head);
        rest = tail;
    }
    let mut tail_tokens: Vec<&'a str> = Vec::new();
    loop {
        if let Some(stem) = rest.strip_suffix("...") {
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
        tokens.push(rest);
    }
    tokens.extend(tail_tokens.into_iter().rev());
}

fn is_removed(token: &str) -> bool {
    PUNCTUATIONS.contains(&token) || matches!(token, "(" | ")" | "[" | "]" | "{" | "}" | "\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coco_style_captions() {
        assert_eq!(
            ptb_tokenize("A man's dog, running (fast)."),
            "a man 's dog running fast"
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
