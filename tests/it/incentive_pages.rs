//! The incentive as designers, cashiers and respondents meet it in the pages: the reward form
//! of the survey page and its lint, the staff page (adding codes, redeeming), the claim link of
//! an open-link respondent who was owed a code, the code emailed to a personal-link respondent
//! once codes arrive (oldest first), CSV uploads, and the draw running on its own at its time
//! and telling each winner once.

use std::time::{Duration, Instant};

use hearken::auth::Role;
use rocket::http::{ContentType, Status};
use serde_json::{Value, json};

use crate::respond::{answer_by_link, open_form, send};
use crate::surveys::{get, post};
use crate::{PASSWORD, TestApp, bearer, form};

fn draft(app: &TestApp, token: &str, incentive: Value) -> (String, String) {
    let (status, created) = post(
        app,
        token,
        "/api/v1/surveys",
        &json!({
            "title": "Pages reward",
            "intro": "Your answers help us improve our service, so that we can fix what matters to you.",
            "language": "en",
            "incentive": incentive,
            "questions": [{"kind": "long_text", "prompt": "What could we do better?", "required": false}],
        }),
    );
    assert_eq!(status, Status::Created, "{created}");
    (
        created["id"].as_str().unwrap().to_string(),
        created["questions"][0]["id"].as_str().unwrap().to_string(),
    )
}

fn publish(app: &TestApp, token: &str, id: &str) {
    let (status, body) = post(
        app,
        token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok, "{body}");
}

fn answer_open_link(app: &TestApp, id: &str, question: &str) -> String {
    let (_, csrf, submission) = open_form(&app.client, &format!("/s/{id}"));
    let field = format!("q.{question}");
    let (status, location, _) = send(
        &app.client,
        &format!("/s/{id}"),
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            (&field, "Kind staff"),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    location.unwrap()
}

#[test]
fn designers_set_the_reward_in_the_page_and_the_lint_warns() {
    let app = TestApp::new();
    app.add_user("designer@example.com", Role::Designer);
    assert_eq!(
        app.sign_in("designer@example.com", PASSWORD),
        Status::SeeOther
    );
    let (_, token) = app.user_with_token(Role::Admin);
    let (id, _) = draft(&app, &token, json!({"kind": "none"}));
    app.execute(&format!(
        "UPDATE surveys SET owner_id = (SELECT id FROM users WHERE email = 'designer@example.com') WHERE id = '{id}'"
    ));
    let page = app
        .client
        .get(format!("/surveys/{id}/reward"))
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        page.contains("name=\"kind\" value=\"lottery\""),
        "the reward form is on the Distribute tab's reward page"
    );
    let csrf = app.csrf();
    let save = |fields: &[(&str, &str)]| {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let response = app
            .client
            .post(format!("/surveys/{id}/reward"))
            .header(ContentType::Form)
            .body(form(&all))
            .dispatch();
        (
            response.status(),
            response.into_string().unwrap_or_default(),
        )
    };
    let (status, page) = save(&[
        ("kind", "lottery"),
        ("prize", "A bike"),
        ("winners", "0"),
        ("draw_at", "2099-06-01T12:00"),
    ]);
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        page.contains("winners") && page.contains("value=\"A bike\""),
        "the message and what was typed"
    );
    let (status, _) = save(&[
        ("kind", "lottery"),
        ("prize", "A bike"),
        ("winners", "2"),
        ("draw_at", "2099-06-01T12:00"),
        ("beacon", "the first lottery number on 1 June"),
    ]);
    assert_eq!(status, Status::SeeOther);
    let (_, survey) = get(&app, &token, &format!("/api/v1/surveys/{id}"));
    assert_eq!(survey["incentive"]["lottery"]["winners"], 2);
    assert_eq!(
        survey["incentive"]["lottery"]["draw_at"],
        "2099-06-01T12:00:00Z"
    );
    let (_, lint) = get(&app, &token, &format!("/api/v1/surveys/{id}/lint"));
    assert!(lint.to_string().contains("draw_without_rules"), "{lint}");

    let (status, _) = save(&[
        ("kind", "pool"),
        ("value", "10 % off"),
        ("expires_on", "2099-12-31"),
        ("low_stock_at", "3"),
    ]);
    assert_eq!(status, Status::SeeOther);
    let (_, survey) = get(&app, &token, &format!("/api/v1/surveys/{id}"));
    assert_eq!(survey["incentive"]["coupon"]["mode"], "pool");
    assert_eq!(
        survey["incentive"]["coupon"]["expires_at"],
        "2099-12-31T23:59:59Z"
    );
    app.invite(&id, None);
    app.invite(&id, None);
    let (_, lint) = get(&app, &token, &format!("/api/v1/surveys/{id}/lint"));
    assert!(lint.to_string().contains("coupon_pool_short"), "{lint}");
    let page = app
        .client
        .get(format!("/surveys/{id}"))
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        page.contains("0 unused codes for 2 invitations"),
        "the page shows the hint"
    );
    let (status, _) = post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/coupons"),
        &json!({"codes": ["A-1", "A-2", "A-3"]}),
    );
    assert_eq!(status, Status::Ok);
    let (_, lint) = get(&app, &token, &format!("/api/v1/surveys/{id}/lint"));
    assert!(!lint.to_string().contains("coupon_pool_short"), "{lint}");
}

#[test]
fn an_owed_open_link_respondent_claims_the_code_once_codes_arrive() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let (id, question) = draft(
        &app,
        &token,
        json!({"kind": "coupon", "coupon": {"mode": "pool", "value": "a free coffee"}}),
    );
    publish(&app, &token, &id);
    let thanks = answer_open_link(&app, &id, &question);
    let page = app.client.get(thanks).dispatch().into_string().unwrap();
    let claim = page
        .split("href=\"/coupons/claim/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("a claim link: {page}"))
        .to_string();
    let claim_page = || {
        app.client
            .get(format!("/coupons/claim/{claim}"))
            .dispatch()
            .into_string()
            .unwrap()
    };
    assert!(!claim_page().contains("LATE-CODE-1"));
    let response = app
        .client
        .post(format!("/api/v1/surveys/{id}/coupons"))
        .header(bearer(&token))
        .header(ContentType::CSV)
        .body("code,note\nLATE-CODE-1,first\nLATE-CODE-1,again\n")
        .dispatch();
    assert_eq!(response.status(), Status::Ok);
    let added: Value = serde_json::from_str(&response.into_string().unwrap()).unwrap();
    assert_eq!(
        (
            added["added"].as_i64(),
            added["duplicates"].as_i64(),
            added["served"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert!(
        claim_page().contains("LATE-CODE-1"),
        "the claim link shows the code now"
    );
    assert_eq!(
        app.client
            .get("/coupons/claim/AAAAAAAAAAAAAAAAAAAAAA")
            .dispatch()
            .status(),
        Status::NotFound
    );
}

#[test]
fn owed_personal_link_respondents_get_their_codes_by_email_oldest_first() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let (id, question) = draft(
        &app,
        &token,
        json!({"kind": "coupon", "coupon": {"mode": "pool", "value": "10 % off"}}),
    );
    publish(&app, &token, &id);
    let (status, _) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!([
            {"email": "first@example.com"}, {"email": "second@example.com"}, {"email": "third@example.com"}
        ]),
    );
    assert_eq!(status, Status::Ok);
    for email in [
        "first@example.com",
        "second@example.com",
        "third@example.com",
    ] {
        let contact = app
            .texts(&format!(
                "SELECT id AS value FROM contacts WHERE email = '{email}'"
            ))
            .remove(0);
        answer_by_link(&app, &id, &question, &contact, "ok");
        // Grants made within one microsecond would tie on their time; keep them apart.
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        app.texts("SELECT recipient AS value FROM outbox WHERE kind = 'notice'")
            .is_empty()
    );
    let (status, added) = post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/coupons"),
        &json!({"codes": ["ZZ-2", "ZZ-1"]}),
    );
    assert_eq!(status, Status::Ok, "{added}");
    assert_eq!(added["served"], 2);
    let mail = app.texts(
        "SELECT recipient || ' ' || payload AS value FROM outbox WHERE kind = 'notice' \
         AND recipient NOT LIKE 'designer%' ORDER BY recipient",
    );
    assert_eq!(mail.len(), 2, "{mail:?}");
    assert!(
        mail.iter()
            .any(|m| m.starts_with("first@example.com") && m.contains("ZZ-1")),
        "{mail:?}"
    );
    assert!(
        mail.iter()
            .any(|m| m.starts_with("second@example.com") && m.contains("ZZ-2")),
        "{mail:?}"
    );
    let (status, _) = post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/coupons"),
        &json!({"codes": ["ZZ-3"]}),
    );
    assert_eq!(status, Status::Ok);
    let third = app.texts("SELECT payload AS value FROM outbox WHERE kind = 'notice' AND recipient = 'third@example.com'",
    );
    assert_eq!(third.len(), 1);
    assert!(third[0].contains("ZZ-3"));
}

#[test]
fn cashiers_redeem_on_the_staff_page() {
    let app = TestApp::new();
    let admin = app.signed_in_admin();
    let token = app.token(&admin);
    let (id, question) = draft(
        &app,
        &token,
        json!({"kind": "coupon", "coupon": {"mode": "pool", "value": "10 % off"}}),
    );
    publish(&app, &token, &id);
    let csrf = app.csrf();
    let response = app
        .client
        .post(format!("/surveys/{id}/incentive/codes"))
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("codes", "code\nTILL-1\nTILL-2\nTILL-2"),
        ]))
        .dispatch();
    assert_eq!(response.status(), Status::Ok);
    assert!(
        response
            .into_string()
            .unwrap()
            .contains("2 codes added, 1 duplicate skipped")
    );
    answer_open_link(&app, &id, &question);
    let code = app
        .texts("SELECT code AS value FROM coupons WHERE grant_id IS NOT NULL")
        .remove(0);
    let redeem = |code: &str| {
        let response = app
            .client
            .post(format!("/surveys/{id}/incentive/redeem"))
            .header(ContentType::Form)
            .body(form(&[("csrf", &csrf), ("code", code)]))
            .dispatch();
        (response.status(), response.into_string().unwrap())
    };
    let (status, page) = redeem(&code);
    assert_eq!(status, Status::Ok, "{page}");
    assert!(page.contains("redeemed: 10 % off"));
    assert_eq!(redeem(&code).0, Status::Conflict);
    let unissued = if code == "TILL-1" { "TILL-2" } else { "TILL-1" };
    assert_eq!(
        redeem(unissued).0,
        Status::NotFound,
        "a code nobody was given is not redeemable"
    );
    let page = app
        .client
        .get(format!("/surveys/{id}/incentive"))
        .dispatch()
        .into_string()
        .unwrap();
    for figure in [
        "Codes added</th><td>2",
        "Remaining</th><td>1",
        "Issued</th><td>1",
        "Redeemed</th><td>1",
    ] {
        assert!(page.contains(figure), "{figure}: {page}");
    }
}

#[test]
fn the_draw_runs_on_its_own_at_its_time_and_tells_each_winner_once() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let draw_at = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339();
    let (id, question) = draft(
        &app,
        &token,
        json!({"kind": "lottery", "lottery": {"prize": "A bike", "winners": 2, "draw_at": draw_at, "rules": "One each."}}),
    );
    publish(&app, &token, &id);
    let (status, _) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!([{"email": "w1@example.com"}, {"email": "w2@example.com"}]),
    );
    assert_eq!(status, Status::Ok);
    for email in ["w1@example.com", "w2@example.com"] {
        let contact = app
            .texts(&format!(
                "SELECT id AS value FROM contacts WHERE email = '{email}'"
            ))
            .remove(0);
        let location = answer_by_link(&app, &id, &question, &contact, "ok");
        let thanks = app.client.get(location).dispatch().into_string().unwrap();
        assert!(
            thanks.contains("Receipt:"),
            "the ticket and receipt are shown: {thanks}"
        );
    }
    let started = Instant::now();
    loop {
        let (_, draw) = get(&app, &token, &format!("/api/v1/surveys/{id}/draw"));
        if draw["status"] == "drawn" {
            assert_eq!(draw["winners"].as_array().unwrap().len(), 2, "{draw}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the draw ran on its own: {draw}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let again = app
        .client
        .post(format!("/api/v1/surveys/{id}/draw"))
        .header(bearer(&token))
        .dispatch();
    assert_eq!(again.status(), Status::Conflict);
    let told =
        app.texts("SELECT recipient AS value FROM outbox WHERE kind = 'notice' ORDER BY recipient");
    assert_eq!(
        told,
        vec!["w1@example.com".to_string(), "w2@example.com".to_string()],
        "each winner once"
    );
}
