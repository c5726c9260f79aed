//! Words a new user met that read like code, each checked so it cannot come back: counts with
//! their noun in the right number on staff and respondent pages (in every form a language has),
//! times on staff pages to the minute rather than with seconds and fractions, a duplicate
//! option named by its words, and rejected import rows apart from the success box.

use hearken::auth::Role;
use rocket::http::{ContentType, Status};
use rocket::local::blocking::Client;
use serde_json::{Value, json};

use crate::respond::{open_form, send};
use crate::surveys::post;
use crate::{TestApp, form};

/// A published survey with `questions`, in `language`; its id.
fn publish(app: &TestApp, token: &str, language: &str, questions: Value) -> String {
    let body = json!({
        "title": "Wording",
        "intro": "Your answers help us improve our service, so that we can fix what matters to you.",
        "language": language,
        "questions": questions,
    });
    let (status, survey) = post(app, token, "/api/v1/surveys", &body);
    assert_eq!(status, Status::Created, "{survey}");
    let id = survey["id"].as_str().unwrap().to_string();
    let (status, body) = post(
        app,
        token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok, "{body}");
    id
}

fn required(ids: &[&str]) -> Value {
    ids.iter()
        .map(|id| json!({"id": id, "kind": "long_text", "prompt": "What should we improve first?", "required": true}))
        .collect()
}

/// The page's text as a reader sees it: no markup, no attribute values.
fn visible(html: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let body = scraper::Selector::parse("body").unwrap();
    document
        .select(&body)
        .flat_map(|b| b.text())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every `YYYY-MM-DDTHH:MM` in `text`: the machine form of a time.
fn machine_times(text: &str) -> Vec<String> {
    let pattern = "dddd-dd-ddTdd:dd";
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(pattern.len())
        .filter(|w| {
            w.iter().zip(pattern.chars()).all(|(c, p)| match p {
                'd' => c.is_ascii_digit(),
                p => *c == p,
            })
        })
        .map(|w| w.iter().collect())
        .collect()
}

/// Every "1 <plural noun>" in `text`.
fn one_with_a_plural(text: &str) -> Vec<String> {
    const PLURALS: [&str; 16] = [
        "questions",
        "responses",
        "invitations",
        "answers",
        "entries",
        "rows",
        "codes",
        "hours",
        "contacts",
        "participants",
        "winners",
        "characters",
        "choices",
        "options",
        "minutes",
        "reminders",
    ];
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| {
            w[0].trim_start_matches(['(', '·']) == "1"
                && PLURALS.contains(&w[1].trim_end_matches(|c: char| !c.is_alphabetic()))
        })
        .map(|w| w.join(" "))
        .collect()
}

fn page(client: &Client, path: &str) -> String {
    let response = client.get(path.to_string()).dispatch();
    let status = response.status();
    let body = response.into_string().unwrap_or_default();
    assert_eq!(status, Status::Ok, "{path}: {body}");
    body
}

#[test]
fn the_error_summary_counts_in_the_form_each_language_uses() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let summary = |id: &str, fields: &[(&str, &str)]| {
        let path = format!("/s/{id}");
        let (_, csrf, submission) = open_form(&app.client, &path);
        let mut all = vec![("csrf", csrf.as_str()), ("submission", submission.as_str())];
        all.extend_from_slice(fields);
        let (status, _, html) = send(&app.client, &path, &all);
        assert_eq!(status, Status::UnprocessableEntity, "{html}");
        let document = scraper::Html::parse_document(&html);
        let selector = scraper::Selector::parse(".error-summary p, [role=alert] p").unwrap();
        document
            .select(&selector)
            .next()
            .map(|p| p.text().collect::<String>())
            .unwrap_or_else(|| panic!("no summary in {html}"))
    };

    let english = publish(&app, &token, "en", required(&["a", "b"]));
    assert_eq!(
        summary(&english, &[]),
        "Please check the 2 answers marked below."
    );
    assert_eq!(
        summary(&english, &[("q.a", "Faster replies")]),
        "Please check the answer marked below."
    );

    let slovak = publish(&app, &token, "sk", required(&["a", "b", "c", "d", "e"]));
    let two = summary(&slovak, &[("q.a", "x"), ("q.b", "y"), ("q.c", "z")]);
    assert!(two.contains("2 označené odpovede"), "{two}");
    let five = summary(&slovak, &[]);
    assert!(five.contains("5 označených odpovedí"), "{five}");
    let html = page(&app.client, &format!("/s/{slovak}"));
    assert!(html.contains("5 otázok"), "{html}");

    let one = publish(&app, &token, "en", required(&["only"]));
    let html = page(&app.client, &format!("/s/{one}"));
    assert!(html.contains("1 question, about "), "{html}");
    assert!(html.contains("0 of 1 question answered"), "{html}");
}

#[test]
fn staff_pages_show_counts_in_the_right_number_and_times_to_the_minute() {
    let app = TestApp::new();
    let admin = app.signed_in_admin();
    let token = app.token(&admin);
    let id = publish(&app, &token, "en", required(&["only"]));
    let path = format!("/s/{id}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    let (status, _, _) = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.only", "Answer the phone sooner"),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    let contacts = crate::invitations::import(
        &app,
        &token,
        &json!([{"email": "ada@example.com", "name": "Ada"}]),
    );
    app.invite(&id, Some(&contacts[0]));
    app.execute("UPDATE invitations SET sent_at = '2025-12-02 02:08:46.881053'");

    let survey = visible(&page(&app.client, &format!("/surveys/{id}")));
    assert!(survey.contains("1 question"), "{survey}");
    assert!(survey.contains("1 response"), "{survey}");
    let invitations = visible(&page(&app.client, &format!("/surveys/{id}/invitations")));
    assert!(
        invitations.contains("1 invitation by status"),
        "{invitations}"
    );
    assert!(
        invitations.contains("2025-12-02 02:08 UTC"),
        "{invitations}"
    );
    let results = visible(&page(&app.client, &format!("/surveys/{id}/results")));
    assert!(
        results.contains("0 of 1 person invited answered"),
        "{results}"
    );

    for path in [
        "/".to_string(),
        "/surveys".to_string(),
        format!("/surveys/{id}"),
        format!("/surveys/{id}/invitations"),
        format!("/surveys/{id}/responses"),
        format!("/surveys/{id}/results"),
        format!("/surveys/{id}/incentive"),
        "/contacts".to_string(),
        "/complaints".to_string(),
        "/focus-groups".to_string(),
        "/admin/users".to_string(),
    ] {
        let text = visible(&page(&app.client, &path));
        assert_eq!(machine_times(&text), Vec::<String>::new(), "{path}: {text}");
        assert_eq!(
            one_with_a_plural(&text),
            Vec::<String>::new(),
            "{path}: {text}"
        );
    }
}

#[test]
fn a_duplicate_option_is_named_by_its_words_and_the_api_keeps_its_field() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let body = json!({
        "title": "Paying",
        "language": "en",
        "questions": [{"id": "pay", "kind": "single_choice", "prompt": "How do you pay?",
            "options": ["Cash", "Credit card", "Debit card", "Credit card"]}],
    });
    let (status, error) = post(&app, &token, "/api/v1/surveys", &body);
    assert_eq!(status, Status::UnprocessableEntity, "{error}");
    assert_eq!(error["error"]["field"], "questions[0].options[3]");
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.ends_with(": “Credit card” is listed twice"),
        "{error}"
    );
}

#[test]
fn rejected_import_rows_are_a_warning_apart_from_what_was_imported() {
    let app = TestApp::new();
    app.signed_in_admin();
    let import = |csv: &str| {
        let csrf = app.csrf();
        let response = app
            .client
            .post("/contacts/import")
            .header(ContentType::Form)
            .body(form(&[("csrf", &csrf), ("csv", csv)]))
            .dispatch();
        assert_eq!(response.status(), Status::Ok);
        scraper::Html::parse_document(&response.into_string().unwrap())
    };
    let text_of = |html: &scraper::Html, css: &str| {
        let selector = scraper::Selector::parse(css).unwrap();
        html.select(&selector)
            .map(|e| e.text().collect::<String>())
            .collect::<Vec<_>>()
    };

    let html = import("email,name\nada@example.com,Ada\nnot-an-address,Bob\n");
    let done = text_of(&html, ".notice");
    assert_eq!(done.len(), 1, "{done:?}");
    assert!(done[0].contains("1 new contact,"), "{done:?}");
    assert!(!done[0].contains("reject"), "{done:?}");
    assert!(
        text_of(&html, ".notice td").is_empty(),
        "no rejected row in the success box"
    );
    let warning = text_of(&html, ".warning[role=alert]");
    assert_eq!(warning.len(), 1);
    assert!(
        warning[0].contains("1 row was not imported."),
        "{warning:?}"
    );
    assert!(warning[0].contains("not-an-address"), "{warning:?}");

    let html = import("email,name\nnot-an-address,Bob\nalso wrong,Eve\n");
    assert!(text_of(&html, ".notice").is_empty(), "nothing to celebrate");
    let warning = text_of(&html, ".warning");
    assert!(
        warning[0].contains("Nothing was imported: 2 rows were rejected."),
        "{warning:?}"
    );
}
