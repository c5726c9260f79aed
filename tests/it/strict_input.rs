//! Input the API must refuse rather than guess at: fields a kind of incentive does not have,
//! arrays where an object belongs, malformed JSON whatever the expected type, errors named at
//! the field inside an incentive, and list parameters that are given but not valid.

use hearken::auth::Role;
use rocket::http::{ContentType, Status};
use serde_json::{Value, json};

use crate::{TestApp, bearer};

fn post_raw(app: &TestApp, token: &str, path: &str, body: &str) -> (Status, Value) {
    let response = app
        .client
        .post(path.to_string())
        .header(bearer(token))
        .header(ContentType::JSON)
        .body(body)
        .dispatch();
    let status = response.status();
    (status, crate::json(response))
}

fn get(app: &TestApp, token: &str, path: &str) -> (Status, Value) {
    let response = app
        .client
        .get(path.to_string())
        .header(bearer(token))
        .dispatch();
    let status = response.status();
    (status, crate::json(response))
}

fn refused_at(status: Status, body: &Value, field: &str) {
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["error"]["field"], field, "{body}");
}

#[test]
fn every_kind_of_incentive_refuses_fields_it_does_not_have() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let lottery = json!({
        "prize": "A bike", "winners": 1, "draw_at": "2030-01-01T12:00:00Z", "rules": "One draw."
    });
    let coupon = json!({"mode": "generate", "value": "10% off"});
    let cases = [
        (json!({"kind": "none", "x": 1}), "incentive.x"),
        (
            json!({"kind": "coupon", "coupon": coupon, "x": 1}),
            "incentive.x",
        ),
        (
            json!({"kind": "lottery", "lottery": lottery, "x": 1}),
            "incentive.x",
        ),
        (
            json!({"kind": "none", "coupon": coupon}),
            "incentive.coupon",
        ),
        (
            json!({"kind": "coupon", "lottery": lottery}),
            "incentive.lottery",
        ),
        (json!({"kind": "lottery"}), "incentive.lottery"),
        (json!({"kind": "raffle"}), "incentive.kind"),
        (
            json!({"kind": "lottery", "lottery": {"winners": -1}}),
            "incentive.lottery.winners",
        ),
        (
            json!({"kind": "coupon", "coupon": ["generate", "10% off"]}),
            "incentive.coupon",
        ),
    ];
    for (incentive, field) in cases {
        let body = json!({"title": "x", "incentive": incentive}).to_string();
        let (status, answer) = post_raw(&app, &token, "/api/v1/surveys", &body);
        refused_at(status, &answer, field);
    }
    let mut winners = lottery.clone();
    winners["winners"] = json!(-1);
    let body = json!({"title": "x", "incentive": {"kind": "lottery", "lottery": winners}});
    let (status, answer) = post_raw(&app, &token, "/api/v1/surveys", &body.to_string());
    refused_at(status, &answer, "incentive.lottery.winners");
    assert_eq!(app.count("surveys"), 0, "nothing half-written");

    for incentive in [
        json!({"kind": "none"}),
        json!({"kind": "coupon", "coupon": coupon}),
        json!({"kind": "lottery", "lottery": lottery}),
    ] {
        let body = json!({"title": "x", "incentive": incentive}).to_string();
        let (status, answer) = post_raw(&app, &token, "/api/v1/surveys", &body);
        assert_eq!(status, Status::Created, "{answer}");
        assert_eq!(answer["incentive"], incentive);
    }
}

#[test]
fn an_array_is_never_read_as_an_object() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Admin);
    let (status, body) = post_raw(
        &app,
        &token,
        "/api/v1/surveys",
        r#"["Arr","intro","thanks","en",false,false,null,null,null,2,[]]"#,
    );
    refused_at(status, &body, "body");
    let (status, body) = post_raw(
        &app,
        &token,
        "/api/v1/surveys",
        r#"{"title":"T","questions":[["text","Why?"]]}"#,
    );
    refused_at(status, &body, "questions[0]");
    assert_eq!(app.count("surveys"), 0);

    let (status, body) = post_raw(
        &app,
        &token,
        "/api/v1/users",
        r#"["a@example.com","A","analyst","a long enough password"]"#,
    );
    refused_at(status, &body, "body");
    assert_eq!(app.count("users"), 1);

    // An import row is an object too; an array row is that row's rejection.
    let (status, body) = post_raw(
        &app,
        &token,
        "/api/v1/contacts",
        r#"[["c@example.com","C"],{"email":"d@example.com"}]"#,
    );
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(body["created"], 1, "{body}");
    assert_eq!(body["rejected"][0]["row"], 1, "{body}");
}

#[test]
fn malformed_json_is_400_whatever_the_expected_type() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Admin);
    for body in [
        "[1,2,3",
        "[\"Arr\",",
        "{\"title\": [1,",
        "{\"title\":\"x\"} ]",
    ] {
        let (status, answer) = post_raw(&app, &token, "/api/v1/surveys", body);
        assert_eq!(status, Status::BadRequest, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], "malformed_request");
        assert!(answer["error"].get("field").is_none(), "{answer}");
    }
    assert_eq!(app.count("surveys"), 0);
}

#[test]
fn integral_numbers_fit_integer_fields() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let body = r#"{"title":"T","max_reminders":3.0,"questions":[{"kind":"text","prompt":"Why?","max_length":200.0}]}"#;
    let (status, answer) = post_raw(&app, &token, "/api/v1/surveys", body);
    assert_eq!(status, Status::Created, "{answer}");
    assert_eq!(answer["questions"][0]["max_length"], 200);
    let body = r#"{"title":"T","max_reminders":2.5}"#;
    let (status, answer) = post_raw(&app, &token, "/api/v1/surveys", body);
    refused_at(status, &answer, "max_reminders");
}

#[test]
fn list_parameters_that_are_given_must_be_valid() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Admin);
    let (status, survey) = post_raw(&app, &token, "/api/v1/surveys", r#"{"title":"T"}"#);
    assert_eq!(status, Status::Created);
    let id = survey["id"].as_str().unwrap();
    let lists = [
        "/api/v1/surveys".to_string(),
        "/api/v1/contacts".to_string(),
        format!("/api/v1/surveys/{id}/responses"),
        format!("/api/v1/surveys/{id}/invitations"),
    ];
    for list in &lists {
        let (status, body) = get(&app, &token, list);
        assert_eq!(status, Status::Ok, "{list}: {body}");
        let (status, body) = get(&app, &token, &format!("{list}?limit=1000"));
        assert_eq!(status, Status::Ok, "{list}: {body}");
        for limit in [
            "",
            "null",
            "abc",
            "0",
            "-1",
            "1001",
            "99999999999999999999",
            "2.0",
            "5&limit=5",
        ] {
            let (status, body) = get(&app, &token, &format!("{list}?limit={limit}"));
            refused_at(status, &body, "limit");
        }
        for after in ["", "bogus", "x&after=y"] {
            let (status, body) = get(&app, &token, &format!("{list}?after={after}"));
            refused_at(status, &body, "after");
        }
    }
}
