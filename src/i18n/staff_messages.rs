//! Errors as a staff page tells them, in the member's language. The API answers in English (its
//! messages are part of its contract); a page takes the same [`Error`] and says it again: the
//! field in words from the `fields` area ("Title", "Options, item 4", "Question 3 scale") and
//! the message through a table of patterns per language (`staff/messages.<code>.json`, English
//! pattern → translation, `{name}` standing for any text). A message with no pattern is shown
//! as the API wrote it, so nothing is ever lost; a test keeps the tables complete.

use std::sync::OnceLock;

use super::staff::{STAFF_LANGUAGES, StaffCatalog};
use crate::error::Error;
use crate::web::capitalized;

/// Each staff language's message patterns, in the order of [`STAFF_LANGUAGES`] (English has
/// none: its messages are the API's own).
const PATTERN_SOURCES: [&str; 2] = ["{}", include_str!("staff/messages.nl.json")];

/// One English message pattern and what it becomes.
struct Pattern {
    english: String,
    translation: String,
}

/// The values of `pattern`'s `{name}` placeholders when `text` is that pattern, else `None`. A
/// placeholder takes the shortest text after which the rest still fits; the last one takes
/// what is left.
pub fn capture<'p, 't>(pattern: &'p str, text: &'t str) -> Option<Vec<(&'p str, &'t str)>> {
    let mut values = Vec::new();
    let (mut pattern, mut text) = (pattern, text);
    while let Some(open) = pattern.find('{') {
        text = text.strip_prefix(&pattern[..open])?;
        let close = open + pattern[open..].find('}')?;
        let name = &pattern[open + 1..close];
        pattern = &pattern[close + 1..];
        let next = pattern.find('{').unwrap_or(pattern.len());
        let end = if next == 0 {
            text.len()
        } else {
            text.find(&pattern[..next])?
        };
        values.push((name, &text[..end]));
        text = &text[end..];
    }
    (pattern == text).then_some(values)
}

/// How much of `pattern` is written out rather than a placeholder.
fn literal_len(pattern: &str) -> usize {
    let mut len = 0;
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        len += open;
        rest = rest[open..]
            .find('}')
            .map_or("", |close| &rest[open + close + 1..]);
    }
    len + rest.len()
}

fn patterns(code: &str) -> &'static [Pattern] {
    static PATTERNS: OnceLock<Vec<Vec<Pattern>>> = OnceLock::new();
    let all = PATTERNS.get_or_init(|| {
        PATTERN_SOURCES
            .iter()
            .zip(STAFF_LANGUAGES)
            .map(|(source, code)| {
                let table: Vec<(String, String)> =
                    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(source)
                        .map(|map| {
                            map.into_iter()
                                .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
                                .collect()
                        })
                        .unwrap_or_else(|e| {
                            log::error!("staff/messages.{code}.json cannot be read: {e}");
                            Vec::new()
                        });
                // Longer patterns first, so a specific message wins over a general one.
                let mut parsed: Vec<Pattern> = table
                    .into_iter()
                    .map(|(english, translation)| Pattern {
                        english,
                        translation,
                    })
                    .collect();
                parsed.sort_by_key(|p| std::cmp::Reverse(literal_len(&p.english)));
                parsed
            })
            .collect()
    });
    STAFF_LANGUAGES
        .iter()
        .position(|c| *c == code)
        .and_then(|i| all.get(i))
        .map_or(&[], Vec::as_slice)
}

/// `text` ending in a full stop unless it already ends a sentence.
fn as_sentence(text: &str) -> String {
    let text = capitalized(text);
    if text.ends_with(['.', '?', '!']) {
        text
    } else {
        format!("{text}.")
    }
}

impl StaffCatalog {
    /// An API message in this language: a staff catalogue key stands for its string, a message
    /// with a pattern is translated, anything else is shown as written.
    pub fn message_text(&self, english: &str) -> String {
        if self.get(english) != english {
            return self.get(english).to_string();
        }
        patterns(self.code())
            .iter()
            .find_map(|pattern| {
                let values: Vec<(&str, String)> = capture(&pattern.english, english)?
                    .into_iter()
                    .map(|(name, value)| (name, self.placeholder_text(name, value)))
                    .collect();
                let values: Vec<(&str, &str)> =
                    values.iter().map(|(n, v)| (*n, v.as_str())).collect();
                Some(super::fill(&pattern.translation, &values))
            })
            .unwrap_or_else(|| english.to_string())
    }

    /// A value taken from an English message: a message within the message (`{why}`,
    /// `{problem}`) or a state (`{status}`) is said again in this language, a field (`{field}`)
    /// in words; anything else (a number, a name someone typed) is kept as it is.
    fn placeholder_text(&self, name: &str, value: &str) -> String {
        match name {
            "why" | "problem" | "status" => self.message_text(value),
            "field" => self.field_label(value, None, false),
            _ => value.to_string(),
        }
    }

    /// An English API message as a sentence in this language.
    pub fn sentence(&self, english: &str) -> String {
        as_sentence(&self.message_text(english))
    }

    /// What went wrong, as a sentence in this language without naming the field: for an error
    /// shown beside the field it is about.
    pub fn reason(&self, error: &Error) -> String {
        let message = match error {
            Error::Invalid { message, .. } => message.clone(),
            other => other.public_message(),
        };
        as_sentence(&self.message_text(&message))
    }

    /// What went wrong, as a sentence naming the field in words: "Title: is required."
    pub fn explain(&self, error: &Error) -> String {
        self.explain_in(error, None)
    }

    /// [`explain`](Self::explain) on a form that edits question `own` (counted from 0): a
    /// problem in another question of the survey says which one.
    pub fn explain_in(&self, error: &Error, own: Option<usize>) -> String {
        let Error::Invalid { field, message } = error else {
            return self.reason(error);
        };
        let message = self.message_text(message);
        // A message that quotes the item ("“Red” is listed twice") already says which one, and
        // its words are easier to find in the list than a position is.
        let names_item = message.starts_with(['“', '‘']);
        let stop = if message.ends_with(['.', '?', '!']) {
            ""
        } else {
            "."
        };
        format!(
            "{}: {message}{stop}",
            capitalized(&self.field_label(field, own, names_item))
        )
    }

    /// A field path in words: `questions[2].options[3]` is "question 3 options, item 4", or
    /// "options, item 4" on the form of question 3 itself.
    pub fn field_label(&self, path: &str, own: Option<usize>, names_item: bool) -> String {
        let (index, rest) = match path
            .strip_prefix("questions[")
            .and_then(|tail| tail.split_once("]."))
        {
            Some((index, rest)) => (index.parse::<usize>().ok(), rest),
            None => (None, path),
        };
        let name = |part: &str| {
            let key = format!("field.{part}");
            match self.get(&key) {
                found if found != key => found.to_string(),
                _ => part.replace('_', " "),
            }
        };
        let label = rest
            .split('.')
            .map(|part| match part.split_once('[') {
                Some((field, _)) if names_item => name(field),
                Some((field, tail)) => {
                    let item = tail.trim_end_matches(']');
                    let item = item
                        .parse::<usize>()
                        .map_or_else(|_| item.to_string(), |i| (i + 1).to_string());
                    self.format("field.item", &[("label", &name(field)), ("n", &item)])
                }
                None => name(part),
            })
            .collect::<Vec<_>>()
            .join(" ");
        match index {
            Some(index) if Some(index) != own => self.format(
                "field.in_question",
                &[("n", &(index + 1).to_string()), ("label", &label)],
            ),
            _ => label,
        }
    }
}
