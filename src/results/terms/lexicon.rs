//! The words met so far in one analysis, each spelling read once: whether it counts, its
//! lowercase spelling and its stem, all as small ids so counting is cheap.

use std::collections::HashMap;
use std::ops::Range;

use super::language::Language;
use super::tokens::{self, Piece, lowercase, normalise};

/// Longer "words" are links, codes or keyboard mashing, and no word a survey should list
/// (German compounds stay well below it).
const MAX_WORD_CHARS: usize = 64;

/// A counted word as met in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    /// The spelling as written, normalised but with its case.
    pub form: usize,
    /// The lowercase spelling (a form id too).
    pub spelling: usize,
    pub stem: usize,
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

#[derive(Debug, Clone, Copy)]
enum Reading {
    NotCounted,
    /// `skip`: bytes of an elided French article before the word ("l'").
    Word {
        skip: usize,
        form: usize,
    },
}

#[derive(Debug, Clone, Copy)]
struct FormInfo {
    spelling: usize,
    stem: usize,
}

pub struct Lexicon<'t> {
    language: Language,
    /// Keyed by the token exactly as it stands in the text: answers repeat their words, and
    /// a hit here saves normalising and stemming again.
    readings: HashMap<&'t str, Reading>,
    form_ids: HashMap<Box<str>, usize>,
    forms: Vec<FormInfo>,
    stem_ids: HashMap<Box<str>, usize>,
}

impl<'t> Lexicon<'t> {
    pub fn new(language: Language) -> Self {
        Lexicon {
            language,
            readings: HashMap::new(),
            form_ids: HashMap::new(),
            forms: Vec::new(),
            stem_ids: HashMap::new(),
        }
    }

    /// Feeds the words of `text` that count, and the breaks between them, to `on_event`.
    pub fn scan(&mut self, text: &'t str, mut on_event: impl FnMut(Event)) {
        tokens::scan(text, |piece| match piece {
            Piece::Break => on_event(Event::Break),
            Piece::Token {
                range,
                sentence_start,
            } => {
                let Some(token) = text.get(range.clone()) else {
                    on_event(Event::Break);
                    return;
                };
                match self.read(token) {
                    Reading::NotCounted => on_event(Event::Break),
                    Reading::Word { skip, form } => {
                        if skip > 0 {
                            on_event(Event::Break);
                        }
                        let info = self.forms[form];
                        on_event(Event::Word {
                            range: range.start + skip..range.end,
                            word: Word {
                                form,
                                spelling: info.spelling,
                                stem: info.stem,
                            },
                            sentence_start,
                        });
                    }
                }
            }
        });
    }

    /// Every form met so far, by id, with its lowercase spelling and stem.
    pub fn words(&self) -> impl Iterator<Item = Word> + '_ {
        self.forms.iter().enumerate().map(|(form, info)| Word {
            form,
            spelling: info.spelling,
            stem: info.stem,
        })
    }

    /// Every form's text, by id.
    pub fn form_texts(&self) -> Vec<&str> {
        let mut texts = vec![""; self.forms.len()];
        for (text, &id) in &self.form_ids {
            if let Some(slot) = texts.get_mut(id) {
                *slot = text;
            }
        }
        texts
    }

    fn read(&mut self, token: &'t str) -> Reading {
        if let Some(&reading) = self.readings.get(token) {
            return reading;
        }
        let reading = self.classify(token);
        self.readings.insert(token, reading);
        reading
    }

    fn classify(&mut self, token: &str) -> Reading {
        // Checked on bytes first so a huge token is not normalised only to be dropped.
        if token.len() > MAX_WORD_CHARS * 4 {
            return Reading::NotCounted;
        }
        let mut skip = 0;
        loop {
            let Some(rest) = token.get(skip..) else {
                return Reading::NotCounted;
            };
            let spelling = normalise(rest);
            let lower = lowercase(&spelling);
            if !looks_like_a_word(&lower) || self.language.is_stop_word(&lower) {
                return Reading::NotCounted;
            }
            if self.language.is_elided(&lower) {
                match rest.find(['\'', '\u{2019}', '\u{02BC}']) {
                    Some(apostrophe) => {
                        // All three apostrophes are one char; the byte after it starts a char.
                        let width = rest[apostrophe..].chars().next().map_or(1, char::len_utf8);
                        skip += apostrophe + width;
                        continue;
                    }
                    None => return Reading::NotCounted,
                }
            }
            let form = self.form_id(&spelling, &lower);
            return Reading::Word { skip, form };
        }
    }

    fn form_id(&mut self, spelling: &str, lower: &str) -> usize {
        if let Some(&id) = self.form_ids.get(spelling) {
            return id;
        }
        let (spelling_id, stem) = if spelling == lower {
            (None, self.stem_id(lower))
        } else {
            let lower_id = self.form_id(lower, lower);
            // form_id has just found or pushed lower_id.
            (Some(lower_id), self.forms[lower_id].stem)
        };
        let id = self.forms.len();
        self.form_ids.insert(spelling.into(), id);
        self.forms.push(FormInfo {
            spelling: spelling_id.unwrap_or(id),
            stem,
        });
        id
    }

    fn stem_id(&mut self, lower: &str) -> usize {
        let stem = self.language.stem(lower);
        let next = self.stem_ids.len();
        *self.stem_ids.entry(stem.into_boxed_str()).or_insert(next)
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
