//! What typed text may hold: control characters refused in survey texts and in answers (422
//! naming the field through the API, the error beside the question on the form, on SQLite and
//! PostgreSQL alike), and a competitor grid answered entirely "don't know" stored as an answer.

use hearken::auth::Role;
use rocket::http::Status;
use serde_json::{Value, json};

use crate::respond::{open_form, send};
use crate::surveys::{get, post, published, survey_body};
use crate::{TestApp, hidden_value};

fn refused_field(status: Status, body: &Value) -> String {
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["error"]["code"], "invalid_field", "{body}");
    body["error"]["field"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn survey_texts_refuse_control_characters_and_line_breaks_where_one_line_belongs() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let with = |change: &dyn Fn(&mut Value)| {
        let mut body = survey_body("Service check");
        change(&mut body);
        post(&app, &token, "/api/v1/surveys", &body)
    };
    let lottery = json!({"kind": "lottery", "lottery": {
        "prize": "A\u{0}bike", "winners": 1,
        "draw_at": "2030-01-01T00:00:00Z", "rules": "One per person."}});
    let cases = [
        ("title", "/title", json!("a\u{0}b")),
        ("title", "/title", json!("two\nlines")),
        ("title", "/title", json!("del\u{7f}")),
        ("intro", "/intro", json!("bell\u{7}")),
        ("thank_you", "/thank_you", json!("c\u{85}1")),
        (
            "questions[0].prompt",
            "/questions/0/prompt",
            json!("esc\u{1b}[31m"),
        ),
        ("questions[0].help", "/questions/0/help", json!("a\u{0}b")),
        (
            "questions[2].options[1]",
            "/questions/2/options/1",
            json!("E\nmail"),
        ),
        (
            "questions[4].scale.max_label",
            "/questions/4/scale/max_label",
            json!("fast\u{0}"),
        ),
        (
            "questions[7].brands[1]",
            "/questions/7/brands/1",
            json!("Shop\u{2028}Co"),
        ),
        (
            "questions[7].attributes[0]",
            "/questions/7/attributes/0",
            json!("Pri\u{0}ce"),
        ),
        ("incentive.lottery.prize", "/incentive", lottery),
    ];
    for (field, pointer, value) in cases {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let (status, body) = with(&|b: &mut Value| {
            let parent = b.pointer_mut(parent).unwrap();
            match key.parse::<usize>() {
                Ok(i) => parent[i] = value.clone(),
                Err(_) => parent[key] = value.clone(),
            }
        });
        assert_eq!(refused_field(status, &body), field, "{body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("control characters") || message.contains("one line"),
            "{message}"
        );
    }
    assert_eq!(app.count("surveys"), 0, "nothing half-written");

    // Several lines (and tabs) belong in the introduction, the thank-you text and help.
    let (status, body) = with(&|b| {
        b["intro"] = json!("First line.\r\nSecond line,\twith a tab.");
        b["thank_you"] = json!("Thanks!\n\nSee you.");
        b["questions"][0]["help"] = json!("Only your\nfirst name.");
    });
    assert_eq!(status, Status::Created, "{body}");
    assert_eq!(body["intro"], "First line.\r\nSecond line,\twith a tab.");
}

#[test]
fn answers_with_control_characters_are_refused_through_the_api() {
    let app = TestApp::new();
    let (token, id) = published(&app);
    let path = format!("/api/v1/surveys/{id}/responses");
    for (answers, field) in [
        (json!({"improve": "ok", "name": "a\u{0}b"}), "answers.name"),
        (
            json!({"improve": "ok", "name": "two\nlines"}),
            "answers.name",
        ),
        (json!({"improve": "a\u{1}b"}), "answers.improve"),
        (
            json!({"improve": "ok", "channel": "Let\u{0}ter"}),
            "answers.channel",
        ),
    ] {
        let (status, body) = post(&app, &token, &path, &json!({ "answers": answers }));
        assert_eq!(refused_field(status, &body), field, "{body}");
    }
    assert_eq!(app.count("responses"), 0);

    let (status, body) = post(
        &app,
        &token,
        &path,
        &json!({"answers": {"improve": "Shorter queues.\nFriendlier staff.\tThanks"}}),
    );
    assert_eq!(
        status,
        Status::Created,
        "a long answer may hold lines: {body}"
    );
}

#[test]
fn a_form_answer_with_a_nul_shows_the_error_beside_the_question_and_keeps_the_rest() {
    let app = TestApp::new();
    let (_, id) = published(&app);
    let path = format!("/s/{id}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    let (status, _, html) = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.name", "a\u{0}b"),
            ("q.improve", "Answer the phone"),
        ],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    let document = scraper::Html::parse_document(&html);
    let error = scraper::Selector::parse("#q-name .field-error").unwrap();
    assert_eq!(
        document
            .select(&error)
            .next()
            .map(|e| e.text().collect::<String>()),
        Some("Please remove the control characters or line breaks from this answer.".into())
    );
    assert!(
        html.contains("Answer the phone"),
        "the other answer is kept"
    );
    assert_eq!(
        hidden_value(&html, "submission").as_deref(),
        Some(submission.as_str())
    );
    assert_eq!(app.count("responses"), 0);
}

#[test]
fn a_grid_answered_entirely_dont_know_is_stored_and_counted() {
    let app = TestApp::new();
    let (token, id) = published(&app);
    let path = format!("/s/{id}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    let cells: Vec<String> = ["0.0", "0.1", "1.0", "1.1", "2.0", "2.1"]
        .iter()
        .map(|cell| format!("q.versus.{cell}"))
        .collect();
    let mut fields = vec![("csrf", csrf.as_str()), ("submission", submission.as_str())];
    fields.extend(cells.iter().map(|cell| (cell.as_str(), "dk")));
    // Without the required answer the form comes back: the grid counts as answered.
    let (status, _, html) = send(&app.client, &path, &fields);
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(html.contains("1 of 8 questions answered"), "{html}");
    assert!(
        html.contains("id=\"q-versus-0-1-dk\" name=\"q.versus.0.1\" value=\"dk\" checked"),
        "\"don't know\" stays chosen"
    );

    fields.push(("q.improve", "Nothing"));
    let (status, _, _) = send(&app.client, &path, &fields);
    assert_eq!(status, Status::SeeOther);
    assert_eq!(app.count("answers WHERE question_id = 'versus'"), 1);
    let (_, list) = get(&app, &token, &format!("/api/v1/surveys/{id}/responses"));
    let unknown = json!({"Price": null, "Quality": null});
    assert_eq!(
        list["items"][0]["answers"]["versus"],
        json!({"Us": unknown, "ShopCo": unknown, "BuyMart": unknown})
    );

    // An untouched grid is still no answer.
    let (_, csrf, submission) = open_form(&app.client, &path);
    let fields = [
        ("csrf", csrf.as_str()),
        ("submission", submission.as_str()),
        ("q.improve", "Skipped the grid"),
    ];
    assert_eq!(send(&app.client, &path, &fields).0, Status::SeeOther);
    assert_eq!(app.count("answers WHERE question_id = 'versus'"), 1);
}

#[test]
fn a_required_grid_may_be_answered_dont_know_through_the_api() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let mut body = survey_body("Versus");
    body["questions"][7]["required"] = json!(true);
    let (status, survey) = post(&app, &token, "/api/v1/surveys", &body);
    assert_eq!(status, Status::Created, "{survey}");
    let id = survey["id"].as_str().unwrap();
    let (status, body) = post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok, "{body}");
    let path = format!("/api/v1/surveys/{id}/responses");
    let given = |versus: &Value| json!({"answers": {"improve": "Nothing", "versus": versus}});
    let (status, body) = post(&app, &token, &path, &given(&json!({})));
    assert_eq!(
        refused_field(status, &body),
        "answers.versus",
        "an empty grid"
    );
    let answer = json!({"Us": {"Price": null, "Quality": null}, "ShopCo": {"Price": null}});
    let (status, body) = post(&app, &token, &path, &given(&answer));
    assert_eq!(status, Status::Created, "{body}");
    let (_, list) = get(&app, &token, &path);
    assert_eq!(list["items"][0]["answers"]["versus"], answer);
}

#[test]
fn the_survey_page_refuses_a_nul_in_the_title_beside_the_field() {
    let app = TestApp::new();
    app.add_user("designer@example.com", Role::Designer);
    assert_eq!(
        app.sign_in("designer@example.com", crate::PASSWORD),
        Status::SeeOther
    );
    let csrf = app.csrf();
    let created = app
        .client
        .post("/surveys")
        .header(rocket::http::ContentType::Form)
        .body(crate::form(&[
            ("csrf", &csrf),
            ("title", "First title"),
            ("language", "en"),
        ]))
        .dispatch();
    let location = created.headers().get_one("Location").unwrap().to_string();
    let details = app
        .client
        .post(format!("{location}/details"))
        .header(rocket::http::ContentType::Form)
        .body(crate::form(&[
            ("csrf", &csrf),
            ("title", "Bad\u{0}title"),
            ("intro", "Kept intro"),
        ]))
        .dispatch();
    assert_eq!(details.status(), Status::UnprocessableEntity);
    let body = details.into_string().unwrap();
    assert!(
        body.contains("Title: must not contain control characters (found U+0000)"),
        "{body}"
    );
    assert!(body.contains("Kept intro"), "what was typed is kept");
}
