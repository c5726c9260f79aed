//! Every staff page, read by a Dutch member on the demo's data, speaks Dutch. The pages are the
//! mounted page routes (so a page added later is swept too), their ids filled from the demo; what
//! a page shows is its visible text less everything stored in the database (titles, answers,
//! names: data stays in the words it was written in). What is left may not hold an English word
//! that Dutch never uses, wherever it came from: a template, a handler's notice, a chart label.

use std::collections::BTreeSet;

use rocket::http::Status;
use scraper::{Html, Node};

use crate::TestApp;
use crate::survey_pages::{page, post};

/// English words that are not Dutch words, so a Dutch page has them only in someone's data.
const ENGLISH_ONLY: &[&str] = &[
    "the",
    "and",
    "with",
    "your",
    "you",
    "this",
    "that",
    "not",
    "are",
    "has",
    "have",
    "been",
    "will",
    "for",
    "from",
    "yet",
    "there",
    "which",
    "each",
    "every",
    "who",
    "what",
    "when",
    "how",
    "none",
    "more",
    "than",
    "only",
    "by",
    "at",
    "no",
    "all",
    "any",
    "new",
    "add",
    "save",
    "delete",
    "edit",
    "show",
    "back",
    "next",
    "page",
    "question",
    "questions",
    "response",
    "responses",
    "survey",
    "surveys",
    "results",
    "invite",
    "invited",
    "sent",
    "today",
    "closed",
    "draft",
    "published",
    "answer",
    "answers",
    "contacts",
    "search",
    "sign",
    "users",
    "role",
    "name",
    "email",
    "password",
    "settings",
    "preview",
    "reward",
    "draw",
    "prize",
    "notes",
    "note",
    "quote",
    "complaint",
    "complaints",
    "problem",
    "problems",
    "theme",
    "themes",
    "group",
    "groups",
    "date",
    "time",
    "until",
    "since",
    "days",
    "day",
];

fn is_postgres() -> bool {
    std::env::var("HEARKEN_TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty())
}

/// Every text stored in the database, JSON documents opened up to their strings.
fn stored_texts(app: &TestApp) -> Vec<String> {
    let tables = if is_postgres() {
        app.texts(
            "SELECT table_name AS value FROM information_schema.tables \
             WHERE table_schema = current_schema()",
        )
    } else {
        app.texts("SELECT name AS value FROM sqlite_master WHERE type = 'table'")
    };
    let mut texts = BTreeSet::new();
    for table in tables.iter().filter(|t| !t.starts_with("__")) {
        let columns = if is_postgres() {
            app.texts(&format!(
                "SELECT column_name::text AS value FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = '{table}'"
            ))
        } else {
            app.texts(&format!(
                "SELECT name AS value FROM pragma_table_info('{table}')"
            ))
        };
        for column in columns {
            let values = app.texts(&format!(
                "SELECT CAST(\"{column}\" AS TEXT) AS value FROM \"{table}\" \
                 WHERE \"{column}\" IS NOT NULL"
            ));
            for value in values {
                if let Ok(json) = serde_json::from_str::<serde_json::Value>(&value) {
                    strings_of(&json, &mut texts);
                }
                texts.insert(value);
            }
        }
    }
    let mut texts: Vec<String> = texts
        .into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| t.chars().count() >= 2)
        .collect();
    // Longest first, so a long answer is taken out whole before a word of it could be.
    texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
    texts
}

fn strings_of(json: &serde_json::Value, out: &mut BTreeSet<String>) {
    match json {
        serde_json::Value::String(s) => {
            out.insert(s.clone());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| strings_of(i, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings_of(v, out)),
        _ => {}
    }
}

/// Attributes people read (or hear from a screen reader).
const READ_ATTRIBUTES: [&str; 4] = ["aria-label", "title", "placeholder", "alt"];

/// What a page says, one piece per text node or read attribute, without scripts and styles.
fn text_nodes(html: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let mut pieces = Vec::new();
    for node in document.tree.nodes() {
        match node.value() {
            Node::Text(text) => {
                let parent = node.parent().and_then(|p| p.value().as_element());
                // Code (a column name to type, an API path) reads the same in every language.
                if !parent.is_some_and(|p| matches!(p.name(), "script" | "style" | "code")) {
                    pieces.push(text.to_string());
                }
            }
            Node::Element(element) => pieces.extend(
                READ_ATTRIBUTES
                    .iter()
                    .filter_map(|name| element.attr(name))
                    .map(str::to_string),
            ),
            _ => {}
        }
    }
    pieces
}

/// What `node` says apart from stored data: data values taken out, and a piece that is only
/// the start of a stored text (an excerpt cut with "…") dropped.
fn own_words(node: &str, stored: &[String]) -> String {
    let excerpt = |text: &str| {
        let piece = text.trim().trim_end_matches(['…', '.']).trim();
        piece.chars().count() >= 2 && stored.iter().any(|t| t.contains(piece))
    };
    if excerpt(node) {
        return String::new();
    }
    let mut rest = node.to_string();
    for text in stored {
        if rest.contains(text.as_str()) {
            rest = without_whole(&rest, text);
        }
    }
    if excerpt(&rest) {
        return String::new();
    }
    rest
}

/// `text` with every occurrence of `data` that is not part of a longer word taken out (a stored
/// language code "en" is not taken out of "Problemen").
fn without_whole(text: &str, data: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(data) {
        let before = rest[..at].chars().last().or_else(|| out.chars().last());
        let after = rest[at + data.len()..].chars().next();
        let word_char = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let joins_before = word_char(before) && data.starts_with(char::is_alphanumeric);
        let joins_after = word_char(after) && data.ends_with(char::is_alphanumeric);
        out.push_str(&rest[..at]);
        if joins_before || joins_after {
            out.push_str(data);
        } else {
            out.push(' ');
        }
        rest = &rest[at + data.len()..];
    }
    out.push_str(rest);
    out
}

fn english_words(html: &str, stored: &[String]) -> Vec<String> {
    let mut found = BTreeSet::new();
    for node in text_nodes(html) {
        let own = own_words(&node, stored);
        for word in own.split(|c: char| !c.is_alphanumeric() && c != '\'') {
            let word = word.to_lowercase();
            if ENGLISH_ONLY.contains(&word.as_str()) {
                found.insert(format!("{word:?} in {:?}", node.trim()));
            }
        }
    }
    found.into_iter().collect()
}

/// The staff pages' routes: GET, behind sign-in, not a download.
fn page_routes(app: &TestApp) -> Vec<String> {
    let mut routes: Vec<String> = app
        .client
        .rocket()
        .routes()
        .filter(|r| r.method == rocket::http::Method::Get)
        .map(|r| r.uri.origin.path().to_string())
        .filter(|path| {
            !path.starts_with("/api")
                && !path.starts_with("/static")
                && !path.starts_with("/s/")
                && !path.starts_with("/r/")
                && !path.starts_with("/draws/")
                && !path.starts_with("/coupons/")
                && !path.starts_with("/unsubscribe/")
                && !path.starts_with("/setup/")
                && !matches!(
                    path.as_str(),
                    "/health" | "/metrics" | "/login" | "/favicon.ico"
                )
                && !path
                    .rsplit('/')
                    .next()
                    .is_some_and(|last| last.contains('.'))
        })
        .collect();
    routes.sort();
    routes.dedup();
    routes
}

#[test]
fn a_dutch_member_reads_every_staff_page_in_dutch() {
    let app = TestApp::new();
    hearken::demo::load(app.db(), app.settings()).expect("demo loads");
    app.signed_in_admin();
    let csrf = app.csrf();
    let (status, _, _) = post(
        &app.client,
        &csrf,
        "/account/language",
        &[("language", "nl")],
    );
    assert_eq!(status, Status::SeeOther);

    let survey = app.texts("SELECT id AS value FROM surveys WHERE language = 'nl'");
    let survey = survey.first().expect("the demo's Dutch survey");
    let question = app.texts(&format!(
        "SELECT id AS value FROM questions WHERE survey_id = '{survey}' \
         AND spec LIKE '%\"kind\":\"long_text\"%' ORDER BY position"
    ));
    let question = question.first().expect("an open question");
    let focus_group = app.texts("SELECT id AS value FROM focus_groups");
    let complaint = app.texts("SELECT id AS value FROM complaints");
    let stored = stored_texts(&app);

    let mut swept = 0;
    let mut english = Vec::new();
    for route in page_routes(&app) {
        let id = if route.starts_with("/focus-groups/") {
            focus_group
                .first()
                .expect("the demo's focus group")
                .as_str()
        } else if route.starts_with("/complaints/") {
            complaint.first().expect("a demo complaint").as_str()
        } else {
            survey.as_str()
        };
        let path = route
            .replace("<id>", id)
            .replace("<question>", question.as_str());
        let (status, html) = page(&app.client, &path);
        assert_eq!(status, Status::Ok, "{path}");
        assert!(html.contains("<html lang=\"nl\">"), "{path}");
        swept += 1;
        english.extend(
            english_words(&html, &stored)
                .into_iter()
                .map(|w| format!("{path}: {w}")),
        );
    }
    assert!(swept >= 18, "only {swept} pages swept");
    assert!(
        english.is_empty(),
        "English on Dutch staff pages:\n{}",
        english.join("\n")
    );
}

#[test]
fn the_sweep_sees_english_but_not_data() {
    let stored = vec![
        "The bikes were fine".to_string(),
        "Brightspoke".to_string(),
        "en".to_string(),
    ];
    let html = "<main><p>The bikes were fine</p><p>Vergeleken met Brightspoke</p>\
                <p>Problemen</p>\
                <p>The bikes…</p><p>Save the survey</p><script>var the = 1;</script></main>";
    let found = english_words(html, &stored);
    assert_eq!(
        found,
        [
            "\"save\" in \"Save the survey\"",
            "\"survey\" in \"Save the survey\"",
            "\"the\" in \"Save the survey\""
        ],
        "{found:?}"
    );
}

#[test]
fn built_in_templates_are_described_in_every_staff_language() {
    let (en, nl) = (
        hearken::i18n::staff::staff_catalog("en"),
        hearken::i18n::staff::staff_catalog("nl"),
    );
    for info in hearken::survey::templates::list() {
        let title = format!("templates.{}.title", info.name);
        let description = format!("templates.{}.description", info.name);
        // The English catalogue says what the template itself says.
        assert_eq!(en.get(&title), info.title);
        assert_eq!(en.get(&description), info.description);
        assert_ne!(nl.get(&title), en.get(&title), "{title}");
        assert_ne!(nl.get(&description), en.get(&description), "{description}");
    }
}
