//! The words met so far in one analysis, each spelling read once: whether it counts, its
//! lowercase spelling and its stem, all as small dense ids so counts can live in vectors.

use std::borrow::Cow;
use std::ops::Range;

use std::collections::hash_map::Entry;

use foldhash::HashMap;

use super::language::Language;
use super::tokens::{self, Piece, lowercase, normalise};

/// Longer "words" are links, codes or keyboard mashing, and no word a survey should list
/// (German compounds stay well below it).
const MAX_WORD_CHARS: usize = 64;

/// Ids from here on are never handed out, so callers can use them as markers.
pub const FIRST_RESERVED_ID: u32 = u32::MAX - 1;

/// A counted word as met in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    /// The spelling as written, normalised but with its case.
    pub form: u32,
    /// The lowercase spelling (a form id too).
    pub spelling: u32,
    pub stem: u32,
}

/// What an analysed text is made of, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Word {
        range: Range<usize>,
        word: Word,
        sentence_start: bool,
    },
    /// Punctuation, a line break or a word that does not count (a stop word, a number): the
    /// words either side of it are not a phrase.
    Break,
}

/// What a token is. Tokens are at most [`MAX_TOKEN_BYTES`] long, so `skip` fits in a u16.
#[derive(Debug, Clone, Copy)]
struct Reading {
    /// The form counted, or [`NOT_COUNTED`].
    form: u32,
    /// Bytes of an elided French article before the word ("l'").
    skip: u16,
    /// The entry's key is the text of `form` (not only a token that reads as it).
    names_form: bool,
}

const NOT_COUNTED: Reading = Reading {
    form: FIRST_RESERVED_ID,
    skip: 0,
    names_form: false,
};

/// A longer token cannot be a word of [`MAX_WORD_CHARS`]; it is dropped before being read.
const MAX_TOKEN_BYTES: usize = MAX_WORD_CHARS * 4;

#[derive(Debug, Clone, Copy)]
struct FormInfo {
    spelling: u32,
    stem: u32,
}

pub struct Lexicon<'t> {
    language: Language,
    /// Tokens as they stand in the texts, and the normalised spellings of counted words, to what
    /// they are. Answers repeat their words, so a hit here saves normalising and stemming
    /// again; and as most tokens are already their own spelling, one entry borrowed from the
    /// text serves both.
    entries: HashMap<Cow<'t, str>, Reading>,
    forms: Vec<FormInfo>,
    stem_ids: HashMap<Cow<'t, str>, u32>,
}

impl<'t> Lexicon<'t> {
    pub fn new(language: Language) -> Self {
        Lexicon {
            language,
            entries: HashMap::default(),
            forms: Vec::new(),
            stem_ids: HashMap::default(),
        }
    }

    /// Feeds the words of `text` that count, and the breaks between them, to `on_event`.
    pub fn scan(&mut self, text: &'t str, mut on_event: impl FnMut(Event)) {
        tokens::scan(text, |piece| {
            let Piece::Token {
                range,
                sentence_start,
            } = piece
            else {
                return on_event(Event::Break);
            };
            let word = text.get(range.clone()).and_then(|token| {
                let reading = self.read(token);
                Some((reading.skip, self.word(reading.form)?))
            });
            let Some((skip, word)) = word else {
                return on_event(Event::Break);
            };
            if skip > 0 {
                on_event(Event::Break);
            }
            on_event(Event::Word {
                range: range.start + usize::from(skip)..range.end,
                word,
                sentence_start,
            });
        });
    }

    /// The lowercase spelling and stem of a form.
    pub fn word(&self, form: u32) -> Option<Word> {
        self.forms.get(form as usize).map(|info| Word {
            form,
            spelling: info.spelling,
            stem: info.stem,
        })
    }

    /// Every form met so far, by id, with its lowercase spelling and stem.
    pub fn words(&self) -> impl Iterator<Item = Word> + '_ {
        (0..).zip(&self.forms).map(|(form, info)| Word {
            form,
            spelling: info.spelling,
            stem: info.stem,
        })
    }

    /// Every form's text, by id.
    pub fn form_texts(&self) -> Vec<&str> {
        let mut texts = vec![""; self.forms.len()];
        for (text, reading) in &self.entries {
            if reading.names_form
                && let Some(slot) = texts.get_mut(reading.form as usize)
            {
                *slot = text;
            }
        }
        texts
    }

    fn read(&mut self, token: &'t str) -> Reading {
        if let Some(&reading) = self.entries.get(token) {
            return reading;
        }
        let reading = self.classify(token);
        if reading.names_form {
            // The token is its own spelling, and classify has entered it as the form.
            return reading;
        }
        *self.entries.entry(Cow::Borrowed(token)).or_insert(reading)
    }

    fn classify(&mut self, token: &'t str) -> Reading {
        if token.len() > MAX_TOKEN_BYTES {
            return NOT_COUNTED;
        }
        let mut skip = 0;
        loop {
            let Some(rest) = token.get(skip..) else {
                return NOT_COUNTED;
            };
            let spelling = normalise(rest);
            let lower = lowercase_of(&spelling);
            if !looks_like_a_word(&lower) || self.language.is_stop_word(&lower) {
                return NOT_COUNTED;
            }
            if self.language.is_elided(&lower) {
                let Some((apostrophe, c)) = rest
                    .char_indices()
                    .find(|&(_, c)| matches!(c, '\'' | '\u{2019}' | '\u{02BC}'))
                else {
                    return NOT_COUNTED;
                };
                skip += apostrophe + c.len_utf8();
                continue;
            }
            let token_is_spelling = skip == 0 && matches!(spelling, Cow::Borrowed(_));
            return match (
                self.form_id(spelling, lower, token_is_spelling),
                u16::try_from(skip),
            ) {
                (Some(form), Ok(skip)) => Reading {
                    form,
                    skip,
                    names_form: token_is_spelling,
                },
                _ => NOT_COUNTED,
            };
        }
    }

    /// The id of a counted word's spelling, entered as a form when new. None only when four
    /// billion ids are used up, which no survey's answers come near.
    /// `known_new`: the caller has just looked the spelling up in vain.
    fn form_id(
        &mut self,
        spelling: Cow<'t, str>,
        lower: Cow<'t, str>,
        known_new: bool,
    ) -> Option<u32> {
        if !known_new && let Some(reading) = self.entries.get(&*spelling) {
            // A spelling is only ever entered as itself, read as the form it names.
            return self.word(reading.form).map(|word| word.form);
        }
        let (spelling_id, stem) = if spelling == lower {
            (None, self.stem_id(lower)?)
        } else {
            let lower_id = self.form_id(lower.clone(), lower, false)?;
            (Some(lower_id), self.word(lower_id)?.stem)
        };
        let id = u32::try_from(self.forms.len())
            .ok()
            .filter(|&id| id < FIRST_RESERVED_ID)?;
        self.forms.push(FormInfo {
            spelling: spelling_id.unwrap_or(id),
            stem,
        });
        self.entries.insert(
            spelling,
            Reading {
                form: id,
                skip: 0,
                names_form: true,
            },
        );
        Some(id)
    }

    fn stem_id(&mut self, lower: Cow<'t, str>) -> Option<u32> {
        let stem = match lower {
            Cow::Borrowed(lower) => self.language.stem(lower),
            Cow::Owned(lower) => Cow::Owned(self.language.stem(&lower).into_owned()),
        };
        let next_id = u32::try_from(self.stem_ids.len())
            .ok()
            .filter(|&id| id < FIRST_RESERVED_ID);
        match self.stem_ids.entry(stem) {
            Entry::Occupied(known) => Some(*known.get()),
            Entry::Vacant(new) => Some(*new.insert(next_id?)),
        }
    }
}

/// [`lowercase`] that keeps borrowing from the text when the spelling does.
fn lowercase_of<'t>(spelling: &Cow<'t, str>) -> Cow<'t, str> {
    match spelling {
        Cow::Borrowed(spelling) => lowercase(spelling),
        Cow::Owned(spelling) => Cow::Owned(lowercase(spelling).into_owned()),
    }
}

/// Two letters or more, not longer than a word gets, and not only digits ("2024", "3-4").
fn looks_like_a_word(lower: &str) -> bool {
    let mut chars = 0;
    let mut has_letter = false;
    for c in lower.chars() {
        chars += 1;
        has_letter |= c.is_alphabetic();
        if chars > MAX_WORD_CHARS {
            return false;
        }
    }
    chars >= 2 && has_letter
}
