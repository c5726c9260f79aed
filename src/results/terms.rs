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
mod tokens;

use std::cmp::{Ordering, Reverse};
use std::ops::Range;

use foldhash::HashMap;
use language::Language;
use lexicon::{Event, Lexicon, Word};
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
            count: counted.seen.answers as usize,
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

/// Marks "none" in id and answer slots.
const NONE: u32 = u32::MAX;
/// In the recorded word stream, after the last word of an answer.
const END_OF_ANSWER: u32 = lexicon::FIRST_RESERVED_ID;
/// In the recorded word stream, between words that are not a phrase.
const BREAK: u32 = lexicon::FIRST_RESERVED_ID + 1;

/// How many answers used something, and which answer last did (so each counts once).
#[derive(Debug, Clone, Copy)]
struct Seen {
    answers: u32,
    last_answer: u32,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            answers: 0,
            last_answer: NONE,
        }
    }
}

impl Seen {
    /// Counts `answer` unless it was counted already; true when it was new.
    fn see(&mut self, answer: u32) -> bool {
        if self.last_answer == answer {
            return false;
        }
        self.last_answer = answer;
        self.answers += 1;
        true
    }
}

/// A term's count with its first example answers.
#[derive(Debug, Clone, Copy, Default)]
struct Counted {
    seen: Seen,
    example_answers: [u32; MAX_EXAMPLES],
}

impl Counted {
    fn see(&mut self, answer: u32) {
        let examples_so_far = self.seen.answers as usize;
        if self.seen.see(answer)
            && let Some(slot) = self.example_answers.get_mut(examples_so_far)
        {
            *slot = answer;
        }
    }

    fn examples(&self) -> &[u32] {
        &self.example_answers[..(self.seen.answers as usize).min(MAX_EXAMPLES)]
    }
}

/// How a form (a spelling with its case) is used.
#[derive(Debug, Clone, Copy, Default)]
struct FormUse {
    /// Answers using it as their lowercase spelling (counted on lowercase forms only).
    as_spelling: Seen,
    /// Answers using exactly this form inside a sentence, where a capital is the word's own.
    inside_sentence: Seen,
}

#[derive(Debug, Clone, Copy)]
struct PhraseSpelling {
    seen: Seen,
    phrase: u32,
}

/// Two ids as one map key.
fn pair(first: u32, second: u32) -> u64 {
    (u64::from(first) << 32) | u64::from(second)
}

fn unpair(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, key as u32)
}

/// The counts of one analysis, in vectors indexed by the lexicon's ids where they are dense.
#[derive(Default)]
struct Tally {
    /// By stem id.
    stems: Vec<Counted>,
    /// By form id.
    forms: Vec<FormUse>,
    /// By phrase id.
    phrases: Vec<Counted>,
    /// Phrase ids by the pair of stems.
    phrase_ids: HashMap<u64, u32>,
    /// By the pair of lowercase spellings; most phrases are met in one spelling, so this is
    /// the one map an occurrence looks up.
    phrase_spellings: HashMap<u64, PhraseSpelling>,
}

/// The entry for `id`, the list grown to hold it.
fn slot<T: Default>(items: &mut Vec<T>, id: u32) -> &mut T {
    let id = id as usize;
    if items.len() <= id {
        items.resize_with(id + 1, T::default);
    }
    &mut items[id]
}

impl Tally {
    fn word(&mut self, answer: u32, word: Word, sentence_start: bool) {
        slot(&mut self.stems, word.stem).see(answer);
        slot(&mut self.forms, word.spelling).as_spelling.see(answer);
        if !sentence_start {
            slot(&mut self.forms, word.form).inside_sentence.see(answer);
        }
    }

    /// Counts the phrases of the recorded `stream` that could make the list. A phrase is used
    /// in no more answers than either of its words, and `limit` words are used in at least
    /// `threshold` answers, so a phrase with a less used word can never be listed; skipping
    /// those saves counting the many pairs of rarer words.
    fn phrases_in(&mut self, stream: &[u32], lexicon: &Lexicon<'_>, limit: usize) {
        let mut stem_counts: Vec<u32> = self.stems.iter().map(|c| c.seen.answers).collect();
        let threshold = match limit.checked_sub(1) {
            Some(last) if last < stem_counts.len() => {
                *stem_counts
                    .select_nth_unstable_by_key(last, |&count| Reverse(count))
                    .1
            }
            _ => 0,
        }
        .max(MIN_PHRASE_ANSWERS);
        let listable: Vec<bool> = self
            .stems
            .iter()
            .map(|counted| counted.seen.answers >= threshold)
            .collect();
        let can_be_listed =
            |word: &Word| listable.get(word.stem as usize).copied().unwrap_or(false);
        let mut answer = 0;
        let mut previous: Option<Word> = None;
        for &entry in stream {
            match entry {
                END_OF_ANSWER => {
                    answer += 1;
                    previous = None;
                }
                BREAK => previous = None,
                form => {
                    let word = lexicon.word(form).filter(can_be_listed);
                    if let (Some(first), Some(second)) = (previous, word) {
                        self.phrase(answer, first, second);
                    }
                    previous = word;
                }
            }
        }
    }

    fn phrase(&mut self, answer: u32, first: Word, second: Word) {
        let spelling_key = pair(first.spelling, second.spelling);
        let phrase = match self.phrase_spellings.get_mut(&spelling_key) {
            Some(spelling) => {
                spelling.seen.see(answer);
                spelling.phrase
            }
            None => {
                let Ok(next_id) = u32::try_from(self.phrases.len()) else {
                    return;
                };
                let phrase = *self
                    .phrase_ids
                    .entry(pair(first.stem, second.stem))
                    .or_insert(next_id);
                let mut seen = Seen::default();
                seen.see(answer);
                self.phrase_spellings
                    .insert(spelling_key, PhraseSpelling { seen, phrase });
                phrase
            }
        };
        slot(&mut self.phrases, phrase).see(answer);
    }

    /// The `limit` most used terms with their display text, most used first.
    fn top(&self, lexicon: &Lexicon<'_>, limit: usize) -> Vec<(String, Counted)> {
        let mut candidates: Vec<(u32, Candidate)> = (0..)
            .zip(&self.stems)
            .filter(|(_, counted)| counted.seen.answers > 0)
            .map(|(stem, counted)| (counted.seen.answers, Candidate::Word(stem)))
            .chain(
                (0..)
                    .zip(&self.phrases)
                    .filter(|(_, counted)| counted.seen.answers >= MIN_PHRASE_ANSWERS)
                    .map(|(phrase, counted)| (counted.seen.answers, Candidate::Phrase(phrase))),
            )
            .collect();
        // A first cut by count alone, which needs no text: most terms are used in few
        // answers and fall far below the list.
        if candidates.len() > limit {
            candidates.select_nth_unstable_by_key(limit - 1, |&(answers, _)| Reverse(answers));
            let threshold = candidates[limit - 1].0;
            candidates.retain(|&(answers, _)| answers >= threshold);
        }

        let texts = lexicon.form_texts();
        let text = |form: u32| texts.get(form as usize).copied().unwrap_or_default();
        let spellings = Spellings::choose(self, lexicon, &text);
        let phrase_spellings = self.phrase_spellings_of(&candidates, &text);
        let mut ranked: Vec<(u32, Key<'_>, Candidate)> = candidates
            .into_iter()
            .filter_map(|(answers, candidate)| {
                let key = match candidate {
                    Candidate::Word(stem) => Key::Word(text(spellings.of_stem(stem)?)),
                    Candidate::Phrase(phrase) => {
                        let (first, second) = *phrase_spellings.get(&phrase)?;
                        Key::Phrase(text(first), text(second))
                    }
                };
                Some((answers, key, candidate))
            })
            .collect();
        let order = |a: &(u32, Key<'_>, Candidate), b: &(u32, Key<'_>, Candidate)| {
            b.0.cmp(&a.0).then_with(|| a.1.cmp_text(&b.1))
        };
        if ranked.len() > limit {
            ranked.select_nth_unstable_by(limit - 1, order);
            ranked.truncate(limit);
        }
        ranked.sort_unstable_by(order);
        ranked
            .into_iter()
            .filter_map(|(_, _, candidate)| match candidate {
                Candidate::Word(stem) => {
                    let spelling = spellings.of_stem(stem)?;
                    let counted = *self.stems.get(stem as usize)?;
                    Some((text(spellings.shown_as(spelling)).to_owned(), counted))
                }
                Candidate::Phrase(phrase) => {
                    let (first, second) = *phrase_spellings.get(&phrase)?;
                    let counted = *self.phrases.get(phrase as usize)?;
                    let shown = format!(
                        "{} {}",
                        text(spellings.shown_as(first)),
                        text(spellings.shown_as(second))
                    );
                    Some((shown, counted))
                }
            })
            .collect()
    }

    /// The most used pair of lowercase spellings of each candidate phrase.
    fn phrase_spellings_of<'a>(
        &self,
        candidates: &[(u32, Candidate)],
        text: &impl Fn(u32) -> &'a str,
    ) -> HashMap<u32, (u32, u32)> {
        let mut best: HashMap<u32, (u32, u64)> = candidates
            .iter()
            .filter_map(|&(_, candidate)| match candidate {
                Candidate::Phrase(phrase) => Some((phrase, (0, u64::MAX))),
                Candidate::Word(_) => None,
            })
            .collect();
        if best.is_empty() {
            return HashMap::default();
        }
        for (&key, spelling) in &self.phrase_spellings {
            let Some(current) = best.get_mut(&spelling.phrase) else {
                continue;
            };
            let words = |key: u64| {
                let (first, second) = unpair(key);
                [text(first), text(second)]
            };
            if current.1 == u64::MAX
                || more_used_spelling(
                    (spelling.seen.answers, &words(key)),
                    (current.0, &words(current.1)),
                )
            {
                *current = (spelling.seen.answers, key);
            }
        }
        best.into_iter()
            .filter(|&(_, (_, key))| key != u64::MAX)
            .map(|(phrase, (_, key))| (phrase, unpair(key)))
            .collect()
    }
}

/// Whether a spelling used in `a.0` answers beats one used in `b.0`: more answers, then the
/// shorter, then the first in text order, so the choice never depends on hashing.
fn more_used_spelling(a: (u32, &[&str]), b: (u32, &[&str])) -> bool {
    let chars = |words: &[&str]| words.iter().map(|w| w.chars().count()).sum::<usize>();
    b.0.cmp(&a.0)
        .then_with(|| chars(a.1).cmp(&chars(b.1)))
        .then_with(|| a.1.cmp(b.1))
        == Ordering::Less
}

#[derive(Debug, Clone, Copy)]
enum Candidate {
    Word(u32),
    Phrase(u32),
}

/// A term's lowercase text, which orders ties, without building the string.
#[derive(Debug, Clone, Copy)]
enum Key<'a> {
    Word(&'a str),
    Phrase(&'a str, &'a str),
}

impl Key<'_> {
    fn bytes(&self) -> impl Iterator<Item = u8> + '_ {
        let (first, second) = match *self {
            Key::Word(word) => (word, None),
            Key::Phrase(first, second) => (first, Some(second)),
        };
        first.bytes().chain(
            second
                .into_iter()
                .flat_map(|second| std::iter::once(b' ').chain(second.bytes())),
        )
    }

    /// As the texts' `Ord` would (UTF-8 bytes sort as code points).
    fn cmp_text(&self, other: &Key<'_>) -> Ordering {
        self.bytes().cmp(other.bytes())
    }
}

/// The spelling each stem is shown in, and the case each lowercase spelling is shown in.
struct Spellings {
    /// By stem id: the lowercase spelling (a form id) most answers use.
    of_stem: Vec<(u32, u32)>,
    /// By lowercase spelling: the form most answers use inside a sentence, with its count.
    cased: Vec<(u32, u32)>,
}

impl Spellings {
    fn choose<'a>(tally: &Tally, lexicon: &Lexicon<'_>, text: &impl Fn(u32) -> &'a str) -> Self {
        let mut of_stem = vec![(0, NONE); tally.stems.len()];
        let mut cased = vec![(0, NONE); tally.forms.len()];
        for word in lexicon.words() {
            let Some(used) = tally.forms.get(word.form as usize) else {
                continue;
            };
            let answers = used.as_spelling.answers;
            if word.form == word.spelling
                && answers > 0
                && let Some(best) = of_stem.get_mut(word.stem as usize)
                && (best.1 == NONE
                    || more_used_spelling((answers, &[text(word.form)]), (best.0, &[text(best.1)])))
            {
                *best = (answers, word.form);
            }
            let inside = used.inside_sentence.answers;
            // Equal use: lowercase wins, then the first in text order.
            let rank =
                |(answers, form): (u32, u32)| (Reverse(answers), form != word.spelling, text(form));
            if inside > 0
                && let Some(best) = cased.get_mut(word.spelling as usize)
                && (best.1 == NONE || rank((inside, word.form)) < rank(*best))
            {
                *best = (inside, word.form);
            }
        }
        Spellings { of_stem, cased }
    }

    fn of_stem(&self, stem: u32) -> Option<u32> {
        self.of_stem
            .get(stem as usize)
            .map(|&(_, form)| form)
            .filter(|&form| form != NONE)
    }

    fn shown_as(&self, spelling: u32) -> u32 {
        match self.cased.get(spelling as usize) {
            Some(&(_, form)) if form != NONE => form,
            _ => spelling,
        }
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
mod tests {
    use super::*;

    fn terms(language: &str, answers: &[&str]) -> Vec<(String, usize)> {
        top_terms(language, answers, 50)
            .into_iter()
            .map(|term| (term.term, term.count))
            .collect()
    }

    fn count_of(language: &str, answers: &[&str], term: &str) -> Option<usize> {
        terms(language, answers)
            .into_iter()
            .find(|(t, _)| t == term)
            .map(|(_, count)| count)
    }

    fn highlighted<'a>(language: &str, term: &str, text: &'a str) -> Vec<&'a str> {
        find(language, term, text)
            .into_iter()
            .map(|range| &text[range])
            .collect()
    }

    fn positions(language: &str, term: &str, text: &str) -> Vec<(usize, usize)> {
        find(language, term, text)
            .into_iter()
            .map(|range| (range.start, range.end))
            .collect()
    }

    const INFLECTED: &[(&str, &str, &str)] = &[
        ("en", "delivery", "deliveries"),
        ("nl", "bezorging", "bezorgingen"),
        ("de", "Lieferung", "Lieferungen"),
        ("fr", "livraison", "livraisons"),
        ("sv", "leverans", "leveranser"),
        ("af", "aflewering", "aflewerings"),
        ("sk", "doručenie", "doručenia"),
        ("sl", "dostava", "dostave"),
    ];

    #[test]
    fn inflected_forms_count_together_in_every_language() {
        for &(language, base, inflected) in INFLECTED {
            // The base form in two answers, so it is the spelling shown.
            let answers = [base, inflected, base];
            let listed = top_terms(language, &answers, 10);
            assert_eq!(listed.len(), 1, "{language}: {listed:?}");
            assert_eq!(listed[0].term, base.to_lowercase(), "{language}");
            assert_eq!(listed[0].count, 3, "{language}");
            assert_eq!(
                highlighted(language, base, inflected),
                [inflected],
                "{language}"
            );
            assert_eq!(highlighted(language, inflected, base), [base], "{language}");
        }
    }

    #[test]
    fn stop_words_are_left_out_in_every_language() {
        let cases = [
            ("en", "the", "the parcel"),
            ("nl", "de", "de pakket"),
            ("de", "der", "der Paket"),
            ("fr", "le", "le colis"),
            ("sv", "och", "paket och brev"),
            ("af", "die", "die pakkie"),
            ("sk", "a", "balík a list"),
            ("sk", "alebo", "balík alebo list"),
            ("sl", "in", "paket in pismo"),
        ];
        for (language, stop_word, answer) in cases {
            let listed = terms(language, &[answer, answer]);
            assert!(!listed.is_empty(), "{language}: nothing left of {answer:?}");
            for (term, _) in &listed {
                assert!(
                    !term
                        .split(' ')
                        .any(|word| word.eq_ignore_ascii_case(stop_word)),
                    "{language}: {term:?} from {answer:?}"
                );
            }
            assert!(find(language, stop_word, answer).is_empty(), "{language}");
        }
        // The same word is kept in a language where it is not a stop word.
        assert_eq!(count_of("sv", &["die hard"], "die"), Some(1));
        // The lists hold function words only: what people mean stays.
        let answers = ["good service", "a problem with my order", "no help"];
        for word in ["good", "problem", "order", "help"] {
            assert_eq!(count_of("en", &answers, word), Some(1), "{word}");
        }
        assert_eq!(count_of("sl", &["dobro in hitro"], "dobro"), Some(1));
    }

    #[test]
    fn an_unknown_language_is_read_as_english() {
        assert_eq!(
            terms("xx", &["the deliveries"]),
            [("deliveries".to_owned(), 1)]
        );
        assert_eq!(
            terms("", &["the deliveries"]),
            terms("en", &["the deliveries"])
        );
        assert_eq!(
            terms("EN-gb", &["the deliveries"]),
            terms("en", &["the deliveries"])
        );
    }

    #[test]
    fn the_most_used_spelling_is_shown() {
        let answers = [
            "deliveries late",
            "Deliveries slow",
            "delivery",
            "deliveries",
        ];
        assert_eq!(count_of("en", &answers, "deliveries"), Some(4));
        assert_eq!(count_of("en", &answers, "delivery"), None);
        // Counted per answer: one answer repeating a spelling does not make it win.
        let answers = ["delivery", "delivery", "deliveries deliveries deliveries"];
        assert_eq!(count_of("en", &answers, "delivery"), Some(3));
    }

    #[test]
    fn capitals_used_inside_sentences_are_kept() {
        let answers = [
            "Die Lieferung kam spät",
            "Wo bleibt meine Lieferung?",
            "lieferung",
        ];
        assert_eq!(count_of("de", &answers, "Lieferung"), Some(3));
        // A capital only at the start of a sentence is not the word's spelling.
        let answers = ["Delivery was late. Delivery again.", "late delivery"];
        assert_eq!(count_of("en", &answers, "delivery"), Some(2));
        assert_eq!(count_of("en", &answers, "Delivery"), None);
    }

    #[test]
    fn a_count_is_the_number_of_answers_not_of_occurrences() {
        let answers = ["coffee coffee coffee, more coffee", "coffee", "tea"];
        assert_eq!(count_of("en", &answers, "coffee"), Some(2));
        assert_eq!(count_of("en", &answers, "tea"), Some(1));
        let repeated = "refund ".repeat(10_000 / 7);
        let answers = [repeated.as_str(), "refund please"];
        assert_eq!(count_of("en", &answers, "refund"), Some(2));
    }

    #[test]
    fn phrases_join_neighbouring_words_only() {
        let answers = [
            "long phone queue",
            "Long phone queue again",
            "answer the phone",
        ];
        let listed = terms("en", &answers);
        assert!(listed.contains(&("long phone".to_owned(), 2)), "{listed:?}");
        assert!(
            listed.contains(&("phone queue".to_owned(), 2)),
            "{listed:?}"
        );
        assert!(
            !listed.iter().any(|(t, _)| t == "answer phone"),
            "{listed:?}"
        );
        assert!(!listed.iter().any(|(t, _)| t == "long queue"), "{listed:?}");
        // Punctuation and line breaks part words; a phrase in one answer is not listed.
        let answers = [
            "phone, queue",
            "phone\nqueue",
            "phone. queue",
            "queue again",
        ];
        let listed = terms("en", &answers);
        assert!(listed.iter().all(|(t, _)| !t.contains(' ')), "{listed:?}");
    }

    #[test]
    fn phrases_count_inflected_forms_together_and_show_their_most_used_spelling() {
        let answers = [
            "long queues at noon",
            "the long queues",
            "a long queue",
            "queue",
            "queue",
            "queue",
        ];
        let listed = terms("en", &answers);
        assert!(
            listed.contains(&("long queues".to_owned(), 3)),
            "{listed:?}"
        );
        assert!(listed.contains(&("queue".to_owned(), 6)), "{listed:?}");
        assert_eq!(
            highlighted("en", "long queues", "A long queue, long queues."),
            ["long queue", "long queues"]
        );
    }

    #[test]
    fn terms_are_ordered_by_count_then_text_and_limited() {
        let answers = [
            "pear banana",
            "cherry apple",
            "banana split",
            "apple",
            "zebra",
        ];
        let listed = terms("en", &answers);
        assert_eq!(
            listed,
            [
                ("apple".to_owned(), 2),
                ("banana".to_owned(), 2),
                ("cherry".to_owned(), 1),
                ("pear".to_owned(), 1),
                ("split".to_owned(), 1),
                ("zebra".to_owned(), 1),
            ]
        );
        let first_three: Vec<String> = top_terms("en", &answers, 3)
            .into_iter()
            .map(|term| term.term)
            .collect();
        assert_eq!(first_three, ["apple", "banana", "cherry"]);
        assert!(top_terms("en", &answers, 0).is_empty());
        // A phrase used as often as the last word that makes the list is not left out.
        let answers = ["cold coffee", "cold coffee", "cold coffee", "tea"];
        let first_two: Vec<String> = top_terms("en", &answers, 2)
            .into_iter()
            .map(|term| term.term)
            .collect();
        assert_eq!(first_two, ["coffee", "cold"]);
        let answers = ["bad coffee", "bad coffee", "bad coffee", "coffee"];
        let first_two: Vec<(String, usize)> = top_terms("en", &answers, 2)
            .into_iter()
            .map(|term| (term.term, term.count))
            .collect();
        assert_eq!(first_two, [("coffee".to_owned(), 4), ("bad".to_owned(), 3)]);
        let first_three: Vec<(String, usize)> = top_terms("en", &answers, 3)
            .into_iter()
            .map(|term| (term.term, term.count))
            .collect();
        assert_eq!(
            first_three,
            [
                ("coffee".to_owned(), 4),
                ("bad".to_owned(), 3),
                ("bad coffee".to_owned(), 3)
            ]
        );
        // Words and phrases share one list; a phrase sorts by its text like any term.
        let answers = ["cold coffee", "cold coffee", "cold", "coffee"];
        assert_eq!(
            terms("en", &answers),
            [
                ("coffee".to_owned(), 3),
                ("cold".to_owned(), 3),
                ("cold coffee".to_owned(), 2),
            ]
        );
    }

    #[test]
    fn examples_are_the_first_answers_using_the_term_cut_at_a_word() {
        let long = format!("{} delivery {}", "word ".repeat(30), "tail ".repeat(60));
        let answers = [
            "  late delivery  ",
            "no",
            long.as_str(),
            "delivery again",
            "delivery once more",
        ];
        let listed = top_terms("en", &answers, 1);
        assert_eq!(listed[0].term, "delivery");
        assert_eq!(listed[0].count, 4);
        let examples = &listed[0].examples;
        assert_eq!(examples.len(), 3);
        assert_eq!(examples[0], "late delivery");
        assert_eq!(examples[2], "delivery again");
        let cut = &examples[1];
        assert!(cut.chars().count() <= 200, "{}", cut.chars().count());
        assert!(cut.ends_with("tail…"), "{cut}");
        assert!(long.starts_with(cut.trim_end_matches('…')));

        // One endless word is cut inside it, never inside a letter and its accent.
        let endless = "e\u{301}".repeat(300);
        let cut = example(&endless);
        assert!(cut.chars().count() <= 200);
        assert!(cut.ends_with("\u{301}…"), "{cut:?}");
        assert_eq!(example(&"ab ".repeat(60)), "ab ".repeat(60).trim());
        // Nothing but punctuation before the last space: cut inside the word instead.
        let dashes = format!("{} {}", "-".repeat(150), "x".repeat(100));
        assert_eq!(
            example(&dashes),
            format!("{} {}…", "-".repeat(150), "x".repeat(48))
        );
    }

    #[test]
    fn find_gives_the_bytes_to_highlight() {
        let text = "Deliveries were late; the delivery man was kind.";
        assert_eq!(positions("en", "delivery", text), [(0, 10), (26, 34)]);
        assert_eq!(
            highlighted("en", "Delivery", text),
            ["Deliveries", "delivery"]
        );
        assert_eq!(highlighted("en", "delivery man", text), ["delivery man"]);
        assert!(
            find("en", "late delivery", text).is_empty(),
            "split by a stop word"
        );
        assert!(find("en", "the", text).is_empty());
        assert!(find("en", "", text).is_empty());
        assert!(find("en", "delivery man kind", text).is_empty());
        assert!(find("en", "delivery", "").is_empty());

        let text = "Kaapstad — 5 sterre";
        assert_eq!(highlighted("af", "Kaapstad", text), ["Kaapstad"]);
        assert_eq!(highlighted("af", "ster", text), ["sterre"]);
        assert_eq!(positions("af", "sterre", text), [(15, 21)]);

        let composed = "Zoë Kovačič";
        let decomposed = "Zoe\u{308} Kovac\u{30C}ic\u{30C}";
        assert_eq!(
            positions("sl", "Zoë Kovačič", composed),
            [(0, composed.len())]
        );
        assert_eq!(
            positions("sl", "Zoë Kovačič", decomposed),
            [(0, decomposed.len())]
        );
        assert_eq!(
            highlighted("sl", "Kovačič", decomposed),
            ["Kovac\u{30C}ic\u{30C}"]
        );

        assert_eq!(
            highlighted("fr", "application", "Je n’aime pas l'application."),
            ["application"]
        );
        assert_eq!(
            highlighted("en", "queue queue", "queue queue queue"),
            ["queue queue"]
        );
    }

    #[test]
    fn every_listed_term_is_found_in_its_examples() {
        let answers = [
            "Die Lieferung kam zu spät, die Lieferungen sind immer zu spät.",
            "Schnelle Lieferung, freundlicher Fahrer",
            "Der Fahrer war freundlich",
            "Lieferung spät",
        ];
        for term in top_terms("de", &answers, 20) {
            for example in &term.examples {
                assert!(!find("de", &term.term, example).is_empty(), "{term:?}");
            }
        }
    }

    #[test]
    fn french_elisions_are_taken_off() {
        let answers = [
            "L'application plante",
            "une application lente",
            "l’application",
        ];
        assert_eq!(count_of("fr", &answers, "application"), Some(3));
        assert!(terms("fr", &answers).iter().all(|(t, _)| !t.contains('\'')));
    }

    #[test]
    fn hostile_input_is_handled() {
        assert!(top_terms("en", &[], 20).is_empty());
        assert!(top_terms("en", &["", "   ", "\n\n", "!!!", "12 345 6.5"], 20).is_empty());
        assert!(top_terms("en", &["😀🎉👍🏽 ❤️ 🇿🇦", "👩‍👩‍👧"], 20).is_empty());
        let listed = terms("en", &["great 😀 service", "great😀service"]);
        assert_eq!(
            count_of("en", &["great 😀 service", "great😀service"], "service"),
            Some(2)
        );
        assert!(
            listed.iter().all(|(t, _)| t != "great service"),
            "{listed:?}"
        );

        let rtl = [
            "\u{200F}الخدمة ممتازة\u{200F}",
            "الخدمة بطيئة",
            "שירות מצוין",
        ];
        assert_eq!(count_of("en", &rtl, "الخدمة"), Some(2));

        let one_word = "a".repeat(10_000);
        let mashed = "e\u{301}".repeat(5_000);
        let elisions = "l'".repeat(5_000) + "avis";
        let answers = [one_word.as_str(), mashed.as_str(), elisions.as_str()];
        assert!(top_terms("fr", &answers, 20).is_empty());
        assert!(find("fr", "avis", &elisions).is_empty());
    }

    #[test]
    fn inner_apostrophes_and_hyphens_stay_in_the_word() {
        let answers = [
            "my e-mail address",
            "E-mail",
            "the customer's view",
            "customers",
        ];
        let listed = terms("en", &answers);
        assert!(listed.contains(&("e-mail".to_owned(), 2)), "{listed:?}");
        assert!(
            listed
                .iter()
                .any(|(t, c)| t.starts_with("customer") && *c == 2),
            "{listed:?}"
        );
        assert_eq!(
            count_of("nl", &["auto's", "auto", "de auto"], "auto"),
            Some(3)
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics_and_ranges_are_valid(
            answers in proptest::collection::vec("\\PC{0,80}", 0..8),
            term in "\\PC{0,20}",
            language in proptest::sample::select(vec!["en", "nl", "de", "fr", "sv", "af", "sk", "sl", "??"]),
        ) {
            let borrowed: Vec<&str> = answers.iter().map(String::as_str).collect();
            let listed = top_terms(language, &borrowed, 10);
            proptest::prop_assert!(listed.len() <= 10);
            for listed_term in &listed {
                proptest::prop_assert!(listed_term.count >= 1);
                proptest::prop_assert!(listed_term.examples.len() <= 3);
                for example in &listed_term.examples {
                    proptest::prop_assert!(!find(language, &listed_term.term, example).is_empty());
                }
            }
            for text in answers.iter().chain([&term]) {
                for range in find(language, &term, text) {
                    proptest::prop_assert!(text.get(range.clone()).is_some(), "{range:?} in {text:?}");
                }
            }
        }
    }
}
