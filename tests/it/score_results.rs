//! The results page of a scored questionnaire (the built-in self-assessment): the mean score
//! against its range, responses per band and each section's mean, worked out by hand for known
//! answers, narrowed by a segment, and in a Dutch member's language.

use hearken::auth::Role;
use rocket::http::Status;
use scraper::{Html, Selector};
use serde_json::{Map, Value, json};

use crate::TestApp;
use crate::result_pages::{page, signed_in};
use crate::results::submit_all;
use crate::surveys::post;

/// The self-assessment, published by a new designer; its id and its rating questions' ids.
fn self_assessment(app: &TestApp) -> (String, Vec<String>) {
    let (_, token) = app.user_with_token(Role::Designer);
    let (status, survey) = post(
        app,
        &token,
        "/api/v1/surveys?template=self-assessment",
        &json!({}),
    );
    assert_eq!(status, Status::Created, "{survey}");
    let id = survey["id"].as_str().unwrap().to_string();
    let (status, body) = post(
        app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok, "{body}");
    let ratings = survey["questions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["kind"] == "rating")
        .map(|q| q["id"].as_str().unwrap().to_string())
        .collect();
    (id, ratings)
}

/// Every statement rated `rating`.
fn all_rated(ratings: &[String], rating: i64) -> Map<String, Value> {
    ratings
        .iter()
        .map(|id| (id.clone(), json!(rating)))
        .collect()
}

/// The rows of the score card's tables, cells joined by a space.
fn table_rows(body: &str) -> Vec<String> {
    let html = Html::parse_document(body);
    let (row, cell) = (
        Selector::parse("#score table tbody tr").unwrap(),
        Selector::parse("th, td").unwrap(),
    );
    html.select(&row)
        .map(|r| {
            r.select(&cell)
                .map(|c| c.text().collect::<String>())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn texts(body: &str, css: &str) -> Vec<String> {
    let html = Html::parse_document(body);
    let selector = Selector::parse(css).unwrap();
    html.select(&selector)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn the_score_card_shows_the_mean_the_bands_and_each_sections_mean() {
    let app = TestApp::new();
    let (id, ratings) = self_assessment(&app);
    // Seven sections: totals 35 (an asset), 21 (needs improvement) and 14 (losing customers).
    submit_all(
        &app,
        &id,
        vec![
            (all_rated(&ratings, 5), "api", None),
            (all_rated(&ratings, 3), "link", None),
            (all_rated(&ratings, 2), "link", None),
        ],
    );
    signed_in(&app, Role::Analyst);
    let path = format!("/surveys/{id}/results");
    let (status, body) = page(&app.client, &path);
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(
        texts(&body, "#score .card-meta"),
        ["Scored for 3 responses"]
    );
    assert_eq!(
        texts(&body, "#score .score-mean"),
        ["23.3 mean score, out of 35"]
    );
    assert!(body.contains("from 7 to 35."), "{body}");
    let rows = table_rows(&body);
    assert_eq!(rows.len(), 3 + 7, "{rows:?}");
    assert_eq!(rows[0], "Asset 1 33%");
    assert_eq!(rows[1], "Needs improvement 1 33%");
    assert_eq!(rows[2], "Losing customers 1 33%");
    // Every section was rated 5, 3 and 2: a mean of 3.3.
    assert!(
        rows[3..].iter().all(|row| row.ends_with(" 3.3")),
        "{rows:?}"
    );

    // Narrowed to the open link: the two lower scores.
    let (_, narrowed) = page(&app.client, &format!("{path}?channel=open"));
    assert_eq!(
        texts(&narrowed, "#score .score-mean"),
        ["17.5 mean score, out of 35"]
    );
    let rows = table_rows(&narrowed);
    assert_eq!(rows[0], "Asset 0 0%");

    // A Dutch member reads the same card in Dutch, with a decimal comma.
    app.execute("UPDATE users SET language = 'nl'");
    let (_, dutch) = page(&app.client, &path);
    assert_eq!(texts(&dutch, "#score .card-meta"), ["Score van 3 reacties"]);
    assert_eq!(
        texts(&dutch, "#score .score-mean"),
        ["23,3 gemiddelde score, op een maximum van 35"]
    );
    assert!(dutch.contains("Troef"), "{dutch}");
}

#[test]
fn a_questionnaire_without_a_score_has_no_score_card() {
    let app = TestApp::new();
    let (_, id) = crate::result_pages::published(&app, "Plain", crate::surveys::all_kinds());
    signed_in(&app, Role::Analyst);
    let (_, body) = page(&app.client, &format!("/surveys/{id}/results"));
    assert!(!body.contains("id=\"score\""), "{body}");
}
