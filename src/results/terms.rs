//! The words and two-word phrases open answers use most, in the survey's language.
//!
//! **Words.** An answer is split into words: runs of letters and digits (accents and other
//! combining marks included), with an apostrophe or hyphen kept between letters ("don't",
//! "e-mail", "foto's"). Words are compared in Unicode NFC and lowercase, so "Zoë" typed with a
//! combining diaeresis is the same word, and ’ is read as '. A word of one letter, a word of
//! more than 64, and one without any letter ("2024", "3-4") does not count; nor does a stop
//! word, looked up by its lowercase spelling. In French an elided article or pronoun is taken
//! off ("l'application" counts as "application").
//!
//! **Stems.** Inflected forms of a word count as one term: they are keyed by their stem, and
//! the term is shown in the spelling most answers use (with its capital letter when most
//! answers write it so inside a sentence, as German nouns and names are).
//!
//! **Phrases.** Two counted words next to each other, with only spaces between them, make a
//! phrase, keyed by both stems and shown in its most used spelling. A stop word, a number,
//! punctuation or a line break in between means no phrase: "answer the phone" gives none,
//! "long phone queue" gives "long phone" and "phone queue". A phrase is listed only when at
//! least two answers use it.
//!
//! **Counts.** A term's count is the number of answers that use it, however often each does.
//!
//! **Per language** (an unknown code is treated as English). Stop words come from the crate
//! `stop-words`; the Snowball stemmers from `rust-stemmers`.
//!
//! | code | stop words | stemmer |
//! | --- | --- | --- |
//! | en | Snowball's English list (as shipped by NLTK) | Snowball English (Porter2) |
//! | nl | Snowball's Dutch list (NLTK) | Snowball Dutch, after taking off a plural "'s" ("auto's") |
//! | de | Snowball's German list (NLTK) | Snowball German |
//! | fr | Snowball's French list (NLTK) | Snowball French, after the elision above |
//! | sv | Snowball's Swedish list (NLTK) | Snowball Swedish, applied twice ("leverans" and "leveranser" would otherwise differ) |
//! | af | stopwords-iso Afrikaans list | this module's light stemmer: plurals, diminutives, attributive "-e" |
//! | sk | stopwords-iso Slovak list | this module's light stemmer: noun and adjective case endings |
//! | sl | NLTK's Slovene list | this module's light stemmer: noun and adjective case endings |
//!
//! The Snowball and NLTK lists hold function words (articles, pronouns, auxiliaries,
//! conjunctions) and, for Slovene, number words. stopwords-iso is used only where they have no
//! list: its lists are broader, and for English it would also drop words such as "good",
//! "problem", "order" and "help", which in survey answers are what people mean. Snowball has
//! no Afrikaans, Slovak or Slovene stemmer; the light stemmers that stand in are described in
//! [`light`].

mod language;
mod lexicon;
pub mod light;
mod tally;
mod tokens;

use std::ops::Range;

use language::Language;
use lexicon::{Event, Lexicon};
use tally::{BREAK, END_OF_ANSWER, Tally};
use unicode_normalization::char::is_combining_mark;

/// One term of an open question's summary.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Term {
    /// A word or a two-word phrase, in the spelling most answers use.
    pub term: String,
    /// The number of answers that use it.
    pub count: usize,
    /// Up to three answers that use it (the newest), each cut to at most 200 characters.
    pub examples: Vec<String>,
}

const MAX_EXAMPLES: usize = 3;
const EXAMPLE_MAX_CHARS: usize = 200;
const MIN_PHRASE_ANSWERS: u32 = 2;

/// The `limit` terms (words and two-word phrases together) used in the most answers, most first;
/// ties broken by the term text; each with up to 3 example answers (the first answers, in the
/// given order, that contain it, cut to at most 200 characters at a word boundary with "…").
/// A phrase is only listed when at least 2 answers contain it. Answers are given newest first.
pub fn top_terms(language: &str, answers: &[&str], limit: usize) -> Vec<Term> {
    if limit == 0 {
        return Vec::new();
    }
    let FirstPass {
        lexicon,
        mut tally,
        stream,
    } = FirstPass::run(Language::from_code(language), answers);
    tally.phrases_in(&stream, &lexicon, limit);
    tally
        .top(&lexicon, limit)
        .into_iter()
        .map(|(term, counted)| Term {
            term,
            count: counted.answers(),
            examples: counted
                .examples()
                .iter()
                .filter_map(|&answer| answers.get(answer as usize))
                .map(|text| example(text))
                .collect(),
        })
        .collect()
}

/// The answers' words, read and counted per answer, and recorded in order.
struct FirstPass<'t> {
    lexicon: Lexicon<'t>,
    tally: Tally,
    /// The counted words (form ids) of every answer in order, with the breaks between them,
    /// so phrases can be counted in a second pass without reading the texts again.
    stream: Vec<u32>,
}

impl<'t> FirstPass<'t> {
    /// Answers are numbered in u32 to keep the counts compact; none of the four billion
    /// numbers is u32::MAX, which marks "no answer yet".
    fn run(language: Language, answers: &[&'t str]) -> Self {
        let mut lexicon = Lexicon::new(language);
        let mut tally = Tally::default();
        let mut stream: Vec<u32> = Vec::new();
        for (answer, text) in (0..u32::MAX).zip(answers) {
            lexicon.scan(text, |event| match event {
                Event::Break => {
                    if stream.last().is_some_and(|&last| last < END_OF_ANSWER) {
                        stream.push(BREAK);
                    }
                }
                Event::Word {
                    word,
                    sentence_start,
                    ..
                } => {
                    tally.word(answer, word, sentence_start);
                    stream.push(word.form);
                }
            });
            stream.push(END_OF_ANSWER);
        }
        FirstPass {
            lexicon,
            tally,
            stream,
        }
    }
}

/// Whether `text` contains `term` (a word or a two-word phrase as `top_terms` shows it), matched
/// the way top_terms counts (by stem), and where: byte ranges of each occurrence in `text`, so
/// a page can highlight them.
///
/// A phrase's range runs from the start of its first word to the end of its second. Ranges do
/// not overlap and come in text order. A term that `top_terms` could not show (a stop word,
/// three words, words with punctuation between them) is found nowhere.
pub fn find(language: &str, term: &str, text: &str) -> Vec<Range<usize>> {
    let mut lexicon = Lexicon::new(Language::from_code(language));
    let Some(wanted) = wanted_stems(&mut lexicon, term) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    // The stem and start of the word before, when nothing parts it from the next.
    let mut previous: Option<(u32, usize)> = None;
    lexicon.scan(text, |event| match event {
        Event::Break => previous = None,
        Event::Word { range, word, .. } => match wanted {
            Wanted::Word(stem) => {
                if word.stem == stem {
                    found.push(range);
                }
            }
            Wanted::Phrase(first, second) => match previous {
                Some((previous_stem, start)) if previous_stem == first && word.stem == second => {
                    found.push(start..range.end);
                    previous = None;
                }
                _ => previous = Some((word.stem, range.start)),
            },
        },
    });
    found
}

#[derive(Debug, Clone, Copy)]
enum Wanted {
    Word(u32),
    Phrase(u32, u32),
}

fn wanted_stems<'t>(lexicon: &mut Lexicon<'t>, term: &'t str) -> Option<Wanted> {
    let mut stems = Vec::new();
    let mut broken_after_word = false;
    let mut split_by_break = false;
    lexicon.scan(term, |event| match event {
        Event::Break => broken_after_word = !stems.is_empty(),
        Event::Word { word, .. } => {
            split_by_break |= broken_after_word;
            stems.push(word.stem);
        }
    });
    match (stems.as_slice(), split_by_break) {
        (&[stem], _) => Some(Wanted::Word(stem)),
        (&[first, second], false) => Some(Wanted::Phrase(first, second)),
        _ => None,
    }
}

/// `answer` trimmed, and when longer than [`EXAMPLE_MAX_CHARS`] cut at a space (or, when the
/// last space is early on, inside the long word) so that with "…" it is no longer.
fn example(answer: &str) -> String {
    let answer = answer.trim();
    if answer.chars().nth(EXAMPLE_MAX_CHARS).is_none() {
        return answer.to_owned();
    }
    let room = EXAMPLE_MAX_CHARS - 1;
    let mut hard_cut = answer.len();
    // The byte position of the last space that fits, and how many characters precede it.
    let mut last_space: Option<(usize, usize)> = None;
    for (chars_before, (at, c)) in answer.char_indices().enumerate() {
        if c.is_whitespace() {
            last_space = Some((at, chars_before));
        }
        if chars_before == room {
            hard_cut = at;
            break;
        }
    }
    let at_space = last_space
        .filter(|&(_, chars_before)| chars_before >= room / 2)
        .map(|(at, _)| at);
    let at_word = at_space.map(|at| {
        answer[..at].trim_end_matches(|c: char| {
            c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—' | '(')
        })
    });
    let kept = match at_word {
        Some(kept) if !kept.is_empty() => kept,
        _ => &answer[..whole_characters_before(answer, hard_cut)],
    };
    format!("{kept}…")
}

/// The cut nearest before byte `at` that does not separate a letter from its accents or an
/// emoji from what joins it.
fn whole_characters_before(text: &str, mut at: usize) -> usize {
    while at > 0 {
        let next = text[at..].chars().next();
        let previous = text[..at].chars().next_back();
        let splits = next.is_some_and(|c| is_combining_mark(c) || c == '\u{200D}')
            || previous == Some('\u{200D}');
        if !splits {
            break;
        }
        at -= previous.map_or(1, char::len_utf8);
    }
    at
}

#[cfg(test)]
mod tests;
