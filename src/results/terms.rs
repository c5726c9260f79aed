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
//! **Per language** (an unknown code is treated as English):
//!
//! | code | stop words (crate `stop-words`) | stemmer |
//! | --- | --- | --- |
//! | en | Snowball/NLTK English list | Snowball English (Porter2), `rust-stemmers` |
//! | nl | Snowball/NLTK Dutch list | Snowball Dutch; the plural "'s" ("auto's") taken off first |
//! | de | Snowball/NLTK German list | Snowball German |
//! | fr | Snowball/NLTK French list | Snowball French, after the elision above |
//! | sv | Snowball/NLTK Swedish list | Snowball Swedish, applied twice ("leverans" and "leveranser" would otherwise differ) |
//! | af | stopwords-iso Afrikaans list | light stemmer of this module: plurals, diminutives, attributive "-e" |
//! | sk | stopwords-iso Slovak list | light stemmer of this module: noun and adjective case endings |
//! | sl | Snowball/NLTK Slovene list | light stemmer of this module: noun and adjective case endings |
//!
//! The Snowball/NLTK lists hold function words only. The stopwords-iso lists, used where no
//! such list exists, are broader; for English they would also drop words such as "good",
//! "problem", "order" and "help", which in survey answers are what people mean. The light
//! stemmers are described in [`light`].

mod language;
mod lexicon;
pub mod light;
mod tokens;

use std::cmp::{Ordering, Reverse};
use std::collections::HashMap;
use std::ops::Range;

use language::Language;
use lexicon::{Event, Lexicon, Word};
use unicode_normalization::char::is_combining_mark;

/// One term of an open question's summary.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
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
const MIN_PHRASE_ANSWERS: usize = 2;

/// The `limit` terms (words and two-word phrases together) used in the most answers, most first;
/// ties broken by the term text; each with up to 3 example answers (the first answers, in the
/// given order, that contain it, cut to at most 200 characters at a word boundary with "…").
/// A phrase is only listed when at least 2 answers contain it. Answers are given newest first.
pub fn top_terms(language: &str, answers: &[&str], limit: usize) -> Vec<Term> {
    if limit == 0 {
        return Vec::new();
    }
    let mut lexicon = Lexicon::new(Language::from_code(language));
    let mut tally = Tally::default();
    for (answer, text) in answers.iter().enumerate() {
        let mut previous: Option<Word> = None;
        lexicon.scan(text, |event| match event {
            Event::Break => previous = None,
            Event::Word {
                word,
                sentence_start,
                ..
            } => {
                tally.word(answer, word, sentence_start);
                if let Some(first) = previous {
                    tally.phrase(answer, first, word);
                }
                previous = Some(word);
            }
        });
    }
    tally
        .top(&lexicon, limit)
        .into_iter()
        .map(|(term, counted)| Term {
            term,
            count: counted.seen.answers,
            examples: counted
                .examples()
                .iter()
                .filter_map(|&answer| answers.get(answer))
                .map(|text| example(text))
                .collect(),
        })
        .collect()
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
    let mut previous: Option<(usize, usize)> = None;
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
    Word(usize),
    Phrase(usize, usize),
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

/// How many answers used something, and which answer last did (so each counts once).
#[derive(Debug, Clone, Copy)]
struct Seen {
    answers: usize,
    last_answer: usize,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            answers: 0,
            last_answer: usize::MAX,
        }
    }
}

impl Seen {
    /// Counts `answer` unless it was counted already; true when it was new.
    fn see(&mut self, answer: usize) -> bool {
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
    example_answers: [usize; MAX_EXAMPLES],
}

impl Counted {
    fn see(&mut self, answer: usize) {
        let examples_so_far = self.seen.answers;
        if self.seen.see(answer)
            && let Some(slot) = self.example_answers.get_mut(examples_so_far)
        {
            *slot = answer;
        }
    }

    fn examples(&self) -> &[usize] {
        &self.example_answers[..self.seen.answers.min(MAX_EXAMPLES)]
    }
}

#[derive(Debug, Clone, Copy)]
struct PhraseSpelling {
    seen: Seen,
    phrase: usize,
}

#[derive(Default)]
struct Tally {
    /// By stem id.
    stems: Vec<Counted>,
    /// By form id: answers using this lowercase spelling.
    spellings: Vec<Seen>,
    /// By form id: answers using this exact spelling (with its case) inside a sentence.
    inside_sentence: Vec<Seen>,
    phrase_ids: HashMap<(usize, usize), usize>,
    phrases: Vec<Counted>,
    /// By the pair of lowercase spellings.
    phrase_spellings: HashMap<(usize, usize), PhraseSpelling>,
}

/// The entry for `id`, the list grown to hold it.
fn slot<T: Default>(items: &mut Vec<T>, id: usize) -> &mut T {
    if items.len() <= id {
        items.resize_with(id + 1, T::default);
    }
    &mut items[id]
}

impl Tally {
    fn word(&mut self, answer: usize, word: Word, sentence_start: bool) {
        slot(&mut self.stems, word.stem).see(answer);
        slot(&mut self.spellings, word.spelling).see(answer);
        if !sentence_start {
            slot(&mut self.inside_sentence, word.form).see(answer);
        }
    }

    fn phrase(&mut self, answer: usize, first: Word, second: Word) {
        let next_id = self.phrases.len();
        let phrase = *self
            .phrase_ids
            .entry((first.stem, second.stem))
            .or_insert(next_id);
        slot(&mut self.phrases, phrase).see(answer);
        self.phrase_spellings
            .entry((first.spelling, second.spelling))
            .or_insert(PhraseSpelling {
                seen: Seen::default(),
                phrase,
            })
            .seen
            .see(answer);
    }

    /// The `limit` most used terms with their display text, most used first.
    fn top(&self, lexicon: &Lexicon<'_>, limit: usize) -> Vec<(String, Counted)> {
        let mut candidates: Vec<(usize, Candidate)> = self
            .stems
            .iter()
            .enumerate()
            .filter(|(_, counted)| counted.seen.answers > 0)
            .map(|(stem, counted)| (counted.seen.answers, Candidate::Word(stem)))
            .chain(
                self.phrases
                    .iter()
                    .enumerate()
                    .filter(|(_, counted)| counted.seen.answers >= MIN_PHRASE_ANSWERS)
                    .map(|(phrase, counted)| (counted.seen.answers, Candidate::Phrase(phrase))),
            )
            .collect();
        // Only terms that can make the list get a display text; with many answers most are
        // used once and tie far below it.
        if candidates.len() > limit {
            candidates.select_nth_unstable_by_key(limit - 1, |&(answers, _)| Reverse(answers));
            let threshold = candidates[limit - 1].0;
            candidates.retain(|&(answers, _)| answers >= threshold);
        }

        let texts = lexicon.form_texts();
        let spellings = Spellings::choose(self, lexicon, &texts);
        let mut listed_phrase = vec![false; self.phrases.len()];
        for (_, candidate) in &candidates {
            if let Candidate::Phrase(phrase) = candidate {
                listed_phrase[*phrase] = true;
            }
        }
        let phrase_spelling = self.phrase_spellings_for(&listed_phrase, &texts);

        let mut listed: Vec<Listed> = candidates
            .iter()
            .filter_map(|&(_, candidate)| {
                let (key, display, counted) = match candidate {
                    Candidate::Word(stem) => {
                        let spelling = *spellings.of_stem.get(&stem)?;
                        (
                            texts[spelling].to_owned(),
                            spellings.display(spelling, &texts).to_owned(),
                            self.stems[stem],
                        )
                    }
                    Candidate::Phrase(phrase) => {
                        let (first, second) = *phrase_spelling.get(&phrase)?;
                        (
                            format!("{} {}", texts[first], texts[second]),
                            format!(
                                "{} {}",
                                spellings.display(first, &texts),
                                spellings.display(second, &texts)
                            ),
                            self.phrases[phrase],
                        )
                    }
                };
                Some(Listed {
                    key,
                    display,
                    counted,
                })
            })
            .collect();
        listed.sort_by(|a, b| {
            b.counted
                .seen
                .answers
                .cmp(&a.counted.seen.answers)
                .then_with(|| a.key.cmp(&b.key))
                .then_with(|| a.display.cmp(&b.display))
        });
        listed.truncate(limit);
        listed
            .into_iter()
            .map(|listed| (listed.display, listed.counted))
            .collect()
    }

    /// The most used pair of spellings of each listed phrase.
    fn phrase_spellings_for(
        &self,
        listed_phrase: &[bool],
        texts: &[&str],
    ) -> HashMap<usize, (usize, usize)> {
        let mut best: HashMap<usize, (usize, (usize, usize))> = HashMap::new();
        for (&pair, spelling) in &self.phrase_spellings {
            if !listed_phrase.get(spelling.phrase).copied().unwrap_or(false) {
                continue;
            }
            let candidate = (spelling.seen.answers, pair);
            best.entry(spelling.phrase)
                .and_modify(|current| {
                    let text = |(first, second): (usize, usize)| [texts[first], texts[second]];
                    if more_used_spelling(
                        (candidate.0, &text(candidate.1)),
                        (current.0, &text(current.1)),
                    ) {
                        *current = candidate;
                    }
                })
                .or_insert(candidate);
        }
        best.into_iter()
            .map(|(phrase, (_, pair))| (phrase, pair))
            .collect()
    }
}

/// Whether a spelling used in `a.0` answers beats one used in `b.0`: more answers, then the
/// shorter, then the first in text order, so the choice never depends on hashing.
fn more_used_spelling(a: (usize, &[&str]), b: (usize, &[&str])) -> bool {
    let chars = |words: &[&str]| words.iter().map(|w| w.chars().count()).sum::<usize>();
    b.0.cmp(&a.0)
        .then_with(|| chars(a.1).cmp(&chars(b.1)))
        .then_with(|| a.1.cmp(b.1))
        == Ordering::Less
}

#[derive(Debug, Clone, Copy)]
enum Candidate {
    Word(usize),
    Phrase(usize),
}

struct Listed {
    /// The lowercase spelling, which orders ties.
    key: String,
    display: String,
    counted: Counted,
}

/// The spelling each stem is shown in, and the case each lowercase spelling is shown in.
struct Spellings {
    /// By stem id: the lowercase spelling (form id) most answers use.
    of_stem: HashMap<usize, usize>,
    /// By lowercase spelling: the cased form most answers use inside a sentence, when that is
    /// not the lowercase itself.
    cased: HashMap<usize, usize>,
}

impl Spellings {
    fn choose(tally: &Tally, lexicon: &Lexicon<'_>, texts: &[&str]) -> Spellings {
        let mut of_stem: HashMap<usize, (usize, usize)> = HashMap::new();
        let mut cased: HashMap<usize, (usize, usize)> = HashMap::new();
        for word in lexicon.words() {
            let used = tally
                .spellings
                .get(word.form)
                .map_or(0, |seen| seen.answers);
            if word.form == word.spelling && used > 0 {
                let candidate = (used, word.form);
                of_stem
                    .entry(word.stem)
                    .and_modify(|current| {
                        if more_used_spelling(
                            (candidate.0, &[texts[candidate.1]]),
                            (current.0, &[texts[current.1]]),
                        ) {
                            *current = candidate;
                        }
                    })
                    .or_insert(candidate);
            }
            let inside = tally
                .inside_sentence
                .get(word.form)
                .map_or(0, |seen| seen.answers);
            if inside > 0 {
                let candidate = (inside, word.form);
                cased
                    .entry(word.spelling)
                    .and_modify(|current| {
                        // Equal use: lowercase wins, then the first in text order.
                        let rank = |(answers, form): (usize, usize)| {
                            (Reverse(answers), form != word.spelling, texts[form])
                        };
                        if rank(candidate) < rank(*current) {
                            *current = candidate;
                        }
                    })
                    .or_insert(candidate);
            }
        }
        Spellings {
            of_stem: of_stem
                .into_iter()
                .map(|(stem, (_, form))| (stem, form))
                .collect(),
            cased: cased
                .into_iter()
                .filter(|(spelling, (_, form))| spelling != form)
                .map(|(spelling, (_, form))| (spelling, form))
                .collect(),
        }
    }

    fn display<'a>(&self, spelling: usize, texts: &[&'a str]) -> &'a str {
        texts[*self.cased.get(&spelling).unwrap_or(&spelling)]
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
    let kept = match at_space {
        Some(at) => answer[..at].trim_end_matches(|c: char| {
            c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—' | '(')
        }),
        None => &answer[..whole_characters_before(answer, hard_cut)],
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

#[cfg(test)]
mod speed_by_hand {
    fn vm_hwm() -> String {
        std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
            .collect::<Vec<_>>()
            .join(" ")
    }
    fn answers(unique: bool, language: &str) -> Vec<String> {
        let mut state: u64 = 0x2545F4914F6CDD1D;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let syllables = [
            "de", "li", "ve", "ry", "ka", "to", "ser", "vi", "ce", "pro", "duct", "qua", "li",
            "ty", "ap", "pli", "ca", "tion", "ing", "ed", "s", "ë", "č", "ö",
        ];
        let stops = match language {
            "de" => ["der", "die", "und", "ist", "nicht"],
            _ => ["the", "and", "is", "was", "not"],
        };
        let vocabulary: Vec<String> = (0..4000)
            .map(|_| {
                let n = 2 + next() % 3;
                (0..n)
                    .map(|_| syllables[(next() % syllables.len() as u64) as usize])
                    .collect()
            })
            .collect();
        let mut counter = 0u64;
        (0..20_000)
            .map(|_| {
                let words = 60 + next() % 61;
                let mut text = String::new();
                for i in 0..words {
                    let r = next();
                    let word = if r % 4 == 0 {
                        stops[(r / 4 % 5) as usize].to_owned()
                    } else if unique {
                        counter += 1;
                        format!("w{counter}x{}", vocabulary[(r % 4000) as usize])
                    } else {
                        // Zipf-ish: squares favour the head of the vocabulary.
                        let x = (r >> 8) % 4000;
                        vocabulary[((x * x) / 4000) as usize].clone()
                    };
                    if i > 0 {
                        text.push_str(if r % 11 == 0 { ", " } else { " " });
                    }
                    if i % 15 == 0 {
                        let mut c = word.chars();
                        if let Some(f) = c.next() {
                            text.extend(f.to_uppercase());
                            text.push_str(c.as_str());
                        }
                    } else {
                        text.push_str(&word);
                    }
                }
                text.push('.');
                text
            })
            .collect()
    }
    #[test]
    #[ignore]
    fn speed() {
        for (unique, language) in [(false, "en"), (false, "de"), (false, "sl"), (true, "en")] {
            let texts = answers(unique, language);
            let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
            let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
            let before = vm_hwm();
            let start = std::time::Instant::now();
            let listed = super::top_terms(language, &borrowed, 20);
            let took = start.elapsed();
            eprintln!(
                "unique={unique} {language}: {} answers, {words} words, {:?}; before {before}; after {}; first {:?}",
                texts.len(),
                took,
                vm_hwm(),
                listed
                    .iter()
                    .take(4)
                    .map(|t| (&t.term, t.count))
                    .collect::<Vec<_>>()
            );
        }
    }
}
