//! Incentives through the real app: coupons given exactly once (generated and pooled, with a
//! pool that runs dry and is refilled), shown again on a used personal link and emailed,
//! redeemed once at the till, and the prize draw run once by many requests, published and
//! checked by the verifier against the published document.

use std::collections::HashSet;

use hearken::auth::Role;
use hearken::incentive::verify;
use hearken::respond::checking::{self, Origin};
use hearken::respond::writer::Writer;
use rocket::http::{ContentType, Status};
use serde_json::{Value, json};

use crate::respond::{open_form, send};
use crate::surveys::{get, post};
use crate::{TestApp, bearer};

fn body(incentive: Value, anonymous: bool) -> Value {
    json!({
        "title": "Reward check",
        "intro": "Your answers help us improve our service, so that we can fix what matters to you.",
        "language": "en",
        "anonymous": anonymous,
        "incentive": incentive,
        "questions": [{"kind": "long_text", "prompt": "What could we do better?", "required": false}],
    })
}

/// A published survey with `incentive`; (designer token, survey id, question id).
fn survey(app: &TestApp, incentive: Value, anonymous: bool) -> (String, String, String) {
    let (_, token) = app.user_with_token(Role::Designer);
    let (status, created) = post(app, &token, "/api/v1/surveys", &body(incentive, anonymous));
    assert_eq!(status, Status::Created, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let question = created["questions"][0]["id"].as_str().unwrap().to_string();
    let (status, published) = post(
        app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok, "{published}");
    (token, id, question)
}

fn pool() -> Value {
    json!({"kind": "coupon", "coupon": {"mode": "pool", "value": "10 % off", "low_stock_at": 5}})
}

fn add_codes(app: &TestApp, token: &str, id: &str, codes: &[String]) -> Value {
    let (status, added) = post(
        app,
        token,
        &format!("/api/v1/surveys/{id}/coupons"),
        &json!({"codes": codes}),
    );
    assert_eq!(status, Status::Ok, "{added}");
    added
}

/// Submits `n` completions at once straight to the batching writer (as the pages and the API
/// do), from `n` concurrent tasks.
fn complete_concurrently(app: &TestApp, id: &str, question: &str, n: usize) {
    let survey = {
        let mut conn = app.db().conn().unwrap();
        hearken::survey::editing::load(&mut conn, id)
            .unwrap()
            .unwrap()
    };
    let writer = app.client.rocket().state::<Writer>().unwrap().clone();
    let runtime = rocket::tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..n {
            let mut answers = serde_json::Map::new();
            answers.insert(question.to_string(), json!(format!("answer {i}")));
            let origin = Origin {
                channel: "api",
                submission_key: hearken::ids::new_id(),
                invitation_id: None,
                contact_id: None,
            };
            let submission = checking::submission(&survey, &answers, origin).unwrap();
            let writer = writer.clone();
            tasks.push(rocket::tokio::spawn(async move {
                writer.submit(submission).await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    });
}

fn coupons(app: &TestApp, token: &str, id: &str) -> (Vec<Value>, i64, i64) {
    let mut items = Vec::new();
    let mut path = format!("/api/v1/surveys/{id}/coupons?limit=1000");
    loop {
        let (status, page) = get(app, token, &path);
        assert_eq!(status, Status::Ok, "{page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/surveys/{id}/coupons?limit=1000&after={next}"),
            None => {
                return (
                    items,
                    page["remaining"].as_i64().unwrap(),
                    page["owed"].as_i64().unwrap(),
                );
            }
        }
    }
}

/// Check 45: 200 completions at once against a pool of 100 codes give the 100 codes once each
/// and owe the other 100; 100 more codes then go to those 100, each once.
#[test]
fn a_pool_is_issued_exactly_once_and_runs_dry_without_loss() {
    let app = TestApp::new();
    let (token, id, question) = survey(&app, pool(), false);
    let first: Vec<String> = (0..100).map(|i| format!("FIRST-{i:03}")).collect();
    let added = add_codes(&app, &token, &id, &first);
    assert_eq!(
        (added["added"].as_i64(), added["duplicates"].as_i64()),
        (Some(100), Some(0))
    );

    complete_concurrently(&app, &id, &question, 200);
    assert_eq!(app.count("responses"), 200);
    assert_eq!(
        app.count("coupon_grants"),
        200,
        "every completion has its grant"
    );
    let (items, remaining, owed) = coupons(&app, &token, &id);
    let issued: Vec<&Value> = items
        .iter()
        .filter(|c| c["issued_at"].is_string())
        .collect();
    assert_eq!((issued.len(), remaining, owed), (100, 0, 100));
    let responses: HashSet<&str> = issued
        .iter()
        .map(|c| c["response_id"].as_str().unwrap())
        .collect();
    assert_eq!(responses.len(), 100, "no response holds two codes");
    assert_eq!(
        app.texts("SELECT kind AS value FROM outbox").len(),
        1,
        "one low-stock email"
    );

    let second: Vec<String> = (0..100).map(|i| format!("SECOND-{i:03}")).collect();
    let mut with_duplicates = second.clone();
    with_duplicates.extend(first.iter().take(7).cloned());
    with_duplicates.push(second[0].clone());
    let added = add_codes(&app, &token, &id, &with_duplicates);
    assert_eq!(added["added"].as_i64(), Some(100));
    assert_eq!(added["duplicates"].as_i64(), Some(8));
    assert_eq!(added["served"].as_i64(), Some(100));
    let (items, remaining, owed) = coupons(&app, &token, &id);
    assert_eq!((items.len(), remaining, owed), (200, 0, 0));
    let holders: HashSet<&str> = items
        .iter()
        .map(|c| c["response_id"].as_str().unwrap())
        .collect();
    assert_eq!(holders.len(), 200, "every response holds exactly one code");
}

#[test]
fn generated_codes_show_on_the_thank_you_page_and_again_on_reload() {
    let app = TestApp::new();
    let generate = json!({"kind": "coupon", "coupon": {"mode": "generate", "prefix": "THX-", "value": "10 % off"}});
    let (_, id, question) = survey(&app, generate, false);
    let (html, csrf, submission) = open_form(&app.client, &format!("/s/{id}"));
    assert!(html.contains("10 % off"), "the form states the reward");
    let field = format!("q.{question}");
    let (status, location, _) = send(
        &app.client,
        &format!("/s/{id}"),
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            (&field, "Faster replies"),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    let thanks = location.unwrap();
    let page = app
        .client
        .get(thanks.clone())
        .dispatch()
        .into_string()
        .unwrap();
    let codes = app.texts("SELECT code AS value FROM coupons");
    assert_eq!(codes.len(), 1);
    let code = &codes[0];
    let random = code.strip_prefix("THX-").expect("the prefix");
    assert!(
        random.len() >= 10
            && random
                .chars()
                .all(|c| "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)),
        "{code}"
    );
    assert!(
        page.contains(code.as_str()),
        "the thank-you page shows the code"
    );
    let again = app.client.get(thanks).dispatch().into_string().unwrap();
    assert!(
        again.contains(code.as_str()),
        "a reload shows the same code"
    );
}

#[test]
fn a_personal_link_gets_its_code_by_email_and_again_when_reopened() {
    let app = TestApp::new();
    let generate =
        json!({"kind": "coupon", "coupon": {"mode": "generate", "value": "a free coffee"}});
    let (token, id, question) = survey(&app, generate, true);
    let (status, imported) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!([{"email": "ana@example.com", "name": "Ana", "language": "de"}]),
    );
    assert_eq!(status, Status::Ok, "{imported}");
    let contact = app.texts("SELECT id AS value FROM contacts").remove(0);
    let link = app.invite(&id, Some(&contact));
    let path = format!("/r/{link}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    let field = format!("q.{question}");
    let (status, location, _) = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            (&field, "More staff"),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    let code = app.texts("SELECT code AS value FROM coupons").remove(0);
    let thanks = app
        .client
        .get(location.unwrap())
        .dispatch()
        .into_string()
        .unwrap();
    assert!(thanks.contains(code.as_str()), "{thanks}");
    let reopened = crate::respond::follow(&app.client, &path)
        .into_string()
        .unwrap();
    assert!(
        reopened.contains(code.as_str()),
        "the used link shows the code again"
    );
    let mail = app.texts("SELECT payload AS value FROM outbox WHERE kind = 'notice'");
    assert_eq!(mail.len(), 1, "one thank-you email");
    assert!(
        mail[0].contains(code.as_str()) && mail[0].contains("\"language\":\"de\""),
        "{}",
        mail[0]
    );
    // Anonymous: nothing stored ties the code to the response.
    let linked =
        app.texts("SELECT g.id AS value FROM coupon_grants g WHERE g.response_id IS NOT NULL");
    assert!(
        linked.is_empty(),
        "an anonymous survey's grant names no response"
    );
}

#[test]
fn a_code_is_redeemed_once_and_guessing_is_braked() {
    let app = TestApp::new();
    let spec = json!({"kind": "coupon", "coupon": {"mode": "generate", "value": "5 EUR", "expires_at": "2099-01-01T00:00:00Z"}});
    let (token, id, question) = survey(&app, spec, false);
    complete_concurrently(&app, &id, &question, 1);
    let code = app.texts("SELECT code AS value FROM coupons").remove(0);
    let redeem = |code: &str| {
        let response = app
            .client
            .post(format!("/api/v1/coupons/{code}/redeem"))
            .header(bearer(&token))
            .dispatch();
        let status = response.status();
        (status, response.into_string().unwrap_or_default())
    };
    let (status, first) = redeem(&code);
    assert_eq!(status, Status::Ok, "{first}");
    assert!(first.contains("5 EUR"));
    assert_eq!(redeem(&code).0, Status::Conflict);
    assert_eq!(redeem("NO-SUCH-CODE").0, Status::NotFound);
    app.execute(&format!(
        "UPDATE surveys SET incentive = '{}' WHERE id = '{id}'",
        json!({"kind": "coupon", "coupon": {"mode": "generate", "value": "5 EUR", "expires_at": "2001-01-01T00:00:00Z"}})
    ));
    complete_concurrently(&app, &id, &question, 1);
    let expired = app
        .texts(&format!(
            "SELECT code AS value FROM coupons WHERE code <> '{code}'"
        ))
        .remove(0);
    assert_eq!(redeem(&expired).0, Status::Gone);
    let statuses: Vec<Status> = (0..25).map(|i| redeem(&format!("GUESS-{i}")).0).collect();
    assert_eq!(
        statuses.last(),
        Some(&Status::TooManyRequests),
        "{statuses:?}"
    );
}

fn lottery(winners: u32) -> Value {
    json!({"kind": "lottery", "lottery": {"prize": "A bike", "winners": winners, "draw_at": "2099-01-01T00:00:00Z", "rules": "One entry per person."}})
}

/// Check 46: many requests, one draw; the published document verifies; an entry after the
/// draw is not in it; each winner is told once.
#[test]
fn the_draw_runs_once_and_anyone_can_verify_it() {
    let app = TestApp::new();
    let (token, id, question) = survey(&app, lottery(3), false);
    let (status, draw) = get(&app, &token, &format!("/api/v1/surveys/{id}/draw"));
    assert_eq!(status, Status::Ok, "{draw}");
    let commitment = draw["commitment"].as_str().unwrap().to_string();
    assert_eq!(commitment.len(), 64);
    assert!(
        draw.get("seed").is_none(),
        "the seed stays secret before the draw"
    );
    complete_concurrently(&app, &id, &question, 10);
    let public = app
        .client
        .get(format!("/draws/{id}"))
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        public.contains(&commitment) && public.contains("10 entries"),
        "{public}"
    );

    let statuses: Vec<Status> = (0..20)
        .map(|_| {
            app.client
                .post(format!("/api/v1/surveys/{id}/draw"))
                .header(bearer(&token))
                .header(ContentType::JSON)
                .body(r#"{"beacon_value": "17"}"#)
                .dispatch()
                .status()
        })
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == Status::Ok).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == Status::Conflict).count(),
        19
    );

    complete_concurrently(&app, &id, &question, 1);
    let document: Value = serde_json::from_str(
        &app.client
            .get(format!("/draws/{id}.json"))
            .dispatch()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        document["entrants"].as_array().unwrap().len(),
        10,
        "the late entry is not in it"
    );
    assert_eq!(document["commitment"], commitment);
    assert_eq!(document["beacon_value"], "17");
    let parsed: verify::Document = serde_json::from_value(document.clone()).unwrap();
    let report = verify::verify(&parsed);
    assert!(report.ok(), "{report}");
    assert_eq!(document["winners"].as_array().unwrap().len(), 3);
}

/// Check 46 with real concurrency: twenty draws started at once on twenty connections (as
/// twenty requests on several nodes would) draw once, and tell each winner once.
#[test]
fn twenty_draws_at_once_draw_once() {
    use hearken::incentive::{Plan, draws};
    use hearken::survey::incentive::Incentive;

    let app = TestApp::new();
    let (token, id, question) = survey(&app, lottery(2), false);
    let (status, _) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!([{"email": "a@example.com"}, {"email": "b@example.com"}, {"email": "c@example.com"}]),
    );
    assert_eq!(status, Status::Ok);
    let survey = {
        let mut conn = app.db().conn().unwrap();
        hearken::survey::editing::load(&mut conn, &id)
            .unwrap()
            .unwrap()
    };
    let writer = app.client.rocket().state::<Writer>().unwrap().clone();
    let runtime = rocket::tokio::runtime::Runtime::new().unwrap();
    for contact in app.texts("SELECT id AS value FROM contacts") {
        let link = app.invite(&id, Some(&contact));
        let invitation = app
            .texts(&format!(
                "SELECT id AS value FROM invitations WHERE contact_id = '{contact}'"
            ))
            .remove(0);
        assert!(!link.is_empty());
        let mut answers = serde_json::Map::new();
        answers.insert(question.clone(), json!("fine"));
        let origin = Origin {
            channel: "invitation",
            submission_key: hearken::ids::new_id(),
            invitation_id: Some(&invitation),
            contact_id: Some(&contact),
        };
        let submission = checking::submission(&survey, &answers, origin).unwrap();
        runtime.block_on(writer.submit(submission)).unwrap();
    }
    let plan = Plan::of(&survey).unwrap();
    let Incentive::Lottery { lottery } = survey.incentive() else {
        panic!("a prize draw");
    };
    let barrier = std::sync::Barrier::new(20);
    let (db, settings) = (app.db().clone(), app.settings().clone());
    let drawn: Vec<bool> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                let (db, settings, plan, lottery, barrier) =
                    (&db, &settings, &plan, &lottery, &barrier);
                scope.spawn(move || {
                    // Connections are taken after the start line: the pool holds fewer than
                    // twenty, and a thread holding one must not wait for those without.
                    barrier.wait();
                    let mut conn = db.conn().unwrap();
                    draws::run(&mut conn, settings, plan, lottery, Some("7"))
                        .unwrap()
                        .is_ok()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(drawn.iter().filter(|d| **d).count(), 1, "{drawn:?}");
    let winners = app.texts("SELECT winners AS value FROM draws");
    assert_eq!(winners.len(), 1);
    let told = app.texts("SELECT recipient AS value FROM outbox WHERE kind = 'notice'");
    assert_eq!(told.len(), 2, "two winners, each told once: {told:?}");
    assert_eq!(told.iter().collect::<HashSet<_>>().len(), 2);
}
