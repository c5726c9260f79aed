//! Errors as a staff page tells them, in the member's language. The API answers in English (its
//! messages are part of its contract); a page takes the same [`Error`] and says it again: the
//! field in words from the `fields` area ("Title", "Options, item 4", "Question 3 scale") and
//! the message through a table of patterns per language (`staff/messages.<code>.json`, English
//! pattern → translation, `{name}` standing for any text). A message with no pattern is shown
//! as the API wrote it, so nothing is ever lost; a test keeps the tables complete.

use std::sync::OnceLock;

use super::staff::{STAFF_LANGUAGES, StaffCatalog};
use crate::error::Error;

/// Each staff language's message patterns, in the order of [`STAFF_LANGUAGES`] (English has
/// none: its messages are the API's own).
const PATTERN_SOURCES: [&str; 2] = ["{}", include_str!("staff/messages.nl.json")];

/// One English message pattern, cut at its placeholders, and what it becomes.
struct Pattern {
    pieces: Vec<String>,
    names: Vec<String>,
    translation: String,
}

impl Pattern {
    fn parse(english: &str, translation: &str) -> Pattern {
        let (mut pieces, mut names) = (Vec::new(), Vec::new());
        let mut rest = english;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            pieces.push(rest[..open].to_string());
            names.push(rest[open + 1..open + close].to_string());
            rest = &rest[open + close + 1..];
        }
        pieces.push(rest.to_string());
        Pattern {
            pieces,
            names,
            translation: translation.to_string(),
        }
    }

    /// The placeholders' values when `text` is this pattern, else `None`. A placeholder takes
    /// the shortest text after which the rest still fits; the last one takes what is left.
    fn capture<'t>(&self, text: &'t str) -> Option<Vec<(&str, &'t str)>> {
        let mut rest = text.strip_prefix(self.pieces[0].as_str())?;
        let mut values = Vec::with_capacity(self.names.len());
        for (name, piece) in self.names.iter().zip(&self.pieces[1..]) {
            let end = if piece.is_empty() {
                rest.len()
            } else {
                rest.find(piece.as_str())?
            };
            values.push((name.as_str(), &rest[..end]));
            rest = &rest[end + piece.len()..];
        }
        rest.is_empty().then_some(values)
    }
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
                let mut parsed: Vec<Pattern> =
                    table.iter().map(|(en, t)| Pattern::parse(en, t)).collect();
                parsed.sort_by_key(|p| {
                    std::cmp::Reverse(p.pieces.iter().map(String::len).sum::<usize>())
                });
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

/// `text` with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
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
                let values: Vec<(&str, String)> = pattern
                    .capture(english)?
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
