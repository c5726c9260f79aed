//! Splitting an answer into word tokens, and the spelling a token is compared by.

use std::borrow::Cow;
use std::ops::Range;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// What the scanner meets in a text, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A run of letters and digits (with inner apostrophes and hyphens), as a byte range.
    /// `sentence_start` tells whether a capital letter there may only mark the sentence.
    Token {
        range: Range<usize>,
        sentence_start: bool,
    },
    /// Punctuation, a symbol or a line break: the words on either side are not a phrase.
    Break,
}

/// Feeds the tokens and breaks of `text` to `on_piece`, in order.
pub fn scan(text: &str, mut on_piece: impl FnMut(Piece)) {
    let mut chars = text.char_indices().peekable();
    let mut token_start: Option<usize> = None;
    let mut sentence_start = true;
    while let Some((at, c)) = chars.next() {
        if is_word_char(c) {
            token_start.get_or_insert(at);
            continue;
        }
        if token_start.is_some()
            && is_joiner(c)
            && chars.peek().is_some_and(|&(_, next)| is_word_char(next))
        {
            continue;
        }
        if let Some(start) = token_start.take() {
            on_piece(Piece::Token {
                range: start..at,
                sentence_start,
            });
            sentence_start = false;
        }
        match separator(c) {
            Separator::Space => {}
            Separator::SentenceEnd => {
                on_piece(Piece::Break);
                sentence_start = true;
            }
            Separator::Other => on_piece(Piece::Break),
        }
    }
    if let Some(start) = token_start {
        on_piece(Piece::Token {
            range: start..text.len(),
            sentence_start,
        });
    }
}

/// A token's spelling as words are compared: one apostrophe and one hyphen character, no soft
/// hyphens, and Unicode NFC, so that a decomposed "e\u{301}" and a precomposed "é" are one letter.
/// Case is kept.
pub fn normalise(token: &str) -> Cow<'_, str> {
    let needs_mapping = |c: char| {
        matches!(
            c,
            '\u{2019}' | '\u{02BC}' | '\u{2010}' | '\u{2011}' | '\u{00AD}'
        )
    };
    if token.is_ascii()
        || (!token.chars().any(needs_mapping) && is_nfc_quick(token.chars()) == IsNormalized::Yes)
    {
        return Cow::Borrowed(token);
    }
    token
        .chars()
        .filter_map(|c| match c {
            '\u{2019}' | '\u{02BC}' => Some('\''),
            '\u{2010}' | '\u{2011}' => Some('-'),
            '\u{00AD}' => None,
            other => Some(other),
        })
        .nfc()
        .collect()
}

/// The lowercase of a normalised spelling, itself normalised (lowercasing can decompose).
pub fn lowercase(spelling: &str) -> Cow<'_, str> {
    if spelling.is_ascii() {
        return if spelling.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(spelling.to_ascii_lowercase())
        } else {
            Cow::Borrowed(spelling)
        };
    }
    let lower = spelling.to_lowercase();
    match is_nfc_quick(lower.chars()) {
        IsNormalized::Yes => Cow::Owned(lower),
        _ => Cow::Owned(lower.nfc().collect()),
    }
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        // The modifier letter apostrophe is a letter to Unicode, but it is written as an
        // apostrophe and compared as one: inside a word it joins, at its edge it is a quote.
        (c.is_alphanumeric() && c != '\u{02BC}') || is_combining_mark(c)
    }
}

/// Kept inside a word when letters follow: "don't", "e-mail", "foto's", zero-width joiners of
/// scripts that need them, and a soft hyphen. At a word's edge these are quotes or dashes.
fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}'
            | '\u{02BC}'
            | '-'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{00AD}'
            | '\u{200C}'
            | '\u{200D}'
    )
}

enum Separator {
    /// Words either side of it can still make a phrase.
    Space,
    /// The end of a sentence or a line: no phrase across it, and the next word may be
    /// capitalised only because it starts a sentence.
    SentenceEnd,
    Other,
}

fn separator(c: char) -> Separator {
    match c {
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
            Separator::SentenceEnd
        }
        '.' | '!' | '?' | ';' | ':' | '…' | '‼' | '⁇' | '⁈' | '⁉' | '。' | '！' | '？' | '؟'
        | '۔' => Separator::SentenceEnd,
        // Invisible: direction marks and embeddings around right-to-left text, zero-width
        // spaces, the byte-order mark.
        '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}' => Separator::Space,
        c if c.is_whitespace() => Separator::Space,
        _ => Separator::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        scan(text, |piece| match piece {
            Piece::Token {
                range,
                sentence_start,
            } => out.push(format!(
                "{}{}",
                if sentence_start { "^" } else { "" },
                &text[range]
            )),
            Piece::Break => out.push("|".to_owned()),
        });
        out
    }

    #[test]
    fn splits_words_keeping_inner_apostrophes_and_hyphens() {
        assert_eq!(
            pieces("Don't e-mail 'me' -- now!"),
            ["^Don't", "e-mail", "|", "me", "|", "|", "|", "now", "|"]
        );
        assert_eq!(
            pieces("Late. Again\nand again"),
            ["^Late", "|", "^Again", "|", "^and", "again"]
        );
    }

    #[test]
    fn combining_marks_and_rtl_marks_stay_inside_words() {
        let decomposed = "Zoe\u{308} Kovac\u{30C}ic\u{30C}";
        assert_eq!(pieces(decomposed), ["^Zoe\u{308}", "Kovac\u{30C}ic\u{30C}"]);
        assert_eq!(normalise("Kovac\u{30C}ic\u{30C}"), "Kovačič");
        assert_eq!(pieces("\u{200F}שלום עולם\u{200F}"), ["^שלום", "עולם"]);
    }

    #[test]
    fn a_modifier_apostrophe_at_a_word_edge_is_no_part_of_it() {
        assert_eq!(pieces("Aʼ b"), pieces("A' b"));
        assert_eq!(pieces("Aʼ b")[0], "^A");
        assert_eq!(pieces("donʼt"), ["^donʼt"]);
    }

    #[test]
    fn normalises_apostrophes_and_case() {
        assert_eq!(normalise("don’t"), "don't");
        assert_eq!(lowercase(&normalise("ÉQUIPE")), "équipe");
    }
}
