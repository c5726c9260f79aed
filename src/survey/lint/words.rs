//! Words and phrases: how prompts are cut into words and matched against the phrases of a
//! rule table (whole words, any case, apostrophes ignored).

use std::ops::Range;

/// A word of a text: lower-cased without apostrophes (so ’, ' and none compare equal), with
/// where it stands in the original so hints can quote the respondent-facing wording.
#[derive(Debug)]
pub(super) struct Token {
    pub(super) word: String,
    pub(super) span: Range<usize>,
}

pub(super) fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | 'ʼ')
}

/// Splits on everything but letters, digits and apostrophes; hyphens split, so
/// "rock-and-roll" reads as three words.
pub(super) fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut current: Option<Range<usize>> = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
            let end = i + c.len_utf8();
            current = Some(current.map_or(i..end, |s| s.start..end));
        } else if !is_apostrophe(c)
            && let Some(span) = current.take()
        {
            out.push(Token {
                word: std::mem::take(&mut word),
                span,
            });
        }
    }
    out
}

/// The original text covered by some consecutive tokens.
pub(super) fn span(words: &[Token]) -> Range<usize> {
    match (words.first(), words.last()) {
        (Some(first), Some(last)) => first.span.start..last.span.end,
        _ => 0..0,
    }
}

pub(super) fn normalise_word(word: &str) -> String {
    word.trim()
        .chars()
        .filter(|c| !is_apostrophe(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A phrase of a table, matched on whole words; a trailing `*` lets the last word have any
/// ending ("improv*" matches "improve" and "improvements").
#[derive(Debug)]
pub(super) struct Phrase {
    pub(super) words: Vec<String>,
    pub(super) prefix: bool,
}

impl Phrase {
    pub(super) fn new(text: &str) -> Self {
        Phrase {
            words: tokens(text).into_iter().map(|t| t.word).collect(),
            prefix: text.trim_end().ends_with('*'),
        }
    }

    pub(super) fn matches_at(&self, words: &[Token], start: usize) -> bool {
        let Some(window) = words.get(start..start + self.words.len()) else {
            return false;
        };
        let last = self.words.len().saturating_sub(1);
        !self.words.is_empty()
            && self
                .words
                .iter()
                .zip(window)
                .enumerate()
                .all(|(i, (want, got))| {
                    if self.prefix && i == last {
                        got.word.starts_with(want.as_str())
                    } else {
                        got.word == *want
                    }
                })
    }

    /// Where the phrase first starts in `words`.
    pub(super) fn find(&self, words: &[Token]) -> Option<usize> {
        (0..words.len()).find(|&start| self.matches_at(words, start))
    }
}
