//! The responses browser: newest first a page at a time, narrowed by a word (its other forms
//! too, marked in the answer) and by a segment, competitor answers in the survey's order with
//! ours first.

use hearken::auth::Role;
use rocket::http::Status;
use scraper::{Html, Selector};
use serde_json::{Map, Value, json};

use crate::TestApp;
use crate::results::submit_all;
use crate::surveys::post;

fn texts(body: &str, selector: &str) -> Vec<String> {
    let html = Html::parse_document(body);
    let selector = Selector::parse(selector).unwrap();
    html.select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

fn page(app: &TestApp, path: &str) -> (Status, String) {
    let response = app.client.get(path.to_string()).dispatch();
    (
        response.status(),
        response.into_string().unwrap_or_default(),
    )
}

#[test]
fn responses_page_by_page_newest_first_with_words_marked_and_ours_first() {
    let app = TestApp::new();
    app.signed_in_admin();
    let (_, token) = app.user_with_token(Role::Admin);
    let body = json!({
        "title": "Browser check",
        "intro": "Your answers help us improve our service, so that we can fix what matters to you.",
        "language": "en",
        "questions": [
            {"id": "why", "kind": "long_text", "prompt": "What should we improve?"},
            {"id": "vs", "kind": "competitor", "prompt": "Compare", "brands": ["Zed Shop", "Alpha Mart"], "attributes": ["Price"]}
        ],
    });
    let (status, created) = post(&app, &token, "/api/v1/surveys", &body);
    assert_eq!(status, Status::Created);
    let id = created["id"].as_str().unwrap().to_string();
    post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    let answer = |i: usize| -> Map<String, Value> {
        let why = match i % 3 {
            0 => format!("Number {i}: the deliveries were late"),
            1 => format!("Number {i}: friendly staff"),
            _ => format!("Number {i}: one delivery went missing"),
        };
        json!({"why": why, "vs": {"Zed Shop": {"Price": 4}, "Alpha Mart": {"Price": null}}})
            .as_object()
            .unwrap()
            .clone()
    };
    // One at a time, so that the submission order is the time order.
    for i in 0..45 {
        submit_all(
            &app,
            &id,
            vec![(answer(i), if i < 40 { "api" } else { "link" }, None)],
        );
    }

    let (status, first) = page(&app, &format!("/surveys/{id}/responses"));
    assert_eq!(status, Status::Ok);
    let answers = texts(&first, "article .answer");
    assert_eq!(answers.len(), 20);
    assert!(answers[0].starts_with("Number 44:"), "{answers:?}");
    assert!(answers[19].starts_with("Number 25:"));
    let grid = texts(&first, "article .grid-answer li");
    assert_eq!(grid[0], "Zed Shop (us): Price: 4");
    assert_eq!(grid[1], "Alpha Mart: Price: don't know");
    let html = Html::parse_document(&first);
    let older = Selector::parse("a.button").unwrap();
    let next = html
        .select(&older)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    let (_, second) = page(&app, &next);
    assert!(texts(&second, "article .answer")[0].starts_with("Number 24:"));
    let next = Html::parse_document(&second)
        .select(&older)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    let (_, third) = page(&app, &next);
    assert_eq!(texts(&third, "article .answer").len(), 5);
    assert!(
        texts(&third, "a.button").is_empty(),
        "no page after the last"
    );

    // "delivery" finds "deliveries" too, and marks both forms.
    let (_, found) = page(&app, &format!("/surveys/{id}/responses?word=delivery"));
    let answers = texts(&found, "article .answer");
    assert_eq!(answers.len(), 20);
    assert!(answers.iter().all(|a| a.contains("deliver")), "{answers:?}");
    let marks = texts(&found, "article mark");
    assert!(
        marks.contains(&"deliveries".to_string()) && marks.contains(&"delivery".to_string()),
        "{marks:?}"
    );
    assert!(
        found.contains("value=\"delivery\""),
        "the word stays in the form"
    );

    let (_, open) = page(&app, &format!("/surveys/{id}/responses?channel=open"));
    assert_eq!(texts(&open, "article .answer").len(), 5);
    let (_, none) = page(&app, &format!("/surveys/{id}/responses?word=parking"));
    assert!(none.contains("No response matches."));

    for (query, field) in [
        ("?from=yesterday", "from"),
        ("?channel=fax", "channel"),
        ("?colour=red", "colour"),
    ] {
        let (status, body) = page(&app, &format!("/surveys/{id}/responses{query}"));
        assert_eq!(status, Status::UnprocessableEntity, "{query}");
        assert!(
            body.contains(&format!("{}: ", capitalized(field))),
            "{query}: the message names {field}"
        );
    }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
