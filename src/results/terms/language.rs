//! What a survey language contributes to the analysis: its stop words and its stemmer.

use std::borrow::Cow;
use std::sync::OnceLock;

use foldhash::HashSet;
use rust_stemmers::{Algorithm, Stemmer};

use super::light;
use super::tokens::{lowercase, normalise};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    Dutch,
    German,
    French,
    Swedish,
    Afrikaans,
    Slovak,
    Slovene,
}

/// French articles, pronouns and conjunctions that lose their vowel before a vowel ("l'avis",
/// "qu'il", "jusqu'à"); the word after the apostrophe is the one that means something.
const FRENCH_ELISIONS: &[&str] = &[
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
];

impl Language {
    /// The language of an ISO 639-1 code ("en", also "EN" or "en-GB"); English when unknown.
    pub fn from_code(code: &str) -> Language {
        let primary = code.trim().split(['-', '_']).next().unwrap_or_default();
        match primary.to_ascii_lowercase().as_str() {
            "nl" => Language::Dutch,
            "de" => Language::German,
            "fr" => Language::French,
            "sv" => Language::Swedish,
            "af" => Language::Afrikaans,
            "sk" => Language::Slovak,
            "sl" => Language::Slovene,
            _ => Language::English,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Dutch => "nl",
            Language::German => "de",
            Language::French => "fr",
            Language::Swedish => "sv",
            Language::Afrikaans => "af",
            Language::Slovak => "sk",
            Language::Slovene => "sl",
        }
    }

    /// `word` (normalised and lowercased) is too common in the language to say anything.
    pub fn is_stop_word(self, word: &str) -> bool {
        self.stop_words().contains(word)
    }

    /// The lists are normalised the way answers are, so "don’t" and a decomposed "né" match.
    fn stop_words(self) -> &'static HashSet<String> {
        static LISTS: [OnceLock<HashSet<String>>; 8] = [const { OnceLock::new() }; 8];
        LISTS[self as usize].get_or_init(|| {
            stop_words::lookup(self.code())
                .unwrap_or_default()
                .iter()
                .map(|word| lowercase(&normalise(word)).into_owned())
                .collect()
        })
    }

    /// `lowercased` begins with an elided French article or pronoun ("l'application",
    /// "qu'on"): the word proper starts after the apostrophe.
    pub fn is_elided(self, lowercased: &str) -> bool {
        self == Language::French
            && lowercased
                .split_once('\'')
                .is_some_and(|(prefix, _)| FRENCH_ELISIONS.contains(&prefix))
    }

    /// The stem of a normalised, lowercased word: the key under which its inflected forms are
    /// counted together.
    pub fn stem(self, word: &str) -> Cow<'_, str> {
        match self {
            Language::English => snowball(Algorithm::English, word),
            // The Dutch algorithm knows no apostrophe plural ("auto's").
            Language::Dutch => snowball(Algorithm::Dutch, word.strip_suffix("'s").unwrap_or(word)),
            Language::German => snowball(Algorithm::German, word),
            Language::French => snowball(Algorithm::French, word),
            // The Swedish algorithm takes a final "-s" off a base form ("leverans" → "leveran")
            // but not off what is left after a plural ending ("leveranser" → "leverans"); a
            // second pass brings the two together, and leaves stems without such an "s" as
            // they were.
            Language::Swedish => match snowball(Algorithm::Swedish, word) {
                Cow::Borrowed(once) => snowball(Algorithm::Swedish, once),
                Cow::Owned(once) => Cow::Owned(snowball(Algorithm::Swedish, &once).into_owned()),
            },
            Language::Afrikaans => Cow::Borrowed(light::afrikaans(word)),
            Language::Slovak => Cow::Borrowed(light::slovak(word)),
            Language::Slovene => Cow::Borrowed(light::slovene(word)),
        }
    }
}

fn snowball(algorithm: Algorithm, word: &str) -> Cow<'_, str> {
    Stemmer::create(algorithm).stem(word)
}
