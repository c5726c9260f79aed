//! Anonymous surveys stay anonymous with their rewards: after an anonymous survey's respondent
//! has answered through a personal link and got a coupon (emailed to them), and another has
//! won an anonymous prize draw (and been told by email), a walk over every stored value of
//! every table, starting from the responses, must never reach the contact, the invitation or
//! the email address. The walk follows any shared value of 16 characters or more (ids, codes,
//! receipts, tokens, digests, times) in either direction, including one value inside another
//! (an email payload that quotes a code), so a new table or column that links them fails it.
//! The coupon email of an anonymous response is dated by the day and sent minutes later, so
//! not even its times match the response's to the second.

use std::collections::HashSet;

use hearken::auth::Role;
use rocket::http::Status;
use serde_json::{Map, Value, json};

use crate::TestApp;
use crate::respond::answer_by_link;
use crate::surveys::post;

/// Every row of every table, as (table, column → value as text).
fn every_row(app: &TestApp) -> Vec<(String, Map<String, Value>)> {
    let tables = if app.database.is_postgres() {
        app.texts(
            "SELECT table_name AS value FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
    } else {
        app.texts(
            "SELECT name AS value FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%'",
        )
    };
    let mut rows = Vec::new();
    for table in tables {
        let json_rows = if app.database.is_postgres() {
            app.texts(&format!(
                "SELECT row_to_json(t)::text AS value FROM \"{table}\" t"
            ))
        } else {
            let columns = app.texts(&format!(
                "SELECT name AS value FROM pragma_table_info('{table}')"
            ));
            let pairs: Vec<String> = columns
                .iter()
                .map(|c| format!("'{c}', CAST(\"{c}\" AS TEXT)"))
                .collect();
            app.texts(&format!(
                "SELECT json_object({}) AS value FROM \"{table}\"",
                pairs.join(", ")
            ))
        };
        for row in json_rows {
            let Value::Object(map) = serde_json::from_str(&row).unwrap() else {
                panic!("{table}: {row}");
            };
            rows.push((table.clone(), map));
        }
    }
    rows
}

fn strings(row: &Map<String, Value>, skip: &HashSet<String>) -> Vec<String> {
    row.values()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .filter(|s| s.chars().count() >= 16 && !skip.contains(s))
        .collect()
}

/// Whether two stored values tie rows together: equal, or one holding the other (an email's
/// payload quoting a code). Times only when equal: a time printed with fewer fractional digits
/// is a prefix of another within the same millisecond, which says nothing.
fn linked(a: &str, b: &str) -> bool {
    let time = |s: &str| {
        s.len() >= 19
            && s.as_bytes()[4] == b'-'
            && s.as_bytes()[10] == b' '
            && s.as_bytes()[13] == b':'
    };
    a == b || (!time(a) && !time(b) && (a.contains(b) || b.contains(a)))
}

/// The rows reachable from the anonymous survey's responses through shared values.
fn reachable(app: &TestApp, survey_ids: &[&str]) -> Vec<(String, Map<String, Value>)> {
    let rows = every_row(app);
    // Values every row of a survey shares say nothing about a person.
    let skip: HashSet<String> = survey_ids.iter().map(|s| s.to_string()).collect();
    let mut reached: Vec<bool> = rows
        .iter()
        .map(|(table, row)| {
            table == "responses" && row["survey_id"].as_str().is_some_and(|s| skip.contains(s))
        })
        .collect();
    assert!(reached.iter().any(|r| *r), "the anonymous responses exist");
    let mut frontier: Vec<String> = rows
        .iter()
        .zip(&reached)
        .filter(|(_, r)| **r)
        .flat_map(|((_, row), _)| strings(row, &skip))
        .collect();
    while let Some(value) = frontier.pop() {
        for (i, (_, row)) in rows.iter().enumerate() {
            if reached[i] {
                continue;
            }
            let values = strings(row, &skip);
            if values.iter().any(|v| linked(v, &value)) {
                reached[i] = true;
                frontier.extend(values);
            }
        }
    }
    rows.into_iter()
        .zip(reached)
        .filter(|(_, r)| *r)
        .map(|(row, _)| row)
        .collect()
}

fn anonymous_survey(app: &TestApp, token: &str, incentive: Value) -> (String, String) {
    let (status, created) = post(
        app,
        token,
        "/api/v1/surveys",
        &json!({
            "title": "Anonymous reward",
            "intro": "Your answers help us improve our service, so that we can fix what matters to you.",
            "language": "en",
            "anonymous": true,
            "incentive": incentive,
            "questions": [{"kind": "long_text", "prompt": "What could we do better?", "required": false}],
        }),
    );
    assert_eq!(status, Status::Created, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let question = created["questions"][0]["id"].as_str().unwrap().to_string();
    let (status, body) = post(
        app,
        token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok, "{body}");
    (id, question)
}

#[test]
fn no_stored_value_links_an_anonymous_response_to_its_respondent() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let (status, _) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!([
            {"email": "coupon.person@example.com", "name": "Coupon Person"},
            {"email": "draw.person@example.com", "name": "Draw Person"}
        ]),
    );
    assert_eq!(status, Status::Ok);
    let contact = |email: &str| {
        app.texts(&format!(
            "SELECT id AS value FROM contacts WHERE email = '{email}'"
        ))
        .remove(0)
    };
    let coupon_contact = contact("coupon.person@example.com");
    let draw_contact = contact("draw.person@example.com");

    let pool = json!({"kind": "coupon", "coupon": {"mode": "pool", "value": "10 % off"}});
    let (coupon_survey, question) = anonymous_survey(&app, &token, pool);
    let (status, _) = post(
        &app,
        &token,
        &format!("/api/v1/surveys/{coupon_survey}/coupons"),
        &json!({"codes": ["ANON-CODE-0000000001", "ANON-CODE-0000000002"]}),
    );
    assert_eq!(status, Status::Ok);
    answer_by_link(
        &app,
        &coupon_survey,
        &question,
        &coupon_contact,
        "Shorter queues",
    );

    let lottery = json!({"kind": "lottery", "lottery": {"prize": "A bike", "winners": 1,
        "draw_at": "2099-01-01T00:00:00Z", "rules": "One entry each."}});
    let (draw_survey, question) = anonymous_survey(&app, &token, lottery);
    answer_by_link(
        &app,
        &draw_survey,
        &question,
        &draw_contact,
        "Shorter queues",
    );
    let (status, drawn) = post(
        &app,
        &token,
        &format!("/api/v1/surveys/{draw_survey}/draw"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok, "{drawn}");

    // The coupon email is caused by the response; the winner's email by the draw.
    let response_times = app.texts("SELECT CAST(submitted_at AS TEXT) AS value FROM responses");
    let mail_times = app.texts(
        "SELECT CAST(created_at AS TEXT) || ' ' || CAST(next_attempt_at AS TEXT) AS value \
         FROM outbox WHERE kind = 'notice' AND payload LIKE '%ANON-CODE%'",
    );
    assert_eq!(mail_times.len(), 1);
    for response in &response_times {
        assert!(
            !mail_times[0].contains(&response[..16]),
            "the coupon email is dated to the minute of an anonymous response: {mail_times:?} / {response}"
        );
    }
    let notices = app.texts("SELECT payload AS value FROM outbox WHERE kind = 'notice'");
    assert_eq!(
        notices.len(),
        2,
        "the coupon email and the winner's email are queued"
    );
    assert!(notices.iter().any(|n| n.contains("ANON-CODE-000000000")));

    let reached = reachable(&app, &[&coupon_survey, &draw_survey]);
    let secrets = [
        coupon_contact.clone(),
        draw_contact.clone(),
        "coupon.person@example.com".to_string(),
        "draw.person@example.com".to_string(),
    ];
    let invitations = app.texts("SELECT id AS value FROM invitations");
    for (table, row) in &reached {
        for value in row.values().filter_map(Value::as_str) {
            for secret in secrets.iter().chain(&invitations) {
                assert!(
                    !value.contains(secret.as_str()),
                    "an anonymous response reaches {secret} through {table}: {row:?}"
                );
            }
        }
    }
    let tables: HashSet<&str> = reached.iter().map(|(t, _)| t.as_str()).collect();
    assert!(
        tables.contains("answers"),
        "the walk follows links: {tables:?}"
    );
}
