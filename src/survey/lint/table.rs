//! The rule tables, one JSON file per language in this folder, parsed once.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::OnceLock;

use serde::Deserialize;

use super::words::*;

/// A language's table as written in `lint/<language>.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawTable {
    /// Free text for whoever edits the table.
    #[serde(rename = "about")]
    pub(super) _about: String,
    /// Phrases that steer towards a favourable answer.
    pub(super) leading: Vec<String>,
    /// Words (or phrases) that make a prompt a question when it starts with one.
    pub(super) question_words: Vec<String>,
    pub(super) conjunctions: Vec<RawConjunction>,
    /// Fixed expressions whose conjunction does not join two subjects ("pros and cons").
    pub(super) fixed_pairs: Vec<String>,
    /// Words that are not a subject on their own, so a conjunction next to them joins clauses.
    pub(super) function_words: Vec<String>,
    /// Articles and possessives passed over after a conjunction ("the price and the quality").
    pub(super) skip_after_conjunction: Vec<String>,
    /// Words or phrases in an intro that tell respondents why their answers matter.
    pub(super) purpose: Vec<String>,
    /// Words that stand for a company not yet named ("competitor" in "Competitor A").
    pub(super) placeholder_brands: Vec<String>,
    /// Names of the lists a question offers (options, brands, attributes), for messages.
    pub(super) lists: HashMap<String, String>,
    /// Message text by key (a hint code, or a variant such as `estimated_time_one`).
    pub(super) messages: HashMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawConjunction {
    pub(super) word: String,
    /// Phrases that make the conjunction a choice or a range rather than two subjects
    /// ("prefer tea or coffee", "between 1 and 5").
    pub(super) unless: Vec<String>,
}

#[derive(Debug)]
pub(super) struct Conjunction {
    pub(super) word: String,
    pub(super) unless: Vec<Phrase>,
}

/// A table ready to match against: phrases split into words once, at load.
#[derive(Debug, Default)]
pub(super) struct Table {
    pub(super) leading: Vec<Phrase>,
    pub(super) question_words: Vec<Phrase>,
    pub(super) conjunctions: Vec<Conjunction>,
    pub(super) fixed_pairs: Vec<Phrase>,
    pub(super) function_words: HashSet<String>,
    pub(super) skip_after_conjunction: HashSet<String>,
    pub(super) purpose: Vec<Phrase>,
    pub(super) placeholder_brands: HashSet<String>,
    pub(super) lists: HashMap<String, String>,
    pub(super) messages: HashMap<String, String>,
}

impl From<RawTable> for Table {
    fn from(raw: RawTable) -> Self {
        let phrases =
            |list: Vec<String>| -> Vec<Phrase> { list.iter().map(|p| Phrase::new(p)).collect() };
        let words = |list: Vec<String>| -> HashSet<String> {
            list.iter().map(|w| normalise_word(w)).collect()
        };
        Table {
            leading: phrases(raw.leading),
            question_words: phrases(raw.question_words),
            conjunctions: raw
                .conjunctions
                .into_iter()
                .map(|c| Conjunction {
                    word: normalise_word(&c.word),
                    unless: phrases(c.unless),
                })
                .collect(),
            fixed_pairs: phrases(raw.fixed_pairs),
            function_words: words(raw.function_words),
            skip_after_conjunction: words(raw.skip_after_conjunction),
            purpose: phrases(raw.purpose),
            placeholder_brands: words(raw.placeholder_brands),
            lists: raw.lists,
            messages: raw.messages,
        }
    }
}

impl Table {
    /// A prompt is a question when it ends with a question mark, or starts with a question
    /// word and does not end as a statement ("When we sell X and Y, we …." is not a question).
    pub(super) fn is_question(&self, prompt: &str, words: &[Token]) -> bool {
        let end = prompt.trim_end_matches(|c: char| {
            c.is_whitespace() || is_apostrophe(c) || matches!(c, '"' | '”' | '“' | '»' | ')')
        });
        end.ends_with(['?', '？'])
            || (!end.ends_with(['.', '!', ':', '…'])
                && self.question_words.iter().any(|p| p.matches_at(words, 0)))
    }

    /// Whether a brand in a competitor grid is still a stand-in: written in brackets
    /// ("[Competitor 1]") or a placeholder word alone or with one letter or number after it
    /// ("Competitor A", "Brand 2"). A real name that merely contains such a word ("Brand
    /// Factory Outlet") is not one.
    pub(super) fn is_placeholder_brand(&self, brand: &str) -> bool {
        let brand = brand.trim();
        let bracketed = [('[', ']'), ('<', '>'), ('{', '}'), ('(', ')')]
            .iter()
            .any(|(open, close)| brand.starts_with(*open) && brand.ends_with(*close));
        let words = tokens(brand);
        bracketed
            || match words.as_slice() {
                [word] => self.placeholder_brands.contains(&word.word),
                [word, mark] => {
                    let letter = mark.word.chars().count() == 1;
                    let number = mark.word.chars().all(|c| c.is_ascii_digit());
                    self.placeholder_brands.contains(&word.word) && (letter || number)
                }
                _ => false,
            }
    }

    pub(super) fn is_content(&self, word: &str) -> bool {
        word.chars().any(char::is_alphabetic)
            && !self.function_words.contains(word)
            && !self.conjunctions.iter().any(|c| c.word == word)
    }

    /// The words around the first conjunction that joins two subjects in a question; only
    /// the prompt is read, never the options, which are lists by nature.
    pub(super) fn double_barrelled(&self, prompt: &str, words: &[Token]) -> Option<Range<usize>> {
        if !self.is_question(prompt, words) {
            return None;
        }
        let mut fixed = vec![false; words.len()];
        for pair in &self.fixed_pairs {
            for start in 0..words.len() {
                if pair.matches_at(words, start) {
                    fixed[start..start + pair.words.len()].fill(true);
                }
            }
        }
        for (i, token) in words.iter().enumerate().skip(1) {
            let Some(conjunction) = self.conjunctions.iter().find(|c| c.word == token.word) else {
                continue;
            };
            if fixed[i] || conjunction.unless.iter().any(|p| p.find(words).is_some()) {
                continue;
            }
            let before = &words[i - 1];
            let after = words[i + 1..]
                .iter()
                .find(|t| !self.skip_after_conjunction.contains(&t.word));
            if let Some(after) = after
                && self.is_content(&before.word)
                && self.is_content(&after.word)
            {
                return Some(before.span.start..after.span.end);
            }
        }
        None
    }
}

pub(super) const ENGLISH: &str = include_str!("en.json");
pub(super) const OTHERS: &[(&str, &str)] = &[("nl", include_str!("nl.json"))];

pub(super) struct Tables {
    pub(super) english: Table,
    pub(super) others: Vec<(&'static str, Table)>,
}

impl Tables {
    /// The table for a language code ("nl", "NL", "nl-BE"), or English.
    pub(super) fn get(&self, language: &str) -> &Table {
        let code = language
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        self.others
            .iter()
            .find(|(language, _)| *language == code)
            .map_or(&self.english, |(_, table)| table)
    }
}

pub(super) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| Tables {
        english: parse("en", ENGLISH),
        others: OTHERS
            .iter()
            .map(|(language, source)| (*language, parse(language, source)))
            .collect(),
    })
}

pub(super) fn parse(language: &str, source: &str) -> Table {
    match serde_json::from_str::<RawTable>(source) {
        Ok(raw) => Table::from(raw),
        // A broken table must not take lint, and with it publishing, down; the tests below
        // parse every table strictly so this is caught before release.
        Err(e) => {
            log::error!("the {language} lint table is not valid: {e}");
            Table::default()
        }
    }
}
