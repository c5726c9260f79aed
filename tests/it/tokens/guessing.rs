//! Check 28: guessing personal links. Twenty unknown tokens from one address within ten
//! minutes, then 429 with `Retry-After` for that address only; `X-Forwarded-For` from an
//! untrusted peer changes nothing; every unknown token gets one identical answer.

use std::net::SocketAddr;

use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::LocalResponse;
use serde_json::json;

use crate::surveys::{post, published};
use crate::{TestApp, form};

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

fn guess<'c>(app: &'c TestApp, from: &str, i: usize) -> LocalResponse<'c> {
    let path = format!("/r/{}", hearken::ids::new_secret());
    if i.is_multiple_of(2) {
        app.client.get(path).remote(addr(from)).dispatch()
    } else {
        app.client
            .post(path)
            .remote(addr(from))
            .header(ContentType::Form)
            .body(form(&[("submission", "x"), ("q.improve", "guess")]))
            .dispatch()
    }
}

fn retry_after(response: &LocalResponse<'_>) -> u64 {
    response
        .headers()
        .get_one("Retry-After")
        .expect("Retry-After on a 429")
        .parse()
        .expect("Retry-After in seconds")
}

#[test]
fn a_thousand_guesses_from_one_address_are_stopped_after_twenty() {
    let app = TestApp::new();
    let (_, survey_id) = published(&app);
    let valid = app.invite(&survey_id, None);
    let attacker = "1.2.3.4:5678";
    let started = std::time::Instant::now();
    for i in 0..1000 {
        let response = guess(&app, attacker, i);
        if i < 20 {
            assert_eq!(response.status(), Status::NotFound, "guess {i}");
            continue;
        }
        assert_eq!(response.status(), Status::TooManyRequests, "guess {i}");
        let wait = retry_after(&response);
        assert!((1..=600).contains(&wait), "Retry-After {wait}");
        if i == 20 {
            let html = response.into_string().unwrap();
            assert!(html.contains("<html lang=\"en\""), "{html}");
            assert!(html.contains("Please wait"), "{html}");
        }
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    // Every personal-link address is closed to that peer, a valid link included.
    let blocked = app
        .client
        .get(format!("/r/{valid}"))
        .remote(addr(attacker))
        .dispatch();
    assert_eq!(blocked.status(), Status::TooManyRequests);
    let home = app
        .client
        .get("/r/i/anything")
        .remote(addr(attacker))
        .dispatch();
    assert_eq!(home.status(), Status::TooManyRequests);
    // The same address on another port is the same client.
    assert_eq!(
        guess(&app, "1.2.3.4:6000", 0).status(),
        Status::TooManyRequests
    );

    // Anyone else is not affected: a valid link opens, and their own guesses count separately.
    let entered = app
        .client
        .get(format!("/r/{valid}"))
        .remote(addr("5.6.7.8:4000"))
        .dispatch();
    assert_eq!(entered.status(), Status::SeeOther);
    let location = entered.headers().get_one("Location").unwrap().to_string();
    let page = app
        .client
        .get(location)
        .remote(addr("5.6.7.8:4000"))
        .dispatch();
    assert_eq!(page.status(), Status::Ok);
    assert_eq!(
        guess(&app, "9.9.9.9:1000", 0).status(),
        Status::NotFound,
        "a new address starts with a clean slate"
    );
    // The open link is not part of this limit.
    let open = app
        .client
        .get(format!("/s/{survey_id}"))
        .remote(addr(attacker))
        .dispatch();
    assert_eq!(open.status(), Status::Ok);
}

#[test]
fn a_rotating_forwarded_for_header_does_not_reset_the_count() {
    let app = TestApp::new();
    let attacker = "192.0.2.10:40000";
    for i in 0..60 {
        let response = app
            .client
            .get(format!("/r/{}", hearken::ids::new_secret()))
            .remote(addr(attacker))
            .header(Header::new(
                "X-Forwarded-For",
                format!("10.1.{}.{}", i / 250, i % 250),
            ))
            .dispatch();
        let expected = if i < 20 {
            Status::NotFound
        } else {
            Status::TooManyRequests
        };
        assert_eq!(response.status(), expected, "guess {i}");
    }

    // Behind a trusted proxy, the client the proxy names is the one counted.
    let proxied = TestApp::with(|f| f.merge(("trusted_proxies", ["127.0.0.1"])));
    let through_proxy = |client: &str| {
        proxied
            .client
            .get(format!("/r/{}", hearken::ids::new_secret()))
            .remote(addr("127.0.0.1:50000"))
            // The attacker controls everything left of what the proxy appended.
            .header(Header::new(
                "X-Forwarded-For",
                format!("{}, {client}", hearken::ids::new_id()),
            ))
            .dispatch()
            .status()
    };
    for _ in 0..20 {
        assert_eq!(through_proxy("203.0.113.7"), Status::NotFound);
    }
    assert_eq!(through_proxy("203.0.113.7"), Status::TooManyRequests);
    assert_eq!(
        through_proxy("198.51.100.1"),
        Status::NotFound,
        "another client behind the same proxy is not blocked"
    );
}

#[test]
fn every_unknown_token_gets_the_same_answer() {
    let app = TestApp::new();
    let (api, survey_id) = published(&app);
    let right_shape = hearken::ids::new_secret();
    let one_off = {
        let real = app.invite(&survey_id, None);
        let last = if real.ends_with('A') { 'B' } else { 'A' };
        format!("{}{last}", &real[..real.len() - 1])
    };
    let unknown = [
        "abc".to_string(),
        "x".repeat(300),
        "not%20a%20token%21%21".to_string(),
        "tok.en~with*odd'chars".to_string(),
        right_shape,
        one_off,
    ];
    let mut answers = Vec::new();
    for token in &unknown {
        let get = app.client.get(format!("/r/{token}")).dispatch();
        answers.push((get.status(), get.into_string().unwrap_or_default()));
        let csrf = app.csrf();
        let post = app
            .client
            .post(format!("/r/{token}"))
            .header(ContentType::Form)
            .body(form(&[("csrf", &csrf), ("q.improve", "x")]))
            .dispatch();
        answers.push((post.status(), post.into_string().unwrap_or_default()));
    }
    let (status, body) = &answers[0];
    assert_eq!(*status, Status::NotFound);
    assert!(body.contains("Survey not found"), "{body}");
    for (i, answer) in answers.iter().enumerate() {
        assert_eq!(answer, &answers[0], "answer {i} differs");
    }

    // The holder of a real link still learns what happened to it: answered, or closed.
    let used = app.invite(&survey_id, None);
    let used_browser = TestApp::with_client_of(&app);
    let (_, csrf, submission) =
        crate::respond::open_form(&used_browser.client, &format!("/r/{used}"));
    let done = crate::respond::send(
        &used_browser.client,
        &format!("/r/{used}"),
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.improve", "Done"),
        ],
    );
    assert_eq!(done.0, Status::SeeOther);
    let (_, _, answered) = crate::respond::send(
        &used_browser.client,
        &format!("/r/{used}"),
        &[("csrf", &csrf), ("submission", "again"), ("q.improve", "x")],
    );
    assert!(answered.contains("already answered"), "{answered}");

    let closed = app.invite(&survey_id, None);
    let (status, _) = post(
        &app,
        &api,
        &format!("/api/v1/surveys/{survey_id}/close"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok);
    let browser = TestApp::with_client_of(&app);
    let entered = browser.client.get(format!("/r/{closed}")).dispatch();
    assert_eq!(entered.status(), Status::SeeOther);
    let location = entered.headers().get_one("Location").unwrap().to_string();
    let page = browser.client.get(location).dispatch();
    assert_eq!(page.status(), Status::Ok);
    assert!(
        page.into_string()
            .unwrap()
            .contains("This survey is closed")
    );
}
