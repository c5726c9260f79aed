//! The counts of one analysis: how many answers use each stem, form and phrase, with their
//! first example answers, and the choice of the terms and spellings to show.

use std::cmp::{Ordering, Reverse};

use foldhash::HashMap;

use super::lexicon::{self, Lexicon, Word};
use super::{MAX_EXAMPLES, MIN_PHRASE_ANSWERS};

/// Marks "none" in id and answer slots.
const NONE: u32 = u32::MAX;
/// In the recorded word stream, after the last word of an answer.
pub(super) const END_OF_ANSWER: u32 = lexicon::FIRST_RESERVED_ID;
/// In the recorded word stream, between words that are not a phrase.
pub(super) const BREAK: u32 = lexicon::FIRST_RESERVED_ID + 1;

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
pub(super) struct Counted {
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

    /// The number of answers that used it.
    pub(super) fn answers(&self) -> usize {
        self.seen.answers as usize
    }

    pub(super) fn examples(&self) -> &[u32] {
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
pub(super) struct Tally {
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
    pub(super) fn word(&mut self, answer: u32, word: Word, sentence_start: bool) {
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
    pub(super) fn phrases_in(&mut self, stream: &[u32], lexicon: &Lexicon<'_>, limit: usize) {
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
    pub(super) fn top(&self, lexicon: &Lexicon<'_>, limit: usize) -> Vec<(String, Counted)> {
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
