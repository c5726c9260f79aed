//! The survey API: every question kind with its validation (422 naming the field path), lint,
//! publishing, the freeze on published questions, templates, ownership and the responses API.

use hearken::auth::Role;
use rocket::http::{ContentType, Header, Status};
use serde_json::{Value, json};

use crate::{TestApp, bearer};

pub fn all_kinds() -> Value {
    json!([
        {"id": "name", "kind": "text", "prompt": "What is your first name?", "max_length": 50},
        {"id": "improve", "kind": "long_text", "prompt": "What should we improve first?", "required": true},
        {"id": "channel", "kind": "single_choice", "prompt": "How did you contact us?", "options": ["Phone", "Email", "Chat"], "other": true},
        {"id": "topics", "kind": "multi_choice", "prompt": "Which topics were you asking about?", "options": ["Billing", "Delivery", "Returns"], "max_choices": 2},
        {"id": "speed", "kind": "rating", "prompt": "How quickly was your problem solved?", "scale": {"min": 1, "max": 5, "min_label": "Very slowly", "max_label": "Very quickly"}},
        {"id": "recommend", "kind": "nps", "prompt": "How likely are you to recommend us to a friend?"},
        {"id": "priorities", "kind": "ranking", "prompt": "Rank what matters most to you.", "options": ["Price", "Speed", "Friendliness"]},
        {"id": "versus", "kind": "competitor", "prompt": "How do we compare with other shops?", "brands": ["Us", "ShopCo", "BuyMart"], "attributes": ["Price", "Quality"]}
    ])
}

pub fn survey_body(title: &str) -> Value {
    json!({
        "title": title,
        "intro": "Your answers help us improve our service, so that we can fix what matters to you.",
        "thank_you": "Thank you! Your feedback goes straight to our team.",
        "language": "en",
        "questions": all_kinds(),
    })
}

pub fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> (Status, Value) {
    let response = app
        .client
        .post(path.to_string())
        .header(bearer(token))
        .header(ContentType::JSON)
        .body(body.to_string())
        .dispatch();
    let status = response.status();
    let text = response.into_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub fn get(app: &TestApp, token: &str, path: &str) -> (Status, Value) {
    let response = app
        .client
        .get(path.to_string())
        .header(bearer(token))
        .dispatch();
    let status = response.status();
    let text = response.into_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub fn patch(app: &TestApp, token: &str, path: &str, body: &Value) -> (Status, Value) {
    let response = app
        .client
        .patch(path.to_string())
        .header(bearer(token))
        .header(ContentType::JSON)
        .body(body.to_string())
        .dispatch();
    let status = response.status();
    let text = response.into_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A published survey with every kind of question; returns (designer token, survey id).
pub fn published(app: &TestApp) -> (String, String) {
    let (_, token) = app.user_with_token(Role::Designer);
    let (status, survey) = post(
        app,
        &token,
        "/api/v1/surveys",
        &survey_body("Service check"),
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
    (token, id)
}

#[test]
fn a_survey_with_every_kind_round_trips() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let (status, created) = post(&app, &token, "/api/v1/surveys", &survey_body("Every kind"));
    assert_eq!(status, Status::Created, "{created}");
    assert_eq!(created["status"], "draft");
    assert!(created.get("open_link").is_none(), "drafts have no link");
    let questions = created["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 8);
    let kinds: Vec<&str> = questions
        .iter()
        .map(|q| q["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "text",
            "long_text",
            "single_choice",
            "multi_choice",
            "rating",
            "nps",
            "ranking",
            "competitor"
        ]
    );
    assert_eq!(
        questions[7]["scale"],
        json!({"min": 1, "max": 5}),
        "competitor scale defaults to 1–5"
    );
    assert_eq!(questions[2]["other"], true);

    let id = created["id"].as_str().unwrap();
    let (status, fetched) = get(&app, &token, &format!("/api/v1/surveys/{id}"));
    assert_eq!(status, Status::Ok);
    assert_eq!(fetched["questions"], created["questions"]);

    let (status, list) = get(&app, &token, "/api/v1/surveys");
    assert_eq!(status, Status::Ok);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["next"].is_null());
}

#[test]
fn invalid_surveys_are_422_naming_the_field_and_nothing_is_written() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let with_question = |question: Value| json!({"title": "T", "questions": [ {"kind": "text", "prompt": "Fine?"}, question ]});
    let cases: Vec<(Value, &str)> = vec![
        (json!({"title": "T", "status": "open"}), "status"),
        (json!({"title": "T", "owner_id": "someone"}), "owner_id"),
        (json!({"title": ""}), "title"),
        (json!({"intro": "no title"}), "title"),
        (json!({"title": "T", "language": "xx"}), "language"),
        (
            with_question(
                json!({"kind": "single_choice", "prompt": "Pick", "options": ["A", "a"]}),
            ),
            "questions[1].options[1]",
        ),
        (
            with_question(json!({"kind": "single_choice", "prompt": "Pick", "options": []})),
            "questions[1].options",
        ),
        (
            with_question(json!({"kind": "multi_choice", "prompt": "Pick", "options": ["A", ""]})),
            "questions[1].options[1]",
        ),
        (
            with_question(
                json!({"kind": "multi_choice", "prompt": "Pick", "options": ["A", "B"], "max_choices": 3}),
            ),
            "questions[1].max_choices",
        ),
        (
            with_question(
                json!({"kind": "rating", "prompt": "Rate", "scale": {"min": 5, "max": 1}}),
            ),
            "questions[1].scale",
        ),
        (
            with_question(
                json!({"kind": "competitor", "prompt": "Compare", "brands": ["Us"], "attributes": ["Price"]}),
            ),
            "questions[1].brands",
        ),
        (
            with_question(
                json!({"kind": "competitor", "prompt": "Compare", "brands": ["Us", "Them"], "attributes": []}),
            ),
            "questions[1].attributes",
        ),
        (
            with_question(json!({"kind": "text", "prompt": "Name", "options": ["A", "B"]})),
            "questions[1].options",
        ),
        (
            with_question(json!({"kind": "slider", "prompt": "Slide"})),
            "questions[1].kind",
        ),
        (
            with_question(json!({"kind": "text", "prompt": "  "})),
            "questions[1].prompt",
        ),
        (
            with_question(json!({"kind": "text", "prompt": "Hi", "colour": "red"})),
            "questions[1].colour",
        ),
        (
            with_question(json!({"kind": "text", "prompt": "Hi", "options": "A"})),
            "questions[1].options",
        ),
    ];
    for (body, field) in cases {
        let (status, error) = post(&app, &token, "/api/v1/surveys", &body);
        assert_eq!(status, Status::UnprocessableEntity, "{body} → {error}");
        let reported = error["error"]["field"].as_str().unwrap_or_default();
        let message = error["error"]["message"].as_str().unwrap_or_default();
        assert!(
            reported == field || message.contains(field),
            "{body}: expected {field}, got {error}"
        );
    }
    assert_eq!(app.count("surveys"), 0);
    assert_eq!(app.count("questions"), 0);
}

#[test]
fn lint_hints_and_publishing() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let body = json!({
        "title": "Quick check",
        "questions": [
            {"id": "q1", "kind": "rating", "prompt": "Don't you agree that our service is great?"},
            {"id": "q2", "kind": "rating", "prompt": "How satisfied are you with our prices and our delivery?"}
        ]
    });
    let (_, survey) = post(&app, &token, "/api/v1/surveys", &body);
    let id = survey["id"].as_str().unwrap();
    let (status, lint) = get(&app, &token, &format!("/api/v1/surveys/{id}/lint"));
    assert_eq!(status, Status::Ok);
    let codes: Vec<&str> = lint["hints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["code"].as_str().unwrap())
        .collect();
    for code in [
        "no_open_question",
        "rating_heavy",
        "leading_wording",
        "double_barrelled",
        "missing_intro",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    let leading = lint["hints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["code"] == "leading_wording")
        .unwrap();
    assert_eq!(leading["question_id"], "q1");

    // Warnings do not block; an error does.
    let (_, empty) = post(&app, &token, "/api/v1/surveys", &json!({"title": "Empty"}));
    let empty_id = empty["id"].as_str().unwrap();
    let (status, refused) = post(
        &app,
        &token,
        &format!("/api/v1/surveys/{empty_id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Conflict);
    assert_eq!(refused["error"]["code"], "lint_errors");
    assert!(
        refused["hints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["severity"] == "error")
    );

    let (status, open) = post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok);
    assert_eq!(open["status"], "open");
    assert!(
        open["open_link"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/s/{id}"))
    );
}

#[test]
fn published_questions_are_frozen_and_closing_keeps_responses() {
    let app = TestApp::new();
    let (token, id) = published(&app);
    let path = format!("/api/v1/surveys/{id}");
    let (status, body) = patch(
        &app,
        &token,
        &path,
        &json!({"questions": [{"kind": "text", "prompt": "New?"}]}),
    );
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(body["error"]["code"], "survey_published");
    let (status, body) = patch(
        &app,
        &token,
        &path,
        &json!({"title": "Service check (corrected)"}),
    );
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(body["title"], "Service check (corrected)");
    assert_eq!(body["questions"].as_array().unwrap().len(), 8);

    let (status, _) = post(
        &app,
        &token,
        &format!("{path}/responses"),
        &json!({"answers": {"improve": "Faster replies"}}),
    );
    assert_eq!(status, Status::Created);
    let deleted = app
        .client
        .delete(path.clone())
        .header(bearer(&token))
        .dispatch();
    assert_eq!(deleted.status(), Status::Conflict);
    let (status, closed) = post(&app, &token, &format!("{path}/close"), &json!({}));
    assert_eq!(status, Status::Ok);
    assert_eq!(closed["status"], "closed");
    let (_, responses) = get(&app, &token, &format!("{path}/responses"));
    assert_eq!(
        responses["items"].as_array().unwrap().len(),
        1,
        "closing keeps every response"
    );
    let (status, _) = post(
        &app,
        &token,
        &format!("{path}/responses"),
        &json!({"answers": {"improve": "x"}}),
    );
    assert_eq!(status, Status::Conflict, "a closed survey takes no answers");

    let (_, draft) = post(
        &app,
        &token,
        "/api/v1/surveys",
        &json!({"title": "Scratch"}),
    );
    let draft_path = format!("/api/v1/surveys/{}", draft["id"].as_str().unwrap());
    assert_eq!(
        app.client
            .delete(draft_path.clone())
            .header(bearer(&token))
            .dispatch()
            .status(),
        Status::NoContent
    );
    assert_eq!(get(&app, &token, &draft_path).0, Status::NotFound);
}

#[test]
fn templates_build_surveys() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let (status, list) = get(&app, &token, "/api/v1/templates");
    assert_eq!(status, Status::Ok);
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"customer-needs") && names.contains(&"self-assessment"),
        "{names:?}"
    );

    let empty_body = app
        .client
        .post("/api/v1/surveys?template=customer-needs")
        .header(bearer(&token))
        .dispatch();
    assert_eq!(empty_body.status(), Status::Created);
    let needs = crate::json(empty_body);
    assert!(
        needs["questions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["kind"] == "competitor")
    );

    let (status, assessment) = post(
        &app,
        &token,
        "/api/v1/surveys?template=self-assessment",
        &json!({"title": "Our self-check", "language": "nl"}),
    );
    assert_eq!(status, Status::Created);
    assert_eq!(assessment["title"], "Our self-check");
    assert_eq!(assessment["language"], "nl");
    let questions = assessment["questions"].as_array().unwrap();
    // 25 rated statements and one open question to close, every one in a section.
    assert_eq!(questions.len(), 26);
    assert!(questions.iter().all(|q| q["section"].is_string()));
    let rated = questions.iter().filter(|q| q["kind"] == "rating").count();
    assert_eq!(rated, 25);
    assert_eq!(questions[25]["kind"], "long_text");

    let (status, error) = post(&app, &token, "/api/v1/surveys?template=nope", &json!({}));
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(error["error"]["field"], "template");
}

#[test]
fn designers_see_only_their_own_surveys_and_analysts_only_read() {
    let app = TestApp::new();
    let (token_a, id) = published(&app);
    let (_, token_b) = app.user_with_token(Role::Designer);
    let (_, analyst) = app.user_with_token(Role::Analyst);
    let path = format!("/api/v1/surveys/{id}");
    let missing = get(&app, &token_b, "/api/v1/surveys/does-not-exist");
    let foreign = get(&app, &token_b, &path);
    assert_eq!(foreign.0, Status::NotFound);
    assert_eq!(
        foreign, missing,
        "another owner's survey looks exactly like none"
    );
    assert_eq!(
        patch(&app, &token_b, &path, &json!({"title": "Mine now"})).0,
        Status::NotFound
    );
    assert_eq!(
        get(&app, &token_b, "/api/v1/surveys").1["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    assert_eq!(get(&app, &analyst, &path).0, Status::Ok);
    assert_eq!(
        get(&app, &analyst, &format!("{path}/responses")).0,
        Status::Ok
    );
    assert_eq!(
        patch(&app, &analyst, &path, &json!({"title": "x"})).0,
        Status::Forbidden
    );
    assert_eq!(
        post(&app, &analyst, "/api/v1/surveys", &json!({"title": "x"})).0,
        Status::Forbidden
    );
    assert_eq!(get(&app, &token_a, &path).1["title"], "Service check");
}

#[test]
fn the_responses_api_checks_answers_and_pages_through_them() {
    let app = TestApp::new();
    let (token, id) = published(&app);
    let path = format!("/api/v1/surveys/{id}/responses");
    let (status, error) = post(&app, &token, &path, &json!({"answers": {"name": "Ann"}}));
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        error["error"]["field"], "answers.improve",
        "a required question is missing"
    );
    let (status, error) = post(
        &app,
        &token,
        &path,
        &json!({"answers": {"improve": "x", "ghost": 1}}),
    );
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(error["error"]["field"], "answers.ghost");
    let (status, error) = post(
        &app,
        &token,
        &path,
        &json!({"answers": {"improve": "x", "speed": 9}}),
    );
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(error["error"]["field"], "answers.speed");
    let (status, error) = post(
        &app,
        &token,
        &path,
        &json!({"answers": {"improve": "x", "priorities": ["Price", "Price", "Speed"]}}),
    );
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(error["error"]["field"], "answers.priorities");

    let full = json!({"answers": {
        "name": "Ann", "improve": "Answer the phone sooner", "channel": "Carrier pigeon", "topics": ["Billing", "Returns"],
        "speed": 4, "recommend": 9, "priorities": ["Speed", "Price", "Friendliness"],
        "versus": {"Us": {"Price": 4, "Quality": null}, "ShopCo": {"Price": 3}}
    }});
    let keyed = |key: &str| {
        let response = app
            .client
            .post(path.clone())
            .header(bearer(&token))
            .header(ContentType::JSON)
            .header(Header::new("Idempotency-Key", key.to_string()))
            .body(full.to_string())
            .dispatch();
        (response.status(), crate::json(response))
    };
    let (first_status, first) = keyed("kiosk-1");
    let (again_status, again) = keyed("kiosk-1");
    assert_eq!(first_status, Status::Created);
    assert_eq!(again_status, Status::Ok, "a retry returns the first result");
    assert_eq!(first["id"], again["id"]);
    for _ in 0..3 {
        assert_eq!(
            post(
                &app,
                &token,
                &path,
                &json!({"answers": {"improve": "More staff"}})
            )
            .0,
            Status::Created
        );
    }
    let (_, page1) = get(&app, &token, &format!("{path}?limit=2"));
    let items = page1["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["answers"]["versus"]["Us"]["Quality"], Value::Null);
    assert_eq!(
        items[0]["answers"]["channel"], "Carrier pigeon",
        "the other text is the answer"
    );
    let next = page1["next"].as_str().unwrap();
    let (_, page2) = get(&app, &token, &format!("{path}?limit=2&after={next}"));
    assert_eq!(page2["items"].as_array().unwrap().len(), 2);
    assert!(page2["next"].is_null());
    let mut ids: Vec<String> = items
        .iter()
        .chain(page2["items"].as_array().unwrap())
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "every response once");
    assert_eq!(
        get(&app, &token, &format!("{path}?limit=5000")).0,
        Status::UnprocessableEntity
    );
}
