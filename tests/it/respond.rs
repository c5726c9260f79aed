//! Respondent pages: the open link and the personal link, errors beside the question with the
//! typed answers kept, save and resume, one response per form and per invitation, polite pages
//! for closed and unknown surveys, the survey's language, and the self-assessment score.

use hearken::auth::Role;
use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::Client;
use serde_json::json;

use crate::surveys::{get, patch, post, published, survey_body};
use crate::{TestApp, form, hidden_value};

/// The page at `path`, after the redirect a personal link makes to its token-free address.
pub fn follow<'c>(client: &'c Client, path: &str) -> rocket::local::blocking::LocalResponse<'c> {
    let response = client.get(path.to_string()).dispatch();
    if response.status() != Status::SeeOther || !path.starts_with("/r/") {
        return response;
    }
    let location = response
        .headers()
        .get_one("Location")
        .expect("a redirect has a Location")
        .to_string();
    assert!(location.starts_with("/r/i/"), "{location}");
    client.get(location).dispatch()
}

/// The page at `path` and its form's hidden fields.
pub fn open_form(client: &Client, path: &str) -> (String, String, String) {
    let page = follow(client, path);
    assert_eq!(page.status(), Status::Ok, "{path}");
    let html = page.into_string().unwrap();
    let csrf = hidden_value(&html, "csrf").expect("csrf field");
    let submission = hidden_value(&html, "submission").expect("submission field");
    (html, csrf, submission)
}

pub fn send(
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (Status, Option<String>, String) {
    let response = client
        .post(path.to_string())
        .header(ContentType::Form)
        .body(form(fields))
        .dispatch();
    let status = response.status();
    let location = response.headers().get_one("Location").map(str::to_string);
    (status, location, response.into_string().unwrap_or_default())
}

/// Answers `survey`'s one long-text question `question` through a new personal link for
/// `contact`; the address of the thank-you page.
pub fn answer_by_link(
    app: &TestApp,
    survey: &str,
    question: &str,
    contact: &str,
    answer: &str,
) -> String {
    let link = app.invite(survey, Some(contact));
    let path = format!("/r/{link}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    let field = format!("q.{question}");
    let (status, location, _) = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            (&field, answer),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    location.expect("a thank-you address")
}

fn responses(app: &TestApp) -> i64 {
    app.count("responses")
}

#[test]
fn the_open_link_shows_every_question_with_a_label() {
    let app = TestApp::new();
    let (_, id) = published(&app);
    let (html, _, _) = open_form(&app.client, &format!("/s/{id}"));
    let document = scraper::Html::parse_document(&html);
    let select = |css: &str| scraper::Selector::parse(css).unwrap();
    assert_eq!(document.select(&select("html[lang=en]")).count(), 1);
    assert!(
        html.contains("Your answers help us improve"),
        "the intro is at the top"
    );
    let labels: Vec<String> = document
        .select(&select("label[for]"))
        .map(|l| l.value().attr("for").unwrap().to_string())
        .collect();
    for input in document.select(&select("input:not([type=hidden]), textarea, select")) {
        let id = input.value().attr("id").expect("every input has an id");
        assert!(labels.iter().any(|l| l == id), "input #{id} has no label");
    }
    for name in [
        "q.name",
        "q.improve",
        "q.channel",
        "q.channel.other",
        "q.topics",
        "q.speed",
        "q.recommend",
        "q.priorities.0",
        "q.versus.0.0",
        "q.versus.2.1",
    ] {
        assert!(html.contains(&format!("name=\"{name}\"")), "{name} missing");
    }
}

#[test]
fn a_missing_answer_keeps_what_was_typed_and_then_completes() {
    let app = TestApp::new();
    let (token, id) = published(&app);
    let path = format!("/s/{id}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    let (status, _, html) = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.name", "Zoë <b>Kovačič</b>"),
            ("q.speed", "4"),
            ("q.topics", "Billing"),
            ("q.topics", "Returns"),
            ("q.channel", "__other__"),
            ("q.channel.other", "Letter"),
        ],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    let document = scraper::Html::parse_document(&html);
    let error = scraper::Selector::parse("#q-improve .field-error").unwrap();
    assert_eq!(
        document
            .select(&error)
            .next()
            .map(|e| e.text().collect::<String>()),
        Some("Please answer this question.".into())
    );
    assert!(
        html.contains("value=\"Zoë &lt;b&gt;Kovačič&lt;/b&gt;\""),
        "typed text kept, escaped"
    );
    assert!(
        html.contains("id=\"q-speed-4\" name=\"q.speed\" value=\"4\" checked"),
        "the chosen rating stays chosen"
    );
    assert!(html.contains("value=\"Letter\""), "the other text is kept");
    assert_eq!(
        hidden_value(&html, "submission").as_deref(),
        Some(submission.as_str()),
        "the same form key"
    );
    assert!(
        html.contains("4 of 8 questions answered"),
        "progress counts the kept answers"
    );
    assert_eq!(responses(&app), 0);

    let (status, location, _) = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.name", "Zoë"),
            ("q.improve", "Answer the phone"),
            ("q.priorities.0", "2"),
            ("q.priorities.1", "1"),
            ("q.priorities.2", "3"),
            ("q.versus.0.0", "5"),
            ("q.versus.0.1", "dk"),
            ("q.versus.1.0", "3"),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    let location = location.unwrap();
    assert!(location.starts_with(&format!("/s/{id}/thanks/")));
    let thanks = app.client.get(location).dispatch();
    assert_eq!(thanks.status(), Status::Ok);
    assert!(
        thanks
            .into_string()
            .unwrap()
            .contains("Your feedback goes straight to our team.")
    );

    let (_, list) = get(&app, &token, &format!("/api/v1/surveys/{id}/responses"));
    let answers = &list["items"][0]["answers"];
    assert_eq!(
        answers["priorities"],
        json!(["Speed", "Price", "Friendliness"])
    );
    assert_eq!(
        answers["versus"]["Us"],
        json!({"Price": 5, "Quality": null})
    );
    assert_eq!(answers["versus"]["ShopCo"], json!({"Price": 3}));
    assert_eq!(
        answers["versus"].get("BuyMart"),
        None,
        "cells left empty are not \"don't know\""
    );
}

#[test]
fn the_same_form_sent_twice_stores_one_response() {
    let app = TestApp::new();
    let (_, id) = published(&app);
    let path = format!("/s/{id}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    let fields = [
        ("csrf", csrf.as_str()),
        ("submission", submission.as_str()),
        ("q.improve", "Shorter queues"),
    ];
    let first = send(&app.client, &path, &fields);
    let second = send(&app.client, &path, &fields);
    assert_eq!(first.0, Status::SeeOther);
    assert_eq!(first.1, second.1, "a replay gets the same thank-you page");
    assert_eq!(responses(&app), 1);

    let changed = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.improve", "Something else"),
        ],
    );
    assert_eq!(
        changed.0,
        Status::UnprocessableEntity,
        "same key, other answers"
    );
    assert_eq!(responses(&app), 1);

    // Twenty at once (a proxy retrying, an impatient finger).
    let (_, csrf, submission) = open_form(&app.client, &path);
    let figment = app.client.rocket().figment().clone();
    let cookies: Vec<_> = app
        .client
        .cookies()
        .iter()
        .map(|c| c.clone().into_owned())
        .collect();
    let body = form(&[
        ("csrf", &csrf),
        ("submission", &submission),
        ("q.improve", "Parallel"),
    ]);
    let statuses: Vec<Status> = rocket::async_test(async move {
        let client = rocket::local::asynchronous::Client::untracked(hearken::build(figment))
            .await
            .unwrap();
        let sends = (0..20).map(|_| {
            let mut request = client
                .post(path.clone())
                .header(ContentType::Form)
                .body(body.clone());
            for cookie in &cookies {
                request = request.cookie(cookie.clone());
            }
            request.dispatch()
        });
        rocket::futures::future::join_all(sends)
            .await
            .iter()
            .map(|r| r.status())
            .collect()
    });
    assert!(
        statuses.iter().all(|s| *s == Status::SeeOther),
        "{statuses:?}"
    );
    assert_eq!(responses(&app), 2);
}

#[test]
fn a_personal_link_saves_resumes_and_never_answers_twice() {
    let app = TestApp::new();
    let (token, id) = published(&app);
    let invitation = app.invite(&id, Some("contact-1"));
    let path = format!("/r/{invitation}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    let saved = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("action", "save"),
            ("q.name", "Anna Öberg"),
            ("q.speed", "2"),
        ],
    );
    assert_eq!(saved.0, Status::SeeOther);
    let resume = saved.1.unwrap();
    assert!(
        resume.starts_with("/r/i/") && resume.ends_with("?saved=true"),
        "saving moves to the token-free address: {resume}"
    );
    assert!(!resume.contains(&invitation));
    assert_eq!(responses(&app), 0, "saving is not submitting");

    let resumed = app.client.get(resume).dispatch().into_string().unwrap();
    assert!(resumed.contains("Your answers are saved"), "{resumed}");
    assert!(resumed.contains("value=\"Anna Öberg\""));
    let browser = crate::TestApp::with_client_of(&app);
    let (fresh, _, _) = open_form(&browser.client, &path);
    assert!(
        fresh.contains("value=\"Anna Öberg\""),
        "the draft follows the link, not the browser"
    );

    let (_, csrf, submission) = open_form(&app.client, &path);
    let done = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.name", "Anna"),
            ("q.improve", "Call back"),
        ],
    );
    assert_eq!(done.0, Status::SeeOther);
    assert_eq!(responses(&app), 1);
    assert_eq!(
        app.count("response_drafts"),
        0,
        "the draft is gone once answered"
    );

    let again = follow(&app.client, &path);
    assert_eq!(again.status(), Status::Ok);
    assert!(again.into_string().unwrap().contains("already answered"));
    let other_key = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", "another-form"),
            ("q.improve", "Again"),
        ],
    );
    assert!(other_key.2.contains("already answered"));
    assert_eq!(responses(&app), 1);

    let (_, list) = get(&app, &token, &format!("/api/v1/surveys/{id}/responses"));
    assert_eq!(list["items"][0]["contact_id"], "contact-1");
}

#[test]
fn fifty_parallel_posts_on_one_personal_link_store_one_response() {
    let app = TestApp::new();
    let (_, id) = published(&app);
    let invitation = app.invite(&id, None);
    let path = format!("/r/{invitation}");
    let (_, csrf, _) = open_form(&app.client, &path);
    let figment = app.client.rocket().figment().clone();
    let cookies: Vec<_> = app
        .client
        .cookies()
        .iter()
        .map(|c| c.clone().into_owned())
        .collect();
    let statuses: Vec<Status> = rocket::async_test(async move {
        let client = rocket::local::asynchronous::Client::untracked(hearken::build(figment))
            .await
            .unwrap();
        let sends = (0..50).map(|i| {
            let body = form(&[
                ("csrf", &csrf),
                ("submission", &format!("form-{i}")),
                ("q.improve", "Race"),
            ]);
            let mut request = client
                .post(path.clone())
                .header(ContentType::Form)
                .body(body);
            for cookie in &cookies {
                request = request.cookie(cookie.clone());
            }
            request.dispatch()
        });
        rocket::futures::future::join_all(sends)
            .await
            .iter()
            .map(|r| r.status())
            .collect()
    });
    assert!(statuses.iter().all(|s| s.code < 500), "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == Status::SeeOther).count(),
        1
    );
    assert_eq!(responses(&app), 1);
}

#[test]
fn one_response_per_invitation_is_enforced_by_the_schema() {
    let app = TestApp::new();
    let (_, id) = published(&app);
    app.invite(&id, None);
    let now = app.minutes_ago(0);
    app.execute("UPDATE invitations SET id = 'inv-1'");
    let insert = |key: &str| {
        use diesel::connection::SimpleConnection;
        let mut conn = app.db().conn().unwrap();
        conn.batch_execute(&format!(
            "INSERT INTO responses (id, survey_id, invitation_id, submission_key, payload_digest, channel, submitted_at) \
             VALUES ('{key}', '{id}', 'inv-1', '{key}', 'd', 'invitation', {now})"
        ))
    };
    assert!(insert("r1").is_ok());
    assert!(
        insert("r2").is_err(),
        "a second response for one invitation"
    );
    let open = |key: &str| {
        use diesel::connection::SimpleConnection;
        let mut conn = app.db().conn().unwrap();
        conn.batch_execute(&format!(
            "INSERT INTO responses (id, survey_id, submission_key, payload_digest, channel, submitted_at) VALUES ('{key}', '{id}', '{key}', 'd', 'link', {now})"
        ))
    };
    assert!(
        open("l1").is_ok() && open("l2").is_ok(),
        "open-link answers have no invitation"
    );
}

#[test]
fn closed_unknown_and_future_surveys_get_polite_pages() {
    let app = TestApp::new();
    let (token, id) = published(&app);
    assert_eq!(
        post(
            &app,
            &token,
            &format!("/api/v1/surveys/{id}/close"),
            &json!({})
        )
        .0,
        Status::Ok
    );
    let closed = app.client.get(format!("/s/{id}")).dispatch();
    assert_eq!(closed.status(), Status::Ok);
    assert!(
        closed
            .into_string()
            .unwrap()
            .contains("This survey is closed")
    );

    let unknown = app.client.get("/s/no-such-survey").dispatch();
    assert_eq!(unknown.status(), Status::NotFound);
    assert!(unknown.into_string().unwrap().contains("Survey not found"));
    assert_eq!(
        app.client.get("/r/not-a-token").dispatch().status(),
        Status::NotFound
    );

    let (_, draft) = post(&app, &token, "/api/v1/surveys", &survey_body("Draft"));
    assert_eq!(
        app.client
            .get(format!("/s/{}", draft["id"].as_str().unwrap()))
            .dispatch()
            .status(),
        Status::NotFound
    );

    let mut later = survey_body("Later");
    later["opens_at"] = json!("2099-01-01T09:00:00Z");
    later["language"] = json!("de");
    let (_, future) = post(&app, &token, "/api/v1/surveys", &later);
    let future_id = future["id"].as_str().unwrap();
    post(
        &app,
        &token,
        &format!("/api/v1/surveys/{future_id}/publish"),
        &json!({}),
    );
    let page = app.client.get(format!("/s/{future_id}")).dispatch();
    assert_eq!(page.status(), Status::Ok);
    let html = page.into_string().unwrap();
    assert!(
        html.contains("lang=\"de\"") && html.contains("2099-01-01"),
        "{html}"
    );
}

#[test]
fn the_survey_language_picks_every_respondent_string() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    for language in ["nl", "sk", "sv", "af", "fr", "sl", "de"] {
        let mut body = survey_body("Taal");
        body["language"] = json!(language);
        let (_, survey) = post(&app, &token, "/api/v1/surveys", &body);
        let id = survey["id"].as_str().unwrap();
        post(
            &app,
            &token,
            &format!("/api/v1/surveys/{id}/publish"),
            &json!({}),
        );
        let (html, csrf, submission) = open_form(&app.client, &format!("/s/{id}"));
        assert!(html.contains(&format!("<html lang=\"{language}\"")));
        let catalog = hearken::i18n::catalog(language);
        assert!(
            html.contains(catalog.get("submit")),
            "{language}: the button is translated"
        );
        assert_ne!(
            catalog.get("submit"),
            hearken::i18n::catalog("en").get("submit")
        );
        let (_, _, error) = send(
            &app.client,
            &format!("/s/{id}"),
            &[("csrf", &csrf), ("submission", &submission)],
        );
        assert!(
            error.contains(catalog.get("error_required")),
            "{language}: errors are translated"
        );
        assert_ne!(
            catalog.get("error_required"),
            hearken::i18n::catalog("en").get("error_required")
        );
    }
}

#[test]
fn a_self_assessment_shows_its_score_and_band() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let (_, survey) = post(
        &app,
        &token,
        "/api/v1/surveys?template=self-assessment",
        &json!({}),
    );
    let id = survey["id"].as_str().unwrap();
    let (status, body) = post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok, "{body}");
    let questions: Vec<String> = survey["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| format!("q.{}", q["id"].as_str().unwrap()))
        .collect();
    let path = format!("/s/{id}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    let mut fields = vec![("csrf", csrf.as_str()), ("submission", submission.as_str())];
    fields.extend(questions.iter().map(|q| (q.as_str(), "4")));
    let (status, location, _) = send(&app.client, &path, &fields);
    assert_eq!(status, Status::SeeOther);
    let thanks = app
        .client
        .get(location.unwrap())
        .dispatch()
        .into_string()
        .unwrap();
    assert!(thanks.contains("28.00"), "{thanks}");
    assert!(thanks.contains("asset"), "the band in words: {thanks}");

    let (_, list) = get(&app, &token, &format!("/api/v1/surveys/{id}/responses"));
    let score = &list["items"][0]["score"];
    assert_eq!(score["total"], json!(28.0));
    assert_eq!(score["band"], "asset");
    assert_eq!(score["sections"].as_array().unwrap().len(), 7);
}

#[test]
fn respondent_forms_refuse_forgeries_and_oversized_posts() {
    let app = TestApp::new();
    let (_, id) = published(&app);
    let path = format!("/s/{id}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    let no_token = send(
        &app.client,
        &path,
        &[("submission", &submission), ("q.improve", "x")],
    );
    assert_eq!(no_token.0, Status::Forbidden);
    let evil = app
        .client
        .post(path.clone())
        .header(ContentType::Form)
        .header(Header::new("Origin", "https://evil.example"))
        .body(form(&[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.improve", "x"),
        ]))
        .dispatch();
    assert_eq!(evil.status(), Status::Forbidden);

    let huge = "x".repeat(1024 * 1024);
    assert_eq!(
        send(&app.client, &path, &[("csrf", &csrf), ("q.improve", &huge)]).0,
        Status::PayloadTooLarge
    );
    let many: String = (0..100_000).map(|i| format!("&f{i}=1")).collect();
    let flood = app
        .client
        .post(path.clone())
        .header(ContentType::Form)
        .body(format!("csrf={csrf}{many}"))
        .dispatch();
    assert_eq!(flood.status(), Status::PayloadTooLarge);
    assert_eq!(responses(&app), 0);

    // Extra and duplicated fields: server-controlled values cannot be set, the first copy wins.
    let (status, location, _) = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.improve", "first"),
            ("q.improve", "second"),
            ("survey_id", "other"),
            ("submitted_at", "1999-01-01"),
            ("score", "35"),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    assert!(location.unwrap().starts_with(&format!("/s/{id}/thanks/")));
    let (_, list) = get(
        &app,
        &app.token(&app.add_user("reader@example.com", Role::Analyst)),
        &format!("/api/v1/surveys/{id}/responses"),
    );
    assert_eq!(list["items"][0]["answers"]["improve"], "first");
    assert!(list["items"][0].get("score").is_none());
}

#[test]
fn staff_text_is_escaped_on_respondent_pages() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let payload = "\"><img src=x onerror=alert(1)>{{7*7}}";
    let body = json!({
        "title": payload, "intro": payload, "thank_you": payload,
        "questions": [
            {"id": "q", "kind": "single_choice", "prompt": payload, "help": payload, "options": [payload, "B"], "other": true},
            {"id": "t", "kind": "text", "prompt": "Why?"},
            {"id": "r", "kind": "rating", "prompt": "Rate", "section": payload, "scale": {"min": 1, "max": 5, "min_label": payload, "max_label": payload}},
            {"id": "c", "kind": "competitor", "prompt": "Compare", "brands": [payload, "Them"], "attributes": [payload], "scale": {"min": 1, "max": 5, "min_label": payload, "max_label": payload}},
            {"id": "k", "kind": "ranking", "prompt": "Rank", "options": [payload, "Two"]}
        ]
    });
    let (status, survey) = post(&app, &token, "/api/v1/surveys", &body);
    assert_eq!(status, Status::Created, "{survey}");
    let id = survey["id"].as_str().unwrap();
    assert_eq!(
        post(
            &app,
            &token,
            &format!("/api/v1/surveys/{id}/publish"),
            &json!({})
        )
        .0,
        Status::Ok
    );
    let (html, csrf, submission) = open_form(&app.client, &format!("/s/{id}"));
    let document = scraper::Html::parse_document(&html);
    assert_eq!(
        document
            .select(&scraper::Selector::parse("img").unwrap())
            .count(),
        0
    );
    let text: String = document.root_element().text().collect();
    assert!(text.contains("{{7*7}}"), "the payload is shown as text");
    assert!(
        !text.contains("49"),
        "no template expression from data was evaluated"
    );
    let (_, location, _) = send(
        &app.client,
        &format!("/s/{id}"),
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q", "__other__"),
            ("q.other", payload),
        ],
    );
    let thanks = app
        .client
        .get(location.unwrap())
        .dispatch()
        .into_string()
        .unwrap();
    assert_eq!(
        scraper::Html::parse_document(&thanks)
            .select(&scraper::Selector::parse("img").unwrap())
            .count(),
        0
    );
    let _ = patch;
}

#[test]
fn templates_never_switch_escaping_off() {
    for entry in std::fs::read_dir("templates/web").unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("{{{"),
            "{} uses a triple-stash",
            path.display()
        );
        assert!(
            !text.contains("={{"),
            "{} has an unquoted attribute value",
            path.display()
        );
    }
    // Nothing in the code switches escaping off or replaces the escape function.
    let mut sources = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                sources.push(path);
            }
        }
    }
    for path in sources {
        let text = std::fs::read_to_string(&path).unwrap();
        for forbidden in ["register_escape_fn", "no_escape", "set_strict_mode(false)"] {
            assert!(
                !text.contains(forbidden),
                "{} uses {forbidden}",
                path.display()
            );
        }
    }
    let registry = rocket_dyn_templates::handlebars::Handlebars::new();
    let escaped = registry
        .render_template("{{x}}", &json!({"x": "<>&\"'"}))
        .unwrap();
    for raw in ['<', '>', '"', '\''] {
        assert!(!escaped.contains(raw), "{raw} is not escaped: {escaped}");
    }
}

#[test]
fn a_multi_line_answer_comes_back_unchanged_after_an_error() {
    let app = TestApp::new();
    let mut body = survey_body("Lines");
    body["questions"] = json!([
        {"id": "story", "kind": "long_text", "prompt": "Tell us what happened."},
        {"id": "must", "kind": "text", "prompt": "Your order number", "required": true}
    ]);
    let (_, token) = app.user_with_token(Role::Designer);
    let (_, survey) = post(&app, &token, "/api/v1/surveys", &body);
    let id = survey["id"].as_str().unwrap();
    post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    let path = format!("/s/{id}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    let story = "First line\nSecond line\n  indented third";
    let (status, _, html) = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.story", story),
        ],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    let document = scraper::Html::parse_document(&html);
    let area = scraper::Selector::parse("#q-story-input").unwrap();
    let kept: String = document.select(&area).next().unwrap().text().collect();
    assert_eq!(kept, story);
}

#[test]
fn a_browser_encoded_form_is_read_as_typed() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let mut body = survey_body("Spaces");
    body["questions"] = json!([
        {"id": "improve", "kind": "long_text", "prompt": "What should we improve first?"},
        {"id": "place", "kind": "single_choice", "prompt": "Where did you buy?", "options": ["In the shop", "Online"]},
        {"id": "topics", "kind": "multi_choice", "prompt": "Which topics?", "options": ["Late delivery", "Wrong size"]}
    ]);
    let (_, survey) = post(&app, &token, "/api/v1/surveys", &body);
    let id = survey["id"].as_str().unwrap();
    post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    let path = format!("/s/{id}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    // Exactly what a browser sends: spaces as '+', a literal '+' as %2B.
    let raw = format!(
        "csrf={csrf}&submission={submission}&q.improve=Answer+the+phone%2C+1%2B1+%C3%A0+la+fois&q.place=In+the+shop&q.topics=Late+delivery&q.topics=Wrong+size"
    );
    let response = app
        .client
        .post(path.clone())
        .header(ContentType::Form)
        .body(raw)
        .dispatch();
    assert_eq!(response.status(), Status::SeeOther);
    let (_, list) = get(&app, &token, &format!("/api/v1/surveys/{id}/responses"));
    let answers = &list["items"][0]["answers"];
    assert_eq!(answers["improve"], "Answer the phone, 1+1 à la fois");
    assert_eq!(answers["place"], "In the shop");
    assert_eq!(answers["topics"], json!(["Late delivery", "Wrong size"]));
}

#[test]
fn a_double_click_on_a_personal_link_shows_the_same_thank_you_page() {
    let app = TestApp::new();
    let (_, id) = published(&app);
    let invitation = app.invite(&id, None);
    let path = format!("/r/{invitation}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    let fields = [
        ("csrf", csrf.as_str()),
        ("submission", submission.as_str()),
        ("q.improve", "Once"),
    ];
    let first = send(&app.client, &path, &fields);
    let second = send(&app.client, &path, &fields);
    assert_eq!(first.0, Status::SeeOther);
    assert_eq!(second.0, Status::SeeOther);
    assert_eq!(first.1, second.1);
    assert_eq!(responses(&app), 1);
}

#[test]
fn a_refused_token_keeps_what_was_typed_and_stores_nothing() {
    let app = TestApp::new();
    let (_, id) = published(&app);
    let invitation = app.invite(&id, None);
    for path in [format!("/s/{id}"), format!("/r/{invitation}")] {
        let (_, _, submission) = open_form(&app.client, &path);
        for action in ["submit", "save"] {
            let (status, _, html) = send(
                &app.client,
                &path,
                &[
                    ("csrf", "a-stale-token"),
                    ("submission", &submission),
                    ("action", action),
                    ("q.improve", "Kept after all"),
                ],
            );
            assert_eq!(status, Status::Forbidden, "{path} {action}");
            assert!(
                html.contains("Kept after all"),
                "{path} {action}: the answer is shown again"
            );
            assert!(
                html.contains("This form has expired"),
                "{path} {action}: in the survey's language"
            );
            let fresh = hidden_value(&html, "csrf").unwrap();
            assert_eq!(
                fresh,
                crate::csrf_of(&app.client),
                "a working token to send again"
            );
        }
    }
    assert_eq!(responses(&app), 0);
    assert_eq!(app.count("response_drafts"), 0);
}

#[test]
fn closing_stops_answers_at_once_and_pages_within_a_second() {
    let app = TestApp::new();
    let (token, id) = published(&app);
    let path = format!("/s/{id}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    assert_eq!(
        post(
            &app,
            &token,
            &format!("/api/v1/surveys/{id}/close"),
            &json!({})
        )
        .0,
        Status::Ok
    );
    let (status, _, html) = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.improve", "Too late"),
        ],
    );
    assert_eq!(status, Status::Ok);
    assert!(html.contains("This survey is closed"), "{html}");
    assert_eq!(
        responses(&app),
        0,
        "nothing is stored once the survey is closed"
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let page = app.client.get(path).dispatch().into_string().unwrap();
    assert!(page.contains("This survey is closed"));
}
