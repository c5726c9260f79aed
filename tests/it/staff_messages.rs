//! Errors on staff pages speak the member's language: every message the application writes into
//! an error (read from the source, so a new message without a translation fails here) has a
//! Dutch pattern, every field an error names has a Dutch label, and a real refusal on a page
//! reaches a Dutch member in Dutch.

use std::path::Path;

use hearken::error::Error;
use hearken::i18n::staff::staff_catalog;

/// Constructors whose text reaches a member, and where in the call the message is: the first
/// string literal, or the second one (after the field or code).
const CONSTRUCTORS: [(&str, Message); 5] = [
    ("Error::invalid(", Message::AfterField),
    ("Error::conflict(", Message::Second),
    ("Error::Forbidden(", Message::First),
    ("Error::Gone(", Message::First),
    ("Error::BadRequest(", Message::First),
];

#[derive(Clone, Copy)]
enum Message {
    First,
    Second,
    /// `invalid(field, message)`: with one literal, a literal with a space is the message and
    /// one without is the field.
    AfterField,
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals of one call's arguments, escapes and line continuations undone.
fn literals(arguments: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut chars = arguments.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut literal = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('\n') => {
                        while chars.peek().is_some_and(|c| c.is_whitespace()) {
                            chars.next();
                        }
                    }
                    Some('n') => literal.push('\n'),
                    Some(other) => literal.push(other),
                    None => {}
                },
                other => literal.push(other),
            }
        }
        found.push(literal);
    }
    found
}

/// The text between a call's opening parenthesis (just before `start`) and its closing one.
fn arguments(source: &str, start: usize) -> &str {
    let mut depth = 1;
    for (offset, c) in source[start..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &source[start..start + offset];
                }
            }
            _ => {}
        }
    }
    &source[start..]
}

/// Every (file, field, message) the application writes into an error, as written in the source.
fn written_errors() -> Vec<(String, Option<String>, Option<String>)> {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        // Unit tests build errors of their own to check the wording; they are not messages.
        let source = source.split("#[cfg(test)]").next().unwrap_or_default();
        for (constructor, position) in CONSTRUCTORS {
            for (at, _) in source.match_indices(constructor) {
                let texts = literals(arguments(source, at + constructor.len()));
                let (field, message) = match (position, texts.as_slice()) {
                    (Message::First, [message, ..]) => (None, Some(message.clone())),
                    (Message::Second, [_, message, ..]) => (None, Some(message.clone())),
                    (Message::AfterField, [field, message, ..]) => {
                        (Some(field.clone()), Some(message.clone()))
                    }
                    (Message::AfterField, [one]) if one.contains(' ') || is_key(one) => {
                        (None, Some(one.clone()))
                    }
                    (Message::AfterField, [one]) => (Some(one.clone()), None),
                    _ => (None, None),
                };
                found.push((file.display().to_string(), field, message));
            }
        }
        // Conflicts written as struct literals carry their text in `message`.
        for literal in ["Error::ConflictWith {", "Error::Conflict {"] {
            for (at, _) in source.match_indices(literal) {
                let body = &source[at + literal.len()..];
                let body = &body[..body.find('}').unwrap_or(body.len())];
                if let Some((_, after)) = body.split_once("message:") {
                    let message = literals(after).into_iter().next();
                    found.push((file.display().to_string(), None, message));
                }
            }
        }
    }
    found
}

/// Whether `text` is a key of the staff catalogues (a page's own refusal names its sentence by
/// key, and the page says it in the member's language).
fn is_key(text: &str) -> bool {
    let english = staff_catalog("en");
    english.get(text) != text
}

/// `text` with each `{…}` placeholder of a `format!` string given a sample value.
fn sample(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push('7');
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_source_scan_finds_the_messages() {
    let errors = written_errors();
    assert!(errors.len() > 100, "{}", errors.len());
    assert!(errors.iter().any(|(_, field, message)| {
        field.as_deref() == Some("email")
            && message
                .as_deref()
                .is_some_and(|m| m.contains("no active user has the email {email}"))
    }));
    assert_eq!(
        literals("\"a \\\n     b\", \"c\\\"d\""),
        ["a b", "c\"d"],
        "continuations and escapes"
    );
}

#[test]
fn every_message_the_application_writes_has_a_dutch_pattern() {
    let dutch = staff_catalog("nl");
    let untranslated: Vec<String> = written_errors()
        .into_iter()
        .filter_map(|(file, _, message)| {
            let english = sample(&message?);
            // A message that is a staff catalogue key is translated by the catalogue.
            (dutch.message_text(&english) == english).then(|| format!("{file}: {english:?}"))
        })
        .collect();
    assert!(
        untranslated.is_empty(),
        "messages with no Dutch pattern in src/i18n/staff/messages.nl.json: {untranslated:#?}"
    );
}

#[test]
fn every_field_an_error_names_has_a_dutch_label() {
    let dutch = staff_catalog("nl");
    let mut unlabelled: Vec<String> = written_errors()
        .into_iter()
        .filter_map(|(_, field, _)| field)
        .flat_map(|field| {
            field
                .split(['.', '['])
                .map(|part| part.trim_end_matches(']').to_string())
                .filter(|part| !part.is_empty() && !part.contains(['{', '}']))
                .filter(|part| part.chars().any(char::is_alphabetic))
                .collect::<Vec<_>>()
        })
        .filter(|part| {
            let key = format!("field.{part}");
            dutch.get(&key) == key
        })
        .collect();
    unlabelled.sort();
    unlabelled.dedup();
    assert!(
        unlabelled.is_empty(),
        "fields with no label in src/i18n/staff/fields.nl.json: {unlabelled:?}"
    );
}

#[test]
fn an_error_is_explained_in_the_members_language() {
    let (en, nl) = (staff_catalog("en"), staff_catalog("nl"));
    let long = Error::invalid("questions[2].options[1]", "must be at most 200 characters");
    assert_eq!(
        en.explain(&long),
        "Question 3 options, item 2: must be at most 200 characters."
    );
    assert_eq!(
        nl.explain(&long),
        "Vraag 3, opties, item 2: mag hoogstens 200 tekens lang zijn."
    );
    assert_eq!(
        nl.explain_in(&long, Some(2)),
        "Opties, item 2: mag hoogstens 200 tekens lang zijn."
    );
    let twice = Error::invalid("questions[2].options[3]", "“Credit card” is listed twice");
    assert_eq!(
        nl.explain_in(&twice, Some(2)),
        "Opties: ‘Credit card’ staat er twee keer in."
    );
    let frozen = Error::conflict(
        "survey_published",
        "the survey is closed; its questions can no longer change (copy it to make a new version)",
    );
    assert_eq!(
        nl.explain(&frozen),
        "De enquête is gesloten; het veld ‘vragen’ kan niet meer worden gewijzigd (kopieer de \
         enquête om een nieuwe versie te maken)."
    );
    assert_eq!(
        nl.reason(&Error::invalid("title", "is required")),
        "Is verplicht."
    );
    assert_eq!(
        nl.explain(&Error::TooMany {
            retry_after_secs: 30
        }),
        "Te veel pogingen; probeer het over 30 seconden opnieuw."
    );
    let unknown = Error::invalid("title", "is purple");
    assert_eq!(
        nl.explain(&unknown),
        "Titel: is purple.",
        "an unknown message is shown as written"
    );
}

#[test]
fn a_refusal_reaches_a_dutch_member_in_dutch() {
    use rocket::http::Status;

    use crate::survey_pages::{page, post};

    let app = crate::TestApp::new();
    app.signed_in_admin();
    let csrf = app.csrf();
    post(
        &app.client,
        &csrf,
        "/account/language",
        &[("language", "nl")],
    );

    // A handler's own check, shown on its page.
    let (status, _, html) = post(
        &app.client,
        &csrf,
        "/surveys",
        &[
            ("title", " "),
            ("language", "en"),
            ("audience", "customers"),
        ],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(html.contains("Titel: mag niet leeg zijn."), "{html}");

    // A form the server cannot read at all: the error page names the field in Dutch.
    let (status, _, html) = post(
        &app.client,
        &csrf,
        "/admin/users/someone/active",
        &[("active", "perhaps")],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        html.contains("Actief: ontbreekt of is niet geldig."),
        "{html}"
    );
    let (_, home) = page(&app.client, "/");
    assert!(home.contains("<html lang=\"nl\">"));
}

#[test]
fn a_counted_list_problem_reads_as_dutch() {
    let nl = staff_catalog("nl");
    let few = Error::invalid("questions[1].options", "needs at least 2 options");
    assert_eq!(
        nl.explain(&few),
        "Vraag 2, opties: heeft minstens 2 opties nodig."
    );
    let brands = Error::invalid("brands", "needs at least 2 brands (ours first)");
    assert_eq!(
        nl.reason(&brands),
        "Heeft minstens 2 merken nodig (het onze eerst)."
    );
}

#[test]
fn a_message_named_by_key_reads_as_words_in_english_too() {
    // Pages name some of their own refusals by key; the API and English pages get the words.
    let en = staff_catalog("en");
    let words = en.message_text("editor.error.confirm_publish");
    assert_ne!(words, "editor.error.confirm_publish");
    assert!(words.contains(' '), "{words}");
}
